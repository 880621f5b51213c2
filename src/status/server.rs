//! A minimal HTTP/1.1 server for `/status`, `/metrics` and `/screenshot`: one short-lived thread per request,
//! GET only, bodies built from the latest snapshot. Loopback needs no token; any other address
//! requires `Authorization: Bearer <token>`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// An answer: status line (e.g. "200 OK"), content type and body.
pub type Answer = (&'static str, &'static str, Vec<u8>);

/// Answers a path, or None for 404.
pub type Responder = Arc<dyn Fn(&str) -> Option<Answer> + Send + Sync>;

/// Binds `address` and serves requests on a background thread; returns the bound address.
pub fn serve(
    address: SocketAddr,
    token: Option<String>,
    respond: Responder,
) -> std::io::Result<SocketAddr> {
    if !address.ip().is_loopback() && token.is_none() {
        return Err(std::io::Error::other(format!(
            "the status endpoint on {address} is reachable from the network and needs a token"
        )));
    }
    let listener = TcpListener::bind(address)?;
    let bound = listener.local_addr()?;
    std::thread::Builder::new()
        .name("status".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let (token, respond) = (token.clone(), respond.clone());
                let _ = std::thread::Builder::new()
                    .name("status request".into())
                    .spawn(move || answer(stream, token.as_deref(), &respond));
            }
        })?;
    Ok(bound)
}

fn answer(mut stream: TcpStream, token: Option<&str>, respond: &Responder) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorized = token.is_none();
    // Headers end at an empty line; at most 100 of them are read.
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let (Some(expected), Some((name, value))) = (token, line.split_once(':'))
            && name.eq_ignore_ascii_case("authorization")
            && value.trim() == format!("Bearer {expected}")
        {
            authorized = true;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, content_type, body) = if !authorized {
        (
            "401 Unauthorized",
            "text/plain",
            b"a bearer token is required\n".to_vec(),
        )
    } else if method != "GET" {
        (
            "405 Method Not Allowed",
            "text/plain",
            b"only GET\n".to_vec(),
        )
    } else {
        respond(path).unwrap_or((
            "404 Not Found",
            "text/plain",
            b"try /status, /metrics or /screenshot\n".to_vec(),
        ))
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(&body));
}
