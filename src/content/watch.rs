//! Watches a playlists folder on a background thread and hands settled changes to the player.

use super::folder::{FolderScanner, LibraryChange};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long a changed file must look the same before it is read. Long enough for a copy in
/// progress to show growth between two looks; short enough for an emergency to show within a second.
pub const SETTLE_TIME: Duration = Duration::from_millis(250);
/// How often the folder is looked at even without change events, as a safety net for missed events.
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(30);

/// Starts watching `folder`. Each batch of changes is passed to `deliver`; `deliver` returns false
/// when the player has gone, which ends the thread.
pub fn watch_folder(
    folder: &Path,
    mut deliver: impl FnMut(Vec<LibraryChange>) -> bool + Send + 'static,
) -> std::thread::JoinHandle<()> {
    let folder: PathBuf = folder.to_path_buf();
    std::thread::Builder::new()
        .name("playlist-watch".into())
        .spawn(move || {
            let (events_tx, events) = mpsc::channel();
            let watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    if event.is_ok_and(|e| !e.paths.iter().all(|p| is_problems_note(p))) {
                        let _ = events_tx.send(());
                    }
                });
            // Without events we still see changes, by rescanning; the log says why it is slower.
            let _watcher = match watcher
                .and_then(|mut w| w.watch(&folder, RecursiveMode::Recursive).map(|_| w))
            {
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
            let mut scanner = FolderScanner::new(&folder);
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
                let scan = scanner.scan();
                // The first scan is always delivered, even empty, so the player knows the folder was read.
                if (first || !scan.changes.is_empty()) && !deliver(scan.changes) {
                    return;
                }
                first = false;
                wait = if scan.unsettled {
                    SETTLE_TIME
                } else {
                    RESCAN_INTERVAL
                };
            }
        })
        .expect("the system can start a thread")
}

fn is_problems_note(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.ends_with(".error.txt"))
}
