//! `run`: the player itself, with its settings merged from the command line and the config.

use super::{load_config, print_problems};
use crate::compose::IdleMessage;
use crate::content::load_quiz;
use crate::content::sync::HttpSource;
use crate::content::watch::ContentSource;
use crate::core::calendar::Eras;
use crate::core::config::{Config, DEFAULT_CACHE, Mode, ScreenSize, Source};
use crate::core::display::Rotation;
use crate::core::ticker::{DEFAULT_CHARACTERS_PER_SECOND, Paging};
use crate::player::furniture::TickerSettings;
use crate::player::{self, PlayerSettings, TabletSettings};
use crate::status::board::BoardReader;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// Device config file (kiosk.ron).
    #[arg(long)]
    pub(super) config: Option<PathBuf>,
    /// Folder of playlist files; default: the config's, else ./playlists.
    #[arg(long)]
    playlists: Option<PathBuf>,
    /// A normal window instead of fullscreen.
    #[arg(long)]
    windowed: bool,
    /// Window size in windowed mode, e.g. 1280x720.
    #[arg(long)]
    size: Option<ScreenSize>,
    /// The panel is turned this many degrees clockwise (0, 90, 180, 270); slides are turned
    /// to match.
    #[arg(long, value_parser = parse_rotation)]
    rotation: Option<Rotation>,
    /// Append one JSON line per slide shown to this file.
    #[arg(long)]
    play_log: Option<PathBuf>,
    /// Serve /status and /metrics here (default 127.0.0.1:9310, or the config's; "off" for none).
    #[arg(long)]
    status_listen: Option<String>,
    /// Run as a quiz tablet with this quiz file, the playlists being its attract loop.
    #[arg(long)]
    quiz: Option<PathBuf>,
    /// Where a tablet appends its quiz results (default: the config's, else ./quiz-results.jsonl).
    #[arg(long)]
    results_log: Option<PathBuf>,
    /// Run the player's clock this many times faster than real time (soak tests only).
    #[arg(long, default_value_t = 1.0, hide = true)]
    clock_speed: f64,
}

pub(super) fn run(args: RunArgs) -> ExitCode {
    let config = match &args.config {
        Some(path) => match load_config(path) {
            Ok(config) => config,
            Err(problems) => {
                // Without a readable config there is nothing sensible to play: systemd shows why.
                print_problems(&problems);
                return ExitCode::FAILURE;
            }
        },
        None => Config::default(),
    };
    let config_folder = args
        .config
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let sources = match args.playlists {
        Some(folder) => vec![ContentSource::Folder {
            path: folder,
            poll: None,
            drop_folders: config.drop_folders.clone(),
        }],
        None => match content_sources(&config, config_folder) {
            Ok(sources) if sources.is_empty() => vec![ContentSource::Folder {
                path: PathBuf::from("playlists"),
                poll: None,
                drop_folders: config.drop_folders.clone(),
            }],
            Ok(sources) => sources,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        },
    };
    for source in &sources {
        if let ContentSource::Folder { path, .. } = source
            && !path.is_dir()
        {
            eprintln!(
                "error: the playlists folder {} does not exist; pass --playlists DIR",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let listen = args.status_listen.unwrap_or(config.status.listen.clone());
    let status_listen = match listen.as_str() {
        "off" => None,
        text => match text.parse() {
            Ok(address) => Some(address),
            Err(_) => {
                eprintln!(
                    "error: `{text}` is not an address for --status-listen (e.g. 127.0.0.1:9310)"
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let status_token = match &config.status.token_env {
        Some(name) => std::env::var(name).ok(),
        None => config.status.token.clone(),
    };
    let quiz_path = args.quiz.or_else(|| match config.mode {
        Mode::Tablet => config.quiz.as_ref().map(|q| config_folder.join(q)),
        Mode::Signage => None,
    });
    let (alerts, cache) = (config.alerts.clone(), cache_root(&config, config_folder));
    let tablet = quiz_path.and_then(|quiz_path| match load_quiz(&quiz_path) {
        Ok(quiz) => Some(TabletSettings {
            quiz,
            quiz_path,
            results_log: Some(
                args.results_log
                    .or(config.results_log.map(|r| config_folder.join(r)))
                    .unwrap_or_else(|| PathBuf::from("quiz-results.jsonl")),
            ),
            staff_pin: config.staff_pin.clone(),
        }),
        Err(problems) => {
            // The playlists still play: a screen showing them beats a screen showing nothing.
            print_problems(&problems);
            eprintln!("error: the quiz cannot be used; playing the playlists without it");
            None
        }
    });
    let default_idle = IdleMessage::default();
    let settings = PlayerSettings {
        tablet,
        clock_speed: args.clock_speed,
        status_listen,
        status_token,
        status_prometheus: config.status.prometheus,
        board: board_reader(&sources, &cache),
        sources,
        alerts,
        cache,
        windowed: args.windowed || config.windowed,
        size: args.size.or(config.size),
        rotation: args.rotation.unwrap_or(config.rotation),
        panel: config.display.clone(),
        video: crate::core::video::VideoSettings {
            decoder: config.video_decoder,
            audio_output: config.audio_output.clone(),
            convert: config.video_convert,
        },
        layout: config.layout,
        eras: Eras::with(&config.eras),
        ticker: TickerSettings {
            mode: config.ticker_mode,
            page_seconds: config
                .ticker_seconds
                .map_or(Paging::DEFAULT_PAGE_SECONDS, f64::from),
            characters_per_second: config
                .ticker_speed
                .map_or(DEFAULT_CHARACTERS_PER_SECOND, f64::from),
        },
        play_log: args.play_log.or(config.play_log),
        crash_guard: crate::crash_guard::CrashGuard::start(),
        idle: IdleMessage {
            japanese: config.idle_message.unwrap_or(default_idle.japanese),
            english: config.idle_message_en.unwrap_or(default_idle.english),
            eras: Eras::with(&config.eras),
        },
    };
    // winit would panic without a display server to connect to.
    if ["WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"]
        .iter()
        .all(|name| std::env::var_os(name).is_none_or(|value| value.is_empty()))
    {
        eprintln!(
            "error: there is no screen to play on (neither WAYLAND_DISPLAY nor DISPLAY is set): \
             the player runs under cage (`systemctl start kiosk-player`, see deploy/README.md) or \
             in a desktop session; `kiosk-player preview` draws slides to PNG without one"
        );
        return ExitCode::FAILURE;
    }
    if let Some(problem) = player::screen::missing_renderer() {
        eprintln!("error: {problem}");
        return ExitCode::FAILURE;
    }
    match player::run(settings) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(_) => ExitCode::FAILURE,
    }
}

/// The board's health is read from the kernel's files under `KIOSK_SYSTEM_ROOT` (`/` unless a
/// test gives a tree of its own), for the system's file system, the content folders and the
/// cache.
fn board_reader(sources: &[ContentSource], cache: &Path) -> BoardReader {
    let root =
        std::env::var_os("KIOSK_SYSTEM_ROOT").map_or_else(|| PathBuf::from("/"), PathBuf::from);
    let mut folders = vec![PathBuf::from("/")];
    for source in sources {
        if let ContentSource::Folder { path, .. } = source {
            folders.push(path.clone());
        }
    }
    folders.push(cache.to_path_buf());
    BoardReader { root, folders }
}

fn parse_rotation(text: &str) -> Result<Rotation, String> {
    let degrees: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of degrees"))?;
    Rotation::try_from(degrees)
}

/// Where downloaded content is kept: the config's `cache`, relative to its folder.
fn cache_root(config: &Config, config_folder: &Path) -> PathBuf {
    config
        .cache
        .as_ref()
        .map_or_else(|| PathBuf::from(DEFAULT_CACHE), |c| config_folder.join(c))
}

/// The config's content sources, resolved: relative paths against the config's folder, tokens
/// from the environment.
pub(super) fn content_sources(
    config: &Config,
    config_folder: &Path,
) -> Result<Vec<ContentSource>, String> {
    let cache_root = cache_root(config, config_folder);
    let mut sources: Vec<ContentSource> = config
        .playlists
        .iter()
        .map(|p| ContentSource::Folder {
            path: config_folder.join(p),
            poll: None,
            drop_folders: config.drop_folders.clone(),
        })
        .collect();
    for (index, source) in config.sources.iter().enumerate() {
        sources.push(match source {
            Source::Folder(folder) => ContentSource::Folder {
                path: config_folder.join(&folder.path),
                poll: folder.poll_seconds.map(|s| Duration::from_secs(s.into())),
                drop_folders: config.drop_folders.clone(),
            },
            Source::Http(http) => {
                let token = match &http.token_env {
                    Some(name) => Some(std::env::var(name).map_err(|_| {
                        format!("the environment variable {name} (token_env) is not set")
                    })?),
                    None => http.token.clone(),
                };
                ContentSource::Http {
                    source: HttpSource {
                        manifest_url: http.url.clone(),
                        token,
                        max_file_bytes: u64::from(http.max_file_mb) * 1024 * 1024,
                        timeout: Duration::from_secs(600),
                    },
                    // Each HTTP source has its own cache folder, by its position in the config.
                    cache: cache_root.join(format!("source-{}", index + 1)),
                    poll: Duration::from_secs(http.poll_seconds.into()),
                    drop_folders: config.drop_folders.clone(),
                }
            }
        });
    }
    Ok(sources)
}
