//! News feeds, by HTTP(S): a thread polls each feed a ticker line or `Feed` slide names, at
//! most every 5 minutes, with `If-None-Match`/`If-Modified-Since`, and hands the player its
//! newest items. The last good items are kept in the cache, so they show offline and after a
//! restart.

use super::folder::LibraryChange;
use super::sync::{error_chain, header, http_client, limited_body};
use super::watch::{Deliver, SourceStatus};
use crate::core::news::{MAX_FEED_BYTES, News, NewsItem, feed_items};
use chrono::Local;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A feed is asked again at most this often: news does not change by the minute, and a ward's
/// web server should not see every screen every minute.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Each feed's state, for `/status` and the staff page.
pub type SharedNewsStatus = Arc<Mutex<Vec<SourceStatus>>>;

/// One feed as the thread follows it.
struct Feed {
    due: Instant,
    etag: Option<String>,
    modified: Option<String>,
    news: Option<News>,
}

/// The feeds and where their items are kept.
pub struct NewsWatch {
    client: Client,
    /// `<cache>/news`: one file per feed, by a digest of its address; none for `preview`.
    store: Option<PathBuf>,
    feeds: BTreeMap<String, Feed>,
    status: SharedNewsStatus,
    interval: Duration,
}

impl NewsWatch {
    pub fn new(
        store: Option<PathBuf>,
        status: SharedNewsStatus,
        interval: Duration,
    ) -> Result<NewsWatch, String> {
        let client = http_client(Duration::from_secs(20))
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(NewsWatch {
            client,
            store,
            feeds: BTreeMap::new(),
            status,
            interval,
        })
    }

    /// Follows exactly these feeds from now on; a new one starts with the items kept from
    /// before, if any, and is polled at once.
    pub fn follow(&mut self, addresses: &BTreeSet<String>) -> Vec<LibraryChange> {
        self.feeds.retain(|address, _| addresses.contains(address));
        let mut changes = Vec::new();
        for address in addresses {
            if self.feeds.contains_key(address) {
                continue;
            }
            let news: Option<News> = self.store.as_ref().and_then(|store| {
                let text = std::fs::read_to_string(store.join(kept_name(address))).ok()?;
                serde_json::from_str(&text).ok()
            });
            if let Some(news) = &news {
                changes.push(LibraryChange::News {
                    address: address.clone(),
                    news: news.clone(),
                });
            }
            self.feeds.insert(
                address.clone(),
                Feed {
                    due: Instant::now(),
                    etag: None,
                    modified: None,
                    news,
                },
            );
        }
        if let Ok(mut status) = self.status.lock() {
            status.retain(|s| addresses.contains(&s.origin));
            for address in addresses {
                if !status.iter().any(|s| &s.origin == address) {
                    status.push(SourceStatus {
                        origin: address.clone(),
                        ..SourceStatus::default()
                    });
                }
            }
        }
        changes
    }

    /// Polls the feeds due by `now`; the changes of items.
    pub fn poll(&mut self, now: Instant) -> Vec<LibraryChange> {
        let mut changes = Vec::new();
        let due: Vec<String> = self
            .feeds
            .iter()
            .filter(|(_, f)| f.due <= now)
            .map(|(a, _)| a.clone())
            .collect();
        for address in due {
            let result = self.poll_feed(&address, now);
            let Some(feed) = self.feeds.get_mut(&address) else {
                continue;
            };
            let (outcome, bytes) = match result {
                Ok((Some(items), bytes)) if feed.news.as_ref().is_none_or(|n| n.items != items) => {
                    let news = News {
                        items,
                        updated: Local::now().fixed_offset(),
                    };
                    if let Some(kept) = self.store.as_ref().map(|s| s.join(kept_name(&address)))
                        && let Err(error) = keep(&kept, &news)
                    {
                        tracing::warn!(
                            "cannot keep the news of {address} in {}: {error}",
                            kept.display()
                        );
                    }
                    changes.push(LibraryChange::News {
                        address: address.clone(),
                        news: news.clone(),
                    });
                    feed.news = Some(news);
                    (Ok(()), bytes)
                }
                Ok((_, bytes)) => (Ok(()), bytes),
                Err((error, bytes)) => {
                    tracing::warn!("{error}; its last good items stay");
                    (Err(error), bytes)
                }
            };
            if let Ok(mut status) = self.status.lock()
                && let Some(status) = status.iter_mut().find(|s| s.origin == address)
            {
                status.bytes_downloaded += bytes;
                match outcome {
                    Ok(()) => {
                        status.last_success = Some(Local::now());
                        status.checks_ok += 1;
                    }
                    Err(error) => {
                        status.last_error = Some(error);
                        status.last_error_at = Some(Local::now());
                        status.checks_failed += 1;
                    }
                }
            }
        }
        changes
    }

    /// When the next feed is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.feeds.values().map(|f| f.due).min()
    }

    /// The feed's newest items, `None` if unchanged (304), with the bytes its body took.
    fn poll_feed(
        &mut self,
        address: &str,
        now: Instant,
    ) -> Result<(Option<Vec<NewsItem>>, u64), (String, u64)> {
        let Some(feed) = self.feeds.get_mut(address) else {
            return Ok((None, 0));
        };
        feed.due = now + self.interval;
        let mut request = self.client.get(address);
        if let Some(etag) = &feed.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &feed.modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let response = request
            .send()
            .map_err(|e| (format!("cannot fetch {address}: {}", error_chain(&e)), 0))?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok((None, 0));
        }
        let validators = (header(&response, ETAG), header(&response, LAST_MODIFIED));
        let body =
            limited_body(address, response, MAX_FEED_BYTES).map_err(|e| (e.into_message(), 0))?;
        let bytes = body.len() as u64;
        let items = feed_items(&body).map_err(|e| (format!("{address}: {e}"), bytes))?;
        (feed.etag, feed.modified) = validators;
        Ok((Some(items), bytes))
    }
}

fn kept_name(address: &str) -> String {
    let digest = sha2::Sha256::digest(address.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{hex}.txt")
}

/// Writes a feed's news in place of the file's old one.
fn keep(path: &Path, news: &News) -> std::io::Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(
        &temporary,
        serde_json::to_vec(news).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&temporary, path)
}

/// Starts the thread that follows the news feeds; the player sends it the set of feeds the
/// ticker names whenever that changes.
pub fn watch_news(
    store: PathBuf,
    status: SharedNewsStatus,
    mut deliver: Deliver,
) -> Option<Sender<BTreeSet<String>>> {
    let (sender, receiver): (Sender<BTreeSet<String>>, Receiver<_>) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("news".into())
        .spawn(move || {
            let mut watch = match NewsWatch::new(Some(store), status, POLL_INTERVAL) {
                Ok(watch) => watch,
                Err(error) => {
                    tracing::error!("{error}: news feeds are not followed");
                    return;
                }
            };
            loop {
                let wait = watch.next_due().map_or(Duration::from_secs(3600), |due| {
                    due.saturating_duration_since(Instant::now())
                });
                let mut changes = match receiver.recv_timeout(wait) {
                    Ok(addresses) => watch.follow(&addresses),
                    Err(RecvTimeoutError::Timeout) => Vec::new(),
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                changes.extend(watch.poll(Instant::now()));
                if !changes.is_empty() && !deliver(changes) {
                    return;
                }
            }
        });
    match spawned {
        Ok(_) => Some(sender),
        Err(error) => {
            tracing::error!("cannot start the news thread: {error}");
            None
        }
    }
}
