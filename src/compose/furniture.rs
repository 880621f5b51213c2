//! The screen furniture beside the slides: the clock (the date in the Japanese era with an
//! English line, and the time) and a ticker message, each a picture the size of its region.

use super::{Composer, Frame, Picture, blank, fill_rect, finish, paragraph};
use crate::core::calendar::ClockFace;
use crate::core::playlist::Colour;
use parley::Alignment;

/// The band's colours: calm, and unlike any slide background, so the band reads as the
/// building's own voice rather than part of a poster.
const BAND: Colour = Colour::rgb(0x17, 0x32, 0x4D);
const BAND_TEXT: [u8; 4] = [255, 255, 255, 255];
const BAND_SOFT: [u8; 4] = [0xC9, 0xDA, 0xEA, 255];
/// The line between the clock and the ticker.
const RULE: [u8; 4] = [0x3A, 0x5A, 0x7A, 255];

impl Composer {
    /// The clock for a `width`×`height` region: the time large, the two dates beside it in a
    /// band (`stacked` false) or below it in a column.
    pub fn clock(&mut self, face: &ClockFace, width: u32, height: u32, stacked: bool) -> Picture {
        let mut canvas = blank(width, height, BAND);
        let (w, h) = (width as f32, height as f32);
        // A thin rule at the clock's left (band) or bottom (column) edge sets it off the ticker.
        if stacked {
            fill_rect(&mut canvas, 0.0, h - 2.0, w, 2.0, RULE);
        } else {
            fill_rect(&mut canvas, 0.0, 0.0, 2.0, h, RULE);
        }
        let pad = (h.min(w) * 0.12).round();
        let dates = [
            paragraph(&face.date, 1.0, true, BAND_TEXT, 1.2, 0.0, Alignment::Start),
            paragraph(
                &face.date_en,
                0.72,
                false,
                BAND_SOFT,
                1.2,
                0.1,
                Alignment::Start,
            ),
        ];
        let time = [paragraph(
            &face.time,
            1.0,
            true,
            BAND_TEXT,
            1.0,
            0.0,
            Alignment::Start,
        )];
        if stacked {
            let inner = w - 2.0 * pad;
            let time = scaled(&time, h * 0.38);
            let dates = scaled(&dates, inner / 11.0);
            let time_set = self.typesetter.fit(&time, inner, h * 0.45);
            let dates_set = self.typesetter.fit(&dates, inner, h * 0.4);
            let gap = pad * 0.5;
            let top = ((h - time_set.height - gap - dates_set.height) / 2.0).max(0.0);
            self.typesetter.draw(&time_set, &mut canvas, pad, top);
            self.typesetter
                .draw(&dates_set, &mut canvas, pad, top + time_set.height + gap);
        } else {
            let inner = h - 2.0 * pad;
            let time = scaled(&time, inner * 0.78);
            let time_set = self.typesetter.fit(&time, w * 0.4, inner);
            let left = pad + time_set.width + pad;
            let room = (w - left - pad).max(1.0);
            // A date never wraps (a lone 「（水）」 on a line of its own): on a narrow band it is
            // set smaller instead.
            let natural = self
                .typesetter
                .fit(&scaled(&dates, inner * 0.4), f32::MAX / 4.0, inner)
                .width;
            let dates = scaled(&dates, inner * 0.4 * (room / natural.max(1.0)).min(1.0));
            let dates_set = self.typesetter.fit(&dates, room, inner);
            let middle = |height: f32| ((h - height) / 2.0).max(0.0);
            self.typesetter
                .draw(&time_set, &mut canvas, pad, middle(time_set.height));
            self.typesetter
                .draw(&dates_set, &mut canvas, left, middle(dates_set.height));
        }
        finish(canvas, Vec::new())
    }

    /// One ticker message for a `width`×`height` region: a line (or two, on a narrow portrait
    /// band) in a band, wrapped in a column; shrunk to fit, and a warning when even that cuts
    /// it off.
    pub fn ticker_page(
        &mut self,
        message: &str,
        width: u32,
        height: u32,
        stacked: bool,
    ) -> Picture {
        let mut canvas = blank(width, height, BAND);
        let frame = Frame::new(width, height);
        let (w, h) = (frame.width, frame.height);
        let pad = (h.min(w) * 0.16).round();
        let size = if stacked {
            w / 12.0
        } else {
            ticker_type_size(height)
        };
        let line = [paragraph(
            message,
            size,
            true,
            BAND_TEXT,
            1.3,
            0.0,
            Alignment::Start,
        )];
        let setting = self.typesetter.fit(&line, w - 2.0 * pad, h - 2.0 * pad);
        let mut warnings = Vec::new();
        if !setting.fits {
            warnings.push(format!(
                "the ticker message \"{message}\" is too long for the band; shorten it or split it into two lines of ticker.txt"
            ));
        }
        let top = ((h - setting.height) / 2.0).max(0.0);
        self.typesetter.draw(&setting, &mut canvas, pad, top);
        finish(canvas, warnings)
    }
}

/// The widest piece a crawling message is cut into: far inside every GPU's texture limit.
const LINE_TILE_WIDTH: u32 = 2048;

impl Composer {
    /// The width of `message` set on one line of a band `height` pixels tall, for a crawl.
    pub fn ticker_line_width(&mut self, message: &str, height: u32) -> u32 {
        let line = crawl_line(message, height as f32);
        self.typesetter
            .fit(&line, f32::MAX / 4.0, height as f32)
            .width
            .ceil() as u32
    }

    /// `message` on one line of a band `height` pixels tall, cut into pictures at most
    /// [`LINE_TILE_WIDTH`] wide, left to right.
    pub fn ticker_line(&mut self, message: &str, height: u32) -> Vec<Picture> {
        let line = crawl_line(message, height as f32);
        let setting = self.typesetter.fit(&line, f32::MAX / 4.0, height as f32);
        let width = (setting.width.ceil() as u32).max(1);
        let mut canvas = blank(width, height, BAND);
        let top = ((height as f32 - setting.height) / 2.0).max(0.0);
        self.typesetter.draw(&setting, &mut canvas, 0.0, top);
        let stride = width as usize * 4;
        (0..width)
            .step_by(LINE_TILE_WIDTH as usize)
            .map(|left| {
                let tile = LINE_TILE_WIDTH.min(width - left) as usize;
                let rgba = canvas
                    .data()
                    .chunks_exact(stride)
                    .flat_map(|row| &row[left as usize * 4..(left as usize + tile) * 4])
                    .copied()
                    .collect();
                Picture {
                    width: tile as u32,
                    height,
                    rgba,
                    warnings: Vec::new(),
                }
            })
            .collect()
    }
}

/// The ticker's type size in a band `height` pixels tall.
pub fn ticker_type_size(height: u32) -> f32 {
    (height as f32 * 0.42).round()
}

/// A crawling message's type: as large as a band's page, never wrapped.
fn crawl_line(message: &str, height: f32) -> [super::text::Paragraph<'_>; 1] {
    let size = ticker_type_size(height as u32);
    [paragraph(
        message,
        size,
        true,
        BAND_TEXT,
        1.3,
        0.0,
        Alignment::Start,
    )]
}

/// `paragraphs` written at size 1 (and spacing in sizes), set at `size` pixels.
fn scaled<'a>(
    paragraphs: &[super::text::Paragraph<'a>],
    size: f32,
) -> Vec<super::text::Paragraph<'a>> {
    paragraphs
        .iter()
        .map(|p| super::text::Paragraph {
            size: p.size * size,
            space_before: p.space_before * size,
            ..p.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::Eras;
    use chrono::NaiveDateTime;

    fn face() -> ClockFace {
        let now = NaiveDateTime::parse_from_str("2026-12-01 14:05", "%Y-%m-%d %H:%M").unwrap();
        ClockFace::at(now, &Eras::default())
    }

    /// The share of a picture's pixels that are not the band's own colour: drawn text.
    fn inked(picture: &Picture) -> f64 {
        let [r, g, b, _] = BAND.0;
        let inked = picture
            .rgba
            .chunks_exact(4)
            .filter(|p| p[0].abs_diff(r) > 40 || p[1].abs_diff(g) > 40 || p[2].abs_diff(b) > 40)
            .count();
        inked as f64 / (picture.rgba.len() / 4) as f64
    }

    #[test]
    fn the_clock_draws_its_text_inside_its_region_in_a_band_and_a_column() {
        let mut composer = Composer::default();
        for (width, height, stacked) in [(644, 140, false), (540, 140, false), (499, 360, true)] {
            let clock = composer.clock(&face(), width, height, stacked);
            assert_eq!((clock.width, clock.height), (width, height));
            let ink = inked(&clock);
            assert!((0.04..0.5).contains(&ink), "{width}x{height}: {ink}");
        }
    }

    #[test]
    fn a_crawling_message_is_one_line_cut_into_tiles_of_its_measured_width() {
        let mut composer = Composer::default();
        let message = "本日の窓口は17時15分までです / Counters close at 17:15 ".repeat(3);
        let width = composer.ticker_line_width(&message, 140);
        assert!(width > LINE_TILE_WIDTH, "{width}");
        let tiles = composer.ticker_line(&message, 140);
        assert_eq!(tiles.iter().map(|t| t.width).sum::<u32>(), width);
        assert!(
            tiles
                .iter()
                .all(|t| t.height == 140 && t.width <= LINE_TILE_WIDTH)
        );
        assert!(tiles.iter().all(|t| inked(t) > 0.02), "every tile has text");
    }

    #[test]
    fn a_ticker_message_too_long_for_the_band_is_reported() {
        let mut composer = Composer::default();
        let fits = composer.ticker_page("本日の窓口は17時15分までです", 1276, 140, false);
        assert!(fits.warnings.is_empty(), "{:?}", fits.warnings);
        assert!(inked(&fits) > 0.02);
        // The longest message ticker.txt allows shrinks onto two lines of a landscape band, but
        // not into a small one.
        let long = "お知らせ".repeat(30);
        let shrunk = composer.ticker_page(&long, 1276, 140, false);
        assert!(shrunk.warnings.is_empty(), "{:?}", shrunk.warnings);
        let cut = composer.ticker_page(&long, 400, 80, false);
        assert_eq!(cut.warnings.len(), 1, "{:?}", cut.warnings);
    }
}
