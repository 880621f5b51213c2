//! The status endpoint's HTTP/1.1 server: hyper on a thread of its own (a current-thread tokio
//! runtime), so a slow or idle client costs a few kilobytes, never a thread or a frame.
//!
//! Keep-alive and HEAD as hyper does them; a request's head is at most 16 KiB (431 past it), a
//! body 4 KiB (413), a head must arrive within 10 s (idle keep-alive connections included) and a
//! connection lives at most 2 minutes.
//!
//! Fair to every client (`core::fair_serving`): a peer on the network holds at most 8
//! connections and all of them together 64, while each loopback address and the configured
//! Prometheus server have slots of their own; a connection past a limit is closed at once. A
//! network peer asking more than 10 times a second (after a burst of 40) is answered 429. The
//! server's threads run at nice 10, so the show's frames come first.
//!
//! Who may ask: any client on loopback; from elsewhere, one that gives the token as a bearer
//! token, as the password of HTTP Basic auth, or in the cookie that `/login` sets. The token is
//! never logged, and the cookie holds a digest of it, not the token itself.

use crate::core::fair_serving::{RequestRates, Slots};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The largest request body read: the login form is a few dozen bytes.
const MAX_BODY_BYTES: usize = 4 * 1024;
/// How long a client may take to send a request's head, and how long a keep-alive connection may
/// sit idle.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is closed after this long whatever it is doing, so a client that never reads its
/// answer cannot hold one for ever.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// Answers that may wait (a screenshot, a thumbnail) run on at most this many threads.
const MAX_WORKER_THREADS: usize = 4;
/// A wrong token is answered after this pause, one at a time, so guessing is slow.
const WRONG_TOKEN_PAUSE: Duration = Duration::from_secs(1);
/// The login cookie's name.
const COOKIE: &str = "kiosk_status";

/// An answer to a request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    /// The body never changes for this URL, so a browser may keep it (thumbnails, fonts).
    pub immutable: bool,
}

impl Answer {
    pub fn ok(content_type: &'static str, body: impl Into<Bytes>) -> Answer {
        Answer {
            status: StatusCode::OK,
            content_type,
            body: body.into(),
            immutable: false,
        }
    }

    pub fn text(status: StatusCode, text: &'static str) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from_static(text.as_bytes()),
            immutable: false,
        }
    }

    pub fn html(status: StatusCode, html: String) -> Answer {
        Answer {
            status,
            content_type: "text/html; charset=utf-8",
            ..Answer::ok("", html)
        }
    }

    pub fn immutable(self) -> Answer {
        Answer {
            immutable: true,
            ..self
        }
    }
}

/// What the server serves: answers to GET (and HEAD) requests, and the login page's HTML.
pub trait Site: Send + Sync + 'static {
    /// The answer for `path` (with its `query`, without the `?`), or None for 404. Runs on a
    /// worker thread when [`Site::waits`] says so, on the server's own thread otherwise.
    fn get(&self, path: &str, query: &str) -> Option<Answer>;
    /// Whether answering `path` may wait for something (a frame, a drawing). Those answers run
    /// on at most [`MAX_WORKER_THREADS`] threads, so they can never hold up the others.
    fn waits(&self, path: &str) -> bool;
    /// The login form; `wrong` after a wrong token.
    fn login_page(&self, wrong: bool) -> String;
}

/// Binds `address` and serves `site` on a background thread; returns the bound address.
pub fn serve(
    address: SocketAddr,
    token: Option<String>,
    prometheus: Option<IpAddr>,
    site: Arc<dyn Site>,
) -> std::io::Result<SocketAddr> {
    if !address.ip().is_loopback() && token.is_none() {
        return Err(std::io::Error::other(format!(
            "the status endpoint on {address} is reachable from the network and needs a token"
        )));
    }
    let listener = TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(MAX_WORKER_THREADS)
        .thread_name("status worker")
        .on_thread_start(yield_to_the_show)
        .build()?;
    let access = Arc::new(Access::new(token));
    let limits = Arc::new(Limits {
        slots: std::sync::Mutex::new(Slots::new(prometheus)),
        rates: std::sync::Mutex::new(RequestRates::new(prometheus)),
        started: Instant::now(),
    });
    std::thread::Builder::new()
        .name("status".into())
        .spawn(move || {
            yield_to_the_show();
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(error) => {
                        tracing::warn!("the status endpoint stopped: {error}");
                        return;
                    }
                };
                accept(listener, access, limits, site).await;
            })
        })?;
    Ok(bound)
}

/// The server's threads at nice 10: on Linux, nice is a thread's own, and threads they start
/// inherit it.
fn yield_to_the_show() {
    // SAFETY: setpriority only changes the scheduling of the calling thread (`who` 0).
    unsafe { libc::setpriority(libc::PRIO_PROCESS as _, 0, 10) };
}

/// Connection slots and request rates per peer.
struct Limits {
    slots: std::sync::Mutex<Slots>,
    rates: std::sync::Mutex<RequestRates>,
    started: Instant,
}

impl Limits {
    fn allow_request(&self, peer: IpAddr) -> bool {
        let now = self.started.elapsed().as_secs_f64();
        self.rates
            .lock()
            .is_ok_and(|mut rates| rates.allow(peer, now))
    }
}

/// A connection's slot, given back when the connection ends however it ends.
struct Slot(Arc<Limits>, IpAddr);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut slots) = self.0.slots.lock() {
            slots.give_back(self.1);
        }
    }
}

async fn accept(
    listener: tokio::net::TcpListener,
    access: Arc<Access>,
    limits: Arc<Limits>,
    site: Arc<dyn Site>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors, most likely: wait rather than spin.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if !limits.slots.lock().is_ok_and(|mut s| s.take(peer.ip())) {
            // Closed at once: this peer holds its share, others are served.
            continue;
        }
        let slot = Slot(limits.clone(), peer.ip());
        let (access, limits, site) = (access.clone(), limits.clone(), site.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                handle(
                    request,
                    peer.ip(),
                    access.clone(),
                    limits.clone(),
                    site.clone(),
                )
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            drop(slot);
        });
    }
}

async fn handle(
    request: Request<Incoming>,
    peer: IpAddr,
    access: Arc<Access>,
    limits: Arc<Limits>,
    site: Arc<dyn Site>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if !limits.allow_request(peer) {
        let mut response = respond(Answer::text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests: at most 10 a second\n",
        ));
        (response.headers_mut()).insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(response);
    }
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let method = request.method().clone();
    let allowed = access.allows(peer, request.headers());
    let answer = match (method, path.as_str()) {
        (Method::POST, "/login") => return Ok(log_in(request, &access, &site).await),
        (Method::GET | Method::HEAD, "/login") => {
            Answer::html(StatusCode::OK, site.login_page(false))
        }
        _ if !allowed => unauthorized(&path, &site),
        (Method::GET | Method::HEAD, _) => {
            let answer = if site.waits(&path) {
                let (site, path) = (site.clone(), path.clone());
                tokio::task::spawn_blocking(move || site.get(&path, &query))
                    .await
                    .ok()
                    .flatten()
            } else {
                site.get(&path, &query)
            };
            answer.unwrap_or_else(|| {
                Answer::text(
                    StatusCode::NOT_FOUND,
                    "try /, /status, /metrics or /screenshot\n",
                )
            })
        }
        _ => Answer::text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n"),
    };
    let mut response = respond(answer);
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    Ok(response)
}

/// 401: the login form for the page, a short line for anything else. Nothing about the player.
fn unauthorized(path: &str, site: &Arc<dyn Site>) -> Answer {
    if path == "/" {
        Answer::html(StatusCode::UNAUTHORIZED, site.login_page(false))
    } else {
        Answer::text(
            StatusCode::UNAUTHORIZED,
            "the token is needed: log in at /login, or send it as a bearer token or Basic password\n",
        )
    }
}

/// Checks the form's token; sets the cookie and sends the browser to the page if it is right.
async fn log_in(
    request: Request<Incoming>,
    access: &Access,
    site: &Arc<dyn Site>,
) -> Response<Full<Bytes>> {
    let body = match Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return respond(Answer::text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the form is larger than a login\n",
            ));
        }
    };
    let given = form_urlencoded::parse(&body)
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    match access.cookie_for(&given) {
        Some(cookie) => {
            let mut response = respond(Answer::text(StatusCode::SEE_OTHER, "logged in\n"));
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, HeaderValue::from_static("/"));
            if let Ok(value) = HeaderValue::from_str(&format!(
                "{COOKIE}={cookie}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
            )) {
                headers.insert(header::SET_COOKIE, value);
            }
            response
        }
        None => {
            // One wrong guess at a time, each after a pause.
            let _one_at_a_time = access.wrong_guesses.lock().await;
            tokio::time::sleep(WRONG_TOKEN_PAUSE).await;
            respond(Answer::html(
                StatusCode::UNAUTHORIZED,
                site.login_page(true),
            ))
        }
    }
}

fn respond(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if answer.immutable {
            "private, max-age=31536000, immutable"
        } else {
            "no-store"
        }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if answer.status == StatusCode::UNAUTHORIZED {
        // Browsers show the login form in the body rather than a password dialog for this;
        // tools send Basic or Bearer credentials unasked.
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"kiosk-player\""),
        );
    }
    response
}

/// Who may read the endpoint.
struct Access {
    token: Option<String>,
    /// What the login cookie holds: a digest of the token.
    cookie: Option<String>,
    wrong_guesses: Mutex<()>,
}

impl Access {
    fn new(token: Option<String>) -> Access {
        let cookie = token.as_deref().map(cookie_value);
        Access {
            token,
            cookie,
            wrong_guesses: Mutex::new(()),
        }
    }

    /// Whether a request from `peer` with `headers` may be answered.
    fn allows(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        // A dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d.
        if peer.to_canonical().is_loopback() {
            return true;
        }
        let (Some(token), Some(cookie)) = (&self.token, &self.cookie) else {
            return false;
        };
        let by_header = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| authorization_gives(value, token));
        let by_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| name == COOKIE && same(value, cookie));
        by_header || by_cookie
    }

    /// The cookie to set for a token typed into the form, if it is the right one.
    fn cookie_for(&self, given: &str) -> Option<String> {
        let token = self.token.as_deref()?;
        same(given, token).then(|| cookie_value(token))
    }
}

/// Whether an `Authorization` header's value carries `token`, as `Bearer <token>` or as Basic
/// auth with `token` for the password (any user name).
fn authorization_gives(value: &str, token: &str) -> bool {
    let Some((scheme, credentials)) = value.trim().split_once(' ') else {
        return false;
    };
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return same(credentials, token);
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
            return false;
        };
        let decoded = String::from_utf8_lossy(&decoded);
        return decoded
            .split_once(':')
            .is_some_and(|(_, password)| same(password, token));
    }
    false
}

fn cookie_value(token: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"kiosk-player status page\n")
        .chain_update(token.as_bytes())
        .finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Compares secrets in a time that does not depend on where they first differ.
fn same(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn loopback_needs_nothing_and_elsewhere_needs_the_token_in_one_of_three_ways() {
        let access = Access::new(Some("s3cret-token".into()));
        let office: IpAddr = "192.0.2.7".parse().unwrap();
        let nothing = headers(&[]);
        for loopback in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(
                access.allows(loopback.parse().unwrap(), &nothing),
                "{loopback}"
            );
        }
        assert!(!access.allows(office, &nothing));
        let basic = |user_password: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(user_password)
            )
        };
        let cookie = format!("theme=dark; {COOKIE}={}", cookie_value("s3cret-token"));
        for allowed in [
            headers(&[("authorization", "Bearer s3cret-token")]),
            headers(&[("authorization", &basic("staff:s3cret-token"))]),
            headers(&[("authorization", &basic(":s3cret-token"))]),
            headers(&[("cookie", &cookie)]),
        ] {
            assert!(access.allows(office, &allowed), "{allowed:?}");
        }
        for refused in [
            headers(&[("authorization", "Bearer s3cret-tokeN")]),
            headers(&[("authorization", "Bearer s3cret-token-and-more")]),
            headers(&[("authorization", &basic("s3cret-token:"))]),
            headers(&[("authorization", "Basic not base64!")]),
            // The token itself is not the cookie.
            headers(&[("cookie", &format!("{COOKIE}=s3cret-token"))]),
            headers(&[("cookie", &format!("other={}", cookie_value("s3cret-token")))]),
        ] {
            assert!(!access.allows(office, &refused), "{refused:?}");
        }
        assert!(!Access::new(None).allows(office, &headers(&[("authorization", "Bearer ")])));
    }

    #[test]
    fn the_login_cookie_is_given_for_the_right_token_only() {
        let access = Access::new(Some("s3cret-token".into()));
        let cookie = access.cookie_for("s3cret-token").unwrap();
        assert_eq!(cookie.len(), 64);
        assert!(!cookie.contains("s3cret"));
        assert_eq!(access.cookie_for("s3cret"), None);
        assert_eq!(access.cookie_for(""), None);
        assert_eq!(Access::new(None).cookie_for(""), None);
    }
}
