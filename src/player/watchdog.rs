//! systemd integration: READY once the first frame is drawn, then the watchdog fed only while
//! frames keep coming and the show moves, so systemd restarts a player whose render loop froze
//! or whose next slide never came.

use super::screen::Clock;
use super::slideshow::ShowWait;
use bevy::prelude::*;
use sd_notify::NotifyState;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// When the last frame finished while the show was moving, in milliseconds on the player's
/// [`Clock`].
#[derive(Resource, Clone, Default)]
struct FrameBeat(Arc<AtomicU64>);

/// The watchdog's interval in seconds, when systemd set one.
#[derive(Resource, Clone, Copy)]
struct WatchdogSeconds(f64);

/// The longest the player may sleep between frames, so the watchdog sees it alive.
#[derive(Resource, Clone, Copy)]
pub struct MaxSleep(pub f64);

pub struct WatchdogPlugin;

impl Plugin for WatchdogPlugin {
    fn build(&self, app: &mut App) {
        if std::env::var_os("NOTIFY_SOCKET").is_none() {
            return;
        }
        app.init_resource::<FrameBeat>().add_systems(Last, beat);
        // systemd names the compositor (cage) in WATCHDOG_PID, not this child of it; the unit
        // sets NotifyAccess=all so the player itself may feed the watchdog.
        let Some(interval) = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return;
        };
        let interval = Duration::from_micros(interval);
        app.insert_resource(MaxSleep(interval.as_secs_f64() / 3.0))
            .insert_resource(WatchdogSeconds(interval.as_secs_f64()));
        let beat = app.world().resource::<FrameBeat>().clone();
        let clock = *app.world().resource::<Clock>();
        std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || feed_while_drawing(&beat, clock, interval))
            .expect("the system can start a thread");
    }
}

fn beat(
    clock: Res<Clock>,
    beat: Res<FrameBeat>,
    wait: Res<ShowWait>,
    watchdog: Option<Res<WatchdogSeconds>>,
    mut ready: Local<bool>,
    mut said_stuck: Local<bool>,
) {
    let now = clock.seconds();
    // Frames still come while the show waits for a slide that is never drawn; they do not count.
    if wait.0.stuck(now, watchdog.map(|w| w.0)) {
        if !std::mem::replace(&mut *said_stuck, true)
            && let Some((waited, what)) = wait.0.late(now)
        {
            error!(
                "the show is stuck: {what} has been awaited for {waited:.0} s; not feeding the watchdog, so systemd restarts the player"
            );
        }
        return;
    }
    *said_stuck = false;
    beat.0.store((now * 1000.0) as u64, Ordering::Relaxed);
    if !*ready {
        *ready = true;
        if let Err(error) = sd_notify::notify(&[NotifyState::Ready]) {
            warn!("cannot tell systemd the player is ready: {error}");
        }
    }
}

fn feed_while_drawing(beat: &FrameBeat, clock: Clock, interval: Duration) {
    let mut starved = false;
    loop {
        std::thread::sleep(interval / 2);
        let last_frame = beat.0.load(Ordering::Relaxed) as f64 / 1000.0;
        let quiet = clock.seconds() - last_frame;
        if last_frame > 0.0 && quiet < interval.as_secs_f64() {
            let _ = sd_notify::notify(&[NotifyState::Watchdog]);
            starved = false;
        } else if !starved && last_frame > 0.0 {
            error!(
                "no frame of a moving show for {quiet:.0}s: not feeding the watchdog, so systemd restarts the player"
            );
            starved = true;
        }
    }
}
