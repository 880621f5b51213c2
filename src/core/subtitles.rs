//! Subtitles of video slides: SubRip (`.srt`) and WebVTT (`.vtt`) files as staff get them (UTF-8
//! with or without a BOM, or Shift-JIS from a Japanese PC; CRLF lines), read into timed cues,
//! and the cue a frame's time shows. Every mistake is found at once, with its line.

use super::diagnostic::{Diagnostic, Position};

/// A subtitle file larger than this is not read: a feature film's subtitles are under 200 KB.
pub const MAX_SUBTITLE_BYTES: u64 = 2 * 1024 * 1024;
/// More cues than this are not kept.
pub const MAX_CUES: usize = 10_000;

/// One subtitle: its text from `start` to `end` seconds of the video.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    /// Its lines joined by `\n`, styling tags removed, furigana markup kept.
    pub text: String,
}

/// Whether a file's name says it holds subtitles: `.srt` or `.vtt`, in any case.
pub fn is_subtitle_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("srt") || e.eq_ignore_ascii_case("vtt"))
}

/// The subtitles a video has beside it when its slide names none: `clip.srt` or `clip.vtt` for
/// `clip.mp4`, among `names` (the files of its folder), in any case.
pub fn sidecar<'a>(video: &std::path::Path, names: &'a [String]) -> Option<&'a str> {
    let stem = video.file_stem()?.to_str()?;
    ["srt", "vtt"].iter().find_map(|extension| {
        names.iter().map(String::as_str).find(|name| {
            name.rsplit_once('.')
                .is_some_and(|(base, ext)| base == stem && ext.eq_ignore_ascii_case(extension))
        })
    })
}

/// Reads SubRip or WebVTT text (WebVTT when it starts with `WEBVTT`) into cues in time order.
pub fn parse(text: &str) -> Result<Vec<Cue>, Vec<Diagnostic>> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let webvtt = lines
        .first()
        .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("WEBVTT"));
    let mut cues = Vec::new();
    let mut problems = Vec::new();
    let mut index = usize::from(webvtt);
    while index < lines.len() {
        // A block: optional number or identifier, the timing line, then text up to a blank line.
        let start = index;
        while index < lines.len() && !lines[index].trim().is_empty() {
            index += 1;
        }
        let block = &lines[start..index];
        index += 1;
        if block.is_empty() {
            continue;
        }
        if webvtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|w| block[0].starts_with(w))
        {
            continue;
        }
        let Some(timing) = block.iter().position(|l| l.contains("-->")) else {
            problems.push(Diagnostic::new(
                line_at(start),
                format!("`{}` is not a cue: a cue's second line is its times, `00:00:01,000 --> 00:00:04,000`", block[0].trim()),
            ));
            continue;
        };
        let at = line_at(start + timing);
        let (from, to) = block[timing]
            .split_once("-->")
            .expect("the line has an arrow");
        // WebVTT puts settings after the end time: `00:04.000 line:0`.
        let to = to.split_whitespace().next().unwrap_or("");
        let (start_time, end_time) = match (time(from.trim()), time(to)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                problems.push(
                    Diagnostic::new(
                        at,
                        format!("`{}` is not a cue's times", block[timing].trim()),
                    )
                    .with_hint("write them as 00:00:01,000 --> 00:00:04,000"),
                );
                continue;
            }
        };
        if end_time <= start_time {
            problems.push(Diagnostic::new(
                at,
                format!("the cue ends before it starts: `{}`", block[timing].trim()),
            ));
            continue;
        }
        let text = block[timing + 1..]
            .iter()
            .map(|line| without_styling(line).trim().to_owned())
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if cues.len() < MAX_CUES {
            cues.push(Cue {
                start: start_time,
                end: end_time,
                text,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    cues.sort_by(|a, b| a.start.total_cmp(&b.start));
    Ok(cues)
}

fn line_at(index: usize) -> Position {
    Position {
        line: index + 1,
        column: 1,
    }
}

/// `01:02:03,456`, `01:02:03.456` or WebVTT's `02:03.456`, in seconds.
fn time(text: &str) -> Option<f64> {
    let (clock, millis) = text.split_once([',', '.'])?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |part: &str| -> Option<u32> {
        (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        [m, s] => (0, number(m)?, number(s)?),
        _ => return None,
    };
    if minutes > 59 || seconds > 59 {
        return None;
    }
    Some(
        f64::from(hours * 3600 + minutes * 60 + seconds)
            + f64::from(millis.parse::<u32>().ok()?) / 1000.0,
    )
}

/// A line without HTML-like tags (`<i>`, `<font color=…>`, WebVTT's `<c.yellow>`, the Pango
/// markup of a stream's subtitles) or SubStation overrides (`{\an8}`); furigana markup
/// (`{漢字|かんじ}`) stays.
pub fn without_styling(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find(['<', '{']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let close = if tail.starts_with('<') { '>' } else { '}' };
        let is_styling = tail.starts_with('<') || tail.starts_with("{\\");
        match tail.find(close) {
            Some(end) if is_styling => rest = &tail[end + 1..],
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
}

/// Adds a cue of a video's own subtitle stream as it is read: each round of a loop reads it
/// again, and it is kept once.
pub fn add_cue(cues: &mut Vec<Cue>, cue: Cue) {
    let at = cues.partition_point(|c| c.start < cue.start);
    if cues.get(at).is_some_and(|c| c.start == cue.start) || cues.len() >= MAX_CUES {
        return;
    }
    cues.insert(at, cue);
}

/// The cue shown at `seconds` of the video, if any (the later one where two overlap).
pub fn cue_at(cues: &[Cue], seconds: f64) -> Option<usize> {
    let after = cues.partition_point(|cue| cue.start <= seconds);
    (0..after).rev().find(|&i| cues[i].end > seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRT: &str = "1\r\n00:00:00,500 --> 00:00:02,000\r\n{手|て}を<i>洗</i>いましょう\r\nWash your hands\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n{\\an8}30秒かけて\r\n";

    #[test]
    fn subrip_with_crlf_tags_and_furigana() {
        let cues = parse(SRT).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(
            cues[0],
            Cue {
                start: 0.5,
                end: 2.0,
                text: "{手|て}を洗いましょう\nWash your hands".into()
            }
        );
        assert_eq!(cues[1].text, "30秒かけて");
        assert_eq!(cue_at(&cues, 0.4), None);
        assert_eq!(cue_at(&cues, 0.5), Some(0));
        assert_eq!(cue_at(&cues, 1.99), Some(0));
        assert_eq!(cue_at(&cues, 2.0), None);
        assert_eq!(cue_at(&cues, 3.0), Some(1));
        assert_eq!(cue_at(&cues, 9.0), None);
    }

    #[test]
    fn webvtt_with_short_times_settings_and_notes() {
        let vtt = "WEBVTT\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:03.250 line:0\n<c.yellow>避難所</c> &amp; ペット\n\n01:00:00.000 --> 01:00:01.000\nend\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start, cues[0].end), (1.0, 3.25));
        assert_eq!(cues[0].text, "避難所 & ペット");
        assert_eq!(cues[1].start, 3600.0);
    }

    #[test]
    fn every_mistake_is_found_with_its_line() {
        let broken = "1\n00:00:01,000 --> 00:00:00,500\nbackwards\n\n2\n00:00:61,000 --> 00:01:02,000\nno such second\n\njust text\n";
        let problems = parse(broken).unwrap_err();
        let lines: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.position.line, p.message.as_str()))
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].0 == 2 && lines[0].1.contains("ends before it starts"));
        assert!(lines[1].0 == 6 && lines[1].1.contains("is not a cue's times"));
        assert!(lines[2].0 == 9 && lines[2].1.contains("`just text` is not a cue"));
    }

    #[test]
    fn a_videos_own_subtitles_are_found_beside_it() {
        let names: Vec<String> = ["clip.mp4", "clip.SRT", "other.vtt", "clip.txt"]
            .map(String::from)
            .into();
        assert_eq!(
            sidecar(std::path::Path::new("media/clip.mp4"), &names),
            Some("clip.SRT")
        );
        assert_eq!(
            sidecar(std::path::Path::new("media/other.mov"), &names),
            Some("other.vtt")
        );
        assert_eq!(
            sidecar(std::path::Path::new("media/none.mp4"), &names),
            None
        );
        assert!(is_subtitle_file(std::path::Path::new("a.VTT")));
        assert!(!is_subtitle_file(std::path::Path::new("a.txt")));
    }

    #[test]
    fn shift_jis_is_read_and_said() {
        use crate::core::encoding::decode;
        let (bytes, _, _) =
            encoding_rs::SHIFT_JIS.encode("1\r\n00:00:00,000 --> 00:00:01,000\r\n手洗い\r\n");
        let (text, encoding) = decode(&bytes).unwrap();
        assert_eq!(encoding, Some("Shift-JIS"));
        assert_eq!(parse(&text).unwrap()[0].text, "手洗い");
        assert_eq!(
            decode("\u{feff}WEBVTT".as_bytes()).unwrap(),
            ("WEBVTT".into(), None)
        );
        assert!(decode(&[0xff, 0xfe, 0x00, 0xd8, 0x81]).is_err());
    }
}
