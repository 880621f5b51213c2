//! The staff page on the status endpoint, as a staff member sees it: the real player under Xvfb,
//! the page opened in headless Chromium (Debian's package), the token asked for off loopback,
//! and slow or oversized requests that must not cost the player a frame.
//!
//! Chromium is given a proxy that does not exist for every address but the player's, so nothing
//! it does reaches beyond this machine. "Off loopback" is this machine's own network address
//! (found without sending anything): the kernel delivers it locally, but the player sees a
//! client that is not on loopback.

mod common;

use common::display::{
    Running, http_get, http_get_bytes, spawn_logging_to, start_xvfb, status, wait_for,
    write_atomically,
};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A slide of one strong colour, so the page's screenshot and thumbnails can be found by it.
const COLOUR: [u8; 3] = [0xD0, 0x20, 0x70];

fn playlists(folder: &Path) {
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(
        folder.join("lobby.ron"),
        r##"Playlist(
    title: "食品衛生のお知らせ",
    slide_seconds: 120,
    slides: [Text(title: "手を洗おう", title_en: "Wash your hands", background: "#D02070", color: "#FFFFFF")],
)"##,
    )
    .unwrap();
    std::fs::write(
        folder.join("evening.ron"),
        r##"Playlist(
    title: "ペット同行避難",
    schedule: (hours: ["23:58-23:59"]),
    slides: [Text(title: "ペットと避難"), Text(title: "準備しよう")],
)"##,
    )
    .unwrap();
}

/// The player on `display` with its log in `log`, listening on `listen`; returns it with the
/// endpoint's port once it says where it is.
fn start_player(
    display: &str,
    dir: &Path,
    listen: &str,
    token: Option<&str>,
    log: &Path,
) -> (Running, u16) {
    let config = dir.join("kiosk.ron");
    std::fs::write(
        &config,
        format!(
            "Config(playlists: \"playlists\", status: (listen: \"{listen}\", token_env: \"KIOSK_STATUS_TOKEN\"))"
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    command
        .args(["run", "--windowed", "--size", "1280x720", "--config"])
        .arg(&config)
        .env("DISPLAY", display)
        .env("XDG_RUNTIME_DIR", dir)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("KIOSK_STATUS_TOKEN")
        .stdout(Stdio::null());
    if let Some(token) = token {
        command.env("KIOSK_STATUS_TOKEN", token);
    }
    let (player, address) = spawn_logging_to(&mut command, log);
    let port = address.rsplit_once(':').unwrap().1.parse().unwrap();
    (player, port)
}

/// This machine's address on its network, as a client elsewhere would reach it. A UDP socket
/// "connected" to a documentation address sends nothing; the kernel just picks the route.
fn own_network_address() -> IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    socket
        .connect("192.0.2.1:9")
        .expect("this machine has a network route (CI machines do)");
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    ip
}

/// Headless Chromium on `url`, with its own profile, reaching only `host`, waiting `budget_ms` of
/// page time for images and scripts.
fn chromium(url: &str, host: &str, extra: &[&str], budget_ms: u32) -> Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--lang=ja",
            // Everything but the player goes to a proxy that is not there.
            "--proxy-server=127.0.0.1:9",
            &format!("--proxy-bypass-list={host}"),
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--virtual-time-budget={budget_ms}"),
        ])
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("Chromium is installed (apt-get install chromium; .ci/run does this)")
}

/// The page's document once Chromium has loaded it (and run its scripts).
fn dom(url: &str, host: &str) -> String {
    let output = chromium(url, host, &["--dump-dom"], 3000);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Pixels within a small distance of the slide's colour.
fn pixels_of_the_colour(picture: &image::RgbImage) -> usize {
    picture
        .pixels()
        .filter(|p| {
            p.0.iter()
                .zip(COLOUR)
                .all(|(&have, want)| have.abs_diff(want) <= 24)
        })
        .count()
}

/// Sends `request` as it is and returns the whole answer, status line first. The answer is read
/// while the request is still being sent: a server that refuses a request too large to read
/// answers before the client has finished.
fn raw_request(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut sending = stream.try_clone().unwrap();
    let request = request.to_vec();
    let sender = std::thread::spawn(move || {
        let _ = sending.write_all(&request);
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(read @ 1..) = stream.read(&mut chunk) {
        answer.extend_from_slice(&chunk[..read]);
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    sender.join().unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_page_shows_the_screen_the_day_and_a_broken_file_within_seconds() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("playlists");
    playlists(&folder);
    let log = dir.path().join("player.log");
    let (_player, port) = start_player(&display, dir.path(), "127.0.0.1:0", None, &log);
    let address = format!("127.0.0.1:{port}");
    wait_for("the lobby slide on screen", Duration::from_secs(30), || {
        (status(&address)["showing"]["playlist"] == "lobby.ron").then_some(())
    });

    // The page as Chromium draws it, on a phone-sized and a desk-sized window.
    let url = format!("http://{address}/");
    for (size, shot_width) in [("1100,1600", 900), ("390,1400", 340)] {
        let png = dir.path().join(format!("page-{size}.png"));
        let output = chromium(
            &url,
            "127.0.0.1",
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={size}"),
            ],
            4000,
        );
        let page = image::open(&png)
            .unwrap_or_else(|e| {
                panic!(
                    "Chromium's screenshot: {e}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })
            .to_rgb8();
        // The slide's colour over most of a screenshot as wide as the page allows: far more than
        // the thumbnails, so the screenshot of the screen itself is there.
        let needed = shot_width * shot_width * 9 / 16 / 2;
        let found = pixels_of_the_colour(&page);
        assert!(
            found as u32 > needed,
            "{size}: {found} pixels of the slide's colour, {needed} needed ({})",
            png.display()
        );
        if std::env::var_os("KIOSK_KEEP_PAGE").is_some() {
            std::fs::copy(&png, format!("/tmp/staff-page-{size}.png")).unwrap();
        }
    }
    let page = dom(&url, "127.0.0.1");
    for expected in [
        "食品衛生のお知らせ",
        "lobby.ron",
        "ペット同行避難",
        "evening.ron",
        "<td class=\"time\">23:58–23:59</td>",
        "問題のあるファイルはありません",
    ] {
        assert!(
            page.contains(expected),
            "{expected:?} not on the page:\n{page}"
        );
    }

    // Each slide's thumbnail, drawn by the slide code, kept by the browser.
    let (_, lobby) = page
        .split_once("lobby.ron</code></h3>")
        .expect("the lobby's card");
    let thumbnail = lobby
        .split("src=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|src| src.starts_with("/thumbnail/") && src.contains("/0/"))
        .expect("a thumbnail of the lobby's slide")
        .to_string();
    let (line, png) = http_get_bytes(&address, &thumbnail);
    assert!(line.contains("200"), "{line}");
    let picture = image::load_from_memory(&png).unwrap().to_rgb8();
    assert!(
        pixels_of_the_colour(&picture) > (picture.width() * picture.height() / 2) as usize,
        "the thumbnail shows the slide"
    );
    assert_eq!(
        http_get_bytes(&address, &thumbnail).1,
        png,
        "the same, from the cache"
    );
    let head = raw_request(
        &address,
        format!("HEAD {thumbnail} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert!(head.contains("immutable"), "{head}");
    assert!(
        head.ends_with("\r\n\r\n"),
        "a HEAD answer has no body: {head}"
    );
    let two = raw_request(
        &address,
        b"GET /status HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        two.matches("HTTP/1.1 200 OK").count(),
        2,
        "two answers on one connection: {two}"
    );
    assert!(two.contains("kiosk_frames_total"), "{two}");

    // Staff drop a broken playlist; the page names its line and column within seconds.
    write_atomically(
        &folder.join("broken.ron"),
        "Playlist(\n    title: \"壊れた\",\n    slide_secnds: 5,\n    slides: [Text(title: \"x\")],\n)",
    );
    let dropped = Instant::now();
    wait_for(
        "the broken file on the page",
        Duration::from_secs(15),
        || {
            http_get(&address, "/")
                .1
                .contains("broken.ron:3:5")
                .then_some(())
        },
    );
    println!(
        "the broken file was on the page {:?} after it was dropped",
        dropped.elapsed()
    );
    let page = dom(&url, "127.0.0.1");
    assert!(
        page.contains("broken.ron:3:5: unknown field `slide_secnds`"),
        "{page}"
    );
    assert!(page.contains("did you mean `slide_seconds`?"), "{page}");
}

#[test]
fn off_loopback_the_page_needs_the_token_and_a_browser_types_it_once() {
    let token = format!(
        "tok-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    playlists(&dir.path().join("playlists"));
    let log = dir.path().join("player.log");
    let (_player, port) = start_player(&display, dir.path(), "0.0.0.0:0", Some(&token), &log);
    let local = format!("127.0.0.1:{port}");
    let office = format!("{}:{port}", own_network_address());
    wait_for("the lobby slide on screen", Duration::from_secs(30), || {
        (status(&local)["showing"]["playlist"] == "lobby.ron").then_some(())
    });

    // Without the token: 401 and nothing about the player, for the page and everything else.
    for path in [
        "/",
        "/status",
        "/metrics",
        "/screenshot",
        "/screen.jpg",
        "/thumbnail/1/0/384x216.png",
    ] {
        let (line, body) = http_get(&office, path);
        assert!(line.contains("401"), "{path}: {line}");
        for secret in ["食品衛生", "lobby.ron", "kiosk_"] {
            assert!(!body.contains(secret), "{path} shows {secret:?}: {body}");
        }
    }
    let office_ip = own_network_address().to_string();
    let refused = dom(&format!("http://{office}/"), &office_ip);
    assert!(
        refused.contains("name=\"token\""),
        "the login form: {refused}"
    );
    assert!(!refused.contains("食品衛生"), "{refused}");

    // Tools give it as a bearer token or a Basic password; a wrong one is refused.
    let with = |authorization: &str| {
        raw_request(
            &office,
            format!("GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("staff:{token}"));
    assert!(with(&format!("Bearer {token}")).starts_with("HTTP/1.1 200"));
    assert!(with(&format!("Basic {basic}")).starts_with("HTTP/1.1 200"));
    assert!(with(&format!("Bearer {token}x")).starts_with("HTTP/1.1 401"));

    // A wrong token in the form is answered after a pause, with the form again.
    let form = |given: &str| {
        let body = format!("token={given}");
        raw_request(
            &office,
            format!(
                "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
    };
    let asked = Instant::now();
    let wrong = form("guess");
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    assert!(
        asked.elapsed() >= Duration::from_millis(900),
        "wrong guesses are slowed"
    );
    assert!(
        !wrong.contains("Set-Cookie") && !wrong.contains("set-cookie"),
        "{wrong}"
    );
    let right = form(&token);
    assert!(right.starts_with("HTTP/1.1 303"), "{right}");
    let cookie = right
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .expect("a cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains(&token),
        "{cookie}"
    );

    // A browser: the form typed in once (a page that submits it, as a person would), then the
    // page itself.
    let login = dir.path().join("login.html");
    std::fs::write(
        &login,
        format!(
            "<form id=f method=post action=\"http://{office}/login\"><input name=token value=\"{token}\"></form>\
             <script>document.getElementById('f').submit()</script>"
        ),
    )
    .unwrap();
    let after = dom(&format!("file://{}", login.display()), &office_ip);
    assert!(
        after.contains("食品衛生のお知らせ"),
        "logged in, the page: {after}"
    );

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains(&token),
        "the token is never logged:\n{logged}"
    );
}

/// Transition frames so far: how many, and their total length in seconds, from `/metrics`.
fn transition_frames(address: &str) -> (f64, f64, f64) {
    let metrics = http_get(address, "/metrics").1;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{metrics}"))
            .parse()
            .unwrap()
    };
    (
        value("kiosk_transition_frame_seconds_count"),
        value("kiosk_transition_frame_seconds_sum"),
        value("kiosk_transition_stalls_total"),
    )
}

#[test]
fn slow_and_oversized_requests_do_not_cost_the_player_a_frame() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("playlists");
    std::fs::create_dir(&folder).unwrap();
    // Slides that change every 2 s with 1.5 s transitions: frames come all the time.
    std::fs::write(
        folder.join("busy.ron"),
        r##"Playlist(title: "busy", slide_seconds: 2, transition_seconds: 1.5, slides: [
            Text(title: "食品衛生", background: "#D02070"), Text(title: "ペット同行避難", background: "#205070")])"##,
    )
    .unwrap();
    let log = dir.path().join("player.log");
    let (_player, port) = start_player(&display, dir.path(), "127.0.0.1:0", None, &log);
    let address = format!("127.0.0.1:{port}");
    wait_for("transitions", Duration::from_secs(30), || {
        (transition_frames(&address).0 > 30.0).then_some(())
    });

    let window = Duration::from_secs(8);
    let before = transition_frames(&address);
    std::thread::sleep(window);
    let quiet = transition_frames(&address);

    // Twenty clients that send a request a byte at a time and never finish it.
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                let started = Instant::now();
                let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
                for byte in head.iter().chain(std::iter::repeat(&b'a')) {
                    if stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(250));
                    if started.elapsed() > Duration::from_secs(30) {
                        break;
                    }
                }
                // The server gives up on a head that takes more than 10 s.
                started.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let loaded_from = transition_frames(&address);
    // Requests far larger than any real one are refused at once.
    let huge_head = raw_request(
        &address,
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
            "a".repeat(1 << 20)
        )
        .as_bytes(),
    );
    assert!(huge_head.starts_with("HTTP/1.1 431"), "{huge_head:.80}");
    let huge_body = raw_request(
        &address,
        format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
            1 << 20,
            "a".repeat(1 << 20)
        )
        .as_bytes(),
    );
    assert!(huge_body.starts_with("HTTP/1.1 413"), "{huge_body:.80}");
    // The endpoint still answers everyone else, with keep-alive.
    for _ in 0..5 {
        assert!(status(&address)["showing"]["playlist"] == "busy.ron");
        let page = http_get(&address, "/");
        assert!(page.0.contains("200"), "{}", page.0);
    }
    std::thread::sleep(window.saturating_sub(Duration::from_secs(2)));
    let loaded = transition_frames(&address);

    let mean = |from: (f64, f64, f64), to: (f64, f64, f64)| (to.1 - from.1) / (to.0 - from.0);
    let (quiet_mean, loaded_mean) = (mean(before, quiet), mean(loaded_from, loaded));
    println!(
        "transition frames: {:.1} ms apart alone, {:.1} ms with 20 slow clients",
        quiet_mean * 1000.0,
        loaded_mean * 1000.0
    );
    assert!(
        loaded_mean < quiet_mean * 1.5 + 0.005,
        "frames {:.1} ms apart with slow clients, {:.1} ms without",
        loaded_mean * 1000.0,
        quiet_mean * 1000.0
    );
    assert_eq!(loaded.2, before.2, "no transition stalled");
    for client in slow {
        let held = client.join().unwrap();
        assert!(
            (Duration::from_secs(8)..Duration::from_secs(20)).contains(&held),
            "a slow client held its connection for {held:?}: the limit is 10 s"
        );
    }
}

/// `count` connections to `address` from the local address `from`, made at once and left idle.
fn connect_from(from: IpAddr, address: std::net::SocketAddr, count: usize) -> Vec<TcpStream> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut streams = Vec::new();
        for _ in 0..count {
            let socket = match from {
                IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
                IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
            }
            .unwrap();
            socket.bind((from, 0).into()).unwrap();
            let stream = socket.connect(address).await.unwrap();
            streams.push(stream.into_std().unwrap());
        }
        streams
    })
}

/// How many of `streams` the server still holds open (the others read end-of-file).
fn still_open(streams: &[TcpStream]) -> usize {
    streams
        .iter()
        .filter(|stream| {
            stream.set_nonblocking(true).unwrap();
            let open = matches!((&**stream).read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
            stream.set_nonblocking(false).unwrap();
            open
        })
        .count()
}

#[test]
fn one_greedy_client_cannot_lock_the_others_out() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    playlists(&dir.path().join("playlists"));
    let log = dir.path().join("player.log");
    let token = "greedy-test-token";
    let (player, port) = start_player(&display, dir.path(), "0.0.0.0:0", Some(token), &log);
    let loopback: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    wait_for("the player's status", Duration::from_secs(30), || {
        (status(&loopback.to_string())["showing"]["playlist"] == "lobby.ron").then_some(())
    });

    // 300 idle connections from one loopback address: it keeps its own 32, no more.
    let greedy = connect_from([127, 0, 0, 2].into(), loopback, 300);
    std::thread::sleep(Duration::from_millis(500));
    let held = still_open(&greedy);
    assert!(
        (1..=32).contains(&held),
        "127.0.0.2 holds {held} connections"
    );
    // Meanwhile 127.0.0.1 is answered at once, every time.
    for _ in 0..10 {
        let asked = Instant::now();
        assert!(status(&loopback.to_string())["showing"]["playlist"] == "lobby.ron");
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );
    }

    // A peer on the network holds at most 8.
    let network = own_network_address();
    let remote: std::net::SocketAddr = (network, port).into();
    let from_network = connect_from(network, remote, 30);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(still_open(&from_network), 8);
    drop(from_network);
    std::thread::sleep(Duration::from_millis(200));
    // And is answered a burst of 40 requests, then 10 a second: past that, 429 and when to retry.
    let request = format!(
        "GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let answers: Vec<String> = (0..60)
        .map(|_| raw_request(&remote.to_string(), request.as_bytes()))
        .collect();
    let answered = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 200"))
        .count();
    let refused: Vec<&String> = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 429"))
        .collect();
    assert!((40..55).contains(&answered), "{answered} of 60 answered");
    assert_eq!(answered + refused.len(), 60);
    assert!(
        refused[0].to_ascii_lowercase().contains("retry-after: 1"),
        "{}",
        refused[0]
    );

    // The server's threads give way to the show: nice 10.
    let tasks = std::fs::read_dir(format!("/proc/{}/task", player.0.id())).unwrap();
    let niceness: Vec<i64> = tasks
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.starts_with("status"))
        })
        .map(|task| {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
            // After the command's closing parenthesis: state is field 3, nice field 19.
            let after = stat.rsplit_once(')').unwrap().1;
            after.split_whitespace().nth(16).unwrap().parse().unwrap()
        })
        .collect();
    assert!(!niceness.is_empty());
    assert!(niceness.iter().all(|&n| n == 10), "{niceness:?}");
    drop(greedy);
}

#[test]
fn a_hot_board_with_a_failing_card_shows_on_the_page_in_status_and_in_metrics() {
    let (_xvfb, display) = start_xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("playlists");
    playlists(&folder);
    // The kernel's files of a Raspberry Pi in a closed cabinet on a weak power supply, whose SD
    // card the kernel has remounted read-only.
    let root = dir.path().join("system");
    let files = [
        ("sys/class/thermal/thermal_zone0/temp", "84200".to_string()),
        (
            "sys/class/thermal/cooling_device0/type",
            "cpufreq-cpu0".into(),
        ),
        ("sys/class/thermal/cooling_device0/cur_state", "1".into()),
        ("sys/class/hwmon/hwmon2/name", "rpi_volt".into()),
        ("sys/class/hwmon/hwmon2/in0_lcrit_alarm", "1".into()),
        (
            "proc/self/mounts",
            format!(
                "/dev/mmcblk0p2 / ext4 rw 0 0\n/dev/mmcblk0p3 {} ext4 ro,relatime 0 0\n",
                folder.display()
            ),
        ),
        ("sys/fs/ext4/mmcblk0p3/errors_count", "2".into()),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let log = dir.path().join("player.log");
    let (_player, address) = spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--windowed", "--size", "1280x720"])
            .args(["--status-listen", "127.0.0.1:0", "--playlists"])
            .arg(&folder)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("KIOSK_SYSTEM_ROOT", &root)
            .env_remove("WAYLAND_DISPLAY"),
        &log,
    );
    let board = wait_for("the board's health", Duration::from_secs(30), || {
        let board = status(&address)["board"].clone();
        (board["problems"].as_array()?.len() == 5).then_some(board)
    });
    assert_eq!(board["temperature_celsius"], 84.2);
    assert_eq!(
        (board["throttled"].clone(), board["under_voltage"].clone()),
        (true.into(), true.into())
    );
    let card = board["file_systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|fs| fs["folder"] == folder.display().to_string())
        .unwrap();
    assert_eq!(
        (card["read_only"].clone(), card["errors"].clone()),
        (true.into(), 2.into())
    );

    let metrics = http_get(&address, "/metrics").1;
    let card_label = format!("{{folder=\"{}\"}}", folder.display());
    for line in [
        "kiosk_board_temperature_celsius 84.2".to_string(),
        "kiosk_board_throttled 1".into(),
        "kiosk_board_under_voltage 1".into(),
        "kiosk_board_problems 5".into(),
        format!("kiosk_filesystem_read_only{card_label} 1"),
        format!("kiosk_filesystem_errors{card_label} 2"),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in\n{metrics}"
        );
    }
    let page = http_get(&address, "/").1;
    assert!(page.contains("電源の電圧が不足しています"), "{page}");
    assert!(page.contains("読み取り専用"));
    // Said once in the log as it started.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged
            .matches("board: the power supply's voltage is too low")
            .count(),
        1
    );
}
