//! The screen on X11: a bare X server (no window manager) filled by `kiosk-player` with no
//! arguments, `/screenshot` against the root window, and the panel switched off and on by
//! schedule through a stand-in `cec-ctl`.

mod common;

use common::display::{
    Running, assert_comes_to_show, assert_shows, http_get, preview_slide, read_x_screen,
    screenshot_within_a_second, spawn_logging_to, spawn_with_status, start_xvfb, status, wait_for,
    write_atomically,
};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PLAYLIST: &str = r##"Playlist(
    title: "ロビー",
    slide_seconds: 60,
    slides: [Text(title: "ようこそ", title_en: "Welcome", background: "#FFF8E7", accent: "#C2410C")],
)"##;

/// `kiosk-player` with no arguments at all, in a folder with `playlists/`, on `display`.
fn bare_player(display: &str, folder: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    command
        .current_dir(folder)
        .env("DISPLAY", display)
        .env("XDG_RUNTIME_DIR", folder)
        .env_remove("WAYLAND_DISPLAY");
    command
}

/// Starts `kiosk-player` with no arguments (but where to report) on `display`, waits for the
/// slide on the whole screen, checks the X server's own picture against `preview`, and returns
/// the player with its status address.
fn fills_the_screen(display: &str, folder: &Path, what: &str) -> (Running, String) {
    std::fs::create_dir(folder.join("playlists")).unwrap();
    std::fs::write(folder.join("playlists/lobby.ron"), PLAYLIST).unwrap();
    let mut command = bare_player(display, folder);
    command.args(["--status-listen", "127.0.0.1:0"]);
    let (player, address) = spawn_with_status(&mut command);
    wait_for(
        "the slide on the whole screen",
        Duration::from_secs(30),
        || {
            let status = status(&address);
            (status["screen"]["fullscreen"] == true && status["showing"]["kind"] == "text")
                .then_some(())
        },
    );
    let expected = preview_slide(&folder.join("playlists/lobby.ron"), 0, "1600x900");
    assert_shows(&read_x_screen(display), &expected, what);
    (player, address)
}

#[test]
fn with_no_arguments_the_player_fills_a_bare_x_server_and_screenshots_show_it() {
    let folder = tempfile::tempdir().unwrap();
    let (_xvfb, display) = start_xvfb("1600x900");
    let (_player, address) = fills_the_screen(&display, folder.path(), "bare X server");
    // The player sleeps on a still slide; every screenshot must still come within a second.
    std::thread::sleep(Duration::from_secs(2));
    for request in 0..10 {
        let screenshot = screenshot_within_a_second(&address, request);
        assert_shows(&screenshot, &read_x_screen(&display), "X11 screenshot");
    }
}

#[test]
fn under_a_desktop_window_manager_the_player_is_fullscreen_too() {
    let folder = tempfile::tempdir().unwrap();
    let (_xvfb, display) = start_xvfb("1600x900");
    // openbox, as on a desktop session: it decorates and places windows unless told fullscreen.
    let _window_manager = Running(
        Command::new("openbox")
            .env("DISPLAY", &display)
            .env("HOME", folder.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openbox is installed (.ci/run installs it)"),
    );
    fills_the_screen(&display, folder.path(), "openbox");
}

/// A stand-in `cec-ctl` that writes its arguments to `calls`, one call a line.
fn stand_in_cec_ctl(bin: &Path, calls: &Path) {
    let script = bin.join("cec-ctl");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_panel_goes_off_when_nothing_is_scheduled_and_on_for_an_emergency() {
    let folder = tempfile::tempdir().unwrap();
    let playlists = folder.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    write_atomically(&playlists.join("lobby.ron"), PLAYLIST);
    let bin = folder.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let calls = folder.path().join("cec-calls");
    stand_in_cec_ctl(&bin, &calls);
    let config = folder.path().join("kiosk.ron");
    std::fs::write(&config, "Config(playlists: \"playlists\", display: ())").unwrap();
    let (_xvfb, display) = start_xvfb("640x360");
    let mut command = bare_player(&display, folder.path());
    command
        .args(["run", "--windowed", "--size", "640x360", "--config"])
        .arg(&config)
        .args(["--status-listen", "127.0.0.1:0"])
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        );
    let (_player, address): (Running, String) = spawn_with_status(&mut command);
    let calls_say = |wanted: &[&str]| {
        let said = std::fs::read_to_string(&calls).unwrap_or_default();
        let said: Vec<&str> = said.lines().collect();
        said.iter()
            .map(|line| line.rsplit(' ').next().unwrap())
            .eq(wanted.iter().copied())
    };
    let panel_on = |on: bool| {
        let status = status(&address);
        let metrics = http_get(&address, "/metrics").1;
        status["panel"]["on"] == on
            && status["panel"]["method"] == "HDMI-CEC (cec-ctl)"
            && metrics.contains(&format!("kiosk_panel_on {}\n", u8::from(on)))
    };
    wait_for(
        "the panel on for the lobby",
        Duration::from_secs(20),
        || (calls_say(&["--image-view-on"]) && panel_on(true)).then_some(()),
    );
    std::fs::remove_file(playlists.join("lobby.ron")).unwrap();
    wait_for(
        "the panel off with nothing scheduled",
        Duration::from_secs(20),
        || (calls_say(&["--image-view-on", "--standby"]) && panel_on(false)).then_some(()),
    );
    write_atomically(
        &playlists.join("earthquake.ron"),
        r#"Playlist(title: "地震", emergency: true, slides: [Text(title: "地震です", title_en: "Earthquake")])"#,
    );
    wait_for(
        "the panel on for the emergency",
        Duration::from_secs(20),
        || {
            (calls_say(&["--image-view-on", "--standby", "--image-view-on"]) && panel_on(true))
                .then_some(())
        },
    );
    // The panel follows the programme at once; the slide on screen becomes the emergency once it
    // is drawn, a moment later.
    wait_for("the emergency on screen", Duration::from_secs(10), || {
        (status(&address)["showing"]["emergency"] == true).then_some(())
    });
}

/// Runs xdotool on `display` and returns what it printed.
fn xdotool(display: &str, args: &[&str]) -> String {
    let output = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool is installed (.ci/run installs it)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_window_that_changes_size_shows_its_slide_drawn_again_at_the_new_size() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("playlists")).unwrap();
    std::fs::write(folder.path().join("playlists/lobby.ron"), PLAYLIST).unwrap();
    let (_xvfb, display) = start_xvfb("1600x900");
    let mut command = bare_player(&display, folder.path());
    command.args([
        "run",
        "--windowed",
        "--size",
        "640x360",
        "--status-listen",
        "127.0.0.1:0",
    ]);
    let log = folder.path().join("player.log");
    let (_player, address) = spawn_logging_to(&mut command, &log);
    wait_for("the slide", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "text").then_some(())
    });
    let window = wait_for("the player's window", Duration::from_secs(10), || {
        xdotool(&display, &["search", "--name", "kiosk-player"])
            .lines()
            .next()
            .map(str::to_owned)
    });
    // The window is mapped at the size asked for before it is resized.
    wait_for(
        "the window's first size in /status",
        Duration::from_secs(10),
        || (status(&address)["screen"]["width"] == 640).then_some(()),
    );
    // The slide stays up for a minute: only the new size can make it be drawn again.
    let asked = std::time::Instant::now();
    loop {
        // Asked again until it shows: a request made while the window is still being mapped
        // can be lost.
        xdotool(&display, &["windowsize", &window, "960", "540"]);
        std::thread::sleep(Duration::from_millis(200));
        let report = status(&address);
        if report["screen"]["width"] == 960 {
            break;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(20),
            "the new size never reached /status: {}, last frame {} s ago; X says {}; the \
             player's log:\n{}",
            report["screen"],
            report["last_frame_age_seconds"],
            xdotool(&display, &["getwindowgeometry", &window]),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let geometry = xdotool(&display, &["getwindowgeometry", &window]);
    let (x, y) = geometry
        .lines()
        .find_map(|line| line.trim().strip_prefix("Position: "))
        .and_then(|at| at.split_whitespace().next())
        .and_then(|at| at.split_once(','))
        .map(|(x, y)| (x.parse::<u32>().unwrap(), y.parse::<u32>().unwrap()))
        .unwrap_or_else(|| panic!("xdotool says where the window is: {geometry}"));
    let expected = preview_slide(&folder.path().join("playlists/lobby.ron"), 0, "960x540");
    assert_comes_to_show(
        || image::imageops::crop_imm(&read_x_screen(&display), x, y, 960, 540).to_image(),
        &expected,
        "resized window",
        Duration::from_secs(3),
    );
}

#[test]
fn without_a_vulkan_driver_run_and_preview_say_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let playlist = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/food-safety.ron");
    let no_driver = |command: &mut Command| -> (bool, String) {
        // The Vulkan loader's own variables: no driver manifest is found.
        let out = command
            .env("VK_DRIVER_FILES", dir.path().join("none.json"))
            .env("VK_ICD_FILENAMES", dir.path().join("none.json"))
            .env("XDG_RUNTIME_DIR", dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut run = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    run.args(["run", "--windowed", "--status-listen", "off", "--playlists"])
        .arg(playlist.parent().unwrap())
        // Never connected to: the driver is looked for first.
        .env("DISPLAY", ":999");
    let mut preview = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    preview
        .arg("preview")
        .arg(&playlist)
        .arg("--out")
        .arg(dir.path().join("out"));
    for (what, command) in [("run", &mut run), ("preview", &mut preview)] {
        let (succeeded, said) = no_driver(command);
        assert!(!succeeded, "{what} succeeded without a renderer: {said}");
        assert!(
            said.contains("install mesa-vulkan-drivers"),
            "{what}: {said}"
        );
        assert!(!said.contains("panicked"), "{what}: {said}");
    }
}
