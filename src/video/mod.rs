//! Video decoding with GStreamer: a `playbin` per video slide (muted unless the slide asks for
//! its sound), its frames handed over as YUV planes at their presentation time, for the
//! compositor to convert and scale on the GPU.
//!
//! A video is opened ahead of its slide: [`open`] prerolls it (paused, first frame decoded),
//! so the switch to it never waits (the player opens each new version of a file in a drawing
//! process first, held to the drawing limits: `compose::media_process::open_video`).
//! [`Playback`] then plays it, looping by segment seeks (no teardown, no gap), and watches for a
//! decoder that stops delivering frames.

mod frame;
mod playback;

pub use frame::{Frame, Layout, Plane};
pub use playback::Playback;

use crate::core::subtitles::{Cue, add_cue, without_styling};
use crate::core::video::{
    AudioOutput, DecoderChoice, EXPORT_ADVICE, Orientation, Sound, VideoConvert, VideoFacts,
    package_for_missing,
};
use crate::status::Counters;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Wakes the player's event loop: a new frame is there to draw.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Video files larger than this are refused unopened (a 1080p clip is about 1 MB per second of
/// footage; this is over half an hour).
pub const MAX_VIDEO_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The longest a video may take to open and decode its first frame.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// What `check` and `/status` say about a video besides its size and length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Description {
    pub container: Option<String>,
    pub codec: Option<String>,
    /// The decoder element GStreamer chose, e.g. `avdec_h264` or `v4l2h264dec`.
    pub decoder: Option<String>,
    pub hardware: bool,
    /// How the frames are turned upright (a phone held upright stores them on their side).
    pub orientation: Orientation,
}

/// A video opened and paused on its first frame.
pub struct Opened {
    pub playback: Playback,
    pub facts: VideoFacts,
    pub description: Description,
}

/// The board this runs on, from the kernel's device tree (`Other` where there is none: a PC).
pub fn this_board() -> crate::core::video::Board {
    let model = std::fs::read_to_string("/proc/device-tree/model").unwrap_or_default();
    crate::core::video::Board::from_model(&model)
}

/// What to tell staff about an opened video on this board, if anything.
pub fn advice(facts: &VideoFacts, description: &Description) -> Option<String> {
    crate::core::video::board_advice(
        this_board(),
        description.codec.as_deref()?,
        description.hardware,
        (facts.width, facts.height),
    )
}

/// "1280×720, 0:12, H.264 in ISO MP4/M4A, decoded by avdec_h264 (software)".
pub fn summary(facts: &VideoFacts, description: &Description) -> String {
    let length = facts
        .seconds
        .map_or("length unknown".to_string(), crate::core::video::clock_text);
    let codec = description.codec.as_deref().unwrap_or("unknown codec");
    let container = description
        .container
        .as_deref()
        .unwrap_or("an unknown container");
    let decoder = match &description.decoder {
        Some(name) if description.hardware => format!("{name} (hardware)"),
        Some(name) => format!("{name} (software)"),
        None => "an unknown decoder".into(),
    };
    let turned = facts
        .orientation
        .describe()
        .map(|how| format!(" ({how} to stand upright)"))
        .unwrap_or_default();
    format!(
        "{}×{}{turned}, {length}, {codec} in {container}, decoded by {decoder}",
        facts.width, facts.height
    )
}

/// Starts GStreamer once per process. With `Software`, hardware decoders are never chosen.
fn init(choice: DecoderChoice) -> Result<(), String> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            gst::init()
                .map_err(|e| format!("GStreamer cannot start ({e}); video slides are skipped"))
        })
        .clone()?;
    if choice == DecoderChoice::Software {
        use_software_decoders_only();
    }
    Ok(())
}

/// Set once hardware decoders are out of GStreamer's choice for this process.
static SOFTWARE_ONLY: OnceLock<()> = OnceLock::new();

/// Whether videos are decoded in software only: chosen so, or since a hardware decoder stalled.
pub fn software_only(choice: DecoderChoice) -> bool {
    choice == DecoderChoice::Software || SOFTWARE_ONLY.get().is_some()
}

/// Takes every hardware decoder out of GStreamer's choice, for the rest of the process: chosen in
/// the config, or after a hardware decoder stalled on a video twice.
pub fn use_software_decoders_only() {
    SOFTWARE_ONLY.get_or_init(|| {
        let decoders = gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DECODER,
            gst::Rank::NONE,
        );
        for factory in decoders {
            let klass = factory.metadata(gst::ELEMENT_METADATA_KLASS).unwrap_or("");
            if klass.contains("Hardware") {
                tracing::info!("video: not using the hardware decoder {}", factory.name());
                factory.set_rank(gst::Rank::NONE);
            }
        }
    });
}

/// Opens `path` and prerolls it: the pipeline built, the file's container and codec found, a
/// decoder chosen and the first frame decoded, paused at the start of a looping segment.
pub fn open(
    path: &Path,
    choice: DecoderChoice,
    wake: Wake,
    counters: Arc<Counters>,
) -> Result<Opened, String> {
    open_with(path, choice, wake, counters, &Extras::default())
}

/// What a slide wants of its video besides the picture, and how its frames are handed over.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// Its sound, muted without it.
    pub sound: Option<Sound>,
    /// The subtitles of its own subtitle stream (when it has no subtitle file beside it).
    pub subtitles: bool,
    /// `GStreamer`: frames come as RGBA ([`Layout::Rgba`]); otherwise as the decoder's YUV.
    pub convert: VideoConvert,
}

/// [`open`], with the sound or subtitles `extras` asks for.
pub fn open_with(
    path: &Path,
    choice: DecoderChoice,
    wake: Wake,
    counters: Arc<Counters>,
    extras: &Extras,
) -> Result<Opened, String> {
    init(choice)?;
    let result = open_pipeline(path, wake, counters.clone(), extras);
    if result.is_err() {
        Counters::add(&counters.video_errors, 1);
    }
    result
}

/// In a drawing process: opens `path` as [`open`] would, checks its size, and takes it down.
pub fn open_and_close(path: &Path, software_only: bool) -> Result<(), String> {
    let choice = match software_only {
        true => DecoderChoice::Software,
        false => DecoderChoice::Auto,
    };
    init(choice)?;
    let opened = open_pipeline(
        path,
        Arc::new(|| {}),
        Default::default(),
        &Extras::default(),
    )?;
    opened.playback.close();
    match crate::core::video::size_problem(&opened.facts) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

fn open_pipeline(
    path: &Path,
    wake: Wake,
    counters: Arc<Counters>,
    extras: &Extras,
) -> Result<Opened, String> {
    if !path.is_file() {
        return Err(format!(
            "{} does not exist or is not a file",
            path.display()
        ));
    }
    let absolute = std::path::absolute(path).map_err(|e| e.to_string())?;
    let uri = gst::glib::filename_to_uri(&absolute, None).map_err(|e| e.to_string())?;
    let playbin = gst::ElementFactory::make("playbin")
        .property("uri", uri.as_str())
        .build()
        .map_err(|_| {
            "GStreamer's playbin is missing; install gstreamer1.0-plugins-base".to_string()
        })?;
    // Video only (no audio decoder, no audio device, no subtitles), unless the slide asks for
    // its sound and the output works.
    let speaker = extras
        .sound
        .as_ref()
        .and_then(|sound| match audio_sink(&sound.output) {
            Ok(sink) => Some((sink, sound.volume)),
            Err(reason) => {
                tracing::warn!(
                    "{}: no sound: {reason}; the video plays muted",
                    path.display()
                );
                None
            }
        });
    let volume = speaker.as_ref().map(|(_, volume)| *volume);
    let mut flags = vec!["video"];
    if let Some((sink, volume)) = &speaker {
        flags.push("audio+soft-volume");
        playbin.set_property("audio-sink", sink);
        playbin.set_property("volume", volume);
    }
    // The stream's subtitles are read as they are demuxed, ahead of their frames, into cues.
    let embedded: Option<Arc<Mutex<Vec<Cue>>>> = extras.subtitles.then(Arc::default);
    if let Some(cues) = &embedded {
        flags.push("text");
        playbin.set_property("text-sink", &subtitle_sink(cues.clone()));
    }
    playbin.set_property_from_str("flags", &flags.join("+"));
    // playbin puts a `videoconvert` before the sink when the decoder's format is not asked for.
    let caps = match extras.convert {
        VideoConvert::GStreamer => gst::Caps::builder("video/x-raw").field("format", "RGBA"),
        _ => gst::Caps::builder("video/x-raw").field("format", gst::List::new(["NV12", "I420"])),
    }
    .build();
    let sink = gst_app::AppSink::builder()
        .caps(&caps)
        .sync(true)
        .max_buffers(2)
        .build();
    playbin.set_property("video-sink", &sink);
    let pipeline = playbin
        .downcast::<gst::Pipeline>()
        .map_err(|_| "playbin is not a pipeline".to_string())?;

    let decoder: Arc<Mutex<Option<(String, bool)>>> = Arc::default();
    let chosen = decoder.clone();
    pipeline.connect_deep_element_added(move |_, _, element| {
        if let Some(factory) = element.factory() {
            let klass = factory.metadata(gst::ELEMENT_METADATA_KLASS).unwrap_or("");
            if klass.contains("Decoder") && klass.contains("Video") {
                if let Ok(mut chosen) = chosen.lock() {
                    *chosen = Some((factory.name().to_string(), klass.contains("Hardware")));
                }
            }
        }
    });
    // Not every demuxer names its container in a tag (MPEG-TS's and FLV's do not): the
    // demuxer's own name says it then.
    let demuxer: Arc<Mutex<Option<String>>> = Arc::default();
    let found = demuxer.clone();
    pipeline.connect_deep_element_added(move |_, _, element| {
        if let Some(factory) = element.factory()
            && factory
                .metadata(gst::ELEMENT_METADATA_KLASS)
                .is_some_and(|klass| klass.contains("Demuxer"))
            && let Ok(mut found) = found.lock()
        {
            *found = factory
                .metadata(gst::ELEMENT_METADATA_LONGNAME)
                .map(str::to_owned);
        }
    });
    let mut playback = Playback::new(pipeline.clone(), &sink, wake, counters);
    if let Some(volume) = volume {
        playback.set_sound(pipeline.clone(), volume);
    }
    playback.embedded_subtitles = embedded;
    let bus = pipeline.bus().ok_or("the pipeline has no bus")?;
    let deadline = Instant::now() + OPEN_TIMEOUT;
    let mut description = Description::default();
    let mut for_the_control_thread = Vec::new();
    pipeline
        .set_state(gst::State::Paused)
        .map_err(|_| explain_failure(&bus, "GStreamer cannot open it"))?;
    wait_for_preroll(
        &bus,
        deadline,
        &mut description,
        &mut for_the_control_thread,
    )?;
    // A file of sound alone prerolls too (with nothing to show); say so, not that it cannot loop.
    if pipeline.property::<i32>("n-video") == 0 {
        return Err(match pipeline.property::<i32>("n-audio") {
            0 => "the file has no video stream".into(),
            _ => "the file has no video, only sound; show a picture beside it, or export it \
                  as a video"
                .into(),
        });
    }
    // A segment seek from the start: at its end the pipeline says "segment done" instead of
    // ending, and the next seek loops the video without tearing anything down.
    playback::seek_to_start(&pipeline, true)
        .map_err(|_| "the video cannot be seek'd to its start, so it cannot loop".to_string())?;
    for_the_control_thread.clear();
    wait_for_preroll(
        &bus,
        deadline,
        &mut description,
        &mut for_the_control_thread,
    )?;
    // A clip short enough to sit whole in the pipeline's queues reaches its segment's end while
    // still prerolling: its "segment done" goes back on the bus, or the control thread would
    // never loop it (found by tests/video.rs: one VP8 clip in twelve stopped after one round).
    for message in for_the_control_thread {
        let _ = bus.post(message);
    }
    let first = playback
        .wait_for_first_frame(deadline)
        .ok_or("the file has no video stream, or its first frame does not decode")?;
    let seconds = pipeline
        .query_duration::<gst::ClockTime>()
        .map(|d| d.nseconds() as f64 / 1e9);
    if let Ok(chosen) = decoder.lock()
        && let Some((name, hardware)) = chosen.clone()
    {
        description.decoder = Some(name);
        description.hardware = hardware;
    }
    if description.container.is_none() {
        description.container = demuxer.lock().ok().and_then(|d| d.clone());
    }
    playback.set_hardware(description.hardware);
    let (width, height) = description.orientation.shown(first.display_size());
    Ok(Opened {
        playback,
        facts: VideoFacts {
            width,
            height,
            seconds,
            orientation: description.orientation,
        },
        description,
    })
}

/// An appsink that turns each buffer of a subtitle stream into a cue, as soon as it is demuxed.
fn subtitle_sink(cues: Arc<Mutex<Vec<Cue>>>) -> gst_app::AppSink {
    let sink = gst_app::AppSink::builder()
        .caps(&gst::Caps::builder("text/x-raw").build())
        .sync(false)
        .build();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Flushing)?;
                if let Some(cue) = cue_of(&sample)
                    && let Ok(mut cues) = cues.lock()
                {
                    add_cue(&mut cues, cue);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    sink
}

/// A subtitle stream's buffer as a cue: its text, from its time for its duration.
fn cue_of(sample: &gst::Sample) -> Option<Cue> {
    let buffer = sample.buffer()?;
    let pts = buffer.pts()?;
    let segment = sample.segment()?.downcast_ref::<gst::ClockTime>()?;
    let start = segment.to_stream_time(pts).unwrap_or(pts).nseconds() as f64 / 1e9;
    let seconds = buffer.duration().map_or(3.0, |d| d.nseconds() as f64 / 1e9);
    let map = buffer.map_readable().ok()?;
    let text = String::from_utf8_lossy(&map)
        .lines()
        .map(|line| without_styling(line).trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Some(Cue {
        start,
        end: start + seconds,
        text,
    })
}

/// The element the sound goes to, tried: a device that cannot be opened is refused here, so the
/// video plays muted rather than not at all.
fn audio_sink(output: &AudioOutput) -> Result<gst::Element, String> {
    let sink = match output {
        AudioOutput::Auto => gst::ElementFactory::make("autoaudiosink")
            .build()
            .map_err(|_| {
                "autoaudiosink is missing; install gstreamer1.0-plugins-good".to_string()
            })?,
        AudioOutput::Alsa(device) => gst::ElementFactory::make("alsasink")
            .property("device", device.as_str())
            .build()
            .map_err(|_| "alsasink is missing; install gstreamer1.0-alsa".to_string())?,
        AudioOutput::Pipeline(description) => gst::parse::bin_from_description(description, true)
            .map_err(|e| format!("the audio_output pipeline \"{description}\": {e}"))?
            .upcast(),
    };
    if sink.set_state(gst::State::Ready).is_err() {
        let _ = sink.set_state(gst::State::Null);
        return Err(match output {
            AudioOutput::Alsa(device) => format!("the ALSA device \"{device}\" cannot be opened"),
            _ => "the sound output cannot be opened".into(),
        });
    }
    Ok(sink)
}

/// Waits for the pipeline to finish a state change or a flushing seek, collecting what its tags
/// say and any "segment done" on the way; an error becomes a message saying what is wrong with
/// the file.
fn wait_for_preroll(
    bus: &gst::Bus,
    deadline: Instant,
    description: &mut Description,
    segment_done: &mut Vec<gst::Message>,
) -> Result<(), String> {
    let mut missing: Vec<(String, String)> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "the video did not open within {} s",
                OPEN_TIMEOUT.as_secs()
            ));
        }
        let Some(message) = bus.timed_pop(gst::ClockTime::from_mseconds(left.as_millis() as u64))
        else {
            continue;
        };
        use gst::MessageView;
        match message.view() {
            MessageView::AsyncDone(_) => return Ok(()),
            MessageView::SegmentDone(_) => segment_done.push(message.clone()),
            MessageView::Error(error) => return Err(explain(error, &missing)),
            MessageView::Element(element) => {
                if let Some(found) = missing_plugin(element.structure()) {
                    missing.push(found);
                }
            }
            MessageView::Tag(tag) => {
                let tags = tag.tags();
                if let Some(container) = tags.get::<gst::tags::ContainerFormat>() {
                    description.container = Some(container.get().to_string());
                }
                if let Some(codec) = tags.get::<gst::tags::VideoCodec>() {
                    description.codec = Some(codec.get().to_string());
                }
                if let Some(orientation) = tags.get::<gst::tags::ImageOrientation>() {
                    description.orientation = Orientation::from_tag(orientation.get());
                }
            }
            _ => {}
        }
    }
}

/// The first error on the bus, explained, or `fallback`.
fn explain_failure(bus: &gst::Bus, fallback: &str) -> String {
    let mut missing = Vec::new();
    while let Some(message) = bus.pop() {
        match message.view() {
            gst::MessageView::Error(error) => return explain(error, &missing),
            gst::MessageView::Element(element) => {
                if let Some(found) = missing_plugin(element.structure()) {
                    missing.push(found);
                }
            }
            _ => {}
        }
    }
    fallback.to_string()
}

/// GStreamer's "missing-plugin" message: what is missing and the media type it is for.
fn missing_plugin(structure: Option<&gst::StructureRef>) -> Option<(String, String)> {
    let structure = structure.filter(|s| s.name() == "missing-plugin")?;
    let name = structure.get::<String>("name").unwrap_or_default();
    let detail = structure
        .value("detail")
        .ok()
        .and_then(|v| {
            v.get::<gst::Caps>()
                .ok()
                .map(|caps| caps.to_string())
                .or_else(|| v.get::<String>().ok())
        })
        .unwrap_or_default();
    Some((name, detail))
}

/// What a GStreamer error means for the person who made the file.
pub(crate) fn explain(error: &gst::message::Error, missing: &[(String, String)]) -> String {
    if let Some((what, caps)) = missing.first() {
        let what = if what.is_empty() { caps.as_str() } else { what };
        return match package_for_missing(caps) {
            Some(package) => format!(
                "this machine has no decoder for {what}; install the Debian package {package}"
            ),
            None => {
                format!("this machine has no decoder for {what}; {EXPORT_ADVICE}")
            }
        };
    }
    let cause = error.error();
    if cause.matches(gst::ResourceError::NotFound) || cause.matches(gst::ResourceError::OpenRead) {
        format!("the file cannot be read: {}", cause.message())
    } else if cause.matches(gst::StreamError::TypeNotFound)
        || cause.matches(gst::StreamError::WrongType)
    {
        "this is not a video GStreamer recognises: an unknown container, or a damaged file".into()
    } else if cause.matches(gst::StreamError::CodecNotFound) {
        format!("this machine has no decoder for its video; {EXPORT_ADVICE}")
    } else {
        format!("the video cannot be played: {}", cause.message())
    }
}
