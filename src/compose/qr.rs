//! QR code cards: a code dark on light with its quiet zone, whole pixels per module, and a line
//! saying where it leads, in the bottom right corner of a slide.
//!
//! The size rule: the code (without its quiet zone) is about 26% of the screen's short side, in
//! whole pixels per module, and a module is never smaller than 1/120 of the short side. On a
//! 55-inch 1080p panel (0.63 mm pixels) that is 9 px = 5.7 mm for a version-3 code, 11 px = 6.9 mm
//! for a version-2 one; a phone camera reads modules of about 1/400 of its distance (three pixels
//! of a 1080p preview through a 65° lens), so 2.3 m and 2.8 m. Larger codes (longer addresses)
//! would need smaller modules, which is why a playlist refuses addresses longer than
//! [`MAX_QR_URL_BYTES`](crate::core::playlist::MAX_QR_URL_BYTES).

use super::{Composer, Frame, fill_rect, paragraph};
use crate::core::playlist::QrCard;
use parley::Alignment;
use qrcode::{Color, EcLevel, QrCode};
use resvg::tiny_skia::Pixmap;

use super::text::Setting;

/// The code's side as a share of the screen's short side.
const CODE_SHARE: f32 = 0.26;
/// The smallest module, as a share of the short side.
const MIN_MODULE_SHARE: f32 = 1.0 / 120.0;
/// Light modules around the code, as the standard asks.
const QUIET_ZONE: u32 = 4;
const DARK: [u8; 4] = [0x11, 0x11, 0x11, 255];
const LIGHT: [u8; 4] = [255, 255, 255, 255];

/// The code for `url`: medium error correction (15% of it may be unreadable, e.g. a glare on
/// the screen) where it fits in a version-3 code, else low.
fn encode(url: &str) -> Result<QrCode, String> {
    let fits = |code: &QrCode| code.width() <= 29;
    [EcLevel::M, EcLevel::L]
        .into_iter()
        .filter_map(|level| QrCode::with_error_correction_level(url, level).ok())
        .find(fits)
        .ok_or_else(|| format!("the address {url} is too long for a QR card"))
}

/// Pixels per module for a code `modules` wide on a screen whose short side is `short`, or
/// `None` if the modules would be too small to read from 2–3 m.
fn module_pixels(modules: u32, short: f32) -> Option<u32> {
    let pixels = (short * CODE_SHARE / modules as f32).floor() as u32;
    (pixels as f32 >= (short * MIN_MODULE_SHARE).floor() && pixels >= 1).then_some(pixels)
}

/// A card laid out for one screen: its code, and its size in pixels.
pub(super) struct Card {
    code: QrCode,
    module: u32,
    side: u32,
    caption: Option<Setting>,
    pub width: f32,
    pub height: f32,
}

impl Composer {
    /// Lays out `card` for `frame`, or says why it cannot be drawn.
    pub(super) fn plan_card(&mut self, card: &QrCard, frame: Frame) -> Result<Card, String> {
        let u = frame.unit;
        let code = encode(&card.url)?;
        let modules = code.width() as u32;
        let module = module_pixels(modules, frame.width.min(frame.height))
            .ok_or_else(|| format!("the address {} is too long for a QR card", card.url))?;
        let side = (modules + 2 * QUIET_ZONE) * module;
        let mut paragraphs = Vec::new();
        if let Some(caption) = &card.caption {
            paragraphs.push(paragraph(
                caption,
                3.4 * u,
                true,
                DARK,
                1.25,
                0.0,
                Alignment::Center,
            ));
        }
        if let Some(caption_en) = &card.caption_en {
            let soft = [0x44, 0x44, 0x44, 255];
            paragraphs.push(paragraph(
                caption_en,
                2.6 * u,
                false,
                soft,
                1.25,
                0.4 * u,
                Alignment::Center,
            ));
        }
        let caption = (!paragraphs.is_empty()).then(|| {
            self.typesetter
                .fit(&paragraphs, side as f32, frame.height * 0.12)
        });
        // The caption sits in the lower half of the quiet zone's height below the code.
        let caption_height = caption.as_ref().map_or(0.0, |s| {
            (s.height + (QUIET_ZONE * module) as f32 * 0.5).ceil()
        });
        let (width, height) = (side as f32, side as f32 + caption_height);
        if width + 6.0 * u > frame.width || height + 6.0 * u > frame.height {
            return Err("the screen is too small for a QR card".into());
        }
        Ok(Card {
            code,
            module,
            side,
            caption,
            width,
            height,
        })
    }

    /// Draws `card` in the bottom right corner of `canvas`, above the bottom `reserved` pixels
    /// (a caption band), in whole pixels so every module is a crisp square.
    pub(super) fn draw_card(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        card: &Card,
        reserved: f32,
    ) {
        let margin = card_margin(frame);
        let left = (frame.width - margin - card.width).floor().max(0.0);
        let top = (frame.height - reserved - margin - card.height)
            .floor()
            .max(0.0);
        fill_rect(canvas, left, top, card.width, card.height, LIGHT);
        let modules = card.code.width() as u32;
        let origin = |i: u32| ((QUIET_ZONE + i) * card.module) as f32;
        for (index, colour) in card.code.to_colors().into_iter().enumerate() {
            if colour == Color::Dark {
                let (x, y) = (index as u32 % modules, index as u32 / modules);
                let size = card.module as f32;
                fill_rect(canvas, left + origin(x), top + origin(y), size, size, DARK);
            }
        }
        if let Some(caption) = &card.caption {
            let below_code = card.side as f32 - (QUIET_ZONE * card.module) as f32 * 0.5;
            self.typesetter
                .draw(caption, canvas, left, top + below_code);
        }
    }
}

/// Between the card and the screen's edges.
pub(super) fn card_margin(frame: Frame) -> f32 {
    (3.0 * frame.unit).round()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wards_address_fits_a_version_3_code_with_modules_readable_from_2_metres() {
        let code = encode("https://www.city.yokohama.lg.jp/konan/").unwrap();
        assert_eq!(code.width(), 29);
        assert_eq!(code.error_correction_level(), EcLevel::M);
        assert_eq!(module_pixels(29, 1080.0), Some(9));
        assert_eq!(module_pixels(25, 1080.0), Some(11));
        assert_eq!(module_pixels(29, 720.0), Some(6));
        // A version-4 code would need 8 px modules on 1080p, under the 9 px floor.
        assert_eq!(module_pixels(33, 1080.0), None);
    }

    #[test]
    fn the_longest_address_a_playlist_accepts_still_makes_a_card() {
        let longest = format!(
            "https://example.org/{}",
            "a".repeat(crate::core::playlist::MAX_QR_URL_BYTES - 20)
        );
        assert_eq!(longest.len(), crate::core::playlist::MAX_QR_URL_BYTES);
        assert!(encode(&longest).is_ok());
        assert!(encode(&format!("{longest}b")).is_err());
    }
}
