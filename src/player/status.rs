//! Serves `/status` and `/metrics` from a snapshot refreshed after every frame, and `/screenshot`
//! as a PNG of the frame on screen.

use super::furniture::ScreenRegions;
use super::panel::Panel;
use super::screen::{Canvas, Clock, ScreenFit};
use super::slideshow::{Playlists, Show, SourceStatuses};
use super::tablet::Tablet;
use crate::core::display::Rotation;
use crate::core::library::{Library, PlaylistId};
use crate::core::quiz::Language;
use crate::core::slideshow::Cue;
use crate::status::server::{Answer, Responder, serve};
use crate::status::{
    ButtonReport, Counters, PlaylistReport, QuizReport, ScreenReport, Showing, SourceReport,
    StatusReport, metrics_text, resident_bytes,
};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use chrono::{NaiveDateTime, Timelike};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use winit::event_loop::EventLoopProxy;

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
        let (screenshots_tx, screenshots) = mpsc::channel::<mpsc::Sender<Vec<u8>>>();
        let waker = Waker::default();
        let wake = waker.clone();
        let respond: Responder = Arc::new(move |path| {
            if path == "/screenshot" {
                return Some(screenshot(&screenshots_tx, &wake));
            }
            let mut report = shared.lock().ok()?.clone();
            // The snapshot was taken at the last frame; how long ago that was is the screen's health.
            let now = clock.seconds();
            report.last_frame_age_seconds = now - report.uptime_seconds;
            report.next_change_in_seconds = report
                .next_change_in_seconds
                .map(|s| (s - report.last_frame_age_seconds).max(0.0));
            report.uptime_seconds = now;
            match path {
                "/status" => Some((
                    "200 OK",
                    "application/json",
                    serde_json::to_vec_pretty(&report).ok()?,
                )),
                "/metrics" => Some((
                    "200 OK",
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
            .insert_resource(ScreenshotRequests(Mutex::new(screenshots)))
            .insert_resource(waker)
            .init_resource::<PendingScreenshots>()
            .add_systems(Startup, share_event_loop)
            .add_systems(Update, take_screenshots)
            .add_systems(Last, refresh_snapshot);
    }
}

/// Requests for a screenshot, each with where to send the PNG.
#[derive(Resource)]
struct ScreenshotRequests(Mutex<mpsc::Receiver<mpsc::Sender<Vec<u8>>>>);

/// Wakes the player's event loop from the status thread, once the loop exists.
#[derive(Resource, Clone, Default)]
struct Waker(Arc<Mutex<Option<EventLoopProxy<WinitUserEvent>>>>);

fn share_event_loop(waker: Res<Waker>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    if let (Some(proxy), Ok(mut slot)) = (proxy, waker.0.lock()) {
        *slot = Some((**proxy).clone());
    }
}

/// Asks the player for a screenshot and waits for it.
fn screenshot(requests: &mpsc::Sender<mpsc::Sender<Vec<u8>>>, waker: &Waker) -> Answer {
    let (reply, png) = mpsc::channel();
    if requests.send(reply).is_err() {
        return (
            "503 Service Unavailable",
            "text/plain",
            b"the player is stopping\n".to_vec(),
        );
    }
    if let Some(proxy) = waker.0.lock().ok().and_then(|p| p.clone()) {
        let _ = proxy.send_event(WinitUserEvent::WakeUp);
    }
    match png.recv_timeout(Duration::from_secs(5)) {
        Ok(bytes) => ("200 OK", "image/png", bytes),
        Err(_) => (
            "503 Service Unavailable",
            "text/plain",
            b"no frame came back in 5 s: the player's frames are stuck\n".to_vec(),
        ),
    }
}

/// Screenshots asked for and not yet back from the GPU. Bevy copies the frame out after it is
/// drawn and hands it over a frame or two later: frames keep coming until then, or a player asleep
/// on a still slide would answer only at its next wake-up.
#[derive(Resource, Clone, Default)]
struct PendingScreenshots(Arc<AtomicUsize>);

fn take_screenshots(
    mut commands: Commands,
    requests: Res<ScreenshotRequests>,
    pending: Res<PendingScreenshots>,
    canvas: Res<Canvas>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut frames_waited: Local<u32>,
) {
    /// A capture that has not come back after this many frames will not: stop drawing for it
    /// (its request answers 503), rather than burn a core on frames.
    const MOST_FRAMES_PER_CAPTURE: u32 = 30;
    let Ok(requests) = requests.0.lock() else {
        return;
    };
    for reply in requests.try_iter() {
        *frames_waited = 0;
        pending.0.fetch_add(1, Ordering::SeqCst);
        let (pending, rotation) = (pending.0.clone(), canvas.rotation);
        commands.spawn(Screenshot::primary_window()).observe(
            move |captured: On<ScreenshotCaptured>| {
                pending.fetch_sub(1, Ordering::SeqCst);
                let png = captured
                    .image
                    .clone()
                    .try_into_dynamic()
                    .ok()
                    .and_then(|picture| upright_png(picture.to_rgb8(), rotation));
                if let Some(png) = png {
                    let _ = reply.send(png);
                }
            },
        );
    }
    if pending.0.load(Ordering::SeqCst) == 0 {
        *frames_waited = 0;
    } else if *frames_waited < MOST_FRAMES_PER_CAPTURE {
        *frames_waited += 1;
        redraw.write(RequestRedraw);
    }
}

/// The window's picture as the viewer sees the panel, as PNG.
fn upright_png(window: image::RgbImage, rotation: Rotation) -> Option<Vec<u8>> {
    use image::imageops::{rotate90, rotate180, rotate270};
    let upright = match rotation {
        Rotation::Upright => window,
        Rotation::Quarter => rotate90(&window),
        Rotation::Half => rotate180(&window),
        Rotation::ThreeQuarters => rotate270(&window),
    };
    let mut bytes = Vec::new();
    upright
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .ok()?;
    Some(bytes)
}

#[allow(clippy::too_many_arguments)]
fn refresh_snapshot(
    snapshot: Res<Snapshot>,
    counters: Res<PlayerCounters>,
    playlists: Res<Playlists>,
    show: Res<Show>,
    sources: Res<SourceStatuses>,
    clock: Res<Clock>,
    tablet: Option<Res<Tablet>>,
    canvas: Res<Canvas>,
    fit: Res<ScreenFit>,
    (panel, regions): (Option<Res<Panel>>, Res<ScreenRegions>),
    mut next_plays: Local<NextPlays>,
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
    let next = next_plays.at(&playlists.library);
    let mut reports: Vec<PlaylistReport> = playlists
        .library
        .entries()
        .map(|(id, entry)| PlaylistReport {
            id: id.clone(),
            title: Some(entry.playlist.title.clone()),
            problems: playlists.problems.get(id).cloned().unwrap_or_default(),
            next_play: next.get(id).cloned(),
        })
        .collect();
    for (id, problems) in &playlists.problems {
        if playlists.library.get(id).is_none() {
            reports.push(PlaylistReport {
                id: id.clone(),
                title: None,
                problems: problems.clone(),
                next_play: None,
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
            checks_ok: s.checks_ok,
            checks_failed: s.checks_failed,
            bytes_downloaded: s.bytes_downloaded,
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
        quiz: tablet.map(|tablet| quiz_report(&tablet, &canvas)),
        screen: ScreenReport {
            width: fit.window.x,
            height: fit.window.y,
            fullscreen: fit.fullscreen(),
            monitor: fit.monitor.map(|m| (m.x, m.y)),
            rotation: canvas.rotation.degrees(),
            slide_area: {
                let main = regions.regions.main;
                [main.x, main.y, main.width, main.height]
            },
        },
        panel: panel.map(|panel| panel.report()),
    };
    if let Ok(mut shared) = snapshot.0.lock() {
        *shared = report;
    }
}

/// When each playlist plays next, worked out again only when the minute or the library changes
/// (the snapshot is refreshed every frame).
#[derive(Default)]
struct NextPlays {
    worked_out_for: Option<(NaiveDateTime, u64)>,
    next: BTreeMap<PlaylistId, String>,
}

impl NextPlays {
    fn at(&mut self, library: &Library) -> &BTreeMap<PlaylistId, String> {
        let now = chrono::Local::now().naive_local();
        let minute = now
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        if self.worked_out_for != Some((minute, library.generation())) {
            self.worked_out_for = Some((minute, library.generation()));
            self.next = library
                .next_plays(minute)
                .into_iter()
                .map(|(id, at)| {
                    let when = if at == minute {
                        "now".to_string()
                    } else {
                        at.format("%Y-%m-%d %H:%M").to_string()
                    };
                    (id, when)
                })
                .collect();
        }
        &self.next
    }
}

fn quiz_report(tablet: &Tablet, canvas: &Canvas) -> QuizReport {
    QuizReport {
        quiz: tablet.quiz_name.clone(),
        screen: tablet.screen_name(),
        language: match tablet.machine.language() {
            Language::Ja => "ja",
            Language::En => "en",
        },
        buttons: tablet
            .buttons
            .iter()
            .map(|b| {
                // In the window's logical pixels, where a click or touch lands on the button.
                let corner = canvas.to_window(Vec2::new(b.rect.x, b.rect.y));
                let opposite =
                    canvas.to_window(Vec2::new(b.rect.x + b.rect.width, b.rect.y + b.rect.height));
                let (low, high) = (corner.min(opposite), corner.max(opposite));
                ButtonReport {
                    action: format!("{:?}", b.action),
                    x: low.x,
                    y: low.y,
                    width: high.x - low.x,
                    height: high.y - low.y,
                }
            })
            .collect(),
    }
}
