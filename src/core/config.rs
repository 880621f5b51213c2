//! The device config file (`kiosk.ron`): where content comes from and how the screen behaves.

use super::alerts::AlertsConfig;
use super::calendar::Era;
use super::diagnostic::{Diagnostic, SourceLocator, parse_ron};
use super::display::{PanelPower, Rotation};
use super::drawing_limits::DrawingLimits;
use super::layout::Layout;
use super::legibility::Viewing;
use super::ticker::TickerMode;
use super::video::{AudioOutput, DecoderChoice, VideoConvert};
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;

/// Config files larger than this are refused unread.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The folder of playlist files; relative paths are relative to the config file.
    /// Shorthand for one `Folder` source.
    pub playlists: Option<PathBuf>,
    /// Where content comes from: shared folders and published HTTP(S) content sets.
    pub sources: Vec<Source>,
    /// Where downloaded content is kept, so the player plays on without a network.
    pub cache: Option<PathBuf>,
    /// Shown on the idle screen when nothing is scheduled.
    pub idle_message: Option<String>,
    pub idle_message_en: Option<String>,
    /// A normal window instead of fullscreen, for trying things out on a desktop.
    pub windowed: bool,
    /// The window size in windowed mode, e.g. "1920x1080".
    pub size: Option<ScreenSize>,
    /// How far the panel is turned clockwise: 0, 90, 180 or 270 degrees.
    pub rotation: Rotation,
    /// When the panel is switched on and off; without it the player leaves the panel's power
    /// alone.
    pub display: Option<PanelPower>,
    /// `Auto` (the default) lets a video use the board's hardware decoder; `Software` never does.
    pub video_decoder: DecoderChoice,
    /// Who converts video frames to RGB: `Auto` (default: GStreamer on a software renderer, the
    /// GPU elsewhere), `Gpu` or `GStreamer`.
    pub video_convert: VideoConvert,
    /// Where the sound of `audio: true` video slides goes: `Auto` (default), `Alsa("…")` or
    /// `Pipeline("…")`.
    pub audio_output: AudioOutput,
    /// How the screen is shared (`Full`, `Band(..)`, `Side(..)`) unless a playlist says otherwise.
    pub layout: Layout,
    /// Eras after 令和, for the clock's date: `eras: [(name: "…", start: "2031-05-01")]`.
    pub eras: Vec<Era>,
    /// `Auto` (default: crawling on a GPU, paged on a software renderer), `Scroll` or `Pages`.
    pub ticker_mode: TickerMode,
    /// How long each paged ticker message stays, in seconds (default 8).
    pub ticker_seconds: Option<f32>,
    /// How fast a crawling ticker moves, in characters a second (default 4).
    pub ticker_speed: Option<f32>,
    /// Where to append one JSON line per slide shown.
    pub play_log: Option<PathBuf>,
    /// The local status and metrics endpoint.
    pub status: StatusEndpoint,
    /// `signage` (the default) plays playlists; `tablet` runs a touch quiz with the playlists as
    /// its attract loop.
    pub mode: Mode,
    /// The quiz a tablet runs; relative paths are relative to the config file.
    pub quiz: Option<PathBuf>,
    /// Where a tablet appends one JSON line per quiz round (default: quiz-results.jsonl beside the
    /// cache).
    pub results_log: Option<PathBuf>,
    /// The PIN that lets staff close a tablet (hold the top-left corner for 3 s). Without one,
    /// the player can only be stopped from outside.
    pub staff_pin: Option<String>,
    /// How long and how much memory drawing one picture, SVG or PDF page may take before its
    /// slide is skipped: `drawing_limits: (seconds: 10, memory_mb: 512)` (the defaults).
    pub drawing_limits: DrawingLimits,
    /// Official warnings that take the screen over by themselves: JMA's feeds and CAP sources.
    pub alerts: Option<AlertsConfig>,
    /// Subfolders of each content folder that play without a playlist: every picture, PDF page
    /// and video in them, in name order, all day (e.g. `drop_folders: ["掲示"]`).
    pub drop_folders: Vec<String>,
    /// How far visitors stand from the screen, in metres (default 3), and its diagonal in
    /// inches (default 50): `check` warns of body text too small to read from there.
    pub viewing_distance_m: Option<f64>,
    pub screen_inches: Option<f64>,
}

impl Config {
    /// Where the screen is read from, and how big it is.
    pub fn viewing(&self) -> Viewing {
        let lobby = Viewing::default();
        Viewing {
            distance_m: self.viewing_distance_m.unwrap_or(lobby.distance_m),
            screen_inches: self.screen_inches.unwrap_or(lobby.screen_inches),
        }
    }
}

/// What the screen is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Signage,
    Tablet,
}

/// Where `/status` and `/metrics` are served. Loopback by default; any other address needs a token.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusEndpoint {
    /// "127.0.0.1:9310" by default; "off" turns the endpoint off.
    pub listen: String,
    pub token: Option<String>,
    pub token_env: Option<String>,
    /// The Prometheus server's address: it keeps connection slots of its own and is never
    /// held to the request rate of other clients.
    pub prometheus: Option<std::net::IpAddr>,
}

impl Default for StatusEndpoint {
    fn default() -> Self {
        StatusEndpoint {
            listen: "127.0.0.1:9310".into(),
            token: None,
            token_env: None,
            prometheus: None,
        }
    }
}

/// The default cache folder on a Linux player.
pub const DEFAULT_CACHE: &str = "/var/lib/kiosk-player/cache";

/// A place content comes from.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub enum Source {
    /// A folder: local, a USB stick, or an SMB/NFS mount.
    Folder(FolderSource),
    /// A content set published with `kiosk-player publish` on any web server.
    Http(HttpSourceConfig),
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderSource {
    pub path: PathBuf,
    /// Look for changes every this many seconds instead of relying on change events. Network
    /// mounts are detected and polled every 5 s without this.
    pub poll_seconds: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSourceConfig {
    /// The URL of the manifest, e.g. "https://signage.example.org/lobby/manifest.ron".
    pub url: String,
    /// How often to ask for changes (default 60 s); an unchanged answer transfers no body.
    #[serde(default = "default_http_poll")]
    pub poll_seconds: u32,
    /// A bearer token; prefer `token_env` so the secret stays out of the file.
    pub token: Option<String>,
    /// The name of an environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// Files larger than this many megabytes are refused (default 200).
    #[serde(default = "default_max_file_mb")]
    pub max_file_mb: u32,
}

fn default_http_poll() -> u32 {
    60
}

fn default_max_file_mb() -> u32 {
    200
}

impl Config {
    pub fn parse(source: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = parse_ron(source).map_err(|d| vec![d])?;
        let mut at = SourceLocator::new(source);
        let mut problems = Vec::new();
        if config.playlists.is_some() && !config.sources.is_empty() {
            problems.push(
                Diagnostic::new(
                    at.field("playlists"),
                    "`playlists` and `sources` are both set",
                )
                .with_hint("list the folder as a source instead: Folder(path: \"...\")"),
            );
        }
        for source in &config.sources {
            match source {
                Source::Folder(folder) if folder.poll_seconds == Some(0) => {
                    problems.push(Diagnostic::new(
                        at.field("poll_seconds"),
                        "`poll_seconds` must be at least 1",
                    ));
                }
                Source::Http(http) => {
                    let position = at.string_literal(&http.url);
                    if !(http.url.starts_with("https://") || http.url.starts_with("http://")) {
                        problems.push(Diagnostic::new(
                            position,
                            format!("`{}` is not an http:// or https:// URL", http.url),
                        ));
                    }
                    if http.poll_seconds < 5 {
                        problems.push(Diagnostic::new(
                            at.field("poll_seconds"),
                            "`poll_seconds` must be at least 5 for a web server",
                        ));
                    }
                    if http.token.is_some() && http.token_env.is_some() {
                        problems.push(Diagnostic::new(
                            at.field("token_env"),
                            "set `token` or `token_env`, not both",
                        ));
                    }
                }
                Source::Folder(_) => {}
            }
        }
        for name in &config.drop_folders {
            if let Some(problem) = drop_folder_problem(name) {
                problems.push(
                    Diagnostic::new(at.string_literal(name), problem).with_hint(
                        "name a folder directly inside the content folder, e.g. \"掲示\"",
                    ),
                );
            }
        }
        if let Some(metres) = config.viewing_distance_m
            && !(0.3..=100.0).contains(&metres)
        {
            problems.push(Diagnostic::new(
                at.field("viewing_distance_m"),
                "`viewing_distance_m` must be between 0.3 and 100 metres",
            ));
        }
        if let Some(inches) = config.screen_inches
            && !(5.0..=300.0).contains(&inches)
        {
            problems.push(Diagnostic::new(
                at.field("screen_inches"),
                "`screen_inches` (the screen's diagonal) must be between 5 and 300",
            ));
        }
        if let Some(seconds) = config.ticker_seconds
            && !(2.0..=120.0).contains(&seconds)
        {
            problems.push(Diagnostic::new(
                at.field("ticker_seconds"),
                "`ticker_seconds` must be between 2 and 120",
            ));
        }
        if let Some(speed) = config.ticker_speed
            && !(1.0..=20.0).contains(&speed)
        {
            problems.push(Diagnostic::new(
                at.field("ticker_speed"),
                "`ticker_speed` must be between 1 and 20 characters a second",
            ));
        }
        if config.mode == Mode::Tablet && config.quiz.is_none() {
            problems.push(
                Diagnostic::new(at.field("mode"), "a tablet needs a quiz")
                    .with_hint("add `quiz: \"food-safety-quiz.ron\"` (relative to this file)"),
            );
        }
        if let Some(pin) = &config.staff_pin
            && (!(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push(Diagnostic::new(
                at.string_literal(pin),
                "`staff_pin` must be 4 to 12 digits",
            ));
        }
        if let Some(problem) = config.drawing_limits.problem() {
            problems.push(Diagnostic::new(at.field("drawing_limits"), problem));
        }
        if let Some(alerts) = &config.alerts {
            for (field, problem) in alerts.problems() {
                problems.push(Diagnostic::new(at.field_within("alerts", field), problem));
            }
        }
        let endpoint = &config.status;
        if endpoint.listen != "off" {
            match endpoint.listen.parse::<std::net::SocketAddr>() {
                Err(_) => problems.push(
                    Diagnostic::new(
                        at.string_literal(&endpoint.listen),
                        format!("`{}` is not an address", endpoint.listen),
                    )
                    .with_hint("write an address and port, e.g. \"127.0.0.1:9310\", or \"off\""),
                ),
                Ok(address)
                    if !address.ip().is_loopback()
                        && endpoint.token.is_none()
                        && endpoint.token_env.is_none() =>
                {
                    problems.push(
                        Diagnostic::new(
                            at.string_literal(&endpoint.listen),
                            "the status endpoint is reachable from the network without a token",
                        )
                        .with_hint(
                            "add `token_env: \"KIOSK_STATUS_TOKEN\"` or listen on 127.0.0.1",
                        ),
                    )
                }
                Ok(_) => {}
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

/// Why `name` cannot be a drop folder: it must be one folder directly inside the content folder.
fn drop_folder_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("a drop folder needs a name".into())
    } else if name == "." || name == ".." || name.contains(['/', '\\']) {
        Some(format!(
            "`{name}` is not a folder name: drop folders sit directly in the content folder"
        ))
    } else if name.chars().any(char::is_control) {
        Some(format!(
            "`{}` has a control character in it",
            name.escape_debug()
        ))
    } else {
        None
    }
}

/// A size in pixels written "WIDTHxHEIGHT".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ScreenSize {
    pub width: u32,
    pub height: u32,
}

/// The largest texture a Raspberry Pi 4 can hold; slides are drawn at most this large.
pub const MAX_SIDE: u32 = 4096;

impl FromStr for ScreenSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let explain =
            || format!("`{text}` is not a size; write it as WIDTHxHEIGHT, e.g. 1920x1080");
        let (w, h) = text
            .trim()
            .split_once(['x', 'X', '×'])
            .ok_or_else(explain)?;
        let width: u32 = w.trim().parse().map_err(|_| explain())?;
        let height: u32 = h.trim().parse().map_err(|_| explain())?;
        if !(16..=MAX_SIDE).contains(&width) || !(16..=MAX_SIDE).contains(&height) {
            return Err(format!(
                "`{text}`: each side must be between 16 and {MAX_SIDE} pixels"
            ));
        }
        Ok(ScreenSize { width, height })
    }
}

impl TryFrom<String> for ScreenSize {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fields_are_all_optional() {
        assert_eq!(Config::parse("Config()").unwrap(), Config::default());
        let c = Config::parse(
            r#"Config(playlists: "/srv/signage", windowed: true, size: "1080x1920")"#,
        )
        .unwrap();
        assert_eq!(
            c.size,
            Some(ScreenSize {
                width: 1080,
                height: 1920
            })
        );
        assert_eq!(c.playlists, Some(PathBuf::from("/srv/signage")));
    }

    #[test]
    fn config_mistakes_are_explained() {
        let problems = Config::parse("Config(\n  playlist: \"x\")").unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .starts_with("2:3: unknown field `playlist`"),
            "{}",
            problems[0]
        );
        assert!(
            problems[0]
                .to_string()
                .contains("did you mean `playlists`?")
        );
        let problems = Config::parse(r#"Config(size: "big")"#).unwrap_err();
        assert!(problems[0].to_string().contains("WIDTHxHEIGHT"));
    }

    #[test]
    fn sources_are_listed_with_their_settings() {
        let c = Config::parse(
            r#"Config(sources: [
                Folder(path: "/mnt/share"),
                Http(url: "https://cdn.example/lobby/manifest.ron", token_env: "KIOSK_TOKEN"),
            ], cache: "/tmp/cache")"#,
        )
        .unwrap();
        let Source::Http(http) = &c.sources[1] else {
            panic!("second source is HTTP")
        };
        assert_eq!((http.poll_seconds, http.max_file_mb), (60, 200));
        assert_eq!(
            c.sources[0],
            Source::Folder(FolderSource {
                path: "/mnt/share".into(),
                poll_seconds: None
            })
        );
    }

    #[test]
    fn source_mistakes_are_all_reported() {
        let problems = Config::parse(
            "Config(\n  playlists: \"p\",\n  sources: [Http(url: \"ftp://x/m.ron\", poll_seconds: 1, token: \"t\", token_env: \"T\")],\n)",
        )
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(text.len(), 4, "{text:#?}");
        assert!(
            text[0].starts_with("2:3: `playlists` and `sources` are both set"),
            "{}",
            text[0]
        );
        assert!(
            text[1].starts_with("3:24: `ftp://x/m.ron` is not an http"),
            "{}",
            text[1]
        );
    }

    #[test]
    fn drop_folders_are_folders_directly_in_the_content_folder() {
        let config = Config::parse(r#"Config(drop_folders: ["掲示", "posters"])"#).unwrap();
        assert_eq!(config.drop_folders, ["掲示", "posters"]);
        let problems =
            Config::parse("Config(\n  drop_folders: [\"掲示/夏\", \"..\", \"\"],\n)").unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:#?}");
        assert!(
            text[0].starts_with("2:19: `掲示/夏` is not a folder name"),
            "{}",
            text[0]
        );
        assert!(text[1].contains("`..` is not a folder name"), "{}", text[1]);
        assert!(text[2].contains("needs a name"), "{}", text[2]);
    }

    #[test]
    fn a_status_endpoint_off_loopback_needs_a_token() {
        assert_eq!(
            Config::parse("Config()").unwrap().status.listen,
            "127.0.0.1:9310"
        );
        let problems = Config::parse(r#"Config(status: (listen: "0.0.0.0:9310"))"#).unwrap_err();
        assert!(
            problems[0].to_string().contains("without a token"),
            "{}",
            problems[0]
        );
        assert!(
            Config::parse(r#"Config(status: (listen: "0.0.0.0:9310", token_env: "T"))"#).is_ok()
        );
        assert!(Config::parse(r#"Config(status: (listen: "off"))"#).is_ok());
        assert!(Config::parse(r#"Config(status: (listen: "here"))"#).is_err());
    }

    #[test]
    fn a_tablet_runs_a_quiz_and_its_pin_is_digits() {
        let c =
            Config::parse(r#"Config(mode: tablet, quiz: "quiz.ron", staff_pin: "2580")"#).unwrap();
        assert_eq!(
            (c.mode, c.quiz, c.staff_pin.as_deref()),
            (Mode::Tablet, Some(PathBuf::from("quiz.ron")), Some("2580"))
        );
        let problems: Vec<String> =
            Config::parse("Config(\n  mode: tablet,\n  staff_pin: \"12a\",\n)")
                .unwrap_err()
                .iter()
                .map(|p| p.to_string())
                .collect();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("2:3: a tablet needs a quiz"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].starts_with("3:15: `staff_pin` must be 4 to 12 digits"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn a_portrait_panel_and_its_opening_hours() {
        let c = Config::parse(
            r#"Config(rotation: 90, display: (hours: (days: [Mon, Fri], hours: ["08:30-17:15"])))"#,
        )
        .unwrap();
        assert_eq!(c.rotation, Rotation::Quarter);
        assert_eq!(c.display.unwrap().hours.unwrap().hours.len(), 1);
        let problems = Config::parse("Config(\n  rotation: 45)").unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .starts_with("2:13: `45` is not a rotation"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn sizes_are_bounded_by_what_a_pi_can_hold() {
        assert_eq!(
            "1920x1080".parse(),
            Ok(ScreenSize {
                width: 1920,
                height: 1080
            })
        );
        assert!("8192x4320".parse::<ScreenSize>().is_err());
        assert!("0x0".parse::<ScreenSize>().is_err());
    }
}
