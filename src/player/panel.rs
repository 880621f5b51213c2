//! The panel's power on a schedule (the config's `display` section): off when nothing is
//! scheduled or outside its own hours, on again when something is, at once for an emergency.
//! While the panel is off on purpose the slideshow waits; a frame a minute still feeds the
//! watchdog.

use super::screen::{Clock, NextFrame};
use super::slideshow::{Playlists, SlideTimer};
use crate::core::display::PanelPower;
use crate::panel::{METHODS, switch};
use crate::status::PanelReport;
use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use chrono::{Local, Timelike};
use std::sync::{Arc, Mutex};

pub struct PanelPlugin {
    pub power: PanelPower,
}

impl Plugin for PanelPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Panel {
            power: self.power.clone(),
            wanted: None,
            last_switch: Arc::default(),
        })
        .configure_sets(Update, SlideTimer.run_if(panel_on))
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
    /// What the panel was last switched to; `None` until the playlists have been read.
    wanted: Option<bool>,
    /// How the last switch went: the method that worked, or why none did. Switching runs on a
    /// thread of its own (a CEC bus can take seconds to answer).
    last_switch: Arc<Mutex<Option<Result<&'static str, String>>>>,
}

impl Panel {
    pub fn report(&self) -> PanelReport {
        let last = self.last_switch.lock().ok().and_then(|last| last.clone());
        PanelReport {
            on: self.wanted != Some(false),
            method: last.clone().and_then(Result::ok).map(str::to_owned),
            error: last.and_then(Result::err),
        }
    }
}

fn panel_on(panel: Res<Panel>) -> bool {
    panel.wanted != Some(false)
}

fn follow_schedule(
    mut panel: ResMut<Panel>,
    playlists: Res<Playlists>,
    clock: Res<Clock>,
    mut next_frame: ResMut<NextFrame>,
    proxy: Option<Res<EventLoopProxyWrapper>>,
) {
    // Schedules are written to the minute: look again when the next one starts.
    let now = Local::now().naive_local();
    next_frame.within(&clock, 60.0 - f64::from(now.second()));
    if !playlists.read {
        return;
    }
    let on = panel
        .power
        .panel_on(now, &playlists.library.programme_at(now));
    if panel.wanted == Some(on) {
        return;
    }
    panel.wanted = Some(on);
    let last_switch = panel.last_switch.clone();
    let proxy = proxy.map(|p| (**p).clone());
    std::thread::spawn(move || {
        let state = if on { "on" } else { "off" };
        let outcome = switch(on, &METHODS)
            .map(|method| {
                info!("panel switched {state} by {}", method.name());
                method.name()
            })
            .map_err(|failures| {
                let failures = failures.join("; ");
                warn!("cannot switch the panel {state}: {failures}");
                failures
            });
        if let Ok(mut last) = last_switch.lock() {
            *last = Some(outcome);
        }
        // One frame, so /status tells how the switch went.
        if let Some(proxy) = proxy {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }
    });
}
