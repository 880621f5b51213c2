//! How long and how much memory drawing one media file may take, and what a drawing process's
//! end says about the file. The drawing itself runs in a child process (`compose::media_process`).

use serde::Deserialize;
use std::fmt;

/// The limits on drawing one picture, SVG or PDF page (the config's `drawing_limits`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DrawingLimits {
    /// Wall-clock seconds for one file (default 10).
    pub seconds: f32,
    /// Megabytes of memory for one file (default 512).
    pub memory_mb: u32,
}

impl Default for DrawingLimits {
    fn default() -> Self {
        // A 40-megapixel JPEG, the largest photo accepted, decodes and scales to 1080p in 0.7 s
        // with a peak of 276 MiB on the development PC; a Pi 4 takes a few times as long.
        DrawingLimits {
            seconds: 10.0,
            memory_mb: 512,
        }
    }
}

impl DrawingLimits {
    /// What is wrong with these limits, if anything: below these a real photo cannot be drawn.
    pub fn problem(&self) -> Option<&'static str> {
        if !(1.0..=600.0).contains(&self.seconds) {
            return Some("`seconds` must be between 1 and 600");
        }
        if !(64..=16_384).contains(&self.memory_mb) {
            return Some("`memory_mb` must be between 64 and 16384");
        }
        None
    }

    /// The address space the drawing process may hold: its data, heap and stacks.
    pub fn memory_bytes(&self) -> u64 {
        u64::from(self.memory_mb) * 1024 * 1024
    }
}

/// How a drawing process ended without handing back its result.
#[derive(Clone, Debug, PartialEq)]
pub enum Ending {
    /// The parent ended it when the time limit passed.
    OutOfTime,
    /// It died of this signal.
    Signal(i32),
    /// It exited with this code.
    Exit(i32),
}

/// Why a file was not drawn, when the drawing process did not say why itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Broken {
    /// Drawing took longer than the limit.
    Time { seconds: f32 },
    /// Drawing needed more memory than the limit.
    Memory { memory_mb: u32 },
    /// The decoder crashed: the file is damaged in a way the decoder did not expect.
    Crash { how: String },
}

impl Broken {
    /// The name of the limit, as `/metrics` labels it.
    pub fn limit_name(&self) -> &'static str {
        match self {
            Broken::Time { .. } => "time",
            Broken::Memory { .. } => "memory",
            Broken::Crash { .. } => "crash",
        }
    }

    /// What a person would change about a video that broke the limit while it was opened.
    pub fn for_a_video(&self) -> String {
        match self {
            Broken::Time { seconds } => format!(
                "opening it takes longer than the time limit ({seconds} s): export it again as \
                 H.264 in MP4, 1080p or smaller"
            ),
            Broken::Memory { memory_mb } => format!(
                "opening it needs more than the memory limit ({memory_mb} MB): export it again \
                 at 1080p or smaller"
            ),
            Broken::Crash { how } => format!(
                "the video decoder crashed on it ({how}); the file is probably damaged: export \
                 it again"
            ),
        }
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::Time { seconds } => write!(
                f,
                "drawing it takes longer than the time limit ({seconds} s): simplify it (heavy \
                 filters, blurs or huge numbers of shapes) or export it as a PNG or JPEG"
            ),
            Broken::Memory { memory_mb } => write!(
                f,
                "drawing it needs more than the memory limit ({memory_mb} MB): export it smaller \
                 or simpler, or as a PNG or JPEG"
            ),
            Broken::Crash { how } => write!(
                f,
                "the decoder crashed on it ({how}); the file is probably damaged: save or export \
                 it again"
            ),
        }
    }
}

/// What a drawing process's end means. `stderr` is what it wrote there: Rust's allocator says
/// "memory allocation of N bytes failed" before it aborts, GLib (under GStreamer) "failed to
/// allocate N bytes", the ways a process out of its memory limit usually ends.
pub fn judge(ending: &Ending, stderr: &str, limits: &DrawingLimits) -> Broken {
    const SIGXCPU: i32 = 24;
    let memory = Broken::Memory {
        memory_mb: limits.memory_mb,
    };
    let out_of_memory = [
        "memory allocation of",
        "capacity overflow",
        "failed to allocate",
    ];
    if out_of_memory.iter().any(|said| stderr.contains(said)) {
        return memory;
    }
    match ending {
        Ending::OutOfTime | Ending::Signal(SIGXCPU) => Broken::Time {
            seconds: limits.seconds,
        },
        Ending::Signal(signal) => Broken::Crash {
            how: format!("signal {signal}"),
        },
        Ending::Exit(code) => {
            let said = stderr.lines().rev().find(|l| !l.trim().is_empty());
            Broken::Crash {
                how: match said {
                    Some(line) => format!("exit code {code}: {}", line.trim()),
                    None => format!("exit code {code}"),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ending_names_the_limit_the_file_broke() {
        let limits = DrawingLimits::default();
        assert_eq!(
            judge(&Ending::OutOfTime, "", &limits),
            Broken::Time { seconds: 10.0 }
        );
        assert_eq!(judge(&Ending::Signal(24), "", &limits).limit_name(), "time");
        let aborted = "memory allocation of 8294400 bytes failed\n";
        assert_eq!(
            judge(&Ending::Signal(6), aborted, &limits),
            Broken::Memory { memory_mb: 512 }
        );
        let glib = "(kiosk-player:30598): GLib-ERROR **: 06:11:41.673: ../../../glib/gmem.c:136: \
                    failed to allocate 54000151 bytes\n";
        assert_eq!(
            judge(&Ending::Signal(5), glib, &limits),
            Broken::Memory { memory_mb: 512 }
        );
        assert_eq!(
            judge(&Ending::Signal(11), "", &limits),
            Broken::Crash {
                how: "signal 11".into()
            }
        );
        let panicked = "thread 'main' panicked at src/x.rs:1:1:\nindex out of bounds\n\n";
        assert_eq!(
            judge(&Ending::Exit(101), panicked, &limits).to_string(),
            "the decoder crashed on it (exit code 101: index out of bounds); the file is probably \
             damaged: save or export it again"
        );
    }

    #[test]
    fn a_video_over_a_limit_is_to_be_exported_again_smaller() {
        let advice = Broken::Memory { memory_mb: 256 }.for_a_video();
        assert!(
            advice.contains("memory limit (256 MB)") && advice.contains("1080p or smaller"),
            "{advice}"
        );
    }

    #[test]
    fn limits_too_small_for_a_real_photo_are_refused() {
        assert_eq!(DrawingLimits::default().problem(), None);
        let brief = DrawingLimits {
            seconds: 0.5,
            ..DrawingLimits::default()
        };
        assert!(brief.problem().is_some());
        let tight = DrawingLimits {
            memory_mb: 16,
            ..DrawingLimits::default()
        };
        assert!(tight.problem().is_some());
    }
}
