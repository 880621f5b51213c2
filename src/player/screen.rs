//! The kiosk window: borderless fullscreen, no cursor, no closing, and drawing only on change.

use crate::compose::text::Rgba;
use crate::core::config::{MAX_SIDE, ScreenSize};
use crate::core::display::Rotation;
use bevy::ecs::system::NonSendMarker;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::{
    CursorOptions, Monitor, OnMonitor, PresentMode, PrimaryMonitor, PrimaryWindow, WindowMode,
    WindowResolution,
};
use bevy::winit::{
    EventLoopProxyWrapper, UpdateMode, WINIT_WINDOWS, WinitSettings, WinitUserEvent,
};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What the screen shows before the first slide and between frames: the idle screen's calm blue,
/// never black.
pub const BACKDROP: Rgba = [0x17, 0x32, 0x4D, 255];

/// The size slides are drawn at, and how it lies on the window: the window's physical pixels,
/// turned as the panel is mounted ([`Rotation`]).
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct Canvas {
    pub pixels: UVec2,
    /// The window's size in logical pixels, in which pointer positions arrive.
    pub window: Vec2,
    pub rotation: Rotation,
}

impl Canvas {
    pub fn new(window_pixels: UVec2, scale_factor: f32, rotation: Rotation) -> Canvas {
        let window_pixels = window_pixels.clamp(UVec2::splat(16), UVec2::splat(MAX_SIDE));
        let (width, height) = rotation.canvas_size((window_pixels.x, window_pixels.y));
        Canvas {
            pixels: UVec2::new(width, height),
            window: window_pixels.as_vec2() / scale_factor.max(0.1),
            rotation,
        }
    }

    /// Where a pointer at `at` in the window (logical pixels) is on the canvas, in its pixels.
    pub fn from_window(&self, at: Vec2) -> Vec2 {
        let (x, y) = self
            .rotation
            .to_canvas((at.x / self.window.x, at.y / self.window.y));
        Vec2::new(x, y) * self.pixels.as_vec2()
    }

    /// Where a point of the canvas (its pixels) is in the window, in logical pixels.
    pub fn to_window(&self, at: Vec2) -> Vec2 {
        let at = at / self.pixels.as_vec2();
        let (u, v) = self.rotation.to_output((at.x, at.y));
        Vec2::new(u, v) * self.window
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

/// Whether the renderer draws on the CPU (llvmpipe/lavapipe), where every pixel drawn costs.
pub fn software_renderer(adapter: Option<&RenderAdapterInfo>) -> bool {
    adapter.is_some_and(|a| a.device_type == wgpu_types::DeviceType::Cpu)
}

/// Why Bevy would find no GPU to draw with, asked of the Vulkan driver before the player starts:
/// without an adapter Bevy panics with a backtrace, which tells an administrator nothing.
pub fn missing_renderer() -> Option<String> {
    use bevy::render::settings::Backends;
    // Bevy reads WGPU_BACKEND too; only Vulkan is built in.
    let asked = Backends::from_env().unwrap_or(Backends::VULKAN);
    if !asked.contains(Backends::VULKAN) {
        return Some(format!(
            "WGPU_BACKEND asks for {asked:?}, but this player draws with Vulkan only: unset it"
        ));
    }
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: Backends::VULKAN,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapters = bevy::tasks::block_on(instance.enumerate_adapters(Backends::VULKAN));
    adapters.is_empty().then(|| {
        "no Vulkan driver was found, and the player draws with Vulkan: install \
         mesa-vulkan-drivers (the GPU's driver on a Pi or an Intel or AMD PC, and llvmpipe, which \
         draws in software, anywhere else)"
            .to_string()
    })
}

/// The longest the player sleeps if nothing asks for a frame sooner.
const BACKSTOP: Duration = Duration::from_secs(3600);

pub struct ScreenPlugin {
    pub windowed: bool,
    pub size: Option<ScreenSize>,
    pub cursor: bool,
    /// 1.0 but in soak tests.
    pub clock_speed: f64,
    pub rotation: Rotation,
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
            // A kiosk asks for fullscreen only once its window is made (`fill_monitor`): asked at
            // creation, winit sends it before the surface's first commit, which wlroots logs as
            // "a configure is scheduled for an uninitialized xdg_surface" and cage 0.2.1 aborts
            // on (cage#430).
            mode: WindowMode::Windowed,
            resolution: WindowResolution::new(size.width, size.height),
            // No title bar: winit would draw one of its own under cage without -d.
            decorations: !kiosk,
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
                })
                // Bevy's Ctrl-C handler only marks the app to exit at its next update, which a
                // player asleep on a still slide reaches up to a minute later. Without it, SIGINT
                // ends the player at once, as SIGTERM does: every log line is already written.
                .disable::<bevy::app::TerminalCtrlCHandlerPlugin>(),
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
        .insert_resource(Canvas::new(
            UVec2::new(size.width, size.height),
            1.0,
            self.rotation,
        ))
        .add_plugins(super::compositor::plugin)
        .add_systems(Startup, spawn_camera)
        .init_resource::<NextFrame>()
        .add_systems(Startup, start_alarm)
        .init_resource::<ScreenFit>()
        .add_systems(PreUpdate, (follow_window_size, report_fit).chain())
        .add_systems(Last, set_alarm);
        if kiosk {
            app.add_systems(PreUpdate, fill_monitor.before(follow_window_size));
        }
    }
}

pub fn spawn_camera(mut commands: Commands) {
    commands.spawn(super::compositor::screen_camera());
}

/// The window the player got, against the monitor it is on, for `/status` and the log.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct ScreenFit {
    pub window: UVec2,
    /// The monitor's size, once the windowing system has said.
    pub monitor: Option<UVec2>,
}

impl ScreenFit {
    pub fn fullscreen(&self) -> bool {
        self.monitor == Some(self.window)
    }
}

/// Makes the kiosk window cover its monitor once the monitor is known (after the window is made
/// and configured), and again when it changes: borderless fullscreen (exclusive fullscreen
/// panics on Wayland). A window that only asks for fullscreen keeps its size wherever nothing
/// resizes it for the player: on a bare X server, and under cage until it configures the window.
/// So the window asks for the monitor's size and place itself; a compositor that maximizes or
/// fullscreens it still decides.
fn fill_monitor(
    window: Single<(Entity, &mut Window, Option<&OnMonitor>), With<PrimaryWindow>>,
    monitors: Query<(Entity, &Monitor, Has<PrimaryMonitor>)>,
    mut filled: Local<Option<(Entity, UVec2)>>,
    _winit_lives_on_this_thread: NonSendMarker,
) {
    let (window_entity, mut window, on) = window.into_inner();
    let Some((entity, monitor)) = monitor_of(on, &monitors) else {
        return;
    };
    let size = UVec2::new(monitor.physical_width, monitor.physical_height);
    if *filled == Some((entity, size)) || size.min_element() == 0 {
        return;
    }
    *filled = Some((entity, size));
    info!(
        "monitor {}: {}x{}",
        monitor.name.as_deref().unwrap_or("?"),
        size.x,
        size.y
    );
    window.mode = WindowMode::BorderlessFullscreen(MonitorSelection::Entity(entity));
    // Asked of winit itself: Bevy takes the size it asked for at creation as the window's, and
    // would not ask again for a size it believes the window has.
    WINIT_WINDOWS.with_borrow(|windows| {
        if let Some(winit) = windows.get_window(window_entity) {
            let origin = monitor.physical_position;
            winit.set_outer_position(winit::dpi::PhysicalPosition::new(origin.x, origin.y));
            let _ = winit.request_inner_size(winit::dpi::PhysicalSize::new(size.x, size.y));
        }
    });
}

/// The monitor the window is on, or the primary one (or any) before winit has said.
fn monitor_of<'a>(
    on: Option<&OnMonitor>,
    monitors: &'a Query<(Entity, &Monitor, Has<PrimaryMonitor>)>,
) -> Option<(Entity, &'a Monitor)> {
    on.and_then(|on| monitors.get(on.0).ok())
        .or_else(|| monitors.iter().max_by_key(|(_, _, primary)| *primary))
        .map(|(entity, monitor, _)| (entity, monitor))
}

/// Keeps [`ScreenFit`] true, and says in the log when the window does not cover the screen
/// (once it has had a moment to get there: the compositor's configure takes a round trip).
fn report_fit(
    window: Single<(&Window, Option<&OnMonitor>), With<PrimaryWindow>>,
    monitors: Query<(Entity, &Monitor, Has<PrimaryMonitor>)>,
    clock: Res<Clock>,
    mut fit: ResMut<ScreenFit>,
    mut next_frame: ResMut<NextFrame>,
    mut short_since: Local<Option<f64>>,
    mut said: Local<bool>,
) {
    /// How long a window may take to reach the screen's size before the log says it did not.
    const GRACE_SECONDS: f64 = 2.0;
    let (window, on) = *window;
    let now = ScreenFit {
        window: window.physical_size(),
        monitor: monitor_of(on, &monitors)
            .map(|(_, m)| UVec2::new(m.physical_width, m.physical_height)),
    };
    if *fit != now {
        *fit = now;
        *said = false;
        *short_since = None;
    }
    if fit.fullscreen() || window.mode == WindowMode::Windowed || *said {
        return;
    }
    let Some(screen) = fit.monitor else { return };
    let since = *short_since.get_or_insert(clock.seconds());
    if clock.seconds() - since < GRACE_SECONDS {
        next_frame.within(&clock, GRACE_SECONDS - (clock.seconds() - since));
        return;
    }
    warn!(
        "the window is {}x{} but the screen is {}x{}: the compositor or X server did not give the \
         player the whole screen",
        fit.window.x, fit.window.y, screen.x, screen.y
    );
    *said = true;
}

fn follow_window_size(window: Single<&Window, With<PrimaryWindow>>, mut canvas: ResMut<Canvas>) {
    let now = Canvas::new(
        window.physical_size(),
        window.scale_factor(),
        canvas.rotation,
    );
    if window.physical_width() > 0 && *canvas != now {
        *canvas = now;
    }
}
