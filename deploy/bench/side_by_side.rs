//! kiosk-player beside feh and a Chromium kiosk, under one Xvfb at 1920×1080 drawn in software:
//! the same 10 JPEG slides (1080p, 10 s each) for a minute. For each player it measures the CPU
//! seconds per minute of the whole process tree after the first frame, the peak memory of that
//! tree (PSS, so pages Chromium's processes share count once), and the time from start to the
//! first slide on screen (read from the screen's pixels). For kiosk-player also the frame
//! intervals during transitions (from its /metrics), and whether memory stays flat with 200
//! large slides instead of 10.
//!
//! With `video` in `--only`: a 1080p30 H.264 clip at 6 Mbit/s (the demo clip, enlarged and
//! encoded at start) played fullscreen by GStreamer alone into `ximagesink` (the decoder's own
//! cost), by a Chromium kiosk's `<video>` and by kiosk-player, measured the same
//! way, with the frames kiosk-player decoded and presented a second (from its /status).
//! `gst-launch-1.0 uridecodebin ! videoconvert ! ximagesink` is playbin's own video chain.
//!
//! With `loops`: kiosk-player's memory over a hundred loops of a 1 s 1080p30 clip.
//!
//! With `cage` in `--only` as well: the video case again with each player as the one client of
//! cage on wlroots' headless backend at 1920×1080 (GStreamer into `waylandsink`, Chromium on
//! Wayland), the CPU and memory counted from cage down, so the compositor's share is in.
//!
//! `cargo bench --bench side_by_side -- [--runs 3] [--seconds 60] [--only kiosk,feh,chromium,video,cage,loops]`
//! Needs `xvfb`, `feh`, `chromium`, `cage`, GStreamer's tools and plugins (Debian packages) and
//! what the tests' cage harness builds its shim with. Prints medians and the ratios the README
//! quotes.

// The same private X server and cage harness the integration tests use.
#[path = "../../tests/common/cage.rs"]
#[allow(dead_code)]
mod cage;
#[path = "../../tests/common/display.rs"]
#[allow(dead_code)]
mod display;

use display::start_xvfb;
use image::{Rgb, RgbImage};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

/// The colour at the centre of slide `n`, so the first frame can be told from the screen.
fn centre_colour(n: usize) -> [u8; 3] {
    [
        [230, 40, 40],
        [40, 200, 60],
        [40, 80, 230],
        [240, 200, 20],
        [200, 40, 200],
    ][n % 5]
}

/// A photo-like 1080p slide: gradients and texture (so JPEG decoding does real work) around a
/// solid disc of the slide's colour.
fn slide_image(n: usize, width: u32, height: u32) -> RgbImage {
    let [r, g, b] = centre_colour(n);
    let (cx, cy, radius) = (width as i64 / 2, height as i64 / 2, height as i64 / 4);
    RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as i64 - cx, y as i64 - cy);
        if dx * dx + dy * dy < radius * radius {
            return Rgb([r, g, b]);
        }
        let texture = ((x * 7 + y * 13 + n as u32 * 31) % 23) as u8;
        Rgb([
            ((x * 255 / width) as u8).wrapping_add(texture),
            ((y * 255 / height) as u8).wrapping_add(texture / 2),
            ((n * 40) as u8).wrapping_add(texture),
        ])
    })
}

struct Scenario {
    name: &'static str,
    command: Command,
    /// Where kiosk-player serves /metrics, for its transition frame times.
    metrics: Option<String>,
    /// The colour the first frame has at the centre of the screen; for a video, any but blank.
    first: Option<[u8; 3]>,
}

#[derive(Default, Clone)]
struct Sample {
    cpu_per_minute: f64,
    peak_mib: f64,
    /// The peak of the tree's summed RSS, which counts shared pages once per process.
    peak_rss_mib: f64,
    first_frame: f64,
    transition_frame_mean_ms: Option<f64>,
    transition_frame_max_ms: Option<f64>,
    /// A video's frames decoded and presented a second, from kiosk-player's /status.
    video_rates: Option<(f64, f64)>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let runs: usize = option("--runs").and_then(|v| v.parse().ok()).unwrap_or(3);
    let seconds: u64 = option("--seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let only = option("--only").unwrap_or_else(|| "kiosk,feh,chromium,video,cage,loops".into());

    let work = tempfile::tempdir().expect("a temporary folder");
    let slides = work.path().join("slides");
    std::fs::create_dir_all(&slides).unwrap();
    eprintln!("generating slides in {}", work.path().display());
    let files: Vec<PathBuf> = (0..10)
        .map(|n| {
            let path = slides.join(format!("{n:02}.jpg"));
            slide_image(n, WIDTH, HEIGHT).save(&path).unwrap();
            path
        })
        .collect();
    let large: Vec<PathBuf> = (0..200)
        .map(|n| {
            let path = slides.join(format!("large-{n:03}.jpg"));
            slide_image(n, 3000, 2000).save(&path).unwrap();
            path
        })
        .collect();

    // Long enough that gst-launch, which does not loop, plays through the measurement.
    let clip = only
        .contains("video")
        .then(|| video_clip(work.path(), seconds + 20));
    let (xvfb, display) = start_xvfb(&format!("{WIDTH}x{HEIGHT}"));
    let mut results: Vec<(&'static str, Vec<Sample>)> = Vec::new();
    for run in 0..runs {
        let mut scenarios = Vec::new();
        if only.contains("kiosk") {
            for (name, transition) in [
                ("kiosk-player, cut", "Cut"),
                ("kiosk-player, 0.6 s crossfade", "Crossfade"),
            ] {
                scenarios.push(kiosk(work.path(), name, &files, transition, 10));
            }
        }
        if only.contains("feh") {
            let mut feh = Command::new("feh");
            feh.args([
                "--fullscreen",
                "--hide-pointer",
                "--auto-zoom",
                "--slideshow-delay",
                "10",
            ])
            .args(&files);
            scenarios.push(Scenario {
                name: "feh",
                command: feh,
                metrics: None,
                first: Some(centre_colour(0)),
            });
        }
        if only.contains("chromium") {
            scenarios.push(chromium(work.path(), &files));
        }
        if let Some(clip) = &clip {
            scenarios.extend(video_scenarios(work.path(), clip));
            if only.contains("cage") {
                for (name, sample) in video_under_cage(clip, seconds) {
                    match results.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, samples)) => samples.push(sample),
                        None => results.push((name, vec![sample])),
                    }
                }
            }
        }
        if only.contains("kiosk") {
            // Memory flat in playlist length: 10 then 200 large photos, 2 s each, crossfades.
            scenarios.push(kiosk(
                work.path(),
                "kiosk-player, 10 large photos, 2 s",
                &large[..10],
                "Crossfade",
                2,
            ));
            scenarios.push(kiosk(
                work.path(),
                "kiosk-player, 200 large photos, 2 s",
                &large,
                "Crossfade",
                2,
            ));
        }
        for mut scenario in scenarios {
            eprintln!("run {}/{runs}: {}", run + 1, scenario.name);
            scenario.command.env("DISPLAY", &display);
            let sample = measure(&mut scenario, seconds, &display);
            eprintln!(
                "  {:.2} CPU-s/min, peak {:.0} MiB PSS ({:.0} MiB RSS summed), first frame {:.2} s{}",
                sample.cpu_per_minute,
                sample.peak_mib,
                sample.peak_rss_mib,
                sample.first_frame,
                sample
                    .video_rates
                    .map_or(String::new(), |(decoded, presented)| format!(
                        ", video {decoded:.1} decoded / {presented:.1} presented a second"
                    ))
            );
            match results.iter_mut().find(|(n, _)| *n == scenario.name) {
                Some((_, samples)) => samples.push(sample),
                None => results.push((scenario.name, vec![sample])),
            }
        }
    }
    if only.contains("loops") {
        video_loops(work.path(), &display);
    }
    drop(xvfb);
    report(&results, runs, seconds);
}

/// Memory over a hundred loops of a video: a 1 s 1080p30 clip played by kiosk-player, its
/// resident memory read every second and its loops counted from the frames it decoded; prints
/// the peak of each ten loops.
fn video_loops(work: &Path, display: &str) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/media/three-rules-tour.mp4");
    let folder = work.join("kiosk-loops");
    std::fs::create_dir_all(&folder).unwrap();
    let pipeline = format!(
        "filesrc location={} ! decodebin ! videoconvert ! videoscale ! videorate ! \
         video/x-raw,width={WIDTH},height={HEIGHT},framerate=30/1,format=I420 ! \
         identity eos-after=30 ! x264enc bitrate=6000 speed-preset=fast key-int-max=30 ! \
         h264parse ! mp4mux faststart=true ! filesink location={}",
        demo.display(),
        folder.join("second.mp4").display()
    );
    encode(&pipeline);
    std::fs::write(
        folder.join("loops.ron"),
        "Playlist(title: \"loops\", slides: [Video(file: \"second.mp4\", seconds: 3600)])",
    )
    .unwrap();
    let (mut command, address) = kiosk_player(work, &folder);
    let mut child = command
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kiosk-player starts");
    let decoded = || {
        let text = http_get(&address, "/metrics")?;
        text.lines().find_map(|l| {
            l.strip_prefix("kiosk_video_frames_total ")?
                .trim()
                .parse::<u64>()
                .ok()
        })
    };
    let mut peaks = [0u64; 10];
    let started = Instant::now();
    eprintln!("video loops: a 1 s clip, 100 times");
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let loops = decoded().unwrap_or(0) / 30;
        if loops >= 100 || started.elapsed() > Duration::from_secs(300) {
            break;
        }
        let rss = memory_kib(child.id(), "Rss:").unwrap_or(0);
        let peak = &mut peaks[loops as usize / 10];
        *peak = (*peak).max(rss);
    }
    stop(&mut child);
    println!("\nkiosk-player's peak RSS (MiB) over each ten loops of a 1 s 1080p30 clip:");
    let row: Vec<String> = peaks
        .iter()
        .map(|p| format!("{:.0}", *p as f64 / 1024.0))
        .collect();
    println!("{}", row.join(", "));
}

fn kiosk(
    work: &Path,
    name: &'static str,
    files: &[PathBuf],
    transition: &str,
    slide_seconds: u32,
) -> Scenario {
    let folder = work.join(name.replace([' ', ',', '.'], "-"));
    std::fs::create_dir_all(&folder).unwrap();
    let slides: Vec<String> = files
        .iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy();
            format!("Image(file: \"slides/{name}\", fit: Cover)")
        })
        .collect();
    std::fs::write(
        folder.join("bench.ron"),
        format!(
            "Playlist(title: \"bench\", slide_seconds: {slide_seconds}, transition: {transition}, transition_seconds: 0.6, slides: [{}])",
            slides.join(", ")
        ),
    )
    .unwrap();
    // Media must live inside the playlist's folder (symbolic links out of it are refused).
    let linked = folder.join("slides");
    std::fs::create_dir_all(&linked).unwrap();
    for file in files {
        let link = linked.join(file.file_name().unwrap());
        if !link.exists() {
            std::fs::hard_link(file, &link).unwrap();
        }
    }
    let (command, metrics) = kiosk_player(work, &folder);
    Scenario {
        name,
        command,
        metrics: Some(metrics),
        first: Some(centre_colour(0)),
    }
}

/// kiosk-player fullscreen on the playlists in `folder`, and where it serves /metrics.
fn kiosk_player(work: &Path, folder: &Path) -> (Command, String) {
    let address = format!("127.0.0.1:{}", free_port());
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    command
        .args(["run", "--windowed", "--size", &format!("{WIDTH}x{HEIGHT}")])
        .arg("--playlists")
        .arg(folder)
        .args(["--status-listen", &address])
        .env("XDG_RUNTIME_DIR", work)
        .env_remove("WAYLAND_DISPLAY");
    (command, address)
}

/// Runs a gst-launch pipeline that encodes a clip, to its end.
fn encode(pipeline: &str) {
    let status = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(status.success(), "the clip was not encoded: {pipeline}");
}

/// A 1080p30 H.264 clip of `seconds` at 6 Mbit/s: the demo clip, enlarged, repeated.
fn video_clip(work: &Path, seconds: u64) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/media/three-rules-tour.mp4");
    let clip = work.join("clip-1080p30.mp4");
    // The demo clip is 10 s: concat repeats it, and identity restamps the repeats in one
    // timeline (without it the encoder is given each repeat's own times, and the file jumps).
    let repeats = seconds.div_ceil(10);
    let sources: String = (0..repeats)
        .map(|_| format!(" filesrc location={} ! decodebin ! c.", demo.display()))
        .collect();
    eprintln!("encoding a {seconds} s 1080p30 clip (about as long again)");
    let pipeline = format!(
        "concat name=c ! identity single-segment=true ! videoconvert ! videoscale ! videorate ! \
         video/x-raw,width={WIDTH},height={HEIGHT},framerate=30/1,format=I420 ! \
         x264enc bitrate=6000 speed-preset=fast key-int-max=60 ! h264parse ! \
         mp4mux faststart=true ! filesink location={}{sources}",
        clip.display()
    );
    encode(&pipeline);
    clip
}

/// The same clip played fullscreen by GStreamer alone, by a Chromium kiosk and by kiosk-player.
fn video_scenarios(work: &Path, clip: &Path) -> Vec<Scenario> {
    // playbin's video chain, spelled out (gst-launch cannot name playbin's sink).
    let mut gst = Command::new("gst-launch-1.0");
    gst.args(["-q", "uridecodebin"])
        .arg(format!("uri=file://{}", clip.display()))
        .args(["!", "videoconvert", "!", "ximagesink"]);
    let page = work.join("video.html");
    std::fs::write(&page, video_page(clip)).unwrap();
    let mut chromium = chromium_kiosk(work, "chromium-video-profile");
    chromium
        .args([
            "--disable-gpu",
            "--autoplay-policy=no-user-gesture-required",
        ])
        .arg(format!("file://{}", page.display()));
    let folder = work.join("kiosk-video");
    std::fs::create_dir_all(&folder).unwrap();
    let linked = folder.join(clip.file_name().unwrap());
    if !linked.exists() {
        std::fs::hard_link(clip, &linked).unwrap();
    }
    std::fs::write(
        folder.join("video.ron"),
        format!(
            "Playlist(title: \"video\", slides: [Video(file: \"{}\", seconds: 3600)])",
            clip.file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let (kiosk, metrics) = kiosk_player(work, &folder);
    vec![
        Scenario {
            name: "video: gst-launch-1.0, ximagesink",
            command: gst,
            metrics: None,
            first: None,
        },
        Scenario {
            name: "video: Chromium kiosk <video>, --disable-gpu",
            command: chromium,
            metrics: None,
            first: None,
        },
        Scenario {
            name: "video: kiosk-player",
            command: kiosk,
            metrics: Some(metrics),
            first: None,
        },
    ]
}

fn chromium(work: &Path, files: &[PathBuf]) -> Scenario {
    let images: String = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "<img src=\"file://{}\"{}>",
                f.display(),
                if i == 0 { " class=\"on\"" } else { "" }
            )
        })
        .collect();
    let page = work.join("kiosk.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><style>\
             html,body{{margin:0;background:#000;overflow:hidden;cursor:none}}\
             img{{position:fixed;inset:0;width:100vw;height:100vh;object-fit:cover;opacity:0;transition:opacity 0.6s}}\
             img.on{{opacity:1}}</style></head><body>{images}<script>\
             let i=0;const s=document.images;setInterval(()=>{{s[i].classList.remove('on');i=(i+1)%s.length;s[i].classList.add('on')}},10000)\
             </script></body></html>"
        ),
    )
    .unwrap();
    let mut command = chromium_kiosk(work, "chromium-profile");
    command.arg(format!("file://{}", page.display()));
    Scenario {
        name: "Chromium kiosk, 0.6 s CSS crossfade",
        command,
        metrics: None,
        first: Some(centre_colour(0)),
    }
}

/// Chromium fullscreen as a kiosk, with a profile of its own in `work`.
fn chromium_kiosk(work: &Path, profile: &str) -> Command {
    let mut command = Command::new("chromium");
    command
        .args([
            "--kiosk",
            "--no-first-run",
            "--no-default-browser-check",
            "--noerrdialogs",
            "--disable-infobars",
            "--password-store=basic",
            "--window-position=0,0",
            &format!("--window-size={WIDTH},{HEIGHT}"),
        ])
        .arg(format!("--user-data-dir={}", work.join(profile).display()));
    // Chromium refuses to run as root with its sandbox on (CI containers run as root).
    if unsafe { libc::geteuid() } == 0 {
        command.arg("--no-sandbox");
    }
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs one player: waits for its first slide on screen, then samples its process tree for
/// `seconds`, then stops it.
fn measure(scenario: &mut Scenario, seconds: u64, display: &str) -> Sample {
    use std::os::unix::process::CommandExt;
    let (x11, screen) = x11rb::connect(Some(display)).expect("the X server answers");
    let root = x11.setup().roots[screen].root;
    let centre = |x11: &x11rb::rust_connection::RustConnection| -> Option<[u8; 3]> {
        let reply = x11
            .get_image(
                ImageFormat::Z_PIXMAP,
                root,
                (WIDTH / 2) as i16,
                (HEIGHT / 2) as i16,
                1,
                1,
                !0,
            )
            .ok()?
            .reply()
            .ok()?;
        // 24-bit depth is stored as B, G, R, unused.
        let d = reply.data;
        (d.len() >= 3).then(|| [d[2], d[1], d[0]])
    };
    let blank = centre(&x11);
    let started = Instant::now();
    let mut child = scenario
        .command
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(std::env::temp_dir().join("side_by_side.log")).unwrap(),
        ))
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", scenario.name));
    let pid = child.id();
    let mut first_frame = None;
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(pixel) = centre(&x11)
            && Some(pixel) != blank
            && scenario
                .first
                .is_none_or(|wanted| pixel.iter().zip(wanted).all(|(a, b)| a.abs_diff(b) < 40))
        {
            first_frame = Some(started.elapsed().as_secs_f64());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let first_frame = first_frame.unwrap_or(f64::NAN);

    let (cpu_per_minute, peak_mib, peak_rss_mib) = sample_tree(pid, seconds);
    let (mean, max) = scenario
        .metrics
        .as_deref()
        .map_or((None, None), transition_frames);
    let video_rates = scenario.metrics.as_deref().and_then(video_rates);
    if let Ok(Some(status)) = child.try_wait() {
        eprintln!("  {} ended during the measurement: {status}", scenario.name);
    }
    stop(&mut child);
    Sample {
        cpu_per_minute,
        peak_mib,
        peak_rss_mib,
        first_frame,
        transition_frame_mean_ms: mean,
        transition_frame_max_ms: max,
        video_rates,
    }
}

/// The CPU seconds a minute of the process tree under `pid` over `seconds`, and its peak memory
/// (PSS and RSS summed, in MiB). Says the share of `pid` itself (cage's, where it is cage).
fn sample_tree(pid: u32, seconds: u64) -> (f64, f64, f64) {
    let own_start = cpu_ticks(pid).unwrap_or(0);
    let mut cpu_seen: HashMap<u32, u64> = HashMap::new();
    let sample_cpu = |cpu_seen: &mut HashMap<u32, u64>| {
        for p in tree(pid) {
            if let Some(ticks) = cpu_ticks(p) {
                let seen = cpu_seen.entry(p).or_default();
                *seen = (*seen).max(ticks);
            }
        }
        cpu_seen.values().sum::<u64>()
    };
    let cpu_start = sample_cpu(&mut cpu_seen);
    let measuring = Instant::now();
    let (mut peak_kib, mut peak_rss_kib) = (0, 0);
    while measuring.elapsed() < Duration::from_secs(seconds) {
        let processes = tree(pid);
        let pss: u64 = processes
            .iter()
            .filter_map(|&p| memory_kib(p, "Pss:"))
            .sum();
        let rss: u64 = processes
            .iter()
            .filter_map(|&p| memory_kib(p, "Rss:"))
            .sum();
        peak_kib = peak_kib.max(pss);
        peak_rss_kib = peak_rss_kib.max(rss);
        sample_cpu(&mut cpu_seen);
        std::thread::sleep(Duration::from_millis(200));
    }
    let cpu_ticks_used = sample_cpu(&mut cpu_seen) - cpu_start;
    let minutes = measuring.elapsed().as_secs_f64() / 60.0;
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let own = cpu_ticks(pid).unwrap_or(0).saturating_sub(own_start);
    eprintln!(
        "  of which the first process: {:.2} CPU-s/min",
        own as f64 / ticks_per_second / minutes
    );
    (
        cpu_ticks_used as f64 / ticks_per_second / minutes,
        peak_kib as f64 / 1024.0,
        peak_rss_kib as f64 / 1024.0,
    )
}

/// The video case with each player as cage's one client (cage -d, headless, pixman, 1920×1080
/// through the tests' shim), measured from cage down after a 10 s warm-up.
fn video_under_cage(clip: &Path, seconds: u64) -> Vec<(&'static str, Sample)> {
    let user = cage::unprivileged();
    // The clip and the page are copied where the user cage runs as can read them.
    let staged = |home: &Path| {
        let copy = home.join("clip.mp4");
        std::fs::copy(clip, &copy).unwrap();
        cage::give(&copy, user);
        copy
    };
    let gst = |home: &Path| -> Vec<std::ffi::OsString> {
        let clip = staged(home);
        ["-q", "uridecodebin"]
            .map(Into::into)
            .into_iter()
            .chain([format!("uri=file://{}", clip.display()).into()])
            // cage maximizes it (its `fullscreen` fails on cage 0.1.4: "Window has no size set").
            .chain(["!", "videoconvert", "!", "waylandsink"].map(Into::into))
            .collect()
    };
    let chromium = |home: &Path| -> Vec<std::ffi::OsString> {
        let clip = staged(home);
        let page = home.join("video.html");
        std::fs::write(&page, video_page(&clip)).unwrap();
        cage::give(&page, user);
        let mut command = chromium_kiosk(home, "chromium-profile");
        command.arg("--ozone-platform=wayland").args([
            "--disable-gpu",
            "--autoplay-policy=no-user-gesture-required",
        ]);
        command.arg(format!("file://{}", page.display()));
        command.get_args().map(Into::into).collect()
    };
    let address = format!("127.0.0.1:{}", free_port());
    let kiosk = |home: &Path| -> Vec<std::ffi::OsString> {
        let clip = staged(home);
        let folder = home.join("playlists");
        std::fs::create_dir(&folder).unwrap();
        std::fs::rename(&clip, folder.join("clip.mp4")).unwrap();
        let playlist = folder.join("video.ron");
        std::fs::write(
            &playlist,
            "Playlist(title: \"video\", slides: [Video(file: \"clip.mp4\", seconds: 3600)])",
        )
        .unwrap();
        for path in [&folder, &playlist] {
            cage::give(path, user);
        }
        vec![
            "run".into(),
            "--playlists".into(),
            folder.into(),
            "--status-listen".into(),
            address.clone().into(),
        ]
    };
    type Arguments<'a> = &'a dyn Fn(&Path) -> Vec<std::ffi::OsString>;
    let players: [(&'static str, Option<&str>, Arguments); 3] = [
        (
            "video under cage: gst-launch-1.0, waylandsink",
            Some("gst-launch-1.0"),
            &gst,
        ),
        (
            "video under cage: Chromium kiosk <video>, --disable-gpu",
            Some("chromium"),
            &chromium,
        ),
        ("video under cage: kiosk-player", None, &kiosk),
    ];
    let mut samples = Vec::new();
    for (name, client, args) in players {
        eprintln!("{name}");
        let mut cage = cage::Cage::start_with(
            cage::CageOptions {
                no_decorations: true,
                output: Some("1920x1080"),
                client,
                ..Default::default()
            },
            args,
        );
        std::thread::sleep(Duration::from_secs(10));
        let (cpu_per_minute, peak_mib, peak_rss_mib) = sample_tree(cage.pid(), seconds);
        let video_rates = client.is_none().then(|| video_rates(&address)).flatten();
        if !cage.running() {
            eprintln!("  cage ended during the measurement:\n{}", cage.log());
        }
        cage.stop();
        std::thread::sleep(Duration::from_secs(2));
        eprintln!(
            "  {cpu_per_minute:.2} CPU-s/min, peak {peak_mib:.0} MiB PSS ({peak_rss_mib:.0} MiB RSS summed){}",
            video_rates.map_or(String::new(), |(d, p)| format!(
                ", video {d:.1} / {p:.1} a second"
            ))
        );
        samples.push((
            name,
            Sample {
                cpu_per_minute,
                peak_mib,
                peak_rss_mib,
                first_frame: f64::NAN,
                transition_frame_mean_ms: None,
                transition_frame_max_ms: None,
                video_rates,
            },
        ));
    }
    samples
}

/// A page that plays `clip` fullscreen, muted, looping.
fn video_page(clip: &Path) -> String {
    format!(
        "<!doctype html><html><head><style>html,body{{margin:0;background:#000;\
         overflow:hidden;cursor:none}}video{{position:fixed;inset:0;width:100vw;height:100vh}}\
         </style></head><body><video src=\"file://{}\" autoplay muted loop></video></body></html>",
        clip.display()
    )
}

/// The frames a second kiosk-player's video decoded and presented, from its /status.
fn video_rates(address: &str) -> Option<(f64, f64)> {
    let body = http_get(address, "/status")?;
    let status: serde_json::Value = serde_json::from_str(body.split("\r\n\r\n").nth(1)?).ok()?;
    let video = &status["showing"]["video"];
    Some((
        video["decoded_per_second"].as_f64()?,
        video["presented_per_second"].as_f64()?,
    ))
}

/// The whole answer (head and body) to a GET of `path`.
fn http_get(address: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    Some(text)
}

/// The process and all its descendants.
fn tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        if let Some(parent) = stat_fields(pid).and_then(|f| f.get(1)?.parse().ok()) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut found = vec![root];
    let mut seen = HashSet::from([root]);
    let mut index = 0;
    while index < found.len() {
        for &child in children.get(&found[index]).into_iter().flatten() {
            if seen.insert(child) {
                found.push(child);
            }
        }
        index += 1;
    }
    found
}

/// The fields of /proc/PID/stat after the command name: state, ppid, … (utime is index 11).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// A `field` ("Pss:" or "Rss:") of the process's memory totals, in KiB.
fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Mean and longest frame interval during transitions, in ms, from kiosk-player's /metrics.
fn transition_frames(address: &str) -> (Option<f64>, Option<f64>) {
    let Some(text) = http_get(address, "/metrics") else {
        return (None, None);
    };
    let value = |name: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse::<f64>()
                .ok()
        })
    };
    let mean = match (
        value("kiosk_transition_frame_seconds_sum"),
        value("kiosk_transition_frame_seconds_count"),
    ) {
        (Some(sum), Some(count)) if count > 0.0 => Some(sum / count * 1000.0),
        _ => None,
    };
    (
        mean,
        value("kiosk_transition_frame_max_seconds").map(|s| s * 1000.0),
    )
}

fn stop(child: &mut Child) {
    let group = child.id() as i32;
    let stragglers = tree(child.id());
    unsafe { libc::kill(-group, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    unsafe { libc::kill(-group, libc::SIGKILL) };
    for pid in stragglers {
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    let _ = child.wait();
    // Let the X server and the kernel settle before the next player starts.
    std::thread::sleep(Duration::from_secs(2));
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

fn report(results: &[(&'static str, Vec<Sample>)], runs: usize, seconds: u64) {
    println!(
        "\nMedians of {runs} run(s), {seconds} s each, 1920x1080 under Xvfb, or cage's headless \
         backend where named (software rendering):\n"
    );
    println!(
        "| player | CPU-s per minute | peak PSS (MiB) | peak RSS summed (MiB) | first frame (s) | transition frames (mean / max ms) | video frames/s (decoded / presented) |"
    );
    println!("|---|---:|---:|---:|---:|---|---|");
    let mut medians: HashMap<&str, (f64, f64, f64, f64)> = HashMap::new();
    for (name, samples) in results {
        let cpu = median(samples.iter().map(|s| s.cpu_per_minute));
        let peak = median(samples.iter().map(|s| s.peak_mib));
        let first = median(samples.iter().map(|s| s.first_frame));
        let rss = median(samples.iter().map(|s| s.peak_rss_mib));
        let frames = match (
            median(samples.iter().filter_map(|s| s.transition_frame_mean_ms)),
            median(samples.iter().filter_map(|s| s.transition_frame_max_ms)),
        ) {
            (mean, max) if mean.is_finite() => format!("{mean:.0} / {max:.0}"),
            _ => "–".into(),
        };
        let video = match (
            median(samples.iter().filter_map(|s| s.video_rates.map(|r| r.0))),
            median(samples.iter().filter_map(|s| s.video_rates.map(|r| r.1))),
        ) {
            (decoded, presented) if decoded.is_finite() => {
                format!("{decoded:.1} / {presented:.1}")
            }
            _ => "–".into(),
        };
        println!("| {name} | {cpu:.2} | {peak:.0} | {rss:.0} | {first:.2} | {frames} | {video} |");
        medians.insert(name, (cpu, peak, first, rss));
    }
    let get = |name: &str| medians.get(name).copied();
    println!();
    let check = |what: &str, value: f64, limit: f64| {
        let verdict = if value <= limit { "met" } else { "NOT met" };
        println!("{what}: {value:.2} (target ≤ {limit:.2}) — {verdict}");
    };
    if let (Some(cut), Some(feh)) = (get("kiosk-player, cut"), get("feh")) {
        println!("CPU, cut vs feh: {:.1}× feh", cut.0 / feh.0);
        check("  CPU-s/min with cuts", cut.0, 2.0 * feh.0);
    }
    if let (Some(fade), Some(chromium)) = (
        get("kiosk-player, 0.6 s crossfade"),
        get("Chromium kiosk, 0.6 s CSS crossfade"),
    ) {
        println!(
            "CPU, crossfade vs Chromium: {:.2}× Chromium; memory {:.2}× Chromium",
            fade.0 / chromium.0,
            fade.1 / chromium.1
        );
        check("  CPU-s/min with crossfades", fade.0, chromium.0 / 2.0);
        check("  peak MiB (PSS)", fade.1, chromium.1 / 4.0);
        check("  peak MiB (RSS summed)", fade.3, chromium.3 / 4.0);
    }
    if let (Some(ten), Some(two_hundred)) = (
        get("kiosk-player, 10 large photos, 2 s"),
        get("kiosk-player, 200 large photos, 2 s"),
    ) {
        check(
            "Memory, 200 large photos vs 10 (ratio)",
            two_hundred.1 / ten.1,
            1.10,
        );
    }
    if let Some(cut) = get("kiosk-player, cut") {
        check("Startup to first frame, s", cut.2, 2.0);
    }
    for (under, gst) in [("video", "ximagesink"), ("video under cage", "waylandsink")] {
        if let (Some(kiosk), Some(gst), Some(chromium)) = (
            get(&format!("{under}: kiosk-player")),
            get(&format!("{under}: gst-launch-1.0, {gst}")),
            get(&format!("{under}: Chromium kiosk <video>, --disable-gpu")),
        ) {
            println!(
                "{under}, CPU: {:.1}× gst-launch, {:.2}× Chromium; memory {:.2}× Chromium (PSS)",
                kiosk.0 / gst.0,
                kiosk.0 / chromium.0,
                kiosk.1 / chromium.1
            );
            check("  video CPU-s/min vs Chromium's", kiosk.0, chromium.0);
            check("  video CPU-s/min vs 3× gst-launch's", kiosk.0, 3.0 * gst.0);
        }
    }
}
