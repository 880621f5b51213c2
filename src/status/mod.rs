//! What a running player reports about itself: the `/status` JSON, the `/metrics` counters, the
//! staff page, and the HTTP server that serves them (loopback by default; a token is required
//! elsewhere).

pub mod board;
pub mod page;
pub mod server;

use crate::core::alerts::Alert;
use serde::Serialize;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The `/status` document: what is on screen and what every source and playlist is doing.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatusReport {
    pub version: &'static str,
    pub uptime_seconds: f64,
    pub showing: Option<Showing>,
    /// Seconds until the slide on screen ends, if a slide is on screen.
    pub next_change_in_seconds: Option<f64>,
    pub sources: Vec<SourceReport>,
    /// Official warnings in force for this screen, most severe first.
    pub alerts: Vec<AlertReport>,
    /// JMA's feeds and each CAP source: last poll, last error, bytes.
    pub alert_feeds: Vec<SourceReport>,
    /// The ticker's messages in rotation now, each with where it comes from.
    pub ticker: Vec<TickerLine>,
    /// The news feeds the ticker names: last poll, last error, bytes.
    pub news_feeds: Vec<SourceReport>,
    /// The pages `Web` slides show: their last snapshot and how old it is, the last error.
    pub web_pages: Vec<WebPageReport>,
    pub playlists: Vec<PlaylistReport>,
    /// Every quiz file beside the playlists, checked as a tablet would load it.
    pub quizzes: Vec<QuizFileReport>,
    /// Seconds since the last frame was produced; large values mean the screen is stuck.
    pub last_frame_age_seconds: f64,
    /// Set while the show waits more than a few seconds for the slide due on screen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late: Option<LateReport>,
    /// Media files stopped by the drawing limits, by limit.
    pub drawing_limit_hits: DrawingLimitHits,
    /// Files skipped because the player stopped twice while showing them (under systemd).
    pub out_of_loop: Vec<String>,
    /// Temperature, throttling, power and file systems, with what is wrong.
    pub board: BoardReport,
    /// On a tablet: the quiz, its screen and the touch targets on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiz: Option<QuizReport>,
    pub screen: ScreenReport,
    /// The panel's power, when the config has a `display` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<PanelReport>,
}

/// The window the player draws into, as the compositor or X server gave it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScreenReport {
    /// The window's size in physical pixels.
    pub width: u32,
    pub height: u32,
    /// Whether the window covers its whole monitor; false means part of the screen is not ours.
    pub fullscreen: bool,
    /// The monitor's size, when the windowing system tells it.
    pub monitor: Option<(u32, u32)>,
    /// Degrees the picture is turned for the panel as mounted.
    pub rotation: u32,
    /// Where the slides go on the upright picture, `[x, y, width, height]`: all of it, or the
    /// main area of a layout with a band or a column.
    pub slide_area: [u32; 4],
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PanelReport {
    /// Whether the panel should be on now.
    pub on: bool,
    /// How it was last switched, e.g. "HDMI-CEC (cec-ctl)".
    pub method: Option<String>,
    /// Why the last switch failed, every method tried.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct QuizReport {
    pub quiz: String,
    /// attract, question, feedback, result or staff-pin.
    pub screen: &'static str,
    pub language: &'static str,
    pub buttons: Vec<ButtonReport>,
}

/// A touch target, in the window's logical pixels from its top-left corner.
#[derive(Clone, Debug, Serialize)]
pub struct ButtonReport {
    /// What touching it does, e.g. `Quiz(Choice(0))` or `Pin(Digit(5))`.
    pub action: String,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Showing {
    pub playlist: Option<String>,
    pub title: Option<String>,
    pub slide: Option<usize>,
    pub kind: &'static str,
    pub emergency: bool,
    /// For a video slide: frames decoded and presented a second, over the last second or so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoRate>,
}

/// How many of a playing video's frames reach the screen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VideoRate {
    pub decoded_per_second: f32,
    pub presented_per_second: f32,
    /// Who says a frame was presented: `compositor` (wp_presentation) or `player` (drawn).
    pub presented_by: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceReport {
    /// The folder, or the manifest's URL.
    pub origin: String,
    pub live: Option<String>,
    pub last_success: Option<String>,
    /// The latest failure, kept after a later success; `last_error_at` says when it was.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub checks_ok: u64,
    pub checks_failed: u64,
    pub bytes_downloaded: u64,
}

/// A page a `Web` slide shows.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WebPageReport {
    /// `origin` is the page's address; a check is a snapshot taken or failed.
    #[serde(flatten)]
    pub source: SourceReport,
    pub zoom: f32,
    /// When the snapshot on screen was taken, and how long ago that is.
    pub snapshot_taken: Option<String>,
    pub snapshot_age_seconds: Option<f64>,
    /// How long the last good snapshot took.
    pub snapshot_seconds: Option<f32>,
    #[serde(skip)]
    pub taken: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// A ticker message and its source: the ticker file or playlist, or a news feed's address.
#[derive(Clone, Debug, Serialize)]
pub struct TickerLine {
    pub message: String,
    pub source: String,
}

/// An official warning in force, and whether it takes the screen over (or is in the ticker).
#[derive(Clone, Debug, Serialize)]
pub struct AlertReport {
    #[serde(flatten)]
    pub alert: Alert,
    pub takeover: bool,
}

/// The board's health: the kernel's readings, and each problem they show.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BoardReport {
    #[serde(flatten)]
    pub readings: crate::core::board_health::BoardReadings,
    /// Each problem, in English.
    pub problems: Vec<String>,
    /// The same in Japanese, for the staff page.
    #[serde(skip)]
    pub problems_ja: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PlaylistReport {
    pub id: String,
    pub title: Option<String>,
    /// Empty when the playlist is valid; otherwise every problem, `file:line:col: message`.
    pub problems: Vec<String>,
    /// When it is next on screen, local time, `"2026-12-02 08:30"`, or `"now"`; absent when its
    /// schedule (or a playlist of higher priority) keeps it off for the next 400 days.
    pub next_play: Option<String>,
    /// Slides of this version the show skips because their media could not be drawn.
    pub skipped: Vec<SkippedSlide>,
    /// What plays but may not be read well (text too faint), `file:line:col: message`.
    pub warnings: Vec<String>,
}

/// A slide the show skips, and why.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SkippedSlide {
    /// Counted from 0, like `showing.slide`.
    pub slide: usize,
    pub reason: String,
}

/// Media files whose drawing broke a limit since the player started (thumbnails and checks of
/// pictures folders included).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct DrawingLimitHits {
    pub time: u64,
    pub memory: u64,
    pub crash: u64,
}

/// The show waiting for a slide past its time.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LateReport {
    /// How long the slide on screen has stayed past its end.
    pub seconds: f64,
    /// What is awaited, e.g. "slide 3 of lobby.ron (poster media/a.svg)".
    pub waiting_for: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct QuizFileReport {
    pub id: String,
    /// Absent while the file does not read as a quiz.
    pub title: Option<String>,
    /// Empty when a tablet can run it; otherwise every problem, `file:line:col: message`.
    pub problems: Vec<String>,
}

/// Counters the player bumps as it works; read by `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub slides_shown: AtomicU64,
    pub transitions: AtomicU64,
    pub slides_skipped: AtomicU64,
    pub frames: AtomicU64,
    /// Frame intervals during transitions, for their smoothness: count and total in microseconds.
    pub transition_frames: AtomicU64,
    pub transition_frame_micros: AtomicU64,
    /// The longest of those intervals.
    pub transition_frame_max_micros: AtomicU64,
    /// Transition frames that came more than half a second after the one before: visible stalls.
    pub transition_stalls: AtomicU64,
    /// Video frames decoded and handed to the screen.
    pub video_frames: AtomicU64,
    /// Video frames uploaded and drawn.
    pub video_frames_drawn: AtomicU64,
    /// Video frames on the screen: as the compositor reports them where it does
    /// (`presentation_feedback`), else as drawn.
    pub video_frames_presented: AtomicU64,
    /// Video frames drawn that the compositor reports it never showed.
    pub video_frames_discarded: AtomicU64,
    /// Time from drawing video frames to the compositor showing them, in microseconds.
    pub video_draw_to_screen_micros: AtomicU64,
    /// Set when the compositor reports which frames it shows (`wp_presentation`).
    pub presentation_feedback: AtomicBool,
    /// Video frames decoded while on screen but replaced by a newer one before they were drawn.
    pub video_frames_dropped: AtomicU64,
    /// Time spent copying decoded frames to the GPU, in microseconds.
    pub video_upload_micros: AtomicU64,
    /// Videos that could not be opened or stopped for good.
    pub video_errors: AtomicU64,
    /// Times a playing video delivered no frame for `core::video::STALL_SECONDS`.
    pub video_stalls: AtomicU64,
    /// Video pipelines torn down and built again after a stall.
    pub video_rebuilds: AtomicU64,
    /// Times a stalled hardware decoder made the player use software decoders only.
    pub video_software_fallbacks: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }
}

/// The Prometheus text exposition of the counters and the report.
pub fn metrics_text(
    counters: &Counters,
    report: &StatusReport,
    resident_bytes: Option<u64>,
) -> String {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut text = String::new();
    let with_problems = report
        .playlists
        .iter()
        .filter(|p| !p.problems.is_empty())
        .count();
    let failing = report
        .sources
        .iter()
        .filter(|s| s.last_error.is_some())
        .count();
    let single = [
        (
            "kiosk_uptime_seconds",
            "gauge",
            "Seconds since the player started.",
            format!("{:.3}", report.uptime_seconds),
        ),
        (
            "kiosk_slides_shown_total",
            "counter",
            "Slides put on screen.",
            get(&counters.slides_shown).to_string(),
        ),
        (
            "kiosk_transitions_total",
            "counter",
            "Animated transitions started.",
            get(&counters.transitions).to_string(),
        ),
        (
            "kiosk_transition_stalls_total",
            "counter",
            "Transition frames more than 0.5 s after the previous one.",
            get(&counters.transition_stalls).to_string(),
        ),
        (
            "kiosk_slides_skipped_total",
            "counter",
            "Slides skipped because their media could not be drawn.",
            get(&counters.slides_skipped).to_string(),
        ),
        (
            "kiosk_video_frames_total",
            "counter",
            "Video frames decoded and handed to the screen.",
            get(&counters.video_frames).to_string(),
        ),
        (
            "kiosk_video_frames_drawn_total",
            "counter",
            "Video frames uploaded and drawn.",
            get(&counters.video_frames_drawn).to_string(),
        ),
        (
            "kiosk_video_frames_presented_total",
            "counter",
            "Video frames on the screen: as the compositor reports them where it does \
             (kiosk_video_presentation_feedback 1), else as drawn.",
            get(&counters.video_frames_presented).to_string(),
        ),
        (
            "kiosk_video_frames_discarded_total",
            "counter",
            "Video frames drawn that the compositor reports it never showed.",
            get(&counters.video_frames_discarded).to_string(),
        ),
        (
            "kiosk_video_draw_to_screen_seconds_total",
            "counter",
            "Time from drawing video frames to the compositor showing them, summed.",
            format!(
                "{:.6}",
                get(&counters.video_draw_to_screen_micros) as f64 / 1e6
            ),
        ),
        (
            "kiosk_video_presentation_feedback",
            "gauge",
            "1 where the compositor reports which frames it shows (wp_presentation), else 0.",
            u8::from(counters.presentation_feedback.load(Ordering::Relaxed)).to_string(),
        ),
        (
            "kiosk_video_frames_dropped_total",
            "counter",
            "Video frames decoded for the screen but replaced by a newer one before being drawn.",
            get(&counters.video_frames_dropped).to_string(),
        ),
        (
            "kiosk_video_upload_seconds_total",
            "counter",
            "Time spent copying decoded video frames to the GPU.",
            format!("{:.6}", get(&counters.video_upload_micros) as f64 / 1e6),
        ),
        (
            "kiosk_video_errors_total",
            "counter",
            "Videos that could not be opened, or stopped for good while playing.",
            get(&counters.video_errors).to_string(),
        ),
        (
            "kiosk_video_stalls_total",
            "counter",
            "Times a playing video delivered no frame for 4 s.",
            get(&counters.video_stalls).to_string(),
        ),
        (
            "kiosk_video_rebuilds_total",
            "counter",
            "Video pipelines built again after a stall.",
            get(&counters.video_rebuilds).to_string(),
        ),
        (
            "kiosk_video_software_fallbacks_total",
            "counter",
            "Times a stalled hardware decoder made the player use software decoders only.",
            get(&counters.video_software_fallbacks).to_string(),
        ),
        (
            "kiosk_frames_total",
            "counter",
            "Frames produced.",
            get(&counters.frames).to_string(),
        ),
        (
            "kiosk_last_frame_age_seconds",
            "gauge",
            "Seconds since the last frame.",
            format!("{:.3}", report.last_frame_age_seconds),
        ),
        (
            "kiosk_show_late_seconds",
            "gauge",
            "Seconds the show has waited past a slide's end for the next slide; 0 when on time.",
            format!(
                "{:.3}",
                report.late.as_ref().map_or(0.0, |late| late.seconds)
            ),
        ),
        (
            "kiosk_screen_fullscreen",
            "gauge",
            "1 when the player's window covers its whole monitor.",
            u8::from(report.screen.fullscreen).to_string(),
        ),
        (
            "kiosk_playlists",
            "gauge",
            "Playlist files known.",
            report.playlists.len().to_string(),
        ),
        (
            "kiosk_playlists_with_problems",
            "gauge",
            "Playlist files that fail their checks.",
            with_problems.to_string(),
        ),
        (
            "kiosk_sources_with_errors",
            "gauge",
            "Content sources whose last recorded event is an error.",
            failing.to_string(),
        ),
    ];
    for (name, kind, help, value) in single {
        header(&mut text, name, kind, help);
        let _ = writeln!(text, "{name} {value}");
    }
    if let Some(panel) = &report.panel {
        header(
            &mut text,
            "kiosk_panel_on",
            "gauge",
            "1 while the panel should be on, 0 while it is off by schedule.",
        );
        let _ = writeln!(text, "kiosk_panel_on {}", u8::from(panel.on));
    }
    if let Some(bytes) = resident_bytes {
        header(
            &mut text,
            "kiosk_resident_memory_bytes",
            "gauge",
            "Resident memory of the player process.",
        );
        let _ = writeln!(text, "kiosk_resident_memory_bytes {bytes}");
    }
    header(
        &mut text,
        "kiosk_drawing_limit_hits_total",
        "counter",
        "Media files whose drawing was stopped by the time or memory limit, or crashed its decoder.",
    );
    let hits = report.drawing_limit_hits;
    for (limit, count) in [
        ("time", hits.time),
        ("memory", hits.memory),
        ("crash", hits.crash),
    ] {
        let _ = writeln!(
            text,
            "kiosk_drawing_limit_hits_total{{limit=\"{limit}\"}} {count}"
        );
    }
    board_metrics(&mut text, &report.board);
    header(
        &mut text,
        "kiosk_files_out_of_loop",
        "gauge",
        "Files skipped because the player stopped twice while showing them.",
    );
    let _ = writeln!(text, "kiosk_files_out_of_loop {}", report.out_of_loop.len());
    header(
        &mut text,
        "kiosk_transition_frame_seconds",
        "summary",
        "Intervals between frames during transitions.",
    );
    let _ = writeln!(
        text,
        "kiosk_transition_frame_seconds_sum {:.6}\nkiosk_transition_frame_seconds_count {}",
        get(&counters.transition_frame_micros) as f64 / 1e6,
        get(&counters.transition_frames)
    );
    header(
        &mut text,
        "kiosk_transition_frame_max_seconds",
        "gauge",
        "The longest interval between frames during a transition.",
    );
    let _ = writeln!(
        text,
        "kiosk_transition_frame_max_seconds {:.6}",
        get(&counters.transition_frame_max_micros) as f64 / 1e6
    );
    header(
        &mut text,
        "kiosk_source_checks_total",
        "counter",
        "Looks at content sources (folder scans, manifest polls), by result.",
    );
    for (index, source) in report.sources.iter().enumerate() {
        for (result, count) in [("ok", source.checks_ok), ("error", source.checks_failed)] {
            let _ = writeln!(
                text,
                "kiosk_source_checks_total{{source=\"{}\",result=\"{result}\"}} {count}",
                index + 1
            );
        }
    }
    header(
        &mut text,
        "kiosk_sync_downloaded_bytes_total",
        "counter",
        "Bytes downloaded from HTTP sources.",
    );
    for (index, source) in report.sources.iter().enumerate() {
        let _ = writeln!(
            text,
            "kiosk_sync_downloaded_bytes_total{{source=\"{}\"}} {}",
            index + 1,
            source.bytes_downloaded
        );
    }
    header(
        &mut text,
        "kiosk_alerts_active",
        "gauge",
        "Official warnings in force for this screen, by whether they take it over.",
    );
    let taking_over = report.alerts.iter().filter(|a| a.takeover).count();
    let _ = writeln!(
        text,
        "kiosk_alerts_active{{takeover=\"true\"}} {taking_over}"
    );
    let _ = writeln!(
        text,
        "kiosk_alerts_active{{takeover=\"false\"}} {}",
        report.alerts.len() - taking_over
    );
    header(
        &mut text,
        "kiosk_alert_polls_total",
        "counter",
        "Polls of the alert sources (JMA's feeds, CAP sources), by result.",
    );
    for (index, feed) in report.alert_feeds.iter().enumerate() {
        for (result, count) in [("ok", feed.checks_ok), ("error", feed.checks_failed)] {
            let _ = writeln!(
                text,
                "kiosk_alert_polls_total{{feed=\"{}\",result=\"{result}\"}} {count}",
                index + 1
            );
        }
    }
    header(
        &mut text,
        "kiosk_alert_downloaded_bytes_total",
        "counter",
        "Bytes of feeds and documents downloaded from the alert sources.",
    );
    for (index, feed) in report.alert_feeds.iter().enumerate() {
        let _ = writeln!(
            text,
            "kiosk_alert_downloaded_bytes_total{{feed=\"{}\"}} {}",
            index + 1,
            feed.bytes_downloaded
        );
    }
    header(
        &mut text,
        "kiosk_web_snapshots_total",
        "counter",
        "Snapshots of the pages Web slides show, by page (its place in /status) and result.",
    );
    for (index, page) in report.web_pages.iter().enumerate() {
        let (ok, failed) = (page.source.checks_ok, page.source.checks_failed);
        for (result, count) in [("ok", ok), ("error", failed)] {
            let _ = writeln!(
                text,
                "kiosk_web_snapshots_total{{page=\"{}\",result=\"{result}\"}} {count}",
                index + 1
            );
        }
    }
    header(
        &mut text,
        "kiosk_web_snapshot_age_seconds",
        "gauge",
        "How old the snapshot of each page a Web slide shows is; it grows while the site is down.",
    );
    for (index, page) in report.web_pages.iter().enumerate() {
        if let Some(age) = page.snapshot_age_seconds {
            let _ = writeln!(
                text,
                "kiosk_web_snapshot_age_seconds{{page=\"{}\"}} {age:.0}",
                index + 1
            );
        }
    }
    text
}

fn board_metrics(text: &mut String, board: &BoardReport) {
    let readings = &board.readings;
    let flag = |on: bool| u8::from(on);
    let single = [
        (
            "kiosk_board_temperature_celsius",
            "The hottest thermal zone.",
            readings.temperature_celsius.map(|t| format!("{t:.1}")),
        ),
        (
            "kiosk_board_throttled",
            "1 while a CPU cooling device slows the processor.",
            readings.throttled.map(|t| flag(t).to_string()),
        ),
        (
            "kiosk_board_under_voltage",
            "1 while the Raspberry Pi's under-voltage alarm is on.",
            readings.under_voltage.map(|u| flag(u).to_string()),
        ),
        (
            "kiosk_board_problems",
            "Problems with the board now (heat, power, file systems).",
            Some(board.problems.len().to_string()),
        ),
    ];
    for (name, help, value) in single {
        if let Some(value) = value {
            header(text, name, "gauge", help);
            let _ = writeln!(text, "{name} {value}");
        }
    }
    let per_folder = |text: &mut String, name: &str, help: &str, values: Vec<(&str, String)>| {
        if values.is_empty() {
            return;
        }
        header(text, name, "gauge", help);
        for (folder, value) in values {
            let _ = writeln!(text, "{name}{{folder=\"{}\"}} {value}", label(folder));
        }
    };
    let systems = &readings.file_systems;
    per_folder(
        text,
        "kiosk_filesystem_read_only",
        "1 when the file system of a folder the player needs is read-only.",
        (systems.iter())
            .map(|fs| (fs.folder.as_str(), flag(fs.read_only).to_string()))
            .collect(),
    );
    per_folder(
        text,
        "kiosk_filesystem_errors",
        "Errors ext4 recorded on the file system of a folder the player needs.",
        (systems.iter())
            .filter_map(|fs| Some((fs.folder.as_str(), fs.errors?.to_string())))
            .collect(),
    );
    per_folder(
        text,
        "kiosk_filesystem_free_bytes",
        "Free bytes on the file system of a folder the player needs.",
        (systems.iter())
            .filter_map(|fs| Some((fs.folder.as_str(), fs.free_bytes?.to_string())))
            .collect(),
    );
}

/// A label value as Prometheus's text format writes it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Resident memory of this process, from `/proc/self/statm`.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_have_help_type_and_value_for_each_name() {
        let counters = Counters::default();
        Counters::add(&counters.slides_shown, 3);
        let report = StatusReport {
            playlists: vec![PlaylistReport {
                id: "a.ron".into(),
                title: None,
                problems: vec!["x".into()],
                next_play: None,
                skipped: vec![],
                warnings: vec![],
            }],
            sources: vec![SourceReport {
                checks_ok: 4,
                checks_failed: 1,
                bytes_downloaded: 99,
                ..SourceReport::default()
            }],
            web_pages: vec![WebPageReport {
                snapshot_age_seconds: Some(61.2),
                ..WebPageReport::default()
            }],
            ..StatusReport::default()
        };
        let text = metrics_text(&counters, &report, Some(1024));
        assert!(
            text.contains("kiosk_web_snapshot_age_seconds{page=\"1\"} 61\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE kiosk_slides_shown_total counter\nkiosk_slides_shown_total 3\n"),
            "{text}"
        );
        assert!(text.contains("kiosk_playlists_with_problems 1\n"), "{text}");
        assert!(
            text.contains("kiosk_resident_memory_bytes 1024\n"),
            "{text}"
        );
        assert!(
            text.contains("kiosk_source_checks_total{source=\"1\",result=\"error\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("kiosk_sync_downloaded_bytes_total{source=\"1\"} 99\n"),
            "{text}"
        );
        assert!(resident_bytes().is_some_and(|b| b > 0));
    }
}
