//! The screen as mounted: how the picture is turned for a panel hung in portrait, and when the
//! panel itself should be on.

use super::library::Programme;
use super::schedule::{ClosedDays, Schedule};
use chrono::NaiveDateTime;
use serde::Deserialize;

/// How far the panel is turned clockwise from its normal position, as seen from the front:
/// `rotation: 90` for a landscape panel hung in portrait with its top edge to the right.
///
/// The player turns its own picture (the compositor cannot: cage 0.1.4 has no output
/// management), so slides are laid out for the panel as seen, and turned back when drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u32")]
pub enum Rotation {
    #[default]
    Upright,
    Quarter,
    Half,
    ThreeQuarters,
}

impl TryFrom<u32> for Rotation {
    type Error = String;

    fn try_from(degrees: u32) -> Result<Self, String> {
        match degrees {
            0 => Ok(Rotation::Upright),
            90 => Ok(Rotation::Quarter),
            180 => Ok(Rotation::Half),
            270 => Ok(Rotation::ThreeQuarters),
            _ => Err(format!(
                "`{degrees}` is not a rotation; write 0, 90, 180 or 270 (degrees clockwise)"
            )),
        }
    }
}

impl Rotation {
    pub fn degrees(self) -> u32 {
        self as u32 * 90
    }

    fn sideways(self) -> bool {
        matches!(self, Rotation::Quarter | Rotation::ThreeQuarters)
    }

    /// The size slides are laid out at, as the viewer sees the panel, from the output's size.
    pub fn canvas_size(self, output: (u32, u32)) -> (u32, u32) {
        if self.sideways() {
            (output.1, output.0)
        } else {
            output
        }
    }

    /// Where a point of the viewer's picture lands on the output; both as fractions (0 to 1,
    /// y down) of their width and height.
    pub fn to_output(self, (x, y): (f32, f32)) -> (f32, f32) {
        match self {
            Rotation::Upright => (x, y),
            Rotation::Quarter => (y, 1.0 - x),
            Rotation::Half => (1.0 - x, 1.0 - y),
            Rotation::ThreeQuarters => (1.0 - y, x),
        }
    }

    /// The inverse of [`Rotation::to_output`]: where a touch on the output is in the picture.
    pub fn to_canvas(self, (u, v): (f32, f32)) -> (f32, f32) {
        match self {
            Rotation::Upright => (u, v),
            Rotation::Quarter => (1.0 - v, u),
            Rotation::Half => (1.0 - u, 1.0 - v),
            Rotation::ThreeQuarters => (v, 1.0 - u),
        }
    }

    /// [`Rotation::to_output`] as a matrix about the centre, `[m00, m01, m10, m11]`, for the
    /// compositor's vertex stage: output − ½ = M · (canvas − ½).
    pub fn matrix(self) -> [f32; 4] {
        match self {
            Rotation::Upright => [1.0, 0.0, 0.0, 1.0],
            Rotation::Quarter => [0.0, 1.0, -1.0, 0.0],
            Rotation::Half => [-1.0, 0.0, 0.0, -1.0],
            Rotation::ThreeQuarters => [0.0, -1.0, 1.0, 0.0],
        }
    }
}

/// When the panel is switched on: the `display` section of the device config. Without the
/// section the player never touches the panel's power.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PanelPower {
    /// The panel's own opening hours. Without them the panel is on whenever a playlist is
    /// scheduled, and off when only the idle screen would show.
    pub hours: Option<Schedule>,
}

impl PanelPower {
    /// Whether the panel should be on at local time `now` while `programme` plays. An
    /// emergency switches it on whatever the hours say.
    /// The hours may leave out `closed` days (`except: [ClosedDays]`).
    pub fn panel_on(&self, now: NaiveDateTime, programme: &Programme, closed: &ClosedDays) -> bool {
        if programme.emergency && !programme.playlists.is_empty() {
            return true;
        }
        match &self.hours {
            Some(hours) => hours.is_active_at(now, closed),
            None => !programme.playlists.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Rotation; 4] = [
        Rotation::Upright,
        Rotation::Quarter,
        Rotation::Half,
        Rotation::ThreeQuarters,
    ];

    #[test]
    fn a_quarter_turn_puts_the_pictures_top_on_the_panels_left_edge() {
        // Turned a quarter clockwise, the panel's left edge is at the top: the picture's
        // top-left corner must be drawn at the panel's bottom-left.
        assert_eq!(Rotation::Quarter.to_output((0.0, 0.0)), (0.0, 1.0));
        assert_eq!(Rotation::Quarter.to_output((1.0, 0.0)), (0.0, 0.0));
        assert_eq!(Rotation::Quarter.canvas_size((1920, 1080)), (1080, 1920));
        assert_eq!(Rotation::Half.canvas_size((1920, 1080)), (1920, 1080));
        assert_eq!(Rotation::ThreeQuarters.to_output((0.0, 0.0)), (1.0, 0.0));
    }

    #[test]
    fn touches_map_back_to_where_the_picture_was_drawn() {
        for rotation in ALL {
            for point in [(0.1, 0.2), (0.9, 0.05), (0.5, 0.5), (0.0, 1.0)] {
                let back = rotation.to_canvas(rotation.to_output(point));
                assert!(
                    (back.0 - point.0).abs() < 1e-6 && (back.1 - point.1).abs() < 1e-6,
                    "{rotation:?} {point:?} -> {back:?}"
                );
            }
        }
    }

    #[test]
    fn the_matrix_is_the_same_turn_as_to_output() {
        for rotation in ALL {
            let [a, b, c, d] = rotation.matrix();
            for (x, y) in [(0.0, 0.0), (1.0, 0.0), (0.25, 0.75)] {
                let (cx, cy) = (x - 0.5, y - 0.5);
                let by_matrix = (a * cx + b * cy + 0.5, c * cx + d * cy + 0.5);
                assert_eq!(by_matrix, rotation.to_output((x, y)), "{rotation:?}");
            }
        }
    }

    #[test]
    fn rotations_are_written_in_degrees() {
        assert_eq!(Rotation::try_from(270), Ok(Rotation::ThreeQuarters));
        assert_eq!(Rotation::ThreeQuarters.degrees(), 270);
        assert!(
            Rotation::try_from(45)
                .unwrap_err()
                .contains("0, 90, 180 or 270")
        );
    }

    #[test]
    fn the_panel_follows_the_programme_or_its_own_hours_and_wakes_for_emergencies() {
        let at = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        let nothing = Programme::default();
        let lobby = Programme {
            emergency: false,
            playlists: vec!["lobby.ron".into()],
        };
        let alarm = Programme {
            emergency: true,
            playlists: vec!["earthquake.ron".into()],
        };
        let by_programme = PanelPower::default();
        assert!(!by_programme.panel_on(at("2026-12-01 03:00"), &nothing, &ClosedDays::default()));
        assert!(by_programme.panel_on(at("2026-12-01 03:00"), &lobby, &ClosedDays::default()));
        let office_hours = PanelPower {
            hours: Some(Schedule {
                hours: vec!["08:30-17:15".to_string().try_into().unwrap()],
                ..Schedule::default()
            }),
        };
        assert!(office_hours.panel_on(at("2026-12-01 09:00"), &nothing, &ClosedDays::default()));
        assert!(!office_hours.panel_on(at("2026-12-01 20:00"), &lobby, &ClosedDays::default()));
        assert!(office_hours.panel_on(at("2026-12-01 20:00"), &alarm, &ClosedDays::default()));
    }
}
