//! When a playlist may play: weekdays, time-of-day windows and a date range, in local time.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use std::fmt;

/// A day of the week, written as staff would: `Mon` … `Sun`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    fn of(date: NaiveDate) -> Day {
        use chrono::Weekday::*;
        match date.weekday() {
            Mon => Day::Mon,
            Tue => Day::Tue,
            Wed => Day::Wed,
            Thu => Day::Thu,
            Fri => Day::Fri,
            Sat => Day::Sat,
            Sun => Day::Sun,
        }
    }
}

/// A daily window such as `"08:30-17:15"`; a window whose end is before its start crosses midnight
/// and belongs to the day it starts on (`"22:00-06:00"` on `Fri` plays Friday night into Saturday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeWindow {
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }
}

impl TryFrom<String> for TimeWindow {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let explain = || {
            format!(
                "`{text}` is not a time window; write it as \"HH:MM-HH:MM\", e.g. \"08:30-17:15\""
            )
        };
        let (start, end) = text.split_once('-').ok_or_else(explain)?;
        let parse = |part: &str| {
            let part = part.trim();
            if part == "24:00" {
                // Staff write "24:00" for the end of the day.
                return Ok(NaiveTime::MIN);
            }
            NaiveTime::parse_from_str(part, "%H:%M").map_err(|_| explain())
        };
        let window = TimeWindow {
            start: parse(start)?,
            end: parse(end)?,
        };
        if window.start == window.end && !(end.trim() == "24:00" && window.start == NaiveTime::MIN)
        {
            return Err(format!(
                "the window `{text}` is empty; for the whole day leave `hours` out or write \"00:00-24:00\""
            ));
        }
        Ok(window)
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// A calendar date written `"YYYY-MM-DD"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct CalendarDate(pub NaiveDate);

impl TryFrom<String> for CalendarDate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(CalendarDate)
            .map_err(|_| {
                format!("`{text}` is not a date; write it as \"YYYY-MM-DD\", e.g. \"2026-06-01\"")
            })
    }
}

/// When a playlist plays. Every part is optional; an empty schedule means "always".
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    pub days: Option<Vec<Day>>,
    pub hours: Vec<TimeWindow>,
    pub start_date: Option<CalendarDate>,
    pub end_date: Option<CalendarDate>,
}

impl Schedule {
    /// Whether the schedule allows playing at local time `now`.
    pub fn is_active_at(&self, now: NaiveDateTime) -> bool {
        if self.hours.is_empty() {
            return self.allows_day(now.date());
        }
        let time = now.time();
        self.hours.iter().any(|window| {
            if !window.crosses_midnight() {
                let until_end = window.end == NaiveTime::MIN || time < window.end;
                time >= window.start && until_end && self.allows_day(now.date())
            } else if time >= window.start {
                self.allows_day(now.date())
            } else {
                // The early-morning part of last night's window.
                time < window.end && self.allows_day(now.date() - Duration::days(1))
            }
        })
    }

    fn allows_day(&self, date: NaiveDate) -> bool {
        let day_ok = self
            .days
            .as_ref()
            .is_none_or(|days| days.contains(&Day::of(date)));
        let after_start = self.start_date.is_none_or(|start| date >= start.0);
        let before_end = self.end_date.is_none_or(|end| date <= end.0);
        day_ok && after_start && before_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn window(text: &str) -> TimeWindow {
        TimeWindow::try_from(text.to_string()).unwrap()
    }

    fn date(text: &str) -> Option<CalendarDate> {
        Some(CalendarDate::try_from(text.to_string()).unwrap())
    }

    // 2026-11-23 is a Monday.
    #[test]
    fn empty_schedule_is_always_active() {
        assert!(Schedule::default().is_active_at(at("2026-11-23 03:00")));
    }

    #[test]
    fn office_hours_on_weekdays() {
        let s = Schedule {
            days: Some(vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri]),
            hours: vec![window("08:30-17:15")],
            ..Schedule::default()
        };
        assert!(!s.is_active_at(at("2026-11-23 08:29")));
        assert!(s.is_active_at(at("2026-11-23 08:30")));
        assert!(s.is_active_at(at("2026-11-23 17:14")));
        assert!(
            !s.is_active_at(at("2026-11-23 17:15")),
            "the end is exclusive"
        );
        assert!(!s.is_active_at(at("2026-11-28 10:00")), "Saturday");
    }

    #[test]
    fn window_crossing_midnight_belongs_to_its_start_day() {
        let s = Schedule {
            days: Some(vec![Day::Fri]),
            hours: vec![window("22:00-06:00")],
            ..Schedule::default()
        };
        assert!(s.is_active_at(at("2026-11-27 23:00")), "Friday night");
        assert!(
            s.is_active_at(at("2026-11-28 05:59")),
            "Saturday early morning"
        );
        assert!(!s.is_active_at(at("2026-11-28 06:00")));
        assert!(
            !s.is_active_at(at("2026-11-28 23:00")),
            "Saturday night is not Friday's"
        );
        assert!(
            !s.is_active_at(at("2026-11-27 05:00")),
            "Friday morning belongs to Thursday"
        );
    }

    #[test]
    fn window_ending_at_24_00_runs_to_midnight() {
        let s = Schedule {
            hours: vec![window("18:00-24:00")],
            ..Schedule::default()
        };
        assert!(s.is_active_at(at("2026-11-23 23:59")));
        assert!(!s.is_active_at(at("2026-11-24 00:00")));
        assert!(!s.is_active_at(at("2026-11-23 17:59")));
        let whole_day = window("00:00-24:00");
        assert!(!whole_day.crosses_midnight());
    }

    #[test]
    fn date_range_is_inclusive_and_applies_to_a_nights_start_day() {
        let s = Schedule {
            hours: vec![window("22:00-02:00")],
            start_date: date("2026-12-01"),
            end_date: date("2026-12-31"),
            ..Schedule::default()
        };
        assert!(
            !s.is_active_at(at("2026-12-01 01:00")),
            "belongs to 30 November"
        );
        assert!(s.is_active_at(at("2026-12-01 22:00")));
        assert!(
            s.is_active_at(at("2027-01-01 01:00")),
            "New Year's Eve night"
        );
        assert!(!s.is_active_at(at("2027-01-01 22:00")));
    }

    #[test]
    fn several_windows_in_a_day() {
        let s = Schedule {
            hours: vec![window("08:30-12:00"), window("13:00-17:00")],
            ..Schedule::default()
        };
        assert!(s.is_active_at(at("2026-11-23 11:59")));
        assert!(!s.is_active_at(at("2026-11-23 12:30")));
        assert!(s.is_active_at(at("2026-11-23 13:00")));
    }

    #[test]
    fn bad_windows_and_dates_explain_the_expected_form() {
        for bad in ["8:30", "08:30-25:00", "morning", "08:30-08:30"] {
            let error = TimeWindow::try_from(bad.to_string()).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
        let error = CalendarDate::try_from("2026-02-30".to_string()).unwrap_err();
        assert!(error.contains("YYYY-MM-DD"), "{error}");
    }
}
