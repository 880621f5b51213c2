//! Web pages for `Web` slides: a thread takes each page's snapshot ahead of its slide, at the
//! slide area's size, and again every `refresh_seconds`. The last good one is kept in the cache
//! with when it was taken, so it shows while the site is down and after a restart.
//!
//! The page's own answer is asked first with the player's HTTP client: a site that is down or
//! answers with an error page keeps the last good snapshot, where Chromium would have drawn the
//! error page. Chromium then draws it in a drawing process (`compose::web_page`).

use super::folder::LibraryChange;
use super::sync::{error_chain, http_client};
use super::watch::{Deliver, SourceStatus};
use crate::compose::media_process::{self, Job, Request};
use crate::core::web::{PageSnapshot, WebPage};
use chrono::Local;
use reqwest::blocking::Client;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The seconds a page has to load: three times a file's drawing time, as Chromium starts and
/// the page loads its parts from the network.
pub fn page_seconds() -> f32 {
    media_process::limits().seconds * 3.0
}

/// The pages the playlists show, each with how often it is taken again, and the slide area's
/// size in pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WantedPages {
    pub pages: BTreeMap<WebPage, u32>,
    pub size: (u32, u32),
}

/// One page's state, for `/status` and the staff page.
#[derive(Clone, Debug, Default)]
pub struct WebPageStatus {
    /// `origin` is the page's address.
    pub source: SourceStatus,
    pub zoom: f32,
    /// The last good snapshot.
    pub snapshot: Option<PageSnapshot>,
    /// How long the last good snapshot took, asking the page and Chromium's drawing together.
    pub seconds: Option<f32>,
}

pub type SharedWebStatus = Arc<Mutex<Vec<WebPageStatus>>>;

struct Page {
    refresh: Duration,
    due: Instant,
    snapshot: Option<PageSnapshot>,
}

/// The pages and where their snapshots are kept.
pub struct WebWatch {
    client: Client,
    /// `<cache>/web`: a PNG and its facts (JSON) per page, by a digest of its address and zoom.
    store: PathBuf,
    /// Seconds a page has to load.
    seconds: f32,
    size: (u32, u32),
    pages: BTreeMap<WebPage, Page>,
    status: SharedWebStatus,
}

impl WebWatch {
    /// Keeps snapshots in `store`, giving each page `seconds` to load.
    pub fn new(store: PathBuf, seconds: f32, status: SharedWebStatus) -> Result<WebWatch, String> {
        let client = http_client(Duration::from_secs_f32(seconds))
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(WebWatch {
            client,
            store,
            seconds,
            size: (0, 0),
            pages: BTreeMap::new(),
            status,
        })
    }

    /// Shows exactly these pages at this size from now on. A new page starts with the snapshot
    /// kept from before, if any, and is taken again at once if that one is due or of another size.
    pub fn follow(&mut self, wanted: &WantedPages) -> Vec<LibraryChange> {
        let now = Instant::now();
        self.pages.retain(|page, _| wanted.pages.contains_key(page));
        self.size = wanted.size;
        let mut changes = Vec::new();
        for (page, &refresh_seconds) in &wanted.pages {
            let refresh = Duration::from_secs(u64::from(refresh_seconds));
            if let Some(known) = self.pages.get_mut(page) {
                known.refresh = refresh;
                if known
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| (s.width, s.height) != self.size)
                {
                    known.due = now;
                }
                continue;
            }
            let snapshot = kept(&self.store, page);
            let due = match &snapshot {
                Some(s) if (s.width, s.height) == self.size => {
                    let age = (Local::now().fixed_offset() - s.taken)
                        .to_std()
                        .unwrap_or_default();
                    now + refresh.saturating_sub(age)
                }
                _ => now,
            };
            if let Some(snapshot) = &snapshot {
                changes.push(LibraryChange::Snapshot {
                    page: page.clone(),
                    snapshot: snapshot.clone(),
                });
            }
            self.pages.insert(
                page.clone(),
                Page {
                    refresh,
                    due,
                    snapshot,
                },
            );
        }
        if let Ok(mut status) = self.status.lock() {
            status.retain(|s| {
                self.pages
                    .keys()
                    .any(|p| p.url == s.source.origin && p.zoom() == s.zoom)
            });
            for (page, known) in &self.pages {
                if !status
                    .iter()
                    .any(|s| s.source.origin == page.url && s.zoom == page.zoom())
                {
                    status.push(WebPageStatus {
                        source: SourceStatus {
                            origin: page.url.clone(),
                            ..SourceStatus::default()
                        },
                        zoom: page.zoom(),
                        snapshot: known.snapshot.clone(),
                        seconds: None,
                    });
                }
            }
        }
        changes
    }

    /// Takes the snapshots due by `now`; the new ones.
    pub fn poll(&mut self, now: Instant) -> Vec<LibraryChange> {
        let due: Vec<WebPage> = self
            .pages
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(page, _)| page.clone())
            .collect();
        let mut changes = Vec::new();
        for page in due {
            let started = Instant::now();
            let outcome = self.take(&page);
            let Some(known) = self.pages.get_mut(&page) else {
                continue;
            };
            known.due = Instant::now() + known.refresh;
            let seconds = started.elapsed().as_secs_f32();
            match &outcome {
                Ok(snapshot) => {
                    tracing::info!("{}: snapshot taken in {seconds:.1} s", page.url);
                    known.snapshot = Some(snapshot.clone());
                    changes.push(LibraryChange::Snapshot {
                        page: page.clone(),
                        snapshot: snapshot.clone(),
                    });
                }
                Err(error) => tracing::warn!("{error}; its last good snapshot stays"),
            }
            if let Ok(mut status) = self.status.lock()
                && let Some(status) = status
                    .iter_mut()
                    .find(|s| s.source.origin == page.url && s.zoom == page.zoom())
            {
                match outcome {
                    Ok(snapshot) => {
                        status.source.last_success = Some(Local::now());
                        status.source.checks_ok += 1;
                        status.snapshot = Some(snapshot);
                        status.seconds = Some(seconds);
                    }
                    Err(error) => {
                        status.source.last_error = Some(error);
                        status.source.last_error_at = Some(Local::now());
                        status.source.checks_failed += 1;
                    }
                }
            }
        }
        changes
    }

    /// When the next page is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.pages.values().map(|p| p.due).min()
    }

    /// Asks the page, then has Chromium draw it; the snapshot kept.
    fn take(&self, page: &WebPage) -> Result<PageSnapshot, String> {
        let (width, height) = self.size;
        if width == 0 || height == 0 {
            return Err(format!("{}: the slide area has no size yet", page.url));
        }
        let answer = self
            .client
            .get(&page.url)
            .send()
            .map_err(|e| match e.is_timeout() {
                true => format!("{} did not answer within {:.0} s", page.url, self.seconds),
                false => format!("cannot reach {}: {}", page.url, error_chain(&e)),
            })?;
        if !answer.status().is_success() {
            return Err(format!("{} answered {}", page.url, answer.status()));
        }
        drop(answer);
        std::fs::create_dir_all(&self.store)
            .map_err(|e| format!("cannot make {}: {e}", self.store.display()))?;
        let file = self.store.join(page.file_name());
        let request = Request {
            path: file.clone(),
            shown_as: page.url.clone().into(),
            job: Job::WebPage {
                url: page.url.clone(),
                zoom: page.zoom(),
                seconds: self.seconds,
            },
            width,
            height,
        };
        media_process::draw(&request).map_err(|e| e.to_string())?;
        let snapshot = PageSnapshot {
            file: file.clone(),
            taken: Local::now().fixed_offset(),
            width,
            height,
        };
        let facts = file.with_extension("json");
        let json = serde_json::to_vec(&snapshot).expect("a snapshot serializes");
        if let Err(error) = std::fs::write(&facts, json) {
            tracing::warn!(
                "cannot keep the facts of {}'s snapshot in {}: {error}",
                page.url,
                facts.display()
            );
        }
        Ok(snapshot)
    }
}

/// The snapshot kept for `page`, if its facts and its picture are both there.
fn kept(store: &Path, page: &WebPage) -> Option<PageSnapshot> {
    let file = store.join(page.file_name());
    let text = std::fs::read_to_string(file.with_extension("json")).ok()?;
    let snapshot: PageSnapshot = serde_json::from_str(&text).ok()?;
    (snapshot.file == file && file.is_file()).then_some(snapshot)
}

/// Starts the thread that takes the pages' snapshots; the player sends it the pages the
/// playlists show, and the slide area's size, whenever either changes.
pub fn watch_web(
    store: PathBuf,
    status: SharedWebStatus,
    mut deliver: Deliver,
) -> Option<Sender<WantedPages>> {
    let (sender, receiver): (Sender<WantedPages>, Receiver<_>) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("web pages".into())
        .spawn(move || {
            let mut watch = match WebWatch::new(store, page_seconds(), status) {
                Ok(watch) => watch,
                Err(error) => {
                    tracing::error!("{error}: web pages are not shown");
                    return;
                }
            };
            loop {
                let wait = watch.next_due().map_or(Duration::from_secs(3600), |due| {
                    due.saturating_duration_since(Instant::now())
                });
                let (mut changes, polled) = match receiver.recv_timeout(wait) {
                    Ok(wanted) => (watch.follow(&wanted), false),
                    Err(RecvTimeoutError::Timeout) => (Vec::new(), true),
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                changes.extend(watch.poll(Instant::now()));
                // Even with no new snapshot, a poll changed the pages' state: the player wakes
                // to show it in `/status`.
                if (polled || !changes.is_empty()) && !deliver(changes) {
                    return;
                }
            }
        });
    match spawned {
        Ok(_) => Some(sender),
        Err(error) => {
            tracing::error!("cannot start the web pages' thread: {error}");
            None
        }
    }
}
