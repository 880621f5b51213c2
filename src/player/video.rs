//! Video slides in the shell: a prerolled video waits beside its slide's picture, plays when the
//! slide starts, pauses on its first frame when it leaves the screen, and its newest frame is
//! handed to the compositor each update, with the subtitle of that frame over it and its sound
//! faded with its slide's transition. A video that fails while playing ends its slide.

use super::compositor::{Motion, ScreenLayers};
use super::screen::Clock;
use super::slideshow::{Prepared, Show, SlideStarted, SlideTimer};
use super::status::PlayerCounters;
use crate::core::library::SlideKey;
use crate::core::playlist::Fit;
use crate::core::subtitles::{Cue, cue_at};
use crate::core::video::{Placement, VideoConvert, VideoSettings};
use crate::presentation::Presentation;
use crate::status::Counters;
use crate::video::{Frame, Playback};
use bevy::prelude::*;
use bevy::render::extract_resource::ExtractResource;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::{PrimaryWindow, RawHandleWrapper};
use raw_window_handle::{RawDisplayHandle, RawWindowHandle};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub struct VideoPlugin {
    pub settings: VideoSettings,
}

impl Plugin for VideoPlugin {
    fn build(&self, app: &mut App) {
        let presentation = ScreenPresentation::default();
        if let Some(render) = app.get_sub_app_mut(bevy::render::RenderApp) {
            render.insert_resource(presentation.clone());
        }
        app.insert_resource(VideoSetup(self.settings.clone()))
            .insert_resource(presentation)
            .add_systems(Startup, choose_conversion)
            .add_systems(Update, ask_the_compositor_what_it_shows)
            .init_resource::<Videos>()
            .init_resource::<VideoLayers>()
            .add_systems(Update, end_failed_videos.before(SlideTimer))
            .add_systems(
                Update,
                (
                    play_started_videos,
                    follow_the_screen,
                    show_subtitles,
                    fade_sound,
                )
                    .chain()
                    .after(super::transition::Transitions),
            );
    }
}

/// Which decoders videos may use, where their sound goes and who converts their frames.
#[derive(Resource, Clone)]
pub struct VideoSetup(pub VideoSettings);

/// The compositor's feedback on the frames it shows, once the window has asked for it; shared
/// with the render world, which asks for it as it draws each video frame.
#[derive(Resource, Clone, Default)]
pub struct ScreenPresentation(pub Arc<OnceLock<Presentation>>);

/// Once the window exists: on Wayland, asks the compositor to report which frames it shows, so
/// that "presented" means on the screen. Elsewhere a frame counts as presented when drawn.
fn ask_the_compositor_what_it_shows(
    window: Query<&RawHandleWrapper, With<PrimaryWindow>>,
    presentation: Res<ScreenPresentation>,
    counters: Res<PlayerCounters>,
    mut asked: Local<bool>,
) {
    let Ok(handles) = window.single() else { return };
    if std::mem::replace(&mut *asked, true) {
        return;
    }
    let (RawDisplayHandle::Wayland(display), RawWindowHandle::Wayland(surface)) =
        (handles.get_display_handle(), handles.get_window_handle())
    else {
        info!("video: frames count as presented when drawn (no Wayland compositor to ask)");
        return;
    };
    // SAFETY: the handles are the primary window's, which lives as long as the process.
    let started = unsafe {
        Presentation::start(
            display.display.as_ptr(),
            surface.surface.as_ptr(),
            counters.0.clone(),
        )
    };
    match started {
        Ok(Some(feedback)) => {
            info!("video: the compositor reports which frames it shows (wp_presentation)");
            let _ = presentation.0.set(feedback);
        }
        Ok(None) => info!(
            "video: frames count as presented when drawn (the compositor offers no wp_presentation)"
        ),
        Err(error) => warn!("video: frames count as presented when drawn: {error}"),
    }
}

/// Settles who converts video frames to RGB, once the renderer is known, and says so.
fn choose_conversion(adapter: Option<Res<RenderAdapterInfo>>, mut setup: ResMut<VideoSetup>) {
    let convert = setup
        .0
        .convert
        .chosen(super::screen::software_renderer(adapter.as_deref()));
    let renderer = adapter.as_ref().map_or("no renderer", |a| a.name.as_str());
    match convert {
        VideoConvert::GStreamer => {
            info!("video: frames are converted to RGB by GStreamer before upload ({renderer})")
        }
        _ => info!("video: YUV frames are uploaded and converted by the GPU ({renderer})"),
    }
    setup.0.convert = convert;
}

/// A video opened for a slide, beside the picture drawn for it (black where the video goes).
pub struct SlideVideo {
    pub playback: Playback,
    pub placement: Placement,
    /// How long the slide lasts: its `seconds`, or its video's length times its loops.
    pub seconds: f64,
    pub key: SlideKey,
    /// The video's size in square pixels, and how it fits, to place it again on a new screen size.
    pub display: (f32, f32),
    pub fit: Fit,
    /// The cues of its subtitle file, in time order; without one, its own stream's are read.
    pub subtitles: Option<Arc<Vec<Cue>>>,
    playing: bool,
    /// Its failure was acted on.
    ended: bool,
}

impl SlideVideo {
    pub fn new(
        playback: Playback,
        placement: Placement,
        seconds: f64,
        key: SlideKey,
        display: (f32, f32),
        fit: Fit,
    ) -> Self {
        SlideVideo {
            playback,
            placement,
            seconds,
            key,
            display,
            fit,
            subtitles: None,
            playing: false,
            ended: false,
        }
    }
}

/// The videos of the pictures prepared or on screen, by picture.
#[derive(Resource, Default)]
pub struct Videos(pub HashMap<AssetId<Image>, SlideVideo>);

/// A video's newest frame where the screen shows it, for the compositor.
#[derive(Clone)]
pub struct VideoDraw {
    /// The playback's id: its textures in the render world are kept by it.
    pub id: u64,
    /// The frame's number: a new number is a new upload.
    pub number: u64,
    /// Let go once uploaded: a decoder has only so many buffers, and one held here is one it
    /// cannot decode into.
    pub frame: Option<Frame>,
    pub placement: Placement,
}

/// The videos of the slide on screen (arriving) and of the one leaving.
#[derive(Resource, Clone, Default)]
pub struct VideoLayers {
    pub slide: Option<VideoDraw>,
    pub leaving: Option<VideoDraw>,
}

impl ExtractResource for VideoLayers {
    type Source = VideoLayers;

    fn extract_resource(layers: &VideoLayers) -> Self {
        layers.clone()
    }
}

fn play_started_videos(mut started: MessageReader<SlideStarted>, mut videos: ResMut<Videos>) {
    for slide in started.read() {
        if let Some(video) = videos.0.get_mut(&slide.picture.id())
            && !video.playing
        {
            video.playback.play();
            video.playing = true;
        }
    }
}

/// Hands the newest frames to the compositor; a video that left the screen goes back to its
/// first frame (its slide may come again next), and one whose picture is gone is dropped.
fn follow_the_screen(
    layers: Res<ScreenLayers>,
    prepared: Res<Prepared>,
    mut videos: ResMut<Videos>,
    mut drawn: ResMut<VideoLayers>,
) {
    let on_screen = |id: AssetId<Image>| {
        [&layers.slide, &layers.leaving]
            .into_iter()
            .flatten()
            .any(|handle| handle.id() == id)
    };
    videos
        .0
        .retain(|id, _| on_screen(*id) || prepared.holds(*id));
    for (id, video) in videos.0.iter_mut() {
        if video.playing && !on_screen(*id) {
            video.playback.rewind();
            video.playing = false;
        }
    }
    let draw_of = |picture: &Option<Handle<Image>>| {
        let video = videos.0.get(&picture.as_ref()?.id())?;
        let (number, frame) = video.playback.latest()?;
        Some(VideoDraw {
            id: video.playback.id(),
            number,
            frame: Some(frame),
            placement: video.placement,
        })
    };
    let (slide, leaving) = (draw_of(&layers.slide), draw_of(&layers.leaving));
    let number = |draw: &Option<VideoDraw>| draw.as_ref().map(|d| (d.id, d.number));
    // Only a new frame is a change: the compositor uploads on change.
    if number(&slide) != number(&drawn.slide) || number(&leaving) != number(&drawn.leaving) {
        *drawn = VideoLayers { slide, leaving };
    }
}

/// A video that cannot go on (its file went bad, its decoder hung three times) ends its slide
/// now, and the slide is skipped until its playlist changes.
fn end_failed_videos(
    mut videos: ResMut<Videos>,
    layers: Res<ScreenLayers>,
    mut show: ResMut<Show>,
    playlists: Res<super::slideshow::Playlists>,
    clock: Res<Clock>,
    counters: Res<PlayerCounters>,
) {
    let Some(on_screen) = layers.slide.as_ref().map(Handle::id) else {
        return;
    };
    let Some(video) = videos.0.get_mut(&on_screen) else {
        return;
    };
    if !video.ended
        && let Some(reason) = video.playback.failure()
        && show.0.is_showing(&video.key)
    {
        video.ended = true;
        warn!(
            "skipping slide {} of {}: {reason}",
            video.key.index + 1,
            video.key.playlist
        );
        show.0
            .mark_unplayable(video.key.clone(), reason.to_string(), &playlists.library);
        show.0.cut_short(clock.seconds());
        Counters::add(&counters.0.slides_skipped, 1);
    }
}

/// Puts the subtitle of the frame on screen over the video's lower part, while a video with
/// subtitles is the still slide; a new cue is typeset when its first frame comes (a few
/// milliseconds, on this thread, so it is on screen with that frame).
fn show_subtitles(
    videos: Res<Videos>,
    drawn: Res<VideoLayers>,
    canvas: Res<super::screen::Canvas>,
    mut layers: ResMut<ScreenLayers>,
    mut images: ResMut<Assets<Image>>,
    mut shown: Local<Option<(u64, u64)>>,
) {
    let video = layers
        .slide
        .as_ref()
        .filter(|_| layers.leaving.is_none())
        .and_then(|slide| videos.0.get(&slide.id()));
    let frame = drawn.slide.as_ref().and_then(|d| d.frame.as_ref());
    let cue = video.zip(frame).and_then(|(video, frame)| {
        let (start, text) = video.subtitle_at(frame.seconds()?)?;
        Some((video, text, (video.playback.id(), start.to_bits())))
    });
    let Some((video, text, which)) = cue else {
        if layers.subtitle.is_some() {
            layers.subtitle = None;
            *shown = None;
        }
        return;
    };
    if *shown == Some(which) {
        return;
    }
    let canvas = (canvas.pixels.x as f32, canvas.pixels.y as f32);
    let on_canvas = VideoOnCanvas::new(&video.placement, layers.slide_area, canvas);
    let picture = super::slideshow::compose(|composer| {
        let (width, height) = on_canvas.subtitle_room();
        composer.subtitle(&text, width, height)
    });
    let rect = on_canvas.subtitle_rect((picture.width, picture.height));
    layers.subtitle = Some((images.add(super::slideshow::into_image(picture)), rect));
    *shown = Some(which);
}

impl SlideVideo {
    /// The subtitle at `seconds` of the video, with when it starts: from its file, or from its
    /// own stream.
    fn subtitle_at(&self, seconds: f64) -> Option<(f64, String)> {
        let of = |cues: &[Cue]| {
            let cue = &cues[cue_at(cues, seconds)?];
            Some((cue.start, cue.text.clone())).filter(|(_, text)| !text.is_empty())
        };
        match &self.subtitles {
            Some(cues) => of(cues),
            None => of(&self.playback.embedded_subtitles()?.lock().ok()?),
        }
    }
}

/// A video's rectangle on the canvas, to put its subtitles over.
pub(super) struct VideoOnCanvas {
    /// Left, top, width and height in pixels.
    pub pixels: [f32; 4],
    /// The slides' area's width in pixels.
    area_width: f32,
    canvas: (f32, f32),
}

impl VideoOnCanvas {
    /// The video at `placement` (fractions of the slides' `area`, itself fractions of a canvas
    /// of `canvas` pixels).
    pub fn new(placement: &Placement, area: [f32; 4], canvas: (f32, f32)) -> VideoOnCanvas {
        let [left, top, right, bottom] = placement.screen;
        let x = |f: f32| (area[0] + f * (area[2] - area[0])) * canvas.0;
        let y = |f: f32| (area[1] + f * (area[3] - area[1])) * canvas.1;
        VideoOnCanvas {
            pixels: [x(left), y(top), x(right) - x(left), y(bottom) - y(top)],
            area_width: x(1.0) - x(0.0),
            canvas,
        }
    }

    /// The room a subtitle is set for: as wide as the slides' area and as high as the video, so
    /// a phone's upright clip (narrow, with bands beside it) gets lines as large as any other,
    /// running over its bands.
    pub fn subtitle_room(&self) -> (u32, u32) {
        (self.area_width as u32, self.pixels[3] as u32)
    }

    /// Where a subtitle box of `size` pixels goes: centred, its foot at 95% of the video's
    /// height, as fractions of the canvas.
    pub fn subtitle_rect(&self, (width, height): (u32, u32)) -> [f32; 4] {
        let [left, top, video_width, video_height] = self.pixels;
        let (width, height) = (width as f32, height as f32);
        let box_left = (left + (video_width - width) / 2.0).round();
        let box_top = (top + video_height * 0.95 - height).round();
        let (w, h) = self.canvas;
        [
            box_left / w,
            box_top / h,
            (box_left + width) / w,
            (box_top + height) / h,
        ]
    }
}

/// A video's sound fades with its picture: in as its slide arrives, out as it leaves. (A video
/// off the screen is paused, so an emergency silences it at once.)
fn fade_sound(layers: Res<ScreenLayers>, videos: Res<Videos>) {
    if !layers.is_changed() {
        return;
    }
    let arrived = match layers.motion {
        Motion::Still => 1.0,
        Motion::Crossfade(progress) | Motion::Push(progress) => progress,
    };
    for (picture, share) in [(&layers.slide, arrived), (&layers.leaving, 1.0 - arrived)] {
        if let Some(video) = picture.as_ref().and_then(|p| videos.0.get(&p.id()))
            && video.playback.has_sound()
        {
            video.playback.set_loudness(f64::from(share));
        }
    }
}
