//! The device config file (`kiosk.ron`): where content comes from and how the screen behaves.

use super::diagnostic::{Diagnostic, parse_ron};
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;

/// Config files larger than this are refused unread.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The folder of playlist files; relative paths are relative to the config file.
    pub playlists: Option<PathBuf>,
    /// Shown on the idle screen when nothing is scheduled.
    pub idle_message: Option<String>,
    pub idle_message_en: Option<String>,
    /// A normal window instead of fullscreen, for trying things out on a desktop.
    pub windowed: bool,
    /// The window size in windowed mode, e.g. "1920x1080".
    pub size: Option<ScreenSize>,
    /// Where to append one JSON line per slide shown.
    pub play_log: Option<PathBuf>,
}

impl Config {
    pub fn parse(source: &str) -> Result<Config, Vec<Diagnostic>> {
        parse_ron(source).map_err(|d| vec![d])
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
