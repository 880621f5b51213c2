//! PDF pages drawn at the screen's resolution by hayro, in pure Rust; Japanese a PDF names but
//! does not embed is set in the bundled BIZ UDPGothic rather than shown as boxes.

use super::fonts;
use super::picture::PictureError;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::{FontData, FontQuery};
use hayro::hayro_interpret::hayro_cmap::{self, CMapName, CidFamily};
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_syntax::{DecryptionError, LoadPdfError, Pdf};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings};
use resvg::tiny_skia::{IntSize, Pixmap};
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// How many pages the PDF in `bytes` has.
pub fn page_count(bytes: &[u8], path: &Path) -> Result<u32, PictureError> {
    let pdf = open(bytes, path)?;
    Ok(pdf.pages().len() as u32)
}

/// Draws page `page` (from 1) on white paper as large as fits in `width` × `height` pixels.
pub fn render_page(
    bytes: &[u8],
    page: u32,
    path: &Path,
    (width, height): (f32, f32),
) -> Result<Pixmap, PictureError> {
    let pdf = open(bytes, path)?;
    let pages = pdf.pages();
    let Some(sheet) = pages.get(page as usize - 1) else {
        return Err(PictureError::Undecodable {
            path: path.to_path_buf(),
            reason: format!("it has no page {page} (it has {})", pages.len()),
        });
    };
    let (points_wide, points_high) = sheet.render_dimensions();
    if !(points_wide >= 1.0 && points_high >= 1.0) {
        return Err(PictureError::Undecodable {
            path: path.to_path_buf(),
            reason: format!("page {page} has no size"),
        });
    }
    // Whole pixels, so the page lands on the canvas's grid and fills its box to the last pixel.
    let scale = (width / points_wide).min(height / points_high);
    let too_small = || PictureError::Undecodable {
        path: path.to_path_buf(),
        reason: format!("page {page} is too small to draw"),
    };
    let pixels = |points: f32| {
        u16::try_from((points * scale).round() as u32)
            .ok()
            .filter(|&p| p > 0)
    };
    let (Some(wide), Some(high)) = (pixels(points_wide), pixels(points_high)) else {
        return Err(too_small());
    };
    let transform = Affine::scale_non_uniform(
        f64::from(wide) / f64::from(points_wide),
        f64::from(high) / f64::from(points_high),
    ) * sheet.initial_transform(true).to_kurbo();
    let mut context = RenderContext::new(wide, high);
    hayro::render_into(
        sheet,
        &RenderCache::new(),
        &SETTINGS,
        &RenderSettings::default(),
        &mut context,
        transform,
    );
    context.flush();
    let mut drawn = hayro::vello_cpu::Pixmap::new(wide, high);
    context.render_with(
        &mut drawn,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    // hayro's pixels are premultiplied RGBA like tiny-skia's, and opaque on their white paper.
    IntSize::from_wh(u32::from(wide), u32::from(high))
        .and_then(|size| Pixmap::from_vec(drawn.data_as_u8_slice().to_vec(), size))
        .ok_or_else(too_small)
}

fn open(bytes: &[u8], path: &Path) -> Result<Pdf, PictureError> {
    Pdf::new(bytes.to_vec()).map_err(|error| PictureError::Undecodable {
        path: path.to_path_buf(),
        reason: match error {
            LoadPdfError::Decryption(DecryptionError::PasswordProtected) => {
                "it is protected by a password; save it again without one".into()
            }
            LoadPdfError::Decryption(_) => {
                "its encryption is not supported; save it again without a password".into()
            }
            LoadPdfError::Invalid => "it is not a readable PDF (damaged or cut short)".into(),
        },
    })
}

/// Fonts for what a PDF does not embed: the 14 standard fonts from hayro's own set, and Japanese
/// (or any CJK character collection, or a font named like one) from BIZ UDPGothic.
static SETTINGS: LazyLock<InterpreterSettings> = LazyLock::new(|| {
    let regular: FontData = Arc::new(fonts::REGULAR);
    let bold: FontData = Arc::new(fonts::BOLD);
    InterpreterSettings {
        font_resolver: Arc::new(move |query| match query {
            FontQuery::Standard(font) => Some(font.get_font_data()),
            FontQuery::Fallback(wanted) => {
                let name = wanted.post_script_name.as_deref().unwrap_or("");
                let named_cjk =
                    !name.is_ascii() || CJK_FONT_NAMES.iter().any(|part| name.contains(part));
                let cjk = match &wanted.character_collection {
                    Some(collection) => collection.family != CidFamily::AdobeIdentity || named_cjk,
                    None => named_cjk,
                };
                if !cjk {
                    return Some(wanted.pick_standard_font().get_font_data());
                }
                let heavy = wanted.is_bold || wanted.font_weight >= 600;
                Some((if heavy { bold.clone() } else { regular.clone() }, 0))
            }
        }),
        cmap_resolver: Arc::new(|name| match name {
            CMapName::AdobeJapan1Ucs2 => Some(JAPAN1_TO_UNICODE_FOR_BIZ_UD),
            CMapName::Custom(b"Adobe-Japan1-UCS2-Original") => {
                hayro_cmap::load_embedded(CMapName::AdobeJapan1Ucs2)
            }
            other => hayro_cmap::load_embedded(other),
        }),
        ..InterpreterSettings::default()
    }
});

/// Parts of the names of the Japanese, Chinese and Korean fonts office tools use.
const CJK_FONT_NAMES: &[&str] = &[
    "Gothic", "Mincho", "Meiryo", "Yu", "Hiragino", "Koz", "Ryumin", "Gulim", "Batang", "Song",
    "Hei", "Kai", "Ming", "CJK", "Han",
];

/// For a Japanese font that is not embedded, hayro finds each character's Unicode value through
/// Adobe's Japan1 table, which sends the half-width space (CID 231) to U+2002 and the half-width
/// bar (CID 323) to U+FFE8. BIZ UDPGothic has neither, so those two go to the plain space and
/// bar; everything else is Adobe's table, used through the name it is loaded under here.
const JAPAN1_TO_UNICODE_FOR_BIZ_UD: &[u8] = b"/Adobe-Japan1-UCS2-Original usecmap
/CIDSystemInfo 3 dict dup begin /Registry (Adobe) def /Ordering (Japan1) def /Supplement 7 def end def
/CMapName /Adobe-Japan1-UCS2 def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <00E7> <0020> <0143> <007C> endbfchar";
