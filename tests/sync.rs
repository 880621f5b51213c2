//! HTTP sync against a real HTTP server on 127.0.0.1: first sync, conditional polls, changes,
//! deletions, and every way a server can fail or lie, each leaving the live content untouched.

mod common;

use common::{Faults, Server};
use kiosk_player::content::sync::{
    Cache, HttpSource, SyncError, SyncOutcome, Syncer, is_in_a_cache, publish,
};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A published content folder with a playlist and a picture.
fn published() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    std::fs::write(
        dir.path().join("lobby.ron"),
        r#"Playlist(title: "lobby", slides: [Poster(file: "media/手洗い.svg")])"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("media/手洗い.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"/>"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("media/big.bin"), vec![7u8; 300_000]).unwrap();
    publish(dir.path()).unwrap();
    dir
}

fn syncer(server: &Server, cache: &Path) -> Syncer {
    let source = HttpSource {
        manifest_url: server.url.clone(),
        token: Some("s3cret".into()),
        max_file_bytes: 1_000_000,
        timeout: Duration::from_secs(2),
    };
    Syncer::new(source, Cache::open(cache).unwrap()).unwrap()
}

fn live_files(syncer: &Syncer) -> Vec<String> {
    let Some(folder) = syncer.live_folder() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut pending = vec![folder.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(
                    path.strip_prefix(&folder)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

#[test]
fn first_sync_then_unchanged_polls_transfer_no_body_then_changes_and_deletions() {
    let content = published();
    let server = Server::start(content.path());
    let cache = tempfile::tempdir().unwrap();
    let mut syncer = syncer(&server, cache.path());

    let SyncOutcome::Updated { folder, files, .. } = syncer.sync_once().unwrap() else {
        panic!("first sync updates")
    };
    assert_eq!(files, 3);
    assert_eq!(
        live_files(&syncer),
        ["lobby.ron", "media/big.bin", "media/手洗い.svg"]
    );
    assert_eq!(
        std::fs::read(folder.join("lobby.ron")).unwrap(),
        std::fs::read(content.path().join("lobby.ron")).unwrap()
    );
    // Notes for staff go beside their own files, never into the cache.
    assert!(is_in_a_cache(&folder.join("media/手洗い.svg")));
    assert!(!is_in_a_cache(&content.path().join("media/手洗い.svg")));
    assert!(
        server
            .served()
            .iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer s3cret"))
    );

    assert_eq!(syncer.sync_once().unwrap(), SyncOutcome::Unchanged);
    let poll = server.served().last().unwrap().clone();
    assert_eq!(
        (poll.path.as_str(), poll.status, poll.body_bytes),
        ("manifest.ron", 304, 0),
        "{poll:?}"
    );
    assert!(poll.if_none_match.is_some());
    // After a restart the first poll is conditional as well.
    drop(syncer);
    let mut syncer = self::syncer(&server, cache.path());
    assert_eq!(syncer.sync_once().unwrap(), SyncOutcome::Unchanged);
    assert_eq!(server.served().last().unwrap().status, 304);

    // One changed file: only it is downloaded.
    std::fs::write(
        content.path().join("lobby.ron"),
        r#"Playlist(title: "lobby v2", slides: [Text(title: "新")])"#,
    )
    .unwrap();
    publish(content.path()).unwrap();
    let before = server.served().len();
    let SyncOutcome::Updated { files, .. } = syncer.sync_once().unwrap() else {
        panic!("a change updates")
    };
    assert_eq!(files, 1);
    let downloaded: Vec<String> = server.served()[before..]
        .iter()
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(downloaded, ["manifest.ron", "lobby.ron"]);

    // A deleted file leaves the live set and, once the new set is live, the cache.
    std::fs::remove_file(content.path().join("media/big.bin")).unwrap();
    publish(content.path()).unwrap();
    assert!(matches!(
        syncer.sync_once().unwrap(),
        SyncOutcome::Updated { files: 0, .. }
    ));
    assert_eq!(live_files(&syncer), ["lobby.ron", "media/手洗い.svg"]);
    let objects = std::fs::read_dir(cache.path().join("objects"))
        .unwrap()
        .count();
    assert_eq!(objects, 2, "the deleted file's content was collected");
    assert_eq!(
        std::fs::read_dir(cache.path().join("sets"))
            .unwrap()
            .count(),
        1,
        "old sets are collected"
    );
    server.stop();
}

/// A named way for the server to misbehave, and what the error must say.
type Attempt = (&'static str, Box<dyn Fn(&mut Faults)>, &'static str);

#[test]
fn failures_keep_the_last_good_content_and_a_restart_offline_plays_it() {
    let content = published();
    let server = Server::start(content.path());
    let cache = tempfile::tempdir().unwrap();
    let mut syncer = syncer(&server, cache.path());
    syncer.sync_once().unwrap();
    let good = live_files(&syncer);
    // Something new is published, but every attempt to fetch it goes wrong.
    std::fs::write(
        content.path().join("lobby.ron"),
        r#"Playlist(title: "v2", slides: [Text(title: "x")])"#,
    )
    .unwrap();
    publish(content.path()).unwrap();
    let manifest = std::fs::read_to_string(content.path().join("manifest.ron")).unwrap();

    let attempts: Vec<Attempt> = vec![
        ("500s", Box::new(|f| f.status_500 = true), "500"),
        (
            "HTML page with 200",
            Box::new(|f| f.html_manifest = true),
            "HTML page",
        ),
        (
            "truncated body",
            Box::new(|f| f.truncate = Some(("lobby.ron".into(), 10))),
            "lobby.ron",
        ),
        (
            "hash mismatch",
            Box::new(|f| {
                f.replace = Some((
                    "lobby.ron".into(),
                    b"Playlist(title: \"EV\", slides: [Text(title: \"y\")])".to_vec(),
                ))
            }),
            "SHA-256",
        ),
        (
            "slow server",
            Box::new(|f| f.delay = Some(("manifest.ron".into(), Duration::from_secs(5)))),
            "timed out",
        ),
        (
            "path traversal",
            Box::new(move |f| {
                f.replace = Some((
                    "manifest.ron".into(),
                    manifest
                        .replacen("\"lobby.ron\"", "\"../../etc/passwd\"", 1)
                        .into_bytes(),
                ))
            }),
            "points outside",
        ),
    ];
    for (case, fault, expected) in attempts {
        server.set(|f| *f = Faults::default());
        server.set(|f| fault(f));
        let error = syncer.sync_once().expect_err(case);
        assert!(error.to_string().contains(expected), "{case}: {error}");
        assert_eq!(live_files(&syncer), good, "{case} changed the live content");
        assert!(
            !error.to_string().contains("s3cret"),
            "{case}: the token leaked: {error}"
        );
    }
    server.set(|f| *f = Faults::default());
    server.stop();
    let down = syncer.sync_once().expect_err("server down");
    assert!(matches!(down, SyncError::Unreachable { .. }), "{down}");

    // A restart with no server plays the cached set at once.
    drop(syncer);
    let offline = tempfile::tempdir().unwrap();
    let dead = Server {
        url: "http://127.0.0.1:9/content/manifest.ron".into(),
        ..Server::start(offline.path())
    };
    let restarted = self::syncer(&dead, cache.path());
    assert_eq!(live_files(&restarted), good);
}

#[test]
fn oversized_files_are_refused_before_download() {
    let content = published();
    std::fs::write(content.path().join("media/huge.bin"), vec![0u8; 1_200_000]).unwrap();
    publish(content.path()).unwrap();
    let server = Server::start(content.path());
    let cache = tempfile::tempdir().unwrap();
    let error = syncer(&server, cache.path()).sync_once().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("media/huge.bin: declared as 1200000 bytes"),
        "{error}"
    );
    assert!(
        server.served().iter().all(|s| s.path != "media/huge.bin"),
        "nothing was downloaded"
    );
}

#[test]
fn a_kill_mid_download_never_leaves_a_file_that_is_later_shown() {
    let content = published();
    let server = Server::start(content.path());
    server.set(|f| f.stall = Some("media/big.bin".into()));
    server.set(|f| f.truncate = Some(("media/big.bin".into(), 100_000)));
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let config = dir.path().join("kiosk.ron");
    std::fs::write(
        &config,
        format!(
            "Config(cache: {:?}, sources: [Http(url: {:?})])",
            cache, server.url
        ),
    )
    .unwrap();
    let mut sync = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .args(["sync", "--once", "--config"])
        .arg(&config)
        .spawn()
        .unwrap();
    // Wait until the download is under way, then kill -9.
    let partial = cache.join("source-1/tmp");
    let start = std::time::Instant::now();
    while !std::fs::read_dir(&partial).is_ok_and(|mut d| d.next().is_some()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the download never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    assert!(!cache.join("source-1/live").exists(), "nothing went live");
    let cache = Cache::open(&cache.join("source-1")).unwrap();
    assert!(cache.live().is_none());
    assert_eq!(
        std::fs::read_dir(dir.path().join("cache/source-1/tmp"))
            .unwrap()
            .count(),
        0,
        "the partial download is gone"
    );
    let objects: Vec<PathBuf> = std::fs::read_dir(dir.path().join("cache/source-1/objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for object in objects {
        assert_ne!(
            std::fs::metadata(&object).unwrap().len(),
            100_000,
            "a partial file reached the objects"
        );
    }
}

#[test]
fn publish_lists_every_file_with_its_hash() {
    let content = published();
    let manifest = std::fs::read_to_string(content.path().join("manifest.ron")).unwrap();
    assert!(
        manifest.contains(r#"(path: "media/big.bin", size: 300000, sha256: ""#),
        "{manifest}"
    );
    assert!(
        !manifest.contains("manifest.ron\""),
        "the manifest does not list itself"
    );
    let mut raw = String::new();
    std::fs::File::open(content.path().join("lobby.ron"))
        .unwrap()
        .read_to_string(&mut raw)
        .unwrap();
    assert!(manifest.contains(&format!("size: {}", raw.len())));
}
