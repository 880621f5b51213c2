//! A prerolled video played, looped and watched, by a thread of its own: every GStreamer call
//! that can block (state changes, seeks, a stalled pipeline's teardown) happens there, never
//! on the player's main thread.

use super::{Frame, Wake, explain, use_software_decoders_only};
use crate::core::subtitles::Cue;
use crate::core::video::{Recovery, STALL_SECONDS, recovery_after};
use crate::status::Counters;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

enum Command {
    Play,
    /// Pause on the first frame again, ready to play from the start.
    Rewind,
}

/// What the appsink's thread and the control thread share with the player.
struct Shared {
    /// The newest frame and its number; numbers only grow.
    latest: Mutex<Option<(u64, Frame)>>,
    frames: AtomicU64,
    last_frame_at: Mutex<Instant>,
    hardware: AtomicBool,
    /// Why the video cannot go on, once it cannot.
    failed: Mutex<Option<String>>,
}

/// A video pipeline owned by its control thread. Dropping it ends the thread, which takes the
/// pipeline down however long that takes.
pub struct Playback {
    id: u64,
    shared: Arc<Shared>,
    /// Once the control thread runs: its commands.
    commands: Option<mpsc::Sender<Command>>,
    /// Until the control thread starts (at the first command): what it will own.
    start: Option<(gst::Pipeline, Wake, Arc<Counters>)>,
    /// With sound: the pipeline, whose volume is set from any thread, and the slide's volume.
    sound: Option<(gst::Pipeline, f64)>,
    /// The cues of the video's own subtitle stream so far, when they are read.
    pub(super) embedded_subtitles: Option<Arc<Mutex<Vec<Cue>>>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Playback {
    pub(super) fn new(
        pipeline: gst::Pipeline,
        sink: &gst_app::AppSink,
        wake: Wake,
        counters: Arc<Counters>,
    ) -> Playback {
        let shared = Arc::new(Shared {
            latest: Mutex::new(None),
            frames: AtomicU64::new(0),
            last_frame_at: Mutex::new(Instant::now()),
            hardware: AtomicBool::new(false),
            failed: Mutex::new(None),
        });
        let publish = {
            let (shared, wake, counters) = (shared.clone(), wake.clone(), counters.clone());
            move |sample: gst::Sample| {
                if let Some(frame) = Frame::from_sample(sample) {
                    let number = shared.frames.fetch_add(1, Ordering::SeqCst) + 1;
                    if let Ok(mut latest) = shared.latest.lock() {
                        *latest = Some((number, frame));
                    }
                    if let Ok(mut at) = shared.last_frame_at.lock() {
                        *at = Instant::now();
                    }
                    Counters::add(&counters.video_frames, 1);
                    wake();
                }
            }
        };
        let on_preroll = publish.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_preroll(move |sink| {
                    let sample = sink.pull_preroll().map_err(|_| gst::FlowError::Flushing)?;
                    on_preroll(sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Flushing)?;
                    publish(sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        keep_rounds_end_to_end(sink);
        Playback {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            shared,
            commands: None,
            start: Some((pipeline, wake, counters)),
            sound: None,
            embedded_subtitles: None,
        }
    }

    /// The cues of the video's own subtitle stream read so far, if they are read.
    pub fn embedded_subtitles(&self) -> Option<Arc<Mutex<Vec<Cue>>>> {
        self.embedded_subtitles.clone()
    }

    /// The video plays sound at `volume` (0 to 1).
    pub(super) fn set_sound(&mut self, pipeline: gst::Pipeline, volume: f64) {
        self.sound = Some((pipeline, volume));
    }

    /// Whether the video plays sound.
    pub fn has_sound(&self) -> bool {
        self.sound.is_some()
    }

    /// Plays the sound at `share` of its volume: less while its slide fades out.
    pub fn set_loudness(&self, share: f64) {
        if let Some((pipeline, volume)) = &self.sound {
            pipeline.set_property("volume", volume * share.clamp(0.0, 1.0));
        }
    }

    /// Waits for the first frame of a prerolled pipeline, then hands the pipeline to its control
    /// thread.
    pub(super) fn wait_for_first_frame(&self, deadline: Instant) -> Option<Frame> {
        let frame = loop {
            if let Some((_, frame)) = self.latest() {
                break frame;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Some(frame)
    }

    pub(super) fn set_hardware(&self, hardware: bool) {
        self.shared.hardware.store(hardware, Ordering::Relaxed);
    }

    /// A number no other playback in this process has.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The newest frame and its number.
    pub fn latest(&self) -> Option<(u64, Frame)> {
        self.shared.latest.lock().ok()?.clone()
    }

    /// Why the video stopped for good, if it did: the slide should be skipped.
    pub fn failure(&self) -> Option<String> {
        self.shared.failed.lock().ok()?.clone()
    }

    /// Plays from where it is (the first frame, once prerolled), looping until dropped.
    pub fn play(&mut self) {
        self.send(Command::Play);
    }

    /// Pauses on the first frame again.
    pub fn rewind(&mut self) {
        self.send(Command::Rewind);
    }

    fn send(&mut self, command: Command) {
        if let Some((pipeline, wake, counters)) = self.start.take() {
            let (sender, receiver) = mpsc::channel();
            self.commands = Some(sender);
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("video".into())
                .spawn(move || control(pipeline, receiver, shared, wake, counters));
            if let Err(error) = spawned {
                tracing::warn!("video: cannot start its thread: {error}");
            }
        }
        if let Some(commands) = &self.commands {
            let _ = commands.send(command);
        }
    }

    /// Takes a video that never played down on this thread, waiting for it.
    pub(super) fn close(mut self) {
        if let Some((pipeline, _, _)) = self.start.take() {
            let _ = pipeline.set_state(gst::State::Null);
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        // Never started: take the pipeline down on a thread of its own, since that can block.
        if let Some((pipeline, _, _)) = self.start.take() {
            let _ = std::thread::Builder::new()
                .name("video-end".into())
                .spawn(move || {
                    let _ = pipeline.set_state(gst::State::Null);
                });
        }
        // Otherwise the control thread sees its channel close and does the same.
    }
}

/// The control thread: carries out commands, loops at each segment's end, and rebuilds or gives
/// up on a pipeline that stops delivering frames while playing.
fn control(
    pipeline: gst::Pipeline,
    commands: mpsc::Receiver<Command>,
    shared: Arc<Shared>,
    wake: Wake,
    counters: Arc<Counters>,
) {
    let Some(bus) = pipeline.bus() else { return };
    let mut playing = false;
    let mut stalls = 0;
    let fail = |reason: String| {
        tracing::warn!("video: {reason}");
        if let Ok(mut failed) = shared.failed.lock() {
            failed.get_or_insert(reason);
        }
        Counters::add(&counters.video_errors, 1);
        wake();
    };
    loop {
        match commands.recv_timeout(Duration::from_millis(100)) {
            Ok(Command::Play) => {
                if let Ok(mut at) = shared.last_frame_at.lock() {
                    *at = Instant::now();
                }
                playing = pipeline.set_state(gst::State::Playing).is_ok();
            }
            Ok(Command::Rewind) => {
                playing = false;
                let _ = pipeline.set_state(gst::State::Paused);
                let _ = seek_to_start(&pipeline, true);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        while let Some(message) = bus.pop() {
            match message.view() {
                // The end of the segment: round again, from the same decoder.
                gst::MessageView::SegmentDone(_) => {
                    if seek_to_start(&pipeline, false).is_err() {
                        fail("the video cannot loop: seeking to its start failed".into());
                    }
                }
                gst::MessageView::Eos(_) => {
                    let _ = seek_to_start(&pipeline, true);
                }
                gst::MessageView::Error(error) => {
                    playing = false;
                    fail(explain(error, &[]));
                }
                _ => {}
            }
        }
        let silent = shared
            .last_frame_at
            .lock()
            .map(|at| at.elapsed())
            .unwrap_or_default();
        if playing && silent.as_secs_f64() > STALL_SECONDS {
            stalls += 1;
            Counters::add(&counters.video_stalls, 1);
            let hardware = shared.hardware.load(Ordering::Relaxed);
            let recovery = recovery_after(stalls, hardware);
            tracing::warn!(
                "video: no frame for {:.1} s while playing (stall {stalls}): {recovery:?}",
                silent.as_secs_f64()
            );
            match recovery {
                Recovery::Rebuild | Recovery::FallBackToSoftware => {
                    if recovery == Recovery::FallBackToSoftware {
                        Counters::add(&counters.video_software_fallbacks, 1);
                        use_software_decoders_only();
                        shared.hardware.store(false, Ordering::Relaxed);
                    }
                    Counters::add(&counters.video_rebuilds, 1);
                    if let Ok(mut at) = shared.last_frame_at.lock() {
                        *at = Instant::now();
                    }
                    if let Err(reason) = rebuild(&pipeline, &bus) {
                        playing = false;
                        fail(reason);
                    }
                }
                Recovery::GiveUp => {
                    playing = false;
                    fail(format!(
                        "the video stopped delivering frames {stalls} times; it is skipped"
                    ));
                }
            }
        }
    }
    // Taking a stalled pipeline down can block for seconds; no one waits for this thread.
    let _ = pipeline.set_state(gst::State::Null);
}

/// A loop's non-flushing seek starts the next round at the running time of the demuxer's last
/// timestamp, not at the end of the round: the last frame would be replaced by the next round's
/// first at once, never seen. The sink's pad moves each round's start to where the round before
/// it ended; a flush (a rewind, a rebuild) starts the count again.
fn keep_rounds_end_to_end(sink: &gst_app::AppSink) {
    let Some(pad) = sink.static_pad("sink") else {
        return;
    };
    let previous: Mutex<Option<gst::FormattedSegment<gst::ClockTime>>> = Mutex::new(None);
    pad.add_probe(
        gst::PadProbeType::EVENT_DOWNSTREAM | gst::PadProbeType::EVENT_FLUSH,
        move |_, info| {
            let Some(gst::PadProbeData::Event(event)) = &mut info.data else {
                return gst::PadProbeReturn::Ok;
            };
            let Ok(mut previous) = previous.lock() else {
                return gst::PadProbeReturn::Ok;
            };
            match event.view() {
                gst::EventView::FlushStop(_) => *previous = None,
                gst::EventView::Segment(arrived) => {
                    let Some(segment) = arrived.segment().downcast_ref::<gst::ClockTime>() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    let mut segment = segment.clone();
                    if let Some(before) = previous.as_ref()
                        && let (Some(base), Some(start), Some(stop)) =
                            (before.base(), before.start(), before.stop())
                        && before.rate() == 1.0
                        && segment.base().is_some_and(|b| b < base + (stop - start))
                    {
                        segment.set_base(base + (stop - start));
                        let seqnum = event.seqnum();
                        *event = gst::event::Segment::builder(&segment)
                            .seqnum(seqnum)
                            .build();
                    }
                    *previous = Some(segment);
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// Seeks to the start: a segment seek, so the end loops without tearing anything down. MPEG-TS's
/// demuxer refuses segment seeks (and a refused flushing seek leaves the pipeline unable to take
/// another), so a transport stream gets plain seeks and loops from its end of stream instead.
pub(super) fn seek_to_start(
    pipeline: &gst::Pipeline,
    flush: bool,
) -> Result<(), gst::glib::BoolError> {
    let mut flags = match loops_by_segment(pipeline) {
        true => gst::SeekFlags::SEGMENT,
        false if flush => gst::SeekFlags::empty(),
        // The end of stream rewinds it, flushing.
        false => return Ok(()),
    };
    if flush {
        flags |= gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE;
    }
    pipeline.seek(
        1.0,
        flags,
        gst::SeekType::Set,
        gst::ClockTime::ZERO,
        gst::SeekType::None,
        gst::ClockTime::NONE,
    )
}

/// Whether the pipeline's demuxer takes segment seeks: every one but MPEG-TS's.
fn loops_by_segment(pipeline: &gst::Pipeline) -> bool {
    !pipeline
        .iterate_recurse()
        .into_iter()
        .flatten()
        .any(|element| {
            element
                .factory()
                .is_some_and(|factory| factory.name() == "tsdemux")
        })
}

/// Takes the pipeline down (its decoder with it) and builds it up again, playing from the start.
fn rebuild(pipeline: &gst::Pipeline, bus: &gst::Bus) -> Result<(), String> {
    let _ = pipeline.set_state(gst::State::Null);
    pipeline
        .set_state(gst::State::Paused)
        .map_err(|_| "the video could not be opened again after it stalled".to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut description = super::Description::default();
    let mut segment_done = Vec::new();
    super::wait_for_preroll(bus, deadline, &mut description, &mut segment_done)?;
    seek_to_start(pipeline, true).map_err(|e| e.to_string())?;
    segment_done.clear();
    super::wait_for_preroll(bus, deadline, &mut description, &mut segment_done)?;
    // As in `open`: a short clip's end reached while prerolling is looped by this thread.
    for message in segment_done {
        let _ = bus.post(message);
    }
    pipeline
        .set_state(gst::State::Playing)
        .map(|_| ())
        .map_err(|_| "the video could not play again after it stalled".to_string())
}
