//! The compositor's word on which frames reached the screen: Wayland's presentation-time protocol
//! (`wp_presentation`) on the window's own connection. For each video frame drawn the player asks
//! for feedback on its surface's next commit (the one that carries the frame); the compositor
//! answers "presented" when the frame was on the output, or "discarded" when a later commit
//! replaced it unseen.
//!
//! Only cage 0.2 and later offer the protocol (Debian 12's cage 0.1.4 does not); elsewhere, and
//! under X11, the player counts a frame as presented when it is drawn.

use crate::status::Counters;
use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wayland_backend::client::{Backend, ObjectId};
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_surface::WlSurface};
use wayland_client::{Connection, Dispatch, Proxy, QueueHandle};
use wayland_protocols::wp::presentation_time::client::{wp_presentation, wp_presentation_feedback};

/// Feedback on one window's frames, counted into the player's counters.
pub struct Presentation {
    presentation: wp_presentation::WpPresentation,
    surface: WlSurface,
    queue: QueueHandle<Feedback>,
}

/// What the connection's own thread keeps: where the counts go, and the compositor's clock.
struct Feedback {
    counters: Arc<Counters>,
    /// The clock the compositor's times are on (`CLOCK_MONOTONIC` where it says so).
    clock: Option<u32>,
}

/// When a frame was drawn, on `CLOCK_MONOTONIC`, in microseconds.
struct DrawnAt(u64);

impl Presentation {
    /// Binds `wp_presentation` on the connection of the window whose `wl_display` and
    /// `wl_surface` these are. `Ok(None)` where the compositor does not offer it.
    ///
    /// # Safety
    /// Both pointers must be the live objects of a window that outlives the returned value
    /// (the player's one window lives as long as the process).
    pub unsafe fn start(
        display: *mut c_void,
        surface: *mut c_void,
        counters: Arc<Counters>,
    ) -> Result<Option<Presentation>, String> {
        // SAFETY: the caller vouches for the display; this connection never closes it.
        let backend = unsafe { Backend::from_foreign_display(display.cast()) };
        let connection = Connection::from_backend(backend);
        let (globals, mut events) = registry_queue_init::<Feedback>(&connection)
            .map_err(|e| format!("the compositor's globals cannot be read: {e}"))?;
        let queue = events.handle();
        let Ok(presentation) =
            globals.bind::<wp_presentation::WpPresentation, _, _>(&queue, 1..=1, ())
        else {
            return Ok(None);
        };
        // SAFETY: the caller vouches for the surface.
        let id = unsafe { ObjectId::from_ptr(WlSurface::interface(), surface.cast()) }
            .map_err(|e| format!("the window's surface is not a wl_surface: {e}"))?;
        let surface = WlSurface::from_id(&connection, id)
            .map_err(|e| format!("the window's surface cannot be used: {e}"))?;
        counters
            .presentation_feedback
            .store(true, Ordering::Relaxed);
        let mut feedback = Feedback {
            counters,
            clock: None,
        };
        // The clock comes with the bind.
        events
            .roundtrip(&mut feedback)
            .map_err(|e| format!("the compositor does not answer: {e}"))?;
        // Events for our objects are read by whichever thread reads the socket (winit's too) and
        // queued for this one.
        std::thread::Builder::new()
            .name("presentation".into())
            .spawn(move || while events.blocking_dispatch(&mut feedback).is_ok() {})
            .map_err(|e| format!("no thread for the compositor's feedback: {e}"))?;
        Ok(Some(Presentation {
            presentation,
            surface,
            queue,
        }))
    }

    /// A frame was drawn and is about to be committed: the compositor will say whether it shows it.
    pub fn frame_drawn(&self) {
        self.presentation
            .feedback(&self.surface, &self.queue, DrawnAt(monotonic_micros()));
    }
}

fn monotonic_micros() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Feedback {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<wp_presentation::WpPresentation, ()> for Feedback {
    fn event(
        state: &mut Self,
        _: &wp_presentation::WpPresentation,
        event: wp_presentation::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wp_presentation::Event::ClockId { clk_id } = event {
            state.clock = Some(clk_id);
        }
    }
}

impl Dispatch<wp_presentation_feedback::WpPresentationFeedback, DrawnAt> for Feedback {
    fn event(
        state: &mut Self,
        _: &wp_presentation_feedback::WpPresentationFeedback,
        event: wp_presentation_feedback::Event,
        drawn: &DrawnAt,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let counters = &state.counters;
        match event {
            wp_presentation_feedback::Event::Presented {
                tv_sec_hi,
                tv_sec_lo,
                tv_nsec,
                ..
            } => {
                Counters::add(&counters.video_frames_presented, 1);
                if state.clock == Some(libc::CLOCK_MONOTONIC as u32) {
                    let seconds = (u64::from(tv_sec_hi) << 32) | u64::from(tv_sec_lo);
                    let shown = seconds * 1_000_000 + u64::from(tv_nsec) / 1_000;
                    Counters::add(
                        &counters.video_draw_to_screen_micros,
                        shown.saturating_sub(drawn.0),
                    );
                }
            }
            wp_presentation_feedback::Event::Discarded => {
                Counters::add(&counters.video_frames_discarded, 1);
            }
            _ => {}
        }
    }
}
