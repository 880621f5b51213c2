//! Background threads that keep one content source's playlists current and hand the changes to
//! the player: a watched (or polled) folder, or an HTTP(S) source synced into the cache.

use super::folder::{FolderScanner, LibraryChange, is_problems_note};
use super::sync::{Cache, HttpSource, SyncOutcome, Syncer};
use crate::core::manifest::retry_delay;
use notify::{PollWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long a changed file must look the same before it is read. Long enough for a copy in
/// progress to show growth between two looks; short enough for an emergency to show within a second.
pub const SETTLE_TIME: Duration = Duration::from_millis(250);
/// How often a folder is looked at even without change events, as a safety net for missed events.
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(30);
/// How often a network mount is polled when the config does not say.
pub const NETWORK_POLL: Duration = Duration::from_secs(5);

/// A content source as the player runs it.
#[derive(Clone, Debug)]
pub enum ContentSource {
    /// A folder; `poll` forces polling at that interval instead of change events.
    Folder {
        path: PathBuf,
        poll: Option<Duration>,
        drop_folders: Vec<String>,
    },
    /// A published content set, synced into `cache` every `poll`.
    Http {
        source: HttpSource,
        cache: PathBuf,
        poll: Duration,
        drop_folders: Vec<String>,
    },
}

/// What one source did last, for monitoring (the status endpoint reads it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceStatus {
    /// Where the content comes from: the folder, or the manifest's URL.
    pub origin: String,
    /// The folder whose playlists are playing.
    pub live: Option<PathBuf>,
    pub last_success: Option<chrono::DateTime<chrono::Local>>,
    /// The most recent failure, kept after a later success so it can still be seen.
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::DateTime<chrono::Local>>,
    /// Looks at the folder, or polls of the server, that worked and that failed.
    pub checks_ok: u64,
    pub checks_failed: u64,
    /// Bytes downloaded by syncing.
    pub bytes_downloaded: u64,
}

pub type SharedStatus = Arc<Mutex<SourceStatus>>;

/// Notes a success (with the folder now playing) or a failure.
fn record(status: &SharedStatus, outcome: Result<&Path, String>) {
    let Ok(mut status) = status.lock() else {
        return;
    };
    match outcome {
        Ok(live) => {
            status.last_success = Some(chrono::Local::now());
            status.live = Some(live.to_path_buf());
            status.checks_ok += 1;
        }
        Err(error) => {
            status.last_error = Some(error);
            status.last_error_at = Some(chrono::Local::now());
            status.checks_failed += 1;
        }
    }
}

/// Receives each batch of changes; returns false when the player has gone, which ends the thread.
pub type Deliver = Box<dyn FnMut(Vec<LibraryChange>) -> bool + Send>;

/// Starts the thread for one source. Playlist ids start with `prefix`. The first batch is always
/// delivered, even empty, so the player knows the source has been read.
pub fn watch_source(
    source: ContentSource,
    prefix: String,
    status: SharedStatus,
    deliver: Deliver,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name(format!("content {prefix}"))
        .spawn(move || match source {
            ContentSource::Folder {
                path,
                poll,
                drop_folders,
            } => {
                let scanner = FolderScanner::new(&path)
                    .with_prefix(&prefix)
                    .with_drop_folders(&drop_folders);
                watch_folder(&path, scanner, poll, &status, deliver)
            }
            ContentSource::Http {
                source,
                cache,
                poll,
                drop_folders,
            } => follow_http(
                source,
                &cache,
                &prefix,
                &drop_folders,
                poll,
                &status,
                deliver,
            ),
        })
        .expect("the system can start a thread")
}

fn watch_folder(
    folder: &Path,
    mut scanner: FolderScanner,
    poll: Option<Duration>,
    status: &SharedStatus,
    mut deliver: Deliver,
) {
    let (events_tx, events) = mpsc::channel();
    let open_for_writing = Arc::new(Mutex::new(OpenForWriting::default()));
    let writing = open_for_writing.clone();
    let on_event = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            return;
        };
        if let Ok(mut writing) = writing.lock() {
            writing.note(&event);
        }
        if is_change(&event.kind) && !event.paths.iter().all(|p| is_problems_note(p)) {
            let _ = events_tx.send(());
        }
    };
    // inotify does not see changes another machine makes on a network mount: poll those instead.
    let poll = poll.or_else(|| is_network_mount(folder).then_some(NETWORK_POLL));
    let watcher: notify::Result<Box<dyn Watcher>> = match poll {
        Some(interval) => {
            tracing::info!("polling {} every {}s", folder.display(), interval.as_secs());
            PollWatcher::new(
                on_event,
                notify::Config::default().with_poll_interval(interval),
            )
            .map(|w| Box::new(w) as _)
        }
        None => notify::recommended_watcher(on_event).map(|w| Box::new(w) as _),
    };
    let _watcher =
        match watcher.and_then(|mut w| w.watch(folder, RecursiveMode::Recursive).map(|_| w)) {
            Ok(w) => Some(w),
            Err(error) => {
                tracing::warn!(
                    "cannot watch {} for changes ({error}); looking every {}s instead",
                    folder.display(),
                    RESCAN_INTERVAL.as_secs()
                );
                None
            }
        };
    let mut wait = Duration::ZERO;
    let mut first = true;
    loop {
        match events.recv_timeout(wait) {
            Ok(()) => {
                // Let a burst of events pass, then look once.
                std::thread::sleep(SETTLE_TIME);
                while events.try_recv().is_ok() {}
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // No watcher: rescanning on a timer is all there is.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        if let Ok(mut writing) = open_for_writing.lock() {
            scanner.note_being_written(writing.paths());
        }
        let scan = scanner.scan();
        match &scan.unreadable {
            Some(error) => {
                if status
                    .lock()
                    .map(|s| s.last_error.as_ref() != Some(error))
                    .unwrap_or(true)
                {
                    tracing::warn!("{error}; the playlists from it keep playing");
                }
                record(status, Err(error.clone()));
            }
            None => record(status, Ok(folder)),
        }
        // The first look is delivered even when empty, so the player knows the folder was read;
        // but not while a file in it is still being written: the player waits for it (up to a
        // few seconds) rather than flashing the idle screen before the content.
        if !scan.changes.is_empty() || (first && !scan.unsettled) {
            if !deliver(scan.changes) {
                return;
            }
            first = false;
        }
        wait = if scan.unsettled {
            SETTLE_TIME
        } else {
            RESCAN_INTERVAL
        };
    }
}

/// How long a file written to and never closed counts as being written: a copy that stalls
/// longer has been abandoned (or its close was missed), and the file is taken as it is.
const ABANDONED: Duration = Duration::from_secs(120);

/// Files some process has written to and not closed yet, from inotify's events (a polled
/// network mount has none: there, a file is read once it stops growing). smbd keeps a file
/// that Windows copies open until the copy ends, however long it pauses between writes.
#[derive(Default)]
struct OpenForWriting(HashMap<PathBuf, Instant>);

impl OpenForWriting {
    fn note(&mut self, event: &notify::Event) {
        use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind};
        for path in &event.paths {
            match event.kind {
                EventKind::Create(CreateKind::File) | EventKind::Modify(ModifyKind::Data(_)) => {
                    self.0.insert(path.clone(), Instant::now());
                }
                EventKind::Access(AccessKind::Close(AccessMode::Write))
                | EventKind::Remove(_)
                | EventKind::Modify(ModifyKind::Name(_)) => {
                    self.0.remove(path);
                }
                _ => {}
            }
        }
    }

    /// The files being written now.
    fn paths(&mut self) -> BTreeSet<PathBuf> {
        self.0
            .retain(|_, last_write| last_write.elapsed() < ABANDONED);
        self.0.keys().cloned().collect()
    }
}

/// Whether an event can mean new content. inotify also reports files being opened, and the
/// player opens them itself (scanning, drawing slides): counting those would rescan forever.
fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match kind {
        // A file closed after writing is one finished copy.
        EventKind::Access(access) => *access == AccessKind::Close(AccessMode::Write),
        _ => true,
    }
}

/// Plays the cached set at once (offline start), then syncs every `poll`, backing off on failure.
fn follow_http(
    source: HttpSource,
    cache_root: &Path,
    prefix: &str,
    drop_folders: &[String],
    poll: Duration,
    status: &SharedStatus,
    mut deliver: Deliver,
) {
    let url = source.manifest_url.clone();
    let syncer = Cache::open(cache_root).and_then(|cache| Syncer::new(source, cache));
    let mut syncer = match syncer {
        Ok(syncer) => syncer,
        Err(error) => {
            tracing::error!("content from {url} is off: {error}");
            record(status, Err(error.to_string()));
            deliver(Vec::new());
            return;
        }
    };
    let mut scanner = FolderScanner::for_complete_sets(&syncer.live_folder().unwrap_or_default())
        .with_prefix(prefix)
        .with_drop_folders(drop_folders);
    let offline = match syncer.live_folder() {
        Some(_) => scanner.scan().changes,
        None => Vec::new(),
    };
    if !deliver(offline) {
        return;
    }
    let mut failures = 0;
    loop {
        match syncer.sync_once() {
            Ok(SyncOutcome::Updated {
                folder,
                files,
                bytes,
            }) => {
                tracing::info!("new content from {url}: {files} file(s), {bytes} bytes downloaded");
                failures = 0;
                record(status, Ok(&folder));
                if let Ok(mut status) = status.lock() {
                    status.bytes_downloaded += bytes;
                }
                scanner.switch_to(&folder);
                if !deliver(scanner.scan().changes) {
                    return;
                }
            }
            Ok(SyncOutcome::Unchanged) => {
                failures = 0;
                if let Some(live) = syncer.live_folder() {
                    record(status, Ok(&live));
                }
            }
            Err(error) => {
                failures += 1;
                record(status, Err(error.to_string()));
                tracing::warn!(
                    "sync failed ({failures} in a row), the last good content keeps playing: {error}"
                );
            }
        }
        let spread = f64::from(std::process::id() % 1000) / 1000.0;
        std::thread::sleep(if failures == 0 {
            poll
        } else {
            retry_delay(failures, spread)
        });
    }
}

/// Whether a folder is on a network file system (NFS, SMB/CIFS, FUSE mounts such as sshfs).
#[cfg(target_os = "linux")]
pub fn is_network_mount(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const NETWORK_FILE_SYSTEMS: [i64; 8] = [
        0x6969,
        0x517B,
        0xFF53_4D42,
        0xFE53_4D42,
        0x6573_5546,
        0x0102_1997,
        0x00C3_6400,
        0x5346_414F,
    ];
    let Ok(name) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid C string and `stats` a writable statfs the call fills in.
    if unsafe { libc::statfs(name.as_ptr(), &mut stats) } != 0 {
        return false;
    }
    NETWORK_FILE_SYSTEMS.contains(&(stats.f_type as i64 & 0xFFFF_FFFF))
}

#[cfg(not(target_os = "linux"))]
pub fn is_network_mount(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a folder source with `poll` and returns the names it reports, waiting up to 10 s.
    fn polled_changes(poll: Duration, act: impl FnOnce(&Path)) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("old.ron"),
            r#"Playlist(title: "t", slides: [Text(title: "a")])"#,
        )
        .unwrap();
        let (sender, changes) = mpsc::channel();
        let source = ContentSource::Folder {
            path: dir.path().to_path_buf(),
            poll: Some(poll),
            drop_folders: Vec::new(),
        };
        let status = SharedStatus::default();
        watch_source(
            source,
            String::new(),
            status.clone(),
            Box::new(move |batch| sender.send(batch).is_ok()),
        );
        // A file written a moment ago loads after a second look; wait for it before changing things.
        loop {
            let batch = changes.recv_timeout(Duration::from_secs(10)).unwrap();
            if batch
                .iter()
                .any(|c| matches!(c, LibraryChange::Loaded { id, .. } if id == "old.ron"))
            {
                break;
            }
        }
        let recorded = status.lock().unwrap().clone();
        assert_eq!(
            recorded.live.as_deref(),
            Some(dir.path()),
            "the status names the folder playing"
        );
        assert!(recorded.last_success.is_some() && recorded.last_error.is_none());
        act(dir.path());
        let mut seen = Vec::new();
        while let Ok(batch) = changes.recv_timeout(Duration::from_secs(10)) {
            for change in batch {
                seen.push(match change {
                    LibraryChange::Loaded { id, .. } => format!("loaded {id}"),
                    LibraryChange::Rejected { id, .. } => format!("rejected {id}"),
                    LibraryChange::Removed { id } => format!("removed {id}"),
                    LibraryChange::ClosedDays { id, .. } => format!("closed days {id}"),
                    LibraryChange::Ticker { id, .. } => format!("ticker {id}"),
                    LibraryChange::Quiz { id, .. } => format!("quiz {id}"),
                    LibraryChange::News { address, .. } => format!("news {address}"),
                    LibraryChange::Snapshot { page, .. } => format!("snapshot {}", page.url),
                });
            }
            if seen.iter().any(|s| s.contains("new.ron"))
                && seen.iter().any(|s| s.contains("removed old.ron"))
            {
                break;
            }
        }
        seen
    }

    #[test]
    fn a_polled_folder_sees_new_and_deleted_files() {
        let seen = polled_changes(Duration::from_millis(200), |folder| {
            std::fs::write(
                folder.join("new.ron"),
                r#"Playlist(title: "n", slides: [Text(title: "b")])"#,
            )
            .unwrap();
            std::fs::remove_file(folder.join("old.ron")).unwrap();
        });
        assert!(seen.contains(&"loaded new.ron".to_string()), "{seen:?}");
        assert!(seen.contains(&"removed old.ron".to_string()), "{seen:?}");
    }

    #[test]
    fn reading_the_files_of_a_watched_folder_is_not_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let playlist = dir.path().join("p.ron");
        std::fs::write(
            &playlist,
            r#"Playlist(title: "t", slides: [Text(title: "a")])"#,
        )
        .unwrap();
        // Old enough to count as settled, so the first look delivers it.
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&playlist)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let (sender, changes) = mpsc::channel();
        let status = SharedStatus::default();
        let source = ContentSource::Folder {
            path: dir.path().to_path_buf(),
            poll: None,
            drop_folders: Vec::new(),
        };
        watch_source(
            source,
            String::new(),
            status.clone(),
            Box::new(move |batch| sender.send(batch).is_ok()),
        );
        changes.recv_timeout(Duration::from_secs(10)).unwrap();
        let looks = || status.lock().unwrap().checks_ok;
        let first = looks();
        // What drawing slides does: open and read the folder's files, again and again.
        for _ in 0..10 {
            std::fs::read(&playlist).unwrap();
            std::thread::sleep(SETTLE_TIME / 2);
        }
        std::thread::sleep(2 * SETTLE_TIME);
        assert_eq!(
            looks(),
            first,
            "reads made the watcher look at the folder again"
        );
        // A real change is still seen.
        std::fs::write(
            &playlist,
            r#"Playlist(title: "u", slides: [Text(title: "b")])"#,
        )
        .unwrap();
        let batch = changes.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            batch
                .iter()
                .any(|c| matches!(c, LibraryChange::Loaded { id, .. } if id == "p.ron")),
            "{batch:?}"
        );
    }

    #[test]
    fn local_folders_are_not_network_mounts() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_network_mount(dir.path()));
        assert!(!is_network_mount(Path::new("/no/such/folder")));
    }
}
