//! The real player in a real window (under Xvfb, drawn with software Vulkan): hot reload of the
//! playlists folder, a bad file beside good ones, and an emergency taking over, seen in the play log.

mod common;

use common::display::{
    Running, http_get, http_get_bytes, spawn_with_status, start_xvfb, wait_for, write_atomically,
};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn start_player(display: &str, playlists: &Path, play_log: &Path, runtime: &Path) -> Running {
    start_player_with(
        display,
        &["--playlists".as_ref(), playlists.as_os_str()],
        play_log,
        runtime,
    )
}

/// `kiosk-player run --windowed --size WxH` on `display`, quiet, with more arguments to add.
fn player(display: &str, runtime: &Path, size: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    command
        .args(["run", "--windowed", "--size", size])
        .env("DISPLAY", display)
        .env("XDG_RUNTIME_DIR", runtime)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn start_player_with(
    display: &str,
    source: &[&std::ffi::OsStr],
    play_log: &Path,
    runtime: &Path,
) -> Running {
    let mut command = player(display, runtime, "640x360");
    command.args(source).arg("--play-log").arg(play_log);
    Running(command.spawn().unwrap())
}

#[derive(Debug)]
struct Shown {
    playlist: Option<String>,
    slide: Option<u64>,
}

fn play_log(path: &Path) -> Vec<Shown> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| Shown {
            playlist: v["playlist"].as_str().map(str::to_owned),
            slide: v["slide"].as_u64(),
        })
        .collect()
}

#[test]
fn hot_reload_bad_files_and_emergency_takeover() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    let log = dir.path().join("play.log");
    // Slides long enough that a takeover can only be "at once", never "at the next slide".
    std::fs::write(
        playlists.join("normal.ron"),
        r#"Playlist(title: "normal", slide_seconds: 60, slides: [Text(title: "一"), Text(title: "二")])"#,
    )
    .unwrap();
    let player = start_player(&display, &playlists, &log, dir.path());
    let limit = Duration::from_secs(30);
    wait_for("the first slide", limit, || {
        play_log(&log)
            .iter()
            .any(|s| s.playlist.as_deref() == Some("normal.ron"))
            .then_some(())
    });

    // A broken file gets a note beside it and disturbs nothing.
    write_atomically(
        &playlists.join("broken.ron"),
        "Playlist(title: \"x\", slides: [Txt()])",
    );
    let note = playlists.join("broken.ron.error.txt");
    let text = wait_for("the problems note", limit, || {
        std::fs::read_to_string(&note).ok()
    });
    assert!(
        text.contains("broken.ron:1:31: unknown kind `Txt`"),
        "{text}"
    );

    // An emergency dropped in mid-slide takes over at once.
    let dropped = Instant::now();
    write_atomically(
        &playlists.join("alert.ron"),
        r#"Playlist(title: "alert", emergency: true, transition: Cut, slides: [Text(title: "緊急")])"#,
    );
    wait_for("the emergency", limit, || {
        play_log(&log)
            .iter()
            .any(|s| s.playlist.as_deref() == Some("alert.ron"))
            .then_some(())
    });
    let latency = dropped.elapsed();
    eprintln!("emergency on screen {latency:?} after the file was written");
    assert!(
        latency < Duration::from_secs(60),
        "it waited for the slide to end"
    );
    let shown = play_log(&log);
    let normal_before = shown
        .iter()
        .take_while(|s| s.playlist.as_deref() != Some("alert.ron"))
        .filter(|s| s.playlist.as_deref() == Some("normal.ron"))
        .count();
    assert_eq!(
        normal_before, 1,
        "the emergency cut into the first slide: {shown:?}"
    );

    // Removing it returns to the loop, after the slide it interrupted.
    std::fs::remove_file(playlists.join("alert.ron")).unwrap();
    wait_for("the loop to resume", limit, || {
        let shown = play_log(&log);
        let last = shown.last()?;
        (last.playlist.as_deref() == Some("normal.ron") && last.slide == Some(1)).then_some(())
    });

    // Fixing the broken file removes the note.
    write_atomically(
        &playlists.join("broken.ron"),
        r#"Playlist(title: "x", slides: [Text(title: "直")])"#,
    );
    wait_for("the note to go", limit, || (!note.exists()).then_some(()));
    drop(player);
}

fn shown_playlists(log: &Path) -> Vec<String> {
    play_log(log)
        .into_iter()
        .map(|s| s.playlist.unwrap_or_else(|| "idle".into()))
        .collect()
}

#[test]
fn content_from_a_web_server_updates_survives_the_server_going_away_and_plays_offline() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("published");
    std::fs::create_dir(&content).unwrap();
    std::fs::write(
        content.join("lobby.ron"),
        r#"Playlist(title: "lobby", slide_seconds: 2, slides: [Text(title: "ロビー")])"#,
    )
    .unwrap();
    kiosk_player::content::sync::publish(&content).unwrap();
    let server = common::Server::start(&content);
    let config = dir.path().join("kiosk.ron");
    std::fs::write(
        &config,
        format!(
            "Config(cache: {:?}, sources: [Http(url: {:?}, poll_seconds: 5)])",
            dir.path().join("cache"),
            server.url
        ),
    )
    .unwrap();
    let log = dir.path().join("play.log");
    let args = ["--config".as_ref(), config.as_os_str()];
    let limit = Duration::from_secs(30);

    let player = start_player_with(&display, &args, &log, dir.path());
    wait_for("content from the server", limit, || {
        shown_playlists(&log)
            .contains(&"lobby.ron".to_string())
            .then_some(())
    });

    // Publishing a higher-priority playlist shows it within a poll interval.
    std::fs::write(content.join("news.ron"), r#"Playlist(title: "news", priority: 5, slide_seconds: 2, slides: [Text(title: "お知らせ")])"#).unwrap();
    kiosk_player::content::sync::publish(&content).unwrap();
    let published = Instant::now();
    wait_for("the published change", limit, || {
        shown_playlists(&log)
            .contains(&"news.ron".to_string())
            .then_some(())
    });
    eprintln!("published change on screen after {:?}", published.elapsed());

    // With the server gone, the show goes on unchanged.
    server.stop();
    let shown_before = shown_playlists(&log).len();
    std::thread::sleep(Duration::from_secs(7));
    let after: Vec<String> = shown_playlists(&log).split_off(shown_before);
    assert!(
        after.len() >= 2 && after.iter().all(|p| p == "news.ron"),
        "after the server stopped: {after:?}"
    );
    drop(player);

    // A restart with no server plays the cached content straight away.
    std::fs::remove_file(&log).unwrap();
    let _player = start_player_with(&display, &args, &log, dir.path());
    let first = wait_for("the first slide after a restart", limit, || {
        shown_playlists(&log).first().cloned()
    });
    assert_eq!(first, "news.ron");
}

#[test]
fn tells_systemd_it_is_ready_and_feeds_the_watchdog_while_drawing() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(
        playlists.join("a.ron"),
        r#"Playlist(title: "a", slide_seconds: 600, slides: [Text(title: "静")])"#,
    )
    .unwrap();
    let _player = Running(
        player(&display, dir.path(), "320x180")
            .arg("--playlists")
            .arg(&playlists)
            .env("NOTIFY_SOCKET", &socket_path)
            // systemd would also set WATCHDOG_PID, to the compositor's pid.
            .env("WATCHDOG_USEC", "1000000")
            .env("WATCHDOG_PID", "1")
            .spawn()
            .unwrap(),
    );
    let mut buffer = [0u8; 256];
    let mut messages = Vec::new();
    let started = Instant::now();
    // A static slide for ten minutes: the watchdog still hears from the player every half second.
    while messages
        .iter()
        .filter(|m: &&String| m.as_str() == "WATCHDOG=1")
        .count()
        < 6
    {
        let n = socket
            .recv(&mut buffer)
            .expect("the player keeps notifying");
        messages.push(String::from_utf8_lossy(&buffer[..n]).trim().to_string());
        assert!(started.elapsed() < Duration::from_secs(30), "{messages:?}");
    }
    assert_eq!(messages[0], "READY=1", "{messages:?}");
}

/// Slides change when they are due, and the play log says when: a wake-up timer that rang a
/// little early once left every so often a slide up for twice its time.
#[test]
fn slides_change_on_time_and_the_play_log_says_when() {
    let (_xvfb, display) = start_xvfb("640x360");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(
        playlists.join("lobby.ron"),
        r#"Playlist(title: "t", slide_seconds: 2, transition: Cut, slides: [Text(title: "一"), Text(title: "二"), Text(title: "三")])"#,
    )
    .unwrap();
    let log = dir.path().join("play.jsonl");
    let _player = start_player(&display, &playlists, &log, dir.path());
    let times = wait_for("eight slides logged", Duration::from_secs(40), || {
        let times: Vec<chrono::DateTime<chrono::FixedOffset>> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|v| chrono::DateTime::parse_from_rfc3339(v["time"].as_str()?).ok())
            .collect();
        (times.len() >= 8).then_some(times)
    });
    for pair in times.windows(2) {
        let seconds = (pair[1] - pair[0]).as_seconds_f64();
        assert!(
            (1.8..2.8).contains(&seconds),
            "a 2 s slide was on screen for {seconds:.2} s: {times:?}"
        );
    }
}

#[test]
fn status_and_metrics_describe_the_running_player() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(playlists.join("lobby.ron"), r#"Playlist(title: "ロビー", slide_seconds: 1, transition_seconds: 0.3, slides: [Text(title: "食品衛生のお知らせ"), Text(title: "ペット同行避難")])"#).unwrap();
    std::fs::write(
        playlists.join("broken.ron"),
        r#"Playlist(title: "x", slides: [Txt()])"#,
    )
    .unwrap();
    let (_player, address) = spawn_with_status(
        player(&display, dir.path(), "320x180")
            .args(["--status-listen", "127.0.0.1:0", "--playlists"])
            .arg(&playlists),
    );

    let status = wait_for(
        "two slides shown and the broken file reported",
        Duration::from_secs(30),
        || {
            let (_, body) = http_get(&address, "/status");
            let status: serde_json::Value = serde_json::from_str(&body).unwrap();
            let broken_reported = status["playlists"]
                .as_array()?
                .iter()
                .any(|p| p["id"] == "broken.ron" && !p["problems"].as_array().unwrap().is_empty());
            (status["showing"]["playlist"] == "lobby.ron" && broken_reported).then_some(status)
        },
    );
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["showing"]["title"], "ロビー");
    assert!(
        status["next_change_in_seconds"]
            .as_f64()
            .is_some_and(|s| s <= 1.0),
        "{status}"
    );
    assert!(
        status["last_frame_age_seconds"]
            .as_f64()
            .is_some_and(|s| (0.0..1.5).contains(&s)),
        "{status}"
    );
    assert!(
        status["sources"][0]["live"]
            .as_str()
            .is_some_and(|p| p.ends_with("playlists")),
        "{status}"
    );
    let problems = status["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "broken.ron")
        .unwrap()["problems"]
        .to_string();
    assert!(problems.contains("unknown kind `Txt`"), "{problems}");

    // Let a few transitions happen, then check the metrics with Prometheus's own checker.
    std::thread::sleep(Duration::from_secs(3));
    let (status_line, metrics) = http_get(&address, "/metrics");
    assert!(status_line.contains("200"), "{status_line}");
    for name in [
        "kiosk_slides_shown_total",
        "kiosk_transitions_total",
        "kiosk_transition_frame_seconds_count",
        "kiosk_resident_memory_bytes",
    ] {
        let value: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{metrics}"))
            .parse()
            .unwrap();
        assert!(value > 0.0, "{name} is {value}");
    }
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian's prometheus package; .ci/run installs it)");
    std::io::Write::write_all(&mut promtool.stdin.take().unwrap(), metrics.as_bytes()).unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(
        http_get(&address, "/nothing").0.split_whitespace().nth(1),
        Some("404")
    );

    // The screenshot is the frame on screen: the window's size, with the slide's text on it.
    let (status_line, png) = http_get_bytes(&address, "/screenshot");
    assert!(status_line.contains("200"), "{status_line}");
    let frame = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(frame.dimensions(), (320, 180));
    let colours: std::collections::HashSet<[u8; 3]> = frame.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "a drawn slide, not a flat frame ({} colours)",
        colours.len()
    );
}

#[test]
fn a_frozen_render_loop_stops_the_watchdog() {
    let (xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(
        playlists.join("a.ron"),
        r#"Playlist(title: "a", slide_seconds: 600, slides: [Text(title: "静止")])"#,
    )
    .unwrap();
    let _player = Running(
        player(&display, dir.path(), "320x180")
            .args(["--status-listen", "off", "--playlists"])
            .arg(&playlists)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "1000000")
            .spawn()
            .unwrap(),
    );
    let mut buffer = [0u8; 64];
    let mut receive = |timeout: Duration| {
        socket.set_read_timeout(Some(timeout)).unwrap();
        socket
            .recv(&mut buffer)
            .ok()
            .map(|n| String::from_utf8_lossy(&buffer[..n]).trim().to_string())
    };
    let fed = (0..10)
        .filter_map(|_| receive(Duration::from_secs(30)))
        .filter(|m| m == "WATCHDOG=1")
        .count();
    assert!(fed >= 5, "the watchdog is fed while frames come");

    // A hung display server blocks the render loop in its next frame; the watchdog thread lives on.
    let stop = |signal: &str| {
        Command::new("kill")
            .args([signal, &xvfb.0.id().to_string()])
            .status()
            .unwrap()
    };
    assert!(stop("-STOP").success());
    let frozen = Instant::now();
    let mut last_ping = frozen;
    while frozen.elapsed() < Duration::from_secs(6) {
        if receive(Duration::from_millis(200)).as_deref() == Some("WATCHDOG=1") {
            last_ping = Instant::now();
        }
    }
    // Pings for the last frames before the hang may still come; then they stop.
    let fed_for = last_ping - frozen;
    assert!(
        fed_for < Duration::from_secs(3),
        "still fed {fed_for:?} after the render loop froze"
    );
    assert!(stop("-CONT").success());
    assert_eq!(
        receive(Duration::from_secs(10)).as_deref(),
        Some("WATCHDOG=1"),
        "fed again once frames resume"
    );
}

#[test]
fn a_slide_that_never_finishes_drawing_is_reported_late_and_then_stops_the_watchdog() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir_all(playlists.join("media")).unwrap();
    // A poster whose filter takes hours to draw: a dilation by 400 pixels over the whole page.
    std::fs::write(
        playlists.join("media/heavy.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080">
  <filter id="f" x="0" y="0" width="1" height="1"><feMorphology operator="dilate" radius="400"/></filter>
  <rect width="1920" height="1080" fill="#885533" filter="url(#f)"/>
</svg>"##,
    )
    .unwrap();
    std::fs::write(
        playlists.join("show.ron"),
        r#"Playlist(title: "show", slides: [
            Text(title: "一", seconds: 2), Poster(file: "media/heavy.svg"), Text(title: "三")])"#,
    )
    .unwrap();
    // The drawing limit would end it after 10 s; here it is long, as for a file read from a
    // network share that hangs.
    let config = dir.path().join("kiosk.ron");
    std::fs::write(&config, "(drawing_limits: (seconds: 300))").unwrap();
    let log = dir.path().join("player.log");
    let (_player, address) = common::display::spawn_logging_to(
        player(&display, dir.path(), "640x360")
            .args(["--status-listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .arg("--playlists")
            .arg(&playlists)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "2000000"),
        &log,
    );
    let late = wait_for("the show reported late", Duration::from_secs(30), || {
        let status: serde_json::Value =
            serde_json::from_str(&http_get(&address, "/status").1).ok()?;
        status.get("late").filter(|late| late.is_object()).cloned()
    });
    assert_eq!(
        late["waiting_for"], "slide 2 of show.ron (poster media/heavy.svg)",
        "{late}"
    );
    assert!(late["seconds"].as_f64().unwrap() >= 5.0, "{late}");
    assert!(
        http_get(&address, "/status").1.contains("\"slide\": 0"),
        "the first slide stays on screen"
    );
    let metrics = http_get(&address, "/metrics").1;
    let seconds: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("kiosk_show_late_seconds "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(seconds >= 5.0, "{metrics}");

    // Frames still come (the status above is fresh), but the watchdog is no longer fed.
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buffer = [0u8; 64];
    let mut last_ping = Instant::now();
    let watched = Instant::now();
    while watched.elapsed() < Duration::from_secs(8) {
        if let Ok(n) = socket.recv(&mut buffer)
            && &buffer[..n] == b"WATCHDOG=1"
        {
            last_ping = Instant::now();
        }
    }
    let fed_for = last_ping - watched;
    assert!(
        fed_for < Duration::from_secs(3),
        "the watchdog was still fed {fed_for:?} after the show was stuck"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("the show is late: slide 2 of show.ron (poster media/heavy.svg) has been drawing for 5 s"),
        "{logged}"
    );
    assert!(logged.contains("the show is stuck"), "{logged}");
}

/// Clicks inside the player's X window with real X11 pointer events (XTEST, as a mouse would).
fn xdotool_click(display: &str, window: &str, (x, y): (f64, f64)) {
    let status = Command::new("xdotool")
        .args(["mousemove", "--window", window])
        .arg(format!("{}", x.round()))
        .arg(format!("{}", y.round()))
        .args(["click", "1"])
        .env("DISPLAY", display)
        .status()
        .expect("xdotool is installed (apt-get install xdotool; .ci/run does this)");
    assert!(status.success());
}

/// The centre of the quiz button whose action is `action`, from `/status`.
fn quiz_button(status: &serde_json::Value, action: &str) -> Option<(f64, f64)> {
    status["quiz"]["buttons"]
        .as_array()?
        .iter()
        .find(|b| b["action"] == action)
        .map(|b| {
            let number = |k: &str| b[k].as_f64().unwrap();
            (
                number("x") + number("width") / 2.0,
                number("y") + number("height") / 2.0,
            )
        })
}

/// A quiz tablet under its own Xvfb, clicked with xdotool where `/status` says its buttons are;
/// its staff PIN is 2580, and its runtime folder (for the staff exit's marker) the test's.
struct QuizTablet {
    player: Running,
    _xvfb: Running,
    display: String,
    address: String,
    window: String,
}

impl QuizTablet {
    /// The quiz of three questions (right answers: choices 0, 1 and 3), its results appended to
    /// `results`.
    fn start(dir: &Path, results: &Path) -> QuizTablet {
        let (xvfb, display) = start_xvfb("1280x720");
        let playlists = dir.join("playlists");
        std::fs::create_dir_all(&playlists).unwrap();
        std::fs::write(
            playlists.join("loop.ron"),
            r#"Playlist(title: "loop", slides: [Text(title: "食品衛生")])"#,
        )
        .unwrap();
        let quiz = dir.join("quiz.ron");
        std::fs::write(&quiz, r#"Quiz(title: "クイズ", shuffle: false, questions: [
            (question: "一", choices: [(ja: "正"), (ja: "誤")], answer: 1, explanation: "説明"),
            (question: "二", choices: [(ja: "誤"), (ja: "正"), (ja: "誤")], answer: 2, explanation: "説明"),
            (question: "三", choices: [(ja: "誤"), (ja: "誤"), (ja: "誤"), (ja: "正")], answer: 4, explanation: "説明"),
        ])"#).unwrap();
        let config = dir.join("kiosk.ron");
        std::fs::write(&config, r#"(staff_pin: "2580")"#).unwrap();
        let (player, address) = spawn_with_status(
            player(&display, dir, "1024x640")
                .env("RUNTIME_DIRECTORY", dir)
                .arg("--config")
                .arg(&config)
                .args(["--status-listen", "127.0.0.1:0", "--playlists"])
                .arg(&playlists)
                .arg("--quiz")
                .arg(&quiz)
                .arg("--results-log")
                .arg(results),
        );
        let window = wait_for("the player's window", Duration::from_secs(30), || {
            let output = Command::new("xdotool")
                .args(["search", "--name", "kiosk-player"])
                .env("DISPLAY", &display)
                .output()
                .ok()?;
            let text = String::from_utf8(output.stdout).ok()?;
            text.lines().next().map(str::to_owned)
        });
        let tablet = QuizTablet {
            player,
            _xvfb: xvfb,
            display,
            address,
            window,
        };
        tablet.wait_for_screen("attract");
        // Let the attract loop's first slide arrive before the first touch.
        std::thread::sleep(Duration::from_millis(500));
        tablet
    }

    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&http_get(&self.address, "/status").1).unwrap()
    }

    fn wait_for_screen(&self, screen: &str) -> serde_json::Value {
        wait_for(screen, Duration::from_secs(30), || {
            let now = self.status();
            (now["quiz"]["screen"] == screen).then_some(now)
        })
    }

    /// Touches the button for `action` on the screen `now` shows.
    fn press(&self, now: &serde_json::Value, action: &str) {
        let target =
            quiz_button(now, action).unwrap_or_else(|| panic!("no button {action}: {now}"));
        xdotool_click(&self.display, &self.window, target);
    }

    /// Starts a round and answers with `choices`, leaving the feedback of the last one on screen.
    fn answer(&self, choices: &[usize]) -> serde_json::Value {
        xdotool_click(&self.display, &self.window, (500.0, 200.0));
        let mut now = self.wait_for_screen("question");
        for (number, choice) in choices.iter().enumerate() {
            if number > 0 {
                std::thread::sleep(Duration::from_millis(500));
                self.press(&now, "Quiz(Next)");
                now = self.wait_for_screen("question");
            }
            std::thread::sleep(Duration::from_millis(500));
            self.press(&now, &format!("Quiz(Choice({choice}))"));
            now = self.wait_for_screen("feedback");
        }
        now
    }
}

/// The round lines of a results log.
fn result_lines(results: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(results)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_visitor_plays_a_whole_round_with_the_mouse_and_it_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.jsonl");
    let tablet = QuizTablet::start(dir.path(), &results);
    // The attract loop's slide lies whole above the band: its accent stripe down the left edge
    // reaches the band, which starts 24 hundredths of the short side (154 px) from the bottom.
    assert_eq!(
        tablet.status()["screen"]["slide_area"],
        serde_json::json!([0, 0, 1024, 486])
    );
    let screen = wait_for("the loop's slide", Duration::from_secs(10), || {
        let png = http_get_bytes(&tablet.address, "/screenshot").1;
        let screen = image::load_from_memory(&png).ok()?.to_rgb8();
        let near = |at: (u32, u32), colour: [u8; 3]| {
            let pixel = screen.get_pixel(at.0, at.1).0;
            (0..3).all(|c| pixel[c].abs_diff(colour[c]) <= 6)
        };
        (near((3, 483), [0xB4, 0x46, 0x1B]) && near((3, 600), [0x17, 0x32, 0x4D])).then_some(screen)
    });
    assert_eq!(screen.dimensions(), (1024, 640));
    // Right, wrong, right: the choices' positions come from the screen itself.
    let now = tablet.answer(&[0, 0, 3]);
    std::thread::sleep(Duration::from_millis(500));
    tablet.press(&now, "Quiz(Next)");
    let now = tablet.wait_for_screen("result");
    std::thread::sleep(Duration::from_millis(500));
    tablet.press(&now, "Quiz(Next)");
    tablet.wait_for_screen("attract");

    let lines = result_lines(&results);
    // One line after each answer, then the round as it ended, all with the round's start.
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines.iter().all(|line| line["round"] == lines[0]["round"]));
    assert!(lines[..3].iter().all(|line| line["in_progress"] == true));
    let round = &lines[3];
    assert!(round.get("in_progress").is_none(), "{round}");
    assert_eq!(round["finished"], true);
    assert_eq!(round["quiz"], "quiz");
    assert_eq!(round["answers"].as_array().unwrap().len(), 3);
    assert_eq!(round["score"], 2, "right, wrong, right");
    let correct: Vec<bool> = round["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["correct"] == true)
        .collect();
    assert_eq!(correct, [true, false, true]);
}

#[test]
fn a_power_cut_mid_round_or_on_the_result_screen_loses_no_answer_given() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.jsonl");
    // Two answers given, then the power goes (kill -9: nothing of the player runs after it).
    let mut tablet = QuizTablet::start(dir.path(), &results);
    tablet.answer(&[0, 1]);
    tablet.player.0.kill().unwrap();
    tablet.player.0.wait().unwrap();
    drop(tablet);
    let lines = result_lines(&results);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1]["answers"].as_array().unwrap().len(), 2);

    // The next day's visitor answers all three, and the power goes on the result screen.
    let mut tablet = QuizTablet::start(dir.path(), &results);
    let now = tablet.answer(&[0, 0, 3]);
    std::thread::sleep(Duration::from_millis(500));
    tablet.press(&now, "Quiz(Next)");
    tablet.wait_for_screen("result");
    tablet.player.0.kill().unwrap();
    tablet.player.0.wait().unwrap();
    drop(tablet);

    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .args(["report", "--csv"])
        .arg(&results)
        .output()
        .unwrap();
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout).unwrap();
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    // Two rounds, each once, neither finished; every answer given is counted.
    assert!(report.contains(&format!("{today},2,0,0\n")), "{report}");
    for (question, correct_percent) in [(1, "100"), (2, "50"), (3, "100")] {
        let answered = if question == 3 { 1 } else { 2 };
        assert!(
            report.contains(&format!(
                "\"quiz\",{question},{answered},{correct_percent}\n"
            )),
            "question {question}: {report}"
        );
    }
}

#[test]
fn staff_close_the_real_tablet_with_the_corner_and_the_pin_and_it_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.jsonl");
    let mut tablet = QuizTablet::start(dir.path(), &results);
    // Hold the mouse down in the top-left corner for more than 3 s.
    let held = Command::new("xdotool")
        .args([
            "mousemove",
            "--window",
            &tablet.window,
            "10",
            "10",
            "mousedown",
            "1",
        ])
        .args(["sleep", "3.4", "mouseup", "1"])
        .env("DISPLAY", &tablet.display)
        .status()
        .unwrap();
    assert!(held.success());
    let mut now = tablet.wait_for_screen("staff-pin");
    for key in ["Digit(2)", "Digit(5)", "Digit(8)", "Digit(0)", "Enter"] {
        std::thread::sleep(Duration::from_millis(300));
        tablet.press(&now, &format!("Pin({key})"));
        if key != "Enter" {
            now = tablet.status();
        }
    }
    let ended = wait_for("the player to exit", Duration::from_secs(10), || {
        tablet.player.0.try_wait().unwrap()
    });
    assert_eq!(ended.code(), Some(0), "{ended:?}");
    assert!(
        dir.path().join("staff-exit").exists(),
        "the marker that keeps systemd from restarting it"
    );
}
