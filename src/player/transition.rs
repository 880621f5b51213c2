//! Moves from one slide to the next: cut, crossfade or slide, never through a blank frame.

use super::screen::{Canvas, Clock, NextFrame};
use super::slideshow::{SlideStarted, SlideTimer};
use super::status::PlayerCounters;
use crate::core::playlist::Transition;
use crate::core::slideshow::Cue;
use crate::status::Counters;
use bevy::asset::{load_internal_asset, uuid_handle};
use bevy::prelude::*;
use bevy::render::render_resource::AsBindGroup;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::shader::{Shader, ShaderRef};
use bevy::sprite_render::{Material2d, Material2dPlugin};
use bevy::window::RequestRedraw;
use std::time::{Duration, Instant};
use wgpu_types::DeviceType;

pub fn plugin(app: &mut App) {
    load_internal_asset!(app, CROSSFADE_SHADER, "crossfade.wgsl", Shader::from_wgsl);
    app.add_plugins(Material2dPlugin::<Crossfade>::default())
        .init_resource::<FramePacing>()
        .add_systems(Startup, pace_software_rendering)
        // After the slideshow, so a slide started in this update is on screen in this frame.
        .add_systems(
            Update,
            (start_transition, animate, fit_to_canvas)
                .chain()
                .after(SlideTimer),
        );
}

/// The shortest time between two transition frames. Unlimited on a GPU (vsync paces frames);
/// on a software renderer, where a 1080p frame costs tens of milliseconds of CPU on every core,
/// transitions run at [`SOFTWARE_FPS`] so the CPU is not spent on frames nobody can tell apart.
#[derive(Resource, Default)]
struct FramePacing {
    min_interval: Option<Duration>,
    last_frame: Option<Instant>,
}

const SOFTWARE_FPS: f64 = 15.0;

fn pace_software_rendering(
    adapter: Option<Res<RenderAdapterInfo>>,
    mut pacing: ResMut<FramePacing>,
) {
    if adapter.is_some_and(|a| a.device_type == DeviceType::Cpu) {
        info!("software rendering: transitions run at {SOFTWARE_FPS} frames per second");
        pacing.min_interval = Some(Duration::from_secs_f64(1.0 / SOFTWARE_FPS));
    }
}

/// A slide picture on screen, arriving over `seconds` from `since`.
#[derive(Component)]
struct OnScreen {
    transition: Transition,
    since: f64,
    seconds: f32,
    idle: bool,
}

/// The slide being replaced; it goes once the new one is fully in.
#[derive(Component)]
struct Leaving;

/// Both slides of a crossfade drawn in one pass, mixed by `progress`; the two sprites are hidden
/// meanwhile. Half the work of blending one full-screen sprite over another.
#[derive(Asset, TypePath, AsBindGroup, Clone)]
struct Crossfade {
    #[uniform(0)]
    progress: f32,
    #[texture(1)]
    #[sampler(2)]
    leaving: Handle<Image>,
    #[texture(3)]
    #[sampler(4)]
    arriving: Handle<Image>,
}

const CROSSFADE_SHADER: Handle<Shader> = uuid_handle!("6f1c2b8e-3d4a-4e5f-9a7b-1c2d3e4f5a6b");

impl Material2d for Crossfade {
    fn fragment_shader() -> ShaderRef {
        CROSSFADE_SHADER.into()
    }
}

const IDLE_FADE_SECONDS: f32 = 0.8;

/// When to draw one more frame after a cut. Bevy lets go of a dropped texture over the following
/// updates (assets are tracked in `PreUpdate`, GPU memory is freed after a later submission); a
/// player that sleeps right after a cut never ran them: 1080p cuts took it from 225 to 287 MiB
/// over seven slides, against 233 to 258 MiB over three with this frame, flat after that. A
/// crossfade or slide has drawn frames enough by the time the next one starts.
const RELEASE_AFTER: f64 = 0.5;

#[allow(clippy::too_many_arguments)]
fn start_transition(
    mut commands: Commands,
    mut started: MessageReader<SlideStarted>,
    showing: Query<(Entity, &OnScreen, &Sprite), Without<Leaving>>,
    leaving: Query<Entity, With<Leaving>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut crossfades: ResMut<Assets<Crossfade>>,
    canvas: Res<Canvas>,
    clock: Res<Clock>,
    counters: Res<PlayerCounters>,
    mut next_frame: ResMut<NextFrame>,
) {
    let Some(slide) = started.read().last() else {
        return;
    };
    // At most two pictures exist: the one leaving and the one arriving.
    for entity in &leaving {
        commands.entity(entity).despawn();
    }
    let first = showing.is_empty();
    let (transition, seconds) = match &slide.cue {
        Cue::Slide(cue) => (cue.transition, cue.transition_seconds),
        // The idle clock ticks over with a cut; arriving at idle from a slide is a gentle fade.
        Cue::Idle if showing.iter().any(|(_, s, _)| s.idle) => (Transition::Cut, 0.0),
        Cue::Idle => (Transition::Crossfade, IDLE_FADE_SECONDS),
    };
    let (transition, seconds) = if first || seconds <= 0.0 {
        (Transition::Cut, 0.0)
    } else {
        (transition, seconds)
    };
    if transition != Transition::Cut {
        Counters::add(&counters.0.transitions, 1);
    }
    let crossfade = transition == Transition::Crossfade;
    // While a crossfade runs only its quad is drawn.
    let visibility = if crossfade {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    for (entity, _, sprite) in &showing {
        if transition == Transition::Cut {
            commands.entity(entity).despawn();
            next_frame.within(&clock, RELEASE_AFTER);
            continue;
        }
        commands
            .entity(entity)
            .insert((Leaving, visibility, Transform::from_xyz(0.0, 0.0, 0.0)));
        if crossfade {
            commands.spawn((
                Mesh2d(meshes.add(Rectangle::from_size(canvas.logical))),
                MeshMaterial2d(crossfades.add(Crossfade {
                    progress: 0.0,
                    leaving: sprite.image.clone(),
                    arriving: slide.picture.clone(),
                })),
                Transform::from_xyz(0.0, 0.0, 1.0),
                Leaving,
            ));
        }
    }
    commands.spawn((
        Sprite {
            image: slide.picture.clone(),
            custom_size: Some(canvas.logical),
            ..default()
        },
        visibility,
        Transform::from_xyz(0.0, 0.0, 1.0),
        OnScreen {
            transition,
            since: clock.seconds(),
            seconds,
            idle: matches!(slide.cue, Cue::Idle),
        },
    ));
}

#[allow(clippy::too_many_arguments)]
fn animate(
    mut commands: Commands,
    mut arriving: Query<(&OnScreen, &mut Transform, &mut Visibility), Without<Leaving>>,
    mut leaving: Query<(Entity, &mut Transform), With<Leaving>>,
    quads: Query<&MeshMaterial2d<Crossfade>>,
    mut crossfades: ResMut<Assets<Crossfade>>,
    canvas: Res<Canvas>,
    clock: Res<Clock>,
    mut redraw: MessageWriter<RequestRedraw>,
    counters: Res<PlayerCounters>,
    mut pacing: ResMut<FramePacing>,
    mut previous_frame: Local<Option<f64>>,
) {
    let Some((on_screen, mut transform, mut visibility)) = arriving.iter_mut().last() else {
        return;
    };
    if leaving.is_empty() {
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
    let elapsed = (clock.seconds() - on_screen.since) as f32;
    let progress = if on_screen.seconds > 0.0 {
        (elapsed / on_screen.seconds).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let eased = progress * progress * (3.0 - 2.0 * progress);
    let width = canvas.logical.x;
    match on_screen.transition {
        Transition::Cut => {}
        Transition::Crossfade => {
            for quad in &quads {
                if let Some(mut crossfade) = crossfades.get_mut(&quad.0) {
                    crossfade.progress = eased;
                }
            }
        }
        Transition::Slide => {
            transform.translation.x = width * (1.0 - eased);
            for (_, mut leaving_transform) in &mut leaving {
                leaving_transform.translation.x = -width * eased;
            }
        }
    }
    if progress >= 1.0 {
        *visibility = Visibility::Inherited;
        transform.translation.x = 0.0;
        for (entity, _) in &leaving {
            commands.entity(entity).despawn();
        }
    } else {
        redraw.write(RequestRedraw);
    }
}

/// Keeps pictures covering the screen when the window changes size (a new picture follows soon).
fn fit_to_canvas(canvas: Res<Canvas>, mut sprites: Query<&mut Sprite, With<OnScreen>>) {
    if canvas.is_changed() {
        for mut sprite in &mut sprites {
            sprite.custom_size = Some(canvas.logical);
        }
    }
}
