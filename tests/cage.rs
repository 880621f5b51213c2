//! The player as deployed: the systemd unit's command, `cage -d -- kiosk-player run --config …`,
//! on cage 0.1.4's headless backend, with the screen read back by grim and compared with
//! `preview` of the same slide; touch, rotation, screenshots, an official warning and systemd's
//! notify socket there.

mod common;

use common::cage::{Cage, CageOptions, HEADLESS_OUTPUT, copy_tree};
use common::display::{
    assert_comes_to_show, assert_shows, crop, preview_slide_with, screenshot_within_a_second,
    slide_area, status, status_address, wait_for,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Held by the tests that time what they see, so a playing video elsewhere does not slow them.
static TIMED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The demo content and the installed device config (deploy/kiosk.ron) with its paths moved
/// into the test's own folder, as the unit would find them on a kiosk.
fn kiosk_files(cage_home: &Path, extra_config: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let owner = std::fs::metadata(cage_home).map(|m| {
        use std::os::unix::fs::MetadataExt;
        (m.uid(), m.gid())
    });
    let user = owner.ok();
    let state = cage_home.join("var");
    copy_tree(&root.join("playlists"), &state.join("playlists"), user);
    let config = std::fs::read_to_string(root.join("deploy/kiosk.ron"))
        .unwrap()
        .replace("/var/lib/kiosk-player", state.to_str().unwrap());
    let config = match extra_config {
        "" => config,
        extra => config.replacen("Config(", &format!("Config(\n    {extra}"), 1),
    };
    let path = cage_home.join("kiosk.ron");
    std::fs::write(&path, config).unwrap();
    path
}

/// Starts the unit's command under cage and returns it with the player's status address.
fn start_kiosk(options: CageOptions, extra_config: &str) -> (Cage, String) {
    let mut cage = Cage::start_with(options, |cage_home| {
        let config = kiosk_files(cage_home, extra_config);
        vec![
            "run".into(),
            "--config".into(),
            config.into_os_string(),
            "--status-listen".into(),
            "127.0.0.1:0".into(),
        ]
    });
    let address = wait_for("the status endpoint", Duration::from_secs(30), || {
        assert!(cage.running(), "cage stopped:\n{}", cage.log());
        status_address(&cage.log())
    });
    (cage, address)
}

/// Waits until a slide is on screen, drawn at the window's full size, and returns its playlist
/// file and index.
fn slide_on_full_screen(cage: &mut Cage, address: &str) -> (String, usize) {
    wait_for(
        "a slide on the whole screen",
        Duration::from_secs(30),
        || {
            assert!(cage.running(), "cage stopped:\n{}", cage.log());
            common::display::slide_on_full_screen(address)
        },
    )
}

/// Reads the slides' `area` of the screen with grim until it shows `expected` (cage shows a new
/// frame at its own next frame), and fails if a slide change came in between. The clock and the
/// ticker around it change on their own; [`band_shows_clock_and_ticker`] looks at them.
fn screen_shows(
    cage: &Cage,
    address: &str,
    slide: &(String, usize),
    expected: &image::RgbImage,
    what: &str,
    area: (u32, u32, u32, u32),
) -> image::RgbImage {
    let screen = assert_comes_to_show(
        || crop(&cage.screenshot(), area),
        expected,
        what,
        Duration::from_secs(3),
    );
    let after = status(address);
    assert!(
        after["showing"]["playlist"] == slide.0.as_str() && after["showing"]["slide"] == slide.1,
        "the slide changed while the screen was read: {}",
        after["showing"]
    );
    screen
}

fn demo_playlist(cage: &Cage, file: &str) -> PathBuf {
    cage.home.path().join("var/playlists").join(file)
}

fn the_units_command_fills_the_output(no_decorations: bool) {
    let (mut cage, address) = start_kiosk(
        CageOptions {
            no_decorations,
            ..CageOptions::default()
        },
        "",
    );
    let slide = slide_on_full_screen(&mut cage, &address);
    let status = status(&address);
    let (width, height) = HEADLESS_OUTPUT;
    assert_eq!(
        (
            status["screen"]["width"].as_u64(),
            status["screen"]["height"].as_u64()
        ),
        (Some(width.into()), Some(height.into())),
        "{status}"
    );
    // The installed config's layout: a band with the ticker and the clock below the slides.
    let area = slide_area(&status);
    assert!(
        area.3 < height * 9 / 10,
        "a band below the slides: {area:?}"
    );
    let expected = preview_slide_with(
        &demo_playlist(&cage, &slide.0),
        slide.1,
        &format!("{width}x{height}"),
        Some(&cage.home.path().join("kiosk.ron")),
    );
    let what = if no_decorations { "cage -d" } else { "cage" };
    screen_shows(&cage, &address, &slide, &crop(&expected, area), what, area);
    band_shows_clock_and_ticker(&cage.screenshot(), area);
    // The window asks for fullscreen only once configured (cage 0.2.1 aborts otherwise).
    let log = cage.log();
    assert!(!log.contains("uninitialized xdg_surface"), "{log}");
    cage.stop();
}

/// The band below the slides' `area` is the band's colour, with the ticker's text at its left
/// and the clock's at its right.
fn band_shows_clock_and_ticker(screen: &image::RgbImage, area: (u32, u32, u32, u32)) {
    let (width, height) = screen.dimensions();
    let top = area.1 + area.3;
    let band = crop(screen, (0, top, width, height - top));
    let share = |part: &image::RgbImage, colour: [u8; 3]| {
        let near = |p: &image::Rgb<u8>| p.0.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 12);
        part.pixels().filter(|p| near(p)).count() as f64 / f64::from(part.width() * part.height())
    };
    assert!(share(&band, [0x17, 0x32, 0x4D]) > 0.5, "the band's colour");
    let third = band.width() / 3;
    let ticker = crop(&band, (0, 0, third, band.height()));
    let clock = crop(&band, (band.width() - third, 0, third, band.height()));
    assert!(share(&ticker, [255, 255, 255]) > 0.02, "the ticker's text");
    assert!(share(&clock, [255, 255, 255]) > 0.02, "the clock's text");
}

#[test]
fn the_units_command_fills_the_screen_pixel_for_pixel_like_preview() {
    the_units_command_fills_the_output(true);
}

#[test]
fn without_minus_d_there_is_no_title_bar_either() {
    the_units_command_fills_the_output(false);
}

#[test]
fn a_portrait_panel_shows_the_slide_upright_and_screenshots_turn_back() {
    let (mut cage, address) = start_kiosk(
        CageOptions {
            no_decorations: true,
            output: Some("1920x1080"),
            ..CageOptions::default()
        },
        "rotation: 90,",
    );
    let slide = slide_on_full_screen(&mut cage, &address);
    // The panel is turned a quarter clockwise: turning the output's picture the same way shows
    // what a visitor sees, which must be the portrait slide.
    let area = slide_area(&status(&address));
    let expected = preview_slide_with(
        &demo_playlist(&cage, &slide.0),
        slide.1,
        "1080x1920",
        Some(&cage.home.path().join("kiosk.ron")),
    );
    let seen = assert_comes_to_show(
        || crop(&image::imageops::rotate90(&cage.screenshot()), area),
        &crop(&expected, area),
        "rotated panel",
        Duration::from_secs(3),
    );
    let screenshot = screenshot_within_a_second(&address, 0);
    assert_shows(&crop(&screenshot, area), &seen, "rotated screenshot");
    band_shows_clock_and_ticker(&image::imageops::rotate90(&cage.screenshot()), area);
    cage.stop();
}

#[test]
fn screenshots_answer_within_a_second_and_show_what_grim_reads() {
    let _alone = TIMED.lock().unwrap_or_else(|e| e.into_inner());
    let (mut cage, address) = start_kiosk(
        CageOptions {
            no_decorations: true,
            ..CageOptions::default()
        },
        "",
    );
    let slide = slide_on_full_screen(&mut cage, &address);
    // Let the player fall asleep on its still slide: that is when a screenshot used to wait.
    std::thread::sleep(Duration::from_secs(2));
    let area = slide_area(&status(&address));
    for request in 0..10 {
        let screenshot = screenshot_within_a_second(&address, request);
        screen_shows(
            &cage,
            &address,
            &slide,
            &crop(&screenshot, area),
            "screenshot under cage",
            area,
        );
    }
    cage.stop();
}

#[test]
fn a_tap_on_the_quiz_tablet_starts_a_round() {
    let quiz_line = "mode: tablet, quiz: \"var/playlists/food-safety-quiz.ron\", results_log: \"var/results.jsonl\",";
    let (mut cage, address) = start_kiosk(
        CageOptions {
            no_decorations: true,
            touch: true,
            ..CageOptions::default()
        },
        quiz_line,
    );
    // cage gives a touch to the window under it: the window must be up first.
    slide_on_full_screen(&mut cage, &address);
    assert_eq!(status(&address)["quiz"]["screen"], "attract");
    // cage 0.1.4 sends no wl_touch.frame: the tap must count without one.
    cage.touch("down 0 0.5 0.4");
    cage.touch("up 0");
    wait_for("a question after the tap", Duration::from_secs(10), || {
        (status(&address)["quiz"]["screen"] == "question").then_some(())
    });
    // And an answer by touch, at a choice's place as /status gives it.
    let quiz = status(&address)["quiz"].clone();
    let choice = quiz["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["action"].as_str().unwrap().contains("Choice"))
        .unwrap_or_else(|| panic!("no choice button: {quiz}"))
        .clone();
    let (width, height) = HEADLESS_OUTPUT;
    let x = (choice["x"].as_f64().unwrap() + choice["width"].as_f64().unwrap() / 2.0)
        / f64::from(width);
    let y = (choice["y"].as_f64().unwrap() + choice["height"].as_f64().unwrap() / 2.0)
        / f64::from(height);
    // Past the double-tap guard.
    std::thread::sleep(Duration::from_millis(500));
    cage.touch(&format!("down 1 {x} {y}"));
    cage.touch("up 1");
    wait_for("feedback after the answer", Duration::from_secs(10), || {
        (status(&address)["quiz"]["screen"] == "feedback").then_some(())
    });
    cage.stop();
}

#[test]
fn ready_and_watchdog_pings_reach_systemd_through_cage() {
    let sockets = tempfile::tempdir().unwrap();
    std::fs::set_permissions(sockets.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = sockets.path().join("notify");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    // The player runs as cage's unprivileged user, as under the unit's User=kiosk.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let (mut cage, _address) = start_kiosk(
        CageOptions {
            no_decorations: true,
            env: vec![
                ("NOTIFY_SOCKET".into(), path.to_str().unwrap().into()),
                // Pings every second: half the interval.
                ("WATCHDOG_USEC".into(), "2000000".into()),
            ],
            ..CageOptions::default()
        },
        "",
    );
    let mut said = Vec::new();
    let mut buffer = [0; 256];
    while said
        .iter()
        .filter(|m: &&String| m.contains("WATCHDOG=1"))
        .count()
        < 3
    {
        let length = socket
            .recv(&mut buffer)
            .unwrap_or_else(|e| panic!("{e}: got {said:?}\n{}", cage.log()));
        said.push(String::from_utf8_lossy(&buffer[..length]).into_owned());
    }
    assert!(said[0].contains("READY=1"), "{said:?}");
    cage.stop();
}

#[test]
fn a_video_slide_plays_its_frames_in_order_under_cage() {
    let _alone = TIMED.lock().unwrap_or_else(|e| e.into_inner());
    use common::video::{H264_MP4, counter_clip, counter_frame};
    let frames = 10;
    let mut cage = Cage::start_with(
        CageOptions {
            no_decorations: true,
            ..Default::default()
        },
        |cage_home| {
            let config = kiosk_files(cage_home, "");
            // The demo's playlists make way for one video slide: a counter at 5 frames a second,
            // slow enough for grim to see every frame.
            let playlists = cage_home.join("var/playlists");
            for entry in std::fs::read_dir(&playlists).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "ron") {
                    std::fs::remove_file(path).unwrap();
                }
            }
            counter_clip(
                &playlists.join("media"),
                "count.mp4",
                (320, 240),
                frames,
                5,
                H264_MP4,
            );
            std::fs::write(
                playlists.join("video.ron"),
                r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", fit: Cover, seconds: 600)])"#,
            )
            .unwrap();
            vec![
                "run".into(),
                "--config".into(),
                config.into_os_string(),
                "--status-listen".into(),
                "127.0.0.1:0".into(),
            ]
        },
    );
    let address = wait_for("the status endpoint", Duration::from_secs(30), || {
        assert!(cage.running(), "cage stopped:\n{}", cage.log());
        status_address(&cage.log())
    });
    wait_for("the video slide", Duration::from_secs(30), || {
        assert!(cage.running(), "cage stopped:\n{}", cage.log());
        (status(&address)["showing"]["kind"] == "video").then_some(())
    });
    let (width, height) = HEADLESS_OUTPUT;
    let grey = |[r, g, b]: [u8; 3]| r > 20 && r.abs_diff(g) <= 3 && g.abs_diff(b) <= 3;
    wait_for("the video on screen", Duration::from_secs(5), || {
        grey(cage.screenshot().get_pixel(width / 2, height / 2).0).then_some(())
    });
    let mut order: Vec<u32> = Vec::new();
    let start = std::time::Instant::now();
    // The installed config has a band below the slides.
    let (_, _, slide_width, slide_height) = slide_area(&status(&address));
    while start.elapsed() < Duration::from_secs(6) {
        let screen = cage.screenshot();
        // Covering the slides' whole area: its corners are video too.
        for (x, y) in [
            (width / 2, height / 2),
            (4, 4),
            (slide_width - 4, slide_height - 4),
        ] {
            let pixel = screen.get_pixel(x, y).0;
            assert!(grey(pixel), "({x}, {y}) is not the video: {pixel:?}");
        }
        let frame = counter_frame(screen.get_pixel(width / 2, height / 2).0[0], frames);
        if order.last() != Some(&frame) {
            order.push(frame);
        }
    }
    let wraps = order.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(wraps >= 2, "the video did not loop: {order:?}");
    for pair in order.windows(2) {
        let step = (pair[1] + frames - pair[0]) % frames;
        assert!((1..=2).contains(&step), "frames out of order: {order:?}");
    }
    cage.stop();
}

#[test]
fn an_official_warning_takes_the_kiosk_over_under_cage() {
    use common::feeds::{FeedServer, warning};
    let server = FeedServer::start();
    let level5 = warning("20260701181200");
    server.document(&level5.file, "VPWW55-yokohama-level5.xml");
    server.feed("extra_l.xml", &[]);
    server.feed("extra.xml", &[]);
    let alerts = format!(
        r#"alerts: (jma: (feeds: "{}/feed/", areas: ["1410000"], poll_seconds: 2)),"#,
        server.base
    );
    let (mut cage, address) = start_kiosk(CageOptions::default(), &alerts);
    slide_on_full_screen(&mut cage, &address);
    server.feed("extra.xml", &[level5]);
    wait_for("the warning on screen", Duration::from_secs(30), || {
        let showing = &status(&address)["showing"];
        (showing["playlist"] == "(alerts)").then_some(())
    });
    // The warning takes the whole output, band included, in level 5's black (JMA's 12,0,12);
    // grim reads what cage shows, and its QR card reads as a phone would.
    let black = |screen: &image::RgbImage| {
        let black = screen.pixels().filter(|p| p.0 == [12, 0, 12]).count();
        black as f64 / f64::from(screen.width() * screen.height())
    };
    let screen = wait_for("cage to show the warning", Duration::from_secs(5), || {
        let screen = cage.screenshot();
        (black(&screen) > 0.5).then_some(screen)
    });
    let png = cage.home.path().join("warning.png");
    screen.save(&png).unwrap();
    let decoded = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (zbar-tools)");
    assert_eq!(
        String::from_utf8_lossy(&decoded.stdout).trim(),
        "https://www.jma.go.jp/bosai/warning/"
    );
    if let Ok(keep) = std::env::var("KIOSK_KEEP_SCREENSHOTS") {
        screen
            .save(Path::new(&keep).join("alert-cage.png"))
            .unwrap();
    }
    cage.stop();
}
