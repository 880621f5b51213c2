//! Ticker messages: `ticker.txt` as staff write it (one message a line, or a news feed's
//! address whose newest titles take its place), and what the band
//! shows when: one message at a time with a short fade (`Paging`), or all of them crawling
//! right to left in whole pixels (`Crawl`).

use super::diagnostic::{Diagnostic, Position};
use serde::Deserialize;

/// How the ticker shows its messages (`ticker_mode` in the device config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum TickerMode {
    /// Crawling on a GPU, where a frame every vsync is cheap; paged on a software renderer.
    #[default]
    Auto,
    /// Always crawling, even on a software renderer (at 15 frames a second there).
    Scroll,
    /// Always one message at a time.
    Pages,
}

/// A crawl's default speed, in characters a second: a ticker line of 40 characters passes a
/// reader in about ten seconds, as on broadcast news tickers.
pub const DEFAULT_CHARACTERS_PER_SECOND: f64 = 4.0;

/// A message longer than this no longer reads as a ticker line.
pub const MAX_MESSAGE_CHARS: usize = 120;
/// More messages than this would take longer to come round than anyone stands in a lobby.
pub const MAX_MESSAGES: usize = 50;

/// The messages of a `ticker.txt`: one a line, blank lines and lines starting with `#` left out.
/// Every problem comes back at once, with its line.
pub fn parse_ticker(source: &str) -> Result<Vec<String>, Vec<Diagnostic>> {
    let mut messages = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let message = line.trim();
        if message.is_empty() || message.starts_with('#') {
            continue;
        }
        let at = Position {
            line: index + 1,
            column: 1,
        };
        let length = message.chars().count();
        if super::news::is_feed_line(message) {
            // A news feed's address: its newest titles take its place.
            if let Some(problem) = super::news::feed_line_problem(message) {
                problems.push(Diagnostic::new(at, problem).with_hint(
                    "a line starting with http:// or https:// is a news feed's whole address",
                ));
            }
        } else if length > MAX_MESSAGE_CHARS {
            problems.push(
                Diagnostic::new(
                    at,
                    format!("the message is {length} characters; a ticker line is at most {MAX_MESSAGE_CHARS}"),
                )
                .with_hint("split it into two lines: each line is its own message"),
            );
        }
        messages.push(message.to_string());
    }
    if messages.len() > MAX_MESSAGES {
        problems.push(Diagnostic::new(
            Position::START,
            format!(
                "the file has {} messages; the ticker shows at most {MAX_MESSAGES}",
                messages.len()
            ),
        ));
    }
    if problems.is_empty() {
        Ok(messages)
    } else {
        Err(problems)
    }
}

/// How messages take turns: each stays `page_seconds`, fading in over `fade_seconds`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paging {
    pub page_seconds: f64,
    pub fade_seconds: f64,
}

/// What the band shows at a moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Page {
    pub index: usize,
    /// The message fading out, and how far the fade has come (0 to 1); `None` once it is done.
    pub fading_from: Option<(usize, f32)>,
    /// Seconds until the band next changes: the fade's next frame, or the next message.
    pub next_change_in: f64,
}

impl Paging {
    pub const DEFAULT_PAGE_SECONDS: f64 = 8.0;
    const FADE_SECONDS: f64 = 0.4;

    pub fn new(page_seconds: f64) -> Paging {
        Paging {
            page_seconds,
            fade_seconds: Self::FADE_SECONDS.min(page_seconds / 4.0),
        }
    }

    /// The page of `count` messages at `clock` seconds (monotonic); `None` without messages.
    pub fn page_at(&self, count: usize, clock: f64) -> Option<Page> {
        if count == 0 {
            return None;
        }
        let turn = (clock / self.page_seconds).floor().max(0.0);
        let index = (turn as u64 % count as u64) as usize;
        let into = clock - turn * self.page_seconds;
        let fading = count > 1 && turn >= 1.0 && into < self.fade_seconds;
        Some(Page {
            index,
            fading_from: fading.then(|| {
                (
                    (index + count - 1) % count,
                    (into / self.fade_seconds) as f32,
                )
            }),
            next_change_in: if fading {
                0.0
            } else {
                self.page_seconds - into
            },
        })
    }
}

/// Messages crawling from right to left, one after another with `gap` pixels between them, at
/// `speed` pixels a second; `widths` are the messages' widths in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Crawl {
    pub widths: Vec<u32>,
    pub gap: u32,
    pub speed: f64,
}

impl Crawl {
    /// Each message (index, left edge in pixels from the region's left) that shows in a region
    /// `width` pixels wide at `clock` seconds. The first message enters at the right edge at 0 s;
    /// after the last, the first follows again. Positions are whole pixels of `speed × clock`, so
    /// a frame never shows a message between two pixels.
    pub fn visible(&self, width: u32, clock: f64) -> Vec<(usize, i64)> {
        let cycle: i64 = self.widths.iter().map(|w| i64::from(w + self.gap)).sum();
        if cycle == 0 {
            return Vec::new();
        }
        let moved = (self.speed * clock.max(0.0)).floor() as i64;
        let width = i64::from(width);
        // Round k (all the messages once) starts at `width - moved + k × cycle`: the rounds that
        // have started and not yet left, never one before the first.
        let first = ((moved - width).div_euclid(cycle) - 1).max(0);
        let mut shown = Vec::new();
        for round in first..=moved.div_euclid(cycle) {
            let mut left = width - moved + round * cycle;
            for (index, message) in self.widths.iter().enumerate() {
                let right = left + i64::from(*message);
                if right > 0 && left < width {
                    shown.push((index, left));
                }
                left = right + i64::from(self.gap);
            }
        }
        shown.sort_by_key(|(_, left)| *left);
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_a_line_without_blanks_or_comments() {
        let messages = parse_ticker(
            "# 窓口のお知らせ\r\n本日の窓口は17時15分まで\r\n\n  Counters close at 17:15  \n",
        )
        .unwrap();
        assert_eq!(
            messages,
            ["本日の窓口は17時15分まで", "Counters close at 17:15"]
        );
    }

    #[test]
    fn an_overlong_line_is_reported_with_its_line_number() {
        let source = format!("ok\n{}\n", "あ".repeat(MAX_MESSAGE_CHARS + 1));
        let problems = parse_ticker(&source).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].position.line, 2);
        assert!(
            problems[0].message.contains("121 characters"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn messages_crawl_in_whole_pixels_one_after_another_and_come_round() {
        let crawl = Crawl {
            widths: vec![300, 200],
            gap: 100,
            speed: 120.0,
        };
        // At the start the first message is just entering at the right of a 1000-pixel band.
        assert_eq!(crawl.visible(1000, 0.0), vec![]);
        assert_eq!(crawl.visible(1000, 0.5), vec![(0, 940)]);
        // 2.5 s in: 300 px moved, the first message wholly in, the gap after it entering.
        assert_eq!(crawl.visible(1000, 2.5), vec![(0, 700)]);
        // Whole pixels: 1/240 s moves half a pixel, which does not show.
        assert_eq!(crawl.visible(1000, 2.5 + 1.0 / 240.0), vec![(0, 700)]);
        assert_eq!(crawl.visible(1000, 2.5 + 1.0 / 120.0), vec![(0, 699)]);
        // 10 s: 1200 px moved; the cycle is 700 px, so the second round has come 500 px in
        // while the first is on its way out.
        assert_eq!(
            crawl.visible(1000, 10.0),
            vec![(0, -200), (1, 200), (0, 500), (1, 900)]
        );
        // Whatever the time, what shows is in the band, in order, and never overlaps.
        for tenth in 0..600 {
            let shown = crawl.visible(1000, f64::from(tenth) / 10.0);
            for pair in shown.windows(2) {
                let end = pair[0].1 + i64::from(crawl.widths[pair[0].0] + crawl.gap);
                assert_eq!(end, pair[1].1, "{tenth}: {shown:?}");
            }
            for (index, left) in shown {
                let right = left + i64::from(crawl.widths[index]);
                assert!(right > 0 && left < 1000, "{tenth}: {index} at {left}");
            }
        }
        let none = Crawl {
            widths: vec![],
            gap: 0,
            speed: 1.0,
        };
        assert!(none.visible(1000, 3.0).is_empty());
    }

    #[test]
    fn messages_take_turns_with_a_short_fade() {
        let paging = Paging::new(8.0);
        assert_eq!(paging.page_at(0, 5.0), None);
        let first = paging.page_at(3, 1.0).unwrap();
        assert_eq!((first.index, first.fading_from), (0, None));
        assert!((first.next_change_in - 7.0).abs() < 1e-9);
        let fading = paging.page_at(3, 8.2).unwrap();
        assert_eq!(fading.index, 1);
        let (from, progress) = fading.fading_from.unwrap();
        assert_eq!(from, 0);
        assert!((progress - 0.5).abs() < 1e-6);
        assert_eq!(
            fading.next_change_in, 0.0,
            "a frame for every step of the fade"
        );
        assert_eq!(paging.page_at(3, 24.5).unwrap().index, 0, "round again");
        // One message never fades into itself.
        assert_eq!(paging.page_at(1, 8.1).unwrap().fading_from, None);
    }
}
