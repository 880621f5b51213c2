//! Web pages as slides: the rules for a `Web` slide's fields, which pages the playlists name,
//! and the command line that has headless Chromium take a page's snapshot without reaching past
//! the page's own host, downloading or opening windows.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `refresh_seconds` of a `Web` slide: at least this, so a ward's site is not asked every frame.
pub const MIN_REFRESH_SECONDS: u32 = 30;
pub const MAX_REFRESH_SECONDS: u32 = 24 * 3600;
pub const DEFAULT_REFRESH_SECONDS: u32 = 300;
/// `zoom` of a `Web` slide: a page made four times as large is a page of four words.
pub const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.25..=4.0;

/// A page the playlists show, at a zoom: one snapshot serves every slide that names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WebPage {
    pub url: String,
    /// The zoom in hundredths, so pages can be told apart and sorted.
    pub zoom_percent: u32,
}

impl WebPage {
    pub fn new(url: &str, zoom: f32) -> WebPage {
        WebPage {
            url: url.to_owned(),
            zoom_percent: (zoom * 100.0).round() as u32,
        }
    }

    pub fn zoom(&self) -> f32 {
        self.zoom_percent as f32 / 100.0
    }

    /// The name of the page's kept snapshot: a digest of the address and zoom, so any address
    /// makes a safe file name.
    pub fn file_name(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{} {}", self.zoom_percent, self.url));
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("{hex}.png")
    }
}

/// A page's last good snapshot, as kept on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageSnapshot {
    /// A PNG of `width` × `height` pixels.
    pub file: PathBuf,
    pub taken: chrono::DateTime<chrono::FixedOffset>,
    pub width: u32,
    pub height: u32,
}

/// What is wrong with a `Web` slide's address, if anything: only http(s) pages are shown.
pub fn url_problem(url: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            None
        }
        Ok(parsed) if parsed.host().is_some() || parsed.scheme() == "file" => Some(format!(
            "`{url}` is not a web page: only http:// and https:// addresses are shown"
        )),
        _ => Some(format!("`{url}` is not a web address")),
    }
}

/// Chromium's arguments for a snapshot of `url` at `width` × `height` pixels, `zoom` times the
/// page's own size, written to `shot`, with a fresh profile in `profile`.
///
/// Everything but the page's own host goes to a proxy that is not there (`<-loopback>` takes
/// away Chromium's rule that loopback needs no proxy, so a page cannot reach the player's own
/// status server either); pop-ups are blocked; downloads are refused by the profile's
/// preferences ([`PROFILE_PREFERENCES`]). As root, Chromium starts only without its sandbox;
/// the player runs as its own user, where the sandbox stays on.
pub fn chromium_arguments(
    url: &str,
    zoom: f32,
    (width, height): (u32, u32),
    profile: &Path,
    shot: &Path,
    as_root: bool,
) -> Vec<String> {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    // The window in CSS pixels; the device scale makes it `width` × `height` device pixels.
    let css = |pixels: u32| ((pixels as f32 / zoom).round() as u32).max(1);
    let mut arguments: Vec<String> = [
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-notifications",
        "--deny-permission-prompts",
        "--block-new-web-contents",
        "--mute-audio",
        "--no-pings",
        "--hide-scrollbars",
        "--lang=ja",
        "--proxy-server=127.0.0.1:9",
    ]
    .map(str::to_owned)
    .into();
    arguments.extend([
        format!("--proxy-bypass-list=<-loopback>;{host}"),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={},{}", css(width), css(height)),
        format!("--force-device-scale-factor={zoom}"),
        format!("--screenshot={}", shot.display()),
    ]);
    if as_root {
        arguments.push("--no-sandbox".into());
    }
    arguments.push(url.to_owned());
    arguments
}

/// The fresh profile's preferences: every download refused (the `DownloadRestrictions` policy's
/// value 3, "block all downloads").
pub const PROFILE_PREFERENCES: &str = r#"{"download_restrictions":3}"#;

/// A fontconfig file that adds `fonts` (the player's own Japanese font) to the system's, so a
/// Japanese page reads as Japanese on a machine without a CJK font.
pub fn fontconfig(fonts: &Path) -> String {
    let escaped = fonts
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;");
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n  \
         <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n  <dir>{escaped}</dir>\n\
         </fontconfig>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_pages_are_shown() {
        assert_eq!(url_problem("https://www.city.yokohama.lg.jp/konan/"), None);
        assert_eq!(url_problem("http://127.0.0.1:8080/page.html"), None);
        assert!(
            url_problem("file:///etc/passwd")
                .unwrap()
                .contains("only http")
        );
        assert!(
            url_problem("ftp://example.org/")
                .unwrap()
                .contains("only http")
        );
        assert!(
            url_problem("www.example.org")
                .unwrap()
                .contains("not a web address")
        );
        assert!(url_problem("javascript:alert(1)").is_some());
    }

    #[test]
    fn chromium_reaches_only_the_pages_own_host() {
        let arguments = chromium_arguments(
            "https://www.city.yokohama.lg.jp/konan/",
            1.0,
            (1920, 1080),
            Path::new("/run/p"),
            Path::new("/run/p/shot.png"),
            false,
        );
        assert!(arguments.contains(&"--proxy-server=127.0.0.1:9".to_owned()));
        assert!(
            arguments.contains(&"--proxy-bypass-list=<-loopback>;www.city.yokohama.lg.jp".into())
        );
        assert!(arguments.contains(&"--block-new-web-contents".into()));
        assert!(arguments.contains(&"--user-data-dir=/run/p".into()));
        assert!(!arguments.contains(&"--no-sandbox".into()));
        assert_eq!(
            arguments.last().unwrap(),
            "https://www.city.yokohama.lg.jp/konan/"
        );
    }

    #[test]
    fn a_zoomed_page_fills_the_same_pixels_with_fewer_css_pixels() {
        let arguments = chromium_arguments(
            "http://127.0.0.1/",
            2.0,
            (1920, 1080),
            Path::new("/p"),
            Path::new("/p/s.png"),
            true,
        );
        assert!(arguments.contains(&"--window-size=960,540".into()));
        assert!(arguments.contains(&"--force-device-scale-factor=2".into()));
        assert!(arguments.contains(&"--no-sandbox".into()));
    }

    #[test]
    fn each_page_and_zoom_has_its_own_file() {
        let page = WebPage::new("https://example.org/", 1.0);
        assert_eq!(page.zoom_percent, 100);
        assert_ne!(
            page.file_name(),
            WebPage::new("https://example.org/", 1.5).file_name()
        );
        assert_ne!(
            page.file_name(),
            WebPage::new("https://example.org/a", 1.0).file_name()
        );
        assert!(page.file_name().ends_with(".png"));
    }
}
