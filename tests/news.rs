//! News feeds in the ticker: RSS 2.0, RSS 1.0 and Atom feeds (UTF-8 and Shift-JIS) from a real
//! HTTP server on 127.0.0.1, polled as the player polls them, and the real player's ticker.

mod common;

use common::Server;
use common::display::{Running, spawn_logging_to, start_xvfb, status, wait_for};
use kiosk_player::content::folder::LibraryChange;
use kiosk_player::content::news::{NewsWatch, SharedNewsStatus};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const RSS2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>港南区 新着情報</title>
<item><title>年末年始の窓口のご案内</title><link>https://www.city.yokohama.lg.jp/konan/1.html</link></item>
<item><title>食中毒に注意しましょう &amp; 手洗いを</title></item>
</channel></rss>"#;

const RSS1_SHIFT_JIS: &str = r#"<?xml version="1.0" encoding="Shift_JIS"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/"><title>港南区</title></channel>
<item rdf:about="https://example.org/1"><title>ペット同行避難の説明会</title></item>
</rdf:RDF>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>こども</title>
<entry><title>こどもまつりのお知らせ</title><link href="https://example.org/m"/></entry></feed>"#;

/// The titles a batch of changes gives a feed, if any.
fn titles_of(changes: &[LibraryChange], feed: &str) -> Option<Vec<String>> {
    changes.iter().find_map(|change| match change {
        LibraryChange::News { address, news } if address == feed => {
            Some(news.items.iter().map(|i| i.title.clone()).collect())
        }
        _ => None,
    })
}

#[test]
fn feeds_of_each_format_and_encoding_and_what_is_not_a_feed() {
    let content = tempfile::tempdir().unwrap();
    let write =
        |name: &str, bytes: &[u8]| std::fs::write(content.path().join(name), bytes).unwrap();
    write("rss2.xml", RSS2.as_bytes());
    write("rss1.xml", &encoding_rs::SHIFT_JIS.encode(RSS1_SHIFT_JIS).0);
    write("atom.xml", ATOM.as_bytes());
    write(
        "page.html",
        b"<!DOCTYPE html><html><body>Please log in</body></html>",
    );
    write(
        "broken.xml",
        b"<rss version=\"2.0\"><channel>\n<item><title>x</item>",
    );
    write("huge.xml", &vec![b' '; 50 * 1024 * 1024]);
    let many: String = (0..10_000)
        .map(|i| format!("<item><title>お知らせ{i}</title></item>"))
        .collect();
    write(
        "many.xml",
        format!("<rss version=\"2.0\"><channel>{many}</channel></rss>").as_bytes(),
    );
    let server = Server::start(content.path());
    let base = server.url.replace("manifest.ron", "");
    let url = |name: &str| format!("{base}{name}");
    let feeds: BTreeSet<String> = [
        "rss2.xml",
        "rss1.xml",
        "atom.xml",
        "page.html",
        "broken.xml",
        "huge.xml",
        "many.xml",
    ]
    .iter()
    .map(|n| url(n))
    .collect();
    let store = tempfile::tempdir().unwrap();
    let status = SharedNewsStatus::default();
    let mut watch = NewsWatch::new(
        Some(store.path().into()),
        status.clone(),
        Duration::from_secs(300),
    )
    .unwrap();
    assert!(watch.follow(&feeds).is_empty(), "nothing kept from before");
    let start = Instant::now();
    let changes = watch.poll(start);
    assert_eq!(
        titles_of(&changes, &url("rss2.xml")).unwrap(),
        [
            "年末年始の窓口のご案内",
            "食中毒に注意しましょう & 手洗いを"
        ]
    );
    assert_eq!(
        titles_of(&changes, &url("rss1.xml")).unwrap(),
        ["ペット同行避難の説明会"]
    );
    assert_eq!(
        titles_of(&changes, &url("atom.xml")).unwrap(),
        ["こどもまつりのお知らせ"]
    );
    let many = titles_of(&changes, &url("many.xml")).unwrap();
    assert_eq!((many.len(), many[0].as_str()), (10, "お知らせ0"));
    let errors: Vec<(String, String)> = status
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| {
            Some((
                s.origin.rsplit('/').next()?.to_string(),
                s.last_error.clone()?,
            ))
        })
        .collect();
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    };
    assert!(error_of("page.html").contains("broken XML"), "{errors:?}");
    assert!(
        error_of("broken.xml").contains("broken XML at 2:"),
        "{errors:?}"
    );
    assert!(
        error_of("huge.xml").contains("52428800 bytes; at most 2097152 are read"),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 3, "{errors:?}");

    // Not before 5 minutes; then a 304 that sends no body and changes nothing.
    assert!(watch.poll(start + Duration::from_secs(60)).is_empty());
    assert!(watch.poll(start + Duration::from_secs(301)).is_empty());
    // The server logs an answer just after sending it: wait for the second answer for rss2.xml.
    let rss2 = wait_for(
        "the server's log of the second answer",
        Duration::from_secs(5),
        || {
            let answers: Vec<_> = server
                .served()
                .into_iter()
                .filter(|s| s.path == "rss2.xml")
                .collect();
            (answers.len() == 2).then(|| answers[1].clone())
        },
    );
    assert_eq!((rss2.status, rss2.body_bytes), (304, 0));

    // Offline: the titles stay, and a restarted player starts with them.
    server.stop();
    assert!(watch.poll(start + Duration::from_secs(602)).is_empty());
    let mut restarted = NewsWatch::new(
        Some(store.path().into()),
        SharedNewsStatus::default(),
        Duration::from_secs(300),
    )
    .unwrap();
    let kept = restarted.follow(&feeds);
    assert_eq!(
        titles_of(&kept, &url("rss2.xml")).unwrap()[0],
        "年末年始の窓口のご案内"
    );
    assert!(titles_of(&kept, &url("page.html")).is_none());
}

#[test]
fn the_real_players_ticker_shows_the_wards_news() {
    let lobby = Lobby::start(|feed| format!("本日の窓口は17時15分まで\n{feed}\n"));
    let (address, feed) = (&lobby.address, &lobby.feed);
    let ticker = wait_for(
        "the feed's titles in the ticker",
        Duration::from_secs(30),
        || {
            let ticker = status(&address)["ticker"].as_array()?.clone();
            (ticker.len() == 3).then_some(ticker)
        },
    );
    let lines: Vec<(&str, &str)> = ticker
        .iter()
        .map(|t| {
            (
                t["message"].as_str().unwrap(),
                t["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("本日の窓口は17時15分まで", "ticker.txt"),
            ("年末年始の窓口のご案内", feed.as_str()),
            ("食中毒に注意しましょう & 手洗いを", feed.as_str()),
        ]
    );
    let report = status(&address);
    assert_eq!(report["news_feeds"][0]["origin"], feed.as_str());
    assert!(report["news_feeds"][0]["last_success"].is_string());
    let kept = std::fs::read_dir(lobby.config.with_file_name("cache/news"))
        .unwrap()
        .count();
    assert_eq!(kept, 1, "the titles are kept for offline");
}

#[test]
fn a_feed_slide_lists_the_newest_items_and_its_qr_card_leads_to_the_first() {
    let content = tempfile::tempdir().unwrap();
    let rss = RSS2.replace(
        "<link>https://www.city.yokohama.lg.jp/konan/1.html</link>",
        "<link>https://www.city.yokohama.lg.jp/konan/1.html</link><pubDate>Mon, 07 Dec 2026 09:00:00 +0900</pubDate>",
    );
    std::fs::write(content.path().join("konan.xml"), rss).unwrap();
    let server = Server::start(content.path());
    let feed = server.url.replace("manifest.ron", "konan.xml");
    let folder = tempfile::tempdir().unwrap();
    let preview = |name: &str, playlist: String| {
        let path = folder.path().join(format!("{name}.ron"));
        std::fs::write(&path, playlist).unwrap();
        let out = folder.path().join(name);
        let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .arg("preview")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(!log.contains("warning:"), "{log}");
        image::open(out.join("001-text.png")).unwrap().to_rgb8()
    };
    let shown = loop {
        let minute = chrono::Local::now().format("%-m月%-d日 %-H:%M").to_string();
        let shown = preview(
            "feed",
            format!(
                r#"Playlist(title: "news", slides: [Feed(url: "{feed}", items: 2, title: "港南区からのお知らせ")])"#
            ),
        );
        // The same slide written by hand, as it should read.
        let written = preview(
            "written",
            format!(
                r#"Playlist(title: "news", slides: [Text(title: "港南区からのお知らせ", body: "12月7日　年末年始の窓口のご案内\n食中毒に注意しましょう & 手洗いを", body_en: "更新 {minute} / Updated", qr: (url: "https://www.city.yokohama.lg.jp/konan/1.html", caption: "詳しくはこちら", caption_en: "More"))])"#
            ),
        );
        if chrono::Local::now().format("%-m月%-d日 %-H:%M").to_string() == minute {
            assert!(
                shown == written,
                "the feed slide differs from its text written by hand"
            );
            break shown;
        }
    };
    let png = folder.path().join("shown.png");
    shown.save(&png).unwrap();
    let decoded = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&decoded.stdout).trim(),
        "https://www.city.yokohama.lg.jp/konan/1.html"
    );
}

#[test]
fn the_wards_news_reads_in_the_band_as_preview_draws_it() {
    use common::display::{
        assert_comes_to_show, crop, preview_slide_with, screenshot_within_a_second, slide_area,
    };
    // The feed alone: its first title is the ticker's first message.
    let lobby = Lobby::start(|feed| format!("{feed}\n"));
    let address = &lobby.address;
    let report = wait_for(
        "the feed's titles in the ticker",
        Duration::from_secs(30),
        || {
            let report = status(&address);
            (report["ticker"].as_array()?.len() == 2).then_some(report)
        },
    );
    // The band's left part, where the ticker pages (the clock at its right end differs by the
    // minute between the two).
    let area = slide_area(&report);
    let band_top = area.1 + area.3;
    let ticker = (0, band_top, 1280 * 4 / 10, 720 - band_top);
    let expected = crop(
        &preview_slide_with(&lobby.playlist, 0, "1280x720", Some(&lobby.config)),
        ticker,
    );
    let text = expected.pixels().filter(|p| p.0 == [255, 255, 255]).count();
    assert!(
        text > 500,
        "preview drew the title in the band: {text} white pixels"
    );
    let mut request = 0;
    assert_comes_to_show(
        || {
            request += 1;
            crop(&screenshot_within_a_second(&address, request), ticker)
        },
        &expected,
        "the feed's first title in the band, as preview draws it",
        Duration::from_secs(20),
    );
}

/// The real player under Xvfb at 1280×720: a lobby slide, a band with the ticker, and
/// `ticker(feed)` as its `ticker.txt`, the ward's RSS served on 127.0.0.1 at `feed`.
struct Lobby {
    address: String,
    feed: String,
    playlist: PathBuf,
    config: PathBuf,
    _player: Running,
    _xvfb: Running,
    _server: Server,
    _folders: (tempfile::TempDir, tempfile::TempDir),
}

impl Lobby {
    fn start(ticker: impl Fn(&str) -> String) -> Lobby {
        let content = tempfile::tempdir().unwrap();
        std::fs::write(content.path().join("konan.xml"), RSS2).unwrap();
        let server = Server::start(content.path());
        let feed = server.url.replace("manifest.ron", "konan.xml");
        let folder = tempfile::tempdir().unwrap();
        let playlists = folder.path().join("playlists");
        std::fs::create_dir_all(&playlists).unwrap();
        let playlist = playlists.join("lobby.ron");
        std::fs::write(
            &playlist,
            r#"Playlist(title: "lobby", slides: [Text(title: "ようこそ")])"#,
        )
        .unwrap();
        std::fs::write(playlists.join("ticker.txt"), ticker(&feed)).unwrap();
        let config = folder.path().join("kiosk.ron");
        std::fs::write(
            &config,
            "Config(playlists: \"playlists\", cache: \"cache\", layout: Band(), ticker_mode: Pages)",
        )
        .unwrap();
        let (xvfb, display) = start_xvfb("1280x720");
        let (player, address) = spawn_logging_to(
            Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
                .args(["run", "--config"])
                .arg(&config)
                .args(["--status-listen", "127.0.0.1:0"])
                .env("DISPLAY", &display)
                .env_remove("WAYLAND_DISPLAY"),
            &folder.path().join("player.log"),
        );
        Lobby {
            address,
            feed,
            playlist,
            config,
            _player: player,
            _xvfb: xvfb,
            _server: server,
            _folders: (content, folder),
        }
    }
}
