//! The Debian package, for real: built with cargo-deb from the release
//! binary that `cargo test --release` has just built, checked with dpkg-deb and lintian, then
//! installed, upgraded, removed and purged with apt-get.
//!
//! apt runs inside a throwaway copy of this machine (tests/common/sandbox.rs). So the machine
//! itself is left exactly as it was, whether or not it has a `kiosk` user or an installed
//! kiosk-player already: inside the copy the test first purges any earlier installation and
//! removes the user.
//!
//! Needs root (CI runs as root), cargo-deb and lintian (.ci/run installs both) and every package
//! the .deb depends on installed beforehand (.ci/run's list), so that apt downloads nothing (it
//! installs without the recommended packages for the same reason).

mod common;

use common::display::{
    assert_comes_to_show, crop, http_get, preview_slide_with, slide_area, slide_on_full_screen,
    status, status_address, wait_for,
};
use common::sandbox::{Sandbox, check};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const CRATE: &str = env!("CARGO_MANIFEST_DIR");
const BINARY: &str = env!("CARGO_BIN_EXE_kiosk-player");

/// Runs a command, panics with its output unless it succeeds, returns its stdout.
fn run(command: &mut Command) -> String {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    check(&format!("{command:?}"), output)
}

/// Builds the package with cargo-deb and copies it out of target/debian, where cargo-deb deletes
/// every other version of the package on each run (one build at a time, for that reason).
fn build_deb(dir: &Path, version: Option<&str>) -> PathBuf {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _building = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut command = Command::new(env!("CARGO"));
    // --fast: lighter xz, 15 s instead of 50 s for the 70 MB binary; lintian does not mind.
    command
        .args(["deb", "--no-build", "--fast"])
        .current_dir(CRATE);
    if let Some(version) = version {
        command.args(["--deb-version", version]);
    }
    let stdout = run(&mut command);
    let built = PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("cargo deb printed the .deb's path")
            .trim(),
    );
    let copy = dir.join(built.file_name().unwrap());
    std::fs::copy(&built, &copy).unwrap();
    copy
}

fn field(deb: &Path, name: &str) -> String {
    run(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))
        .trim()
        .to_owned()
}

/// Runs the installed unit's own command as the kiosk user under cage on wlroots' headless
/// backend (as systemd would, less the logind session on tty1), and checks that the screen shows
/// the demo's slide on screen as `preview` draws it. The test shim keeps cage from scanning the
/// player's buffers out (see tests/cage/headless_shim.c); the status endpoint is moved off the
/// default port, which a player on this machine may hold.
fn the_units_command_shows_the_demo_under_cage(sandbox: &Sandbox, exec: &str, preload: &str) {
    let (_stopped_however_the_test_ends, address) =
        start_the_units_command(sandbox, exec, preload, "");
    the_demo_fills_the_screen(sandbox, &address, "the installed unit's command");
}

/// The player at `address` shows the demo's slide on screen as `preview` draws it, read with grim
/// from the compositor at /tmp/kiosk-run/wayland-0.
fn the_demo_fills_the_screen(sandbox: &Sandbox, address: &str, what: &str) {
    let (playlist, slide) = wait_for(
        "a slide on the whole screen",
        Duration::from_secs(30),
        || slide_on_full_screen(address),
    );
    // The installed config's band (clock and ticker) changes on its own: the slides' area is
    // compared.
    let area = slide_area(&status(address));
    let expected = preview_slide_with(
        &Path::new(CRATE).join("playlists").join(&playlist),
        slide,
        "1280x720",
        Some(&Path::new(CRATE).join("deploy/kiosk.ron")),
    );
    assert_comes_to_show(
        || {
            sandbox.ok(
                "runuser -u kiosk -- env XDG_RUNTIME_DIR=/tmp/kiosk-run WAYLAND_DISPLAY=wayland-0 \
                 grim /tmp/kiosk-run/screen.png",
            );
            let screen = image::load_from_memory(&sandbox.read_bytes("/tmp/kiosk-run/screen.png"))
                .unwrap()
                .to_rgb8();
            crop(&screen, area)
        },
        &crop(&expected, area),
        what,
        Duration::from_secs(3),
    );
}

/// Raspberry Pi OS Desktop's session: labwc starts the player from the user's autostart file
/// as deploy/README.md says, and the player fills the output (no decorations, nothing over it).
/// Run as `kiosk` here, on the headless backend with one output; the status is moved off the
/// default port, which a player on this machine may hold.
fn the_player_starts_in_a_labwc_session(sandbox: &Sandbox) {
    sandbox.ok(
        "rm -rf /tmp/kiosk-run && mkdir -m 700 /tmp/kiosk-run && chown kiosk: /tmp/kiosk-run
         cd /var/lib/kiosk-player
         mkdir -p .config/labwc
         echo 'kiosk-player run --config /etc/kiosk-player/kiosk.ron --status-listen 127.0.0.1:0 \
             >/tmp/kiosk-run/player.log 2>&1 & echo $! >/tmp/kiosk-run/player.pid' \
             > .config/labwc/autostart
         chown -R kiosk: .config
         runuser -u kiosk -- env -i PATH=/usr/bin:/bin HOME=/var/lib/kiosk-player \
             XDG_RUNTIME_DIR=/tmp/kiosk-run WLR_BACKENDS=headless WLR_RENDERER=pixman \
             WLR_HEADLESS_OUTPUTS=1 WLR_LIBINPUT_NO_DEVICES=1 NO_COLOR=1 \
             labwc </dev/null >/tmp/kiosk-run/log 2>&1 &
         echo $! > /tmp/kiosk-run/pid",
    );
    let _stopped_however_the_test_ends = StopsTheKiosk(sandbox);
    let started = std::time::Instant::now();
    let address = loop {
        let log = String::from_utf8_lossy(&sandbox.sh("cat /tmp/kiosk-run/player.log").stdout)
            .into_owned();
        if let Some(address) = status_address(&log) {
            break address;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "labwc did not start the player:\n{log}\nlabwc said:\n{}",
            sandbox.read("/tmp/kiosk-run/log")
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    the_demo_fills_the_screen(sandbox, &address, "the player in labwc's session");
    let log = sandbox.read("/tmp/kiosk-run/player.log");
    assert!(
        !log.contains("did not give the player the whole screen"),
        "{log}"
    );
}

/// Starts the unit's command in `sandbox` as `kiosk` under cage's headless backend (with `more`
/// arguments for the player), logging to /tmp/kiosk-run/log; returns what stops it and the
/// address of its status.
fn start_the_units_command<'a>(
    sandbox: &'a Sandbox,
    exec: &str,
    preload: &str,
    more: &str,
) -> (StopsTheKiosk<'a>, String) {
    sandbox.ok(&format!(
        "rm -rf /tmp/kiosk-run && mkdir -m 700 /tmp/kiosk-run && chown kiosk: /tmp/kiosk-run
         cd /var/lib/kiosk-player
         runuser -u kiosk -- env -i PATH=/usr/bin:/bin HOME=/var/lib/kiosk-player \
             XDG_RUNTIME_DIR=/tmp/kiosk-run WLR_BACKENDS=headless WLR_RENDERER=pixman \
             WLR_LIBINPUT_NO_DEVICES=1 NO_COLOR=1 LD_PRELOAD={preload} \
             {exec} --status-listen 127.0.0.1:0 {more} </dev/null >/tmp/kiosk-run/log 2>&1 &
         echo $! > /tmp/kiosk-run/pid"
    ));
    let stops = StopsTheKiosk(sandbox);
    let address = wait_for(
        "the installed player's status",
        Duration::from_secs(30),
        || status_address(&sandbox.read("/tmp/kiosk-run/log")),
    );
    (stops, address)
}

/// The demo's video alone, played by the unit's command: cage 0.2 and later report which frames
/// they show (wp_presentation), and `/metrics` counts those as presented, apart from the frames
/// drawn.
fn the_compositor_reports_the_video_frames_it_shows(sandbox: &Sandbox, exec: &str) {
    sandbox.ok(
        "rm -rf /tmp/video && mkdir /tmp/video
         cp /usr/share/kiosk-player/playlists/media/three-rules-tour.mp4 /tmp/video/
         echo 'Playlist(title: \"video\", slides: [Video(file: \"three-rules-tour.mp4\", seconds: 600)])' \
             > /tmp/video/video.ron
         chown -R kiosk: /tmp/video",
    );
    let (_stopped_however_the_test_ends, address) =
        start_the_units_command(sandbox, exec, "", "--playlists /tmp/video");
    let by = wait_for("the video playing", Duration::from_secs(30), || {
        let video = status(&address)["showing"]["video"].clone();
        Some(video["presented_by"].as_str()?.to_string())
    });
    assert_eq!(by, "compositor", "{}", sandbox.read("/tmp/kiosk-run/log"));
    let counts = || {
        let (_, metrics) = http_get(&address, "/metrics");
        let value = |name: &str| -> f64 {
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /metrics:\n{metrics}"))
        };
        assert_eq!(value("kiosk_video_presentation_feedback"), 1.0);
        (
            value("kiosk_video_frames_drawn_total") as u64,
            value("kiosk_video_frames_presented_total") as u64,
            value("kiosk_video_frames_discarded_total") as u64,
            value("kiosk_video_draw_to_screen_seconds_total"),
        )
    };
    let before = counts();
    std::thread::sleep(Duration::from_secs(4));
    let after = counts();
    let (drawn, presented) = (after.0 - before.0, after.1 - before.1);
    let to_screen = (after.3 - before.3) / presented.max(1) as f64;
    println!(
        "in 4 s: {drawn} video frames drawn, {presented} presented, {} discarded; \
         {:.1} ms from drawing to the screen",
        after.2 - before.2,
        to_screen * 1e3
    );
    assert!(
        to_screen > 0.0 && to_screen < 0.5,
        "{to_screen} s from drawing to the screen"
    );
    // The compositor answers for drawn frames only, a frame or two behind the drawing.
    let answered = after.1 + after.2;
    assert!(
        answered <= after.0,
        "more answers than frames drawn: {after:?}"
    );
    assert!(
        answered + 5 >= after.0,
        "frames drawn without an answer: {after:?}"
    );
    assert!(
        presented >= 40,
        "{presented} frames presented in 4 s ({drawn} drawn)"
    );
}

/// The unit's command from the package installed in `sandbox`.
fn units_command(sandbox: &Sandbox) -> String {
    let unit = sandbox.read("/usr/lib/systemd/system/kiosk-player.service");
    unit.lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart")
        .to_string()
}

/// Stops the kiosk started in the sandbox when dropped, as the test ends, pass or fail: the
/// sandbox's mounts outlive a process left running in it. SIGTERM aborts cage 0.1.4, so the
/// player is stopped and cage ends with it.
struct StopsTheKiosk<'a>(&'a Sandbox);

impl Drop for StopsTheKiosk<'_> {
    fn drop(&mut self) {
        // cage ends with its client; labwc, a desktop, is told to end once the player has.
        let stopped = self.0.sh(
            "runuser=$(cat /tmp/kiosk-run/pid); compositor=$(pgrep -P \"$runuser\")
             player=$(cat /tmp/kiosk-run/player.pid 2>/dev/null || pgrep -P \"$compositor\")
             kill -TERM $player
             if [ -e /tmp/kiosk-run/player.pid ]; then
                 for _ in $(seq 100); do kill -0 $player 2>/dev/null || break; sleep 0.1; done
                 kill -TERM \"$compositor\"
             fi
             for _ in $(seq 100); do kill -0 \"$runuser\" 2>/dev/null || exit 0; sleep 0.1; done
             kill -KILL $player \"$compositor\" \"$runuser\"; exit 1",
        );
        if !std::thread::panicking() {
            assert!(
                stopped.status.success(),
                "the compositor did not end with its client"
            );
        }
    }
}

/// What the test may not change on this machine.
fn host_state() -> String {
    let query = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev} ${Version}", "kiosk-player"])
        .output()
        .unwrap();
    let user = Command::new("getent")
        .args(["passwd", "kiosk"])
        .output()
        .unwrap();
    let paths: Vec<String> = [
        "/var/lib/kiosk-player",
        "/etc/kiosk-player",
        "/usr/bin/kiosk-player",
    ]
    .iter()
    .map(|p| format!("{p}: {}", Path::new(p).exists()))
    .collect();
    format!(
        "package: {}\nuser: {}\n{}",
        String::from_utf8_lossy(&query.stdout),
        String::from_utf8_lossy(&user.stdout),
        paths.join("\n")
    )
}

#[test]
fn the_debian_package_installs_upgrades_removes_and_purges_as_documented() {
    // cargo deb --no-build packages target/release/kiosk-player: it must be the binary this
    // test run built (`cargo test --release`).
    assert!(
        BINARY.ends_with("/target/release/kiosk-player"),
        "run with --release: {BINARY}"
    );
    let host_before = host_state();
    let debs = tempfile::tempdir().unwrap();

    // The cage test shim, for running the installed unit's command.
    common::cage::build_shim(debs.path());
    // Build: one package as released, one that upgrades it.
    let first = build_deb(debs.path(), None);
    let version = field(&first, "Version");
    let upgrade = build_deb(debs.path(), Some(&format!("{version}+upgrade1")));

    // What dpkg-deb says of it.
    let info = run(Command::new("dpkg-deb").arg("--info").arg(&first));
    println!("{info}");
    let arch = run(Command::new("dpkg").arg("--print-architecture"));
    assert_eq!(field(&first, "Architecture"), arch.trim());
    let depends = field(&first, "Depends");
    let names: Vec<&str> = depends
        .split(',')
        .map(|d| d.split_whitespace().next().unwrap())
        .collect();
    for needed in [
        "cage",
        "xwayland",
        "libvulkan1",
        "mesa-vulkan-drivers",
        "libwayland-client0",
        "libxkbcommon0",
        "libpam-systemd",
        "libc6",
        "libgstreamer1.0-0",
        "gstreamer1.0-plugins-good",
        "gstreamer1.0-libav",
    ] {
        assert!(names.contains(&needed), "Depends lacks {needed}: {depends}");
    }
    // Every dependency must resolve on this distribution, and be installed already so that apt
    // downloads nothing inside the sandbox (add a missing one to .ci/run's list).
    for name in &names {
        let status = Command::new("dpkg-query")
            .args(["-W", "-f=${db:Status-Abbrev}", name])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&status.stdout).starts_with("ii"),
            "{name} (in Depends) is not installed here"
        );
    }
    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&first));
    for path in [
        "./usr/bin/kiosk-player",
        "./usr/lib/systemd/system/kiosk-player.service",
        "./etc/pam.d/kiosk-player",
        "./etc/kiosk-player/kiosk.ron",
        "./usr/share/kiosk-player/playlists/food-safety.ron",
        "./usr/share/doc/kiosk-player/copyright",
        "./usr/share/doc/kiosk-player/OFL.txt",
        "./usr/share/doc/kiosk-player/changelog.Debian.gz",
        "./usr/share/man/man1/kiosk-player.1.gz",
    ] {
        assert!(
            contents.lines().any(|l| l.ends_with(path)),
            "{path} not in the package:\n{contents}"
        );
    }
    let conffiles = run(Command::new("sh").arg("-c").arg(format!(
        "dpkg-deb --ctrl-tarfile '{}' | tar -xOf - ./conffiles",
        first.display()
    )));
    assert!(
        conffiles
            .lines()
            .any(|l| l == "/etc/kiosk-player/kiosk.ron"),
        "{conffiles}"
    );

    // lintian: no error and no warning (the one expected warning is overridden in the package,
    // with its reason in deploy/debian/lintian-overrides). Informational tags are allowed.
    // lintian leaves a /tmp/mldbm-elf-* file behind on every run: give it a TMPDIR of ours.
    let lintian_tmp = tempfile::tempdir().unwrap();
    let lintian = Command::new("lintian")
        .args(["--fail-on", "error,warning"])
        .arg(&first)
        .env("TMPDIR", lintian_tmp.path())
        .output()
        .unwrap();
    println!("lintian:\n{}", String::from_utf8_lossy(&lintian.stdout));
    check("lintian", lintian);

    // The man page names every command that --help lists.
    let help = run(Command::new(BINARY).arg("--help"));
    let man = run(Command::new("sh").arg("-c").arg(format!("dpkg-deb --fsys-tarfile '{}' | tar -xOf - ./usr/share/man/man1/kiosk-player.1.gz | gzip -dc", first.display())));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's line, not the wrapped rest of a description.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(!commands.is_empty(), "{help}");
    for command in commands {
        assert!(
            man.contains(&format!(".B {command}")),
            "the man page does not describe `{command}`"
        );
    }

    {
        let sandbox = Sandbox::new(debs.path());
        // A clean slate inside the copy, whatever this machine has.
        sandbox.ok(
            "if dpkg-query -W kiosk-player >/dev/null 2>&1; then KIOSK_PLAYER_PURGE_CONTENT=yes apt-get purge -y kiosk-player; fi
             if getent passwd kiosk >/dev/null; then userdel kiosk; fi
             if getent group kiosk >/dev/null; then groupdel kiosk; fi
             rm -rf /var/lib/kiosk-player /etc/kiosk-player
             rm -f /etc/systemd/system/kiosk-player.service /etc/systemd/system/*.wants/kiosk-player.service
             # A Raspberry Pi's kernel command line, to see consoleblank=0 added and taken off.
             mkdir -p /boot/firmware && echo 'console=tty1 root=PARTUUID=0-02 rootwait' > /boot/firmware/cmdline.txt",
        );

        // First install.
        sandbox.install(&first);
        assert_eq!(sandbox.status(), format!("ii {version}"));
        let passwd = sandbox.ok("getent passwd kiosk");
        assert!(
            passwd
                .trim()
                .ends_with(":/var/lib/kiosk-player:/usr/sbin/nologin"),
            "{passwd}"
        );
        let groups = sandbox.ok("id -nG kiosk");
        for group in ["video", "render", "input", "audio"] {
            if sandbox
                .sh(&format!("getent group {group}"))
                .status
                .success()
            {
                assert!(
                    groups.split_whitespace().any(|g| g == group),
                    "kiosk not in {group}: {groups}"
                );
            }
        }
        for dir in [
            "/var/lib/kiosk-player",
            "/var/lib/kiosk-player/playlists",
            "/var/lib/kiosk-player/cache",
        ] {
            assert_eq!(
                sandbox.ok(&format!("stat -c %U '{dir}'")).trim(),
                "kiosk",
                "{dir}"
            );
        }
        assert_eq!(
            sandbox.ok("cd /var/lib/kiosk-player/playlists && find . | sort"),
            sandbox.ok("cd /usr/share/kiosk-player/playlists && find . | sort"),
            "the demo content is seeded"
        );
        let conffiles = sandbox.ok("dpkg-query -W -f='${Conffiles}' kiosk-player");
        for conffile in ["/etc/kiosk-player/kiosk.ron", "/etc/pam.d/kiosk-player"] {
            assert!(conffiles.contains(conffile), "{conffiles}");
        }
        // Enabled for multi-user.target, also without a running systemd (deb-systemd-helper).
        assert_eq!(
            sandbox
                .ok("systemctl --root=/ is-enabled kiosk-player.service")
                .trim(),
            "enabled"
        );
        assert!(sandbox.exists("/etc/systemd/system/multi-user.target.wants/kiosk-player.service"));
        sandbox.ok("systemd-analyze verify /usr/lib/systemd/system/kiosk-player.service");
        // verify checks only ExecStart's own program (cage): check the player's path too.
        let exec = units_command(&sandbox);
        assert!(exec.contains(" /usr/bin/kiosk-player "), "{exec}");
        for path in exec.split_whitespace().filter(|w| w.starts_with('/')) {
            assert!(sandbox.exists(path), "{path} in ExecStart does not exist");
        }
        the_units_command_shows_the_demo_under_cage(&sandbox, &exec, "/tmp/debs/headless_shim.so");
        // The shipped config and the demo content pass the player's own check.
        sandbox
            .ok("kiosk-player check /etc/kiosk-player/kiosk.ron /var/lib/kiosk-player/playlists");
        assert!(
            sandbox
                .read("/boot/firmware/cmdline.txt")
                .contains(" consoleblank=0")
        );

        // Upgrade: staff edited the config, added a playlist and removed a demo one; the player
        // logged and cached. All of it stays, and the demos do not come back.
        sandbox.ok(
            "cd /var/lib/kiosk-player
             echo '// edited on this screen' >> /etc/kiosk-player/kiosk.ron
             runuser -u kiosk -- cp playlists/food-safety.ron playlists/lobby.ron
             rm playlists/after-hours.ron
             runuser -u kiosk -- sh -c 'echo {} > play.jsonl; echo x > cache/blob; mkdir -p .cache/mesa_shader_cache'",
        );
        let edited = sandbox.read("/etc/kiosk-player/kiosk.ron");
        sandbox.install(&upgrade);
        assert_eq!(sandbox.status(), format!("ii {version}+upgrade1"));
        assert_eq!(sandbox.read("/etc/kiosk-player/kiosk.ron"), edited);
        for kept in ["playlists/lobby.ron", "play.jsonl", "cache/blob"] {
            assert!(
                sandbox.exists(&format!("/var/lib/kiosk-player/{kept}")),
                "{kept} lost on upgrade"
            );
        }
        assert!(
            !sandbox.exists("/var/lib/kiosk-player/playlists/after-hours.ron"),
            "demo re-seeded"
        );
        assert_eq!(
            sandbox
                .ok("systemctl --root=/ is-enabled kiosk-player.service")
                .trim(),
            "enabled"
        );
        assert_eq!(
            sandbox
                .read("/boot/firmware/cmdline.txt")
                .matches("consoleblank=0")
                .count(),
            1
        );

        // Remove: the player goes, content, config and user stay.
        sandbox.ok("apt-get remove -y kiosk-player 2>&1");
        assert!(sandbox.status().starts_with("rc"), "{}", sandbox.status());
        assert!(!sandbox.exists("/usr/bin/kiosk-player"));
        assert_eq!(sandbox.read("/etc/kiosk-player/kiosk.ron"), edited);
        for kept in [
            "playlists/lobby.ron",
            "playlists/food-safety.ron",
            "cache/blob",
            "play.jsonl",
        ] {
            assert!(
                sandbox.exists(&format!("/var/lib/kiosk-player/{kept}")),
                "{kept} lost on remove"
            );
        }
        sandbox.ok("getent passwd kiosk");

        // Purge: config, cache and logs go; the playlists and the kiosk user stay.
        sandbox.ok("apt-get purge -y kiosk-player 2>&1");
        assert_eq!(sandbox.status(), "");
        for gone in [
            "/etc/kiosk-player",
            "/etc/pam.d/kiosk-player",
            "/var/lib/kiosk-player/cache",
            "/var/lib/kiosk-player/.cache",
            "/var/lib/kiosk-player/play.jsonl",
            "/etc/systemd/system/multi-user.target.wants/kiosk-player.service",
            "/etc/systemd/system/kiosk-player.service",
            "/var/lib/systemd/deb-systemd-helper-enabled/kiosk-player.service.dsh-also",
        ] {
            assert!(!sandbox.exists(gone), "{gone} left after purge");
        }
        assert!(
            sandbox.exists("/var/lib/kiosk-player/playlists/lobby.ron"),
            "purge removed the staff's playlists"
        );
        sandbox.ok("getent passwd kiosk");
        assert_eq!(
            sandbox.read("/boot/firmware/cmdline.txt").trim(),
            "console=tty1 root=PARTUUID=0-02 rootwait"
        );

        // Installing again onto the kept folder and the existing user seeds nothing; purging
        // with KIOSK_PLAYER_PURGE_CONTENT=yes removes the content too.
        sandbox.install(&first);
        assert!(
            !sandbox.exists("/var/lib/kiosk-player/playlists/after-hours.ron"),
            "demo seeded into kept content"
        );
        sandbox.ok("KIOSK_PLAYER_PURGE_CONTENT=yes apt-get purge -y kiosk-player 2>&1");
        assert!(!sandbox.exists("/var/lib/kiosk-player"));
    }

    assert_eq!(host_state(), host_before, "the test changed this machine");
}

/// Where `.ci/run` keeps its debootstrap trees of the releases users install today, with the
/// package's dependencies installed (see `.ci/run`).
const RELEASES: &str = "/var/cache/kiosk-player-ci";

/// The package built here, installed with apt in Debian 13 (trixie: cage 0.2.0, wlroots 0.18,
/// Mesa 25) and Debian forky (cage 0.3.1, wlroots 0.20, Mesa 26), each in a throwaway copy of
/// the tree `.ci/run` made: the unit's command shows the demo under that release's cage, as its
/// grim reads it, and cage says nothing about the window (an early fullscreen request makes
/// cage 0.2 log "uninitialized xdg_surface", and 0.2.1 abort).
#[test]
fn the_package_installs_and_shows_the_demo_on_debian_13_and_forky() {
    assert!(
        BINARY.ends_with("/target/release/kiosk-player"),
        "run with --release: {BINARY}"
    );
    let debs = tempfile::tempdir().unwrap();
    let deb = build_deb(debs.path(), None);
    for release in ["trixie", "forky"] {
        let tree = Path::new(RELEASES).join(release);
        assert!(
            tree.join("usr/bin/cage").exists(),
            "no {release} tree with cage in {}: .ci/run makes it",
            tree.display()
        );
        let sandbox = Sandbox::over(&tree, debs.path(), None);
        // Everything it depends on is there already: nothing is downloaded (a download would go
        // to a proxy that is not there, and fail).
        let name = deb.file_name().unwrap().to_str().unwrap();
        sandbox.ok(&format!(
            "apt-get install -y --no-install-recommends -o Acquire::http::Proxy=http://127.0.0.1:9 \
             /tmp/debs/{name} 2>&1"
        ));
        let cage = sandbox.ok("dpkg-query -W -f='${Version}' cage");
        println!("{release}: cage {cage}");
        let exec = units_command(&sandbox);
        // No test shim: it is built for this machine's wlroots, and cage 0.1.5 and later leave
        // scan-out to wlroots' scene, which composites shared-memory buffers.
        the_units_command_shows_the_demo_under_cage(&sandbox, &exec, "");
        let log = sandbox.read("/tmp/kiosk-run/log");
        assert!(
            !log.contains("xdg_surface"),
            "{release}'s cage complained about the window:\n{log}"
        );
        the_compositor_reports_the_video_frames_it_shows(&sandbox, &exec);
        the_player_starts_in_a_labwc_session(&sandbox);
    }
}
