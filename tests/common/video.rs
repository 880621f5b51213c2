//! Video clips made at test time with Debian's GStreamer encoders, so each test knows exactly
//! what every frame holds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// H.264 in MP4, as cameras and phones make it.
pub const H264_MP4: &str =
    "x264enc speed-preset=ultrafast key-int-max=10 ! h264parse ! mp4mux faststart=true";
/// VP8 in WebM, as browsers record it.
pub const VP8_WEBM: &str = "vp8enc deadline=1 ! webmmux";
/// VP9 in Matroska.
pub const VP9_MKV: &str = "vp9enc deadline=1 cpu-used=8 ! matroskamux";

/// The grey level (luma, 16–235) frame `index` of a counter clip of `frames` frames carries.
pub fn counter_luma(index: u32, frames: u32) -> u8 {
    (40 + index * 180 / (frames - 1).max(1)) as u8
}

/// The frame number a grey pixel read off the screen shows: the nearest frame's level, as the
/// player converts limited-range luma to full-range RGB. The GPU's conversion is exact;
/// GStreamer's `videoconvert` (what a software renderer uses) works in 8-bit fixed point and shows
/// levels 2 to 3 darker (measured from 16 to 235), so each level is matched a little below exact:
/// within half a frame's step of either.
pub fn counter_frame(grey: u8, frames: u32) -> u32 {
    (0..frames)
        .min_by_key(|&index| {
            let luma = f32::from(counter_luma(index, frames));
            let shown = (luma - 16.0) * 255.0 / 219.0 - 1.2;
            ((shown - f32::from(grey)).abs() * 10.0) as u32
        })
        .unwrap()
}

/// A clip of `frames` flat grey frames at `fps`, each one lighter than the one before, so a
/// frame read back off the screen tells its number; encoded by `encoder` (one of the consts).
pub fn counter_clip(
    dir: &Path,
    name: &str,
    (width, height): (u32, u32),
    frames: u32,
    fps: u32,
    encoder: &str,
) -> PathBuf {
    let raw = dir.join(format!("{name}.yuv"));
    let luma_size = (width * height) as usize;
    let chroma_size = (width.div_ceil(2) * height.div_ceil(2)) as usize;
    let mut bytes = Vec::with_capacity((luma_size + 2 * chroma_size) * frames as usize);
    for index in 0..frames {
        bytes.extend(std::iter::repeat_n(counter_luma(index, frames), luma_size));
        bytes.extend(std::iter::repeat_n(128, 2 * chroma_size));
    }
    std::fs::write(&raw, bytes).unwrap();
    let out = dir.join(name);
    encode(&format!(
        "filesrc location={} ! rawvideoparse width={width} height={height} format=i420 \
             framerate={fps}/1 ! {encoder} ! filesink location={}",
        raw.display(),
        out.display()
    ));
    std::fs::remove_file(raw).unwrap();
    out
}

/// A clip of one solid colour (`0xAARRGGBB`) from `videotestsrc`.
pub fn solid_clip(
    dir: &Path,
    name: &str,
    (width, height): (u32, u32),
    argb: u32,
    frames: u32,
    encoder: &str,
) -> PathBuf {
    let out = dir.join(name);
    encode(&format!(
        "videotestsrc pattern=solid-color foreground-color={argb:#010x} num-buffers={frames} ! \
         video/x-raw,width={width},height={height},framerate=25/1 ! {encoder} ! filesink location={}",
        out.display()
    ));
    out
}

/// Runs a `gst-launch-1.0` pipeline to its end.
pub fn encode(pipeline: &str) {
    let output = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .output()
        .expect("gst-launch-1.0 is installed (gstreamer1.0-tools; .ci/run installs it)");
    assert!(
        output.status.success(),
        "gst-launch-1.0 {pipeline} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A clip of `frames` frames of the picture `frame` at 25 frames a second, encoded by `encoder`.
pub fn picture_clip(
    dir: &Path,
    name: &str,
    frame: &image::RgbImage,
    frames: u32,
    encoder: &str,
) -> PathBuf {
    let png = dir.join(format!("{name}.png"));
    frame.save(&png).unwrap();
    let out = dir.join(name);
    encode(&format!(
        "multifilesrc location={} loop=true num-buffers={frames} caps=image/png,framerate=25/1 ! \
         pngdec ! videoconvert ! video/x-raw,format=I420 ! {encoder} ! filesink location={}",
        png.display(),
        out.display()
    ));
    std::fs::remove_file(png).unwrap();
    out
}

/// Writes into an MP4 the turn a phone records when it is held upright (90), upside down (180)
/// or the other way up (270): the matrix of the video track's header, as iPhones and Android
/// phones write it. GStreamer's mp4mux writes the identity there.
pub fn turn_mp4(path: &Path, degrees: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes
        .windows(4)
        .position(|w| w == b"tkhd")
        .expect("an MP4 has a track header");
    assert_eq!(bytes[at + 4], 0, "mp4mux writes version 0 track headers");
    // After the version and flags: created, modified, track, reserved, duration (4 bytes each),
    // reserved (8), layer, group, volume, reserved (2 each).
    let matrix = at + 4 + 4 + 5 * 4 + 8 + 4 * 2;
    let one = 1 << 16;
    let (a, b, c, d) = match degrees {
        90 => (0, one, -one, 0),
        180 => (-one, 0, 0, -one),
        270 => (0, -one, one, 0),
        _ => panic!("a phone records 90, 180 or 270"),
    };
    let values: [i32; 9] = [a, b, 0, c, d, 0, 0, 0, 1 << 30];
    for (i, value) in values.iter().enumerate() {
        bytes[matrix + 4 * i..matrix + 4 * i + 4].copy_from_slice(&value.to_be_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}
