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
        .find_map(|line| {
            line.split_once("status on http://")
                .map(|(_, rest)| rest.split('/').next().unwrap().to_string())
        })
        .expect("the player says where its status endpoint is");
    (running, address)
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
