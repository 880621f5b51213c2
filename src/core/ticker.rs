//! Ticker messages: `ticker.txt` as staff write it (one message a line), and which message the
//! band shows when, one at a time with a short fade.

use super::diagnostic::{Diagnostic, Position};

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
        if length > MAX_MESSAGE_CHARS {
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
