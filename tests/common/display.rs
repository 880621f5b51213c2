//! A private X server for tests that run the real player, and waiting for what it does.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, pass or fail.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a private X server and returns it with its display name.
pub fn start_xvfb(size: &str) -> (Running, String) {
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{size}x24"),
            "-nolisten",
            "tcp",
            // The server must not reset when its last client disconnects.
            "-noreset",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is installed (apt-get install xvfb; .ci/run does this)");
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Running(xvfb), format!(":{}", line.trim()))
}

/// Polls `condition` until it holds, failing the test after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut condition: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = condition() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts a player whose arguments include `--status-listen 127.0.0.1:0`, and returns it with the
/// address its status endpoint was given.
pub fn spawn_with_status(command: &mut Command) -> (Running, String) {
    let mut child = command
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let running = Running(child);
    let address = stderr
        .lines()
        .map_while(Result::ok)
        .find_map(|line| status_address(&line))
        .expect("the player says where its status endpoint is");
    (running, address)
}

/// Starts a player whose arguments include `--status-listen`, its log kept in the file `log`
/// for the test to read, and returns it with its status address once it says where it is.
pub fn spawn_logging_to(command: &mut Command, log: &Path) -> (Running, String) {
    let player = Running(
        command
            .env("NO_COLOR", "1")
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    );
    let address = wait_for("the status endpoint", Duration::from_secs(30), || {
        status_address(&std::fs::read_to_string(log).unwrap_or_default())
    });
    (player, address)
}

/// The status endpoint's address, if `log` is (or has) the player's line that tells it.
pub fn status_address(log: &str) -> Option<String> {
    log.lines().find_map(|line| {
        line.split_once("status on http://")
            .map(|(_, rest)| rest.split('/').next().unwrap().to_string())
    })
}

/// The player's `/status`.
pub fn status(address: &str) -> serde_json::Value {
    let (line, body) = http_get(address, "/status");
    assert!(line.contains("200"), "{line}");
    serde_json::from_str(&body).unwrap()
}

/// The playlist file and index of the slide on screen, once one is and the window covers its
/// monitor.
pub fn slide_on_full_screen(address: &str) -> Option<(String, usize)> {
    let status = status(address);
    let showing = &status["showing"];
    (status["screen"]["fullscreen"] == true && showing["kind"] != "idle").then_some(())?;
    Some((
        showing["playlist"].as_str()?.to_string(),
        showing["slide"].as_u64()? as usize,
    ))
}

/// Replaces a file the way careful copy tools do: a temporary file renamed into place.
pub fn write_atomically(path: &Path, text: &str) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

/// GETs a path from the player's status endpoint: the status line and the body.
pub fn http_get_bytes(address: &str, path: &str) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    (
        head.lines().next().unwrap().to_string(),
        response[split + 4..].to_vec(),
    )
}

pub fn http_get(address: &str, path: &str) -> (String, String) {
    let (status, body) = http_get_bytes(address, path);
    (status, String::from_utf8(body).unwrap())
}

/// `/screenshot` from the player's status endpoint, which must answer 200 within a second.
pub fn screenshot_within_a_second(address: &str, request: usize) -> image::RgbImage {
    let start = Instant::now();
    let (line, png) = http_get_bytes(address, "/screenshot");
    let took = start.elapsed();
    assert!(line.contains("200"), "request {request}: {line}");
    assert!(
        took <= Duration::from_secs(1),
        "request {request} took {took:?}"
    );
    image::load_from_memory(&png).unwrap().to_rgb8()
}

/// The whole root window of an X display, as a person would see it.
pub fn read_x_screen(display: &str) -> image::RgbImage {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat};
    let (x11, screen) = x11rb::connect(Some(display)).expect("the X server answers");
    let root = &x11.setup().roots[screen];
    let (width, height) = (root.width_in_pixels, root.height_in_pixels);
    let reply = x11
        .get_image(ImageFormat::Z_PIXMAP, root.root, 0, 0, width, height, !0)
        .unwrap()
        .reply()
        .unwrap();
    // A 24-bit TrueColor root window: 4 bytes a pixel, blue first.
    let rgb = reply
        .data
        .chunks_exact(4)
        .flat_map(|bgrx| [bgrx[2], bgrx[1], bgrx[0]])
        .collect();
    image::RgbImage::from_raw(width.into(), height.into(), rgb).unwrap()
}

/// `kiosk-player preview` of slide `index` (from 0) of `playlist` at `size`: what the screen
/// must show for it.
pub fn preview_slide(playlist: &Path, index: usize, size: &str) -> image::RgbImage {
    preview_slide_with(playlist, index, size, None)
}

/// [`preview_slide`] as a player with the device config `config` shows it: in its layout.
pub fn preview_slide_with(
    playlist: &Path,
    index: usize,
    size: &str,
    config: Option<&Path>,
) -> image::RgbImage {
    let out = tempfile::tempdir().unwrap();
    let mut preview = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    preview
        .args(["preview"])
        .arg(playlist)
        .arg("--out")
        .arg(out.path())
        .args(["--size", size]);
    if let Some(config) = config {
        preview.arg("--config").arg(config);
    }
    let done = preview.stderr(Stdio::null()).status().unwrap();
    assert!(done.success(), "preview of {}", playlist.display());
    let prefix = format!("{:03}-", index + 1);
    let file = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .unwrap_or_else(|| panic!("preview drew slide {}", index + 1));
    image::open(file).unwrap().to_rgb8()
}

/// Where the slides go on screen, `(x, y, width, height)`, from a `/status`: the whole screen,
/// or the main area of a layout whose clock and ticker change on their own.
pub fn slide_area(status: &serde_json::Value) -> (u32, u32, u32, u32) {
    let area = &status["screen"]["slide_area"];
    let at = |i: usize| area[i].as_u64().expect("the status has the slide area") as u32;
    (at(0), at(1), at(2), at(3))
}

/// The part of `image` in `area`.
pub fn crop(
    image: &image::RgbImage,
    (x, y, width, height): (u32, u32, u32, u32),
) -> image::RgbImage {
    image::imageops::crop_imm(image, x, y, width, height).to_image()
}

/// Why `screen` does not show `expected` pixel for pixel (a channel may differ by 3 from
/// rounding in the compositor), or `None` when it does.
pub fn difference(screen: &image::RgbImage, expected: &image::RgbImage) -> Option<String> {
    if screen.dimensions() != expected.dimensions() {
        return Some(format!(
            "the screen is {:?}, the picture {:?}",
            screen.dimensions(),
            expected.dimensions()
        ));
    }
    let differing = screen
        .pixels()
        .zip(expected.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 3))
        .count();
    let total = (screen.width() * screen.height()) as usize;
    // A black band (a window smaller than the screen) is the failure this exists for.
    let black_rows = (0..screen.height())
        .filter(|&y| (0..screen.width()).all(|x| screen.get_pixel(x, y).0 == [0, 0, 0]))
        .count();
    (differing * 1000 > total || black_rows > 0)
        .then(|| format!("{differing} of {total} pixels differ, {black_rows} rows are black"))
}

/// Fails unless `screen` shows `expected`, saving both pictures for a person to look at.
pub fn assert_shows(screen: &image::RgbImage, expected: &image::RgbImage, what: &str) {
    if let Some(difference) = difference(screen, expected) {
        let keep = std::env::temp_dir().join(format!("kiosk-{}", what.replace(' ', "-")));
        std::fs::create_dir_all(&keep).unwrap();
        screen.save(keep.join("screen.png")).unwrap();
        expected.save(keep.join("expected.png")).unwrap();
        panic!("{what}: {difference}; pictures in {}", keep.display());
    }
}

/// Reads the screen with `read` until it shows `expected`, failing after `limit` as
/// [`assert_shows`] does: a compositor shows a client's new frame at its own next frame.
pub fn assert_comes_to_show(
    mut read: impl FnMut() -> image::RgbImage,
    expected: &image::RgbImage,
    what: &str,
    limit: Duration,
) -> image::RgbImage {
    let start = Instant::now();
    loop {
        let screen = read();
        if difference(&screen, expected).is_none() || start.elapsed() > limit {
            assert_shows(&screen, expected, what);
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The processes whose parent is `pid`, now.
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // After the command's closing parenthesis: the state, then the parent's pid.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(pid)
        })
        .collect()
}

/// Whether process `pid` is still running (a zombie waiting to be reaped is not).
pub fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}
