//! A small HTTP/1.1 server on 127.0.0.1 for tests: serves a folder under `/content/`, answers
//! conditional requests with 304, logs what it sent, and misbehaves on request.
#![allow(dead_code)] // each test binary uses a different part of it

pub mod cage;
pub mod display;
pub mod feeds;
pub mod sandbox;
pub mod video;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the test server does instead of answering honestly.
#[derive(Clone, Default)]
pub struct Faults {
    pub status_500: bool,
    pub html_manifest: bool,
    /// Send only this many bytes of the body of this path, then close.
    pub truncate: Option<(String, usize)>,
    /// Send this path's body and then stall without closing.
    pub stall: Option<String>,
    /// Wait this long before answering for this path.
    pub delay: Option<(String, Duration)>,
    /// Replace this path's body.
    pub replace: Option<(String, Vec<u8>)>,
}

#[derive(Clone, Debug)]
pub struct Served {
    pub path: String,
    pub status: u16,
    pub body_bytes: usize,
    pub if_none_match: Option<String>,
    pub authorization: Option<String>,
}

pub struct Server {
    pub url: String,
    pub faults: Arc<Mutex<Faults>>,
    pub log: Arc<Mutex<Vec<Served>>>,
    pub running: Arc<AtomicBool>,
}

impl Server {
    /// Serves the files of `root` on a free loopback port, one thread per connection.
    pub fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/content/manifest.ron",
            listener.local_addr().unwrap()
        );
        let (faults, log, running) = (
            Arc::new(Mutex::new(Faults::default())),
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(AtomicBool::new(true)),
        );
        let (root, f, l, r) = (
            root.to_path_buf(),
            faults.clone(),
            log.clone(),
            running.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if !r.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (root, f, l) = (root.clone(), f.clone(), l.clone());
                std::thread::spawn(move || answer(stream, &root, &f, &l));
            }
        });
        Server {
            url,
            faults,
            log,
            running,
        }
    }

    pub fn set(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut self.faults.lock().unwrap());
    }

    pub fn served(&self) -> Vec<Served> {
        self.log.lock().unwrap().clone()
    }

    /// Stops accepting connections and closes the port.
    pub fn stop(self) {
        self.running.store(false, Ordering::SeqCst);
        let _ = TcpStream::connect(
            self.url
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap(),
        );
    }
}

fn answer(mut stream: TcpStream, root: &Path, faults: &Mutex<Faults>, log: &Mutex<Vec<Served>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            headers.insert(name.to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let raw_path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let path = percent_decode(raw_path.trim_start_matches("/content/"));
    let faults = faults.lock().unwrap().clone();
    let mut served = Served {
        path: path.clone(),
        status: 200,
        body_bytes: 0,
        if_none_match: headers.get("if-none-match").cloned(),
        authorization: headers.get("authorization").cloned(),
    };
    let respond =
        |stream: &mut TcpStream, status: &str, extra: &str, body: &[u8], length: usize| {
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n{extra}\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        };
    if let Some((p, pause)) = &faults.delay
        && *p == path
    {
        std::thread::sleep(*pause);
    }
    if faults.status_500 {
        served.status = 500;
        respond(&mut stream, "500 Internal Server Error", "", b"oops", 4);
    } else if path == "manifest.ron" && faults.html_manifest {
        let page = b"<!DOCTYPE html><html><body>Please log in</body></html>";
        served.body_bytes = page.len();
        respond(
            &mut stream,
            "200 OK",
            "Content-Type: text/html\r\n",
            page,
            page.len(),
        );
    } else {
        let body = match &faults.replace {
            Some((p, replacement)) if *p == path => Some(replacement.clone()),
            _ => std::fs::read(root.join(&path)).ok(),
        };
        match body {
            None => {
                served.status = 404;
                respond(&mut stream, "404 Not Found", "", b"", 0);
            }
            Some(body) => {
                let etag = format!(
                    "\"{}-{}\"",
                    body.len(),
                    body.iter().map(|&b| u64::from(b)).sum::<u64>()
                );
                if served.if_none_match.as_deref() == Some(etag.as_str()) {
                    served.status = 304;
                    let _ =
                        stream.write_all(b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
                } else {
                    let sent = match &faults.truncate {
                        Some((p, n)) if *p == path => *n,
                        _ => body.len(),
                    };
                    served.body_bytes = sent;
                    respond(
                        &mut stream,
                        "200 OK",
                        &format!("ETag: {etag}\r\n"),
                        &body[..sent],
                        body.len(),
                    );
                    if faults.stall.as_deref() == Some(path.as_str()) {
                        std::thread::sleep(Duration::from_secs(30));
                    }
                }
            }
        }
    }
    log.lock().unwrap().push(served);
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
