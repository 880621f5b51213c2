//! Full and read-only disks: the real player's play log on a file system that fills up (the
//! show goes on, the problem is logged once, the log resumes once space returns), a sync into a
//! cache that fills up, and a content folder mounted read-only. Each file system is a small
//! tmpfs the test mounts (so it needs root, as CI runs) and unmounts.

mod common;

use common::Server;
use common::display::{http_get, spawn_logging_to, start_xvfb, wait_for};
use kiosk_player::content::sync::{Cache, HttpSource, SyncOutcome, Syncer, publish};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A tmpfs of `size` mounted on `at`, unmounted when dropped, pass or fail.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(at: &Path, size: &str) -> Mounted {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs .ci/run as root)"
        );
        Mounted(at.to_path_buf())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn slides_shown(address: &str) -> u64 {
    http_get(address, "/metrics")
        .1
        .lines()
        .find_map(|line| line.strip_prefix("kiosk_slides_shown_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_full_disk_is_logged_once_and_the_play_log_resumes_when_space_returns() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(
        playlists.join("quick.ron"),
        r#"Playlist(title: "quick", slide_seconds: 1, transition: Cut, slides: [Text(title: "一"), Text(title: "二")])"#,
    )
    .unwrap();
    let logs = dir.path().join("logs");
    let _disk = Mounted::tmpfs(&logs, "256k");
    let play_log = logs.join("play.jsonl");
    let log = dir.path().join("player.log");
    let (_player, address) = spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args([
                "run",
                "--windowed",
                "--size",
                "640x360",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--playlists")
            .arg(&playlists)
            .arg("--play-log")
            .arg(&play_log)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
        &log,
    );
    wait_for("slides in the play log", Duration::from_secs(30), || {
        (std::fs::read_to_string(&play_log).ok()?.lines().count() >= 2).then_some(())
    });

    // Someone fills the disk: a big file, then the play log's own last page (tmpfs takes lines
    // into a page already there), with blank lines, which readers of the log skip.
    let filler = logs.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 512 * 1024]);
    let mut padding = std::fs::File::options()
        .append(true)
        .open(&play_log)
        .unwrap();
    while std::io::Write::write_all(&mut padding, b"\n").is_ok() {}
    let before = slides_shown(&address);
    wait_for("eight more slides", Duration::from_secs(30), || {
        (slides_shown(&address) >= before + 8).then_some(())
    });
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged.matches("cannot write the play log").count(),
        1,
        "said once, not per slide:\n{logged}"
    );
    let lines = |text: &str| text.lines().filter(|l| !l.trim().is_empty()).count();
    let lines_while_full = lines(&std::fs::read_to_string(&play_log).unwrap());

    // Space returns: the log goes on, and every line after the gap reads.
    std::fs::remove_file(&filler).unwrap();
    wait_for(
        "the play log written again",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&log)
                .unwrap()
                .contains("the play log is written again")
                .then_some(())
        },
    );
    wait_for("new lines", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(&play_log).ok()?;
        (lines(&text) >= lines_while_full + 3).then_some(())
    });
    let text = std::fs::read_to_string(&play_log).unwrap();
    let unreadable: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| serde_json::from_str::<serde_json::Value>(line).is_err())
        .collect();
    // At most the one line the disk cut short.
    assert!(unreadable.len() <= 1, "{unreadable:?}");
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["playlist"], "quick.ron");
}

/// A live set synced into a cache, the cache's file system too small for the next set: the sync
/// fails saying so, the live set stays whole, and the next sync after space returns completes.
#[test]
fn a_cache_that_fills_up_mid_sync_keeps_the_live_set_and_recovers_when_space_returns() {
    let content = tempfile::tempdir().unwrap();
    std::fs::write(
        content.path().join("lobby.ron"),
        r#"Playlist(title: "lobby", slides: [Text(title: "一")])"#,
    )
    .unwrap();
    publish(content.path()).unwrap();
    let server = Server::start(content.path());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let disk = Mounted::tmpfs(&cache, "1m");
    let source = HttpSource {
        manifest_url: server.url.clone(),
        token: None,
        max_file_bytes: 10_000_000,
        timeout: Duration::from_secs(5),
    };
    let mut syncer = Syncer::new(source, Cache::open(&cache).unwrap()).unwrap();
    assert!(matches!(
        syncer.sync_once().unwrap(),
        SyncOutcome::Updated { .. }
    ));
    let live = syncer.live_folder().unwrap();
    let live_set = std::fs::read_to_string(live.join("lobby.ron")).unwrap();

    // The next set brings a file larger than the space left.
    std::fs::create_dir(content.path().join("media")).unwrap();
    std::fs::write(content.path().join("media/clip.bin"), vec![9u8; 3_000_000]).unwrap();
    std::fs::write(
        content.path().join("lobby.ron"),
        r#"Playlist(title: "lobby", slides: [Text(title: "二")])"#,
    )
    .unwrap();
    publish(content.path()).unwrap();
    let full = syncer.sync_once().unwrap_err();
    assert!(
        full.to_string().contains("No space left on device")
            && full.to_string().contains("the cache's disk is full"),
        "{full}"
    );
    assert_eq!(syncer.live_folder().unwrap(), live, "the live set moved");
    assert_eq!(
        std::fs::read_to_string(live.join("lobby.ron")).unwrap(),
        live_set
    );
    // What was written of the failed download is gone again, so the disk is not left full.
    assert!(
        free_bytes(&cache) > 900_000,
        "the failed download still fills the cache: {} bytes free",
        free_bytes(&cache)
    );

    let grown = Command::new("mount")
        .args(["-o", "remount,size=8m"])
        .arg(&disk.0)
        .status()
        .unwrap();
    assert!(grown.success());
    let SyncOutcome::Updated { folder, .. } = syncer.sync_once().unwrap() else {
        panic!("the next sync did not bring the new set");
    };
    assert_eq!(
        std::fs::metadata(folder.join("media/clip.bin"))
            .unwrap()
            .len(),
        3_000_000
    );
    assert!(
        std::fs::read_to_string(folder.join("lobby.ron"))
            .unwrap()
            .contains("二")
    );
}

fn free_bytes(path: &Path) -> u64 {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a struct of the right type.
    assert_eq!(unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) }, 0);
    stats.f_bavail as u64 * stats.f_frsize as u64
}

/// The content folder mounted read-only, as on an overlay-root Pi: the show plays, and the notes
/// it cannot write beside a broken playlist and a broken poster are each logged once.
#[test]
fn a_read_only_content_folder_plays_and_each_note_it_cannot_write_is_logged_once() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let disk = Mounted::tmpfs(&playlists, "4m");
    std::fs::create_dir(playlists.join("media")).unwrap();
    std::fs::write(
        playlists.join("media/cut.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"",
    )
    .unwrap();
    std::fs::write(
        playlists.join("quick.ron"),
        r#"Playlist(title: "quick", slide_seconds: 1, transition: Cut, slides: [Text(title: "一"), Poster(file: "media/cut.svg"), Text(title: "二")])"#,
    )
    .unwrap();
    std::fs::write(
        playlists.join("broken.ron"),
        "Playlist(title: \"x\", slides: [Txt()])",
    )
    .unwrap();
    let read_only = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&disk.0)
        .status()
        .unwrap();
    assert!(read_only.success());
    let log = dir.path().join("player.log");
    let (_player, address) = spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args([
                "run",
                "--windowed",
                "--size",
                "640x360",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--playlists")
            .arg(&playlists)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
        &log,
    );
    wait_for("six slides", Duration::from_secs(40), || {
        (slides_shown(&address) >= 6).then_some(())
    });
    let status = http_get(&address, "/status").1;
    assert!(
        status.contains("broken.ron:1:31: unknown kind `Txt`"),
        "{status}"
    );
    assert!(
        status.contains("cut.svg is not a readable picture"),
        "{status}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    for note in ["broken.ron.error.txt", "media/cut.svg.error.txt"] {
        assert_eq!(
            logged
                .matches(&format!("cannot write {}", playlists.join(note).display()))
                .count(),
            1,
            "{note}: said once, not per scan or slide:\n{logged}"
        );
    }
    assert!(logged.contains("Read-only file system"), "{logged}");
}
