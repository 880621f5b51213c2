//! The Bevy shell: one plugin per concern, each a thin layer of systems over the core.

pub mod compositor;
pub mod furniture;
pub mod panel;
pub mod play_log;
pub mod preview;
pub mod screen;
mod site;
pub mod slideshow;
pub mod status;
pub mod tablet;
pub mod transition;
pub mod video;
mod video_render;
pub mod watchdog;

use crate::compose::IdleMessage;
use crate::content::watch::ContentSource;
use crate::core::alerts::AlertsConfig;
use crate::core::calendar::Eras;
use crate::core::config::ScreenSize;
use crate::core::display::{PanelPower, Rotation};
use crate::core::layout::Layout;
use crate::core::quiz::Quiz;
use crate::core::video::VideoSettings;
use crate::crash_guard::CrashGuard;
use bevy::prelude::*;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything `run` needs, merged from the command line and the config file.
#[derive(Clone, Debug)]
pub struct PlayerSettings {
    pub sources: Vec<ContentSource>,
    /// Official warnings to follow.
    pub alerts: Option<AlertsConfig>,
    /// Where downloaded content, warnings and news are kept.
    pub cache: PathBuf,
    pub windowed: bool,
    pub size: Option<ScreenSize>,
    /// How the panel is mounted; slides are laid out as the viewer sees it.
    pub rotation: Rotation,
    /// When to switch the panel on and off; `None` leaves its power alone.
    pub panel: Option<PanelPower>,
    pub play_log: Option<PathBuf>,
    pub idle: IdleMessage,
    /// Which decoders video slides may use, and where their sound goes.
    pub video: VideoSettings,
    /// The device's layout, the eras the clock dates by, and how the ticker moves.
    pub layout: Layout,
    pub eras: Eras,
    pub ticker: furniture::TickerSettings,
    /// Where to serve `/status` and `/metrics`, and the token required off loopback.
    pub status_listen: Option<SocketAddr>,
    pub status_token: Option<String>,
    pub status_prometheus: Option<std::net::IpAddr>,
    /// Where the board's health is read from.
    pub board: crate::status::board::BoardReader,
    /// How fast the player's clock runs: 1.0, or more for soak tests.
    pub clock_speed: f64,
    /// Set on a tablet: the quiz it runs over the attract loop.
    pub tablet: Option<TabletSettings>,
    /// Under systemd: what breaks a crash loop.
    pub crash_guard: Option<Arc<CrashGuard>>,
}

#[derive(Clone, Debug)]
pub struct TabletSettings {
    pub quiz: Quiz,
    pub quiz_path: PathBuf,
    pub results_log: Option<PathBuf>,
    pub staff_pin: Option<String>,
}

/// Plays the playlists folder on screen until the process is stopped.
pub fn run(settings: PlayerSettings) -> AppExit {
    let mut app = App::new();
    app.add_plugins(screen::ScreenPlugin {
        windowed: settings.windowed,
        size: settings.size,
        // Touch screens show no cursor until a mouse moves; a tablet driven by a mouse needs it.
        cursor: settings.windowed || settings.tablet.is_some(),
        clock_speed: settings.clock_speed,
        rotation: settings.rotation,
    })
    .add_plugins(slideshow::SlideshowPlugin {
        sources: settings.sources.clone(),
        alerts: settings.alerts.clone(),
        cache: settings.cache.clone(),
        idle: settings.idle.clone(),
        video: settings.video.clone(),
        crash_guard: settings.crash_guard.clone(),
    })
    .add_plugins(furniture::FurniturePlugin {
        layout: settings.layout,
        eras: settings.eras.clone(),
        ticker: settings.ticker,
        attract_band: settings.tablet.is_some(),
    })
    .add_plugins(transition::plugin)
    .add_plugins(watchdog::WatchdogPlugin)
    .add_plugins(status::StatusPlugin {
        listen: settings.status_listen,
        token: settings.status_token.clone(),
        prometheus: settings.status_prometheus,
        board: settings.board.clone(),
    })
    .add_plugins(play_log::PlayLogPlugin {
        path: settings.play_log.clone(),
    });
    if let Some(power) = settings.panel {
        app.add_plugins(panel::PanelPlugin { power });
    }
    if let Some(tablet) = settings.tablet {
        app.add_plugins(tablet::TabletPlugin {
            quiz: tablet.quiz,
            quiz_path: tablet.quiz_path,
            results_log: tablet.results_log,
            staff_pin: tablet.staff_pin,
        });
    }
    single_threaded(&mut app);
    let exit = app.run();
    if let Some(guard) = &settings.crash_guard {
        guard.left_cleanly();
    }
    exit
}

/// Runs every schedule's systems one after another on its own thread. The player's updates are
/// a few small systems; handing them to worker threads woke those threads for nothing and cost
/// about 3 ms of CPU per frame on two cores (composing slides runs on its own pool regardless).
fn single_threaded(app: &mut App) {
    use bevy::ecs::schedule::{Schedules, SingleThreadedExecutor};
    use bevy::render::RenderApp;
    let set = |world: &mut World| {
        for (_, schedule) in world.resource_mut::<Schedules>().iter_mut() {
            schedule.set_executor(SingleThreadedExecutor::new());
        }
    };
    set(app.world_mut());
    if let Some(render) = app.get_sub_app_mut(RenderApp) {
        set(render.world_mut());
    }
}
