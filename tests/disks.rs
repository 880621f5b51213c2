//! The real player writing its play log onto a file system that fills up: the show goes on, the
//! problem is logged once (not per slide), and the log is written again once space returns.
//! The file system is a small tmpfs the test mounts (so it needs root, as CI runs) and unmounts.

mod common;

use common::display::{http_get, spawn_logging_to, start_xvfb, wait_for};
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
