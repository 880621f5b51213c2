//! The play log: one JSON line per slide shown, the start of a proof-of-play record.

use super::slideshow::SlideStarted;
use crate::core::slideshow::Cue;
use bevy::prelude::*;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

pub struct PlayLogPlugin {
    pub path: Option<PathBuf>,
}

#[derive(Resource)]
struct PlayLog(File);

impl Plugin for PlayLogPlugin {
    fn build(&self, app: &mut App) {
        let Some(path) = &self.path else { return };
        match File::options().create(true).append(true).open(path) {
            Ok(file) => {
                app.insert_resource(PlayLog(file))
                    .add_systems(Update, record_slides);
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
        // One write per line, flushed, so a power cut loses at most the line being written.
        if let Err(error) = writeln!(log.0, "{line}").and_then(|_| log.0.flush()) {
            warn!("cannot write the play log: {error}");
        }
    }
}
