//! Video slides: GStreamer opening clips made here (first frame, size, length, decoder, seamless
//! loops, every kind of broken file), and the real player under Xvfb showing a video's frames in
//! order, and crossfading from a photo into a video and out to a photo without a black frame.

mod common;

use common::display::{Running, read_x_screen, spawn_with_status, start_xvfb, status, wait_for};
use common::video::{
    H264_MP4, VP8_WEBM, VP9_MKV, counter_clip, counter_frame, picture_clip, solid_clip, turn_mp4,
};
use kiosk_player::core::video::DecoderChoice;
use kiosk_player::status::Counters;
use kiosk_player::video::{Layout, Opened, open};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every test here holds it: the players' software rendering would otherwise disturb the
/// timing of the loop test, and each other's frame rates.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_clip(path: &Path) -> Result<Opened, String> {
    open(
        path,
        DecoderChoice::Software,
        Arc::new(|| {}),
        Arc::new(Counters::default()),
    )
}

/// The Y, U and V samples at the middle of a frame.
fn middle_yuv(frame: &kiosk_player::video::Frame) -> [u8; 3] {
    let (width, height) = frame.size();
    let layout = frame.layout();
    frame
        .with_planes(|planes| {
            let at = |plane: usize, x: u32, y: u32, texel: u32| {
                let p = &planes[plane];
                p.data[(y * p.stride + x * p.texel_bytes + texel) as usize]
            };
            let (x, y) = (width / 2, height / 2);
            match layout {
                Layout::I420 => [
                    at(0, x, y, 0),
                    at(1, x / 2, y / 2, 0),
                    at(2, x / 2, y / 2, 0),
                ],
                Layout::Nv12 => [
                    at(0, x, y, 0),
                    at(1, x / 2, y / 2, 0),
                    at(1, x / 2, y / 2, 1),
                ],
                Layout::Rgba => panic!("opened for YUV frames, given RGBA"),
            }
        })
        .expect("the frame's planes map")
}

#[test]
fn each_codec_opens_on_its_first_frame_with_its_size_length_and_decoder() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    for (name, encoder, decoder) in [
        ("clip.mp4", H264_MP4, "avdec_h264"),
        ("clip.webm", VP8_WEBM, "vp8dec"),
        ("clip.mkv", VP9_MKV, "vp9dec"),
    ] {
        // #3080C0: YCbCr (112, 168, 88) in BT.601's limited range.
        let path = solid_clip(dir.path(), name, (320, 240), 0xff3080c0, 50, encoder);
        let opened = open_clip(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (opened.facts.width, opened.facts.height),
            (320, 240),
            "{name}"
        );
        let seconds = opened.facts.seconds.expect("a length");
        assert!((seconds - 2.0).abs() < 0.1, "{name}: {seconds}");
        assert_eq!(
            opened.description.decoder.as_deref(),
            Some(decoder),
            "{name}"
        );
        assert!(!opened.description.hardware, "{name}");
        let (number, frame) = opened.playback.latest().expect("the first frame");
        assert!(number >= 1);
        let yuv = middle_yuv(&frame);
        for (got, want) in yuv.iter().zip([112u8, 168, 88]) {
            assert!(got.abs_diff(want) <= 3, "{name}: {yuv:?}");
        }
    }
}

#[test]
fn a_looping_video_wraps_to_its_first_frame_without_a_gap() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    for (name, encoder) in [("count.mp4", H264_MP4), ("count.webm", VP8_WEBM)] {
        let path = counter_clip(dir.path(), name, (160, 120), 10, 20, encoder);
        loops_seamlessly(&path, 10);
    }
}

/// Plays a counter clip of `frames` frames at 20 a second for two and a half rounds: every frame
/// comes, in order, 50 ms apart, across the loop too.
fn loops_seamlessly(path: &Path, frames: u32) {
    let name = path.display();
    let mut opened = open_clip(path).unwrap();
    let (first_number, first) = opened.playback.latest().unwrap();
    assert_eq!(counter_frame(shown_grey(&first), frames), 0, "{name}");
    opened.playback.play();
    let mut seen: Vec<(u32, Instant)> = Vec::new();
    let mut last_number = first_number;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1250) {
        if let Some((number, frame)) = opened.playback.latest()
            && number != last_number
        {
            last_number = number;
            seen.push((counter_frame(shown_grey(&frame), frames), Instant::now()));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let order: Vec<u32> = seen.iter().map(|(frame, _)| *frame).collect();
    let wraps = order.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(wraps >= 2, "{name}: {order:?}");
    for pair in order.windows(2) {
        assert!(
            pair[1] == pair[0] + 1 || (pair[0] == frames - 1 && pair[1] == 0),
            "{name}: frames out of order, skipped or repeated: {order:?}"
        );
    }
    // A frame late by a whole interval would be a visible hitch; one early, a frame not seen.
    for pair in seen.windows(2) {
        let interval = pair[1].1 - pair[0].1;
        assert!(
            (Duration::from_millis(15)..Duration::from_millis(100)).contains(&interval),
            "{name}: {interval:?} between frames {} and {} in {order:?}",
            pair[0].0,
            pair[1].0
        );
    }
    assert!(opened.playback.failure().is_none(), "{name}");
}

/// The grey the screen shows for a counter frame: its luma converted as the player does.
fn shown_grey(frame: &kiosk_player::video::Frame) -> u8 {
    let [y, _, _] = middle_yuv(frame);
    ((f32::from(y) - 16.0) * 255.0 / 219.0)
        .round()
        .clamp(0.0, 255.0) as u8
}

#[test]
fn broken_files_are_refused_with_what_is_wrong() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mp4");
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is a shopping list, not a video\n".repeat(200)).unwrap();
    // An MP4 whose index is written at its end (no faststart), cut off half way: a copy that
    // never finished.
    let whole = solid_clip(
        dir.path(),
        "whole.mp4",
        (320, 240),
        0xff3080c0,
        50,
        "x264enc ! h264parse ! mp4mux",
    );
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = dir.path().join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = dir.path().join("empty.webm");
    std::fs::write(&empty, b"").unwrap();
    // Now and then (1 in 6 to 12 tries here) GStreamer's decodebin swallows qtdemux's "no
    // playable streams" for the cut-off MP4: nothing comes on the bus, and the open's own limit
    // refuses it instead, saying so.
    for (path, says, within) in [
        (&missing, &["does not exist"][..], 5),
        (&text, &["not a video GStreamer recognises"][..], 5),
        (
            &truncated,
            &["cannot be played", "did not open within 10 s"][..],
            12,
        ),
        (&empty, &["not a video GStreamer recognises"][..], 5),
    ] {
        let started = Instant::now();
        let error = open_clip(path)
            .err()
            .unwrap_or_else(|| panic!("{} opened", path.display()));
        assert!(
            says.iter().any(|says| error.contains(says)),
            "{}: {error}",
            path.display()
        );
        assert!(
            started.elapsed() < Duration::from_secs(within),
            "{}: {:?}",
            path.display(),
            started.elapsed()
        );
    }
}

#[test]
fn check_probes_videos_and_names_the_package_of_a_missing_decoder() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    solid_clip(&media, "clip.mp4", (320, 240), 0xff3080c0, 50, H264_MP4);
    solid_clip(&media, "clip.webm", (320, 240), 0xff3080c0, 25, VP8_WEBM);
    solid_clip(&media, "uhd.mp4", (3840, 2160), 0xff3080c0, 3, H264_MP4);
    let playlist = dir.path().join("videos.ron");
    std::fs::write(
        &playlist,
        r#"Playlist(title: "動画", slides: [
    Video(file: "media/clip.mp4", loops: 2),
    Video(file: "media/clip.webm"),
    Video(file: "media/uhd.mp4", seconds: 10),
])"#,
    )
    .unwrap();
    let check = |hide_h264: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
        command.arg("check").arg(&playlist);
        if hide_h264 {
            // A machine without an H.264 decoder: GStreamer never chooses one ranked NONE.
            command.env("GST_PLUGIN_FEATURE_RANK", "avdec_h264:NONE");
        }
        let output = command.output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).to_string()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (ok, said) = check(false);
    assert!(!ok, "{said}");
    assert!(
        said.contains("slide 3") && said.contains("3840×2160"),
        "{said}"
    );
    assert!(
        said.contains("320×240, 0:02") && said.contains("avdec_h264"),
        "{said}"
    );
    assert!(said.contains("vp8dec"), "{said}");
    let (ok, said) = check(true);
    assert!(!ok, "{said}");
    assert!(
        said.contains("slide 1: media/clip.mp4: this machine has no decoder for")
            && said.contains("gstreamer1.0-libav"),
        "{said}"
    );
}

/// The real player on its own Xvfb playing `playlist` in a window of `size`.
fn player_on(display: &str, playlists: &Path, runtime: &Path, size: &str) -> (Running, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
    command
        .args([
            "run",
            "--windowed",
            "--size",
            size,
            "--status-listen",
            "127.0.0.1:0",
        ])
        .arg("--playlists")
        .arg(playlists)
        .env("DISPLAY", display)
        .env("XDG_RUNTIME_DIR", runtime)
        .env_remove("WAYLAND_DISPLAY");
    spawn_with_status(&mut command)
}

#[test]
fn a_video_slide_shows_its_frames_in_order_and_loops() {
    // On this software renderer `Auto` means GStreamer converts the frames to RGB.
    shows_frames_in_order("Auto", "frames are converted to RGB by GStreamer");
}

#[test]
fn frames_converted_by_the_gpu_show_in_order_too() {
    shows_frames_in_order("Gpu", "YUV frames are uploaded and converted by the GPU");
}

/// Plays a counting clip with `video_convert: {convert}` and reads the frames off the screen;
/// the player's log must say `said` about how frames are converted.
fn shows_frames_in_order(convert: &str, said: &str) {
    let _alone = one_at_a_time();
    let (_xvfb, display) = start_xvfb("640x480");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir_all(playlists.join("media")).unwrap();
    let frames = 20;
    counter_clip(
        &playlists.join("media"),
        "count.mp4",
        (320, 240),
        frames,
        10,
        H264_MP4,
    );
    std::fs::write(
        playlists.join("video.ron"),
        r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", seconds: 600)])"#,
    )
    .unwrap();
    let config = dir.path().join("kiosk.ron");
    std::fs::write(
        &config,
        format!(r#"Config(playlists: "playlists", cache: "cache", video_convert: {convert})"#),
    )
    .unwrap();
    let log = dir.path().join("player.log");
    let (_player, address) = player_with_config(&display, &config, &log, "640x480");
    wait_for("the video slide", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "video").then_some(())
    });
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains(said), "{logged}");
    let grey = |[r, g, b]: [u8; 3]| r.abs_diff(g) <= 3 && g.abs_diff(b) <= 3;
    wait_for("the video on screen", Duration::from_secs(5), || {
        grey(read_x_screen(&display).get_pixel(320, 240).0).then_some(())
    });
    // The screen read back for five seconds: two and a half rounds of a two-second clip.
    let mut order: Vec<u32> = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        let screen = read_x_screen(&display);
        let middle = screen.get_pixel(320, 240).0;
        assert!(grey(middle), "the video is grey, not {middle:?}");
        let frame = counter_frame(middle[0], frames);
        if order.last() != Some(&frame) {
            order.push(frame);
        }
        std::thread::sleep(Duration::from_millis(15));
    }
    let wraps = order.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(wraps >= 2, "the video did not loop: {order:?}");
    for pair in order.windows(2) {
        let step = (pair[1] + frames - pair[0]) % frames;
        // Reading the screen may miss a frame now and then, never go backwards.
        assert!((1..=3).contains(&step), "frames out of order: {order:?}");
    }
    assert!(order.len() >= 30, "too few distinct frames seen: {order:?}");
    let metrics = common::display::http_get(&address, "/metrics").1;
    assert!(metrics.contains("kiosk_video_frames_total"), "{metrics}");
    // What reaches the screen, as /status and the staff page tell it: the clip's 10 a second,
    // every decoded frame presented.
    let rate = status(&address)["showing"]["video"].clone();
    let (decoded, presented) = (
        rate["decoded_per_second"].as_f64().unwrap(),
        rate["presented_per_second"].as_f64().unwrap(),
    );
    assert!((8.0..=12.0).contains(&decoded), "{rate}");
    assert!(presented >= 0.9 * decoded, "{rate}");
    // An X server has no word on what it showed: drawn counts as presented.
    assert_eq!(rate["presented_by"], "player", "{rate}");
    let number = |name: &str| -> f64 {
        let metrics = common::display::http_get(&address, "/metrics").1;
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
            .parse()
            .unwrap()
    };
    let presented_total = number("kiosk_video_frames_presented_total");
    assert!(presented_total >= 30.0, "{presented_total}");
    assert_eq!(number("kiosk_video_presentation_feedback"), 0.0);
    assert!(number("kiosk_video_frames_drawn_total") >= presented_total);
    assert!(number("kiosk_video_frames_dropped_total") <= presented_total / 10.0);
    assert!(number("kiosk_video_upload_seconds_total") > 0.0);
    let page = common::display::http_get(&address, "/").1;
    assert!(
        page.contains(" fps (presented/decoded, as the player counts)"),
        "{page}"
    );
}

#[test]
fn crossfades_from_a_photo_into_a_video_and_out_never_show_black() {
    let _alone = one_at_a_time();
    let (_xvfb, display) = start_xvfb("640x360");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let media = playlists.join("media");
    std::fs::create_dir_all(&media).unwrap();
    image::RgbImage::from_pixel(64, 36, image::Rgb([230, 120, 20]))
        .save(media.join("orange.png"))
        .unwrap();
    image::RgbImage::from_pixel(64, 36, image::Rgb([20, 60, 200]))
        .save(media.join("blue.png"))
        .unwrap();
    let frames = 20;
    counter_clip(&media, "count.webm", (320, 180), frames, 10, VP8_WEBM);
    std::fs::write(
        playlists.join("mixed.ron"),
        r#"Playlist(title: "m", transition: Crossfade, transition_seconds: 1, slides: [
    Image(file: "media/orange.png", fit: Cover, seconds: 2),
    Video(file: "media/count.webm", seconds: 3),
    Image(file: "media/blue.png", fit: Cover, seconds: 2),
])"#,
    )
    .unwrap();
    let (_player, address) = player_on(&display, &playlists, dir.path(), "640x360");
    wait_for("the orange photo", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "image").then_some(())
    });
    // Two rounds of the playlist, the middle of the screen read as fast as it comes.
    let (mut orange, mut grey, mut blue, mut mixed) = (0, 0, 0, 0);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(14) {
        let [r, g, b] = read_x_screen(&display).get_pixel(320, 180).0;
        assert!(
            r.max(g).max(b) > 24,
            "a black frame at {:?}",
            start.elapsed()
        );
        let near = |want: [u8; 3]| [r, g, b].iter().zip(want).all(|(a, w)| a.abs_diff(w) <= 8);
        if near([230, 120, 20]) {
            orange += 1;
        } else if near([20, 60, 200]) {
            blue += 1;
        } else if r.abs_diff(g) <= 3 && g.abs_diff(b) <= 3 {
            grey += 1;
        } else {
            mixed += 1;
        }
    }
    assert!(
        orange > 0 && grey > 0 && blue > 0,
        "{orange} {grey} {blue} {mixed}"
    );
    assert!(
        mixed > 0,
        "no crossfade frame was seen: {orange} {grey} {blue}"
    );
}

#[test]
fn preview_shows_a_video_slide_as_its_first_frame_in_true_colour_with_its_caption() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    solid_clip(&media, "blue.mp4", (320, 240), 0xff3080c0, 25, H264_MP4);
    let playlist = dir.path().join("video.ron");
    std::fs::write(
        &playlist,
        r#"Playlist(title: "v", slides: [Video(file: "media/blue.mp4", caption: "手を洗いましょう", caption_en: "Wash your hands")])"#,
    )
    .unwrap();
    let shot = common::display::preview_slide(&playlist, 0, "1280x720");
    // The frame, converted as encoded: #3080C0, not washed out (sRGB handled) nor shifted.
    let middle = shot.get_pixel(640, 300).0;
    for (got, want) in middle.iter().zip([48u8, 128, 192]) {
        assert!(got.abs_diff(want) <= 3, "{middle:?}");
    }
    // 4:3 in the area above the caption: black bands at the sides, the caption's white text below.
    assert_eq!(shot.get_pixel(20, 300).0, [0, 0, 0]);
    let band = (620..720).flat_map(|y| (0..1280).map(move |x| (x, y)));
    let white = band
        .filter(|&(x, y)| shot.get_pixel(x, y).0.iter().all(|&c| c > 200))
        .count();
    assert!(white > 500, "no caption text: {white} white pixels");
    assert_eq!(
        shot.get_pixel(640, 715).0,
        [0, 0, 0],
        "the caption band is below the video"
    );
}

#[test]
fn an_emergency_interrupts_a_video_at_once_and_the_video_comes_back_after_it() {
    let _alone = one_at_a_time();
    let (_xvfb, display) = start_xvfb("640x360");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    std::fs::create_dir_all(playlists.join("media")).unwrap();
    counter_clip(
        &playlists.join("media"),
        "count.mp4",
        (320, 180),
        20,
        10,
        H264_MP4,
    );
    std::fs::write(
        playlists.join("video.ron"),
        r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", seconds: 600)])"#,
    )
    .unwrap();
    let (_player, address) = player_on(&display, &playlists, dir.path(), "640x360");
    let showing = |kind: &str| {
        let status = status(&address);
        (status["showing"]["kind"] == kind).then_some(status)
    };
    wait_for("the video slide", Duration::from_secs(30), || {
        showing("video")
    });
    common::display::write_atomically(
        &playlists.join("emergency.ron"),
        r##"Playlist(title: "地震", emergency: true, slides: [Text(title: "地震です", background: "#B00020")])"##,
    );
    let written = Instant::now();
    wait_for("the emergency", Duration::from_secs(10), || showing("text"));
    assert!(
        written.elapsed() < Duration::from_secs(3),
        "{:?}",
        written.elapsed()
    );
    std::fs::remove_file(playlists.join("emergency.ron")).unwrap();
    wait_for("the video again", Duration::from_secs(10), || {
        showing("video")
    });
    // Playing, not frozen: the counter moves on.
    let frame = || counter_frame(read_x_screen(&display).get_pixel(320, 180).0[0], 20);
    let first = wait_for("the video on screen", Duration::from_secs(5), || {
        let [r, g, b] = read_x_screen(&display).get_pixel(320, 180).0;
        (r.abs_diff(g) <= 3 && g.abs_diff(b) <= 3).then(frame)
    });
    wait_for("the next frames", Duration::from_secs(3), || {
        (frame() != first).then_some(())
    });
}

/// `kiosk-player check` on `playlist`: whether it passed, and all it said.
fn check(playlist: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("check")
        .arg(playlist)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), said)
}

/// What a phone's clip shows when it stands upright: red across its top quarter, blue below.
fn upright_picture((width, height): (u32, u32)) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |_, y| match y < height / 4 {
        true => image::Rgb([220, 30, 30]),
        false => image::Rgb([30, 60, 220]),
    })
}

/// Whether a pixel is the red (or the blue) of [`upright_picture`], as the screen shows it.
fn reddish([r, g, b]: [u8; 3]) -> bool {
    r > 180 && g < 90 && b < 90
}

fn bluish([r, g, b]: [u8; 3]) -> bool {
    b > 180 && r < 90 && g < 110
}

/// Checks a 1280×720 picture of a slide of a clip turned upright: red at the top, blue below, and
/// for a portrait clip black bands beside it.
fn assert_upright(shot: &image::RgbImage, portrait: bool, what: &str) {
    let at = |x, y| shot.get_pixel(x, y).0;
    assert!(
        reddish(at(640, 40)),
        "{what}: red at the top, not {:?}",
        at(640, 40)
    );
    assert!(
        bluish(at(640, 600)),
        "{what}: blue below, not {:?}",
        at(640, 600)
    );
    if portrait {
        // 180×320 fitted to 720 high: 405 wide in the middle.
        assert_eq!(
            at(300, 360),
            [0, 0, 0],
            "{what}: a band beside a portrait clip"
        );
        assert!(
            bluish(at(480, 360)) && bluish(at(800, 360)),
            "{what}: the clip's width"
        );
    } else {
        assert!(
            bluish(at(60, 600)),
            "{what}: a landscape clip fills the width"
        );
    }
}

#[test]
fn phone_clips_stand_upright_in_check_preview_and_on_screen() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let media = playlists.join("media");
    std::fs::create_dir_all(&media).unwrap();
    for degrees in [90, 180, 270] {
        let upright = match degrees {
            180 => upright_picture((320, 180)),
            _ => upright_picture((180, 320)),
        };
        // The file holds the picture as the phone's sensor saw it: turned back.
        let stored = match degrees {
            90 => image::imageops::rotate270(&upright),
            180 => image::imageops::rotate180(&upright),
            _ => image::imageops::rotate90(&upright),
        };
        let clip = picture_clip(
            &media,
            &format!("phone{degrees}.mp4"),
            &stored,
            25,
            H264_MP4,
        );
        turn_mp4(&clip, degrees);
    }
    let playlist = playlists.join("phone.ron");
    std::fs::write(
        &playlist,
        r#"Playlist(title: "スマートフォン", slides: [
    Video(file: "media/phone90.mp4"),
    Video(file: "media/phone180.mp4"),
    Video(file: "media/phone270.mp4"),
])"#,
    )
    .unwrap();
    let (passed, said) = check(&playlist);
    assert!(passed, "{said}");
    for shown in [
        "phone90.mp4: 180×320 (turned 90° clockwise to stand upright)",
        "phone180.mp4: 320×180 (turned 180° clockwise to stand upright)",
        "phone270.mp4: 180×320 (turned 270° clockwise to stand upright)",
    ] {
        assert!(said.contains(shown), "{shown}: {said}");
    }
    for (index, portrait) in [(0, true), (1, false), (2, true)] {
        let shot = common::display::preview_slide(&playlist, index, "1280x720");
        assert_upright(&shot, portrait, &format!("preview of slide {}", index + 1));
    }
    // The real player: the phone held upright shows upright.
    std::fs::write(
        &playlist,
        r#"Playlist(title: "スマートフォン", slides: [Video(file: "media/phone90.mp4", seconds: 600)])"#,
    )
    .unwrap();
    let (_xvfb, display) = start_xvfb("1280x720");
    let (_player, address) = player_on(&display, &playlists, dir.path(), "1280x720");
    wait_for("the video slide", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "video").then_some(())
    });
    let screen = wait_for("the clip on screen", Duration::from_secs(10), || {
        let screen = read_x_screen(&display);
        reddish(screen.get_pixel(640, 40).0).then_some(screen)
    });
    assert_upright(&screen, true, "the real screen");
}

#[test]
fn clips_of_any_container_play_by_what_they_hold_and_sound_alone_is_refused() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let h264 = "x264enc speed-preset=ultrafast ! h264parse";
    // As office PCs, camcorders, phones and old web tools made them.
    for (name, encoder) in [
        ("office.wmv", "avenc_wmv2 ! asfmux".to_string()),
        ("camera.avi", "avenc_mpeg4 ! avimux".to_string()),
        ("phone.3gp", format!("{h264} ! 3gppmux")),
        ("web.flv", format!("{h264} ! flvmux")),
        ("free.ogv", "theoraenc ! oggmux".to_string()),
    ] {
        solid_clip(&media, name, (320, 240), 0xff3080c0, 25, &encoder);
    }
    // A transport stream's length is estimated from its clock references: a recorder's file has
    // plenty, a second of one flat colour too few. These are as long and busy as a short
    // recording; the second is under a name no list holds, so what is inside decides.
    for name in ["recorder.ts", "camcorder.dat"] {
        common::video::encode(&format!(
            "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! \
             {h264} ! mpegtsmux ! filesink location={}",
            media.join(name).display()
        ));
    }
    common::video::encode(&format!(
        "audiotestsrc num-buffers=50 ! audioconvert ! avenc_aac ! mp4mux ! filesink location={}",
        media.join("narration.mp4").display()
    ));
    std::fs::write(
        media.join("notes.mp4"),
        "議事録: this is text, not a video\n",
    )
    .unwrap();
    let playlist = dir.path().join("videos.ron");
    std::fs::write(
        &playlist,
        r#"Playlist(title: "動画", slides: [
    Video(file: "media/office.wmv"),
    Video(file: "media/camera.avi"),
    Video(file: "media/recorder.ts"),
    Video(file: "media/phone.3gp"),
    Video(file: "media/web.flv"),
    Video(file: "media/free.ogv"),
    Video(file: "media/camcorder.dat"),
    Video(file: "media/narration.mp4"),
    Video(file: "media/notes.mp4"),
])"#,
    )
    .unwrap();
    let (passed, said) = check(&playlist);
    assert!(!passed, "{said}");
    // Each is opened to its first frame, and check says what it found.
    for (slide, found) in [
        (
            1,
            "office.wmv: 320×240, 0:01, Microsoft Windows Media 8 in ASF",
        ),
        (2, "camera.avi: 320×240, 0:01, DivX MPEG-4 Version 4 in AVI"),
        (
            3,
            "recorder.ts: 320×240, 0:04, H.264 (High 4:4:4 Profile) in MPEG transport",
        ),
        (
            4,
            "phone.3gp: 320×240, 0:01, H.264 (High 4:4:4 Profile) in 3GP",
        ),
        (
            5,
            "web.flv: 320×240, 0:01, H.264 (High 4:4:4 Profile) in FLV Demuxer",
        ),
        (6, "free.ogv: 320×240, 0:01, Theora in Ogg"),
        (7, "camcorder.dat: 320×240, 0:04, H.264"),
    ] {
        let line = said
            .lines()
            .find(|line| line.contains(&format!("slide {slide}:")))
            .unwrap_or_default();
        assert!(line.contains(found), "slide {slide}: {found}: {said}");
    }
    assert!(
        said.contains("slide 8: media/narration.mp4: the file has no video, only sound"),
        "{said}"
    );
    assert!(
        said.contains("slide 9: media/notes.mp4: this is not a video GStreamer recognises"),
        "{said}"
    );
    // The WMV on screen, in its own colour.
    let wmv = dir.path().join("wmv.ron");
    std::fs::write(
        &wmv,
        r#"Playlist(title: "WMV", slides: [Video(file: "media/office.wmv")])"#,
    )
    .unwrap();
    let shot = common::display::preview_slide(&wmv, 0, "640x480");
    let middle = shot.get_pixel(320, 240).0;
    for (got, want) in middle.iter().zip([48u8, 128, 192]) {
        assert!(got.abs_diff(want) <= 4, "{middle:?}");
    }
}

/// The cues of [`CUES`] on the real screen, playing a counter clip of `frames` frames at 10 a
/// second from `playlists`: each cue exactly while its frames are on screen (each reading of the
/// screen gives the frame's number and the box), the one with furigana taller.
fn assert_shows_cues_in_their_windows(playlists: &Path, runtime: &Path, frames: u32) {
    let (_xvfb, display) = start_xvfb("640x360");
    let (_player, address) = player_on(&display, playlists, runtime, "640x360");
    wait_for("the video slide", Duration::from_secs(30), || {
        (status(&address)["showing"]["kind"] == "video").then_some(())
    });
    // Two rounds of the clip: each reading's frame (its grey, read above the subtitles) and how
    // many rows of subtitle box it shows.
    let mut seen: Vec<(f64, u32)> = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(9) {
        let screen = read_x_screen(&display);
        let grey = screen.get_pixel(320, 40).0;
        let frame = counter_frame(grey[0], frames);
        seen.push((f64::from(frame) / 10.0, subtitle_rows(&screen, 180)));
    }
    let rows_within = |from: f64, to: f64| -> Vec<u32> {
        seen.iter()
            .filter(|(at, _)| (from..=to).contains(at))
            .map(|(_, rows)| *rows)
            .collect()
    };
    // A frame either side of each edge is left out: the screen may be read between the two.
    let first = rows_within(1.1, 2.4);
    let second = rows_within(3.1, 3.7);
    let none: Vec<u32> = [(0.0, 0.9), (2.6, 2.9), (3.9, 4.0)]
        .iter()
        .flat_map(|&(from, to)| rows_within(from, to))
        .collect();
    assert!(
        first.len() >= 5 && second.len() >= 3 && none.len() >= 5,
        "{seen:?}"
    );
    assert!(
        first.iter().all(|&rows| rows > 20),
        "the first cue: {seen:?}"
    );
    assert!(
        second.iter().all(|&rows| rows > 20),
        "the second cue: {seen:?}"
    );
    assert!(
        none.iter().all(|&rows| rows == 0),
        "between the cues: {seen:?}"
    );
    // The readings stand above the first cue's line: its box is taller.
    let (tall, short) = (first.iter().max().unwrap(), second.iter().max().unwrap());
    assert!(tall > &(short + 5), "furigana: {tall} rows against {short}");
}

/// Two cues of a 4-second clip, the first with readings, as a SubRip file with CRLF lines.
const CUES: &str = "1\r\n00:00:01,000 --> 00:00:02,500\r\n{手|て}を{洗|あら}おう\r\n\r\n\
                    2\r\n00:00:03,000 --> 00:00:03,800\r\n手を洗おう\r\n";

/// The rows of `screen` (from `from` down) that hold a subtitle's box: at least 20 pixels of its
/// near-black, which no frame of a counter clip has.
fn subtitle_rows(screen: &image::RgbImage, from: u32) -> u32 {
    (from..screen.height())
        .filter(|&y| {
            (0..screen.width())
                .filter(|&x| screen.get_pixel(x, y).0.iter().all(|&c| c <= 22))
                .count()
                >= 20
        })
        .count() as u32
}

#[test]
fn subtitles_beside_a_clip_show_in_their_time_window_with_furigana() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let media = playlists.join("media");
    std::fs::create_dir_all(&media).unwrap();
    let frames = 40;
    counter_clip(&media, "count.mp4", (640, 360), frames, 10, H264_MP4);
    // As a Japanese PC saves it: Shift-JIS, CRLF.
    std::fs::write(
        media.join("count.srt"),
        encoding_rs::SHIFT_JIS.encode(CUES).0.as_ref(),
    )
    .unwrap();
    std::fs::write(
        playlists.join("video.ron"),
        r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", seconds: 600)])"#,
    )
    .unwrap();
    let (passed, said) = check(&playlists.join("video.ron"));
    assert!(
        passed && said.contains("count.srt: 2 subtitles, read as Shift-JIS"),
        "{said}"
    );
    assert_shows_cues_in_their_windows(&playlists, dir.path(), frames);

    // Named by the slide, in WebVTT, timed from the first frame: `preview` shows it too.
    std::fs::write(
        media.join("words.vtt"),
        "WEBVTT\n\n00:00.000 --> 00:01.000\nペットと{避難|ひなん}\n",
    )
    .unwrap();
    let named = playlists.join("named.ron");
    std::fs::write(
        &named,
        r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", subtitles: "media/words.vtt")])"#,
    )
    .unwrap();
    let shot = common::display::preview_slide(&named, 0, "640x360");
    assert!(subtitle_rows(&shot, 180) > 20, "preview shows the subtitle");
    // A broken file: `check` says where.
    std::fs::write(
        media.join("broken.vtt"),
        "WEBVTT\n\n00:00.000 --> 00:01.000\nok\n\n00:03.000 --> 00:02.000\nbackwards\n",
    )
    .unwrap();
    let broken = playlists.join("broken.ron");
    std::fs::write(
        &broken,
        r#"Playlist(title: "v", slides: [Video(file: "media/count.mp4", subtitles: "media/broken.vtt")])"#,
    )
    .unwrap();
    let (passed, said) = check(&broken);
    assert!(
        !passed && said.contains("broken.vtt:6:1: the cue ends before it starts"),
        "{said}"
    );
    let white = (180..360)
        .flat_map(|y| (0..640).map(move |x| (x, y)))
        .filter(|&(x, y)| shot.get_pixel(x, y).0.iter().all(|&c| c > 230))
        .count();
    assert!(white > 200, "the subtitle's text: {white} white pixels");
}

/// The real player with the device config `config` (its playlists in `playlists/` beside it),
/// logging to `log`, in a window of `size` on `display`.
fn player_with_config(display: &str, config: &Path, log: &Path, size: &str) -> (Running, String) {
    let folder = config.parent().unwrap();
    common::display::spawn_logging_to(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args(["run", "--windowed", "--size", size, "--config"])
            .arg(config)
            .args(["--status-listen", "127.0.0.1:0"])
            .current_dir(folder)
            .env("DISPLAY", display)
            .env("XDG_RUNTIME_DIR", folder)
            .env_remove("WAYLAND_DISPLAY"),
        log,
    )
}

/// How loud a 16-bit WAV file's sound is so far: the level 1% of its samples pass (the
/// encoder's overshoot at the start left out).
fn loudness(wav: &Path) -> u16 {
    let bytes = std::fs::read(wav).unwrap_or_default();
    let mut levels: Vec<u16> = bytes
        .get(44..)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]).unsigned_abs())
        .collect();
    levels.sort_unstable();
    levels.get(levels.len() * 99 / 100).copied().unwrap_or(0)
}

#[test]
fn sound_plays_to_the_configured_output_only_for_a_slide_that_asks() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("playlists/media");
    std::fs::create_dir_all(&media).unwrap();
    common::video::encode(&format!(
        "videotestsrc num-buffers=50 ! video/x-raw,width=320,height=240,framerate=25/1 ! \
         x264enc speed-preset=ultrafast ! h264parse ! mp4mux name=mux ! filesink location={} \
         audiotestsrc volume=0.4 num-buffers=100 ! audioconvert ! avenc_aac ! mux.",
        media.join("talk.mp4").display()
    ));
    let heard = dir.path().join("heard.wav");
    let config = dir.path().join("kiosk.ron");
    let with_output = |output: &str| {
        std::fs::write(
            &config,
            format!(r#"Config(playlists: "playlists", cache: "cache", audio_output: {output})"#),
        )
        .unwrap();
    };
    let playlist = |video: &str| {
        std::fs::write(
            dir.path().join("playlists/talk.ron"),
            format!(r#"Playlist(title: "t", slides: [{video}])"#),
        )
        .unwrap();
    };
    // A stand-in for the speakers: the sound written to a WAV file.
    with_output(&format!(
        r#"Pipeline("audioconvert ! audio/x-raw,format=S16LE ! wavenc ! filesink location={}")"#,
        heard.display()
    ));
    let (_xvfb, display) = start_xvfb("320x240");
    let showing_video = |address: &str| {
        wait_for("the video slide", Duration::from_secs(30), || {
            (status(address)["showing"]["kind"] == "video").then_some(())
        });
    };
    // Muted by default: nothing reaches the output.
    playlist(r#"Video(file: "media/talk.mp4", seconds: 600)"#);
    let log = dir.path().join("muted.log");
    let (player, address) = player_with_config(&display, &config, &log, "320x240");
    showing_video(&address);
    std::thread::sleep(Duration::from_secs(3));
    drop(player);
    assert!(!heard.exists(), "a muted video's sound reached the output");
    // `audio: true`: the sound plays, at the slide's volume.
    playlist(r#"Video(file: "media/talk.mp4", seconds: 600, audio: true, volume: 0.5)"#);
    let log = dir.path().join("sound.log");
    let (player, address) = player_with_config(&display, &config, &log, "320x240");
    showing_video(&address);
    wait_for("the sound in the output", Duration::from_secs(10), || {
        (loudness(&heard) > 2000).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    // An emergency takes the screen: the video's sound fades with it and stops.
    std::fs::write(
        dir.path().join("playlists/emergency.ron"),
        r##"Playlist(title: "地震", emergency: true, slides: [Text(title: "地震です")])"##,
    )
    .unwrap();
    wait_for("the emergency", Duration::from_secs(10), || {
        (status(&address)["showing"]["kind"] == "text").then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    let size = || std::fs::metadata(&heard).map_or(0, |m| m.len());
    let before = size();
    std::thread::sleep(Duration::from_millis(1500));
    // 1.5 s of this sound is 260 KB; what the file sink still had buffered is less than 100 KB.
    let grown = size() - before;
    assert!(
        grown < 100_000,
        "the sound went on under the emergency: {grown} bytes"
    );
    drop(player);
    std::fs::remove_file(dir.path().join("playlists/emergency.ron")).unwrap();
    // The clip's sine peaks at 0.4 of full scale, 13,107; at half volume, half that.
    let level = loudness(&heard);
    assert!(
        (5_500..=7_500).contains(&level),
        "the volume: a level of {level}"
    );
    // A sound device that is not there: a warning, and the video plays muted.
    with_output(r#"Alsa("hw:CARD=NoSuchCard,DEV=0")"#);
    let log = dir.path().join("no-device.log");
    let (_player, address) = player_with_config(&display, &config, &log, "320x240");
    showing_video(&address);
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("no sound:") && said.contains("the video plays muted"),
        "{said}"
    );
}

#[test]
fn a_transport_stream_loops_from_its_end() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let encoder = "x264enc speed-preset=ultrafast key-int-max=10 ! h264parse ! mpegtsmux";
    let path = counter_clip(dir.path(), "count.ts", (160, 120), 10, 20, encoder);
    let mut opened = open_clip(&path).unwrap();
    opened.playback.play();
    // Its demuxer cannot loop by segment: the end of stream rewinds it, so every round comes in
    // order, if not back to back.
    let mut order: Vec<u32> = Vec::new();
    let mut last_number = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(2000) {
        if let Some((number, frame)) = opened.playback.latest()
            && number != last_number
        {
            last_number = number;
            order.push(counter_frame(shown_grey(&frame), 10));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let wraps = order.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(wraps >= 2, "{order:?}");
    assert!(
        order.windows(2).all(|w| w[1] == w[0] + 1 || w[1] == 0),
        "{order:?}"
    );
    assert!(opened.playback.failure().is_none());
}

#[test]
fn a_clips_own_subtitle_stream_shows_when_no_file_is_beside_it() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let cues = dir.path().join("cues.srt");
    std::fs::write(&cues, CUES).unwrap();
    let frames = 40;
    // SubRip in Matroska, and mov_text in MP4, as editors and phones' apps write them.
    for (name, muxer) in [
        ("count.mkv", "matroskamux name=mux"),
        ("count.mp4", "mp4mux name=mux faststart=true"),
    ] {
        let playlists = dir.path().join(name.replace('.', "-"));
        std::fs::create_dir_all(playlists.join("media")).unwrap();
        let encoder = format!(
            "x264enc speed-preset=ultrafast key-int-max=10 ! h264parse ! {muxer} \
             filesrc location={} ! subparse ! mux. mux.",
            cues.display()
        );
        counter_clip(
            &playlists.join("media"),
            name,
            (640, 360),
            frames,
            10,
            &encoder,
        );
        std::fs::write(
            playlists.join("video.ron"),
            format!(r#"Playlist(title: "v", slides: [Video(file: "media/{name}", seconds: 600)])"#),
        )
        .unwrap();
        assert_shows_cues_in_their_windows(&playlists, dir.path(), frames);
    }
}
