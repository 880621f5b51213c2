//! Soak: the real player, its clock run 25 times faster than real time, through thousands of slide
//! switches (text, SVG posters, photos; crossfades, cuts, slides) with the playlist rewritten and
//! emergencies starting and ending all along. Its memory must level off.
//!
//! The criterion: after a warm-up of the first quarter of the switches, the peak resident memory
//! of the last three-eighths may exceed that of the three-eighths before by at most 5% + 8 MiB.
//! A leak of one texture (or one decoded photo) per switch fails it by far.
//!
//! Video soaks the same way at real speed: two clips and a photo crossfading for a few minutes
//! (a pipeline opened and taken down for every video slide), then one clip looping alone.
//!
//! CI runs 1,500 switches; `KIOSK_SOAK_SWITCHES=10000 cargo test --release --test soak -- --nocapture`
//! is the long run (`deploy/bench/run.sh` does it).

mod common;

use common::display::{http_get, spawn_with_status, start_xvfb, wait_for, write_atomically};
use common::video::{H264_MP4, VP8_WEBM, counter_clip};
use image::{Rgb, RgbImage};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLOCK_SPEED: f64 = 25.0;

/// The soaks take turns: each counts on the machine's speed (switches within a time limit,
/// video frames per second).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn metric(address: &str, name: &str) -> Option<u64> {
    http_get(address, "/metrics")
        .1
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

/// A playlist of `count` one-second slides mixing every kind, titled `edition` so each rewrite
/// is a real change.
fn mixed_playlist(edition: u32, count: usize) -> String {
    let slides: Vec<String> = (0..count)
        .map(|i| match (i + edition as usize) % 4 {
            0 => format!(
                r#"Text(title: "第{edition}版 スライド{i}", title_en: "Edition {edition}, slide {i}", body: "手を洗いましょう。冷蔵庫は10℃以下に。")"#
            ),
            1 => format!(r#"Poster(file: "media/poster{}.svg")"#, i % 3),
            2 => format!(r#"Image(file: "media/photo{}.jpg")"#, i % 3),
            _ => format!(
                r#"Text(title: "ペット同行避難 {i}", picture: "media/poster{}.svg")"#,
                i % 3
            ),
        })
        .collect();
    // Each edition its own transition, so cuts (one frame a slide) are soaked as well.
    let transition = ["Crossfade", "Cut", "Slide"][edition as usize % 3];
    format!(
        "Playlist(title: \"mixed {edition}\", slide_seconds: 1, transition: {transition}, transition_seconds: 0.3, slides: [{}])",
        slides.join(",\n")
    )
}

#[test]
fn memory_levels_off_over_thousands_of_slide_switches() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let switches: u64 = std::env::var("KIOSK_SOAK_SWITCHES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let (_xvfb, display) = start_xvfb("640x480");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let media = playlists.join("media");
    std::fs::create_dir_all(&media).unwrap();
    for n in 0..3u8 {
        let photo = RgbImage::from_fn(1600, 1200, |x, y| {
            Rgb([
                (x / 7) as u8 ^ (n * 80),
                (y / 5) as u8,
                ((x + y) / 11) as u8,
            ])
        });
        photo.save(media.join(format!("photo{n}.jpg"))).unwrap();
        std::fs::write(
            media.join(format!("poster{n}.svg")),
            format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 90"><rect width="160" height="90" fill="#{:02X}5080"/><circle cx="80" cy="45" r="{}" fill="#F0D000"/><text x="10" y="80" font-size="12">食品衛生 {n}</text></svg>"##,
                40 + n * 60,
                10 + n * 10
            ),
        )
        .unwrap();
    }
    let mixed = playlists.join("mixed.ron");
    write_atomically(&mixed, &mixed_playlist(0, 300));

    let (player, address) = spawn_with_status(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--windowed", "--size", "320x180", "--status-listen"])
            .arg("127.0.0.1:0")
            .arg("--clock-speed")
            .arg(CLOCK_SPEED.to_string())
            .arg("--playlists")
            .arg(&playlists)
            .arg("--play-log")
            .arg(dir.path().join("play.jsonl"))
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
    );
    let pid = player.0.id();

    let shown = || metric(&address, "kiosk_slides_shown_total").unwrap_or(0);
    wait_for("the first slide", Duration::from_secs(60), || {
        (shown() > 0).then_some(())
    });
    let started = Instant::now();
    let limit = Duration::from_secs(60 + switches / 4);
    let emergency = playlists.join("emergency.ron");
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let (mut edition, mut next_change) = (0, Instant::now());
    loop {
        let count = shown();
        samples.push((count, resident_bytes(pid)));
        if count >= switches {
            break;
        }
        assert!(
            started.elapsed() < limit,
            "only {count} of {switches} switches in {limit:?}"
        );
        // Every few seconds: rewrite the playlist, or start or end an emergency.
        if Instant::now() >= next_change {
            edition += 1;
            match edition % 3 {
                0 => write_atomically(
                    &emergency,
                    r##"Playlist(title: "地震 / Earthquake", emergency: true, slide_seconds: 1, slides: [Text(title: "地震です 机の下へ", background: "#B00020", color: "#FFFFFF"), Text(title: "Take cover")])"##,
                ),
                1 => {
                    let _ = std::fs::remove_file(&emergency);
                }
                _ => write_atomically(
                    &mixed,
                    &mixed_playlist(edition, 200 + edition as usize % 150),
                ),
            }
            next_change = Instant::now() + Duration::from_secs(4);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let elapsed = started.elapsed();
    assert_eq!(
        metric(&address, "kiosk_slides_skipped_total"),
        Some(0),
        "every slide was drawn"
    );

    let peak = |from: f64, to: f64| {
        samples
            .iter()
            .filter(|(count, _)| {
                (*count as f64) >= from * switches as f64 && (*count as f64) < to * switches as f64
            })
            .map(|(_, rss)| *rss)
            .max()
            .unwrap_or(0)
    };
    let mib = |b: u64| b as f64 / 1048576.0;
    let (warm_up, middle, late) = (peak(0.0, 0.25), peak(0.25, 0.625), peak(0.625, 1.01));
    println!(
        "soak: {switches} switches in {:.0} s ({} playlist rewrites and emergency changes); peak RSS \
         warm-up {:.1} MiB, middle {:.1} MiB, end {:.1} MiB",
        elapsed.as_secs_f64(),
        edition,
        mib(warm_up),
        mib(middle),
        mib(late)
    );
    assert!(middle > 0 && late > 0, "memory was sampled: {samples:?}");
    assert!(
        late as f64 <= middle as f64 * 1.05 + 8.0 * 1048576.0,
        "memory keeps growing: {:.1} MiB in the middle, {:.1} MiB at the end",
        mib(middle),
        mib(late)
    );
    let log = std::fs::read_to_string(dir.path().join("play.jsonl")).unwrap_or_default();
    assert!(
        log.contains("emergency.ron") && log.contains("mixed.ron"),
        "emergencies and the rewritten playlist were both shown"
    );
}

/// The peak of the samples (seconds, bytes) from `from` to `to` (fractions of the run).
fn peak_between(samples: &[(f64, u64)], length: f64, from: f64, to: f64) -> u64 {
    samples
        .iter()
        .filter(|(at, _)| *at >= from * length && *at < to * length)
        .map(|(_, rss)| *rss)
        .max()
        .unwrap_or(0)
}

#[test]
fn memory_levels_off_over_hundreds_of_video_slides_and_loops() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // In real time: a video plays at its own speed whatever the player's clock.
    let seconds: f64 = std::env::var("KIOSK_VIDEO_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150.0);
    let (_xvfb, display) = start_xvfb("640x480");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let media = playlists.join("media");
    std::fs::create_dir_all(&media).unwrap();
    counter_clip(&media, "a.mp4", (640, 360), 25, 25, H264_MP4);
    counter_clip(&media, "b.webm", (480, 360), 25, 25, VP8_WEBM);
    RgbImage::from_pixel(640, 360, Rgb([230, 120, 20]))
        .save(media.join("photo.png"))
        .unwrap();
    let mixed = playlists.join("videos.ron");
    write_atomically(
        &mixed,
        r#"Playlist(title: "videos", transition_seconds: 0.3, slides: [
    Video(file: "media/a.mp4"), Video(file: "media/b.webm", loops: 2), Image(file: "media/photo.png", seconds: 1),
])"#,
    );
    let (player, address) = spawn_with_status(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--windowed", "--size", "640x360", "--status-listen"])
            .arg("127.0.0.1:0")
            .arg("--playlists")
            .arg(&playlists)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
    );
    let pid = player.0.id();
    let shown = || metric(&address, "kiosk_slides_shown_total").unwrap_or(0);
    wait_for("the first slide", Duration::from_secs(60), || {
        (shown() > 0).then_some(())
    });
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut alone = false;
    while started.elapsed().as_secs_f64() < seconds {
        samples.push((started.elapsed().as_secs_f64(), resident_bytes(pid)));
        // The last third: one clip alone, looping by segment seeks for good.
        if !alone && started.elapsed().as_secs_f64() > seconds * 2.0 / 3.0 {
            write_atomically(
                &mixed,
                r#"Playlist(title: "one", slides: [Video(file: "media/a.mp4", seconds: 3600)])"#,
            );
            alone = true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let slides = shown();
    let frames = metric(&address, "kiosk_video_frames_total").unwrap_or(0);
    assert_eq!(metric(&address, "kiosk_slides_skipped_total"), Some(0));
    assert_eq!(metric(&address, "kiosk_video_errors_total"), Some(0));
    assert_eq!(metric(&address, "kiosk_video_stalls_total"), Some(0));
    let (warm_up, middle, late) = (
        peak_between(&samples, seconds, 0.0, 0.25),
        peak_between(&samples, seconds, 0.25, 0.625),
        peak_between(&samples, seconds, 0.625, 1.01),
    );
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "video soak: {seconds:.0} s, {slides} slides, {frames} video frames; peak RSS warm-up \
         {:.1} MiB, middle {:.1} MiB, end {:.1} MiB",
        mib(warm_up),
        mib(middle),
        mib(late)
    );
    // A slide every second or two, and 25 video frames a second for most of the run.
    assert!(slides as f64 > seconds / 3.0, "only {slides} slides");
    assert!(
        frames as f64 > seconds * 25.0 * 0.6,
        "only {frames} video frames"
    );
    assert!(
        late as f64 <= middle as f64 * 1.05 + 8.0 * 1048576.0,
        "memory keeps growing: {:.1} MiB in the middle, {:.1} MiB at the end",
        mib(middle),
        mib(late)
    );
}
