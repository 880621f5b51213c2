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
/// player converts limited-range luma to full-range RGB.
pub fn counter_frame(grey: u8, frames: u32) -> u32 {
    (0..frames)
        .min_by_key(|&index| {
            let luma = f32::from(counter_luma(index, frames));
            let shown = ((luma - 16.0) * 255.0 / 219.0).round();
            (shown - f32::from(grey)).abs() as u32
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
