//! Keeps the library up to date, prepares the next slide off the main thread, and puts slides on
//! screen when the core says so.

use super::furniture::ScreenRegions;
use super::screen::{Clock, NextFrame};
use super::status::PlayerCounters;
use super::video::{SlideVideo, VideoSetup, Videos};
use super::watchdog::MaxSleep;
use crate::compose::{Composer, IdleMessage, Picture};
use crate::content::alerts::{SharedAlertStatus, watch_alerts};
use crate::content::folder::{self as notes, LibraryChange};
use crate::content::news::{SharedNewsStatus, watch_news};
use crate::content::watch::{ContentSource, Deliver, SharedStatus, SourceStatus, watch_source};
use crate::content::web::{SharedWebStatus, WantedPages, watch_web};
use crate::core::alerts::AlertsConfig;
use crate::core::crash_strikes::STRUCK_OUT;
use crate::core::library::{Library, PlaylistId, SlideKey};
use crate::core::playlist::Slide;
use crate::core::slideshow::{Cue, Slideshow, Wait};
use crate::core::video::{Sound, VideoSettings, place_video, video_slide_seconds};
use crate::crash_guard::CrashGuard;
use crate::status::Counters;
use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy::tasks::AsyncComputeTaskPool;
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use chrono::{Local, NaiveDateTime, TimeDelta, Timelike};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use winit::event_loop::EventLoopProxy;

pub struct SlideshowPlugin {
    pub sources: Vec<ContentSource>,
    /// Official warnings to follow, if the config has an `alerts` section.
    pub alerts: Option<AlertsConfig>,
    /// The cache's folder: official warnings and news feeds keep what they read there.
    pub cache: PathBuf,
    pub idle: IdleMessage,
    pub video: VideoSettings,
    pub crash_guard: Option<Arc<CrashGuard>>,
}

/// What breaks a crash loop, present under systemd: each slide's files are recorded as it goes
/// on screen (and each video as it is opened), and files out of the loop are skipped.
#[derive(Resource, Clone)]
pub struct Guard(pub Arc<CrashGuard>);

/// A slide that just went on screen, for the transition and the play log.
#[derive(Message, Clone, Debug)]
pub struct SlideStarted {
    pub cue: Cue,
    pub picture: Handle<Image>,
    pub playlist_title: Option<String>,
    pub kind: &'static str,
}

/// The slide on screen drawn again, at the screen's new size: it replaces the old picture at
/// once, with no transition and nothing in the play log.
#[derive(Message, Clone, Debug)]
pub struct SlideRedrawn(pub Handle<Image>);

/// The playlists loaded so far; `read` turns true once the folder has been looked at, and only
/// then does the show start, so start-up does not flash the idle screen before the content.
#[derive(Resource, Default)]
pub struct Playlists {
    pub library: Library,
    pub read: bool,
    /// The problems of each playlist file that fails its checks, as staff would read them.
    pub problems: BTreeMap<PlaylistId, Vec<String>>,
    /// Every quiz file beside the playlists, as last checked.
    pub quizzes: BTreeMap<PlaylistId, QuizCheck>,
    /// What may not be read well in each playlist that plays (text too faint), as staff would
    /// read it.
    pub warnings: BTreeMap<PlaylistId, Vec<String>>,
}

/// A quiz file's title, once it reads, and its problems, as staff would read them.
#[derive(Clone, Debug, Default)]
pub struct QuizCheck {
    pub title: Option<String>,
    pub problems: Vec<String>,
}

#[derive(Resource, Default)]
pub struct Show(pub Slideshow);

/// The wait for the picture due on screen: `/status` and the watchdog read it.
#[derive(Resource, Default)]
pub struct ShowWait(pub Wait);

#[derive(Resource)]
struct IdleScreen(IdleMessage);

/// Changes found by the folder watcher thread, waiting for the next update.
#[derive(Resource)]
pub(super) struct Inbox(Mutex<mpsc::Receiver<Vec<LibraryChange>>>);

/// A picture to prepare: a slide, or the idle screen for one minute of the clock; both for one size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PictureKey {
    Slide(SlideKey, UVec2),
    Idle(NaiveDateTime, UVec2),
}

impl PictureKey {
    fn size(&self) -> UVec2 {
        match self {
            PictureKey::Slide(_, size) | PictureKey::Idle(_, size) => *size,
        }
    }
}

enum Preparation {
    Drawing(Drawing),
    Ready(Handle<Image>),
    Failed(String),
}

/// A picture being drawn on a worker thread.
struct Drawing {
    result: Arc<Mutex<Option<Result<Drawn, String>>>>,
    /// Set once the screen waits for this picture: only then does finishing it wake the event
    /// loop. A picture drawn ahead is picked up at the slide's end, costing no extra frame (on a
    /// software renderer a frame costs tens of milliseconds of CPU).
    awaited: Arc<AtomicBool>,
}

/// Pictures being drawn or ready: never more than the one on screen and the next one.
#[derive(Resource, Default)]
pub(super) struct Prepared {
    pictures: HashMap<PictureKey, Preparation>,
    on_screen: Option<PictureKey>,
}

impl Prepared {
    /// Whether `picture` is one of the pictures ready to show.
    pub(super) fn holds(&self, picture: AssetId<Image>) -> bool {
        self.pictures
            .values()
            .any(|p| matches!(p, Preparation::Ready(handle) if handle.id() == picture))
    }

    /// The preparation of `key`, started with `start` if there is none yet.
    fn start(&mut self, key: PictureKey, start: impl FnOnce() -> Preparation) -> &Preparation {
        self.pictures.entry(key).or_insert_with(start)
    }
}

impl Plugin for SlideshowPlugin {
    fn build(&self, app: &mut App) {
        let (sender, receiver) = mpsc::channel();
        let sources = self.sources.clone();
        if let Some(guard) = &self.crash_guard {
            for finding in guard.findings() {
                warn!("{finding}");
            }
            app.insert_resource(Guard(guard.clone()));
        }
        app.add_plugins(super::video::VideoPlugin {
            settings: self.video.clone(),
        })
        .insert_resource(Inbox(Mutex::new(receiver)))
        .insert_resource(IdleScreen(self.idle.clone()))
        .init_resource::<Playlists>()
        .init_resource::<Show>()
        .init_resource::<ShowWait>()
        .init_resource::<Prepared>()
        .init_resource::<SourceStatuses>()
        .init_resource::<NewsFeeds>()
        .init_resource::<WebPages>()
        .add_message::<SlideStarted>()
        .add_message::<SlideRedrawn>()
        .insert_resource(Watch {
            sources,
            alerts: self.alerts.clone(),
            cache: self.cache.clone(),
            sender: Some(sender),
        })
        .add_systems(Startup, start_watching)
        .add_systems(
            Update,
            (
                receive_changes,
                follow_web_pages,
                advance.in_set(SlideTimer),
            )
                .chain(),
        );
    }
}

/// Moves the show on to the next slide; a tablet holds it while a visitor plays the quiz.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlideTimer;

/// What the source threads need; the sender moves to them when they start.
#[derive(Resource)]
struct Watch {
    sources: Vec<ContentSource>,
    alerts: Option<AlertsConfig>,
    cache: PathBuf,
    sender: Option<mpsc::Sender<Vec<LibraryChange>>>,
}

/// The state of each content source, in config order, of the alert sources and of the news
/// feeds, for monitoring.
#[derive(Resource, Default)]
pub struct SourceStatuses {
    pub content: Vec<SharedStatus>,
    pub alerts: Option<SharedAlertStatus>,
    pub news: SharedNewsStatus,
    pub web: SharedWebStatus,
}

/// The news thread's ear, and the feeds it was last told to follow.
#[derive(Resource, Default)]
pub(super) struct NewsFeeds {
    sender: Option<mpsc::Sender<BTreeSet<String>>>,
    following: BTreeSet<String>,
}

/// The web pages' thread's ear, and the pages and size it was last told.
#[derive(Resource, Default)]
pub(super) struct WebPages {
    sender: Option<mpsc::Sender<WantedPages>>,
    following: WantedPages,
    generation: Option<u64>,
}

fn start_watching(
    mut watch: ResMut<Watch>,
    mut statuses: ResMut<SourceStatuses>,
    mut news: ResMut<NewsFeeds>,
    mut web: ResMut<WebPages>,
    proxy: Option<Res<EventLoopProxyWrapper>>,
) {
    let Some(sender) = watch.sender.take() else {
        return;
    };
    let proxy = proxy.map(|p| (**p).clone());
    // Wakes the event loop with each batch, so an emergency shows now, not at the next timer tick.
    let deliver_to_player = |sender: mpsc::Sender<Vec<LibraryChange>>,
                             proxy: Option<EventLoopProxy<WinitUserEvent>>|
     -> Deliver {
        Box::new(move |changes| {
            let delivered = sender.send(changes).is_ok();
            if let Some(proxy) = &proxy {
                let _ = proxy.send_event(WinitUserEvent::WakeUp);
            }
            delivered
        })
    };
    if let Some(alerts) = watch.alerts.clone() {
        let status = SharedAlertStatus::default();
        statuses.alerts = Some(status.clone());
        watch_alerts(
            alerts,
            watch.cache.join("alerts"),
            status,
            deliver_to_player(sender.clone(), proxy.clone()),
        );
    }
    news.sender = watch_news(
        watch.cache.join("news"),
        statuses.news.clone(),
        deliver_to_player(sender.clone(), proxy.clone()),
    );
    web.sender = watch_web(
        watch.cache.join("web"),
        statuses.web.clone(),
        deliver_to_player(sender.clone(), proxy.clone()),
    );
    if let Some(proxy) = proxy.clone() {
        let _ = std::thread::Builder::new()
            .name("wall clock".into())
            .spawn(move || follow_wall_clock_jumps(proxy));
    }
    let several = watch.sources.len() > 1;
    for (index, source) in watch.sources.iter().enumerate() {
        let origin = match source {
            ContentSource::Folder { path, .. } => {
                info!("playing the playlists in {}", path.display());
                path.display().to_string()
            }
            ContentSource::Http { source, cache, .. } => {
                info!(
                    "playing content from {} (cached in {})",
                    source.manifest_url,
                    cache.display()
                );
                source.manifest_url.clone()
            }
        };
        // With several sources, ids carry the source's number so equal file names stay apart.
        let prefix = if several {
            format!("{}:", index + 1)
        } else {
            String::new()
        };
        let (sender, proxy) = (sender.clone(), proxy.clone());
        let status = SharedStatus::new(Mutex::new(SourceStatus {
            origin,
            ..SourceStatus::default()
        }));
        statuses.content.push(status.clone());
        watch_source(
            source.clone(),
            prefix,
            status,
            deliver_to_player(sender, proxy),
        );
    }
}

/// A Raspberry Pi has no real-time clock: its wall clock jumps when NTP first answers after boot
/// (or back, or when someone sets it). Slide times run on the monotonic clock and never notice;
/// schedules and the idle screen's clock are wall time, and the player may be asleep until a
/// wake-up worked out before the jump. So a jump of more than 2 s wakes it at once.
fn follow_wall_clock_jumps(proxy: EventLoopProxy<WinitUserEvent>) {
    let start = std::time::Instant::now();
    // Wall time minus monotonic time: constant while neither jumps.
    let offset = || {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        wall - start.elapsed().as_secs_f64()
    };
    let mut before = offset();
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let now = offset();
        if (now - before).abs() > 2.0 {
            info!(
                "the wall clock jumped by {:+.0} s; the schedules follow it",
                now - before
            );
            if proxy.send_event(WinitUserEvent::WakeUp).is_err() {
                return;
            }
        }
        before = now;
    }
}

pub(super) fn receive_changes(
    inbox: Res<Inbox>,
    mut playlists: ResMut<Playlists>,
    mut news: ResMut<NewsFeeds>,
) {
    let playlists = &mut *playlists;
    let Ok(receiver) = inbox.0.lock() else { return };
    let mut received = false;
    for changes in receiver.try_iter() {
        playlists.read = true;
        received = true;
        for change in changes {
            apply_change(playlists, change);
        }
    }
    // The news thread follows the feeds the ticker lines name now.
    if received {
        let feeds = playlists.library.news_feeds();
        if feeds != news.following
            && let Some(sender) = &news.sender
        {
            let _ = sender.send(feeds.clone());
            news.following = feeds;
        }
    }
}

/// Tells the web pages' thread which pages the playlists show, and at what size, when either
/// changes.
fn follow_web_pages(
    playlists: Res<Playlists>,
    regions: Res<ScreenRegions>,
    mut web: ResMut<WebPages>,
) {
    let main = regions.regions.main;
    let size = (main.width, main.height);
    let generation = playlists.library.generation();
    if web.generation == Some(generation) && web.following.size == size {
        return;
    }
    web.generation = Some(generation);
    let wanted = WantedPages {
        pages: playlists.library.web_pages(),
        size,
    };
    if wanted != web.following
        && let Some(sender) = &web.sender
    {
        let _ = sender.send(wanted.clone());
        web.following = wanted;
    }
}

/// Applies one change to the library, logging what a person would want to know.
fn apply_change(playlists: &mut Playlists, change: LibraryChange) {
    let (library, problems_by_id) = (&mut playlists.library, &mut playlists.problems);
    match change {
        LibraryChange::Loaded {
            id,
            playlist,
            folder,
            warnings,
        } => {
            info!(
                "loaded {id}: \"{}\", {} slides",
                playlist.title,
                playlist.slides.len()
            );
            for warning in &warnings {
                warn!("{warning}");
            }
            problems_by_id.remove(&id);
            if warnings.is_empty() {
                playlists.warnings.remove(&id);
            } else {
                (playlists.warnings)
                    .insert(id.clone(), warnings.iter().map(|w| w.to_string()).collect());
            }
            library.insert(id, playlist, &folder);
        }
        LibraryChange::Rejected { id, problems } => {
            let kept = if library.get(&id).is_some() {
                "the last good version keeps playing"
            } else {
                "it is not played"
            };
            warn!("{id} has {} problem(s); {kept}", problems.len());
            for problem in &problems {
                warn!("{problem}");
            }
            problems_by_id.insert(id, problems.iter().map(|p| p.to_string()).collect());
        }
        LibraryChange::Ticker { id, messages } => {
            info!("loaded {id}: {} ticker messages", messages.len());
            problems_by_id.remove(&id);
            library.set_ticker(id, messages);
        }
        LibraryChange::News { address, news } => {
            info!("news from {address}: {} items", news.items.len());
            library.set_news(address, news);
        }
        LibraryChange::Snapshot { page, snapshot } => library.set_snapshot(page, snapshot),
        LibraryChange::ClosedDays { id, days } => {
            info!("loaded {id}: {} closed days", days.0.len());
            problems_by_id.remove(&id);
            library.set_closed_days(id, days);
        }
        LibraryChange::Quiz {
            id,
            title,
            problems,
        } => {
            for problem in &problems {
                warn!("{problem}");
            }
            let problems = problems.iter().map(|p| p.to_string()).collect();
            playlists.quizzes.insert(id, QuizCheck { title, problems });
        }
        LibraryChange::Removed { id } => {
            problems_by_id.remove(&id);
            playlists.quizzes.remove(&id);
            playlists.warnings.remove(&id);
            if library.remove(&id) {
                info!("removed {id}");
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn advance(
    playlists: Res<Playlists>,
    mut show: ResMut<Show>,
    mut prepared: ResMut<Prepared>,
    mut images: ResMut<Assets<Image>>,
    regions: Res<ScreenRegions>,
    idle: Res<IdleScreen>,
    clock: Res<Clock>,
    mut started: MessageWriter<SlideStarted>,
    mut redrawn: MessageWriter<SlideRedrawn>,
    mut redraw: MessageWriter<RequestRedraw>,
    mut next_frame: ResMut<NextFrame>,
    max_sleep: Option<Res<MaxSleep>>,
    counters: Res<PlayerCounters>,
    proxy: Option<Res<EventLoopProxyWrapper>>,
    (mut videos, setup, mut wait, guard): (
        ResMut<Videos>,
        Res<VideoSetup>,
        ResMut<ShowWait>,
        Option<Res<Guard>>,
    ),
) {
    /// How long a slow folder (a network share) may delay the first picture.
    const MAX_WAIT_FOR_FIRST_READ: f64 = 3.0;
    if !playlists.read && clock.seconds() < MAX_WAIT_FOR_FIRST_READ {
        next_frame.within(&clock, MAX_WAIT_FOR_FIRST_READ - clock.seconds());
        return;
    }
    let library = &playlists.library;
    let now = Local::now().naive_local();
    let seconds = clock.seconds();
    let minute = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    // Slides are drawn for the layout's main area (the whole screen without furniture).
    let size = regions.slide_size();
    let key_of = |cue: &Cue| match cue {
        Cue::Slide(s) => PictureKey::Slide(s.key.clone(), size),
        Cue::Idle => PictureKey::Idle(minute, size),
    };

    // The screen changed size (the compositor's configure, a monitor change): the slide on
    // screen is drawn again now, here, so no frame shows it stretched.
    if let (Some(on_screen), Some(cue)) = (&prepared.on_screen, show.0.current())
        && on_screen.size() != size
    {
        let key = key_of(cue);
        let old_picture = match prepared.pictures.get(on_screen) {
            Some(Preparation::Ready(handle)) => Some(handle.id()),
            _ => None,
        };
        // A video keeps playing: only the picture around it is drawn again.
        let preparation = match drawing_job(cue, library, size, now, &idle.0, None) {
            Ok(job) => match COMPOSER.with(|c| job(&mut c.borrow_mut())) {
                Ok(drawn) => {
                    let area = drawn.video_area;
                    let ready = ready(drawn, &mut images, &mut videos);
                    if let (Preparation::Ready(handle), Some(area), Some(old)) =
                        (&ready, area, old_picture)
                        && let Some(mut video) = videos.0.remove(&old)
                    {
                        video.placement = place_video(
                            video.display,
                            video.placement.orientation,
                            area,
                            (size.x as f32, size.y as f32),
                            video.fit,
                        );
                        videos.0.insert(handle.id(), video);
                    }
                    ready
                }
                Err(reason) => Preparation::Failed(reason),
            },
            Err(reason) => Preparation::Failed(reason),
        };
        match &preparation {
            Preparation::Ready(handle) => {
                info!("screen is now {}x{}: slide drawn again", size.x, size.y);
                redrawn.write(SlideRedrawn(handle.clone()));
            }
            Preparation::Failed(reason) => {
                warn!("the slide on screen could not be drawn again at the new size: {reason}")
            }
            Preparation::Drawing(_) => {}
        }
        prepared.pictures.insert(key.clone(), preparation);
        prepared.on_screen = Some(key);
    }

    let mut due = show.0.due(library, now, seconds);
    // The idle screen's clock moves on each minute.
    if due.is_none()
        && show.0.current() == Some(&Cue::Idle)
        && prepared.on_screen != Some(key_of(&Cue::Idle))
    {
        due = Some(Cue::Idle);
    }
    // The picture due now is awaited: marked so before looking for results, so a drawing
    // finishing in between either is seen below or wakes the loop itself.
    let opener = VideoOpener {
        settings: setup.0.clone(),
        wake: wake_by(waker(&proxy)),
        counters: counters.0.clone(),
        guard: guard.as_deref().map(|g| g.0.clone()),
    };
    if let Some(cue) = &due
        && let Preparation::Drawing(drawing) = prepared.start(key_of(cue), || {
            start_drawing(cue, library, size, now, &idle.0, waker(&proxy), &opener)
        })
    {
        drawing.awaited.store(true, Ordering::SeqCst);
    }
    for preparation in prepared.pictures.values_mut() {
        if let Preparation::Drawing(drawing) = preparation
            && let Some(result) = drawing.result.lock().ok().and_then(|mut r| r.take())
        {
            *preparation = match result {
                Ok(drawn) => ready(drawn, &mut images, &mut videos),
                Err(reason) => Preparation::Failed(reason),
            };
        }
    }

    let mut still_drawing = None;
    if let Some(mut cue) = due {
        match prepared.pictures.get(&key_of(&cue)) {
            Some(Preparation::Ready(handle)) => {
                // A video slide lasts as long as its video plays, known once it was opened.
                if let (Cue::Slide(slide), Some(video)) = (&mut cue, videos.0.get(&handle.id())) {
                    slide.seconds = video.seconds as f32;
                }
                let (playlist_title, kind) = match &cue {
                    Cue::Slide(s) => match library.slide(&s.key) {
                        Some((entry, slide)) => {
                            (Some(entry.playlist.title.clone()), slide.kind_name())
                        }
                        None => (None, "slide"),
                    },
                    Cue::Idle => (None, "idle"),
                };
                if let Some(guard) = &guard {
                    guard.0.showing(&match &cue {
                        Cue::Slide(slide) => files_of(&slide.key, library),
                        Cue::Idle => Vec::new(),
                    });
                }
                started.write(SlideStarted {
                    cue: cue.clone(),
                    picture: handle.clone(),
                    playlist_title,
                    kind,
                });
                prepared.on_screen = Some(key_of(&cue));
                Counters::add(&counters.0.slides_shown, 1);
                show.0.started(cue, seconds);
            }
            Some(Preparation::Failed(reason)) => {
                if let Cue::Slide(slide) = &cue {
                    warn!(
                        "skipping slide {} of {}: {reason}",
                        slide.key.index + 1,
                        slide.key.playlist
                    );
                    show.0
                        .mark_unplayable(slide.key.clone(), reason.clone(), library);
                    Counters::add(&counters.0.slides_skipped, 1);
                }
                redraw.write(RequestRedraw);
            }
            // Still drawing: the current slide stays up a moment longer rather than a blank
            // frame, and the drawing wakes the loop when done.
            _ => still_drawing = Some(cue),
        }
    }

    match &still_drawing {
        Some(cue) => {
            if let Some(late) = wait.0.waiting(|| awaited(cue, library), seconds) {
                warn!("{late}");
            }
        }
        None => {
            if let Some(moving) = wait.0.over(seconds) {
                info!("{moving}");
            }
        }
    }

    // What comes after the picture on screen is drawn while it is up. Only these pictures are
    // kept: a texture lives only while it is on screen, due or next.
    let following = show.0.following(library, now);
    let wanted: Vec<PictureKey> = [&following]
        .into_iter()
        .chain(&still_drawing)
        .map(key_of)
        .chain(prepared.on_screen.clone())
        .collect();
    prepared.pictures.retain(|key, _| wanted.contains(key));
    prepared.start(key_of(&following), || {
        start_drawing(
            &following,
            library,
            size,
            now,
            &idle.0,
            waker(&proxy),
            &opener,
        )
    });
    // A finished drawing wakes the loop itself; without an event loop (headless), poll.
    if proxy.is_none()
        && prepared
            .pictures
            .values()
            .any(|p| matches!(p, Preparation::Drawing(_)))
    {
        redraw.write(RequestRedraw);
    }
    // The awaited drawing wakes the loop; a slow look a second later in case it never does.
    if still_drawing.is_some() {
        next_frame.within(&clock, 1.0);
        return;
    }
    // Sleep until the slide ends or a schedule changes what plays (the idle screen: until its
    // clock turns), and at most a minute, so the watchdog and /status see frames coming; new files
    // wake the loop themselves. Each wake-up costs a frame.
    let to_slide_end = show
        .0
        .ends_at()
        .map_or(f64::MAX, |end| end - clock.seconds());
    let longest = max_sleep.map_or(MAX_SLEEP, |m| m.0.min(MAX_SLEEP));
    let horizon = now + TimeDelta::milliseconds((to_slide_end.min(longest) * 1000.0) as i64);
    let to_programme_change = show
        .0
        .next_change_of_programme(library, now, horizon)
        .map_or(f64::MAX, |at| (at - now).as_seconds_f64());
    let left = to_slide_end.min(to_programme_change).clamp(0.005, longest);
    next_frame.within(&clock, left);
}

/// A picture being waited for, as staff would name it.
fn awaited(cue: &Cue, library: &Library) -> String {
    let Cue::Slide(cue) = cue else {
        return "the idle screen".into();
    };
    let what = library.slide(&cue.key).map(|(_, slide)| {
        let media = slide.media().first().map(|m| format!(" {}", m.written));
        format!(" ({}{})", slide.kind_name(), media.unwrap_or_default())
    });
    format!(
        "slide {} of {}{}",
        cue.key.index + 1,
        cue.key.playlist,
        what.unwrap_or_default()
    )
}

/// The longest sleep between two frames.
const MAX_SLEEP: f64 = 60.0;

/// Work for a drawing thread, with that thread's composer.
type DrawingJob = Box<dyn FnOnce(&mut Composer) -> Result<Drawn, String> + Send>;

/// A picture drawn for the screen; for a video slide, with its video opened and paused on its
/// first frame.
struct Drawn {
    picture: Picture,
    video: Option<SlideVideo>,
    /// Where a video slide's frames go, in pixels.
    video_area: Option<[f32; 4]>,
}

/// What opening a video on a drawing thread needs.
#[derive(Clone)]
struct VideoOpener {
    settings: VideoSettings,
    wake: crate::video::Wake,
    counters: Arc<Counters>,
    guard: Option<Arc<CrashGuard>>,
}

/// The files a slide shows.
fn files_of(key: &SlideKey, library: &Library) -> Vec<PathBuf> {
    library.slide(key).map_or_else(Vec::new, |(entry, slide)| {
        (slide.media().iter())
            .map(|media| entry.folder.join(&media.relative))
            .collect()
    })
}

fn wake_by(waker: Waker) -> crate::video::Wake {
    Arc::new(move || {
        if let Some(waker) = &waker {
            let _ = waker.send_event(WinitUserEvent::WakeUp);
        }
    })
}

/// A drawn picture made an asset, its video kept beside it.
fn ready(drawn: Drawn, images: &mut Assets<Image>, videos: &mut Videos) -> Preparation {
    let handle = images.add(into_image(drawn.picture));
    if let Some(video) = drawn.video {
        videos.0.insert(handle.id(), video);
    }
    Preparation::Ready(handle)
}

thread_local! {
    /// Each worker thread keeps its own font caches between slides.
    static COMPOSER: RefCell<Composer> = RefCell::new(Composer::default());
}

/// Runs `draw` with this thread's composer, for the small pictures composed on the main thread.
pub(super) fn compose<T>(draw: impl FnOnce(&mut Composer) -> T) -> T {
    COMPOSER.with(|c| draw(&mut c.borrow_mut()))
}

/// Wakes the event loop from a drawing thread when an awaited picture is ready.
type Waker = Option<winit::event_loop::EventLoopProxy<WinitUserEvent>>;

fn waker(proxy: &Option<Res<EventLoopProxyWrapper>>) -> Waker {
    proxy.as_ref().map(|p| (***p).clone())
}

/// What drawing `cue` at `size` takes, to run on whichever thread draws it. A video slide's
/// video is opened with `opener`; without one, only the picture around it is drawn.
fn drawing_job(
    cue: &Cue,
    library: &Library,
    size: UVec2,
    now: NaiveDateTime,
    idle: &IdleMessage,
    opener: Option<&VideoOpener>,
) -> Result<DrawingJob, String> {
    let just = |picture| Drawn {
        picture,
        video: None,
        video_area: None,
    };
    Ok(match cue {
        Cue::Idle => {
            let idle = idle.clone();
            Box::new(move |composer| Ok(just(composer.idle(now, &idle, size.x, size.y))))
        }
        Cue::Slide(s) if matches!(library.slide(&s.key), Some((_, Slide::Video(_)))) => {
            let Some((entry, Slide::Video(slide))) = library.slide(&s.key) else {
                return Err("the playlist changed".into());
            };
            let (slide, folder, key) = (slide.clone(), entry.folder.clone(), s.key.clone());
            let opener = opener.cloned();
            Box::new(move |composer| {
                let (picture, area) = composer.video_backdrop(&slide, size.x, size.y);
                for warning in &picture.warnings {
                    warn!("{}: {warning}", slide.file.written);
                }
                let Some(opener) = opener else {
                    return Ok(Drawn {
                        picture,
                        video: None,
                        video_area: Some(area),
                    });
                };
                let path = crate::compose::picture::resolve_media(
                    &folder,
                    &slide.file.relative,
                    crate::video::MAX_VIDEO_BYTES,
                )
                .map_err(|e| e.to_string())?;
                // Staff find out beside the file, as for a picture.
                let unplayed = |error: String| {
                    if !crate::content::sync::is_in_a_cache(&path) {
                        notes::note_unplayed_video(&path, &error);
                    }
                    format!("{}: {error}", slide.file.written)
                };
                let sound = slide.audio.then(|| Sound {
                    output: opener.settings.audio_output.clone(),
                    volume: f64::from(slide.volume.unwrap_or(1.0)),
                });
                // Broken subtitles lose only themselves: the video plays without them (or with
                // its own, as without a file).
                let beside =
                    crate::content::load_subtitles(&folder, &slide).unwrap_or_else(|problems| {
                        for problem in problems {
                            warn!("{problem}; the video plays without these subtitles");
                        }
                        None
                    });
                let extras = crate::video::Extras {
                    sound,
                    subtitles: beside.is_none(),
                    convert: opener.settings.convert,
                };
                let _in_use = opener.guard.as_ref().map(|guard| guard.opening(&path));
                let opened = crate::compose::media_process::open_video(
                    &path,
                    opener.settings.decoder,
                    opener.wake,
                    opener.counters,
                    &extras,
                )
                .map_err(unplayed)?;
                let seconds = video_slide_seconds(slide.seconds, slide.loops, &opened.facts)
                    .map_err(unplayed)?;
                notes::clear_problems(&path);
                let display = (opened.facts.width as f32, opened.facts.height as f32);
                let placement = place_video(
                    display,
                    opened.facts.orientation,
                    area,
                    (size.x as f32, size.y as f32),
                    slide.fit,
                );
                info!(
                    "{}: {} ready, {}",
                    slide.file.written,
                    crate::video::summary(&opened.facts, &opened.description),
                    crate::core::video::clock_text(seconds)
                );
                if let Some(advice) = crate::video::advice(&opened.facts, &opened.description) {
                    info!("{}: {advice}", slide.file.written);
                }
                let mut video =
                    SlideVideo::new(opened.playback, placement, seconds, key, display, slide.fit);
                video.subtitles = beside.map(|s| Arc::new(s.cues));
                Ok(Drawn {
                    picture,
                    video: Some(video),
                    video_area: Some(area),
                })
            })
        }
        Cue::Slide(s) => {
            let Some((entry, _)) = library.slide(&s.key) else {
                return Err("the playlist changed".into());
            };
            let (playlist, folder, index) = (
                Arc::clone(&entry.playlist),
                entry.folder.clone(),
                s.key.index,
            );
            let label = format!("slide {} of {}", index + 1, s.key.playlist);
            Box::new(move |composer| {
                let slide = &playlist.slides[index];
                let picture = match composer.slide(slide, &folder, size.x, size.y) {
                    Ok(picture) => picture,
                    Err(error) => {
                        // Staff find out beside the file, as for a broken playlist (in
                        // their own folders, not in a cache of published content).
                        if let Some(media) = error.media_path()
                            && !crate::content::sync::is_in_a_cache(media)
                        {
                            notes::note_unshown_media(media, &error.to_string());
                        }
                        return Err(error.to_string());
                    }
                };
                for media in slide.media() {
                    notes::clear_problems(&folder.join(&media.relative));
                }
                for warning in &picture.warnings {
                    warn!("{label}: {warning}");
                }
                Ok(just(picture))
            })
        }
    })
}

fn start_drawing(
    cue: &Cue,
    library: &Library,
    size: UVec2,
    now: NaiveDateTime,
    idle: &IdleMessage,
    waker: Waker,
    opener: &VideoOpener,
) -> Preparation {
    if let (Some(guard), Cue::Slide(slide)) = (&opener.guard, cue)
        && let Some(file) = files_of(&slide.key, library)
            .into_iter()
            .find(|file| guard.is_out(file))
    {
        return Preparation::Failed(format!("{}: {STRUCK_OUT}", file.display()));
    }
    let job = match drawing_job(cue, library, size, now, idle, Some(opener)) {
        Ok(job) => job,
        Err(reason) => return Preparation::Failed(reason),
    };
    let drawing = Drawing {
        result: Arc::default(),
        awaited: Arc::default(),
    };
    let (result, awaited) = (drawing.result.clone(), drawing.awaited.clone());
    AsyncComputeTaskPool::get()
        .spawn(async move {
            let picture = COMPOSER.with(|c| job(&mut c.borrow_mut()));
            if let Ok(mut slot) = result.lock() {
                *slot = Some(picture);
            }
            if awaited.load(Ordering::SeqCst)
                && let Some(waker) = waker
            {
                let _ = waker.send_event(WinitUserEvent::WakeUp);
            }
        })
        .detach();
    Preparation::Drawing(drawing)
}

/// A GPU texture from a composed picture. The pixels live only in the render world once uploaded,
/// so a shown slide costs no main memory. Pictures are drawn at the screen's size, so the texture
/// maps one texel to one pixel: nearest sampling gives the same image for a quarter of the texel
/// reads, which a software renderer pays for on every pixel of every frame.
pub fn into_image(picture: Picture) -> Image {
    let mut image = Image::new(
        Extent3d {
            width: picture.width,
            height: picture.height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        picture.rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.sampler = ImageSampler::nearest();
    image
}
