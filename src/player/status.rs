//! Serves `/status` and `/metrics` from a snapshot refreshed after every frame.

use super::screen::Clock;
use super::slideshow::{Playlists, Show, SourceStatuses};
use crate::core::slideshow::Cue;
use crate::status::server::{Responder, serve};
use crate::status::{
    Counters, PlaylistReport, Showing, SourceReport, StatusReport, metrics_text, resident_bytes,
};
use bevy::prelude::*;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Counters the other plugins bump; always present, served only when the endpoint is on.
#[derive(Resource, Clone, Default)]
pub struct PlayerCounters(pub Arc<Counters>);

#[derive(Resource, Clone, Default)]
struct Snapshot(Arc<Mutex<StatusReport>>);

pub struct StatusPlugin {
    pub listen: Option<SocketAddr>,
    pub token: Option<String>,
}

impl Plugin for StatusPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PlayerCounters>();
        let Some(listen) = self.listen else { return };
        let snapshot = Snapshot::default();
        let counters = app.world().resource::<PlayerCounters>().0.clone();
        let shared = snapshot.0.clone();
        let clock = *app.world().resource::<Clock>();
        let respond: Responder = Arc::new(move |path| {
            let mut report = shared.lock().ok()?.clone();
            // The snapshot was taken at the last frame; how long ago that was is the screen's health.
            let now = clock.seconds();
            report.last_frame_age_seconds = now - report.uptime_seconds;
            report.next_change_in_seconds = report
                .next_change_in_seconds
                .map(|s| (s - report.last_frame_age_seconds).max(0.0));
            report.uptime_seconds = now;
            match path {
                "/status" => Some(("application/json", serde_json::to_vec_pretty(&report).ok()?)),
                "/metrics" => Some((
                    "text/plain; version=0.0.4",
                    metrics_text(&counters, &report, resident_bytes()).into_bytes(),
                )),
                _ => None,
            }
        });
        match serve(listen, self.token.clone(), respond) {
            Ok(bound) => info!("status on http://{bound}/status and /metrics"),
            Err(error) => warn!("no status endpoint: {error}"),
        }
        app.insert_resource(snapshot)
            .add_systems(Last, refresh_snapshot);
    }
}

fn refresh_snapshot(
    snapshot: Res<Snapshot>,
    counters: Res<PlayerCounters>,
    playlists: Res<Playlists>,
    show: Res<Show>,
    sources: Res<SourceStatuses>,
    clock: Res<Clock>,
) {
    Counters::add(&counters.0.frames, 1);
    let now = clock.seconds();
    let showing = show.0.current().map(|cue| match cue {
        Cue::Slide(s) => {
            let found = playlists.library.slide(&s.key);
            Showing {
                playlist: Some(s.key.playlist.clone()),
                title: found.map(|(entry, _)| entry.playlist.title.clone()),
                slide: Some(s.key.index),
                kind: found.map_or("slide", |(_, slide)| slide.kind_name()),
                emergency: s.emergency,
            }
        }
        Cue::Idle => Showing {
            kind: "idle",
            ..Showing::default()
        },
    });
    let mut reports: Vec<PlaylistReport> = playlists
        .library
        .entries()
        .map(|(id, entry)| PlaylistReport {
            id: id.clone(),
            title: Some(entry.playlist.title.clone()),
            problems: playlists.problems.get(id).cloned().unwrap_or_default(),
        })
        .collect();
    for (id, problems) in &playlists.problems {
        if playlists.library.get(id).is_none() {
            reports.push(PlaylistReport {
                id: id.clone(),
                title: None,
                problems: problems.clone(),
            });
        }
    }
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    let sources = sources
        .0
        .iter()
        .filter_map(|status| status.lock().ok().map(|s| s.clone()))
        .map(|s| SourceReport {
            live: s.live.map(|p| p.display().to_string()),
            last_success: s.last_success.map(|t| t.to_rfc3339()),
            last_error: s.last_error,
        })
        .collect();
    let report = StatusReport {
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: now,
        showing,
        next_change_in_seconds: show.0.ends_at().map(|end| (end - now).max(0.0)),
        sources,
        playlists: reports,
        last_frame_age_seconds: 0.0,
    };
    if let Ok(mut shared) = snapshot.0.lock() {
        *shared = report;
    }
}
