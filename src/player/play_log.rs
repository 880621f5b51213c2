//! The play log: one JSON line per slide shown (proof of play), rotated at a size cap.

use super::slideshow::{SlideStarted, SlideTimer};
use crate::core::slideshow::Cue;
use crate::rotating_log::{RotatingLog, TroubleChange, WriteTrouble};
use bevy::prelude::*;
use std::path::PathBuf;

pub struct PlayLogPlugin {
    pub path: Option<PathBuf>,
}

/// The play log is rotated at this size, keeping this many older files: at most 40 MB in all.
const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;
const KEPT_LOGS: u32 = 3;

#[derive(Resource)]
struct PlayLog(RotatingLog, WriteTrouble);

impl Plugin for PlayLogPlugin {
    fn build(&self, app: &mut App) {
        let Some(path) = &self.path else { return };
        match RotatingLog::open(path, MAX_LOG_BYTES, KEPT_LOGS) {
            Ok(log) => {
                // After the slideshow, so a slide is logged in the frame it starts, not at the
                // next wake-up.
                app.insert_resource(PlayLog(log, WriteTrouble::default()))
                    .add_systems(Update, record_slides.after(SlideTimer));
            }
            Err(error) => error!(
                "cannot open the play log {}: {error}; playing without it",
                path.display()
            ),
        }
    }
}

fn record_slides(mut started: MessageReader<SlideStarted>, mut log: ResMut<PlayLog>) {
    for slide in started.read() {
        let (playlist, index) = match &slide.cue {
            Cue::Slide(cue) => (Some(cue.key.playlist.as_str()), Some(cue.key.index)),
            Cue::Idle => (None, None),
        };
        let line = serde_json::json!({
            "time": chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            "playlist": playlist,
            "title": slide.playlist_title,
            "slide": index,
            "kind": slide.kind,
        });
        let written = log.0.append_line(&line.to_string());
        match log.1.note(&written) {
            Some(TroubleChange::Started(error)) => {
                warn!("cannot write the play log: {error}; the show goes on without it")
            }
            Some(TroubleChange::Over) => info!("the play log is written again"),
            None => {}
        }
    }
}
