//! Typesetting with the bundled font: wrapping, shrink-to-fit and drawing glyphs onto a canvas.

use super::fonts;
use parley::fontique::Blob;
use parley::{
    Alignment, AlignmentOptions, BreakReason, FontContext, FontFamily, FontWeight, Layout,
    LayoutContext, LineHeight, OverflowWrap, PositionedLayoutItem, StyleProperty,
};
use resvg::tiny_skia::Pixmap;
use std::sync::Arc;
use swash::FontRef;
use swash::scale::{Render, ScaleContext, Source};
use swash::zeno::{Format, Vector};

/// Straight-alpha sRGB, the brush parley carries through layout to the glyphs.
pub type Rgba = [u8; 4];

/// A paragraph to set: one size, one weight, one colour.
#[derive(Clone, Debug)]
pub struct Paragraph<'a> {
    pub text: &'a str,
    /// Pixel size before any shrinking.
    pub size: f32,
    pub bold: bool,
    pub colour: Rgba,
    /// Line spacing as a multiple of the size.
    pub line_height: f32,
    /// Space above the paragraph, in pixels before shrinking.
    pub space_before: f32,
    pub align: Alignment,
}

/// Paragraphs laid out to fit a box, ready to draw.
pub struct Setting {
    layouts: Vec<(Layout<Rgba>, f32)>,
    pub height: f32,
    pub width: f32,
    /// How much the sizes were reduced to fit (1.0 = not at all).
    pub scale: f32,
    /// False when even the smallest allowed size overflows the box; the overflow is cut off.
    pub fits: bool,
}

/// Text never shrinks below this share of its intended size: smaller would be unreadable from a
/// few metres, so an overlong text is cut off and reported instead.
const MIN_SCALE: f32 = 0.4;

/// How much smaller than needed to fit text may get to avoid an orphan.
const MAX_SHRINK_AGAINST_ORPHANS: f32 = 0.85;

/// Whether a wrapped line holds so little (under a fifth of the width) that it reads as a stray
/// word, like 「注意」 broken into 「注」 and 「意」.
fn has_orphan(setting: &Setting, width: f32) -> bool {
    setting.layouts.iter().any(|(layout, _)| {
        let mut after_wrap = false;
        layout.lines().any(|line| {
            let orphan = after_wrap
                && line.metrics().advance - line.metrics().trailing_whitespace < width * 0.2;
            after_wrap = matches!(
                line.break_reason(),
                BreakReason::Regular | BreakReason::Emergency
            );
            orphan
        })
    })
}

pub struct Typesetter {
    fonts: FontContext,
    layouts: LayoutContext<Rgba>,
    glyphs: ScaleContext,
}

impl Default for Typesetter {
    fn default() -> Self {
        let mut fonts = FontContext::default();
        for data in [fonts::REGULAR, fonts::BOLD] {
            fonts
                .collection
                .register_fonts(Blob::new(Arc::new(data)), None);
        }
        Typesetter {
            fonts,
            layouts: LayoutContext::new(),
            glyphs: ScaleContext::new(),
        }
    }
}

impl Typesetter {
    /// Lays out `paragraphs` stacked top to bottom within `width`, shrinking them all by the same
    /// factor until their height fits `max_height`, and a little further if that keeps a word or
    /// two from being left alone on a line.
    pub fn fit(&mut self, paragraphs: &[Paragraph], width: f32, max_height: f32) -> Setting {
        let mut scale = 1.0;
        let mut first_fit: Option<Setting> = None;
        loop {
            let setting = self.set(paragraphs, width, scale);
            let fits = setting.height <= max_height && setting.width <= width + 0.5;
            if fits && !has_orphan(&setting, width) {
                return setting;
            }
            if let Some(fitted) =
                first_fit.take_if(|f| scale < f.scale * MAX_SHRINK_AGAINST_ORPHANS)
            {
                return fitted;
            }
            if scale <= MIN_SCALE {
                return first_fit.unwrap_or(Setting {
                    fits: false,
                    ..setting
                });
            }
            if fits && first_fit.is_none() {
                first_fit = Some(setting);
            }
            scale = (scale * 0.96).max(MIN_SCALE);
        }
    }

    fn set(&mut self, paragraphs: &[Paragraph], width: f32, scale: f32) -> Setting {
        let mut layouts = Vec::with_capacity(paragraphs.len());
        let mut y = 0.0;
        let mut widest: f32 = 0.0;
        for (i, paragraph) in paragraphs.iter().enumerate() {
            if i > 0 {
                y += paragraph.space_before * scale;
            }
            let size = (paragraph.size * scale).round();
            let mut builder =
                self.layouts
                    .ranged_builder(&mut self.fonts, paragraph.text, 1.0, true);
            builder.push_default(StyleProperty::FontFamily(FontFamily::named(fonts::FAMILY)));
            builder.push_default(StyleProperty::FontSize(size));
            builder.push_default(StyleProperty::Brush(paragraph.colour));
            builder.push_default(StyleProperty::LineHeight(LineHeight::FontSizeRelative(
                paragraph.line_height,
            )));
            // Long words and URLs break anywhere rather than run off the screen.
            builder.push_default(StyleProperty::OverflowWrap(OverflowWrap::Anywhere));
            if paragraph.bold {
                builder.push_default(StyleProperty::FontWeight(FontWeight::BOLD));
            }
            let mut layout = builder.build(paragraph.text);
            layout.break_all_lines(Some(width));
            layout.align(paragraph.align, AlignmentOptions::default());
            widest = widest.max(layout.width());
            let height = layout.height();
            layouts.push((layout, y));
            y += height;
        }
        Setting {
            layouts,
            height: y,
            width: widest,
            scale,
            fits: true,
        }
    }

    /// Draws a setting with its top-left corner at (`left`, `top`), clipped to the canvas.
    pub fn draw(&mut self, setting: &Setting, canvas: &mut Pixmap, left: f32, top: f32) {
        for (layout, offset) in &setting.layouts {
            for line in layout.lines() {
                for item in line.items() {
                    let PositionedLayoutItem::GlyphRun(run) = item else {
                        continue;
                    };
                    let colour = run.style().brush;
                    let font = run.run().font();
                    let Some(font_ref) =
                        FontRef::from_index(font.data.as_ref(), font.index as usize)
                    else {
                        continue;
                    };
                    let mut scaler = self
                        .glyphs
                        .builder(font_ref)
                        .size(run.run().font_size())
                        .hint(false)
                        .build();
                    for glyph in run.positioned_glyphs() {
                        let Ok(id) = u16::try_from(glyph.id) else {
                            continue;
                        };
                        let x = left + glyph.x;
                        let y = top + offset + glyph.y;
                        // Keep the sub-pixel part of x so letter spacing stays even.
                        let rendered = Render::new(&[Source::Outline])
                            .format(Format::Alpha)
                            .offset(Vector::new(x.fract(), 0.0))
                            .render(&mut scaler, id);
                        let Some(mask) = rendered else { continue };
                        blend_mask(
                            canvas,
                            x.floor() as i32 + mask.placement.left,
                            y.round() as i32 - mask.placement.top,
                            mask.placement.width,
                            mask.placement.height,
                            &mask.data,
                            colour,
                        );
                    }
                }
            }
        }
    }
}

/// Paints `colour` through an 8-bit coverage mask onto a premultiplied canvas.
fn blend_mask(
    canvas: &mut Pixmap,
    x0: i32,
    y0: i32,
    width: u32,
    height: u32,
    mask: &[u8],
    colour: Rgba,
) {
    let (canvas_w, canvas_h) = (canvas.width() as i32, canvas.height() as i32);
    let pixels = canvas.data_mut();
    for row in 0..height as i32 {
        let y = y0 + row;
        if y < 0 || y >= canvas_h {
            continue;
        }
        for col in 0..width as i32 {
            let x = x0 + col;
            if x < 0 || x >= canvas_w {
                continue;
            }
            let coverage = u32::from(mask[(row * width as i32 + col) as usize]);
            let alpha = coverage * u32::from(colour[3]) / 255;
            if alpha == 0 {
                continue;
            }
            let at = ((y * canvas_w + x) * 4) as usize;
            let keep = 255 - alpha;
            for channel in 0..3 {
                let under = u32::from(pixels[at + channel]);
                pixels[at + channel] =
                    ((u32::from(colour[channel]) * alpha + under * keep) / 255) as u8;
            }
            let under_alpha = u32::from(pixels[at + 3]);
            pixels[at + 3] = (alpha + under_alpha * keep / 255) as u8;
        }
    }
}
