//! The staff exit: a long press in the top-left corner opens a PIN pad; the right PIN closes the
//! player. Visitors have no other way out.

/// A key on the PIN pad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKey {
    Digit(u8),
    Delete,
    Cancel,
    Enter,
}

/// What the pad decided after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinOutcome {
    /// Still typing.
    Open,
    /// Closed without leaving: cancelled, wrong PIN, or left alone.
    Closed,
    /// The right PIN: the player should exit.
    Exit,
}

/// The pad closes after this long without a key, so a curious visitor cannot leave it up.
pub const PIN_PAD_SECONDS: f64 = 30.0;

/// The PIN being typed.
#[derive(Debug)]
pub struct PinPad {
    entered: String,
    last_key: f64,
}

impl PinPad {
    pub fn open(now: f64) -> PinPad {
        PinPad {
            entered: String::new(),
            last_key: now,
        }
    }

    /// How many digits have been typed (the pad shows dots, never the digits).
    pub fn typed(&self) -> usize {
        self.entered.chars().count()
    }

    pub fn key(&mut self, key: PinKey, pin: &str, now: f64) -> PinOutcome {
        self.last_key = now;
        match key {
            PinKey::Digit(d) if d <= 9 && self.entered.len() < 12 => {
                self.entered.push(char::from(b'0' + d));
                PinOutcome::Open
            }
            PinKey::Digit(_) => PinOutcome::Open,
            PinKey::Delete => {
                self.entered.pop();
                PinOutcome::Open
            }
            PinKey::Cancel => PinOutcome::Closed,
            PinKey::Enter if self.entered == pin => PinOutcome::Exit,
            PinKey::Enter => PinOutcome::Closed,
        }
    }

    pub fn tick(&self, now: f64) -> PinOutcome {
        if now - self.last_key >= PIN_PAD_SECONDS {
            PinOutcome::Closed
        } else {
            PinOutcome::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_pin(pad: &mut PinPad, digits: &str, now: f64) {
        for d in digits.bytes() {
            assert_eq!(
                pad.key(PinKey::Digit(d - b'0'), "2580", now),
                PinOutcome::Open
            );
        }
    }

    #[test]
    fn the_right_pin_exits() {
        let mut pad = PinPad::open(0.0);
        type_pin(&mut pad, "2581", 1.0);
        assert_eq!(pad.key(PinKey::Delete, "2580", 1.0), PinOutcome::Open);
        type_pin(&mut pad, "0", 1.0);
        assert_eq!(pad.typed(), 4);
        assert_eq!(pad.key(PinKey::Enter, "2580", 2.0), PinOutcome::Exit);
    }

    #[test]
    fn a_wrong_pin_or_cancel_closes_the_pad() {
        let mut pad = PinPad::open(0.0);
        type_pin(&mut pad, "1234", 1.0);
        assert_eq!(pad.key(PinKey::Enter, "2580", 2.0), PinOutcome::Closed);
        let mut pad = PinPad::open(0.0);
        assert_eq!(pad.key(PinKey::Cancel, "2580", 1.0), PinOutcome::Closed);
    }

    #[test]
    fn a_pad_left_alone_closes() {
        let mut pad = PinPad::open(0.0);
        type_pin(&mut pad, "25", 10.0);
        assert_eq!(pad.tick(39.9), PinOutcome::Open);
        assert_eq!(pad.tick(40.0), PinOutcome::Closed);
    }
}
