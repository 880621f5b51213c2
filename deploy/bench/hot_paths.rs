//! Micro-benchmarks of the player's hot paths: `cargo bench --bench hot_paths`.

use kiosk_player::compose::Composer;
use kiosk_player::compose::media_process::{self, Drawn, Job, Request};
use kiosk_player::core::calendar::{ClockFace, Eras};
use kiosk_player::core::drawing_limits::DrawingLimits;
use kiosk_player::core::layout::{Band, Layout};
use kiosk_player::core::library::Library;
use kiosk_player::core::manifest::Manifest;
use kiosk_player::core::playlist::{Playlist, Slide};
use std::path::{Path, PathBuf};

fn main() {
    divan::main();
}

/// One poll of JMA's warnings feed when it changed: reading an `extra.xml` of 1,000 entries (about
/// 700 KB, more than the feed holds) and picking the ones this screen downloads.
#[divan::bench]
fn alerts_feed_of_1000_entries(bencher: divan::Bencher) {
    use kiosk_player::core::alerts::jma::{Interest, parse_feed};
    let mut feed = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" lang=\"ja\"><title>高頻度（随時）</title>",
    );
    for i in 0..1000 {
        let link = format!(
            "https://www.data.jma.go.jp/developer/xml/data/20260701{:06}_0_VPWW5{}_{:02}0000.xml",
            i,
            5 + i % 5,
            1 + i % 47
        );
        feed.push_str(&format!(
            "<entry><title>気象警報・注意報（Ｒ０６）（大雨）</title><id>{link}</id><updated>2026-07-01T18:12:00Z</updated>\
             <author><name>横浜地方気象台</name></author><link type=\"application/xml\" href=\"{link}\"/>\
             <content type=\"text\">【神奈川県大雨警報・注意報】横浜市に大雨特別警報を発表しました。</content></entry>"
        ));
    }
    feed.push_str("</feed>");
    let here = Interest {
        areas: vec!["1410000".into()],
        earthquake_minutes: 30,
        ..Interest::default()
    };
    bencher.bench_local(|| {
        let entries = parse_feed(divan::black_box(&feed)).unwrap();
        entries.iter().filter(|e| here.wants(e).is_some()).count()
    });
}

/// One poll of a changed news feed: a ward's RSS of 50 items (about 11 KB) into its newest 10.
#[divan::bench]
fn news_feed_of_50_items(bencher: divan::Bencher) {
    let items: String = (0..50)
        .map(|i| {
            format!(
                "<item><title>港南区からのお知らせ その{i}：年末年始の窓口のご案内</title>\
                 <link>https://www.city.yokohama.lg.jp/konan/news/{i}.html</link>\
                 <pubDate>Mon, 07 Dec 2026 09:00:00 +0900</pubDate></item>"
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>港南区</title>{items}</channel></rss>"
    );
    bencher.bench_local(|| {
        kiosk_player::core::news::feed_items(divan::black_box(feed.as_bytes())).unwrap()
    });
}

/// Reading the largest document a screen in Kanagawa downloads: the old-style warnings of the
/// whole prefecture (VPWW54, 270 KB), for 横浜市.
#[divan::bench]
fn alerts_warning_document_270_kb(bencher: divan::Bencher) {
    use kiosk_player::core::alerts::jma::{DataType, Interest, parse_document};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jma/VPWW54-kanagawa.xml");
    let text = std::fs::read_to_string(path).unwrap();
    let here = Interest {
        areas: vec!["1410000".into()],
        earthquake_minutes: 30,
        ..Interest::default()
    };
    bencher.bench_local(|| {
        parse_document(divan::black_box(&text), DataType::LegacyWarnings(54), &here).unwrap()
    });
}

/// Which playlists play now, among 1,000 with office-hours schedules and priorities.
#[divan::bench]
fn schedule_1000_playlists(bencher: divan::Bencher) {
    let mut library = Library::default();
    for i in 0..1000 {
        let source = format!(
            r#"Playlist(title: "p{i}", priority: {}, schedule: (days: [Mon, Tue, Wed, Thu, Fri], hours: ["08:30-12:00", "13:00-17:15"], start_date: "2026-01-01", end_date: "2026-12-31"), slides: [Text(title: "x")])"#,
            i % 7
        );
        library.insert(
            format!("p{i:04}.ron"),
            Playlist::parse(&source).unwrap(),
            Path::new("/content"),
        );
    }
    let now = chrono::NaiveDateTime::parse_from_str("2026-11-24 10:00", "%Y-%m-%d %H:%M").unwrap();
    bencher.bench_local(|| library.programme_at(divan::black_box(now)));
}

/// Parsing and checking a manifest of 10,000 files, then finding the 1,000 the cache lacks.
#[divan::bench]
fn manifest_10000_files(bencher: divan::Bencher) {
    let mut text = String::from("Manifest(files: [\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "(path: \"media/photo-{i:05}.jpg\", size: {}, sha256: \"{:064x}\"),\n",
            100_000 + i,
            i
        ));
    }
    text.push_str("])");
    bencher.bench_local(|| {
        let manifest = Manifest::parse(divan::black_box(&text)).unwrap();
        manifest.missing(|hash| !hash.as_str().ends_with('0')).len()
    });
}

/// Decoding a 24-megapixel JPEG (6000×4000) and scaling it to a 1080p slide.
#[divan::bench(sample_count = 10)]
fn photo_24_megapixels_to_1080p(bencher: divan::Bencher) {
    let (dir, slide) = photo_slide(6000, 4000, "Image(file: \"photo.jpg\")");
    draw_at_1080p(bencher, &slide, dir.path());
}

/// A photo exported at the screen's size (1920×1080 JPEG) made into a 1080p slide: the common
/// case, and the side-by-side benchmark's.
#[divan::bench(sample_count = 20)]
fn photo_1080p_to_1080p(bencher: divan::Bencher) {
    let (dir, slide) = photo_slide(1920, 1080, "Image(file: \"photo.jpg\", fit: Cover)");
    draw_at_1080p(bencher, &slide, dir.path());
}

/// The 1080p photo of `photo_1080p_to_1080p` decoded and scaled in a child process held to the
/// drawing limits, as the player does it: the difference is what the process costs.
#[divan::bench(sample_count = 20)]
fn photo_1080p_in_a_child_process(bencher: divan::Bencher) {
    draw_in_child(bencher, 1920, 1080);
}

/// The 24-megapixel photo in a child process.
#[divan::bench(sample_count = 10)]
fn photo_24_megapixels_in_a_child_process(bencher: divan::Bencher) {
    draw_in_child(bencher, 6000, 4000);
}

fn draw_in_child(bencher: divan::Bencher, width: u32, height: u32) {
    let (dir, _) = photo_slide(width, height, "Image(file: \"photo.jpg\")");
    let request = Request {
        path: dir.path().join("photo.jpg"),
        shown_as: "photo.jpg".into(),
        job: Job::Photo { cover: true },
        width: 1920,
        height: 1080,
    };
    let program = Path::new(env!("CARGO_BIN_EXE_kiosk-player"));
    let limits = DrawingLimits::default();
    bencher.bench_local(|| {
        match media_process::draw_in_child_process(&request, program, &limits).unwrap() {
            Drawn::Pixels { pixmap, .. } => pixmap.width(),
            Drawn::Opened { .. } => 0,
        }
    });
}

/// A 1080p H.264 clip of 2 s opened in a child process up to its first frame and closed again, as
/// the player does once for each new version of a video file before it opens it itself.
#[divan::bench(sample_count = 10)]
fn video_1080p_opened_in_a_child_process(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    let encoded = std::process::Command::new("gst-launch-1.0")
        .arg("-q")
        .args(
            format!(
                "videotestsrc num-buffers=50 ! video/x-raw,width=1920,height=1080,framerate=25/1 \
                 ! x264enc ! mp4mux ! filesink location={}",
                clip.display()
            )
            .split_whitespace(),
        )
        .status()
        .unwrap();
    assert!(encoded.success());
    let request = Request {
        path: clip.clone(),
        shown_as: "clip.mp4".into(),
        job: Job::Video {
            software_only: true,
        },
        width: 0,
        height: 0,
    };
    let program = Path::new(env!("CARGO_BIN_EXE_kiosk-player"));
    let limits = DrawingLimits::default();
    let open = || media_process::draw_in_child_process(&request, program, &limits).is_ok();
    assert!(open(), "the clip does not open");
    bencher.bench_local(open);
}

/// A snapshot of a 1080p web page by headless Chromium in a drawing process, as the player takes
/// one every `refresh_seconds`: a page with Japanese text, a picture and a style sheet, served on
/// 127.0.0.1 (so the network costs nothing here).
#[divan::bench(sample_count = 5)]
fn web_page_snapshot_at_1080p(bencher: divan::Bencher) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/page.html", listener.local_addr().unwrap());
    let picture = std::fs::read("assets/docs/furigana.png").unwrap_or_default();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let read = stream.read(&mut request).unwrap_or(0);
            let (kind, body) = if String::from_utf8_lossy(&request[..read]).contains("picture") {
                ("image/png", picture.clone())
            } else {
                let items: String = (1..=12)
                    .map(|i| {
                        format!("<li>{i}月の港南区からのお知らせ：食中毒に注意しましょう</li>")
                    })
                    .collect();
                let page = format!(
                    "<!DOCTYPE html><html lang=\"ja\"><meta charset=\"utf-8\"><style>body{{font:32px sans-serif;\
                     background:#fdfbf5}}h1{{color:#b4461b}}</style><h1>港南区 新着情報</h1>\
                     <img src=\"picture.png\" width=\"480\"><ul>{items}</ul></html>"
                );
                ("text/html; charset=utf-8", page.into_bytes())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let request = Request {
        path: dir.path().join("page.png"),
        shown_as: url.clone().into(),
        job: Job::WebPage {
            url,
            zoom: 1.0,
            seconds: 30.0,
        },
        width: 1920,
        height: 1080,
    };
    let program = Path::new(env!("CARGO_BIN_EXE_kiosk-player"));
    let limits = DrawingLimits::default();
    let take = || media_process::draw_in_child_process(&request, program, &limits).is_ok();
    assert!(take(), "no snapshot: is Chromium installed?");
    bencher.bench_local(take);
}

/// Drawing the bundled three-rules poster, an SVG with text, at 1080p.
#[divan::bench(sample_count = 20)]
fn svg_poster_at_1080p(bencher: divan::Bencher) {
    let playlist = Playlist::parse(
        r#"Playlist(title: "p", slides: [Poster(file: "media/three-rules-poster.svg")])"#,
    )
    .unwrap();
    draw_at_1080p(bencher, &playlist.slides[0], &bundled_playlists());
}

/// Laying out and drawing a bilingual text slide with a picture at 1080p.
#[divan::bench(sample_count = 20)]
fn text_slide_at_1080p(bencher: divan::Bencher) {
    let folder = bundled_playlists();
    let source = std::fs::read_to_string(folder.join("food-safety.ron")).unwrap();
    let playlist = Playlist::parse(&source).unwrap();
    draw_at_1080p(bencher, &playlist.slides[1], &folder);
}

/// The clock of a 1080p band (drawn once a minute) and one ticker message (once a turn).
#[divan::bench(sample_count = 20)]
fn band_clock_and_ticker_message_at_1080p(bencher: divan::Bencher) {
    let regions = Layout::Band(Band::default()).regions(1920, 1080);
    let (clock, ticker) = (regions.clock.unwrap(), regions.ticker.unwrap());
    let now = chrono::NaiveDateTime::parse_from_str("2026-12-01 14:05", "%Y-%m-%d %H:%M").unwrap();
    let face = ClockFace::at(now, &Eras::default());
    let mut composer = Composer::default();
    bencher.bench_local(|| {
        let clock = composer.clock(&face, clock.width, clock.height, false);
        let message = "本日の窓口は17時15分までです / Counters close at 17:15";
        let page = composer.ticker_page(message, ticker.width, ticker.height, false);
        clock.width + page.width
    });
}

/// When each of the demo's playlists plays next, from the evening before the year-end closure,
/// beside one that the always-on after-hours loop outranks: it never plays, so all 400 days are
/// looked at (the worst case).
#[divan::bench]
fn next_plays_of_the_demo_and_one_never_playing(bencher: divan::Bencher) {
    let mut library = Library::default();
    for name in ["food-safety.ron", "pet-evacuation.ron", "after-hours.ron"] {
        let source = std::fs::read_to_string(bundled_playlists().join(name)).unwrap();
        library.insert(
            name.into(),
            Playlist::parse(&source).unwrap(),
            Path::new("/content"),
        );
    }
    let outranked = r#"Playlist(title: "o", priority: -1, schedule: (hours: ["09:00-12:00"]), slides: [Text(title: "x")])"#;
    let outranked = Playlist::parse(outranked).unwrap();
    library.insert("outranked.ron".into(), outranked, Path::new("/content"));
    let now = chrono::NaiveDateTime::parse_from_str("2026-12-28 17:20", "%Y-%m-%d %H:%M").unwrap();
    bencher.bench_local(|| library.next_plays(divan::black_box(now)).len());
}

/// The staff page of the demo: today's plan worked out and the whole page written, as each
/// request for `/` does.
#[divan::bench]
fn staff_page_of_the_demo(bencher: divan::Bencher) {
    use kiosk_player::status::page::{PageView, Strip, staff_page};
    use kiosk_player::status::{PlaylistReport, StatusReport};
    let mut library = Library::default();
    let mut report = StatusReport::default();
    for name in ["food-safety.ron", "pet-evacuation.ron", "after-hours.ron"] {
        let source = std::fs::read_to_string(bundled_playlists().join(name)).unwrap();
        let playlist = Playlist::parse(&source).unwrap();
        report.playlists.push(PlaylistReport {
            warnings: vec![],
            id: name.into(),
            title: Some(playlist.title.clone()),
            problems: vec![],
            next_play: Some("now".into()),
            skipped: vec![],
        });
        library.insert(name.into(), playlist, Path::new("/content"));
    }
    let strips = std::collections::BTreeMap::<String, Strip>::new();
    let now = chrono::NaiveDateTime::parse_from_str("2026-12-02 10:00", "%Y-%m-%d %H:%M").unwrap();
    bencher.bench_local(|| {
        let plan = library.day_plan(divan::black_box(now).date());
        staff_page(&PageView {
            report: &report,
            now,
            plan: &plan,
            strips: &strips,
        })
        .len()
    });
}

/// The demo's first food-safety text slide as the staff page's thumbnail (384×216).
#[divan::bench(sample_count = 20)]
fn text_slide_thumbnail(bencher: divan::Bencher) {
    let source = std::fs::read_to_string(bundled_playlists().join("food-safety.ron")).unwrap();
    let playlist = Playlist::parse(&source).unwrap();
    let slide = playlist
        .slides
        .iter()
        .find(|s| matches!(s, Slide::Text(_)))
        .unwrap();
    let mut composer = Composer::default();
    let folder = bundled_playlists();
    bencher.bench_local(|| composer.slide(slide, &folder, 384, 216).unwrap().width);
}

fn bundled_playlists() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists")
}

/// A textured `width`×`height` JPEG saved as `photo.jpg` in a new folder, and `slide` showing it.
fn photo_slide(width: u32, height: u32, slide: &str) -> (tempfile::TempDir, Slide) {
    let dir = tempfile::tempdir().unwrap();
    let photo = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    photo.save(dir.path().join("photo.jpg")).unwrap();
    let mut playlist =
        Playlist::parse(&format!("Playlist(title: \"p\", slides: [{slide}])")).unwrap();
    (dir, playlist.slides.remove(0))
}

fn draw_at_1080p(bencher: divan::Bencher, slide: &Slide, folder: &Path) {
    let mut composer = Composer::default();
    bencher.bench_local(|| composer.slide(slide, folder, 1920, 1080).unwrap().width);
}

/// What decoding video in a child process would add per frame: the child's decoded frame copied
/// into memory shared with the player (a memfd mapped by both), from where the player uploads it
/// as it does now. NV12 is what the decoders give, RGBA what GStreamer's converter gives on a
/// software renderer; 1080p.
#[divan::bench(args = [("nv12", 1920 * 1080 * 3 / 2), ("rgba", 1920 * 1080 * 4)], sample_count = 50)]
fn video_frame_into_shared_memory(bencher: divan::Bencher, (_, bytes): (&str, usize)) {
    let name = c"frame";
    // SAFETY: a fresh memfd of `bytes`, mapped shared and written only through `shared`.
    let shared = unsafe {
        let fd = libc::memfd_create(name.as_ptr(), 0);
        assert!(fd >= 0 && libc::ftruncate(fd, bytes as libc::off_t) == 0);
        let map = libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        );
        assert_ne!(map, libc::MAP_FAILED);
        std::slice::from_raw_parts_mut(map.cast::<u8>(), bytes)
    };
    let decoded: Vec<u8> = (0..bytes).map(|i| (i * 7) as u8).collect();
    bencher.bench_local(|| {
        shared.copy_from_slice(divan::black_box(&decoded));
        divan::black_box(&shared[bytes / 2]);
    });
}
