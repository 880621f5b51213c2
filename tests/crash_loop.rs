//! A file that crashes the player is out of the loop after two crashes, for real: the player
//! runs under Xvfb with a runtime folder as systemd gives it, and is killed by SIGABRT (what the
//! watchdog sends, and what a failed assertion in a decoder does) while a photo is on screen, and
//! by SIGSEGV while a video is. The third start skips each, with a note beside it; changing
//! the file brings it back; a clean stop gives no strike.

mod common;

use common::display::{Running, spawn_logging_to, start_xvfb, status, wait_for};
use common::video::{H264_MP4, solid_clip};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_kiosk-player");

const PLAYLIST: &str = r#"Playlist(title: "t", slide_seconds: 2, transition: Cut, slides: [
    Image(file: "photo.jpg"),
    Text(title: "手を洗いましょう"),
    Video(file: "clip.mp4"),
])"#;

fn photo(folder: &Path, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(64, 36, image::Rgb(rgb))
        .save(folder.join("photo.jpg"))
        .unwrap();
}

struct Screen<'a> {
    display: &'a str,
    folder: &'a Path,
    runtime: &'a Path,
}

impl Screen<'_> {
    fn start(&self) -> (Running, String) {
        let mut command = Command::new(BINARY);
        command
            .args(["run", "--windowed", "--size", "640x360"])
            .args(["--status-listen", "127.0.0.1:0", "--playlists"])
            .arg(self.folder)
            .current_dir(self.runtime)
            .env("DISPLAY", self.display)
            .env("XDG_RUNTIME_DIR", self.runtime)
            .env("RUNTIME_DIRECTORY", self.runtime)
            .env_remove("WAYLAND_DISPLAY");
        // The crashes are ours: no core files on this machine.
        // SAFETY: setrlimit is async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                let none = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &none);
                Ok(())
            });
        }
        spawn_logging_to(&mut command, &self.runtime.join("player.log"))
    }

    /// Starts the player, waits for a slide of `kind` on screen and kills the player with
    /// `signal`, `times` times a tenth of a second apart (Rust's own SIGSEGV handler lets the
    /// first one sent by `kill` pass).
    fn crash_while_showing(&self, kind: &str, signal: libc::c_int, times: usize) {
        let (mut player, address) = self.start();
        wait_for(&format!("a {kind} slide"), Duration::from_secs(30), || {
            (status(&address)["showing"]["kind"] == kind).then_some(())
        });
        for _ in 0..times {
            unsafe { libc::kill(player.0.id() as i32, signal) };
            std::thread::sleep(Duration::from_millis(100));
        }
        let ended = player.0.wait().unwrap();
        assert!(
            std::os::unix::process::ExitStatusExt::signal(&ended) == Some(signal),
            "the player ended by {ended}, not by signal {signal}"
        );
    }
}

/// The kinds shown over `seconds`, as /status says.
fn kinds_shown(address: &str, seconds: u64) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        if let Some(kind) = status(address)["showing"]["kind"].as_str()
            && !kinds.iter().any(|k| k == kind)
        {
            kinds.push(kind.to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    kinds
}

#[test]
fn a_file_on_screen_at_two_crashes_is_skipped_with_a_note_until_it_changes() {
    let folder = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    photo(folder.path(), [200, 60, 30]);
    solid_clip(
        folder.path(),
        "clip.mp4",
        (320, 180),
        0xff3080c0,
        50,
        H264_MP4,
    );
    std::fs::write(folder.path().join("show.ron"), PLAYLIST).unwrap();
    let (_x, display) = start_xvfb("640x360");
    let screen = Screen {
        display: &display,
        folder: folder.path(),
        runtime: runtime.path(),
    };

    for _ in 0..2 {
        screen.crash_while_showing("image", libc::SIGABRT, 1);
    }
    for _ in 0..2 {
        screen.crash_while_showing("video", libc::SIGSEGV, 2);
    }

    // The fifth start: both are out of the loop, said beside them, on /status and in /metrics.
    let (mut player, address) = screen.start();
    let photo_path = folder.path().join("photo.jpg");
    let clip_path = folder.path().join("clip.mp4");
    let both = serde_json::json!([clip_path.to_str().unwrap(), photo_path.to_str().unwrap()]);
    wait_for(
        "both out of the loop on /status",
        Duration::from_secs(10),
        || (status(&address)["out_of_loop"] == both).then_some(()),
    );
    for file in [&photo_path, &clip_path] {
        let note = std::fs::read_to_string(format!("{}.error.txt", file.display())).unwrap();
        assert!(
            note.contains("stopped twice while showing this file"),
            "{note}"
        );
    }
    let shown = kinds_shown(&address, 8);
    assert_eq!(shown, ["text"], "only the text slide plays");
    let skipped = wait_for("both skipped on /status", Duration::from_secs(10), || {
        let playlist = status(&address)["playlists"][0].clone();
        let skipped = playlist["skipped"].as_array()?.clone();
        (skipped.len() == 2).then_some(skipped)
    });
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("stopped twice"),
        "{skipped:?}"
    );
    let (_, metrics) = common::display::http_get(&address, "/metrics");
    assert!(metrics.contains("kiosk_files_out_of_loop 2"), "{metrics}");

    // Exported again: the photo is back, and its note goes.
    photo(folder.path(), [30, 160, 60]);
    wait_for("the new photo on screen", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "image").then_some(())
    });
    assert!(!Path::new(&format!("{}.error.txt", photo_path.display())).exists());

    // A clean stop (systemd's SIGTERM) leaves no strike.
    unsafe { libc::kill(player.0.id() as i32, libc::SIGTERM) };
    player.0.wait().unwrap();
    assert!(runtime.path().join("left-cleanly.json").exists());
    assert!(!runtime.path().join("in-use.json").exists());
    let (_player, address) = screen.start();
    let clip_only = serde_json::json!([clip_path.to_str().unwrap()]);
    wait_for(
        "only the clip out of the loop",
        Duration::from_secs(10),
        || (status(&address)["out_of_loop"] == clip_only).then_some(()),
    );
    wait_for("the photo on screen", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "image").then_some(())
    });
}
