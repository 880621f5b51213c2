//! Typesetting with the bundled font: wrapping between phrases, furigana, shrink-to-fit and
//! drawing glyphs onto a canvas.

use super::fonts;
use crate::core::{furigana, phrases};
use parley::fontique::Blob;
use parley::{
    Alignment, AlignmentOptions, BreakReason, Cluster, FontContext, FontFamily, FontWeight, Layout,
    LayoutContext, LineHeight, OverflowWrap, PositionedLayoutItem, RangedBuilder, StyleProperty,
    WordBreak,
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
    layouts: Vec<SetParagraph>,
    pub height: f32,
    pub width: f32,
    /// How much the sizes were reduced to fit (1.0 = not at all).
    pub scale: f32,
    /// False when even the smallest allowed size overflows the box; the overflow is cut off.
    pub fits: bool,
}

/// A paragraph's text with its furigana taken out and its phrase breaks marked.
struct MarkedParagraph {
    annotated: furigana::Annotated,
    marked: phrases::Marked,
}

impl MarkedParagraph {
    fn new(paragraph: &Paragraph) -> MarkedParagraph {
        let annotated = furigana::annotate(paragraph.text);
        let bases: Vec<_> = annotated.readings.iter().map(|r| r.base.clone()).collect();
        let marked = phrases::Marked::new(
            &annotated.text,
            &phrases::phrase_breaks(&annotated.text, &bases),
        );
        MarkedParagraph { annotated, marked }
    }
}

struct SetParagraph {
    layout: Layout<Rgba>,
    /// From the top of the setting.
    top: f32,
    furigana: Vec<SetReading>,
}

/// A reading laid out on one line, placed relative to its paragraph's top-left corner.
struct SetReading {
    layout: Layout<Rgba>,
    left: f32,
    top: f32,
}

/// Furigana are set at half the size of their base text, as in printed children's books.
const RUBY_SCALE: f32 = 0.5;

/// The gap between a reading and the top of its base text, as a share of the base's size.
const RUBY_GAP: f32 = 0.04;

/// The top of a kanji above the baseline in BIZ UDPGothic, as a share of the size: its
/// ideographic em box rises 880 of 1000 units.
const IDEOGRAPHIC_ASCENT: f32 = 0.88;

/// Text never shrinks below this share of its intended size: smaller would be unreadable from a
/// few metres, so an overlong text is cut off and reported instead.
const MIN_SCALE: f32 = 0.4;

/// How much smaller than needed to fit text may get to avoid an orphan.
const MAX_SHRINK_AGAINST_ORPHANS: f32 = 0.85;

/// Whether a wrapped line holds so little (under a fifth of the width) that it reads as a stray
/// word, like 「注意」 broken into 「注」 and 「意」.
fn has_orphan(setting: &Setting, width: f32) -> bool {
    setting.layouts.iter().any(|paragraph| {
        let mut after_wrap = false;
        paragraph.layout.lines().any(|line| {
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

impl Setting {
    /// Whether a line had to break inside a word or phrase wider than the box: a line then
    /// starts inside a phrase.
    pub fn breaks_a_phrase(&self) -> bool {
        breaks_a_phrase(self)
    }

    /// Whether paragraph `index` had a line broken inside a word or phrase.
    pub fn breaks_a_phrase_in(&self, index: usize) -> bool {
        self.layouts.get(index).is_some_and(|paragraph| {
            paragraph
                .layout
                .lines()
                .any(|line| line.break_reason() == BreakReason::Emergency)
        })
    }
}

/// Whether a line had to break inside a word or phrase wider than the box.
fn breaks_a_phrase(setting: &Setting) -> bool {
    (0..setting.layouts.len()).any(|index| setting.breaks_a_phrase_in(index))
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
    /// two from being left alone on a line, or a phrase from being broken.
    pub fn fit(&mut self, paragraphs: &[Paragraph], width: f32, max_height: f32) -> Setting {
        // Furigana and phrase breaks do not depend on the size: found once, set at every size.
        let marked: Vec<MarkedParagraph> = paragraphs.iter().map(MarkedParagraph::new).collect();
        let mut scale = 1.0;
        let mut first_fit: Option<Setting> = None;
        loop {
            let setting = self.set(paragraphs, &marked, width, scale);
            let fits = setting.height <= max_height && setting.width <= width + 0.5;
            if fits && !has_orphan(&setting, width) && !breaks_a_phrase(&setting) {
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

    fn set(
        &mut self,
        paragraphs: &[Paragraph],
        marked: &[MarkedParagraph],
        width: f32,
        scale: f32,
    ) -> Setting {
        let mut layouts = Vec::with_capacity(paragraphs.len());
        let mut y = 0.0;
        let mut widest: f32 = 0.0;
        for (i, (paragraph, marked)) in paragraphs.iter().zip(marked).enumerate() {
            if i > 0 {
                y += paragraph.space_before * scale;
            }
            let size = (paragraph.size * scale).round();
            let mut set = self.set_paragraph(paragraph, marked, size, width);
            // A reading above the first line may rise above the paragraph's own line box.
            let overhang = set.furigana.iter().map(|r| -r.top).fold(0.0, f32::max);
            y += overhang;
            set.top = y;
            widest = widest.max(set.layout.width());
            y += set.layout.height();
            layouts.push(set);
        }
        Setting {
            layouts,
            height: y,
            width: widest,
            scale,
            fits: true,
        }
    }

    /// One paragraph at one size: its furigana taken out and set above their base text, and
    /// Japanese wrapping only between phrases.
    fn set_paragraph(
        &mut self,
        paragraph: &Paragraph,
        MarkedParagraph { annotated, marked }: &MarkedParagraph,
        size: f32,
        width: f32,
    ) -> SetParagraph {
        let text = &marked.text;
        let ruby_size = (size * RUBY_SCALE).round();
        let readings: Vec<_> = annotated
            .readings
            .iter()
            .map(|reading| {
                let ruby = self.single_line(&reading.ruby, ruby_size, paragraph);
                let base_width =
                    self.single_line(&annotated.text[reading.base.clone()], size, paragraph);
                (marked.range(&reading.base), ruby, base_width.width())
            })
            .collect();

        // Room above every line for readings keeps the lines evenly spaced.
        let line_height =
            paragraph.line_height + if readings.is_empty() { 0.0 } else { RUBY_SCALE };
        let mut builder = self.builder(text, size, paragraph);
        builder.push_default(StyleProperty::LineHeight(LineHeight::FontSizeRelative(
            line_height,
        )));
        // Japanese wraps only at the phrase breaks marked in the text, spaces and punctuation.
        builder.push_default(StyleProperty::WordBreak(WordBreak::KeepAll));
        // Long words and URLs break anywhere rather than run off the screen.
        builder.push_default(StyleProperty::OverflowWrap(OverflowWrap::Anywhere));
        for (base, ruby, base_width) in &readings {
            // A reading wider than its base spreads the base out beneath it.
            let characters = text[base.clone()].chars().count() as f32;
            let spread = (ruby.width() - base_width) / characters;
            if spread > 0.0 {
                builder.push(StyleProperty::LetterSpacing(spread), base.clone());
            }
        }
        let mut layout = builder.build(text);
        layout.break_all_lines(Some(width));
        layout.align(paragraph.align, AlignmentOptions::default());

        let furigana = readings
            .into_iter()
            .filter_map(|(base, ruby, _)| {
                let first = Cluster::from_byte_index(&layout, base.start)?;
                let last_char = text[base.clone()].chars().next_back()?;
                let last = Cluster::from_byte_index(&layout, base.end - last_char.len_utf8())?;
                let line = first.line();
                let mut right = last.visual_offset()? + last.advance();
                if last.line().metrics().baseline != line.metrics().baseline {
                    // Broken across lines (only a base wider than the box): over its first part.
                    right = line.metrics().offset + line.metrics().advance;
                }
                let left = first.visual_offset()?;
                let ruby_line = *ruby.lines().next()?.metrics();
                let ruby_baseline =
                    line.metrics().baseline - size * (IDEOGRAPHIC_ASCENT + RUBY_GAP);
                Some(SetReading {
                    left: (left + right - ruby.width()) / 2.0,
                    top: ruby_baseline - ruby_line.baseline,
                    layout: ruby,
                })
            })
            .collect();
        SetParagraph {
            layout,
            top: 0.0,
            furigana,
        }
    }

    /// `text` on one line at `size`, in the paragraph's weight and colour.
    fn single_line(&mut self, text: &str, size: f32, paragraph: &Paragraph) -> Layout<Rgba> {
        let mut layout = self.builder(text, size, paragraph).build(text);
        layout.break_all_lines(None);
        layout
    }

    /// A layout builder for `text` in the bundled font at `size`, in the paragraph's weight
    /// and colour.
    fn builder<'a>(
        &'a mut self,
        text: &'a str,
        size: f32,
        paragraph: &Paragraph,
    ) -> RangedBuilder<'a, Rgba> {
        let mut builder = self
            .layouts
            .ranged_builder(&mut self.fonts, text, 1.0, true);
        builder.push_default(StyleProperty::FontFamily(FontFamily::named(fonts::FAMILY)));
        builder.push_default(StyleProperty::FontSize(size));
        builder.push_default(StyleProperty::Brush(paragraph.colour));
        if paragraph.bold {
            builder.push_default(StyleProperty::FontWeight(FontWeight::BOLD));
        }
        builder
    }

    /// Draws a setting with its top-left corner at (`left`, `top`), clipped to the canvas.
    pub fn draw(&mut self, setting: &Setting, canvas: &mut Pixmap, left: f32, top: f32) {
        for paragraph in &setting.layouts {
            let top = top + paragraph.top;
            self.draw_layout(&paragraph.layout, canvas, left, top);
            for reading in &paragraph.furigana {
                self.draw_layout(
                    &reading.layout,
                    canvas,
                    left + reading.left,
                    top + reading.top,
                );
            }
        }
    }

    fn draw_layout(&mut self, layout: &Layout<Rgba>, canvas: &mut Pixmap, left: f32, top: f32) {
        for line in layout.lines() {
            for item in line.items() {
                let PositionedLayoutItem::GlyphRun(run) = item else {
                    continue;
                };
                let colour = run.style().brush;
                let font = run.run().font();
                let Some(font_ref) = FontRef::from_index(font.data.as_ref(), font.index as usize)
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
                    let y = top + glyph.y;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn title(text: &str) -> Paragraph<'_> {
        Paragraph {
            text,
            size: 80.0,
            bold: true,
            colour: [0, 0, 0, 255],
            line_height: 1.25,
            space_before: 0.0,
            align: Alignment::Start,
        }
    }

    /// The text of each line of a paragraph without furigana, without its break marks.
    fn lines(setting: &Setting, text: &str) -> Vec<String> {
        let marked = phrases::Marked::new(text, &phrases::phrase_breaks(text, &[]));
        setting.layouts[0]
            .layout
            .lines()
            .map(|line| {
                marked.text[line.text_range()]
                    .replace([phrases::PHRASE_BREAK, phrases::NO_BREAK], "")
            })
            .collect()
    }

    fn has_missing_glyph(setting: &Setting) -> bool {
        setting.layouts[0].layout.lines().any(|line| {
            line.items().any(|item| match item {
                PositionedLayoutItem::GlyphRun(run) => run.glyphs().any(|g| g.id == 0),
                PositionedLayoutItem::InlineBox(_) => false,
            })
        })
    }

    #[test]
    fn japanese_lines_start_only_where_a_phrase_starts() {
        let mut typesetter = Typesetter::default();
        // A character the font lacks shows as glyph 0, the box the check below looks for.
        assert!(has_missing_glyph(&typesetter.fit(
            &[title("\u{E000}")],
            500.0,
            1000.0
        )));
        for sentence in [
            "ペットと一緒に安全な場所まで避難すること",
            "避難所では、人とペットは別の場所で過ごすことが多い",
            "菌を「つけない」、菌を「ふやさない」、菌を「やっつける」の三つが食中毒予防の原則です",
            "大きな鍋のまま、ゆっくり冷まさない",
            "ブリーダーやペットショップの犬・猫は、2022年6月からマイクロチップが義務",
        ] {
            let starts: Vec<usize> = phrases::phrase_breaks(sentence, &[]);
            // The longest phrase, 「ペットショップの」, is 640 px wide; at 600 px the title is set
            // a little smaller rather than broken inside it.
            for width in [600.0, 700.0, 900.0, 1200.0] {
                let setting = typesetter.fit(&[title(sentence)], width, 1000.0);
                let wrapped = lines(&setting, sentence);
                let mut at = 0;
                for (i, line) in wrapped.iter().enumerate() {
                    if i > 0 {
                        assert!(
                            starts.contains(&at),
                            "{sentence} at {width} px: line {} starts inside a phrase: {wrapped:?}",
                            i + 1
                        );
                    }
                    at += line.len();
                }
                assert_eq!(at, sentence.len());
                // The marks draw nothing: no glyph is the font's missing-glyph box.
                assert!(!has_missing_glyph(&setting), "{sentence}: tofu");
            }
        }
    }
}
