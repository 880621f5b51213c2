//! What the status endpoint answers: `/status`, `/metrics`, `/screenshot`, the staff page `/`
//! with its screenshot (`/screen.jpg`), thumbnails and fonts. Runs on the endpoint's threads,
//! reading the snapshot the player refreshes after each frame; nothing here changes the player.

use super::screen::Clock;
use crate::compose::{Composer, fonts};
use crate::core::display::Rotation;
use crate::core::library::{Entry, Library};
use crate::status::page::{PageView, Strip, Thumbnail, login_page, staff_page};
use crate::status::server::{Answer, Site};
use crate::status::{Counters, StatusReport, metrics_text, resident_bytes};
use bevy::image::Image;
use bevy::winit::WinitUserEvent;
use bytes::Bytes;
use hyper::StatusCode;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::{Duration, Instant};
use winit::event_loop::EventLoopProxy;

/// A frame as captured, with how the panel is turned.
pub type Capture = (Image, Rotation);

/// What the player shares with the endpoint, refreshed after every frame.
#[derive(Clone, Default)]
pub struct Shared {
    pub report: Arc<Mutex<StatusReport>>,
    /// The library as of its latest change, with its generation.
    pub library: Arc<Mutex<(u64, Arc<Library>)>>,
    /// The player's event loop, to wake it for a screenshot, once it exists.
    pub waker: Arc<Mutex<Option<EventLoopProxy<WinitUserEvent>>>>,
}

/// How long one screenshot serves every request for one: pages open on several desks then cost
/// the player one capture, not one each.
const SCREENSHOT_REUSE: Duration = Duration::from_secs(1);
/// The staff page's screenshot is at most this wide: enough to read, small enough for a phone.
const PAGE_SCREENSHOT_WIDTH: u32 = 960;
/// A playlist's thumbnails on the page; the rest are counted.
const MOST_THUMBNAILS: usize = 40;
/// The long side of a thumbnail, in pixels: twice what the page shows, for sharp phone screens.
const THUMBNAIL_LONG_SIDE: u32 = 384;
/// Thumbnails kept, in bytes of PNG.
const THUMBNAIL_CACHE_BYTES: usize = 16 * 1024 * 1024;

pub struct PlayerSite {
    shared: Shared,
    counters: Arc<Counters>,
    clock: Clock,
    screenshot_requests: mpsc::Sender<mpsc::Sender<Capture>>,
    /// The latest capture while a request still holds it, for requests within
    /// [`SCREENSHOT_REUSE`] of it; not kept for its own sake (a 1080p frame is 6 MB).
    latest_screenshot: Mutex<Option<(Instant, Weak<image::RgbImage>)>>,
    thumbnails: Thumbnails,
}

impl PlayerSite {
    pub fn new(
        shared: Shared,
        counters: Arc<Counters>,
        clock: Clock,
        screenshot_requests: mpsc::Sender<mpsc::Sender<Capture>>,
    ) -> PlayerSite {
        PlayerSite {
            shared,
            counters,
            clock,
            screenshot_requests,
            latest_screenshot: Mutex::new(None),
            thumbnails: Thumbnails::start(),
        }
    }

    /// The snapshot, with its times brought up to now.
    fn report(&self) -> Option<StatusReport> {
        let mut report = self.shared.report.lock().ok()?.clone();
        // The snapshot was taken at the last frame; how long ago that was is the screen's health.
        let now = self.clock.seconds();
        report.last_frame_age_seconds = now - report.uptime_seconds;
        report.next_change_in_seconds = report
            .next_change_in_seconds
            .map(|s| (s - report.last_frame_age_seconds).max(0.0));
        report.uptime_seconds = now;
        let wall = chrono::Local::now().fixed_offset();
        for page in &mut report.web_pages {
            page.snapshot_age_seconds = page
                .taken
                .map(|taken| (wall - taken).as_seconds_f64().max(0.0));
        }
        Some(report)
    }

    fn library(&self) -> Arc<Library> {
        self.shared
            .library
            .lock()
            .map(|library| library.1.clone())
            .unwrap_or_default()
    }

    /// The frame on screen, upright, at most a second old.
    fn screen(&self) -> Result<Arc<image::RgbImage>, Answer> {
        // Held while capturing: a request that waits here gets the capture just made.
        let mut latest = self.latest_screenshot.lock().map_err(|_| stopping())?;
        if let Some((at, picture)) = latest.as_ref()
            && at.elapsed() < SCREENSHOT_REUSE
            && let Some(picture) = picture.upgrade()
        {
            return Ok(picture);
        }
        let (reply, captured) = mpsc::channel();
        self.screenshot_requests
            .send(reply)
            .map_err(|_| stopping())?;
        if let Some(proxy) = self.shared.waker.lock().ok().and_then(|p| p.clone()) {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }
        let (image, rotation) = captured.recv_timeout(Duration::from_secs(5)).map_err(|_| {
            Answer::text(
                StatusCode::SERVICE_UNAVAILABLE,
                "no frame came back in 5 s: the player's frames are stuck\n",
            )
        })?;
        let picture = image
            .try_into_dynamic()
            .map(|picture| Arc::new(upright(picture.to_rgb8(), rotation)))
            .map_err(|_| {
                Answer::text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the frame could not be read\n",
                )
            })?;
        *latest = Some((Instant::now(), Arc::downgrade(&picture)));
        Ok(picture)
    }

    fn page(&self) -> Option<Answer> {
        let report = self.report()?;
        let library = self.library();
        let now = chrono::Local::now().naive_local();
        let plan = library.day_plan(now.date());
        let [_, _, width, height] = report.screen.slide_area;
        let (width, height) = thumbnail_size(width, height);
        let strips: BTreeMap<String, Strip> = library
            .entries()
            .map(|(id, entry)| {
                let slides = &entry.playlist.slides;
                let strip = Strip {
                    slides: slides
                        .iter()
                        .enumerate()
                        .take(MOST_THUMBNAILS)
                        .map(|(index, slide)| Thumbnail {
                            url: format!(
                                "/thumbnail/{}/{index}/{width}x{height}.png",
                                entry.revision
                            ),
                            kind: slide.kind_name(),
                            width,
                            height,
                        })
                        .collect(),
                    more: slides.len().saturating_sub(MOST_THUMBNAILS),
                };
                (id.clone(), strip)
            })
            .collect();
        let page = staff_page(&PageView {
            report: &report,
            now,
            plan: &plan,
            strips: &strips,
        });
        Some(Answer::html(StatusCode::OK, page))
    }

    /// `/thumbnail/<revision>/<index>/<width>x<height>.png`.
    fn thumbnail(&self, path: &str) -> Option<Answer> {
        let mut parts = path.strip_suffix(".png")?.split('/');
        let revision: u64 = parts.next()?.parse().ok()?;
        let index: usize = parts.next()?.parse().ok()?;
        let (width, height) = parts.next()?.split_once('x')?;
        let (width, height): (u32, u32) = (width.parse().ok()?, height.parse().ok()?);
        if parts.next().is_some()
            || !(1..=THUMBNAIL_LONG_SIDE).contains(&width)
            || !(1..=THUMBNAIL_LONG_SIDE).contains(&height)
        {
            return None;
        }
        let library = self.library();
        let (_, entry) = library.entries().find(|(_, e)| e.revision == revision)?;
        if index >= entry.playlist.slides.len() {
            return None;
        }
        let key = ThumbnailKey {
            revision,
            index,
            width,
            height,
        };
        Some(match self.thumbnails.get(key, entry) {
            Some(png) => Answer::ok("image/png", png).immutable(),
            None => Answer::text(
                StatusCode::UNPROCESSABLE_ENTITY,
                "this slide cannot be drawn; the page lists its problem\n",
            ),
        })
    }
}

impl Site for PlayerSite {
    fn get(&self, path: &str, _query: &str) -> Option<Answer> {
        Some(match path {
            "/" => self.page()?,
            "/status" => Answer::ok(
                "application/json",
                serde_json::to_vec_pretty(&self.report()?).ok()?,
            ),
            "/metrics" => Answer::ok(
                "text/plain; version=0.0.4",
                metrics_text(&self.counters, &self.report()?, resident_bytes()),
            ),
            "/screenshot" => match self.screen() {
                Ok(picture) => Answer::ok("image/png", encode_png(&picture)?),
                Err(answer) => answer,
            },
            "/screen.jpg" => match self.screen() {
                Ok(picture) => Answer::ok("image/jpeg", encode_page_jpeg(&picture)?),
                Err(answer) => answer,
            },
            "/font/regular.ttf" => {
                Answer::ok("font/ttf", Bytes::from_static(fonts::REGULAR)).immutable()
            }
            "/font/bold.ttf" => Answer::ok("font/ttf", Bytes::from_static(fonts::BOLD)).immutable(),
            _ => self.thumbnail(path.strip_prefix("/thumbnail/")?)?,
        })
    }

    fn waits(&self, path: &str) -> bool {
        matches!(path, "/screenshot" | "/screen.jpg") || path.starts_with("/thumbnail/")
    }

    fn login_page(&self, wrong: bool) -> String {
        login_page(wrong)
    }
}

fn stopping() -> Answer {
    Answer::text(StatusCode::SERVICE_UNAVAILABLE, "the player is stopping\n")
}

/// The window's picture as the viewer sees the panel.
fn upright(window: image::RgbImage, rotation: Rotation) -> image::RgbImage {
    use image::imageops::{rotate90, rotate180, rotate270};
    match rotation {
        Rotation::Upright => window,
        Rotation::Quarter => rotate90(&window),
        Rotation::Half => rotate180(&window),
        Rotation::ThreeQuarters => rotate270(&window),
    }
}

fn encode_png(picture: &image::RgbImage) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .ok()?;
    Some(bytes)
}

fn encode_page_jpeg(picture: &image::RgbImage) -> Option<Vec<u8>> {
    let smaller;
    let picture = if picture.width() > PAGE_SCREENSHOT_WIDTH {
        let height = (picture.height() * PAGE_SCREENSHOT_WIDTH / picture.width()).max(1);
        smaller = image::imageops::resize(
            picture,
            PAGE_SCREENSHOT_WIDTH,
            height,
            image::imageops::FilterType::Triangle,
        );
        &smaller
    } else {
        picture
    };
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(picture)
        .ok()?;
    Some(bytes)
}

/// A thumbnail's size for a slide area: its long side [`THUMBNAIL_LONG_SIDE`], its shape kept.
fn thumbnail_size(width: u32, height: u32) -> (u32, u32) {
    let (width, height) = (width.max(1) as u64, height.max(1) as u64);
    let long = THUMBNAIL_LONG_SIDE as u64;
    if width >= height {
        (long as u32, (height * long / width).max(1) as u32)
    } else {
        ((width * long / height).max(1) as u32, long as u32)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ThumbnailKey {
    revision: u64,
    index: usize,
    width: u32,
    height: u32,
}

struct ThumbnailRequest {
    key: ThumbnailKey,
    entry: Entry,
    reply: mpsc::Sender<Option<Bytes>>,
}

/// Draws thumbnails one at a time on a thread of low priority, with the code that draws the
/// slides, and keeps the latest in a cache of bounded size. A revision is a version of a
/// playlist file, so a changed file gets new thumbnails and the old ones age out.
struct Thumbnails {
    requests: mpsc::Sender<ThumbnailRequest>,
    cache: Arc<Mutex<ThumbnailCache>>,
}

impl Thumbnails {
    fn start() -> Thumbnails {
        let (requests, incoming) = mpsc::channel::<ThumbnailRequest>();
        let cache = Arc::new(Mutex::new(ThumbnailCache::default()));
        let kept = cache.clone();
        let _ = std::thread::Builder::new()
            .name("thumbnails".into())
            .spawn(move || {
                // Below the player's own threads: a page being read must not cost a frame.
                // SAFETY: setpriority with this thread's id only changes this thread's nice value.
                unsafe {
                    libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
                }
                // Made at the first request: a player whose page nobody opens keeps no second
                // set of font caches.
                let mut composer: Option<Composer> = None;
                for request in incoming {
                    let composer = composer.get_or_insert_with(Composer::default);
                    let cached = kept.lock().ok().and_then(|mut c| c.get(request.key));
                    let png = cached.unwrap_or_else(|| {
                        let png = draw_thumbnail(composer, &request.key, &request.entry);
                        if let Ok(mut cache) = kept.lock() {
                            cache.put(request.key, png.clone());
                        }
                        png
                    });
                    let _ = request.reply.send(png);
                }
            });
        Thumbnails { requests, cache }
    }

    /// The thumbnail's PNG, or None if the slide cannot be drawn.
    fn get(&self, key: ThumbnailKey, entry: &Entry) -> Option<Bytes> {
        if let Some(png) = self.cache.lock().ok().and_then(|mut c| c.get(key)) {
            return png;
        }
        let (reply, drawn) = mpsc::channel();
        self.requests
            .send(ThumbnailRequest {
                key,
                entry: entry.clone(),
                reply,
            })
            .ok()?;
        drawn.recv_timeout(Duration::from_secs(20)).ok().flatten()
    }
}

fn draw_thumbnail(composer: &mut Composer, key: &ThumbnailKey, entry: &Entry) -> Option<Bytes> {
    let slide = entry.playlist.slides.get(key.index)?;
    let picture = composer
        .slide(slide, &entry.folder, key.width, key.height)
        .ok()?;
    let image = image::RgbaImage::from_raw(picture.width, picture.height, picture.rgba)?;
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .ok()?;
    Some(bytes.into())
}

/// Thumbnails by key, the least recently used dropped first once they pass
/// [`THUMBNAIL_CACHE_BYTES`]. Slides that cannot be drawn are remembered too, as None.
#[derive(Default)]
struct ThumbnailCache {
    entries: VecDeque<(ThumbnailKey, Option<Bytes>)>,
    bytes: usize,
}

impl ThumbnailCache {
    fn get(&mut self, key: ThumbnailKey) -> Option<Option<Bytes>> {
        let at = self.entries.iter().position(|(k, _)| *k == key)?;
        let entry = self.entries.remove(at)?;
        let png = entry.1.clone();
        self.entries.push_back(entry);
        Some(png)
    }

    fn put(&mut self, key: ThumbnailKey, png: Option<Bytes>) {
        self.bytes += png.as_ref().map_or(0, Bytes::len);
        self.entries.push_back((key, png));
        while self.bytes > THUMBNAIL_CACHE_BYTES
            && let Some((_, dropped)) = self.entries.pop_front()
        {
            self.bytes -= dropped.as_ref().map_or(0, Bytes::len);
        }
        // Failures cost no bytes; keep their number bounded too.
        while self.entries.len() > 4096 {
            if let Some((_, dropped)) = self.entries.pop_front() {
                self.bytes -= dropped.as_ref().map_or(0, Bytes::len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_keep_the_slide_area_shape() {
        assert_eq!(thumbnail_size(1920, 1080), (384, 216));
        assert_eq!(thumbnail_size(1080, 1920), (216, 384));
        assert_eq!(thumbnail_size(1280, 620), (384, 186));
        assert_eq!(thumbnail_size(0, 0), (384, 384));
    }

    #[test]
    fn the_thumbnail_cache_drops_the_least_recently_used_past_its_size() {
        let key = |index| ThumbnailKey {
            revision: 1,
            index,
            width: 384,
            height: 216,
        };
        let png = Bytes::from(vec![0u8; THUMBNAIL_CACHE_BYTES / 3]);
        let mut cache = ThumbnailCache::default();
        cache.put(key(0), Some(png.clone()));
        cache.put(key(1), Some(png.clone()));
        cache.put(key(2), None);
        cache.put(key(3), Some(png.clone()));
        assert!(cache.get(key(0)).is_some(), "three thirds fit");
        cache.put(key(4), Some(png.clone()));
        assert_eq!(cache.get(key(1)), None, "the least recently used went");
        assert!(cache.get(key(0)).is_some());
        assert_eq!(cache.get(key(2)), Some(None), "a failure is remembered");
        assert!(cache.bytes <= THUMBNAIL_CACHE_BYTES);
    }
}
