//! Media files are decoded and drawn in a child process held to the drawing limits: a file that
//! would take too long, exhaust memory or crash a decoder ends the child, never the player, and
//! no core stays busy with it. ARCHITECTURE.md says why a process and not checks beforehand.
//!
//! The child is the player's own program (`/proc/self/exe draw-media <request>`), so it is always
//! the version running, even after an upgrade replaced the file on disk. It writes one JSON line,
//! then the picture's premultiplied RGBA bytes. Only the `kiosk-player` binary turns the child
//! process on ([`draw_in_child_processes`]); in a library's tests drawing stays in process.

use super::pdf;
use super::picture::{self, PictureError};
use crate::core::drawing_limits::{self, Broken, DrawingLimits, Ending};
use crate::core::video::DecoderChoice;
use crate::status::Counters;
use crate::video::{self, Extras, Opened, Wake};
use resvg::tiny_skia::{IntSize, Pixmap};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// What to do with a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// Decode a photo and scale it to fit (or, with `cover`, to fill) the box.
    Photo { cover: bool },
    /// Draw an SVG as large as fits in the box.
    Svg,
    /// Draw a PDF page as large as fits in the box.
    PdfPage { page: u32 },
    /// Open a file as drawing would (a photo decoded, an SVG parsed, a PDF's pages counted),
    /// drawing nothing.
    Open(Opening),
    /// Open a video as playing it would, up to its first frame decoded, and let it go.
    Video { software_only: bool },
    /// Take a snapshot of a web page with Chromium into the request's `path` (a PNG), giving the
    /// page `seconds` to load.
    WebPage {
        url: String,
        zoom: f32,
        seconds: f32,
    },
}

impl Job {
    /// How long the drawing process may take: a web page's own time, with a second to report.
    fn seconds(&self, limits: &DrawingLimits) -> f32 {
        match self {
            Job::WebPage { seconds, .. } => seconds + 1.0,
            _ => limits.seconds,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Opening {
    Photo,
    Svg,
    Pdf,
}

/// One file to draw: `path` is where it really is (links resolved, inside its folder),
/// `shown_as` how messages name it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Request {
    pub path: PathBuf,
    pub shown_as: PathBuf,
    pub job: Job,
    pub width: u32,
    pub height: u32,
}

/// What drawing gives back.
#[derive(Debug)]
pub enum Drawn {
    /// Premultiplied pixels no larger than the box; `opaque` when every one is.
    Pixels { pixmap: Pixmap, opaque: bool },
    /// The file opened; a PDF's page count.
    Opened { pages: Option<u32> },
}

static CHILD: OnceLock<(PathBuf, DrawingLimits)> = OnceLock::new();
/// Files stopped by the time limit, by the memory limit, and decoder crashes.
static HITS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// How many files broke the time limit, the memory limit, and crashed their decoder, so far.
pub fn limit_hits() -> [u64; 3] {
    HITS.each_ref().map(|hits| hits.load(Ordering::Relaxed))
}

/// From now on every file is drawn in a child process, `program draw-media`, held to `limits`.
/// The first call decides; the binary makes it before anything is drawn.
pub fn draw_in_child_processes(program: PathBuf, limits: DrawingLimits) {
    let _ = CHILD.set((program, limits));
}

/// The limits drawing is held to: those [`draw_in_child_processes`] was given, or the defaults.
pub fn limits() -> DrawingLimits {
    CHILD
        .get()
        .map_or_else(DrawingLimits::default, |(_, limits)| *limits)
}

/// Draws `request`, in a child process when [`draw_in_child_processes`] was called.
pub fn draw(request: &Request) -> Result<Drawn, PictureError> {
    match CHILD.get() {
        Some((program, limits)) => draw_in_child_process(request, program, limits),
        None => perform(request),
    }
}

/// What the parent hands its child on the command line.
#[derive(Serialize, Deserialize)]
struct Errand {
    request: Request,
    memory_bytes: u64,
    cpu_seconds: u64,
    parent: u32,
}

/// The child's side: holds itself to the limits, draws the request given on the command line
/// and writes the result.
pub fn serve(errand: &str) -> ExitCode {
    let Errand {
        request,
        memory_bytes,
        cpu_seconds,
        parent,
    } = match serde_json::from_str(errand) {
        Ok(errand) => errand,
        Err(error) => {
            eprintln!("draw-media: not a request: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = hold_to(memory_bytes, cpu_seconds, parent) {
        eprintln!("draw-media: cannot set the drawing limits: {error}");
        return ExitCode::FAILURE;
    }
    let (header, pixels) = match perform(&request) {
        Ok(Drawn::Pixels { pixmap, opaque }) => (
            Answer::Pixels {
                width: pixmap.width(),
                height: pixmap.height(),
                opaque,
            },
            Some(pixmap),
        ),
        Ok(Drawn::Opened { pages }) => (Answer::Opened { pages }, None),
        Err(error) => (Answer::Refused(Refusal::from(error)), None),
    };
    let mut out = std::io::stdout().lock();
    let line = serde_json::to_string(&header).expect("an answer serializes");
    let written = writeln!(out, "{line}")
        .and_then(|()| pixels.map_or(Ok(()), |p| out.write_all(p.data())))
        .and_then(|()| out.flush());
    if written.is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The first line a child writes.
#[derive(Serialize, Deserialize)]
enum Answer {
    Pixels {
        width: u32,
        height: u32,
        opaque: bool,
    },
    Opened {
        pages: Option<u32>,
    },
    Refused(Refusal),
}

/// A [`PictureError`] without its path, which the parent puts back.
#[derive(Serialize, Deserialize)]
enum Refusal {
    Unreadable(String),
    TooLarge(String),
    Undecodable(String),
}

impl From<PictureError> for Refusal {
    fn from(error: PictureError) -> Self {
        match error {
            PictureError::Unreadable { source, .. } => Refusal::Unreadable(source.to_string()),
            PictureError::TooLarge { what, .. } => Refusal::TooLarge(what),
            other => Refusal::Undecodable(match other {
                PictureError::Undecodable { reason, .. } => reason,
                other => other.to_string(),
            }),
        }
    }
}

impl Refusal {
    fn into_error(self, path: &Path) -> PictureError {
        let path = path.to_path_buf();
        match self {
            Refusal::Unreadable(reason) => PictureError::Unreadable {
                path,
                source: std::io::Error::other(reason),
            },
            Refusal::TooLarge(what) => PictureError::TooLarge { path, what },
            Refusal::Undecodable(reason) => PictureError::Undecodable { path, reason },
        }
    }
}

/// Opens a video to play it: each new version of its file first in a drawing process, held to
/// the drawing limits (a video whose demuxer or decoder crashes, hangs or runs out of memory on
/// its first frames does so there, and is never opened in the player), then in the player.
pub fn open_video(
    path: &Path,
    choice: DecoderChoice,
    wake: Wake,
    counters: Arc<Counters>,
    extras: &Extras,
) -> Result<Opened, String> {
    if let Err(reason) = open_video_apart(path, video::software_only(choice)) {
        Counters::add(&counters.video_errors, 1);
        return Err(reason);
    }
    video::open_with(path, choice, wake, counters, extras)
}

fn open_video_apart(path: &Path, software_only: bool) -> Result<(), String> {
    /// The versions (size, modification time) of files that opened apart.
    static OPENED: Mutex<Vec<(PathBuf, u64, SystemTime)>> = Mutex::new(Vec::new());
    /// Enough for any playlist's videos; past it the oldest are tried again.
    const REMEMBERED: usize = 256;
    if !draws_apart() {
        return Ok(());
    }
    let (size, time) = std::fs::metadata(path)
        .and_then(|m| Ok((m.len(), m.modified()?)))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let this = (path.to_path_buf(), size, time);
    if OPENED.lock().is_ok_and(|opened| opened.contains(&this)) {
        return Ok(());
    }
    let request = Request {
        path: path.to_path_buf(),
        shown_as: path.to_path_buf(),
        job: Job::Video { software_only },
        width: 0,
        height: 0,
    };
    match draw(&request) {
        Ok(_) => {
            if let Ok(mut opened) = OPENED.lock() {
                if opened.len() >= REMEMBERED {
                    opened.remove(0);
                }
                opened.push(this);
            }
            Ok(())
        }
        Err(PictureError::Undecodable { reason, .. }) => Err(reason),
        Err(PictureError::OverLimit { broken, .. }) => Err(broken.for_a_video()),
        Err(other) => Err(other.to_string()),
    }
}

/// Whether files are drawn in child processes ([`draw_in_child_processes`] was called).
pub fn draws_apart() -> bool {
    CHILD.get().is_some()
}

/// Draws in this process.
fn perform(request: &Request) -> Result<Drawn, PictureError> {
    let path = &request.shown_as;
    let read = || {
        std::fs::read(&request.path).map_err(|source| PictureError::Unreadable {
            path: path.clone(),
            source,
        })
    };
    let (width, height) = (request.width.max(1), request.height.max(1));
    Ok(match &request.job {
        Job::Photo { cover } => {
            let photo = picture::decode_photo(&read()?, path)?;
            let opaque = !photo.color().has_alpha();
            let pixmap = picture::scale_photo(photo, width, height, *cover);
            Drawn::Pixels { pixmap, opaque }
        }
        Job::Svg => {
            let tree = picture::parse_svg(&read()?, path)?;
            let pixmap = picture::render_svg(&tree, width, height, path)?;
            Drawn::Pixels {
                pixmap,
                opaque: false,
            }
        }
        Job::PdfPage { page } => Drawn::Pixels {
            pixmap: pdf::render_page(&read()?, *page, path, (width as f32, height as f32))?,
            opaque: true,
        },
        Job::Open(Opening::Photo) => {
            picture::decode_photo(&read()?, path)?;
            Drawn::Opened { pages: None }
        }
        Job::Open(Opening::Svg) => {
            picture::parse_svg(&read()?, path)?;
            Drawn::Opened { pages: None }
        }
        Job::Open(Opening::Pdf) => Drawn::Opened {
            pages: Some(pdf::page_count(&read()?, path)?),
        },
        // GStreamer reads the file itself, a part at a time.
        Job::Video { software_only } => {
            video::open_and_close(&request.path, *software_only).map_err(|reason| {
                PictureError::Undecodable {
                    path: path.clone(),
                    reason,
                }
            })?;
            Drawn::Opened { pages: None }
        }
        Job::WebPage { url, zoom, seconds } => {
            super::web_page::take_snapshot(url, *zoom, (width, height), &request.path, *seconds)
                .map_err(|reason| PictureError::Unreadable {
                    path: path.clone(),
                    source: std::io::Error::other(reason),
                })?;
            Drawn::Opened { pages: None }
        }
    })
}

/// Draws `request` in a child process, `program draw-media`, held to `limits`.
pub fn draw_in_child_process(
    request: &Request,
    program: &Path,
    limits: &DrawingLimits,
) -> Result<Drawn, PictureError> {
    let path = &request.shown_as;
    let failed = |reason: String| PictureError::Undecodable {
        path: path.clone(),
        reason,
    };
    let seconds = request.job.seconds(limits);
    let errand = Errand {
        request: request.clone(),
        memory_bytes: limits.memory_bytes(),
        // A second line behind the parent's timer, should the parent be stopped.
        cpu_seconds: seconds.ceil() as u64 + 1,
        parent: std::process::id(),
    };
    // The child sets its limits itself, so the spawn needs no code between fork and exec and
    // takes the fast path (posix_spawn): forking the player's address space costs more than the
    // drawing of a photo.
    let mut command = Command::new(program);
    command
        .arg("draw-media")
        .arg(serde_json::to_string(&errand).expect("a request serializes"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| failed(format!("cannot start drawing it: {e}")))?;
    let pid = child.id() as libc::pid_t;
    let (done, ended) = mpsc::channel::<()>();
    let time_limit = Duration::from_secs_f32(seconds);
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let timer = std::thread::Builder::new()
        .name("drawing time limit".into())
        .spawn(move || {
            let out_of_time =
                ended.recv_timeout(time_limit) == Err(mpsc::RecvTimeoutError::Timeout);
            if out_of_time {
                // SAFETY: the child is not reaped before this thread is joined, so `pid` is ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            out_of_time
        });
    // Both pipes are read at once, so a child writing much to one cannot block on the other.
    let error_reader = std::thread::Builder::new()
        .name("drawing errors".into())
        .spawn(move || {
            let mut errors = Vec::new();
            let _ = stderr.take(64 * 1024).read_to_end(&mut errors);
            errors
        });
    let (timer, error_reader) = match (timer, error_reader) {
        (Ok(timer), Ok(error_reader)) => (timer, error_reader),
        (timer, _) => {
            let _ = child.kill();
            let _ = child.wait();
            drop(done);
            if let Ok(timer) = timer {
                let _ = timer.join();
            }
            return Err(failed(
                "cannot start drawing it: no thread to watch it".into(),
            ));
        }
    };
    let most = 4096 + u64::from(request.width) * u64::from(request.height) * 4;
    let mut output = Vec::new();
    let _ = stdout.take(most).read_to_end(&mut output);
    let errors = error_reader.join().unwrap_or_default();
    drop(done);
    let out_of_time = timer.join().unwrap_or(false);
    let status = child
        .wait()
        .map_err(|e| failed(format!("lost the drawing process: {e}")))?;
    if status.success()
        && let Some(drawn) = read_answer(output, path)
    {
        return drawn;
    }
    let ending = match (out_of_time, status.signal(), status.code()) {
        (true, _, _) => Ending::OutOfTime,
        (false, Some(signal), _) => Ending::Signal(signal),
        (false, None, code) => Ending::Exit(code.unwrap_or(-1)),
    };
    let stderr = String::from_utf8_lossy(&errors);
    let broken = drawing_limits::judge(&ending, &stderr, limits);
    let counted = match broken {
        Broken::Time { .. } => 0,
        Broken::Memory { .. } => 1,
        Broken::Crash { .. } => 2,
    };
    HITS[counted].fetch_add(1, Ordering::Relaxed);
    Err(PictureError::OverLimit {
        path: path.clone(),
        broken,
    })
}

/// Holds this process to the limits, and makes it end with its parent.
fn hold_to(memory_bytes: u64, cpu_seconds: u64, parent: u32) -> std::io::Result<()> {
    let limit = |resource, value: u64| {
        let bounds = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct it is given and nothing else.
        match unsafe { libc::setrlimit(resource, &bounds) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    };
    limit(libc::RLIMIT_DATA, memory_bytes)?;
    limit(libc::RLIMIT_CPU, cpu_seconds)?;
    // A crashing decoder leaves no core file on the player's disk.
    limit(libc::RLIMIT_CORE, 0)?;
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and touches no memory.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // A parent gone before the line above would never send it.
    if std::os::unix::process::parent_id() != parent {
        return Err(std::io::Error::other("the player is gone"));
    }
    Ok(())
}

/// The child's answer, if it is whole.
fn read_answer(mut output: Vec<u8>, path: &Path) -> Option<Result<Drawn, PictureError>> {
    let end = output.iter().position(|&b| b == b'\n')?;
    let pixels = output.split_off(end + 1);
    let answer: Answer = serde_json::from_slice(&output[..end]).ok()?;
    Some(match answer {
        Answer::Pixels {
            width,
            height,
            opaque,
        } => {
            let size = IntSize::from_wh(width, height)?;
            let expected = width as usize * height as usize * 4;
            if pixels.len() != expected {
                return None;
            }
            let pixmap = Pixmap::from_vec(pixels, size)?;
            Ok(Drawn::Pixels { pixmap, opaque })
        }
        Answer::Opened { pages } => Ok(Drawn::Opened { pages }),
        Answer::Refused(refusal) => Err(refusal.into_error(path)),
    })
}
