//! The kiosk window: borderless fullscreen, no cursor, no closing, and drawing only on change.

use crate::compose::text::Rgba;
use crate::core::config::{MAX_SIDE, ScreenSize};
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::window::{CursorOptions, PresentMode, PrimaryWindow, WindowMode, WindowResolution};
use bevy::winit::{EventLoopProxyWrapper, UpdateMode, WinitSettings, WinitUserEvent};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What the screen shows before the first slide and between frames: the idle screen's calm blue,
/// never black.
pub const BACKDROP: Rgba = [0x17, 0x32, 0x4D, 255];

/// The size slides are drawn at: the window's physical pixels, and its logical size, in which
/// pointer positions arrive.
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

/// When the next frame is needed. Systems that wait for a time (a slide's end, the idle clock's
/// minute, a visitor walking away) ask for a frame then with [`NextFrame::within`]; at the end of
/// each update the earliest request goes to an alarm thread that wakes the event loop at that
/// instant, and the player sleeps until then.
///
/// Bevy's own timer (`WinitSettings`) is not used for this: every change of it costs a frame of
/// its own, and it counts from the start of the frame before, so it rang a little before a
/// slide's end and the slide then stayed up for a second term.
#[derive(Resource, Default)]
pub struct NextFrame {
    earliest: Option<Instant>,
    alarm: Option<mpsc::Sender<Instant>>,
}

impl NextFrame {
    /// Asks for a frame `seconds` from now on the player's clock.
    pub fn within(&mut self, clock: &Clock, seconds: f64) {
        let at = Instant::now() + clock.real(seconds);
        self.earliest = Some(self.earliest.map_or(at, |earliest| earliest.min(at)));
    }
}

fn start_alarm(mut next: ResMut<NextFrame>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    // Without an event loop (headless tests) updates are driven from outside.
    let Some(proxy) = proxy.map(|p| (**p).clone()) else {
        return;
    };
    let (sender, deadlines) = mpsc::channel();
    next.alarm = Some(sender);
    std::thread::Builder::new()
        .name("frame alarm".into())
        .spawn(move || {
            let mut deadline: Option<Instant> = None;
            loop {
                let received = match deadline {
                    Some(at) => {
                        deadlines.recv_timeout(at.saturating_duration_since(Instant::now()))
                    }
                    None => deadlines.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                deadline = match received {
                    Ok(at) => Some(at),
                    Err(RecvTimeoutError::Timeout) => {
                        if proxy.send_event(WinitUserEvent::WakeUp).is_err() {
                            return;
                        }
                        None
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                };
            }
        })
        .expect("the system can start a thread");
}

fn set_alarm(mut next: ResMut<NextFrame>) {
    let next = &mut *next;
    if let (Some(at), Some(alarm)) = (next.earliest.take(), &next.alarm) {
        let _ = alarm.send(at);
    }
}

/// The longest the player sleeps if nothing asks for a frame sooner.
const BACKSTOP: Duration = Duration::from_secs(3600);

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
                .set(RenderPlugin {
                    // The first slide is drawn in the frame it arrives, not one frame later,
                    // when its pipeline has compiled and the player may be asleep.
                    synchronous_pipeline_compilation: true,
                    ..default()
                })
                .set(LogPlugin {
                    filter: "info,wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn".into(),
                    ..default()
                }),
        )
        // Draw only when asked: by input, a transition's frames, or a `NextFrame` alarm. Bevy's
        // own timer is only a backstop; continuous redraw would burn a core on a software renderer.
        .insert_resource(WinitSettings {
            focused_mode: UpdateMode::reactive_low_power(BACKSTOP),
            unfocused_mode: UpdateMode::reactive_low_power(BACKSTOP),
        })
        .insert_resource(ClearColor(Color::srgb_u8(
            BACKDROP[0],
            BACKDROP[1],
            BACKDROP[2],
        )))
        .insert_resource(Clock::with_speed(self.clock_speed))
        .insert_resource(Canvas::new(UVec2::new(size.width, size.height), 1.0))
        .add_plugins(super::compositor::plugin)
        .add_systems(Startup, spawn_camera)
        .init_resource::<NextFrame>()
        .add_systems(Startup, start_alarm)
        .add_systems(PreUpdate, follow_window_size)
        .add_systems(Last, set_alarm);
    }
}

pub fn spawn_camera(mut commands: Commands) {
    commands.spawn(super::compositor::screen_camera());
}

fn follow_window_size(window: Single<&Window, With<PrimaryWindow>>, mut canvas: ResMut<Canvas>) {
    let now = Canvas::new(window.physical_size(), window.scale_factor());
    if window.physical_width() > 0 && *canvas != now {
        *canvas = now;
    }
}
