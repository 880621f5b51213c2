//! Screen furniture and the office calendar: layouts with a clock and a ticker drawn by the real
//! renderer, QR cards a phone's decoder reads, and schedules that keep holidays and the
//! year-end closure, proved with the real player under faketime.

mod common;

use common::display::{
    Running, screenshot_within_a_second, spawn_logging_to, spawn_with_status, start_xvfb, status,
    wait_for,
};
use image::RgbaImage;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_kiosk-player");
/// The band's colour (`compose::furniture`).
const BAND: [u8; 3] = [0x17, 0x32, 0x4D];
const PAPER: [u8; 3] = [0xF4, 0xEE, 0xD8];

fn preview(playlist: &Path, out: &Path, size: &str) -> Vec<PathBuf> {
    let output = Command::new(BIN)
        .arg("preview")
        .arg(playlist)
        .arg("--out")
        .arg(out)
        .args(["--size", size])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "preview failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn near(pixel: [u8; 3], colour: [u8; 3], tolerance: u8) -> bool {
    pixel
        .iter()
        .zip(colour)
        .all(|(a, b)| a.abs_diff(b) <= tolerance)
}

/// The share of a rectangle's pixels close to `colour`.
fn share(image: &RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: [u8; 3]) -> f64 {
    let total = u64::from(x1 - x0) * u64::from(y1 - y0);
    let hits = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = image.get_pixel(x, y).0;
            near([p[0], p[1], p[2]], colour, 12)
        })
        .count();
    hits as f64 / total as f64
}

fn write_playlist(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_band_and_a_column_draw_the_clock_and_the_ticker_in_their_own_regions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ticker.txt"), "本日の窓口は17時15分まで\n").unwrap();
    for (layout, size, band_at_bottom) in [
        ("Band()", "1920x1080", true),
        ("Band()", "1080x1920", true),
        ("Band(edge: Top)", "1280x800", false),
        ("Side()", "1920x1080", false),
        // A column on a portrait screen becomes a band at the bottom.
        ("Side()", "1080x1920", true),
    ] {
        let playlist = write_playlist(
            dir.path(),
            "lobby.ron",
            &format!(
                "Playlist(title: \"t\", layout: {layout}, slides: [Text(title: \"ようこそ\", background: \"#F4EED8\")])"
            ),
        );
        let out = dir.path().join(format!(
            "{}-{size}",
            layout.replace(['(', ')', ' ', ':'], "")
        ));
        let files = preview(&playlist, &out, size);
        let image = image::open(&files[0]).unwrap().to_rgba8();
        let (w, h) = image.dimensions();
        let short = w.min(h);
        let what = format!("{layout} at {size}");
        // The band is about 13% of the short side; the slide keeps the rest.
        let band = short * 12 / 100;
        let (band_rows, slide_rows) = if layout.starts_with("Side") && w > h {
            // A column at the right quarter: the clock at its top, the ticker below.
            let column = (w * 74 / 100, 0, w, h);
            assert!(share(&image, column, BAND) > 0.6, "{what}: the column");
            assert!(
                share(&image, (0, 0, w * 70 / 100, h), PAPER) > 0.6,
                "{what}: the slide"
            );
            let clock = (w * 76 / 100, 0, w, h / 3 - 4);
            assert!(
                share(&image, clock, [255, 255, 255]) > 0.02,
                "{what}: the clock's text"
            );
            let ticker = (w * 76 / 100, h / 3 + 4, w, h);
            assert!(
                share(&image, ticker, [255, 255, 255]) > 0.005,
                "{what}: the ticker's text"
            );
            continue;
        } else if band_at_bottom {
            ((0, h - band, w, h), (0, 0, w, h - band - short * 2 / 100))
        } else {
            ((0, 0, w, band), (0, band + short * 2 / 100, w, h))
        };
        assert!(share(&image, band_rows, BAND) > 0.6, "{what}: the band");
        assert!(share(&image, slide_rows, PAPER) > 0.6, "{what}: the slide");
        // The clock at the band's right end and the ticker's message at its left both have text.
        let (x0, y0, x1, y1) = band_rows;
        let clock = (x1 - (x1 - x0) * 3 / 10, y0, x1, y1);
        let ticker = (x0, y0, x0 + (x1 - x0) * 4 / 10, y1);
        assert!(
            share(&image, clock, [255, 255, 255]) > 0.02,
            "{what}: the clock's text"
        );
        assert!(
            share(&image, ticker, [255, 255, 255]) > 0.02,
            "{what}: the ticker's text"
        );
    }
}

fn zbarimg(png: &Path) -> String {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png)
        .output()
        .expect("zbarimg is installed (apt-get install zbar-tools; .ci/run does this)");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn qr_cards_in_previews_decode_to_their_address_at_1080p_and_720p() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists");
    let out = tempfile::tempdir().unwrap();
    let url = "https://www.city.yokohama.lg.jp/konan/";
    for size in ["1920x1080", "1280x720"] {
        let folder = out.path().join(size);
        let files = preview(&root.join("pet-evacuation.ron"), &folder, size);
        let decoded: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                (
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                    zbarimg(f),
                )
            })
            .filter(|(_, text)| !text.is_empty())
            .collect();
        assert_eq!(
            decoded.len(),
            1,
            "{size}: one slide has a card: {decoded:?}"
        );
        assert_eq!(decoded[0].1, url, "{size}");
    }
    // A card on a photo with a caption sits above the caption band, and still reads.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    std::fs::copy(
        root.join("media/kitchen.jpg"),
        dir.path().join("media/kitchen.jpg"),
    )
    .unwrap();
    let playlist = write_playlist(
        dir.path(),
        "photo.ron",
        &format!(
            "Playlist(title: \"t\", slides: [Image(file: \"media/kitchen.jpg\", fit: Cover, caption: \"台所\", \
             qr: (url: \"https://example.org/kitchen\", caption: \"詳しくはこちら\"))])"
        ),
    );
    let files = preview(&playlist, &dir.path().join("out"), "1280x720");
    assert_eq!(zbarimg(&files[0]), "https://example.org/kitchen");
}

#[test]
fn check_refuses_an_address_too_long_for_a_card() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!(
        "https://www.city.yokohama.lg.jp/konan/{}",
        "kurashi/".repeat(4)
    );
    let playlist = write_playlist(
        dir.path(),
        "long.ron",
        &format!(
            "Playlist(title: \"t\", slides: [\n  Text(title: \"a\", qr: (url: \"{long}\")),\n])"
        ),
    );
    let output = Command::new(BIN)
        .arg("check")
        .arg(&playlist)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("long.ron:2:") && stderr.contains("holds at most 53"),
        "{stderr}"
    );
}

/// A weekday office-hours playlist that keeps holidays and the year-end closure, and a quiet
/// loop for other times, as the demo has.
fn office_playlists(folder: &Path) {
    std::fs::create_dir_all(folder).unwrap();
    write_playlist(
        folder,
        "weekdays.ron",
        "Playlist(title: \"窓口\", priority: 10, slide_seconds: 2, transition: Cut,\n\
         schedule: (days: [Mon, Tue, Wed, Thu, Fri], hours: [\"08:30-17:15\"], except: [Holidays, YearEnd, ClosedDays]),\n\
         slides: [Text(title: \"開庁中\", background: \"#2E7D4F\")])",
    );
    write_playlist(
        folder,
        "after-hours.ron",
        "Playlist(title: \"時間外\", priority: 0, slide_seconds: 2, transition: Cut,\n\
         slides: [Text(title: \"閉庁\", background: \"#17324D\")])",
    );
}

/// `command` run under faketime from local time `start` (the clock then runs on), monotonic
/// time left alone so frame timing stays real.
fn at_time(start: &str, command: &mut Command) -> Command {
    let mut faked = Command::new("faketime");
    faked
        .arg("-f")
        .arg(format!("@{start}"))
        .arg(command.get_program())
        .args(command.get_args())
        .env("DONT_FAKE_MONOTONIC", "1")
        .env("TZ", "Asia/Tokyo");
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => faked.env(key, value),
            None => faked.env_remove(key),
        };
    }
    faked
}

#[test]
fn check_says_when_each_playlist_plays_next() {
    let dir = tempfile::tempdir().unwrap();
    office_playlists(dir.path());
    let next = |start: &str| {
        let output = at_time(start, Command::new(BIN).arg("check").arg(dir.path()))
            .output()
            .expect("faketime is installed (apt-get install faketime; .ci/run does this)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Friday 25 December 2026, evening: the office reopens on Monday the 28th, then closes for
    // the year-end until Monday 4 January 2027.
    let friday = next("2026-12-25 18:00:00");
    assert!(
        friday.contains("weekdays.ron (\"窓口\"): next: 2026-12-28 08:30"),
        "{friday}"
    );
    assert!(
        friday.contains("after-hours.ron (\"時間外\"): playing now"),
        "{friday}"
    );
    let closing = next("2026-12-28 17:20:00");
    assert!(
        closing.contains("weekdays.ron (\"窓口\"): next: 2027-01-04 08:30"),
        "{closing}"
    );
    // The office's own closed day moves it on once more.
    std::fs::write(
        dir.path().join("closed_days.ron"),
        "ClosedDays(dates: [\"2027-01-04\"])",
    )
    .unwrap();
    let closed = next("2026-12-28 17:20:00");
    assert!(closed.contains("closed_days.ron: ok"), "{closed}");
    assert!(
        closed.contains("weekdays.ron (\"窓口\"): next: 2027-01-05 08:30"),
        "{closed}"
    );
}

struct Shown {
    playlist: String,
    at: String,
}

fn play_log(path: &Path) -> Vec<Shown> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| Shown {
            playlist: v["playlist"].as_str().unwrap_or_default().to_string(),
            at: v["time"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// The real player under Xvfb and faketime from `start`, until its play log has three slides.
fn play_at(start: &str, playlists: &Path, display: &str) -> (Vec<Shown>, serde_json::Value) {
    let runtime = tempfile::tempdir().unwrap();
    let log = runtime.path().join("play.jsonl");
    let mut player = Command::new(BIN);
    player
        .args([
            "run",
            "--windowed",
            "--size",
            "480x270",
            "--status-listen",
            "127.0.0.1:0",
        ])
        .arg("--playlists")
        .arg(playlists)
        .arg("--play-log")
        .arg(&log)
        .env("DISPLAY", display)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null());
    let (running, address): (Running, String) = spawn_with_status(&mut at_time(start, &mut player));
    wait_for(
        "three slides in the play log",
        Duration::from_secs(40),
        || (play_log(&log).len() >= 3).then_some(()),
    );
    let status = status(&address);
    drop(running);
    (play_log(&log), status)
}

fn next_play(status: &serde_json::Value, id: &str) -> String {
    status["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["next_play"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_player_keeps_holidays_and_the_year_end_and_plays_on_the_next_working_day() {
    let (_xvfb, display) = start_xvfb("640x360");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    office_playlists(&playlists);
    // 勤労感謝の日 (Monday 23 November 2026) and 29 December, both at 10:00: the quiet loop.
    for (start, reopens) in [
        ("2026-11-23 10:00:00", "2026-11-24 08:30"),
        ("2026-12-29 10:00:00", "2027-01-04 08:30"),
    ] {
        let (shown, status) = play_at(start, &playlists, &display);
        let day = &start[..10];
        for slide in &shown {
            assert_eq!(slide.playlist, "after-hours.ron", "{start}: {}", slide.at);
            assert!(
                slide.at.starts_with(day),
                "the play log's time is the faked day: {}",
                slide.at
            );
        }
        assert_eq!(
            next_play(&status, "weekdays.ron"),
            reopens,
            "{start}: {status}"
        );
        assert_eq!(next_play(&status, "after-hours.ron"), "now", "{start}");
    }
    // The next working days: the office-hours playlist plays.
    for start in ["2026-11-24 10:00:00", "2027-01-04 10:00:00"] {
        let (shown, status) = play_at(start, &playlists, &display);
        assert!(
            shown
                .iter()
                .all(|s| s.playlist == "weekdays.ron" && s.at.starts_with(&start[..10])),
            "{start}: {:?}",
            shown
                .iter()
                .map(|s| (&s.playlist, &s.at))
                .collect::<Vec<_>>()
        );
        assert_eq!(next_play(&status, "weekdays.ron"), "now", "{start}");
    }
}

/// The real player under Xvfb at 960×540: one still text slide, `ticker` as its `ticker.txt` and
/// `config` as its device config, once the slide is on screen.
struct Lobby {
    _xvfb: Running,
    _player: Running,
    _runtime: tempfile::TempDir,
    playlists: PathBuf,
    address: String,
    /// The height of the slides' area; the band is below it.
    slide_height: u32,
    _dir: tempfile::TempDir,
}

fn lobby_with_ticker(ticker: &str, config: &str) -> Lobby {
    let (xvfb, display) = start_xvfb("960x540");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    write_playlist(
        &playlists,
        "lobby.ron",
        "Playlist(title: \"t\", slide_seconds: 60, slides: [Text(title: \"ようこそ\", background: \"#F4EED8\")])",
    );
    std::fs::write(playlists.join("ticker.txt"), ticker).unwrap();
    let config_file = dir.path().join("kiosk.ron");
    std::fs::write(&config_file, config).unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let (player, address) = spawn_with_status(
        Command::new(BIN)
            .args([
                "run",
                "--windowed",
                "--size",
                "960x540",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--config")
            .arg(&config_file)
            .arg("--playlists")
            .arg(&playlists)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
    );
    let area = wait_for("the slide on screen", Duration::from_secs(30), || {
        let status = status(&address);
        (status["showing"]["kind"] == "text").then(|| status["screen"]["slide_area"].clone())
    });
    let slide_height = area[3].as_u64().unwrap() as u32;
    assert!(
        (400..500).contains(&slide_height),
        "a band below the slide: {area}"
    );
    Lobby {
        _xvfb: xvfb,
        _player: player,
        _runtime: runtime,
        playlists,
        address,
        slide_height,
        _dir: dir,
    }
}

#[test]
fn the_ticker_pages_through_ticker_txt_and_reports_a_bad_line() {
    let lobby = lobby_with_ticker(
        "本日の窓口は17時15分まで\nCounters close at 17:15\n",
        "Config(layout: Band(), ticker_seconds: 2)",
    );
    let (address, slide_height, playlists) = (&lobby.address, lobby.slide_height, &lobby.playlists);
    // The ticker's left part, read from real frames for 7 s: both messages, each held for a
    // while, and the band's colour around them.
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(7) {
        let screen = screenshot_within_a_second(&address, seen.len());
        let ticker =
            image::imageops::crop_imm(&screen, 0, slide_height, 480, 540 - slide_height).to_image();
        let band_share = ticker.pixels().filter(|p| near(p.0, BAND, 12)).count() as f64
            / f64::from(ticker.width() * ticker.height());
        assert!(
            band_share > 0.5,
            "the ticker region is the band: {band_share}"
        );
        let white: Vec<u8> = ticker
            .pixels()
            .map(|p| u8::from(near(p.0, [255, 255, 255], 40)))
            .collect();
        if seen.last() != Some(&white) {
            seen.push(white);
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    let distinct: std::collections::HashSet<&Vec<u8>> = seen.iter().collect();
    assert!(
        distinct.len() >= 2,
        "the ticker changed message: {} looks",
        distinct.len()
    );
    assert!(seen.len() >= 3, "and came round: {} changes", seen.len());
    // A line too long for a ticker: the note beside the file names its line, the last good
    // messages stay.
    let long = "お知らせ".repeat(40);
    std::fs::write(
        playlists.join("ticker.txt"),
        format!("短いお知らせ\n{long}\n"),
    )
    .unwrap();
    let note = playlists.join("ticker.txt.error.txt");
    let text = wait_for("the ticker's note", Duration::from_secs(15), || {
        std::fs::read_to_string(&note).ok()
    });
    assert!(
        text.contains("ticker.txt:2:1") && text.contains("160 characters"),
        "{text}"
    );
}

/// How far the ticker moved left from `before` to `after` (rows of the band, each as RGB), in
/// whole pixels: the shift at which every pixel matches, if there is one.
fn crawled(before: &image::RgbImage, after: &image::RgbImage, most: u32) -> Option<u32> {
    let (width, height) = before.dimensions();
    (0..=most).find(|&shift| {
        (0..height).all(|y| {
            (0..width - shift).all(|x| {
                let (a, b) = (before.get_pixel(x + shift, y).0, after.get_pixel(x, y).0);
                a.iter().zip(b).all(|(p, q)| p.abs_diff(q) <= 3)
            })
        })
    })
}

#[test]
fn a_crawling_ticker_moves_in_whole_pixels_at_its_speed() {
    // A crawl even on this software renderer (which would page by itself), 5 characters a second.
    let lobby = lobby_with_ticker(
        "本日の窓口は17時15分までです / Counters close at 17:15 / 12月29日から1月3日までは閉庁します\n",
        "Config(layout: Band(), ticker_mode: Scroll, ticker_speed: 5)",
    );
    let (address, top) = (&lobby.address, lobby.slide_height);
    // Let the first message come well in, then read the ticker's rows (left of the clock).
    std::thread::sleep(Duration::from_secs(3));
    let band = 540 - top;
    let ticker = |screen: &image::RgbImage| {
        image::imageops::crop_imm(screen, 0, top + band / 5, 560, band * 3 / 5).to_image()
    };
    let mut shots = Vec::new();
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(4) {
        let shot = ticker(&screenshot_within_a_second(&address, shots.len()));
        shots.push((start.elapsed().as_secs_f64(), shot));
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut moved = 0;
    let mut steps = 0;
    for pair in shots.windows(2) {
        let ((_, before), (_, after)) = (&pair[0], &pair[1]);
        let inked = after
            .pixels()
            .filter(|p| near(p.0, [255, 255, 255], 40))
            .count();
        assert!(inked > 200, "the ticker's text is on screen");
        let shift = crawled(before, after, 200).unwrap_or_else(|| {
            before
                .save(std::env::temp_dir().join("kiosk-crawl-before.png"))
                .unwrap();
            after
                .save(std::env::temp_dir().join("kiosk-crawl-after.png"))
                .unwrap();
            panic!(
                "no whole-pixel shift turns one frame into the next (pictures in the temp folder)"
            )
        });
        moved += shift;
        steps += u32::from(shift > 0);
    }
    let seconds = shots.last().unwrap().0 - shots[0].0;
    // 5 characters a second of the band's 29-pixel type (70-pixel band on a 540-line screen).
    let expected = 5.0 * 29.0;
    let speed = f64::from(moved) / seconds;
    assert!(
        steps as usize >= shots.len() / 2,
        "it keeps moving: {steps} of {}",
        shots.len()
    );
    assert!(
        (expected * 0.75..expected * 1.25).contains(&speed),
        "{speed:.0} px/s, configured {expected} px/s"
    );
}

/// libfaketime itself, for a clock a test can move while the player runs: the `faketime`
/// wrapper fixes its offset at start, its timestamp file can be rewritten.
fn libfaketime() -> PathBuf {
    let output = Command::new("dpkg")
        .args(["-L", "libfaketime"])
        .output()
        .expect("dpkg");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find(|line| line.ends_with("/libfaketimeMT.so.1"))
        .map(PathBuf::from)
        .expect("libfaketime is installed (with faketime; .ci/run does this)")
}

/// The offset file's text that makes the clock read `local` (Asia/Tokyo) now.
fn offset_to(local: &str) -> String {
    let target = chrono::DateTime::parse_from_rfc3339(&format!("{local}+09:00")).unwrap();
    format!(
        "{:+}\n",
        target.timestamp() - chrono::Utc::now().timestamp()
    )
}

#[test]
fn schedules_follow_the_wall_clock_when_it_jumps_forward_and_back() {
    let (_xvfb, display) = start_xvfb("640x360");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir(&playlists).unwrap();
    std::fs::write(
        playlists.join("morning.ron"),
        r#"Playlist(title: "午前", slide_seconds: 3, schedule: (hours: ["10:00-11:00"]), slides: [Text(title: "おはよう")])"#,
    )
    .unwrap();
    let clock = dir.path().join("clock");
    std::fs::write(&clock, offset_to("2026-12-02T09:00:20")).unwrap();
    let log = dir.path().join("play.jsonl");
    let player_log = dir.path().join("player.log");
    let (_player, address) = spawn_logging_to(
        Command::new(BIN)
            .args([
                "run",
                "--windowed",
                "--size",
                "480x270",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--playlists")
            .arg(&playlists)
            .arg("--play-log")
            .arg(&log)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("TZ", "Asia/Tokyo")
            .env("LD_PRELOAD", libfaketime())
            .env("FAKETIME_TIMESTAMP_FILE", &clock)
            .env("FAKETIME_CACHE_DURATION", "1")
            // Slide times run on the monotonic clock, which NTP never moves.
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env_remove("FAKETIME")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
        &player_log,
    );
    let showing = |address: &str| status(address)["showing"].clone();
    wait_for("the idle screen", Duration::from_secs(30), || {
        (showing(&address)["kind"] == "idle").then_some(())
    });
    // Asleep on the idle screen until its clock turns, at 09:01.
    std::thread::sleep(Duration::from_secs(3));

    // NTP answers: it is 10:30. The morning playlist comes within seconds, not at the next minute.
    std::fs::write(&clock, offset_to("2026-12-02T10:30:00")).unwrap();
    let jumped = std::time::Instant::now();
    wait_for("the morning playlist", Duration::from_secs(30), || {
        (showing(&address)["playlist"] == "morning.ron").then_some(())
    });
    let took = jumped.elapsed();
    assert!(
        took < Duration::from_secs(6),
        "the schedule followed after {took:?}"
    );
    let morning = play_log(&log)
        .into_iter()
        .find(|s| s.playlist == "morning.ron")
        .unwrap();
    assert!(
        morning.at.starts_with("2026-12-02T10:30:0"),
        "logged at {}",
        morning.at
    );

    // And back to 09:30: the slide on screen ends on time, then the idle screen.
    std::fs::write(&clock, offset_to("2026-12-02T09:30:00")).unwrap();
    wait_for("the idle screen again", Duration::from_secs(10), || {
        (showing(&address)["kind"] == "idle").then_some(())
    });
    let idle = play_log(&log).into_iter().last().unwrap();
    assert!(
        idle.at.starts_with("2026-12-02T09:30:0"),
        "logged at {}",
        idle.at
    );
    let said = std::fs::read_to_string(&player_log).unwrap();
    assert!(said.contains("the wall clock jumped by +"), "{said}");
    assert!(said.contains("the wall clock jumped by -"), "{said}");
}
