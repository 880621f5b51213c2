//! Starts the status endpoint, refreshes the snapshot it answers from after every frame, and
//! captures the frame on screen when it asks for a screenshot.

use super::furniture::ScreenRegions;
use super::panel::Panel;
use super::screen::{Canvas, Clock, ScreenFit};
use super::site::{Capture, PlayerSite, Shared};
use super::slideshow::{Guard, Playlists, Show, ShowWait, SourceStatuses};
use super::tablet::Tablet;
use crate::content::watch::SourceStatus;
use crate::core::library::{Library, PlaylistId};
use crate::core::quiz::Language;
use crate::core::slideshow::Cue;
use crate::status::board::{BoardReader, SharedBoard, watch_board};
use crate::status::server::serve;
use crate::status::{
    AlertReport, BoardReport, ButtonReport, Counters, DrawingLimitHits, LateReport, PlaylistReport,
    QuizFileReport, QuizReport, ScreenReport, Showing, SkippedSlide, SourceReport, StatusReport,
    TickerLine, VideoRate, WebPageReport,
};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::RequestRedraw;
use bevy::winit::EventLoopProxyWrapper;
use chrono::{NaiveDateTime, Timelike};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Counters the other plugins bump; always present, served only when the endpoint is on.
#[derive(Resource, Clone, Default)]
pub struct PlayerCounters(pub Arc<Counters>);

/// What the endpoint reads: the report, the library, the event loop to wake.
#[derive(Resource, Clone, Default)]
struct Snapshot(Shared);

pub struct StatusPlugin {
    pub listen: Option<SocketAddr>,
    pub token: Option<String>,
    /// The Prometheus server, which keeps connection slots of its own.
    pub prometheus: Option<std::net::IpAddr>,
    /// What the board's health is read from.
    pub board: BoardReader,
}

/// The board's latest health, from its own thread.
#[derive(Resource, Default)]
struct Board(SharedBoard);

impl Plugin for StatusPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PlayerCounters>();
        let board = Board::default();
        watch_board(self.board.clone(), board.0.clone());
        app.insert_resource(board);
        // The render world counts the video frames it presents.
        let counters = app.world().resource::<PlayerCounters>().clone();
        if let Some(render) = app.get_sub_app_mut(bevy::render::RenderApp) {
            render.insert_resource(counters);
        }
        let Some(listen) = self.listen else { return };
        let snapshot = Snapshot::default();
        let counters = app.world().resource::<PlayerCounters>().0.clone();
        let clock = *app.world().resource::<Clock>();
        let (screenshots_tx, screenshots) = mpsc::channel::<mpsc::Sender<Capture>>();
        let site = PlayerSite::new(snapshot.0.clone(), counters, clock, screenshots_tx);
        match serve(listen, self.token.clone(), self.prometheus, Arc::new(site)) {
            Ok(bound) => info!("status on http://{bound}/ (the staff page), /status and /metrics"),
            Err(error) => warn!("no status endpoint: {error}"),
        }
        app.insert_resource(snapshot)
            .insert_resource(ScreenshotRequests(Mutex::new(screenshots)))
            .init_resource::<PendingScreenshots>()
            .add_systems(Startup, share_event_loop)
            .add_systems(Update, take_screenshots)
            .add_systems(Last, refresh_snapshot);
    }
}

/// Requests for a screenshot, each with where to send the frame.
#[derive(Resource)]
struct ScreenshotRequests(Mutex<mpsc::Receiver<mpsc::Sender<Capture>>>);

fn share_event_loop(snapshot: Res<Snapshot>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    if let (Some(proxy), Ok(mut slot)) = (proxy, snapshot.0.waker.lock()) {
        *slot = Some((**proxy).clone());
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
                // Turned and encoded on the endpoint's thread, not in the frame.
                let _ = reply.send((captured.image.clone(), rotation));
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

/// Frames of the video on screen decoded and presented a second, counted over windows of a
/// second or more.
#[derive(Default)]
struct VideoMeter {
    /// When the window began, and the counts then.
    since: Option<(f64, u64, u64)>,
    rate: Option<VideoRate>,
}

impl VideoMeter {
    fn rate(&mut self, playing: bool, now: f64, counters: &Counters) -> Option<VideoRate> {
        if !playing {
            *self = VideoMeter::default();
            return None;
        }
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let counts = (
            get(&counters.video_frames),
            get(&counters.video_frames_presented),
        );
        match self.since {
            Some((at, decoded, presented)) if now - at >= 1.0 => {
                let seconds = (now - at) as f32;
                self.rate = Some(VideoRate {
                    decoded_per_second: (counts.0 - decoded) as f32 / seconds,
                    presented_per_second: (counts.1 - presented) as f32 / seconds,
                    presented_by: match counters.presentation_feedback.load(Ordering::Relaxed) {
                        true => "compositor",
                        false => "player",
                    },
                });
                self.since = Some((now, counts.0, counts.1));
            }
            Some(_) => {}
            None => self.since = Some((now, counts.0, counts.1)),
        }
        self.rate
    }
}

fn board_report(board: &SharedBoard) -> BoardReport {
    let Ok(board) = board.lock() else {
        return BoardReport::default();
    };
    let (readings, problems) = &*board;
    let (problems_ja, problems) = problems.iter().map(|p| p.describe()).unzip();
    BoardReport {
        readings: readings.clone(),
        problems,
        problems_ja,
    }
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
    (panel, regions, wait): (Option<Res<Panel>>, Res<ScreenRegions>, Res<ShowWait>),
    (guard, board): (Option<Res<Guard>>, Res<Board>),
    (mut next_plays, mut meter): (Local<NextPlays>, Local<VideoMeter>),
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
                video: None,
            }
        }
        Cue::Idle => Showing {
            kind: "idle",
            ..Showing::default()
        },
    });
    let showing = showing.map(|showing| Showing {
        video: meter.rate(showing.kind == "video", now, &counters.0),
        ..showing
    });
    let next = next_plays.at(&playlists.library);
    let skipped_of = |id: &str| {
        let mut skipped: Vec<SkippedSlide> = show
            .0
            .skipped(&playlists.library)
            .filter(|(key, _)| key.playlist == id)
            .map(|(key, reason)| SkippedSlide {
                slide: key.index,
                reason: reason.to_string(),
            })
            .collect();
        skipped.sort_by_key(|s| s.slide);
        skipped
    };
    let mut reports: Vec<PlaylistReport> = playlists
        .library
        .entries()
        .map(|(id, entry)| PlaylistReport {
            id: id.clone(),
            title: Some(entry.playlist.title.clone()),
            problems: playlists.problems.get(id).cloned().unwrap_or_default(),
            next_play: next.get(id).cloned(),
            skipped: skipped_of(id),
            warnings: playlists.warnings.get(id).cloned().unwrap_or_default(),
        })
        .collect();
    for (id, problems) in &playlists.problems {
        if playlists.library.get(id).is_none() {
            reports.push(PlaylistReport {
                id: id.clone(),
                title: None,
                problems: problems.clone(),
                next_play: None,
                skipped: vec![],
                warnings: vec![],
            });
        }
    }
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    let source_report = |s: SourceStatus| SourceReport {
        origin: s.origin,
        live: s.live.map(|p| p.display().to_string()),
        last_success: s.last_success.map(|t| t.to_rfc3339()),
        last_error: s.last_error,
        last_error_at: s.last_error_at.map(|t| t.to_rfc3339()),
        checks_ok: s.checks_ok,
        checks_failed: s.checks_failed,
        bytes_downloaded: s.bytes_downloaded,
    };
    let alerts = sources
        .alerts
        .as_ref()
        .and_then(|a| a.lock().ok().map(|a| a.clone()))
        .unwrap_or_default();
    let ticker = next_plays.ticker.clone();
    let news_feeds = sources.news.lock().map(|n| n.clone()).unwrap_or_default();
    let web_pages = sources.web.lock().map(|w| w.clone()).unwrap_or_default();
    let sources = sources
        .content
        .iter()
        .filter_map(|status| status.lock().ok().map(|s| s.clone()))
        .map(source_report)
        .collect();
    let report = StatusReport {
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: now,
        showing,
        next_change_in_seconds: show.0.ends_at().map(|end| (end - now).max(0.0)),
        sources,
        alerts: (alerts.screen.takeover.into_iter().map(|alert| AlertReport {
            alert,
            takeover: true,
        }))
        .chain(alerts.screen.ticker.into_iter().map(|alert| AlertReport {
            alert,
            takeover: false,
        }))
        .collect(),
        alert_feeds: alerts.feeds.into_iter().map(source_report).collect(),
        ticker,
        news_feeds: news_feeds.into_iter().map(source_report).collect(),
        web_pages: web_pages
            .into_iter()
            .map(|page| WebPageReport {
                source: source_report(page.source),
                zoom: page.zoom,
                snapshot_taken: page.snapshot.as_ref().map(|s| s.taken.to_rfc3339()),
                snapshot_age_seconds: None,
                snapshot_seconds: page.seconds,
                taken: page.snapshot.map(|s| s.taken),
            })
            .collect(),
        playlists: reports,
        quizzes: playlists
            .quizzes
            .iter()
            .map(|(id, check)| QuizFileReport {
                id: id.clone(),
                title: check.title.clone(),
                problems: check.problems.clone(),
            })
            .collect(),
        last_frame_age_seconds: 0.0,
        late: wait.0.late(now).map(|(seconds, what)| LateReport {
            seconds,
            waiting_for: what.to_string(),
        }),
        drawing_limit_hits: {
            let [time, memory, crash] = crate::compose::media_process::limit_hits();
            DrawingLimitHits {
                time,
                memory,
                crash,
            }
        },
        out_of_loop: guard.map_or_else(Vec::new, |guard| {
            (guard.0.out_of_loop().iter())
                .map(|path| path.display().to_string())
                .collect()
        }),
        board: board_report(&board.0),
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
    if let Ok(mut shared) = snapshot.0.report.lock() {
        *shared = report;
    }
    let generation = playlists.library.generation();
    if let Ok(mut library) = snapshot.0.library.lock()
        && library.0 != generation
    {
        *library = (generation, Arc::new(playlists.library.clone()));
    }
}

/// When each playlist plays next, and the ticker's lines in rotation, worked out again only when
/// the minute or the library changes (the snapshot is refreshed every frame).
#[derive(Default)]
struct NextPlays {
    worked_out_for: Option<(NaiveDateTime, u64)>,
    next: BTreeMap<PlaylistId, String>,
    ticker: Vec<TickerLine>,
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
            self.ticker = library
                .ticker_lines(&library.programme_at(minute))
                .into_iter()
                .map(|(message, source)| TickerLine { message, source })
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
