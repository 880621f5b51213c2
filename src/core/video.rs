//! The rules of video slides: how long one lasts, where its frames go on screen, how their YUV
//! samples become RGB, what a stalled decoder gets, and which Debian package brings a missing
//! decoder. The decoding itself is `crate::video`'s.

use super::playlist::Fit;
use serde::Deserialize;

/// Which decoders a video may use (`video_decoder` in the device config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum DecoderChoice {
    /// GStreamer's ranks decide: a hardware decoder where the board has one (`v4l2h264dec` on a
    /// Pi 4, `vah264dec` on a NUC), software otherwise.
    #[default]
    Auto,
    /// Software decoders only: for a board whose hardware decoder misbehaves.
    Software,
}

/// Who turns a video's YUV frames into the screen's RGB (`video_convert` in the device config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum VideoConvert {
    /// GStreamer on a software renderer, the GPU elsewhere ([`VideoConvert::chosen`]).
    #[default]
    Auto,
    /// The GPU: the decoder's YUV planes are uploaded (half the bytes of RGB) and a shader
    /// converts them while drawing, which a GPU does for nothing.
    Gpu,
    /// GStreamer (`videoconvert`, SIMD), before upload: one RGB texture, sampled without
    /// filtering where a frame's pixel is a screen pixel.
    GStreamer,
}

impl VideoConvert {
    /// What `Auto` means on this renderer. On a software renderer (llvmpipe) every shader
    /// instruction is paid per pixel by the CPU: drawing a 1080p frame through the YUV shader
    /// took 100 ms of CPU (13 frames a second reached the screen), converting it in GStreamer
    /// 4 ms and drawing the RGB 22 ms (all 30 did).
    pub fn chosen(self, software_renderer: bool) -> VideoConvert {
        match self {
            VideoConvert::Auto if software_renderer => VideoConvert::GStreamer,
            VideoConvert::Auto => VideoConvert::Gpu,
            chosen => chosen,
        }
    }
}

/// Where a video's sound goes (`audio_output` in the device config), for slides with
/// `audio: true`; every other video is muted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum AudioOutput {
    /// GStreamer's `autoaudiosink`: PipeWire or PulseAudio on a desktop, else ALSA's default.
    #[default]
    Auto,
    /// An ALSA device by name, e.g. `Alsa("hdmi:CARD=vc4hdmi0,DEV=0")` for a Pi's first HDMI.
    Alsa(String),
    /// A GStreamer pipeline description the sound is played into, for what the others cannot
    /// name (a Bluetooth sink, a file for a test).
    Pipeline(String),
}

/// How this device plays video, from its config.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VideoSettings {
    pub decoder: DecoderChoice,
    pub audio_output: AudioOutput,
    /// `Auto` until the renderer is known, then what it was chosen to be.
    pub convert: VideoConvert,
}

/// How a video slide's sound plays.
#[derive(Clone, Debug, PartialEq)]
pub struct Sound {
    pub output: AudioOutput,
    /// 0 to 1.
    pub volume: f64,
}

/// A video longer than this, with no `seconds:` to cut it short, is not played: it would hold the
/// screen for hours (a wrong file copied into the share, more likely than a wanted loop).
pub const MAX_UNBOUNDED_VIDEO_SECONDS: f64 = 3600.0;

/// Videos with more pixels than this are refused before they are played: 1080p (coded as
/// 1920×1088) is what every board we support decodes in real time; a Pi 4's decoder stops there.
pub const MAX_VIDEO_PIXELS: u64 = 1920 * 1088;

/// What a video file turned out to hold, from opening it.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoFacts {
    /// The size as shown: upright, in square pixels.
    pub width: u32,
    pub height: u32,
    /// The length of one play-through; unknown for some streams.
    pub seconds: Option<f64>,
    /// How the frames are turned to be upright, from the stream's orientation tag.
    pub orientation: Orientation,
}

/// How a video's frames must be turned to stand upright: what a phone records in the file when
/// it was held upright (rotate 90) or upside down (rotate 180), as GStreamer's
/// `image-orientation` tag says it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Orientation {
    /// Quarter turns clockwise, 0 to 3.
    pub quarter_turns: u8,
    /// Mirrored left to right before turning.
    pub flipped: bool,
}

impl Orientation {
    /// From the tag's value: `rotate-90`, `flip-rotate-180`, …; anything else is upright.
    pub fn from_tag(tag: &str) -> Orientation {
        let (flipped, angle) = match tag.strip_prefix("flip-") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let quarter_turns = match angle {
            "rotate-90" => 1,
            "rotate-180" => 2,
            "rotate-270" => 3,
            _ => 0,
        };
        Orientation {
            quarter_turns,
            flipped,
        }
    }

    /// The size shown for frames of `width` × `height`.
    pub fn shown(&self, (width, height): (u32, u32)) -> (u32, u32) {
        match self.quarter_turns % 2 {
            0 => (width, height),
            _ => (height, width),
        }
    }

    /// The matrix `(m00, m01, m10, m11)` taking a point of the upright picture to the stored
    /// frame, both about their centres (x right, y down): the compositor turns the texture
    /// coordinates with it, so no frame is copied to be turned.
    pub fn to_frame(&self) -> [f32; 4] {
        // Undo the turn (a quarter turn clockwise undone is one anticlockwise), then the mirror.
        let [a, b, c, d] = match self.quarter_turns % 4 {
            0 => [1.0, 0.0, 0.0, 1.0],
            1 => [0.0, 1.0, -1.0, 0.0],
            2 => [-1.0, 0.0, 0.0, -1.0],
            _ => [0.0, -1.0, 1.0, 0.0],
        };
        match self.flipped {
            false => [a, b, c, d],
            true => [-a, -b, c, d],
        }
    }

    /// "turned 90° clockwise", "mirrored", or nothing for an upright video.
    pub fn describe(&self) -> Option<String> {
        let turn = (self.quarter_turns > 0)
            .then(|| format!("turned {}° clockwise", u32::from(self.quarter_turns) * 90));
        match (turn, self.flipped) {
            (None, false) => None,
            (None, true) => Some("mirrored".into()),
            (Some(turn), false) => Some(turn),
            (Some(turn), true) => Some(format!("mirrored and {turn}")),
        }
    }
}

/// How long a video slide stays on screen: its own `seconds`, else `loops` play-throughs of the
/// video (one by default). Errors say what a person would change.
pub fn video_slide_seconds(
    own_seconds: Option<f32>,
    loops: Option<u32>,
    facts: &VideoFacts,
) -> Result<f64, String> {
    if let Some(problem) = size_problem(facts) {
        return Err(problem);
    }
    if let Some(seconds) = own_seconds {
        return Ok(f64::from(seconds));
    }
    let Some(length) = facts.seconds.filter(|s| *s > 0.0) else {
        return Err("the video's length is unknown; give the slide `seconds:`".into());
    };
    let total = length * f64::from(loops.unwrap_or(1).max(1));
    if total > MAX_UNBOUNDED_VIDEO_SECONDS {
        return Err(format!(
            "the video plays for {}, longer than an hour; give the slide `seconds:` to show part of it",
            clock_text(total)
        ));
    }
    // A clip shorter than a second loops until one has passed: a slide never flickers by.
    Ok(total.max(1.0))
}

/// How to make a video every board plays in hardware (a Pi 4 decodes H.264 up to 1080p; a Pi 5
/// decodes HEVC in hardware and H.264 in software): the setting to choose, in the tools staff have.
pub const EXPORT_ADVICE: &str = "export it again as H.264 MP4 (High profile, yuv420p, at most \
     1920×1080): HandBrake's \"Fast 1080p30\" preset, or ffmpeg -i IN -vf \"scale='min(1920,iw)':-2\" \
     -c:v libx264 -profile:v high -pix_fmt yuv420p OUT.mp4";

/// The boards whose decoders the advice knows, from the kernel's `/proc/device-tree/model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    /// Pi 4, Pi 400, Compute Module 4: H.264 in hardware up to 1080p.
    Pi4,
    /// Pi 5, Compute Module 5: HEVC in hardware, no H.264 decoder block.
    Pi5,
    /// Anything else (a NUC, a PC): GStreamer's ranks decide, and nothing is advised.
    Other,
}

impl Board {
    /// The board a device-tree model names, e.g. "Raspberry Pi 5 Model B Rev 1.0".
    pub fn from_model(model: &str) -> Board {
        let model = model.trim_end_matches('\0');
        if !model.starts_with("Raspberry Pi") {
            return Board::Other;
        }
        let generation = model
            .trim_start_matches("Raspberry Pi")
            .trim_start_matches(" Compute Module")
            .trim_start();
        match generation.chars().next() {
            Some('4') => Board::Pi4,
            Some('5') => Board::Pi5,
            _ => Board::Other,
        }
    }
}

/// What to tell staff about a video that this board decodes in software (`codec` as GStreamer
/// names it, e.g. "H.264 (High Profile)"), where another export would be decoded in hardware.
pub fn board_advice(
    board: Board,
    codec: &str,
    hardware: bool,
    (width, height): (u32, u32),
) -> Option<String> {
    let h264 = codec.starts_with("H.264");
    match board {
        _ if hardware => None,
        // 720p H.264 in software is light even on a Pi 5.
        Board::Pi5 if h264 && u64::from(width) * u64::from(height) > 1280 * 720 => Some(
            "a Raspberry Pi 5 has no H.264 decoder: this plays in software (about one core \
             at 1080p30); exported as HEVC (H.265, 8-bit) it would be decoded in hardware"
                .into(),
        ),
        Board::Pi4 if !h264 => Some(format!(
            "a Raspberry Pi 4 decodes H.264 in hardware, and this {codec} video in software, \
             which it manages only at small sizes: {EXPORT_ADVICE}"
        )),
        _ => None,
    }
}

/// Why a video is too large to play, if it is.
pub fn size_problem(facts: &VideoFacts) -> Option<String> {
    (u64::from(facts.width) * u64::from(facts.height) > MAX_VIDEO_PIXELS).then(|| {
        format!(
            "the video is {}×{}, larger than 1920×1080, which this player decodes at most; \
             {EXPORT_ADVICE}",
            facts.width, facts.height
        )
    })
}

/// `1:02:03` or `2:03`.
pub fn clock_text(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Where a video's frames go: `screen` is the rectangle on screen and `source` the part of the
/// upright picture shown there, both as left, top, right, bottom fractions (of the screen, of the
/// picture); `orientation` turns the picture's points into the stored frame's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub screen: [f32; 4],
    pub source: [f32; 4],
    pub orientation: Orientation,
    /// One pixel of the frame to one pixel of the screen: it can be drawn without filtering.
    pub unscaled: bool,
}

/// Fits a `frame` (width, height as shown: upright, in square pixels, turned by `orientation`
/// from the stored frames) into `area` (left, top, right, bottom in pixels) of a screen of
/// `screen` pixels, like a photo: `Contain` shows all of it with bands beside or above, `Cover`
/// fills the area and cuts what sticks out.
pub fn place_video(
    frame: (f32, f32),
    orientation: Orientation,
    area: [f32; 4],
    screen: (f32, f32),
    fit: Fit,
) -> Placement {
    let (area_width, area_height) = (area[2] - area[0], area[3] - area[1]);
    let frame_aspect = frame.0 / frame.1.max(1.0);
    let area_aspect = area_width / area_height.max(1.0);
    let fraction =
        |[l, t, r, b]: [f32; 4]| [l / screen.0, t / screen.1, r / screen.0, b / screen.1];
    // Whether `shown` pixels show `part` of the frame's pixels one to one.
    let unscaled = |shown: (f32, f32), part: (f32, f32)| {
        (shown.0 - part.0).abs() < 0.5 && (shown.1 - part.1).abs() < 0.5
    };
    match fit {
        Fit::Contain => {
            let (width, height) = if frame_aspect > area_aspect {
                (area_width, area_width / frame_aspect)
            } else {
                (area_height * frame_aspect, area_height)
            };
            // Whole pixels: a picture edge between two pixels would blur into a grey line.
            let left = (area[0] + (area_width - width) / 2.0).round();
            let top = (area[1] + (area_height - height) / 2.0).round();
            Placement {
                screen: fraction([left, top, left + width.round(), top + height.round()]),
                source: [0.0, 0.0, 1.0, 1.0],
                orientation,
                unscaled: unscaled((width.round(), height.round()), frame),
            }
        }
        Fit::Cover => {
            let source = if frame_aspect > area_aspect {
                let shown = area_aspect / frame_aspect;
                [(1.0 - shown) / 2.0, 0.0, (1.0 + shown) / 2.0, 1.0]
            } else {
                let shown = frame_aspect / area_aspect;
                [0.0, (1.0 - shown) / 2.0, 1.0, (1.0 + shown) / 2.0]
            };
            Placement {
                screen: fraction(area),
                source,
                orientation,
                unscaled: unscaled(
                    (area_width, area_height),
                    (
                        frame.0 * (source[2] - source[0]),
                        frame.1 * (source[3] - source[1]),
                    ),
                ),
            }
        }
    }
}

/// The YUV matrix a video was encoded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YuvMatrix {
    /// Standard definition, and what a file that says nothing means.
    Bt601,
    /// HD.
    Bt709,
    /// UHD.
    Bt2020,
}

/// Whether 8-bit samples use 16–235 (video, nearly every file) or 0–255 (JPEG-style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YuvRange {
    Limited,
    Full,
}

/// The rows of the 3×4 matrix taking (Y, U, V, 1), each sample in 0–1 as a texture reads it, to
/// non-linear R'G'B' in 0–1. The shader then converts to linear light, as the screen's sRGB
/// target expects; without that, video would look washed out.
pub fn yuv_to_rgb(matrix: YuvMatrix, range: YuvRange) -> [[f32; 4]; 3] {
    let (kr, kb) = match matrix {
        YuvMatrix::Bt601 => (0.299, 0.114),
        YuvMatrix::Bt709 => (0.2126, 0.0722),
        YuvMatrix::Bt2020 => (0.2627, 0.0593),
    };
    let kg = 1.0 - kr - kb;
    // Y' = (Y - y0) * y_scale; Cb, Cr = (C - 128/255) * c_scale.
    let (y0, y_scale, c_scale) = match range {
        YuvRange::Limited => (16.0 / 255.0, 255.0 / 219.0, 255.0 / 224.0),
        YuvRange::Full => (0.0, 1.0, 1.0),
    };
    let c0 = 128.0 / 255.0;
    // R = Y' + r_cr Cr; G = Y' - g_cb Cb - g_cr Cr; B = Y' + b_cb Cb.
    let r_cr = 2.0 * (1.0 - kr);
    let b_cb = 2.0 * (1.0 - kb);
    let g_cb = 2.0 * kb * (1.0 - kb) / kg;
    let g_cr = 2.0 * kr * (1.0 - kr) / kg;
    let row = |cb: f64, cr: f64| {
        let (u, v) = (cb * c_scale, cr * c_scale);
        [y_scale, u, v, -y0 * y_scale - c0 * u - c0 * v].map(|x| x as f32)
    };
    [row(0.0, r_cr), row(-g_cb, -g_cr), row(b_cb, 0.0)]
}

/// A video playing with no new frame for this long has stalled (a network share gone, a hardware
/// decoder hung): longer than any frame interval or start-up, short enough that staff never see it.
pub const STALL_SECONDS: f64 = 4.0;

/// What a stalled video gets, by how many times it has stalled on this slide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Tear the decoder down and build it again from the start of the file.
    Rebuild,
    /// The hardware decoder is suspect: software decoders only from now on, then rebuild.
    FallBackToSoftware,
    /// Skip the slide; the show goes on.
    GiveUp,
}

pub fn recovery_after(stalls: u32, hardware_decoder: bool) -> Recovery {
    match stalls {
        0 | 1 => Recovery::Rebuild,
        2 if hardware_decoder => Recovery::FallBackToSoftware,
        _ => Recovery::GiveUp,
    }
}

/// The Debian package that brings GStreamer's missing element for `caps` (a media type from its
/// missing-plugin message, e.g. `video/x-h265`).
pub fn package_for_missing(caps: &str) -> Option<&'static str> {
    let media = caps.split([',', ' ']).next().unwrap_or(caps);
    Some(match media {
        "video/x-h264" | "video/x-h265" | "video/x-av1" | "video/mpeg" | "video/x-divx"
        | "video/x-msmpeg" | "video/x-wmv" | "video/x-prores" => "gstreamer1.0-libav",
        "video/x-vp8" | "video/x-vp9" | "video/quicktime" | "video/x-matroska" | "video/webm"
        | "video/x-msvideo" | "image/jpeg" => "gstreamer1.0-plugins-good",
        "video/mpegts" | "video/mpeg-sys" => "gstreamer1.0-plugins-bad",
        // flvdemux is in -good; FLV's own codecs (Sorenson, VP6) in libav.
        "video/x-flv" => "gstreamer1.0-plugins-good",
        "video/x-ms-asf" => "gstreamer1.0-plugins-ugly",
        "video/x-theora" | "application/ogg" => "gstreamer1.0-plugins-base",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(width: u32, height: u32, seconds: Option<f64>) -> VideoFacts {
        VideoFacts {
            width,
            height,
            seconds,
            orientation: Orientation::default(),
        }
    }

    #[test]
    fn a_video_slide_lasts_its_seconds_or_its_loops() {
        let clip = facts(1280, 720, Some(12.5));
        assert_eq!(video_slide_seconds(None, None, &clip), Ok(12.5));
        assert_eq!(video_slide_seconds(None, Some(3), &clip), Ok(37.5));
        assert_eq!(video_slide_seconds(Some(20.0), None, &clip), Ok(20.0));
        // A blip of a clip still stays a second.
        assert_eq!(
            video_slide_seconds(None, None, &facts(320, 240, Some(0.2))),
            Ok(1.0)
        );
    }

    #[test]
    fn long_unknown_and_oversized_videos_are_refused_with_what_to_change() {
        let ten_hours = facts(1920, 1080, Some(36000.0));
        let refused = video_slide_seconds(None, None, &ten_hours).unwrap_err();
        assert!(
            refused.contains("10:00:00") && refused.contains("`seconds:`"),
            "{refused}"
        );
        assert_eq!(video_slide_seconds(Some(60.0), None, &ten_hours), Ok(60.0));
        let unknown = video_slide_seconds(None, None, &facts(640, 360, None)).unwrap_err();
        assert!(unknown.contains("`seconds:`"), "{unknown}");
        let uhd = video_slide_seconds(Some(10.0), None, &facts(3840, 2160, Some(5.0))).unwrap_err();
        assert!(uhd.contains("3840×2160"), "{uhd}");
        // Portrait 1080p is as many pixels as landscape.
        assert!(video_slide_seconds(None, None, &facts(1080, 1920, Some(5.0))).is_ok());
    }

    #[test]
    fn contain_letterboxes_in_whole_pixels_and_cover_crops_the_source() {
        let screen = (1920.0, 1080.0);
        let area = [0.0, 0.0, 1920.0, 1080.0];
        // 4:3 on 16:9: pillarboxed, 1440 wide, centred.
        let contain = place_video(
            (640.0, 480.0),
            Orientation::default(),
            area,
            screen,
            Fit::Contain,
        );
        assert_eq!(contain.screen, [240.0 / 1920.0, 0.0, 1680.0 / 1920.0, 1.0]);
        assert_eq!(contain.source, [0.0, 0.0, 1.0, 1.0]);
        let cover = place_video(
            (640.0, 480.0),
            Orientation::default(),
            area,
            screen,
            Fit::Cover,
        );
        assert_eq!(cover.screen, [0.0, 0.0, 1.0, 1.0]);
        let [l, t, r, b] = cover.source;
        assert_eq!((l, r), (0.0, 1.0));
        assert!(
            (t - 0.125).abs() < 1e-6 && (b - 0.875).abs() < 1e-6,
            "{t} {b}"
        );
        // Above a caption band: the area's top part only.
        let above = place_video(
            (1920.0, 1080.0),
            Orientation::default(),
            [0.0, 0.0, 1920.0, 900.0],
            screen,
            Fit::Contain,
        );
        assert_eq!(above.screen[3], 900.0 / 1080.0);
    }

    #[test]
    fn only_a_frame_shown_pixel_for_pixel_is_unscaled() {
        let screen = (1920.0, 1080.0);
        let full = [0.0, 0.0, 1920.0, 1080.0];
        let place =
            |frame, area, fit| place_video(frame, Orientation::default(), area, screen, fit);
        assert!(place((1920.0, 1080.0), full, Fit::Contain).unscaled);
        assert!(place((1920.0, 1080.0), full, Fit::Cover).unscaled);
        // Cut to a shorter area by Cover, still one to one; shrunk into it by Contain, not.
        let above_band = [0.0, 0.0, 1920.0, 900.0];
        assert!(place((1920.0, 1080.0), above_band, Fit::Cover).unscaled);
        assert!(!place((1920.0, 1080.0), above_band, Fit::Contain).unscaled);
        // A 720p clip is enlarged: filtered.
        assert!(!place((1280.0, 720.0), full, Fit::Contain).unscaled);
        assert!(!place((1280.0, 720.0), full, Fit::Cover).unscaled);
    }

    #[test]
    fn boards_are_told_apart_by_their_device_tree_model() {
        assert_eq!(
            Board::from_model("Raspberry Pi 5 Model B Rev 1.0\0"),
            Board::Pi5
        );
        assert_eq!(
            Board::from_model("Raspberry Pi Compute Module 5 Rev 1.0"),
            Board::Pi5
        );
        assert_eq!(
            Board::from_model("Raspberry Pi 4 Model B Rev 1.5"),
            Board::Pi4
        );
        assert_eq!(Board::from_model("Raspberry Pi 400 Rev 1.1"), Board::Pi4);
        assert_eq!(
            Board::from_model("Raspberry Pi 3 Model B Plus Rev 1.3"),
            Board::Other
        );
        assert_eq!(Board::from_model(""), Board::Other);
    }

    #[test]
    fn a_pi_5_is_advised_hevc_for_1080p_and_a_pi_4_h264() {
        let full_hd = (1920, 1080);
        let advice = board_advice(Board::Pi5, "H.264 (High Profile)", false, full_hd).unwrap();
        assert!(advice.contains("HEVC"), "{advice}");
        // Small H.264, hardware HEVC, and any other board: nothing to say.
        assert_eq!(
            board_advice(Board::Pi5, "H.264 (High Profile)", false, (1280, 720)),
            None
        );
        assert_eq!(
            board_advice(Board::Pi5, "H.265 (Main Profile)", true, full_hd),
            None
        );
        assert_eq!(board_advice(Board::Other, "VP9", false, full_hd), None);
        let advice = board_advice(Board::Pi4, "VP9", false, full_hd).unwrap();
        assert!(advice.contains("H.264 MP4"), "{advice}");
        assert_eq!(
            board_advice(Board::Pi4, "H.264 (High Profile)", true, full_hd),
            None
        );
    }

    #[test]
    fn gstreamer_converts_on_a_software_renderer_and_the_gpu_elsewhere() {
        assert_eq!(VideoConvert::Auto.chosen(true), VideoConvert::GStreamer);
        assert_eq!(VideoConvert::Auto.chosen(false), VideoConvert::Gpu);
        assert_eq!(VideoConvert::Gpu.chosen(true), VideoConvert::Gpu);
        assert_eq!(
            VideoConvert::GStreamer.chosen(false),
            VideoConvert::GStreamer
        );
    }

    fn convert(matrix: [[f32; 4]; 3], yuv: [u8; 3]) -> [u8; 3] {
        let sample = [yuv[0], yuv[1], yuv[2]].map(|v| f32::from(v) / 255.0);
        matrix.map(|row| {
            let value = row[0] * sample[0] + row[1] * sample[1] + row[2] * sample[2] + row[3];
            (value.clamp(0.0, 1.0) * 255.0).round() as u8
        })
    }

    #[test]
    fn yuv_becomes_the_rgb_the_encoder_was_given() {
        let bt601 = yuv_to_rgb(YuvMatrix::Bt601, YuvRange::Limited);
        // videotestsrc's solid #3080C0 encodes to YCbCr (112, 168, 88) in BT.601 limited range.
        let rgb = convert(bt601, [112, 168, 88]);
        for (got, want) in rgb.iter().zip([48u8, 128, 192]) {
            assert!(got.abs_diff(want) <= 1, "{rgb:?}");
        }
        // Black and white are 16 and 235 in limited range, 0 and 255 in full range.
        assert_eq!(convert(bt601, [16, 128, 128]), [0, 0, 0]);
        assert_eq!(convert(bt601, [235, 128, 128]), [255, 255, 255]);
        let full = yuv_to_rgb(YuvMatrix::Bt709, YuvRange::Full);
        assert_eq!(convert(full, [255, 128, 128]), [255, 255, 255]);
        // BT.709 red: Y 63, Cb 102, Cr 240.
        let red = convert(
            yuv_to_rgb(YuvMatrix::Bt709, YuvRange::Limited),
            [63, 102, 240],
        );
        assert!(red[0] > 250 && red[1] < 4 && red[2] < 4, "{red:?}");
    }

    #[test]
    fn a_stalled_decoder_is_rebuilt_then_replaced_by_software_then_skipped() {
        assert_eq!(recovery_after(1, true), Recovery::Rebuild);
        assert_eq!(recovery_after(2, true), Recovery::FallBackToSoftware);
        assert_eq!(recovery_after(3, true), Recovery::GiveUp);
        assert_eq!(recovery_after(2, false), Recovery::GiveUp);
    }

    #[test]
    fn missing_decoders_name_their_debian_package() {
        assert_eq!(
            package_for_missing("video/x-h265, stream-format=(string)hvc1"),
            Some("gstreamer1.0-libav")
        );
        assert_eq!(
            package_for_missing("video/x-vp9"),
            Some("gstreamer1.0-plugins-good")
        );
        assert_eq!(package_for_missing("audio/x-unknown"), None);
        assert_eq!(clock_text(36000.0), "10:00:00");
        assert_eq!(clock_text(75.0), "1:15");
    }

    #[test]
    fn a_phones_turn_maps_each_upright_corner_to_the_stored_frames() {
        // The point of the frame shown at an upright corner, for a frame stored turned.
        let corner = |orientation: Orientation, (x, y): (f32, f32)| {
            let [a, b, c, d] = orientation.to_frame();
            let (u, v) = (x - 0.5, y - 0.5);
            (a * u + b * v + 0.5, c * u + d * v + 0.5)
        };
        let turned = |tag: &str| Orientation::from_tag(tag);
        // Held upright: the sensor's top left is the picture's top right.
        assert_eq!(corner(turned("rotate-90"), (1.0, 0.0)), (0.0, 0.0));
        assert_eq!(corner(turned("rotate-90"), (0.0, 0.0)), (0.0, 1.0));
        assert_eq!(corner(turned("rotate-180"), (0.0, 0.0)), (1.0, 1.0));
        assert_eq!(corner(turned("rotate-270"), (0.0, 0.0)), (1.0, 0.0));
        assert_eq!(corner(turned("rotate-0"), (0.0, 0.0)), (0.0, 0.0));
        // Mirrored, then turned: the frame's top left is the mirror's top right.
        assert_eq!(corner(turned("flip-rotate-0"), (0.0, 0.0)), (1.0, 0.0));
        assert_eq!(corner(turned("flip-rotate-90"), (1.0, 0.0)), (1.0, 0.0));
        assert_eq!(turned("rotate-90").shown((1920, 1080)), (1080, 1920));
        assert_eq!(turned("rotate-180").shown((1920, 1080)), (1920, 1080));
        assert_eq!(turned("sideways").describe(), None);
        assert_eq!(
            turned("rotate-270").describe().as_deref(),
            Some("turned 270° clockwise")
        );
    }
}
