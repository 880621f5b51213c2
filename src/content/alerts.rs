//! Official warnings by HTTP(S): polls JMA's Atom feeds and CAP sources on a thread of their
//! own and hands the player an emergency playlist while an alert at the takeover level is in
//! force, and ticker lines below it (`core::alerts` decides; this only fetches).
//!
//! JMA asks for its feeds once a minute at most, with `If-Modified-Since`, and blocks clients
//! that fetch the same document twice; so a document is fetched once by its entry id, only if
//! its type and office can concern this screen, and of several snapshots of one series in a
//! feed only the newest. After more than 10 minutes without the feeds (or at start) the
//! long-period `_l` feeds, which hold days, are read too.

use super::folder::LibraryChange;
use super::sync::{Fetch, error_chain, header, http_client, limited_body};
use super::watch::{Deliver, SourceStatus};
use crate::core::alerts::cap::{self, CapBook, MAX_CAP_BYTES};
use crate::core::alerts::jma::{
    self, Applied, DataType, FeedEntry, Interest, JmaBook, MAX_DOCUMENT_BYTES, MAX_FEED_BYTES,
};
use crate::core::alerts::{
    self, ALERTS_ID, Alert, AlertsConfig, CapSourceConfig, Freshness, JmaConfig, Screenful,
};
use crate::core::playlist::Playlist;
use chrono::{Local, TimeDelta, Timelike};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use sha2::Digest;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// After this long without the high-frequency feeds, entries may have scrolled out of them.
const FEED_MEMORY: Duration = Duration::from_secs(10 * 60);
/// Entry ids remembered as taken: far more than the feeds hold, so nothing is fetched twice.
const SEEN_IDS: usize = 20_000;
/// At most this many kept documents are read at start: a screen's series are a few dozen.
const MAX_KEPT: usize = 500;

/// What the alert sources did and what is in force, for `/status`, `/metrics` and the staff page.
#[derive(Clone, Debug, Default)]
pub struct AlertStatus {
    /// One per source: the JMA feeds first, then each CAP source.
    pub feeds: Vec<SourceStatus>,
    /// In force now, most severe first: those that take the screen over, and the ticker's.
    pub screen: Screenful,
    /// Documents fetched and read (JMA documents, CAP messages).
    pub documents: u64,
    /// Per source: when its feeds last answered, and whether they did at the latest poll.
    pub reached: Vec<(Option<chrono::DateTime<Local>>, bool)>,
}

pub type SharedAlertStatus = Arc<Mutex<AlertStatus>>;

/// The alert sources of one screen and what they hold.
pub struct AlertWatch {
    client: Client,
    takeover_level: u8,
    drills: bool,
    jma: Option<JmaFeeds>,
    caps: Vec<CapFeed>,
    /// Where the generated playlist is said to live (it names no media).
    folder: PathBuf,
    delivered: (Option<Playlist>, Vec<String>),
    status: SharedAlertStatus,
}

impl AlertWatch {
    /// The sources of `config`. With a `store`, the documents held are kept there for the next
    /// start (`alerts --once` keeps none).
    pub fn new(
        config: &AlertsConfig,
        store: Option<PathBuf>,
        status: SharedAlertStatus,
    ) -> Result<AlertWatch, String> {
        let folder = store.clone().unwrap_or_else(|| PathBuf::from("/"));
        let client = http_client(Duration::from_secs(30))
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        let jma = config
            .jma
            .as_ref()
            .map(|jma| JmaFeeds::new(jma, store.map(|store| store.join("jma"))));
        let caps: Vec<CapFeed> = config.cap.iter().map(CapFeed::new).collect();
        if let Ok(mut status) = status.lock() {
            status.feeds = jma
                .iter()
                .map(|j| j.base.clone())
                .chain(caps.iter().map(|c| c.config.url.clone()))
                .map(|origin| SourceStatus {
                    origin,
                    ..SourceStatus::default()
                })
                .collect();
            status.reached = vec![(None, true); status.feeds.len()];
        }
        Ok(AlertWatch {
            client,
            takeover_level: config.takeover_level(),
            drills: config.jma.as_ref().is_some_and(|j| j.drills),
            jma,
            caps,
            folder,
            delivered: (None, Vec::new()),
            status,
        })
    }

    /// Polls every source due by `now` (all of them with `everything`), and returns the library
    /// changes that bring the screen in line, if any.
    pub fn poll(&mut self, now: Instant, everything: bool) -> Vec<LibraryChange> {
        let client = &self.client;
        let mut results = Vec::new();
        if let Some(jma) = &mut self.jma {
            results.push((everything || jma.due <= now).then(|| jma.poll(client, now)));
        }
        for cap in &mut self.caps {
            results.push((everything || cap.due <= now).then(|| cap.poll(client, now)));
        }
        if let Ok(mut status) = self.status.lock() {
            for (index, result) in results.into_iter().enumerate() {
                record(&mut status, index, result);
            }
        }
        self.changes()
    }

    /// When the next source is due.
    pub fn next_due(&self) -> Instant {
        self.jma
            .iter()
            .map(|j| j.due)
            .chain(self.caps.iter().map(|c| c.due))
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(60))
    }

    /// What the screen should do with the alerts in force now.
    fn changes(&mut self) -> Vec<LibraryChange> {
        let now = Local::now().fixed_offset();
        let mut in_force: Vec<Alert> = self.jma.iter().flat_map(|j| j.book.alerts()).collect();
        for cap in &self.caps {
            in_force.extend(cap.book.alerts(
                (cap.config.latitude, cap.config.longitude),
                now,
                self.drills,
            ));
        }
        let screen = alerts::sort_out(in_force, now, self.takeover_level);
        let freshness = self.freshness();
        let playlist = alerts::emergency_playlist(&screen.takeover, now, freshness);
        let ticker = alerts::ticker_lines(&screen.ticker, now);
        if let Ok(mut status) = self.status.lock() {
            status.screen = screen.clone();
        }
        let mut changes = Vec::new();
        let (delivered_playlist, delivered_ticker) = &self.delivered;
        if playlist != *delivered_playlist {
            changes.push(match &playlist {
                Some(playlist) => {
                    let names: Vec<&str> =
                        screen.takeover.iter().map(|a| a.name.as_str()).collect();
                    tracing::warn!(
                        "official warning: the screen shows 「{}」",
                        names.join("・")
                    );
                    LibraryChange::Loaded {
                        id: ALERTS_ID.into(),
                        playlist: playlist.clone(),
                        folder: self.folder.clone(),
                        warnings: Vec::new(),
                    }
                }
                None => {
                    tracing::info!("official warning: nothing takes the screen over any more");
                    LibraryChange::Removed {
                        id: ALERTS_ID.into(),
                    }
                }
            });
        }
        // Removing the playlist removes its ticker lines with it.
        if ticker != *delivered_ticker
            || (playlist.is_none() && delivered_playlist.is_some() && !ticker.is_empty())
        {
            changes.push(LibraryChange::Ticker {
                id: ALERTS_ID.into(),
                messages: ticker.clone(),
            });
        }
        self.delivered = (playlist, ticker);
        changes
    }

    /// Whether a source cannot be reached now, and since when it has not been (the oldest).
    fn freshness(&self) -> Freshness {
        let Ok(status) = self.status.lock() else {
            return Freshness {
                last_checked: None,
                unreachable: false,
            };
        };
        let unreachable = || status.reached.iter().filter(|(_, now)| !now);
        Freshness {
            last_checked: unreachable()
                .filter_map(|(last, _)| *last)
                .min()
                .map(|t| t.fixed_offset()),
            unreachable: unreachable().next().is_some(),
        }
    }
}

/// What one source's poll came to.
#[derive(Default)]
struct Polled {
    /// Every problem of the poll, if any.
    error: Option<String>,
    /// Whether the source's feeds answered (a broken document does not make it unreachable).
    reached: bool,
    bytes: u64,
    documents: u64,
}

fn record(status: &mut AlertStatus, index: usize, result: Option<Polled>) {
    let (Some(result), Some(feed)) = (result, status.feeds.get_mut(index)) else {
        return;
    };
    let now = Local::now();
    feed.bytes_downloaded += result.bytes;
    match result.error {
        None => {
            feed.last_success = Some(now);
            feed.checks_ok += 1;
        }
        Some(error) => {
            tracing::warn!("{error}; what is on screen stays");
            feed.last_error = Some(error);
            feed.last_error_at = Some(now);
            feed.checks_failed += 1;
        }
    }
    status.documents += result.documents;
    if let Some(reached) = status.reached.get_mut(index) {
        *reached = (
            if result.reached { Some(now) } else { reached.0 },
            result.reached,
        );
    }
}

/// JMA's feeds and the book of what they said.
struct JmaFeeds {
    base: String,
    interest: Interest,
    drills: bool,
    poll: Duration,
    due: Instant,
    book: JmaBook,
    /// `Last-Modified` of each feed, sent back as `If-Modified-Since`.
    modified: HashMap<String, String>,
    seen: Seen,
    /// Documents whose download failed, tried again at the next poll (for 10 minutes).
    retry: Vec<(FeedEntry, DataType, Instant)>,
    /// When the high-frequency feeds last all answered.
    last_read: Option<Instant>,
    /// The text of the document held for each series, kept on disk in `store`.
    kept: BTreeMap<String, (DataType, String)>,
    store: Option<PathBuf>,
}

impl JmaFeeds {
    /// The feeds of `config`, with the documents kept in `store` by an earlier run taken in again:
    /// a screen that restarts during a warning (a power cut in a typhoon) shows it at once,
    /// before the network is back.
    fn new(config: &JmaConfig, store: Option<PathBuf>) -> JmaFeeds {
        let mut base = config.feeds.clone();
        if !base.ends_with('/') {
            base.push('/');
        }
        let mut feeds = JmaFeeds {
            base,
            interest: Interest::from_config(config),
            drills: config.drills,
            poll: Duration::from_secs(config.poll_seconds.into()),
            due: Instant::now(),
            book: JmaBook::default(),
            modified: HashMap::new(),
            seen: Seen::default(),
            retry: Vec::new(),
            last_read: None,
            kept: BTreeMap::new(),
            store,
        };
        feeds.take_in_kept();
        feeds
    }

    fn take_in_kept(&mut self) {
        let Some(Ok(files)) = self.store.as_ref().map(std::fs::read_dir) else {
            return;
        };
        for path in files.flatten().map(|f| f.path()).take(MAX_KEPT) {
            let data_type = path
                .file_name()
                .and_then(|n| n.to_str()?.split('-').next())
                .and_then(DataType::from_code);
            let text = crate::content::read_text(&path, MAX_DOCUMENT_BYTES).ok();
            let document = data_type.zip(text).and_then(|(data_type, text)| {
                let document = jma::parse_document(&text, data_type, &self.interest).ok()?;
                Some((document, data_type, text))
            });
            match document {
                Some((document, data_type, text)) => {
                    let series = document.series();
                    self.book.apply(document, self.drills);
                    self.kept.insert(series, (data_type, text));
                }
                None => tracing::warn!(
                    "{} is not a document the player kept; it goes at the next change",
                    path.display()
                ),
            }
        }
        if !self.kept.is_empty() {
            tracing::info!(
                "{} JMA documents kept from before taken in again",
                self.kept.len()
            );
        }
    }

    /// Writes the documents held to the store, and removes those no longer held. A store that
    /// cannot be written (a read-only or full disk) costs only the restart's head start.
    fn keep(&mut self) {
        let Some(store) = &self.store else { return };
        let book = &self.book;
        self.kept.retain(|series, _| book.holds(series));
        let file_name = |series: &str, data_type: DataType| {
            let digest = sha2::Sha256::digest(series.as_bytes());
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("{}-{hex}.xml", data_type.code())
        };
        let wanted: HashSet<String> = self
            .kept
            .iter()
            .map(|(series, (data_type, _))| file_name(series, *data_type))
            .collect();
        let written = std::fs::create_dir_all(store).and_then(|()| {
            for (series, (data_type, text)) in &self.kept {
                let path = store.join(file_name(series, *data_type));
                if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
                    continue;
                }
                let temporary = path.with_extension("tmp");
                std::fs::write(&temporary, text)?;
                std::fs::rename(&temporary, &path)?;
            }
            for old in std::fs::read_dir(store)?.flatten() {
                if !old
                    .file_name()
                    .to_str()
                    .is_some_and(|name| wanted.contains(name))
                {
                    std::fs::remove_file(old.path())?;
                }
            }
            Ok(())
        });
        if let Err(error) = written {
            tracing::warn!(
                "cannot keep the JMA documents in {}: {error}",
                store.display()
            );
        }
    }

    fn poll(&mut self, client: &Client, now: Instant) -> Polled {
        self.due = next_poll(now, self.poll);
        let mut feeds = Vec::new();
        if !self.interest.areas.is_empty() {
            feeds.push("extra");
        }
        if !self.interest.earthquake_areas.is_empty() || !self.interest.tsunami_areas.is_empty() {
            feeds.push("eqvol");
        }
        let gap = self
            .last_read
            .is_none_or(|read| now.duration_since(read) > FEED_MEMORY);
        let (mut bytes, mut errors, mut entries) = (0, Vec::new(), Vec::new());
        for feed in &feeds {
            let names = if gap {
                vec![format!("{feed}_l.xml"), format!("{feed}.xml")]
            } else {
                vec![format!("{feed}.xml")]
            };
            for name in names {
                match self.read_feed(client, &name) {
                    Ok((read, body_bytes)) => {
                        bytes += body_bytes;
                        entries.extend(read);
                    }
                    Err(error) => errors.push(error),
                }
            }
        }
        let read_all = errors.is_empty();
        if read_all {
            self.last_read = Some(now);
        }
        let wanted = self.choose(entries, now);
        let mut documents = 0;
        for (entry, data_type) in wanted {
            match self.take_document(client, &entry, data_type) {
                Ok(document_bytes) => {
                    bytes += document_bytes;
                    documents += 1;
                    self.seen.insert(&entry.id);
                }
                Err(Fetch::Broken(error)) => {
                    // Garbage stays garbage: it is not fetched again.
                    self.seen.insert(&entry.id);
                    errors.push(error);
                }
                Err(Fetch::Unreachable(error)) => {
                    if !self.retry.iter().any(|(e, ..)| e.id == entry.id) {
                        self.retry.push((entry, data_type, now));
                    }
                    errors.push(error);
                }
            }
        }
        self.book
            .forget_before(Local::now().fixed_offset() - TimeDelta::days(1));
        if documents > 0
            || self.kept.len() != self.kept.keys().filter(|s| self.book.holds(s)).count()
        {
            self.keep();
        }
        Polled {
            error: (!errors.is_empty()).then(|| errors.join("; ")),
            reached: read_all,
            bytes,
            documents,
        }
    }

    /// The entries to download: new, of a type and office that can concern this screen, and of
    /// several snapshots of one series only the newest (an earthquake only while it would
    /// still show). Those passed over are remembered as taken.
    fn choose(&mut self, entries: Vec<FeedEntry>, now: Instant) -> Vec<(FeedEntry, DataType)> {
        self.retry
            .retain(|(.., since)| now.duration_since(*since) < FEED_MEMORY);
        let mut newest: HashMap<(String, String), (FeedEntry, DataType)> = HashMap::new();
        let oldest_quake = Local::now().fixed_offset()
            - TimeDelta::minutes(self.interest.earthquake_minutes.into());
        let retry = std::mem::take(&mut self.retry)
            .into_iter()
            .map(|(entry, data_type, _)| (entry, Some(data_type)));
        for (entry, data_type) in retry.chain(entries.into_iter().map(|e| (e, None))) {
            let Some(data_type) = data_type.or_else(|| self.interest.wants(&entry)) else {
                continue;
            };
            if self.seen.contains(&entry.id) {
                continue;
            }
            let series = match data_type {
                // An earthquake's series is inside the document (its EventID): each is fetched
                // while it would still show.
                DataType::Earthquake(_)
                    if entry.updated.is_some_and(|updated| updated < oldest_quake) =>
                {
                    self.seen.insert(&entry.id);
                    continue;
                }
                DataType::Earthquake(_) => (entry.id.clone(), String::new()),
                // A drill document of the same type and office would hide a real one here;
                // drills are rare and announced, and a real document follows within the hour.
                DataType::Tsunami => (data_type.code(), String::new()),
                _ => (data_type.code(), entry.office.clone()),
            };
            match newest.get(&series) {
                Some((held, _)) if held.updated >= entry.updated => self.seen.insert(&entry.id),
                _ => {
                    if let Some((older, _)) = newest.insert(series, (entry, data_type)) {
                        self.seen.insert(&older.id);
                    }
                }
            }
        }
        let mut chosen: Vec<_> = newest.into_values().collect();
        chosen.sort_by_key(|(entry, ..)| entry.updated);
        chosen
    }

    fn read_feed(&mut self, client: &Client, name: &str) -> Result<(Vec<FeedEntry>, u64), String> {
        let url = format!("{}{name}", self.base);
        let mut request = client.get(&url);
        if let Some(modified) = self.modified.get(name) {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let response = request.send().map_err(|e| unreachable(&url, &e))?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok((Vec::new(), 0));
        }
        let modified = header(&response, LAST_MODIFIED);
        let text = text_body(&url, response, MAX_FEED_BYTES).map_err(Fetch::into_message)?;
        let entries = jma::parse_feed(&text).map_err(|e| format!("{url}: {e}"))?;
        match modified {
            Some(modified) => self.modified.insert(name.to_string(), modified),
            None => self.modified.remove(name),
        };
        Ok((entries, text.len() as u64))
    }

    fn take_document(
        &mut self,
        client: &Client,
        entry: &FeedEntry,
        data_type: DataType,
    ) -> Result<u64, Fetch> {
        let response = client
            .get(&entry.link)
            .send()
            .map_err(|e| Fetch::Unreachable(unreachable(&entry.link, &e)))?;
        let text = text_body(&entry.link, response, MAX_DOCUMENT_BYTES)?;
        let document = jma::parse_document(&text, data_type, &self.interest)
            .map_err(|e| Fetch::Broken(format!("{}: {e}", entry.link)))?;
        let (sent, office, series) = (document.sent, document.office.clone(), document.series());
        let applied = self.book.apply(document, self.drills);
        if matches!(applied, Applied::Replaced | Applied::Cancelled) {
            self.kept.insert(series, (data_type, text.clone()));
        }
        tracing::info!(
            "JMA {} from {office}, sent {sent}: {applied:?}",
            data_type.code()
        );
        Ok(text.len() as u64)
    }
}

/// The next poll after one at `now`. Once a minute or slower, polls fall at second 20 of the
/// minute, as JMA asks (the feeds are rewritten around the minute).
fn next_poll(now: Instant, every: Duration) -> Instant {
    if every.as_secs() < 60 || !every.as_secs().is_multiple_of(60) {
        return now + every;
    }
    let second = i64::from(Local::now().second());
    let to_twenty = (20 - second).rem_euclid(60);
    let early = every.as_secs() as i64 - 30;
    let wait = to_twenty + 60 * ((early - to_twenty + 59).max(0) / 60);
    now + Duration::from_secs(wait as u64)
}

/// Entry ids taken, oldest forgotten first.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    fn insert(&mut self, id: &str) {
        if self.ids.insert(id.to_string()) {
            self.order.push_back(id.to_string());
            if self.order.len() > SEEN_IDS
                && let Some(old) = self.order.pop_front()
            {
                self.ids.remove(&old);
            }
        }
    }
}

/// One CAP source: a document of one alert, or an Atom feed whose entries link to alerts.
struct CapFeed {
    config: CapSourceConfig,
    due: Instant,
    book: CapBook,
    validators: (Option<String>, Option<String>),
    seen: Seen,
}

impl CapFeed {
    fn new(config: &CapSourceConfig) -> CapFeed {
        CapFeed {
            config: config.clone(),
            due: Instant::now(),
            book: CapBook::default(),
            validators: (None, None),
            seen: Seen::default(),
        }
    }

    fn poll(&mut self, client: &Client, now: Instant) -> Polled {
        self.due = now + Duration::from_secs(self.config.poll_seconds.into());
        self.book.forget_expired(Local::now().fixed_offset());
        let url = self.config.url.clone();
        let mut request = client.get(&url);
        if let Some(etag) = &self.validators.0 {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &self.validators.1 {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let response = match request.send() {
            Ok(response) => response,
            Err(e) => return failed(unreachable(&url, &e)),
        };
        if response.status() == StatusCode::NOT_MODIFIED {
            return Polled {
                reached: true,
                ..Polled::default()
            };
        }
        let validators = (header(&response, ETAG), header(&response, LAST_MODIFIED));
        let text = match text_body(&url, response, MAX_FEED_BYTES) {
            Ok(text) => text,
            Err(e) => return failed(e.into_message()),
        };
        let mut bytes = text.len() as u64;
        let outcome = match cap::parse(&text) {
            Ok(message) => {
                self.take(message, &url);
                Ok(1)
            }
            Err(_) if text.contains("http://www.w3.org/2005/Atom") => {
                self.take_feed(client, &text, &mut bytes)
            }
            Err(e) => Err(format!("{url}: {e}")),
        };
        if outcome.is_ok() {
            self.validators = validators;
        }
        Polled {
            documents: *outcome.as_ref().unwrap_or(&0),
            error: outcome.err(),
            reached: true,
            bytes,
        }
    }

    /// Each new entry's alert, fetched once.
    fn take_feed(&mut self, client: &Client, text: &str, bytes: &mut u64) -> Result<u64, String> {
        let entries = jma::parse_feed(text).map_err(|e| format!("{}: {e}", self.config.url))?;
        let (mut documents, mut errors) = (0, Vec::new());
        for entry in entries.into_iter().rev() {
            let key = format!("{} {:?}", entry.id, entry.updated);
            if self.seen.contains(&key) {
                continue;
            }
            let fetched = client
                .get(&entry.link)
                .send()
                .map_err(|e| Fetch::Unreachable(unreachable(&entry.link, &e)))
                .and_then(|response| text_body(&entry.link, response, MAX_CAP_BYTES));
            match fetched.map(|text| (text.len() as u64, cap::parse(&text))) {
                Ok((size, Ok(message))) => {
                    *bytes += size;
                    documents += 1;
                    self.seen.insert(&key);
                    self.take(message, &entry.link);
                }
                Ok((size, Err(e))) => {
                    *bytes += size;
                    self.seen.insert(&key);
                    errors.push(format!("{}: {e}", entry.link));
                }
                Err(e) => errors.push(e.into_message()),
            }
        }
        if errors.is_empty() {
            Ok(documents)
        } else {
            Err(errors.join("; "))
        }
    }

    fn take(&mut self, message: cap::CapMessage, url: &str) {
        let identifier = message.identifier.clone();
        let applied = self.book.apply(message);
        tracing::info!("CAP {identifier} from {url}: {applied:?}");
    }
}

/// A source that could not be reached, or answered what cannot be used.
fn failed(error: String) -> Polled {
    Polled {
        error: Some(error),
        ..Polled::default()
    }
}

/// A successful answer's body as text, refused past `most` bytes.
fn text_body(url: &str, response: reqwest::blocking::Response, most: u64) -> Result<String, Fetch> {
    let body = limited_body(url, response, most)?;
    String::from_utf8(body).map_err(|_| Fetch::Broken(format!("{url} is not UTF-8 text")))
}

fn unreachable(url: &str, error: &reqwest::Error) -> String {
    format!("cannot fetch {url}: {}", error_chain(error))
}

/// Starts the thread that polls the alert sources for as long as the player runs.
pub fn watch_alerts(
    config: AlertsConfig,
    store: PathBuf,
    status: SharedAlertStatus,
    mut deliver: Deliver,
) {
    let spawned = std::thread::Builder::new()
        .name("alerts".into())
        .spawn(move || {
            let mut watch = match AlertWatch::new(&config, Some(store), status) {
                Ok(watch) => watch,
                Err(error) => {
                    tracing::error!("{error}: official warnings are not followed");
                    return;
                }
            };
            loop {
                let changes = watch.poll(Instant::now(), false);
                if !changes.is_empty() && !deliver(changes) {
                    return;
                }
                std::thread::sleep(watch.next_due().saturating_duration_since(Instant::now()));
            }
        });
    if let Err(error) = spawned {
        tracing::error!("cannot start the alerts thread: {error}");
    }
}
