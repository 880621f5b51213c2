//! The kiosk window: borderless fullscreen, no cursor, no closing, and drawing only on change.

use crate::compose::text::Rgba;
use crate::core::config::{MAX_SIDE, ScreenSize};
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::{
    CursorOptions, PresentMode, PrimaryWindow, RequestRedraw, WindowMode, WindowResolution,
};
use bevy::winit::{UpdateMode, WinitSettings};
use std::time::{Duration, Instant};

/// What the screen shows before the first slide and between frames: the idle screen's calm blue,
/// never black.
pub const BACKDROP: Rgba = [0x17, 0x32, 0x4D, 255];

/// The size slides are drawn at: the window's physical pixels, and its logical size for sprites.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct Canvas {
    pub pixels: UVec2,
    pub logical: Vec2,
}

impl Canvas {
    pub fn new(pixels: UVec2, scale_factor: f32) -> Canvas {
        let pixels = pixels.clamp(UVec2::splat(16), UVec2::splat(MAX_SIDE));
        Canvas {
            pixels,
            logical: pixels.as_vec2() / scale_factor.max(0.1),
        }
    }
}

/// Seconds since the player started, read fresh on every call. Bevy's `Time` is stamped when the
/// previous frame finished, which after a low-power sleep is a whole tick stale.
///
/// Soak tests run it faster than real time (`run --clock-speed`), so thousands of one-second
/// slides pass in minutes through the same code that plays them for months.
#[derive(Resource, Clone, Copy)]
pub struct Clock {
    start: Instant,
    speed: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::with_speed(1.0)
    }
}

impl Clock {
    pub fn with_speed(speed: f64) -> Clock {
        Clock {
            start: Instant::now(),
            speed: speed.max(0.001),
        }
    }

    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.speed
    }

    /// The real time `seconds` on this clock take, for sleeping.
    pub fn real(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64((seconds / self.speed).max(0.0))
    }
}

/// Frames still to draw after the picture changed. The frame of a change is not always the one
/// that shows it: a texture added in an update can reach the GPU a frame late, and with Mesa's
/// software Vulkan on X11 the last frame presented appears only once another follows (seen in the
/// benchmark as a first slide that stayed invisible until the next one). So every change is
/// followed by two more frames, and nothing is left half-shown while the player sleeps.
#[derive(Resource, Default)]
pub struct SettleFrames(u8);

impl SettleFrames {
    pub fn after_change(&mut self) {
        self.0 = 2;
    }
}

fn draw_settle_frames(mut settle: ResMut<SettleFrames>, mut redraw: MessageWriter<RequestRedraw>) {
    if settle.0 > 0 {
        settle.0 -= 1;
        redraw.write(RequestRedraw);
    }
}

pub struct ScreenPlugin {
    pub windowed: bool,
    pub size: Option<ScreenSize>,
    pub cursor: bool,
    /// 1.0 but in soak tests.
    pub clock_speed: f64,
}

impl Plugin for ScreenPlugin {
    fn build(&self, app: &mut App) {
        let kiosk = !self.windowed;
        let size = self.size.unwrap_or(ScreenSize {
            width: 1280,
            height: 720,
        });
        let window = Window {
            title: "kiosk-player".into(),
            mode: if kiosk {
                // Exclusive fullscreen panics on Wayland; borderless covers the screen everywhere.
                WindowMode::BorderlessFullscreen(MonitorSelection::Current)
            } else {
                WindowMode::Windowed
            },
            resolution: WindowResolution::new(size.width, size.height),
            present_mode: PresentMode::AutoVsync,
            ..default()
        };
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: Some(window),
                    primary_cursor_options: Some(CursorOptions {
                        visible: self.cursor,
                        ..default()
                    }),
                    // Visitors cannot close a kiosk; systemd or a staff member stops it.
                    close_when_requested: !kiosk,
                    ..default()
                })
                .set(LogPlugin {
                    filter: "info,wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn".into(),
                    ..default()
                }),
        )
        // Wake at least once a second (slide timers, the idle clock); transitions ask for frames
        // while they run. Continuous redraw would burn a core on a software renderer.
        .insert_resource(WinitSettings {
            focused_mode: UpdateMode::reactive_low_power(Duration::from_secs(1)),
            unfocused_mode: UpdateMode::reactive_low_power(Duration::from_secs(1)),
        })
        .insert_resource(ClearColor(Color::srgb_u8(
            BACKDROP[0],
            BACKDROP[1],
            BACKDROP[2],
        )))
        .insert_resource(Clock::with_speed(self.clock_speed))
        .insert_resource(Canvas::new(UVec2::new(size.width, size.height), 1.0))
        .add_systems(Startup, spawn_camera)
        .init_resource::<SettleFrames>()
        .add_systems(PreUpdate, follow_window_size)
        .add_systems(Last, draw_settle_frames);
    }
}

pub fn spawn_camera(mut commands: Commands) {
    commands.spawn((Camera2d, Msaa::Off));
}

fn follow_window_size(window: Single<&Window, With<PrimaryWindow>>, mut canvas: ResMut<Canvas>) {
    let now = Canvas::new(window.physical_size(), window.scale_factor());
    if window.physical_width() > 0 && *canvas != now {
        *canvas = now;
    }
}
