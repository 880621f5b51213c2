//! Official warnings from scripted feeds on a loopback server built from JMA's own sample
//! documents (`tests/fixtures/jma/`, 出典：気象庁) and the CAP 1.2 specification's examples: the
//! poller as the player runs it, and the real player taking the screen over and giving it back.

mod common;

use common::display::{Running, spawn_logging_to, start_xvfb, status, wait_for};
use common::feeds::{FeedServer, entry, fixtures, tsunami, warning};
use kiosk_player::content::alerts::{AlertWatch, SharedAlertStatus};
use kiosk_player::content::folder::LibraryChange;
use kiosk_player::core::alerts::{AlertsConfig, CapSourceConfig, JmaConfig};
use kiosk_player::core::playlist::Slide;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn jma_config(server: &FeedServer, poll_seconds: u32) -> JmaConfig {
    JmaConfig {
        feeds: format!("{}/feed/", server.base),
        areas: vec!["1410000".into(), "1410011".into(), "1410012".into()],
        earthquake_areas: vec!["360".into(), "1411100".into()],
        tsunami_areas: vec!["312".into()],
        takeover_level: 4,
        poll_seconds,
        drills: false,
        earthquake_minutes: 30,
    }
}

/// The time of the `n`th poll after `start`: JMA's feeds are due at most 89 s after a poll (at
/// second 20 of a minute).
fn poll_time(start: Instant, n: u64) -> Instant {
    start + Duration::from_secs(90 * n)
}

fn watch(config: AlertsConfig) -> (AlertWatch, SharedAlertStatus) {
    let status = SharedAlertStatus::default();
    let watch = AlertWatch::new(&config, None, status.clone()).unwrap();
    (watch, status)
}

/// The emergency slide's title and body in a batch of changes, or "removed".
fn takeover(changes: &[LibraryChange]) -> Option<String> {
    changes.iter().find_map(|change| match change {
        LibraryChange::Loaded { id, playlist, .. } if id == "(alerts)" => {
            assert!(playlist.emergency);
            let Slide::Alert(slide) = &playlist.slides[0] else {
                panic!("the alert's own slide")
            };
            Some(format!(
                "{}\n{}",
                slide.title,
                slide.body.clone().unwrap_or_default()
            ))
        }
        LibraryChange::Removed { id } if id == "(alerts)" => Some("removed".into()),
        _ => None,
    })
}

fn ticker(changes: &[LibraryChange]) -> Option<Vec<String>> {
    changes.iter().find_map(|change| match change {
        LibraryChange::Ticker { id, messages } if id == "(alerts)" => Some(messages.clone()),
        _ => None,
    })
}

#[test]
fn jma_feeds_become_ticker_lines_then_a_takeover_then_nothing() {
    let server = FeedServer::start();
    let level3 = warning("20260701160000");
    let level5 = warning("20260701181200");
    let lifted = warning("20260701214000");
    server.document(&level3.file, "VPWW55-yokohama-level3.xml");
    server.document(&level5.file, "VPWW55-yokohama-level5.xml");
    server.document(&lifted.file, "VPWW55-yokohama-lifted.xml");
    server.feed("extra_l.xml", &[]);
    server.feed("eqvol_l.xml", &[]);
    server.feed("eqvol.xml", &[]);
    server.feed("extra.xml", &[warning("20260701160000")]);
    let (mut watch, status) = watch(AlertsConfig {
        jma: Some(jma_config(&server, 60)),
        cap: vec![],
    });
    let start = Instant::now();

    // A level-3 warning goes to the ticker; the screen is not taken over.
    let changes = watch.poll(start, true);
    assert_eq!(takeover(&changes), None);
    let lines = ticker(&changes).expect("ticker lines");
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("【レベル３大雨警報】横浜市（横浜地方気象台"),
        "{lines:?}"
    );

    // Unchanged feed: 304, no body, nothing fetched again.
    let changes = watch.poll(poll_time(start, 1), false);
    assert!(changes.is_empty(), "{}", changes.len());
    assert_eq!(server.requests("/feed/extra.xml").last(), Some(&(304, 0)));

    // 大雨特別警報 takes over; the feed repeats the old entry, which is not fetched again.
    server.feed(
        "extra.xml",
        &[warning("20260701181200"), warning("20260701160000")],
    );
    let changes = watch.poll(poll_time(start, 2), false);
    let shown = takeover(&changes).expect("the takeover");
    assert!(
        shown.starts_with("大雨特別警報\n【大雨特別警報】横浜市"),
        "{shown}"
    );
    // Issued on another day than today: the date too.
    assert!(
        shown.contains("横浜地方気象台 7月2日 3時12分発表"),
        "{shown}"
    );
    assert_eq!(
        ticker(&changes),
        Some(vec![]),
        "the level-3 line gave way to the takeover"
    );
    assert_eq!(server.requests(&format!("/data/{}", level3.file)).len(), 1);
    assert!(status.lock().unwrap().screen.takeover[0].level == 5);

    // An older snapshot listed later (out of order) changes nothing.
    let late = warning("20260701173000");
    server.document(&late.file, "VPWW55-yokohama-level4.xml");
    server.feed(
        "extra.xml",
        &[warning("20260701173000"), warning("20260701181200")],
    );
    let changes = watch.poll(poll_time(start, 3), false);
    assert!(
        takeover(&changes).is_none(),
        "an older document replaced a newer one"
    );

    // A malformed document: a clear error, and the takeover stays.
    let broken = warning("20260701200000");
    server.put(
        &format!("/data/{}", broken.file),
        "<Report xmlns=\"http://xml.kishou.go.jp/jmaxml1/\"><Control>",
    );
    server.feed("extra.xml", &[warning("20260701200000")]);
    let changes = watch.poll(poll_time(start, 4), false);
    assert!(takeover(&changes).is_none());
    let error = status.lock().unwrap().feeds[0]
        .last_error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains(&broken.file) && error.contains("broken XML at 1:"),
        "{error}"
    );

    // The lifting ends the takeover within the poll.
    server.feed("extra.xml", &[warning("20260701214000")]);
    let changes = watch.poll(poll_time(start, 5), false);
    assert_eq!(takeover(&changes).as_deref(), Some("removed"));
    assert!(status.lock().unwrap().screen.takeover.is_empty());
    assert_eq!(
        server.requests(&format!("/data/{}", broken.file)).len(),
        1,
        "garbage is not fetched again"
    );
}

#[test]
fn after_a_gap_the_long_period_feed_brings_back_what_scrolled_away() {
    let server = FeedServer::start();
    let level5 = warning("20260701181200");
    server.document(&level5.file, "VPWW55-yokohama-level5.xml");
    for name in ["extra.xml", "extra_l.xml", "eqvol.xml", "eqvol_l.xml"] {
        server.feed(name, &[]);
    }
    let (mut watch, _) = watch(AlertsConfig {
        jma: Some(jma_config(&server, 60)),
        cap: vec![],
    });
    let start = Instant::now();
    assert!(takeover(&watch.poll(start, true)).is_none());
    assert_eq!(server.answered("/feed/extra_l.xml"), 1, "read at start");
    // The server is down for 16 minutes; meanwhile the warning came and left extra.xml.
    server.set_down(true);
    for n in 1..=11 {
        watch.poll(poll_time(start, n), false);
    }
    server.set_down(false);
    server.feed("extra_l.xml", &[warning("20260701181200")]);
    let changes = watch.poll(poll_time(start, 12), false);
    assert!(takeover(&changes).is_some_and(|t| t.starts_with("大雨特別警報")));
    assert_eq!(server.answered("/feed/extra_l.xml"), 2);
    // Back to one feed a minute once caught up.
    watch.poll(poll_time(start, 13), false);
    assert_eq!(server.answered("/feed/extra_l.xml"), 2);
}

#[test]
fn a_screen_restarted_during_a_warning_shows_it_before_the_network_is_back() {
    let server = FeedServer::start();
    let level5 = warning("20260701181200");
    let lifted = warning("20260701214000");
    server.document(&level5.file, "VPWW55-yokohama-level5.xml");
    server.document(&lifted.file, "VPWW55-yokohama-lifted.xml");
    for name in ["extra_l.xml", "eqvol.xml", "eqvol_l.xml"] {
        server.feed(name, &[]);
    }
    server.feed("extra.xml", &[level5]);
    let store = tempfile::tempdir().unwrap();
    let config = AlertsConfig {
        jma: Some(jma_config(&server, 60)),
        cap: vec![],
    };
    let start = Instant::now();
    {
        let mut before = AlertWatch::new(
            &config,
            Some(store.path().into()),
            SharedAlertStatus::default(),
        )
        .unwrap();
        assert!(takeover(&before.poll(start, true)).is_some());
    }
    // The power comes back before the office's network does.
    server.set_down(true);
    let mut after = AlertWatch::new(
        &config,
        Some(store.path().into()),
        SharedAlertStatus::default(),
    )
    .unwrap();
    let shown = takeover(&after.poll(start, true)).expect("the warning from before the restart");
    assert!(shown.starts_with("大雨特別警報\n"), "{shown}");
    assert!(
        shown.contains("情報を受信できません（再起動前の情報）"),
        "{shown}"
    );
    // Lifted once the network is back: nothing is kept any more.
    server.set_down(false);
    server.feed("extra.xml", &[lifted]);
    assert_eq!(
        takeover(&after.poll(poll_time(start, 1), false)).as_deref(),
        Some("removed")
    );
    let kept: Vec<_> = std::fs::read_dir(store.path().join("jma"))
        .unwrap()
        .flatten()
        .map(|f| f.file_name())
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "{kept:?}: only the lifting document of the series"
    );
}

#[test]
fn drills_cancellations_and_documents_not_for_this_screen() {
    let server = FeedServer::start();
    let advisory = tsunami("20250206000000");
    let drill = tsunami("20250206010000");
    let cancelled = tsunami("20250206030000");
    let huge = entry(
        "20250206020000",
        "VPWS50",
        "140000",
        "気象警報・注意報（Ｒ０６）（大雨）",
        "横浜地方気象台",
    );
    let tokyo = entry(
        "20250206020000",
        "VPWW55",
        "130000",
        "気象警報・注意報（Ｒ０６）（大雨）",
        "気象庁予報部",
    );
    server.document(&advisory.file, "VTSE41-advisory.xml");
    server.document(&drill.file, "VTSE41-drill.xml");
    let text = std::fs::read_to_string(fixtures().join("jma/VTSE41-cancelled.xml")).unwrap();
    // 加工: the cancellation sent after the advisory.
    server.put(
        &format!("/data/{}", cancelled.file),
        text.replace("2021-08-05T03:56:58Z", "2026-02-06T03:00:00Z"),
    );
    server.put(&format!("/data/{}", huge.file), vec![b' '; 4 * 1024 * 1024]);
    server.document(&tokyo.file, "VPWW55-yokohama-level5.xml");
    for name in ["extra_l.xml", "eqvol_l.xml"] {
        server.feed(name, &[]);
    }
    server.feed("eqvol.xml", &[advisory.clone()]);
    server.feed("extra.xml", &[huge.clone(), tokyo.clone()]);
    let mut config = jma_config(&server, 60);
    let (mut plain, _) = watch(AlertsConfig {
        jma: Some(config.clone()),
        cap: vec![],
    });
    config.drills = true;
    let (mut drills, drill_status) = watch(AlertsConfig {
        jma: Some(config),
        cap: vec![],
    });
    let start = Instant::now();
    let lines = ticker(&plain.poll(start, true)).unwrap();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("【津波注意報】東京湾内湾"),
        "{lines:?}"
    );
    // Neither the 4 MB VPWS50 nor Tokyo's warnings are downloaded for a screen in Yokohama.
    assert!(server.requests(&format!("/data/{}", huge.file)).is_empty());
    assert!(server.requests(&format!("/data/{}", tokyo.file)).is_empty());

    // A drill (訓練) is left out, unless the config asks for drills: then it is marked.
    server.feed("eqvol.xml", &[drill.clone(), advisory.clone()]);
    assert!(takeover(&plain.poll(poll_time(start, 1), false)).is_none());
    let shown = takeover(&drills.poll(start, true)).expect("the drill takes over");
    assert!(shown.starts_with("【訓練】津波警報"), "{shown}");
    assert!(
        drill_status
            .lock()
            .unwrap()
            .screen
            .takeover
            .iter()
            .all(|a| a.drill)
    );

    // 取消 withdraws the advisory.
    server.feed("eqvol.xml", &[cancelled, drill, advisory]);
    let changes = plain.poll(poll_time(start, 2), false);
    assert_eq!(ticker(&changes), Some(vec![]));
}

#[test]
fn cap_alert_update_and_cancel_and_an_area_elsewhere() {
    let server = FeedServer::start();
    // 加工: the specification's examples of 2003, moved to tomorrow so that they have not expired.
    let tomorrow = (chrono::Local::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let cap = |name: &str| {
        std::fs::read_to_string(fixtures().join("cap").join(name))
            .unwrap()
            .replace("2003-06-17", &tomorrow)
    };
    let inside = CapSourceConfig {
        url: format!("{}/cap.xml", server.base),
        latitude: 38.45,
        longitude: -119.95,
        poll_seconds: 60,
    };
    let outside = CapSourceConfig {
        latitude: 35.3917,
        longitude: 139.5828,
        ..inside.clone()
    };
    let (mut here, status) = watch(AlertsConfig {
        jma: None,
        cap: vec![inside],
    });
    let (mut elsewhere, _) = watch(AlertsConfig {
        jma: None,
        cap: vec![outside],
    });
    server.put("/cap.xml", cap("a2-severe-thunderstorm-warning.xml"));
    let start = Instant::now();
    let shown = takeover(&here.poll(start, true)).expect("a Severe, Immediate alert takes over");
    assert!(
        shown.contains("SEVERE THUNDERSTORM WARNING")
            || shown.contains("Severe Thunderstorm Warning"),
        "{shown}"
    );
    assert!(
        takeover(&elsewhere.poll(start, true)).is_none(),
        "a screen outside the polygon"
    );
    server.put("/cap.xml", cap("a2-update-extends-warning.xml"));
    let changes = here.poll(poll_time(start, 1), false);
    assert!(
        takeover(&changes).is_some(),
        "the update replaces the alert's slide"
    );
    assert_eq!(status.lock().unwrap().screen.takeover.len(), 1);
    server.put("/cap.xml", cap("a2-cancel.xml"));
    let changes = here.poll(poll_time(start, 2), false);
    assert_eq!(takeover(&changes).as_deref(), Some("removed"));
}

/// A config for the real player: its playlists folder, alerts from `server`, polled every 2 s.
fn player_config(folder: &Path, server: &FeedServer) -> PathBuf {
    std::fs::create_dir_all(folder.join("playlists")).unwrap();
    std::fs::write(
        folder.join("playlists/lobby.ron"),
        r##"Playlist(title: "lobby", slide_seconds: 5, slides: [Text(title: "ようこそ", background: "#1E3A8A")])"##,
    )
    .unwrap();
    let config = folder.join("kiosk.ron");
    std::fs::write(
        &config,
        format!(
            r#"Config(
                playlists: "playlists",
                cache: "cache",
                alerts: (jma: (feeds: "{}/feed/", areas: ["1410000"], poll_seconds: 2)),
            )"#,
            server.base
        ),
    )
    .unwrap();
    config
}

fn start_player(config: &Path, size: &str, log: &Path) -> (Running, Running, String) {
    let (xvfb, display) = start_xvfb(size);
    let (player, address) = spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--config"])
            .arg(config)
            .args(["--status-listen", "127.0.0.1:0"])
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY"),
        log,
    );
    (xvfb, player, address)
}

fn showing(address: &str) -> (String, bool) {
    let status = status(address);
    let showing = &status["showing"];
    (
        showing["playlist"].as_str().unwrap_or("").to_string(),
        showing["emergency"] == true,
    )
}

/// The height of the first line of text in this colour from the top: how large the title is.
fn first_line_height(picture: &image::RgbImage, colour: [u8; 3]) -> u32 {
    let has_text = |y: u32| (0..picture.width()).any(|x| picture.get_pixel(x, y).0 == colour);
    let Some(top) = (0..picture.height()).find(|&y| has_text(y)) else {
        return 0;
    };
    (top..picture.height()).take_while(|&y| has_text(y)).count() as u32
}

/// What zbarimg reads in the QR codes of a picture.
fn qr_codes(picture: &image::RgbImage, folder: &Path) -> String {
    let png = folder.join("screen.png");
    picture.save(&png).unwrap();
    let decoded = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (zbar-tools; .ci/run installs it)");
    String::from_utf8_lossy(&decoded.stdout).trim().to_string()
}

/// A warning slide: the level's colour over most of the screen, the warning's name in yellow
/// and large, and a QR card that reads as a phone would read it. Kept in
/// `$KIOSK_KEEP_SCREENSHOTS` as `name`, to look at.
fn assert_is_warning_slide(
    screen: &image::RgbImage,
    level_colour: [u8; 3],
    folder: &Path,
    name: &str,
) {
    if let Ok(keep) = std::env::var("KIOSK_KEEP_SCREENSHOTS") {
        screen.save(Path::new(&keep).join(name)).unwrap();
    }
    let share = share_of(screen, level_colour);
    assert!(share > 0.5, "{share} of the screen in the level's colour");
    let title = first_line_height(screen, [255, 225, 77]);
    assert!(title >= 60, "the title is {title} px high");
    assert_eq!(
        qr_codes(screen, folder),
        "https://www.jma.go.jp/bosai/warning/"
    );
}

/// Share of the picture in exactly this colour.
fn share_of(picture: &image::RgbImage, colour: [u8; 3]) -> f64 {
    picture.pixels().filter(|p| p.0 == colour).count() as f64
        / (picture.width() * picture.height()) as f64
}

#[test]
fn the_real_player_is_taken_over_within_a_poll_and_given_back() {
    let server = FeedServer::start();
    let level5 = warning("20260701181200");
    let lifted = warning("20260701214000");
    server.document(&level5.file, "VPWW55-yokohama-level5.xml");
    server.document(&lifted.file, "VPWW55-yokohama-lifted.xml");
    for name in ["extra.xml", "extra_l.xml"] {
        server.feed(name, &[]);
    }
    let folder = tempfile::tempdir().unwrap();
    let config = player_config(folder.path(), &server);
    let log = folder.path().join("player.log");
    let (_xvfb, _player, address) = start_player(&config, "1920x1080", &log);
    let limit = Duration::from_secs(30);
    wait_for("the lobby slide", limit, || {
        (showing(&address).0 == "lobby.ron").then_some(())
    });

    // 大雨特別警報 for 横浜市: on screen within one poll (2 s) and a frame.
    server.feed("extra.xml", &[warning("20260701181200")]);
    let published = Instant::now();
    wait_for("the takeover", limit, || {
        (showing(&address) == ("(alerts)".into(), true)).then_some(())
    });
    let latency = published.elapsed();
    eprintln!("takeover {latency:?} after the feed changed");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    let report = status(&address);
    let alert = &report["alerts"][0];
    assert_eq!(
        (
            alert["name"].as_str(),
            alert["level"].as_u64(),
            alert["takeover"].as_bool()
        ),
        (Some("大雨特別警報"), Some(5), Some(true))
    );
    assert_eq!(alert["source"], "jma");
    assert_eq!(alert["areas"][0], "横浜市");
    let metrics = common::display::http_get(&address, "/metrics").1;
    assert!(
        metrics.contains("kiosk_alerts_active{takeover=\"true\"} 1"),
        "{metrics}"
    );

    // The slide: level 5's black (JMA's 12,0,12).
    let screen = common::display::screenshot_within_a_second(&address, 1);
    assert_is_warning_slide(&screen, [12, 0, 12], folder.path(), "alert-landscape.png");

    // A staff emergency file and the alert take turns; neither hides the other.
    std::fs::write(
        folder.path().join("playlists/fire.ron"),
        r#"Playlist(title: "fire", emergency: true, slide_seconds: 3, transition: Cut, slides: [Text(title: "火災訓練")])"#,
    )
    .unwrap();
    wait_for("the staff emergency", limit, || {
        (showing(&address) == ("fire.ron".into(), true)).then_some(())
    });
    wait_for("the alert again", limit, || {
        (showing(&address) == ("(alerts)".into(), true)).then_some(())
    });
    std::fs::remove_file(folder.path().join("playlists/fire.ron")).unwrap();

    // The feed goes down: the takeover stays, saying when it last heard.
    server.set_down(true);
    wait_for("the feed's error in /status", limit, || {
        status(&address)["alert_feeds"][0]["last_error"]
            .as_str()
            .map(str::to_owned)
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(showing(&address), ("(alerts)".into(), true));
    let stale = common::display::screenshot_within_a_second(&address, 2);
    assert!(share_of(&stale, [12, 0, 12]) > 0.5);
    assert_ne!(stale, screen, "the slide says when the feed was last read");
    if let Ok(keep) = std::env::var("KIOSK_KEEP_SCREENSHOTS") {
        stale
            .save(Path::new(&keep).join("alert-stale.png"))
            .unwrap();
    }
    let page = common::display::http_get(&address, "/").1;
    assert!(
        page.contains("大雨特別警報"),
        "the staff page lists the alert"
    );
    server.set_down(false);

    // Lifted (解除): the lobby is back within a poll.
    server.feed("extra.xml", &[warning("20260701214000")]);
    let published = Instant::now();
    wait_for("the lobby again", limit, || {
        (showing(&address).0 == "lobby.ron").then_some(())
    });
    let latency = published.elapsed();
    eprintln!("given back {latency:?} after the feed changed");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("official warning: the screen shows 「大雨特別警報」"),
        "{log}"
    );
}

#[test]
fn the_warning_slide_on_a_portrait_screen() {
    let server = FeedServer::start();
    let level4 = warning("20260701173000");
    server.document(&level4.file, "VPWW55-yokohama-level4.xml");
    server.feed("extra_l.xml", &[]);
    server.feed("extra.xml", &[level4]);
    let folder = tempfile::tempdir().unwrap();
    let config = player_config(folder.path(), &server);
    let log = folder.path().join("player.log");
    let (_xvfb, _player, address) = start_player(&config, "1080x1920", &log);
    wait_for("the takeover", Duration::from_secs(30), || {
        (showing(&address) == ("(alerts)".into(), true)).then_some(())
    });
    let screen = common::display::screenshot_within_a_second(&address, 1);
    assert_eq!(screen.dimensions(), (1080, 1920));
    // Level 4's purple (JMA's 170,0,170).
    assert_is_warning_slide(&screen, [170, 0, 170], folder.path(), "alert-portrait.png");
}
