//! A static web server of JMA's shape on 127.0.0.1, for official-warning tests: feeds of
//! entries built by the test, JMA's sample documents from `tests/fixtures/jma/`. Web slides'
//! tests use it too: HTML pages, a path that never answers, and a download.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A static web server of JMA's shape on 127.0.0.1: feeds under `/feed/`, documents under
/// `/data/`, `Last-Modified` on every answer and 304 for an unchanged `If-Modified-Since`.
pub struct FeedServer {
    pub base: String,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Path → body and its Last-Modified.
    files: HashMap<String, (Vec<u8>, String)>,
    /// Every request: path, status, body bytes sent.
    log: Vec<(String, u16, usize)>,
    /// Answer 503 to everything.
    down: bool,
    /// Paths that are never answered.
    hanging: Vec<String>,
    version: u64,
}

impl FeedServer {
    pub fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || answer(stream, &state));
            }
        });
        FeedServer { base, state }
    }

    /// Publishes a body at `path`, with a new Last-Modified.
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        let mut state = self.state.lock().unwrap();
        state.version += 1;
        let modified = format!(
            "Wed, 01 Jul 2026 18:{:02}:{:02} GMT",
            state.version / 60,
            state.version % 60
        );
        state
            .files
            .insert(path.to_string(), (body.into(), modified));
    }

    /// Publishes the feed `name` (e.g. "extra.xml") with these entries, newest first.
    pub fn feed(&self, name: &str, entries: &[Entry]) {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" lang=\"ja\">\
             <title>高頻度（随時）</title><updated>2026-07-02T03:12:21+09:00</updated>",
        );
        for entry in entries {
            let link = format!("{}/data/{}", self.base, entry.file);
            xml.push_str(&format!(
                "<entry><title>{}</title><id>{link}</id><updated>{}</updated><author><name>{}</name></author>\
                 <link type=\"application/xml\" href=\"{link}\"/><content type=\"text\">…</content></entry>",
                entry.title, entry.updated, entry.office
            ));
        }
        xml.push_str("</feed>");
        self.put(&format!("/feed/{name}"), xml);
    }

    /// Publishes a fixture as the document `file`.
    pub fn document(&self, file: &str, fixture: &str) {
        self.put(
            &format!("/data/{file}"),
            std::fs::read(fixtures().join("jma").join(fixture)).unwrap(),
        );
    }

    /// The requests for `path` answered 200.
    pub fn answered(&self, path: &str) -> usize {
        self.requests(path)
            .iter()
            .filter(|(status, _)| *status == 200)
            .count()
    }

    pub fn requests(&self, path: &str) -> Vec<(u16, usize)> {
        let state = self.state.lock().unwrap();
        state
            .log
            .iter()
            .filter(|(p, ..)| p == path)
            .map(|(_, status, bytes)| (*status, *bytes))
            .collect()
    }

    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// From now on, a request for `path` is read and never answered.
    pub fn hang(&self, path: &str) {
        self.state.lock().unwrap().hanging.push(path.to_string());
    }
}

/// The type of a file by its name: a `.bin` is a download (an attachment).
fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "Content-Type: text/html; charset=utf-8\r\n",
        Some("bin") => {
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"file.bin\"\r\n"
        }
        _ => "",
    }
}

fn answer(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut since = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':')
            && name.eq_ignore_ascii_case("if-modified-since")
        {
            since = Some(value.trim().to_string());
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut state = state.lock().unwrap();
    if state.hanging.contains(&path) {
        state.log.push((path, 0, 0));
        drop(state);
        std::thread::sleep(std::time::Duration::from_secs(300));
        return;
    }
    let (status, head, body) = if state.down {
        (503, String::new(), b"maintenance".to_vec())
    } else {
        match state.files.get(&path) {
            None => (404, String::new(), Vec::new()),
            Some((_, modified)) if since.as_deref() == Some(modified.as_str()) => {
                (304, String::new(), Vec::new())
            }
            Some((body, modified)) => (
                200,
                format!("Last-Modified: {modified}\r\n{}", content_type(&path)),
                body.clone(),
            ),
        }
    };
    state.log.push((path.clone(), status, body.len()));
    drop(state);
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // A download comes slowly, as a large file would: a browser that saved it would hold the
    // file open for seconds.
    let (chunk, pause) = match path.ends_with(".bin") {
        true => (body.len().div_ceil(10).max(1), 300),
        false => (body.len().max(1), 0),
    };
    for part in body.chunks(chunk) {
        if stream
            .write_all(part)
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(pause));
    }
}

#[derive(Clone)]
pub struct Entry {
    pub file: String,
    pub title: &'static str,
    pub updated: String,
    pub office: &'static str,
}

/// An entry as JMA's feeds list it, its file named as JMA names them:
/// `<UTC stamp>_0_<type>_<office code>.xml`.
pub fn entry(
    stamp: &str,
    code: &str,
    office_code: &str,
    title: &'static str,
    office: &'static str,
) -> Entry {
    let part = |range: std::ops::Range<usize>| &stamp[range];
    Entry {
        file: format!("{stamp}_0_{code}_{office_code}.xml"),
        title,
        updated: format!(
            "{}-{}-{}T{}:{}:{}Z",
            part(0..4),
            part(4..6),
            part(6..8),
            part(8..10),
            part(10..12),
            part(12..14)
        ),
        office,
    }
}

/// A 大雨 warning document of 横浜地方気象台.
pub fn warning(stamp: &str) -> Entry {
    entry(
        stamp,
        "VPWW55",
        "140000",
        "気象警報・注意報（Ｒ０６）（大雨）",
        "横浜地方気象台",
    )
}

/// A tsunami document of 気象庁本庁.
pub fn tsunami(stamp: &str) -> Entry {
    entry(
        stamp,
        "VTSE41",
        "010000",
        "津波警報・注意報・予報a",
        "気象庁本庁",
    )
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}
