//! Fingers and mouse clicks turned into taps: one finger at a time, press and release in the same
//! place. A second finger spoils the gesture, so a palm or a child's two hands never answer.

use super::quiz::Tap;
use super::staff_exit::PinKey;

/// A rectangle in screen pixels, top-left origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    pub fn contains(&self, (x, y): (f32, f32)) -> bool {
        x >= self.x && x < self.x + self.width && y >= self.y && y < self.y + self.height
    }
}

/// What touching a button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quiz(Tap),
    Pin(PinKey),
}

/// A touch target drawn on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Button {
    pub rect: Rect,
    pub action: Action,
}

/// The button under a point; later buttons lie on top of earlier ones.
pub fn hit(buttons: &[Button], at: (f32, f32)) -> Option<Action> {
    buttons
        .iter()
        .rev()
        .find(|b| b.rect.contains(at))
        .map(|b| b.action)
}

/// What a finger (or the mouse) did, once it lifted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gesture {
    /// A short touch at this point.
    Tap((f32, f32)),
    /// A touch held still for at least [`LONG_PRESS_SECONDS`].
    LongPress((f32, f32)),
}

/// How long a staff member holds a corner to ask for the PIN pad.
pub const LONG_PRESS_SECONDS: f64 = 3.0;

/// A finger that moves further than this (in pixels) is swiping, not tapping.
const SLOP_PIXELS: f32 = 40.0;

/// Follows the pointers that are down and reports a gesture when the last one lifts.
#[derive(Debug, Default)]
pub struct PointerTracker {
    down: Vec<Pointer>,
    /// More than one pointer was down together: nothing counts until all have lifted.
    spoiled: bool,
}

#[derive(Debug)]
struct Pointer {
    id: u64,
    start: (f32, f32),
    since: f64,
}

impl PointerTracker {
    pub fn press(&mut self, id: u64, at: (f32, f32), now: f64) {
        self.down.retain(|p| p.id != id);
        if !self.down.is_empty() {
            self.spoiled = true;
        }
        self.down.push(Pointer {
            id,
            start: at,
            since: now,
        });
    }

    /// The pointer lifted at `at`; returns the gesture it completed, if any.
    pub fn release(&mut self, id: u64, at: (f32, f32), now: f64) -> Option<Gesture> {
        let index = self.down.iter().position(|p| p.id == id)?;
        let pointer = self.down.remove(index);
        if self.spoiled {
            self.spoiled = !self.down.is_empty();
            return None;
        }
        let (dx, dy) = (at.0 - pointer.start.0, at.1 - pointer.start.1);
        if dx.hypot(dy) > SLOP_PIXELS {
            return None;
        }
        Some(if now - pointer.since >= LONG_PRESS_SECONDS {
            Gesture::LongPress(pointer.start)
        } else {
            Gesture::Tap(pointer.start)
        })
    }

    /// The system took the pointer away (a touch cancelled by the compositor).
    pub fn cancel(&mut self, id: u64) {
        self.down.retain(|p| p.id != id);
        if self.down.is_empty() {
            self.spoiled = false;
        }
    }
}

/// The smallest side of a touch target, in millimetres, that children and elderly visitors hit
/// reliably.
pub const MIN_TARGET_MM: f32 = 15.0;

/// The pixels per millimetre of a screen of `diagonal_inches` showing `width` × `height` pixels.
pub fn pixels_per_mm(width: u32, height: u32, diagonal_inches: f32) -> f32 {
    (width as f32).hypot(height as f32) / (diagonal_inches * 25.4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_press_and_release_in_place_is_a_tap_where_the_finger_landed() {
        let mut t = PointerTracker::default();
        t.press(1, (100.0, 100.0), 0.0);
        assert_eq!(
            t.release(1, (110.0, 104.0), 0.2),
            Some(Gesture::Tap((100.0, 100.0)))
        );
        assert_eq!(t.release(1, (110.0, 104.0), 0.3), None, "already lifted");
    }

    #[test]
    fn a_swipe_is_not_a_tap() {
        let mut t = PointerTracker::default();
        t.press(1, (100.0, 100.0), 0.0);
        assert_eq!(t.release(1, (300.0, 100.0), 0.3), None);
    }

    #[test]
    fn two_fingers_do_nothing_until_both_lift_then_taps_work_again() {
        let mut t = PointerTracker::default();
        t.press(1, (100.0, 100.0), 0.0);
        t.press(2, (500.0, 300.0), 0.05);
        assert_eq!(t.release(2, (500.0, 300.0), 0.1), None);
        assert_eq!(t.release(1, (100.0, 100.0), 0.2), None);
        t.press(3, (200.0, 200.0), 1.0);
        assert_eq!(
            t.release(3, (200.0, 200.0), 1.1),
            Some(Gesture::Tap((200.0, 200.0)))
        );
    }

    #[test]
    fn a_cancelled_touch_does_nothing_and_clears_the_spoil() {
        let mut t = PointerTracker::default();
        t.press(1, (0.0, 0.0), 0.0);
        t.press(2, (50.0, 0.0), 0.0);
        t.cancel(1);
        t.cancel(2);
        assert_eq!(t.release(2, (50.0, 0.0), 0.1), None, "already gone");
        t.press(3, (10.0, 10.0), 1.0);
        assert!(matches!(
            t.release(3, (10.0, 10.0), 1.1),
            Some(Gesture::Tap(_))
        ));
    }

    #[test]
    fn holding_still_for_three_seconds_is_a_long_press() {
        let mut t = PointerTracker::default();
        t.press(1, (5.0, 5.0), 10.0);
        assert_eq!(
            t.release(1, (8.0, 6.0), 13.0),
            Some(Gesture::LongPress((5.0, 5.0)))
        );
    }

    #[test]
    fn fifteen_millimetres_on_a_ten_inch_tablet() {
        // A 10.1-inch 1280×800 tablet has about 5.9 pixels per millimetre: 15 mm is 89 pixels.
        let target = MIN_TARGET_MM * pixels_per_mm(1280, 800, 10.1);
        assert!((88.0..90.0).contains(&target), "{target}");
    }

    #[test]
    fn rectangles_contain_their_inside_only() {
        let r = Rect {
            x: 10.0,
            y: 10.0,
            width: 100.0,
            height: 50.0,
        };
        assert!(r.contains((10.0, 10.0)) && r.contains((109.0, 59.0)));
        assert!(!r.contains((110.0, 30.0)) && !r.contains((50.0, 9.0)));
    }
}
