//! Web slides: pages served on 127.0.0.1, drawn by Debian's real Chromium. The real player shows
//! a page's colours and text; nothing past the page's own host is reached, no pop-up opens and no
//! download lands; a page that never finishes loading is cut at its time limit, and a site that
//! is down keeps the last good snapshot.

mod common;

use common::display::{
    Running, assert_comes_to_show, assert_shows, crop, preview_slide, screenshot_within_a_second,
    slide_area, spawn_logging_to, start_xvfb, status, wait_for,
};
use common::feeds::FeedServer;
use kiosk_player::content::folder::LibraryChange;
use kiosk_player::content::web::{SharedWebStatus, WantedPages, WebWatch};
use kiosk_player::core::web::WebPage;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const GREEN: [u8; 3] = [0x1a, 0x7f, 0x37];
const RED: [u8; 3] = [0xd0, 0x00, 0x00];

/// A page of the ward's colours: a green page with a white Japanese heading and a red block in
/// its bottom right quarter. It also tries what a page must not do here: load a picture from
/// another host (`elsewhere`), open a pop-up and start a download.
fn page(elsewhere: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>港南区</title></head>
<body style="margin:0;background:#1a7f37;color:#fff;font:bold 64px sans-serif">
<h1 style="margin:40px;font-size:64px">港南区からのお知らせ</h1>
<div style="position:fixed;right:0;bottom:0;width:25vw;height:25vh;background:#d00000"></div>
<img src="{elsewhere}/elsewhere.png" width="10" height="10">
<iframe src="/file.bin" style="display:none"></iframe>
<script>window.open("/popup.html");</script>
</body></html>"#
    )
}

/// Whether a pixel is `colour`, give or take what scaling and rounding leave.
fn is(pixel: &image::Rgb<u8>, colour: [u8; 3]) -> bool {
    pixel.0.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 8)
}

/// Checks a picture of the page: green at the left, red in the bottom right quarter, and the
/// white heading's strokes in its top band.
fn assert_is_the_page(picture: &image::RgbImage, what: &str) {
    let (w, h) = picture.dimensions();
    assert!(is(picture.get_pixel(w / 10, h / 2), GREEN), "{what}: green");
    assert!(
        is(picture.get_pixel(w - w / 20, h - h / 20), RED),
        "{what}: red"
    );
    assert!(
        is(picture.get_pixel(w / 2, h / 2), GREEN),
        "{what}: green middle"
    );
    let white = (0..h / 4)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| picture.get_pixel(x, y).0.iter().all(|&c| c > 240))
        .count();
    assert!(white > 500, "{what}: the heading's white strokes ({white})");
}

/// Watches `folder` until stopped, returning every file found in a `Downloads` folder or named
/// like Chromium's partial downloads.
fn watch_for_downloads(
    folder: PathBuf,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<PathBuf>> {
    fn files(folder: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, found);
            } else {
                let name = path.to_string_lossy();
                if name.contains("/Downloads/")
                    || name.ends_with(".crdownload")
                    || name.ends_with("file.bin")
                {
                    found.push(path);
                }
            }
        }
    }
    std::thread::spawn(move || {
        let mut found = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            files(&folder, &mut found);
            std::thread::sleep(Duration::from_millis(10));
        }
        found.sort();
        found.dedup();
        found
    })
}

#[test]
fn the_real_player_shows_a_web_page_and_keeps_it_while_the_site_is_down() {
    let server = FeedServer::start();
    let elsewhere = server.base.replace("127.0.0.1", "localhost");
    server.put("/page.html", page(&elsewhere));
    server.put("/popup.html", "<p>a pop-up</p>");
    server.put("/elsewhere.png", "not reached");
    server.put("/file.bin", vec![b'x'; 100_000]);
    let folder = tempfile::tempdir().unwrap();
    let playlists = folder.path().join("playlists");
    std::fs::create_dir_all(&playlists).unwrap();
    let url = format!("{}/page.html", server.base);
    std::fs::write(
        playlists.join("page.ron"),
        format!(
            r#"Playlist(title: "区のページ", slides: [Web(url: "{url}", refresh_seconds: 30)])"#
        ),
    )
    .unwrap();
    let config = folder.path().join("kiosk.ron");
    std::fs::write(&config, r#"Config(playlists: "playlists", cache: "cache")"#).unwrap();
    // The player's own runtime folder, where Chromium's scratch profiles go.
    let runtime = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let downloads = watch_for_downloads(runtime.path().into(), stop.clone());
    let (_xvfb, display) = start_xvfb("1280x720");
    let (_player, address): (Running, String) = spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--config"])
            .arg(&config)
            .args(["--status-listen", "127.0.0.1:0"])
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("WAYLAND_DISPLAY"),
        &folder.path().join("player.log"),
    );
    let log = || std::fs::read_to_string(folder.path().join("player.log")).unwrap_or_default();
    let report = wait_for("the page on screen", Duration::from_secs(60), || {
        let report = status(&address);
        (report["showing"]["kind"] == "web").then_some(report)
    });
    let page_report = &report["web_pages"][0];
    assert_eq!(page_report["origin"], url.as_str(), "{report}");
    assert!(page_report["snapshot_taken"].is_string(), "{report}");
    assert!(
        page_report["snapshot_age_seconds"].as_f64().unwrap() < 60.0,
        "{report}"
    );
    let area = slide_area(&report);
    // The same as `preview` draws it: the same page, the same Chromium, the same font.
    let expected = preview_slide(&playlists.join("page.ron"), 0, "1280x720");
    assert_is_the_page(&expected, "preview");
    let screen = assert_comes_to_show(
        || crop(&screenshot_within_a_second(&address, 1), area),
        &expected,
        "the web page on screen",
        Duration::from_secs(10),
    );
    assert_is_the_page(&screen, "the real player's screen");
    // Chromium asked only the page's own host, opened no pop-up, and saved nothing.
    assert_eq!(
        server.requests("/elsewhere.png"),
        [],
        "another host was reached"
    );
    assert_eq!(server.requests("/popup.html"), [], "a pop-up was opened");
    stop.store(true, Ordering::SeqCst);
    assert_eq!(
        downloads.join().unwrap(),
        Vec::<PathBuf>::new(),
        "a download landed"
    );
    let scratch: Vec<_> = std::fs::read_dir(runtime.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("kiosk-web-"))
        .collect();
    assert!(
        scratch.is_empty(),
        "Chromium's scratch profile is removed after the snapshot"
    );

    // The site goes down: the next refresh fails, and the last good snapshot stays on screen.
    server.set_down(true);
    let report = wait_for(
        "the failed refresh in /status",
        Duration::from_secs(60),
        || {
            let report = status(&address);
            report["web_pages"][0]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("503"))
                .then_some(report)
        },
    );
    assert_eq!(report["showing"]["kind"], "web", "{report}");
    assert!(
        report["web_pages"][0]["snapshot_age_seconds"]
            .as_f64()
            .unwrap()
            >= 25.0,
        "{report}"
    );
    let screen = crop(&screenshot_within_a_second(&address, 2), area);
    assert_shows(&screen, &expected, "the web page while the site is down");
    let (_, metrics) = common::display::http_get(&address, "/metrics");
    assert!(
        metrics.contains("kiosk_web_snapshots_total{page=\"1\",result=\"error\"} 1"),
        "{metrics}"
    );
    assert!(log().contains("its last good snapshot stays"), "{}", log());
    let (_, staff_page) = common::display::http_get(&address, "/");
    let section = staff_page
        .split("<section id=web>")
        .nth(1)
        .unwrap_or_default();
    assert!(
        section.contains(&url) && section.contains("503"),
        "{staff_page}"
    );
}

#[test]
fn a_page_that_never_finishes_loading_is_cut_at_the_limit_and_the_last_snapshot_stays() {
    let server = FeedServer::start();
    let url = format!("{}/news.html", server.base);
    server.put(
        "/news.html",
        "<!DOCTYPE html><html><body style=\"background:#1a7f37\"><h1>お知らせ</h1></body></html>",
    );
    let store = tempfile::tempdir().unwrap();
    let status = SharedWebStatus::default();
    let mut watch = WebWatch::new(store.path().into(), 4.0, status.clone()).unwrap();
    let page = WebPage::new(&url, 1.0);
    let wanted = WantedPages {
        pages: BTreeMap::from([(page.clone(), 60)]),
        size: (640, 360),
    };
    assert!(watch.follow(&wanted).is_empty(), "nothing kept from before");
    let changes = watch.poll(Instant::now());
    let Some(LibraryChange::Snapshot { snapshot, .. }) = changes.first() else {
        panic!(
            "a snapshot: {:?}",
            status.lock().unwrap()[0].source.last_error
        );
    };
    let good = std::fs::read(&snapshot.file).unwrap();
    let picture = image::load_from_memory(&good).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (640, 360));
    assert!(is(picture.get_pixel(320, 300), GREEN));

    // Now a picture on the page never comes: Chromium waits for it until the limit.
    server.put(
        "/news.html",
        "<!DOCTYPE html><html><body style=\"background:#d00000\"><img src=\"/stuck.png\"></body></html>",
    );
    server.hang("/stuck.png");
    let started = Instant::now();
    let later = Instant::now() + Duration::from_secs(3600);
    assert!(watch.poll(later).is_empty(), "no new snapshot");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "cut at the limit, not {took:?}"
    );
    assert!(
        !server.requests("/stuck.png").is_empty(),
        "Chromium asked for the picture"
    );
    let error = status.lock().unwrap()[0].source.last_error.clone().unwrap();
    assert!(
        error.contains("did not finish loading within 4 s"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&snapshot.file).unwrap(),
        good,
        "the last good snapshot stays"
    );
    // No Chromium is left behind for the page.
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&url))
        .collect();
    assert!(left.is_empty(), "Chromium still runs: {left:?}");

    // The site is down: the page's own answer says so before Chromium is started.
    server.set_down(true);
    assert!(watch.poll(later + Duration::from_secs(3600)).is_empty());
    let error = status.lock().unwrap()[0].source.last_error.clone().unwrap();
    assert!(error.contains("answered 503"), "{error}");
    assert_eq!(std::fs::read(&snapshot.file).unwrap(), good);

    // After a restart the kept snapshot is shown at once.
    let mut again = WebWatch::new(store.path().into(), 4.0, SharedWebStatus::default()).unwrap();
    let kept = again.follow(&wanted);
    assert!(
        matches!(kept.first(), Some(LibraryChange::Snapshot { snapshot: s, .. }) if s == snapshot),
        "the kept snapshot: {kept:?}"
    );
}

#[test]
fn check_names_the_package_to_install_and_preview_draws_the_page() {
    let server = FeedServer::start();
    server.put("/page.html", page(&server.base));
    let folder = tempfile::tempdir().unwrap();
    let playlist = folder.path().join("page.ron");
    std::fs::write(
        &playlist,
        format!(
            "Playlist(title: \"区のページ\", slides: [\n    Web(url: \"{}/page.html\", zoom: 1.0),\n])",
            server.base
        ),
    )
    .unwrap();
    // A PATH without Chromium.
    let bare = tempfile::tempdir().unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("check")
        .arg(&playlist)
        .env("PATH", bare.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout).into_owned()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success(), "{said}");
    assert!(said.contains("sudo apt install chromium"), "{said}");
    let with_chromium = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("check")
        .arg(&playlist)
        .output()
        .unwrap();
    assert!(
        with_chromium.status.success(),
        "{}",
        String::from_utf8_lossy(&with_chromium.stdout)
    );
    let drawn = preview_slide(&playlist, 0, "960x540");
    assert_eq!(drawn.dimensions(), (960, 540));
    assert_is_the_page(&drawn, "preview");
}
