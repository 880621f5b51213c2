//! The panel's power on a schedule (the config's `display` section): off when nothing is
//! scheduled or outside its own hours, on again when something is, at once for an emergency.
//! While the panel is off on purpose the slideshow waits; a frame a minute still feeds the
//! watchdog.

use super::screen::{Clock, NextFrame};
use super::slideshow::{Playlists, SlideTimer};
use crate::core::display::PanelPower;
use crate::panel_switch::{METHODS, switch};
use crate::status::PanelReport;
use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use chrono::{Local, Timelike};
use std::sync::{Arc, Mutex, mpsc};

pub struct PanelPlugin {
    pub power: PanelPower,
}

impl Plugin for PanelPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Panel {
            power: self.power.clone(),
            wanted: None,
            switcher: None,
            state: Arc::default(),
        })
        .configure_sets(Update, SlideTimer.run_if(panel_lit))
        .add_systems(Startup, start_switcher)
        .add_systems(
            Update,
            follow_schedule
                .after(super::slideshow::receive_changes)
                .before(SlideTimer),
        );
    }
}

#[derive(Resource)]
pub struct Panel {
    power: PanelPower,
    /// What the schedule wants the panel to be; `None` until the playlists have been read.
    wanted: Option<bool>,
    /// The switching thread: a CEC bus can take seconds to answer, so switching never runs on
    /// the frame loop, and one thread acting on the latest wish keeps switches in order.
    switcher: Option<mpsc::Sender<bool>>,
    state: Arc<Mutex<PanelState>>,
}

/// What the switching thread last did.
#[derive(Default)]
struct PanelState {
    /// The panel was switched off and is off: only then does the show wait. A panel that could
    /// not be switched off goes on showing the slides.
    dark: bool,
    /// The method that worked, or why none did.
    last: Option<Result<&'static str, String>>,
}

impl Panel {
    pub fn report(&self) -> PanelReport {
        let state = self.state.lock();
        let last = state.ok().and_then(|state| state.last.clone());
        PanelReport {
            on: self.wanted != Some(false),
            method: last.clone().and_then(Result::ok).map(str::to_owned),
            error: last.and_then(Result::err),
        }
    }
}

fn panel_lit(panel: Res<Panel>) -> bool {
    !panel.state.lock().is_ok_and(|state| state.dark)
}

fn start_switcher(mut panel: ResMut<Panel>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    let (sender, wishes) = mpsc::channel::<bool>();
    let state = panel.state.clone();
    let proxy = proxy.map(|p| (**p).clone());
    panel.switcher = Some(sender);
    std::thread::Builder::new()
        .name("panel power".into())
        .spawn(move || {
            while let Ok(wish) = wishes.recv() {
                // Only the latest wish counts: an emergency that came while the panel was being
                // switched off is acted on next, not an older one.
                let on = wishes.try_iter().last().unwrap_or(wish);
                let word = if on { "on" } else { "off" };
                let outcome = switch(on, &METHODS)
                    .map(|method| {
                        info!("panel switched {word} by {}", method.name());
                        method.name()
                    })
                    .map_err(|failures| {
                        let failures = failures.join("; ");
                        warn!("cannot switch the panel {word}: {failures}");
                        failures
                    });
                if let Ok(mut state) = state.lock() {
                    state.dark = !on && outcome.is_ok();
                    state.last = Some(outcome);
                }
                // A frame, so /status tells how the switch went and the show goes on if the
                // panel stays lit.
                if let Some(proxy) = &proxy {
                    let _ = proxy.send_event(WinitUserEvent::WakeUp);
                }
            }
        })
        .expect("the system can start a thread");
}

fn follow_schedule(
    mut panel: ResMut<Panel>,
    playlists: Res<Playlists>,
    clock: Res<Clock>,
    mut next_frame: ResMut<NextFrame>,
) {
    // Schedules are written to the minute: look again when the next one starts.
    let now = Local::now().naive_local();
    next_frame.within(&clock, 60.0 - f64::from(now.second()));
    if !playlists.read {
        return;
    }
    let on = panel.power.panel_on(
        now,
        &playlists.library.programme_at(now),
        playlists.library.closed_days(),
    );
    if panel.wanted == Some(on) {
        return;
    }
    panel.wanted = Some(on);
    if on && let Ok(mut state) = panel.state.lock() {
        // The show resumes at once; the panel lights up as soon as it answers.
        state.dark = false;
    }
    if let Some(switcher) = &panel.switcher {
        let _ = switcher.send(on);
    }
}
