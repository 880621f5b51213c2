//! Playlists as staff write them: the model, its parsing and every rule a playlist must follow.

use super::diagnostic::{Diagnostic, SourceLocator, parse_ron};
use super::layout::Layout;
use super::schedule::Schedule;
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// Playlist files larger than this are refused unread: a real playlist is a few kilobytes.
pub const MAX_PLAYLIST_BYTES: u64 = 1024 * 1024;

const DEFAULT_SLIDE_SECONDS: f32 = 10.0;
const DEFAULT_TRANSITION_SECONDS: f32 = 0.8;
const MAX_SLIDE_SECONDS: f32 = 24.0 * 3600.0;
const MAX_TRANSITION_SECONDS: f32 = 5.0;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playlist {
    pub title: String,
    #[serde(default)]
    pub schedule: Schedule,
    /// Among the playlists active at a moment, only those with the highest priority play.
    #[serde(default)]
    pub priority: i32,
    /// An active emergency playlist takes over the screen at once, whatever the priorities.
    #[serde(default)]
    pub emergency: bool,
    #[serde(default = "default_slide_seconds")]
    pub slide_seconds: f32,
    #[serde(default)]
    pub transition: Transition,
    #[serde(default = "default_transition_seconds")]
    pub transition_seconds: f32,
    /// How the screen is shared while this playlist plays; without it, the device's layout.
    pub layout: Option<Layout>,
    /// Short messages for the ticker while this playlist plays, after those of `ticker.txt`.
    #[serde(default)]
    pub ticker: Vec<String>,
    pub slides: Vec<Slide>,
}

fn default_slide_seconds() -> f32 {
    DEFAULT_SLIDE_SECONDS
}

fn default_transition_seconds() -> f32 {
    DEFAULT_TRANSITION_SECONDS
}

/// How a slide replaces the one before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Transition {
    Cut,
    #[default]
    Crossfade,
    /// The new slide pushes the old one out to the left.
    Slide,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub enum Slide {
    Text(TextSlide),
    Image(ImageSlide),
    Poster(PosterSlide),
    Pdf(PdfSlide),
    Video(VideoSlide),
    Quiz(QuizSlide),
    /// Replaced by the slides of its folder when the playlist is loaded (`core::pictures`).
    Pictures(PicturesSlide),
    /// The newest items of a news feed (`core::news`); shown as a text slide of them.
    Feed(FeedSlide),
    /// A snapshot of a web page (`core::web`), taken by headless Chromium ahead of the slide.
    Web(WebSlide),
    /// An official warning (`core::alerts`): a text slide whose title, the warning's name, is
    /// set much larger. Made by the player, never read from a file.
    #[serde(skip_deserializing)]
    Alert(TextSlide),
}

/// A title and body in Japanese with optional English, and an optional picture beside them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSlide {
    pub title: String,
    pub title_en: Option<String>,
    pub body: Option<String>,
    pub body_en: Option<String>,
    pub picture: Option<MediaPath>,
    pub background: Option<Colour>,
    pub color: Option<Colour>,
    /// The colour of the title.
    pub accent: Option<Colour>,
    pub seconds: Option<f32>,
    /// A QR code card in the corner, pointing to a web page.
    pub qr: Option<QrCard>,
}

/// The newest items of an RSS or Atom feed with their days, typeset like a text slide, with a
/// QR card to the first item.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSlide {
    pub url: String,
    /// How many items, 1 to 10 (default 5).
    #[serde(default = "default_feed_items")]
    pub items: u32,
    /// E.g. 「港南区からのお知らせ」; 「お知らせ」 without it.
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub seconds: Option<f32>,
    pub background: Option<Colour>,
    pub color: Option<Colour>,
    pub accent: Option<Colour>,
}

fn default_feed_items() -> u32 {
    5
}

/// A web page, shown as its latest snapshot at the slide area's size.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSlide {
    /// An http:// or https:// address.
    pub url: String,
    /// How often the snapshot is taken again, 30 s to a day (default 300).
    #[serde(default = "default_refresh_seconds")]
    pub refresh_seconds: u32,
    /// How large the page is drawn, 0.25 to 4 (default 1: as a browser shows it).
    #[serde(default = "default_zoom")]
    pub zoom: f32,
    pub seconds: Option<f32>,
    /// The page's last good snapshot, filled in by the library; none yet skips the slide.
    #[serde(skip)]
    pub snapshot: Option<super::web::PageSnapshot>,
}

impl WebSlide {
    pub fn page(&self) -> super::web::WebPage {
        super::web::WebPage::new(&self.url, self.zoom)
    }
}

fn default_refresh_seconds() -> u32 {
    super::web::DEFAULT_REFRESH_SECONDS
}

fn default_zoom() -> f32 {
    1.0
}

/// A photo or other raster picture.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSlide {
    pub file: MediaPath,
    #[serde(default)]
    pub fit: Fit,
    pub caption: Option<String>,
    pub caption_en: Option<String>,
    pub background: Option<Colour>,
    pub seconds: Option<f32>,
    /// A QR code card in the corner, pointing to a web page.
    pub qr: Option<QrCard>,
}

/// A designed SVG poster, drawn crisp at the screen's resolution.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosterSlide {
    pub file: MediaPath,
    pub background: Option<Colour>,
    pub seconds: Option<f32>,
    /// A QR code card in the corner, pointing to a web page.
    pub qr: Option<QrCard>,
}

/// Pages of a PDF file, one slide each, fitted like a photo and drawn at the screen's resolution.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfSlide {
    pub file: MediaPath,
    /// Which pages, e.g. "1-3" or "1, 4-6"; all of them without it. Once loaded, one page.
    pub pages: Option<Pages>,
    pub background: Option<Colour>,
    pub seconds: Option<f32>,
    /// A QR code card in the corner, pointing to a web page.
    pub qr: Option<QrCard>,
}

impl PdfSlide {
    /// The page this slide shows, counted from 1.
    pub fn page(&self) -> u32 {
        self.pages.as_ref().map_or(1, Pages::first)
    }
}

/// Every photo, SVG, PDF page and video in a folder, in the order of their names (`01-…`, `02-…`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PicturesSlide {
    /// The folder, relative to the playlist.
    pub folder: MediaPath,
    #[serde(default)]
    pub fit: Fit,
    pub background: Option<Colour>,
    /// How long each picture stays.
    pub seconds: Option<f32>,
}

/// Page numbers written `"1-3"`, `"2"` or `"1, 4-6"`, counted from 1.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Pages(pub Vec<(u32, u32)>);

impl Pages {
    pub fn single(page: u32) -> Pages {
        Pages(vec![(page, page)])
    }

    pub fn first(&self) -> u32 {
        self.0.first().map_or(1, |range| range.0)
    }

    /// Every page in order, as written.
    pub fn each(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().flat_map(|&(first, last)| first..=last)
    }

    pub fn last(&self) -> u32 {
        self.0.iter().map(|range| range.1).max().unwrap_or(1)
    }
}

/// The most pages a playlist shows from one PDF: a slide each, and each drawn in its turn.
pub const MAX_PDF_PAGES: u32 = 500;

impl TryFrom<String> for Pages {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let explain =
            || format!("`{text}` is not a list of pages; write e.g. \"1-3\", \"2\" or \"1, 4-6\"");
        let number = |part: &str| part.trim().parse::<u32>().ok().filter(|&n| n >= 1);
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let (first, last) = match part.split_once('-') {
                Some((first, last)) => (number(first), number(last)),
                None => (number(part), number(part)),
            };
            match (first, last) {
                (Some(first), Some(last)) if first <= last && last <= MAX_PDF_PAGES => {
                    ranges.push((first, last))
                }
                (Some(_), Some(last)) if last > MAX_PDF_PAGES => {
                    return Err(format!(
                        "a playlist shows at most {MAX_PDF_PAGES} pages of a PDF"
                    ));
                }
                _ => return Err(explain()),
            }
        }
        Ok(Pages(ranges))
    }
}

/// A video clip, muted, fitted like a photo. It plays once by default, `loops` times, or for
/// `seconds` (looping as needed); a caption band may run along the bottom.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSlide {
    pub file: MediaPath,
    #[serde(default)]
    pub fit: Fit,
    pub loops: Option<u32>,
    pub seconds: Option<f32>,
    pub caption: Option<String>,
    pub caption_en: Option<String>,
    /// A SubRip or WebVTT file; without it, `clip.srt` or `clip.vtt` beside `clip.mp4` is used.
    pub subtitles: Option<MediaPath>,
    /// Plays the video's sound (to the device config's `audio_output`); muted by default.
    #[serde(default)]
    pub audio: bool,
    /// The sound's volume, 0 to 1 (default 1), with `audio: true`.
    pub volume: Option<f32>,
    /// Refused with a reason: the video would cover the card.
    pub qr: Option<QrCard>,
}

/// A QR code in a card at the bottom right of a slide, with a line saying what it leads to.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrCard {
    pub url: String,
    /// E.g. "詳しくはこちら".
    pub caption: Option<String>,
    pub caption_en: Option<String>,
}

/// The longest address a card's code holds: a version-3 code (29 modules) at the lowest error
/// correction. A larger code would need smaller modules to fit its card, and a phone at 2–3 m
/// could no longer read them (see `compose::qr`).
pub const MAX_QR_URL_BYTES: usize = 53;

/// The most play-throughs a video slide may ask for.
const MAX_LOOPS: u32 = 1000;

/// An invitation to the touch quiz on a tablet nearby: the quiz's title and one of its questions.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizSlide {
    /// The quiz file, relative to the playlist.
    pub file: MediaPath,
    pub seconds: Option<f32>,
}

/// How a picture fills the screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Fit {
    /// All of the picture is visible, with bands of background beside or above it.
    #[default]
    Contain,
    /// The picture fills the screen; what sticks out is cut off.
    Cover,
}

/// The kind of media file a path names, judged by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Raster,
    Vector,
    Pdf,
    Video,
}

/// A media path relative to the playlist's folder, checked to stay inside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct MediaPath {
    /// As written, to find it again in the file for messages.
    pub written: String,
    /// Normalised: forward slashes, no `.` or `..` components.
    pub relative: PathBuf,
}

impl MediaPath {
    pub fn kind(&self) -> Option<MediaKind> {
        let extension = self.relative.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "png" | "jpg" | "jpeg" | "webp" => Some(MediaKind::Raster),
            "svg" => Some(MediaKind::Vector),
            "pdf" => Some(MediaKind::Pdf),
            // What phones, cameras and office PCs write; a `Video` slide's file of any other
            // name is opened to see what it holds.
            "mp4" | "m4v" | "mov" | "mkv" | "webm" | "wmv" | "asf" | "avi" | "ts" | "mts"
            | "m2ts" | "mpg" | "mpeg" | "vob" | "flv" | "3gp" | "3g2" | "ogv" | "ogg" => {
                Some(MediaKind::Video)
            }
            _ => None,
        }
    }
}

impl TryFrom<String> for MediaPath {
    type Error = String;

    fn try_from(written: String) -> Result<Self, String> {
        // Staff on Windows write `media\photo.jpg`; it means the same thing.
        let slashed = written.replace('\\', "/");
        if slashed.trim().is_empty() {
            return Err("the file name is empty".into());
        }
        let path = Path::new(&slashed);
        let mut relative = PathBuf::new();
        for component in path.components() {
            match component {
                Component::Normal(part) => relative.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    if !relative.pop() {
                        return Err(format!(
                            "`{written}` points outside the playlists folder; media must be inside it, e.g. \"media/photo.jpg\""
                        ));
                    }
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(format!(
                        "`{written}` is an absolute path; write it relative to the playlist file, e.g. \"media/photo.jpg\""
                    ));
                }
            }
        }
        if slashed.len() >= 2 && slashed.as_bytes()[1] == b':' {
            return Err(format!(
                "`{written}` is a Windows drive path; write it relative to the playlist file, e.g. \"media/photo.jpg\""
            ));
        }
        if relative.as_os_str().is_empty() {
            return Err(format!("`{written}` does not name a file"));
        }
        Ok(MediaPath { written, relative })
    }
}

/// An sRGB colour written `"#RRGGBB"` or `"#RRGGBBAA"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Colour(pub [u8; 4]);

impl Colour {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Colour {
        Colour([r, g, b, 255])
    }
}

impl TryFrom<String> for Colour {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let explain =
            || format!("`{text}` is not a colour; write it as \"#RRGGBB\", e.g. \"#1A1A1A\"");
        let hex = text.trim().strip_prefix('#').ok_or_else(explain)?;
        if !(hex.len() == 6 || hex.len() == 8) || !hex.is_ascii() {
            return Err(explain());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| explain());
        let alpha = if hex.len() == 8 { byte(6)? } else { 255 };
        Ok(Colour([byte(0)?, byte(2)?, byte(4)?, alpha]))
    }
}

impl Slide {
    /// How long the slide stays, from the slide itself or its playlist. A video slide without
    /// `seconds` lasts as long as its video plays (`core::video::video_slide_seconds`), known only
    /// once it is opened; until then this is the playlist's slide length.
    pub fn seconds(&self, playlist: &Playlist) -> f32 {
        self.own_seconds().unwrap_or(playlist.slide_seconds)
    }

    fn own_seconds(&self) -> Option<f32> {
        match self {
            Slide::Text(s) | Slide::Alert(s) => s.seconds,
            Slide::Feed(s) => s.seconds,
            Slide::Web(s) => s.seconds,
            Slide::Image(s) => s.seconds,
            Slide::Poster(s) => s.seconds,
            Slide::Pdf(s) => s.seconds,
            Slide::Video(s) => s.seconds,
            Slide::Quiz(s) => s.seconds,
            Slide::Pictures(s) => s.seconds,
        }
    }

    /// The slide's QR card, if it has one.
    pub fn qr(&self) -> Option<&QrCard> {
        match self {
            Slide::Text(s) | Slide::Alert(s) => s.qr.as_ref(),
            Slide::Image(s) => s.qr.as_ref(),
            Slide::Poster(s) => s.qr.as_ref(),
            Slide::Pdf(s) => s.qr.as_ref(),
            Slide::Video(_)
            | Slide::Quiz(_)
            | Slide::Pictures(_)
            | Slide::Feed(_)
            | Slide::Web(_) => None,
        }
    }

    /// A short name for logs and preview file names.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Slide::Text(_) => "text",
            Slide::Alert(_) => "alert",
            Slide::Feed(_) => "feed",
            Slide::Web(_) => "web",
            Slide::Image(_) => "image",
            Slide::Poster(_) => "poster",
            Slide::Pdf(_) => "pdf",
            Slide::Video(_) => "video",
            Slide::Quiz(_) => "quiz",
            Slide::Pictures(_) => "pictures",
        }
    }

    /// Every text the slide shows, where furigana may be written.
    pub fn texts(&self) -> Vec<&str> {
        let (title, mut optional) = match self {
            Slide::Text(s) | Slide::Alert(s) => {
                (Some(&s.title), vec![&s.title_en, &s.body, &s.body_en])
            }
            Slide::Feed(s) => (None, vec![&s.title, &s.title_en]),
            Slide::Image(s) => (None, vec![&s.caption, &s.caption_en]),
            Slide::Video(s) => (None, vec![&s.caption, &s.caption_en]),
            Slide::Poster(_)
            | Slide::Pdf(_)
            | Slide::Quiz(_)
            | Slide::Pictures(_)
            | Slide::Web(_) => (None, vec![]),
        };
        if let Some(qr) = self.qr() {
            optional.extend([&qr.caption, &qr.caption_en]);
        }
        title
            .into_iter()
            .chain(optional.into_iter().flatten())
            .map(String::as_str)
            .collect()
    }

    /// Every media file the slide needs, with what kind it must be. A `Pictures` folder is not
    /// a file: its pictures become slides of their own.
    pub fn media(&self) -> Vec<&MediaPath> {
        match self {
            Slide::Text(s) | Slide::Alert(s) => s.picture.iter().collect(),
            Slide::Image(s) => vec![&s.file],
            Slide::Poster(s) => vec![&s.file],
            Slide::Pdf(s) => vec![&s.file],
            Slide::Video(s) => vec![&s.file],
            Slide::Quiz(s) => vec![&s.file],
            Slide::Pictures(_) | Slide::Feed(_) | Slide::Web(_) => vec![],
        }
    }
}

impl Playlist {
    /// Parses and checks a playlist. All problems the checks find are returned at once; a file that
    /// does not parse gives the one problem that stopped the parser.
    pub fn parse(source: &str) -> Result<Playlist, Vec<Diagnostic>> {
        let playlist: Playlist = parse_ron(source).map_err(|d| vec![d])?;
        let problems = playlist.problems(source);
        if problems.is_empty() {
            Ok(playlist)
        } else {
            Err(problems)
        }
    }

    pub(crate) fn problems(&self, source: &str) -> Vec<Diagnostic> {
        let mut at = SourceLocator::new(source);
        let mut problems = Vec::new();
        if self.title.trim().is_empty() {
            problems.push(Diagnostic::new(at.field("title"), "the title is empty"));
        }
        if self.schedule.days.as_ref().is_some_and(|d| d.is_empty()) {
            problems.push(
                Diagnostic::new(at.field("days"), "`days` is empty, so the playlist never plays")
                    .with_hint("list the days, e.g. [Mon, Tue, Wed, Thu, Fri], or leave `days` out for every day"),
            );
        }
        if let (Some(start), Some(end)) = (self.schedule.start_date, self.schedule.end_date)
            && end < start
        {
            problems.push(Diagnostic::new(
                at.field("end_date"),
                format!("`end_date` {} is before `start_date` {}", end.0, start.0),
            ));
        }
        check_seconds(&mut problems, &mut at, "slide_seconds", self.slide_seconds);
        if !(0.0..=MAX_TRANSITION_SECONDS).contains(&self.transition_seconds) {
            problems.push(Diagnostic::new(
                at.field("transition_seconds"),
                format!("`transition_seconds` must be between 0 and {MAX_TRANSITION_SECONDS}"),
            ));
        }
        if self.slides.is_empty() {
            problems.push(
                Diagnostic::new(at.field("slides"), "the playlist has no slides")
                    .with_hint("add at least one Text(..), Image(..), Poster(..) or Video(..)"),
            );
        }
        for message in &self.ticker {
            if message.trim().is_empty() || message.contains('\n') {
                problems.push(
                    Diagnostic::new(at.string_literal(message), "a ticker message is empty or has a line break")
                        .with_hint("write each message as one line: ticker: [\"本日の窓口は17時15分まで\", \"...\"]"),
                );
            }
        }
        problems.extend(super::furigana::diagnostics(
            &mut at,
            self.ticker.iter().map(String::as_str),
        ));
        for slide in &self.slides {
            problems.extend(super::furigana::diagnostics(&mut at, slide.texts()));
            if let Some(qr) = slide.qr() {
                let position = at.string_literal(&qr.url);
                if !(qr.url.starts_with("https://") || qr.url.starts_with("http://")) {
                    problems.push(
                        Diagnostic::new(position, format!("`{}` is not a web address", qr.url))
                            .with_hint("write the whole address, starting with https://"),
                    );
                } else if qr.url.len() > MAX_QR_URL_BYTES {
                    problems.push(
                        Diagnostic::new(
                            position,
                            format!(
                                "the address is {} characters; a QR card phones read from 2–3 m holds at most {MAX_QR_URL_BYTES}",
                                qr.url.len()
                            ),
                        )
                        .with_hint("use a shorter address for the same page (drop tracking parameters, or ask the web team for a short link on the ward's own site)"),
                    );
                }
            }
            if let Slide::Text(text) | Slide::Alert(text) = slide
                && text.title.trim().is_empty()
            {
                problems.push(Diagnostic::new(
                    at.string_literal(&text.title),
                    "the title is empty",
                ));
            }
            if let Some(seconds) = slide.own_seconds() {
                check_seconds(&mut problems, &mut at, "seconds", seconds);
            }
            let wanted = match slide {
                Slide::Text(_) | Slide::Alert(_) | Slide::Pictures(_) => None,
                Slide::Feed(feed) => {
                    let position = at.string_literal(&feed.url);
                    if let Some(problem) = super::news::feed_line_problem(&feed.url) {
                        problems.push(
                            Diagnostic::new(position, problem).with_hint(
                                "write the feed's whole address, starting with https://",
                            ),
                        );
                    }
                    if !(1..=super::news::MAX_ITEMS as u32).contains(&feed.items) {
                        problems.push(Diagnostic::new(
                            at.field_near("items"),
                            format!("`items` must be between 1 and {}", super::news::MAX_ITEMS),
                        ));
                    }
                    continue;
                }
                Slide::Web(web) => {
                    let position = at.string_literal(&web.url);
                    if let Some(problem) = super::web::url_problem(&web.url) {
                        problems.push(
                            Diagnostic::new(position, problem).with_hint(
                                "write the page's whole address, starting with https://",
                            ),
                        );
                    }
                    let refresh = super::web::MIN_REFRESH_SECONDS..=super::web::MAX_REFRESH_SECONDS;
                    if !refresh.contains(&web.refresh_seconds) {
                        problems.push(Diagnostic::new(
                            at.field_near("refresh_seconds"),
                            format!(
                                "`refresh_seconds` must be between {} and {}",
                                refresh.start(),
                                refresh.end()
                            ),
                        ));
                    }
                    if !super::web::ZOOM_RANGE.contains(&web.zoom) {
                        problems.push(Diagnostic::new(
                            at.field_near("zoom"),
                            format!(
                                "`zoom` must be between {} and {}",
                                super::web::ZOOM_RANGE.start(),
                                super::web::ZOOM_RANGE.end()
                            ),
                        ));
                    }
                    continue;
                }
                Slide::Image(_) => Some(MediaKind::Raster),
                Slide::Poster(_) => Some(MediaKind::Vector),
                Slide::Pdf(_) => Some(MediaKind::Pdf),
                Slide::Video(_) => Some(MediaKind::Video),
                Slide::Quiz(quiz) => {
                    let is_ron = quiz
                        .file
                        .relative
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("ron"));
                    if !is_ron {
                        problems.push(
                            Diagnostic::new(
                                at.string_literal(&quiz.file.written),
                                format!("`{}` is not a quiz file", quiz.file.written),
                            )
                            .with_hint("name the quiz's .ron file, e.g. \"food-safety-quiz.ron\""),
                        );
                    }
                    continue;
                }
            };
            for media in slide.media() {
                let position = at.string_literal(&media.written);
                let shown_with = |kind| match kind {
                    MediaKind::Raster => "show photos with Image(file: ..)",
                    MediaKind::Vector => "show SVG files with Poster(file: ..)",
                    MediaKind::Pdf => "show PDF files with Pdf(file: ..)",
                    MediaKind::Video => "show videos with Video(file: ..)",
                };
                match (media.kind(), wanted) {
                    // GStreamer reads what is inside, whatever the name says (`check` opens it).
                    (None, Some(MediaKind::Video)) => {}
                    (None, _) => problems.push(
                        Diagnostic::new(
                            position,
                            format!(
                                "`{}` is not a picture or video format the player shows",
                                media.written
                            ),
                        )
                        .with_hint(
                            "use PNG, JPEG, WebP, SVG or PDF pictures; show videos (MP4, MOV, WMV, AVI, MPEG-TS, …) with Video(file: ..)",
                        ),
                    ),
                    (Some(kind), Some(wanted)) if kind != wanted => {
                        let what = match (kind, wanted) {
                            (MediaKind::Vector, _) => "is an SVG file",
                            (MediaKind::Pdf, _) => "is a PDF file",
                            (MediaKind::Video, _) => "is a video",
                            (_, MediaKind::Vector) => "is not an SVG file",
                            (_, MediaKind::Pdf) => "is not a PDF file",
                            _ => "is not a video",
                        };
                        problems.push(
                            Diagnostic::new(position, format!("`{}` {what}", media.written))
                                .with_hint(shown_with(kind)),
                        )
                    }
                    (Some(kind @ (MediaKind::Video | MediaKind::Pdf)), None) => problems.push(
                        Diagnostic::new(
                            position,
                            format!(
                                "`{}` is a {}",
                                media.written,
                                if kind == MediaKind::Pdf {
                                    "PDF file"
                                } else {
                                    "video"
                                }
                            ),
                        )
                        .with_hint(format!(
                            "a text slide's picture is a photo or an SVG; {}",
                            shown_with(kind)
                        )),
                    ),
                    _ => {}
                }
            }
            if let Slide::Video(video) = slide
                && let Some(subtitles) = &video.subtitles
                && !super::subtitles::is_subtitle_file(&subtitles.relative)
            {
                problems.push(
                    Diagnostic::new(
                        at.string_literal(&subtitles.written),
                        format!("`{}` is not a subtitle file", subtitles.written),
                    )
                    .with_hint("name a SubRip (.srt) or WebVTT (.vtt) file"),
                );
            }
            if let Slide::Video(video) = slide
                && let Some(volume) = video.volume
            {
                let position = at.field_near("volume");
                if !(0.0..=1.0).contains(&volume) {
                    problems.push(Diagnostic::new(
                        position,
                        format!("`volume` is {volume}; it goes from 0 (silent) to 1 (full)"),
                    ));
                } else if !video.audio {
                    problems.push(
                        Diagnostic::new(
                            position,
                            "`volume` without `audio: true`: the video is muted",
                        )
                        .with_hint("add `audio: true` to play its sound"),
                    );
                }
            }
            if let Slide::Video(video) = slide
                && video.qr.is_some()
            {
                problems.push(
                    Diagnostic::new(
                        at.field_near("qr"),
                        "a video slide cannot have a QR card: the video would cover it",
                    )
                    .with_hint(
                        "put the card on a Text, Image or Poster slide before or after the video",
                    ),
                );
            }
            if let Slide::Video(video) = slide
                && let Some(loops) = video.loops
            {
                if video.seconds.is_some() {
                    problems.push(
                        Diagnostic::new(at.field_near("loops"), "a video slide has both `loops` and `seconds`")
                            .with_hint("keep one: `loops: 3` plays it three times, `seconds: 30` plays it (looping) for 30 seconds"),
                    );
                } else if !(1..=MAX_LOOPS).contains(&loops) {
                    problems.push(Diagnostic::new(
                        at.field_near("loops"),
                        format!(
                            "`loops` is {loops}; a video plays between 1 and {MAX_LOOPS} times"
                        ),
                    ));
                }
            }
        }
        problems
    }
}

fn check_seconds(
    problems: &mut Vec<Diagnostic>,
    at: &mut SourceLocator,
    field: &str,
    seconds: f32,
) {
    if !(1.0..=MAX_SLIDE_SECONDS).contains(&seconds) {
        problems.push(Diagnostic::new(
            at.field(field),
            format!("`{field}` is {seconds}; a slide must stay between 1 second and 24 hours"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"Playlist(title: "t", slides: [Text(title: "こんにちは")])"#;

    fn problems_of(source: &str) -> Vec<String> {
        match Playlist::parse(source) {
            Ok(_) => vec![],
            Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn minimal_playlist_gets_the_defaults() {
        let p = Playlist::parse(MINIMAL).unwrap();
        assert_eq!(p.slide_seconds, 10.0);
        assert_eq!(p.transition, Transition::Crossfade);
        assert_eq!(p.priority, 0);
        assert!(!p.emergency);
        assert_eq!(p.schedule, Schedule::default());
    }

    #[test]
    fn full_playlist_parses_with_optional_values_written_plainly() {
        let source = r##"
        // comments are allowed
        Playlist(
            title: "食品衛生",
            schedule: (days: [Mon, Fri], hours: ["08:30-17:15"], start_date: "2026-06-01", end_date: "2026-08-31"),
            priority: 10,
            emergency: false,
            slide_seconds: 12,
            transition: Slide,
            transition_seconds: 0.5,
            slides: [
                Text(title: "a", title_en: "b", body: "c", body_en: "d", picture: "media/x.svg",
                     background: "#FFF8E7", color: "#1A1A1A", accent: "#C2410C80", seconds: 15),
                Image(file: "media\\photo.JPG", fit: Cover, caption: "c", caption_en: "e", background: "#000000"),
                Poster(file: "./media/../poster.svg"),
            ],
        )"##;
        let p = Playlist::parse(source).unwrap();
        assert_eq!(p.slides.len(), 3);
        assert_eq!(p.slides[0].seconds(&p), 15.0);
        assert_eq!(p.slides[1].seconds(&p), 12.0);
        let Slide::Text(text) = &p.slides[0] else {
            panic!("first slide is text")
        };
        assert_eq!(text.accent, Some(Colour([0xC2, 0x41, 0x0C, 0x80])));
        let Slide::Image(image) = &p.slides[1] else {
            panic!("second slide is an image")
        };
        assert_eq!(image.file.relative, PathBuf::from("media/photo.JPG"));
        let Slide::Poster(poster) = &p.slides[2] else {
            panic!("third slide is a poster")
        };
        assert_eq!(poster.file.relative, PathBuf::from("poster.svg"));
    }

    #[test]
    fn unknown_field_names_the_nearest_known_one_with_its_position() {
        let source = "Playlist(\n  titel: \"t\",\n  slides: [],\n)";
        let problems = problems_of(source);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("2:3: unknown field `titel`"),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("did you mean `title`?"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn unknown_slide_kind_suggests_one() {
        let problems = problems_of(r#"Playlist(title: "t", slides: [Txt(title: "x")])"#);
        assert!(
            problems[0].contains("unknown kind `Txt`"),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("did you mean `Text`?"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn bad_values_are_reported_where_they_are_written() {
        let cases = [
            ("schedule: (hours: [\"8-17\"]),", "HH:MM-HH:MM"),
            ("schedule: (start_date: \"2026-13-01\"),", "YYYY-MM-DD"),
            ("schedule: (weekdays: [Mon]),", "did you mean `days`?"),
            ("schedule: (days: [Monday]),", "did you mean `Mon`?"),
            ("transition: Fade,", "did you mean `Crossfade`?"),
            (
                "transition: Wipe,",
                "write one of `Cut`, `Crossfade`, `Slide`",
            ),
        ];
        for (line, expected) in cases {
            let source = format!("Playlist(\ntitle: \"t\",\n{line}\nslides: [Text(title: \"x\")])");
            let problems = problems_of(&source);
            assert_eq!(problems.len(), 1, "{line}: {problems:?}");
            assert!(problems[0].starts_with("3:"), "{line}: {}", problems[0]);
            assert!(problems[0].contains(expected), "{line}: {}", problems[0]);
        }
    }

    #[test]
    fn truncated_file_says_it_ends_too_early() {
        let problems = problems_of(&MINIMAL[..MINIMAL.len() - 10]);
        assert!(
            problems[0].contains("cut off while being copied"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn all_rule_violations_are_reported_at_once() {
        let source = r#"Playlist(
    title: "",
    schedule: (days: [], start_date: "2026-09-01", end_date: "2026-08-01"),
    slide_seconds: 0,
    transition_seconds: 30,
    slides: [
        Image(file: "media/poster.svg"),
        Poster(file: "media/photo.jpg"),
        Image(file: "notes.txt"),
        Text(title: " ", seconds: 100000),
    ],
)"#;
        let problems = problems_of(source);
        let expected = [
            ("2:5:", "the title is empty"),
            ("3:16:", "`days` is empty"),
            (
                "3:52:",
                "`end_date` 2026-08-01 is before `start_date` 2026-09-01",
            ),
            ("4:5:", "`slide_seconds` is 0"),
            ("5:5:", "`transition_seconds` must be between 0 and 5"),
            ("7:22:", "`media/poster.svg` is an SVG file"),
            ("8:23:", "`media/photo.jpg` is not an SVG file"),
            ("9:22:", "`notes.txt` is not a picture or video format"),
            ("10:22:", "the title is empty"),
            ("10:26:", "`seconds` is 100000"),
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, (place, message)) in problems.iter().zip(expected) {
            assert!(
                problem.starts_with(place) && problem.contains(message),
                "{problem} ≠ {place} {message}"
            );
        }
    }

    #[test]
    fn video_slides_name_a_video_and_play_for_loops_or_seconds() {
        let good = r#"Playlist(title: "t", slides: [
    Video(file: "media/handwash.mp4", loops: 2, caption: "手洗い", fit: Cover),
    Video(file: "media/drill.webm", seconds: 30),
    Video(file: "media/old-pc.WMV"),
    Video(file: "media/camcorder.dat"),
])"#;
        let playlist = Playlist::parse(good).unwrap();
        let Slide::Video(video) = &playlist.slides[0] else {
            panic!("{:?}", playlist.slides[0]);
        };
        assert_eq!((video.loops, video.fit), (Some(2), Fit::Cover));
        assert_eq!(playlist.slides[1].seconds(&playlist), 30.0);
        assert_eq!(playlist.slides[1].kind_name(), "video");
        let bad = r#"Playlist(title: "t", slides: [
    Video(file: "media/photo.jpg"),
    Image(file: "media/clip.mp4"),
    Video(file: "media/clip.mkv", loops: 2, seconds: 10),
    Video(file: "media/clip.mov", loops: 0),
    Image(file: "media/old-pc.wmv"),
])"#;
        let problems = problems_of(bad);
        let expected = [
            ("2:18:", "`media/photo.jpg` is not a video"),
            ("3:18:", "`media/clip.mp4` is a video"),
            ("4:35:", "both `loops` and `seconds`"),
            ("5:35:", "`loops` is 0"),
            ("6:18:", "`media/old-pc.wmv` is a video"),
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, (place, message)) in problems.iter().zip(expected) {
            assert!(
                problem.starts_with(place) && problem.contains(message),
                "{problem} ≠ {place} {message}"
            );
        }
    }

    #[test]
    fn broken_furigana_is_reported_at_its_brace_in_any_text_a_slide_shows() {
        let good = r#"Playlist(title: "t", slides: [Text(title: "{避難|ひなん}しましょう")])"#;
        assert!(problems_of(good).is_empty());
        let bad = r#"Playlist(title: "t", ticker: ["{窓口}は17時まで"], slides: [
    Text(title: "a", body: "ペットと\n{避難|ひなん"),
    Image(file: "media/p.jpg", caption: "犬}"),
])"#;
        let problems = problems_of(bad);
        let expected = [
            ("1:32:", "needs a `|`"),
            ("2:35:", "without a closing `}`"),
            ("3:43:", "`}` without a `{`"),
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, (place, message)) in problems.iter().zip(expected) {
            assert!(
                problem.starts_with(place) && problem.contains(message),
                "{problem} ≠ {place} {message}"
            );
        }
    }

    #[test]
    fn qr_cards_need_a_short_web_address_and_a_slide_they_can_sit_on() {
        let good = r#"Playlist(title: "t", layout: Band(edge: Top), ticker: ["窓口は17時まで"], slides: [
    Text(title: "a", qr: (url: "https://www.city.yokohama.lg.jp/konan/", caption: "詳しくはこちら")),
])"#;
        let playlist = Playlist::parse(good).unwrap();
        assert!(playlist.slides[0].qr().is_some());
        assert_eq!(playlist.ticker, ["窓口は17時まで"]);
        let long = format!("https://example.org/{}", "a".repeat(MAX_QR_URL_BYTES));
        let bad = format!(
            r#"Playlist(title: "t", ticker: [""], slides: [
    Text(title: "a", qr: (url: "www.example.org")),
    Image(file: "media/p.jpg", qr: (url: "{long}")),
    Video(file: "media/v.mp4", qr: (url: "https://example.org")),
])"#
        );
        let problems = problems_of(&bad);
        let expected = [
            ("1:32:", "a ticker message is empty"),
            ("2:33:", "is not a web address"),
            ("3:43:", "holds at most 53"),
            ("4:32:", "cannot have a QR card"),
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, (place, message)) in problems.iter().zip(expected) {
            assert!(
                problem.starts_with(place) && problem.contains(message),
                "{problem} ≠ {place} {message}"
            );
        }
    }

    #[test]
    fn media_paths_may_not_leave_the_folder() {
        for bad in [
            "../secret.png",
            "media/../../x.png",
            "/etc/passwd.png",
            "C:\\photos\\a.jpg",
            "",
            ".",
        ] {
            let source = format!("Playlist(title: \"t\", slides: [Image(file: {bad:?})])");
            let problems = problems_of(&source);
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
        }
    }

    #[test]
    fn colours_must_be_hex() {
        let problems =
            problems_of(r#"Playlist(title: "t", slides: [Text(title: "x", color: "red")])"#);
        assert!(problems[0].contains("\"#RRGGBB\""), "{}", problems[0]);
    }
}
