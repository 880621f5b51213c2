//! Moves from one slide to the next: cut, crossfade or slide, never through a blank frame.

use super::compositor::{Motion, ScreenLayers};
use super::screen::Clock;
use super::slideshow::{SlideRedrawn, SlideStarted, SlideTimer};
use super::status::PlayerCounters;
use crate::core::playlist::Transition;
use crate::core::slideshow::Cue;
use crate::status::Counters;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::RequestRedraw;
use std::time::{Duration, Instant};

pub fn plugin(app: &mut App) {
    app.init_resource::<FramePacing>()
        .init_resource::<Arrival>()
        .add_systems(Startup, pace_software_rendering)
        // After the slideshow, so a slide started in this update is on screen in this frame.
        .add_systems(
            Update,
            (follow_redrawn_slide, start_transition, animate)
                .chain()
                .in_set(Transitions)
                .after(SlideTimer),
        );
}

/// The systems that change `ScreenLayers` as slides arrive.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transitions;

/// The shortest time between two transition frames. Unlimited on a GPU (vsync paces frames);
/// on a software renderer, where a 1080p frame costs tens of milliseconds of CPU on every core,
/// transitions run at [`SOFTWARE_FPS`] so the CPU is not spent on frames nobody can tell apart.
#[derive(Resource, Default)]
struct FramePacing {
    min_interval: Option<Duration>,
    last_frame: Option<Instant>,
}

pub(super) const SOFTWARE_FPS: f64 = 15.0;

fn pace_software_rendering(
    adapter: Option<Res<RenderAdapterInfo>>,
    mut pacing: ResMut<FramePacing>,
) {
    if super::screen::software_renderer(adapter.as_deref()) {
        info!("software rendering: transitions run at {SOFTWARE_FPS} frames per second");
        pacing.min_interval = Some(Duration::from_secs_f64(1.0 / SOFTWARE_FPS));
    }
}

/// How the slide on screen arrived: over `seconds` from `since`, by `transition`.
#[derive(Resource, Default)]
struct Arrival {
    transition: Transition,
    since: f64,
    seconds: f32,
    idle: bool,
}

const IDLE_FADE_SECONDS: f32 = 0.8;

fn start_transition(
    mut started: MessageReader<SlideStarted>,
    mut layers: ResMut<ScreenLayers>,
    mut arrival: ResMut<Arrival>,
    clock: Res<Clock>,
    counters: Res<PlayerCounters>,
    pacing: Res<FramePacing>,
) {
    let Some(slide) = started.read().last() else {
        return;
    };
    let first = layers.slide.is_none();
    let (transition, seconds) = match &slide.cue {
        Cue::Slide(cue) => (cue.transition, cue.transition_seconds),
        // The idle clock ticks over with a cut; arriving at idle from a slide is a gentle fade.
        Cue::Idle if arrival.idle => (Transition::Cut, 0.0),
        Cue::Idle => (Transition::Crossfade, IDLE_FADE_SECONDS),
    };
    let (transition, seconds) = if first || seconds <= 0.0 {
        (Transition::Cut, 0.0)
    } else {
        (transition, seconds)
    };
    // A transition's frame at progress 0 would look exactly like the frame before it; the first
    // one drawn is one frame interval in.
    let head_start = match transition {
        Transition::Cut => 0.0,
        _ => pacing.min_interval.map_or(1.0 / 60.0, |i| i.as_secs_f64()),
    };
    *arrival = Arrival {
        transition,
        since: clock.seconds() - head_start,
        seconds,
        idle: matches!(slide.cue, Cue::Idle),
    };
    // At most two pictures exist: the one leaving and the one arriving.
    let previous = layers.slide.replace(slide.picture.clone());
    (layers.leaving, layers.motion) = match transition {
        Transition::Cut => (None, Motion::Still),
        Transition::Crossfade => (previous, Motion::Crossfade(0.0)),
        Transition::Slide => (previous, Motion::Push(0.0)),
    };
    if transition != Transition::Cut {
        Counters::add(&counters.0.transitions, 1);
    }
}

fn animate(
    mut layers: ResMut<ScreenLayers>,
    arrival: Res<Arrival>,
    clock: Res<Clock>,
    mut redraw: MessageWriter<RequestRedraw>,
    counters: Res<PlayerCounters>,
    mut pacing: ResMut<FramePacing>,
    mut previous_frame: Local<Option<f64>>,
) {
    if layers.leaving.is_none() {
        *previous_frame = None;
        pacing.last_frame = None;
        return;
    }
    // Wait out the rest of the frame interval here: the frame after this update comes no sooner.
    if let (Some(interval), Some(last)) = (pacing.min_interval, pacing.last_frame) {
        std::thread::sleep(interval.saturating_sub(last.elapsed()));
    }
    pacing.last_frame = Some(Instant::now());
    // How evenly frames come during a transition is what a visitor sees as smoothness.
    let now = clock.seconds();
    if let Some(previous) = previous_frame.replace(now) {
        /// A frame this late in the middle of a transition is a visible stall.
        const STALL_SECONDS: f64 = 0.5;
        if now - previous > STALL_SECONDS {
            warn!("a transition stalled for {:.1}s", now - previous);
            Counters::add(&counters.0.transition_stalls, 1);
        }
        Counters::add(&counters.0.transition_frames, 1);
        let micros = ((now - previous) * 1e6) as u64;
        Counters::add(&counters.0.transition_frame_micros, micros);
        counters
            .0
            .transition_frame_max_micros
            .fetch_max(micros, std::sync::atomic::Ordering::Relaxed);
    }
    let elapsed = (clock.seconds() - arrival.since) as f32;
    let progress = if arrival.seconds > 0.0 {
        (elapsed / arrival.seconds).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let eased = progress * progress * (3.0 - 2.0 * progress);
    if progress >= 1.0 {
        layers.leaving = None;
        layers.motion = Motion::Still;
        return;
    }
    layers.motion = match arrival.transition {
        Transition::Crossfade => Motion::Crossfade(eased),
        Transition::Slide => Motion::Push(eased),
        Transition::Cut => Motion::Still,
    };
    redraw.write(RequestRedraw);
}

/// The slide on screen, drawn again at the screen's new size, replaces its old picture outright:
/// a transition under way ends, since its leaving picture has the old size too.
fn follow_redrawn_slide(
    mut redrawn: MessageReader<SlideRedrawn>,
    mut layers: ResMut<ScreenLayers>,
) {
    if let Some(SlideRedrawn(picture)) = redrawn.read().last() {
        layers.slide = Some(picture.clone());
        layers.leaving = None;
        layers.motion = Motion::Still;
    }
}
