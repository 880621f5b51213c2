//! What a running player reports about itself: the `/status` JSON, the `/metrics` counters, and
//! the small HTTP server that serves them (loopback by default; a token is required elsewhere).

pub mod server;

use serde::Serialize;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The `/status` document: what is on screen and what every source and playlist is doing.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatusReport {
    pub version: &'static str,
    pub uptime_seconds: f64,
    pub showing: Option<Showing>,
    /// Seconds until the slide on screen ends, if a slide is on screen.
    pub next_change_in_seconds: Option<f64>,
    pub sources: Vec<SourceReport>,
    pub playlists: Vec<PlaylistReport>,
    /// Seconds since the last frame was produced; large values mean the screen is stuck.
    pub last_frame_age_seconds: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Showing {
    pub playlist: Option<String>,
    pub title: Option<String>,
    pub slide: Option<usize>,
    pub kind: &'static str,
    pub emergency: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceReport {
    pub live: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PlaylistReport {
    pub id: String,
    pub title: Option<String>,
    /// Empty when the playlist is valid; otherwise every problem, `file:line:col: message`.
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
    let mut metric = |name: &str, kind: &str, help: &str, value: String| {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "kiosk_uptime_seconds",
        "gauge",
        "Seconds since the player started.",
        format!("{:.3}", report.uptime_seconds),
    );
    metric(
        "kiosk_slides_shown_total",
        "counter",
        "Slides put on screen.",
        get(&counters.slides_shown).to_string(),
    );
    metric(
        "kiosk_transitions_total",
        "counter",
        "Animated transitions started.",
        get(&counters.transitions).to_string(),
    );
    metric(
        "kiosk_slides_skipped_total",
        "counter",
        "Slides skipped because their media could not be drawn.",
        get(&counters.slides_skipped).to_string(),
    );
    metric(
        "kiosk_frames_total",
        "counter",
        "Frames produced.",
        get(&counters.frames).to_string(),
    );
    metric(
        "kiosk_last_frame_age_seconds",
        "gauge",
        "Seconds since the last frame.",
        format!("{:.3}", report.last_frame_age_seconds),
    );
    let _ = writeln!(
        text,
        "# HELP kiosk_transition_frame_seconds Intervals between frames during transitions.\n# TYPE kiosk_transition_frame_seconds summary\nkiosk_transition_frame_seconds_sum {:.6}\nkiosk_transition_frame_seconds_count {}",
        get(&counters.transition_frame_micros) as f64 / 1e6,
        get(&counters.transition_frames)
    );
    let with_problems = report
        .playlists
        .iter()
        .filter(|p| !p.problems.is_empty())
        .count();
    let mut metric = |name: &str, kind: &str, help: &str, value: String| {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "kiosk_playlists",
        "gauge",
        "Playlist files known.",
        report.playlists.len().to_string(),
    );
    metric(
        "kiosk_playlists_with_problems",
        "gauge",
        "Playlist files that fail their checks.",
        with_problems.to_string(),
    );
    let failing = report
        .sources
        .iter()
        .filter(|s| s.last_error.is_some())
        .count();
    metric(
        "kiosk_sources_with_errors",
        "gauge",
        "Content sources whose last recorded event is an error.",
        failing.to_string(),
    );
    if let Some(bytes) = resident_bytes {
        metric(
            "kiosk_resident_memory_bytes",
            "gauge",
            "Resident memory of the player process.",
            bytes.to_string(),
        );
    }
    text
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
            }],
            ..StatusReport::default()
        };
        let text = metrics_text(&counters, &report, Some(1024));
        assert!(
            text.contains("# TYPE kiosk_slides_shown_total counter\nkiosk_slides_shown_total 3\n"),
            "{text}"
        );
        assert!(text.contains("kiosk_playlists_with_problems 1\n"), "{text}");
        assert!(
            text.contains("kiosk_resident_memory_bytes 1024\n"),
            "{text}"
        );
        assert!(resident_bytes().is_some_and(|b| b > 0));
    }
}
