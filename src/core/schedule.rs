//! When a playlist may play: weekdays, time-of-day windows, a date range and the days the
//! office is closed, in local time.

use super::diagnostic::{Diagnostic, SourceLocator, parse_ron};
use super::holidays::holiday_name;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use std::collections::BTreeSet;
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

/// Times and dates as a Japanese keyboard in full-width mode types them: `０８：３０` is 08:30,
/// and `〜` between two times (as notices write it) is the window's `-`.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            '－' | '−' | '‐' | '〜' | '～' => '-',
            '　' => ' ',
            c => c,
        })
        .collect()
}

impl TryFrom<String> for TimeWindow {
    type Error = String;

    fn try_from(written: String) -> Result<Self, String> {
        let text = half_width(&written);
        let explain = || {
            format!(
                "`{written}` is not a time window; write it as \"HH:MM-HH:MM\", e.g. \"08:30-17:15\""
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
                "the window `{written}` is empty; for the whole day leave `hours` out or write \"00:00-24:00\""
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
        NaiveDate::parse_from_str(half_width(&text).trim(), "%Y-%m-%d")
            .map(CalendarDate)
            .map_err(|_| {
                format!("`{text}` is not a date; write it as \"YYYY-MM-DD\", e.g. \"2026-06-01\"")
            })
    }
}

/// Days a schedule can leave out by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Closure {
    /// Japan's national holidays, with substitute and citizens' holidays ([`holiday_name`]).
    Holidays,
    /// The year-end closure of government offices, 29 December to 3 January (行政機関の休日).
    YearEnd,
    /// The office's own closed days, listed in `closed_days.ron` beside the playlists.
    ClosedDays,
}

impl Closure {
    /// Whether this closure leaves `date` out.
    pub fn closes(self, date: NaiveDate, closed: &ClosedDays) -> bool {
        match self {
            Closure::Holidays => holiday_name(date).is_some(),
            Closure::YearEnd => {
                (date.month() == 12 && date.day() >= 29) || (date.month() == 1 && date.day() <= 3)
            }
            Closure::ClosedDays => closed.0.contains(&date),
        }
    }
}

/// The office's own closed days (`closed_days.ron`), from every content source at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosedDays(pub BTreeSet<NaiveDate>);

/// `closed_days.ron` as staff write it.
#[derive(Deserialize)]
#[serde(rename = "ClosedDays", deny_unknown_fields)]
struct ClosedDaysFile {
    #[serde(default)]
    dates: Vec<CalendarDate>,
    /// First and last day, both closed: `("2027-08-13", "2027-08-16")`.
    #[serde(default)]
    periods: Vec<(CalendarDate, CalendarDate)>,
}

/// The longest closure one period may name.
const MAX_PERIOD_DAYS: i64 = 366;

impl ClosedDays {
    /// Parses `ClosedDays(dates: [..], periods: [(first, last), ..])`, every problem at once.
    pub fn parse(source: &str) -> Result<ClosedDays, Vec<Diagnostic>> {
        let file: ClosedDaysFile = parse_ron(source).map_err(|d| vec![d])?;
        let mut at = SourceLocator::new(source);
        let mut problems = Vec::new();
        let mut days: BTreeSet<NaiveDate> = file.dates.iter().map(|d| d.0).collect();
        for (first, last) in &file.periods {
            let length = (last.0 - first.0).num_days() + 1;
            let position = at.string_literal(&last.0.format("%Y-%m-%d").to_string());
            if length < 1 {
                problems.push(Diagnostic::new(
                    position,
                    format!(
                        "the period ends on {} before it starts on {}",
                        last.0, first.0
                    ),
                ));
            } else if length > MAX_PERIOD_DAYS {
                problems.push(Diagnostic::new(
                    position,
                    format!("the period from {} to {} is {length} days; a period is at most {MAX_PERIOD_DAYS}", first.0, last.0),
                ));
            } else {
                days.extend(first.0.iter_days().take(length as usize));
            }
        }
        if problems.is_empty() {
            Ok(ClosedDays(days))
        } else {
            Err(problems)
        }
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
    /// Days left out by name: `[Holidays, YearEnd, ClosedDays]`.
    pub except: Vec<Closure>,
    /// Days left out one by one: `["2026-12-28"]`.
    pub except_dates: Vec<CalendarDate>,
}

impl Schedule {
    /// Whether the schedule allows playing at local time `now`, the office being closed on
    /// `closed` days.
    pub fn is_active_at(&self, now: NaiveDateTime, closed: &ClosedDays) -> bool {
        self.days_with_a_window_at(now)
            .into_iter()
            .any(|day| self.allows_day(day, closed))
    }

    /// The days whose windows hold `now`: a window crossing midnight belongs to the day it
    /// starts on, so at 01:00 it may be last night's window, this morning's, or both.
    fn days_with_a_window_at(&self, now: NaiveDateTime) -> Vec<NaiveDate> {
        let today = now.date();
        if self.hours.is_empty() {
            return vec![today];
        }
        let time = now.time();
        self.hours
            .iter()
            .filter_map(|window| {
                if !window.crosses_midnight() {
                    let until_end = window.end == NaiveTime::MIN || time < window.end;
                    (time >= window.start && until_end).then_some(today)
                } else if time >= window.start {
                    Some(today)
                } else {
                    // The early-morning part of last night's window.
                    (time < window.end).then(|| today - Duration::days(1))
                }
            })
            .collect()
    }

    fn allows_day(&self, date: NaiveDate, closed: &ClosedDays) -> bool {
        let day_ok = self
            .days
            .as_ref()
            .is_none_or(|days| days.contains(&Day::of(date)));
        let after_start = self.start_date.is_none_or(|start| date >= start.0);
        let before_end = self.end_date.is_none_or(|end| date <= end.0);
        let closed = self.except.iter().any(|c| c.closes(date, closed))
            || self.except_dates.iter().any(|d| d.0 == date);
        day_ok && after_start && before_end && !closed
    }

    /// The moments in `date` at which this schedule may start or stop: midnight and the
    /// start and end of each window. Nothing changes between them.
    pub fn turning_points(&self, date: NaiveDate) -> impl Iterator<Item = NaiveDateTime> + '_ {
        std::iter::once(NaiveTime::MIN)
            .chain(self.hours.iter().flat_map(|w| [w.start, w.end]))
            .map(move |time| date.and_time(time))
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

    #[test]
    fn full_width_times_and_dates_read_as_digits() {
        assert_eq!(window("０８：３０－１７：１５"), window("08:30-17:15"));
        assert_eq!(window("8:30〜17:15"), window("08:30-17:15"));
        assert_eq!(date("２０２６－０６－０１"), date("2026-06-01"));
        // Still refused, with the text as written.
        let problem = TimeWindow::try_from("８時半から".to_string()).unwrap_err();
        assert!(problem.starts_with("`８時半から`"), "{problem}");
    }

    const OPEN: ClosedDays = ClosedDays(BTreeSet::new());

    fn office_hours(except: Vec<Closure>) -> Schedule {
        Schedule {
            days: Some(vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri]),
            hours: vec![window("08:30-17:15")],
            except,
            ..Schedule::default()
        }
    }

    #[test]
    fn holidays_and_the_year_end_closure_are_left_out_when_asked() {
        let office = office_hours(vec![Closure::Holidays, Closure::YearEnd]);
        // 2026-11-23 (Monday) is 勤労感謝の日; 2026-09-22 (Tuesday) a citizens' holiday.
        assert!(!office.is_active_at(at("2026-11-23 10:00"), &OPEN));
        assert!(!office.is_active_at(at("2026-09-22 10:00"), &OPEN));
        assert!(office.is_active_at(at("2026-11-24 10:00"), &OPEN));
        // The year-end closure: Tuesday 29 December 2026 to Sunday 3 January 2027.
        assert!(office.is_active_at(at("2026-12-28 10:00"), &OPEN));
        for closed in ["2026-12-29", "2026-12-31", "2027-01-01"] {
            assert!(
                !office.is_active_at(at(&format!("{closed} 10:00")), &OPEN),
                "{closed}"
            );
        }
        assert!(office.is_active_at(at("2027-01-04 10:00"), &OPEN));
        // Without `except`, a holiday is a day like any other.
        assert!(office_hours(vec![]).is_active_at(at("2026-11-23 10:00"), &OPEN));
    }

    #[test]
    fn the_offices_own_closed_days_and_single_dates_are_left_out() {
        let closed = ClosedDays([date("2026-12-04").unwrap().0].into());
        let office = office_hours(vec![Closure::ClosedDays]);
        assert!(!office.is_active_at(at("2026-12-04 10:00"), &closed));
        assert!(office.is_active_at(at("2026-12-04 10:00"), &OPEN));
        let one_day = Schedule {
            except_dates: vec![date("2026-12-03").unwrap()],
            ..office_hours(vec![])
        };
        assert!(!one_day.is_active_at(at("2026-12-03 10:00"), &OPEN));
        assert!(one_day.is_active_at(at("2026-12-02 10:00"), &OPEN));
    }

    #[test]
    fn closed_days_files_list_dates_and_periods() {
        let closed = ClosedDays::parse(
            "// 臨時休館\nClosedDays(dates: [\"2026-12-04\"], periods: [(\"2027-08-13\", \"2027-08-16\")])",
        )
        .unwrap();
        assert_eq!(closed.0.len(), 5);
        assert!(closed.0.contains(&date("2027-08-15").unwrap().0));
        let problems =
            ClosedDays::parse("ClosedDays(\n  periods: [(\"2027-08-16\", \"2027-08-13\")],\n)")
                .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].position.line, 2, "{}", problems[0]);
        assert!(
            problems[0].message.contains("before it starts"),
            "{}",
            problems[0]
        );
        let problems = ClosedDays::parse("ClosedDays(dates: [\"2026-13-01\"])").unwrap_err();
        assert!(
            problems[0].to_string().contains("YYYY-MM-DD"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_night_window_is_left_out_with_the_day_it_starts_on() {
        let nights = Schedule {
            hours: vec![window("22:00-06:00")],
            except: vec![Closure::Holidays],
            ..Schedule::default()
        };
        // The night of 23 November (a holiday) is left out, into the 24th too; the night of
        // 22 November runs into the holiday morning.
        assert!(!nights.is_active_at(at("2026-11-23 23:00"), &OPEN));
        assert!(!nights.is_active_at(at("2026-11-24 05:00"), &OPEN));
        assert!(nights.is_active_at(at("2026-11-23 05:00"), &OPEN));
    }

    // 2026-11-23 is a Monday.
    #[test]
    fn empty_schedule_is_always_active() {
        assert!(Schedule::default().is_active_at(at("2026-11-23 03:00"), &OPEN));
    }

    #[test]
    fn office_hours_on_weekdays() {
        let s = Schedule {
            days: Some(vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri]),
            hours: vec![window("08:30-17:15")],
            ..Schedule::default()
        };
        assert!(!s.is_active_at(at("2026-11-23 08:29"), &OPEN));
        assert!(s.is_active_at(at("2026-11-23 08:30"), &OPEN));
        assert!(s.is_active_at(at("2026-11-23 17:14"), &OPEN));
        assert!(
            !s.is_active_at(at("2026-11-23 17:15"), &OPEN),
            "the end is exclusive"
        );
        assert!(!s.is_active_at(at("2026-11-28 10:00"), &OPEN), "Saturday");
    }

    #[test]
    fn window_crossing_midnight_belongs_to_its_start_day() {
        let s = Schedule {
            days: Some(vec![Day::Fri]),
            hours: vec![window("22:00-06:00")],
            ..Schedule::default()
        };
        assert!(
            s.is_active_at(at("2026-11-27 23:00"), &OPEN),
            "Friday night"
        );
        assert!(
            s.is_active_at(at("2026-11-28 05:59"), &OPEN),
            "Saturday early morning"
        );
        assert!(!s.is_active_at(at("2026-11-28 06:00"), &OPEN));
        assert!(
            !s.is_active_at(at("2026-11-28 23:00"), &OPEN),
            "Saturday night is not Friday's"
        );
        assert!(
            !s.is_active_at(at("2026-11-27 05:00"), &OPEN),
            "Friday morning belongs to Thursday"
        );
    }

    #[test]
    fn window_ending_at_24_00_runs_to_midnight() {
        let s = Schedule {
            hours: vec![window("18:00-24:00")],
            ..Schedule::default()
        };
        assert!(s.is_active_at(at("2026-11-23 23:59"), &OPEN));
        assert!(!s.is_active_at(at("2026-11-24 00:00"), &OPEN));
        assert!(!s.is_active_at(at("2026-11-23 17:59"), &OPEN));
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
            !s.is_active_at(at("2026-12-01 01:00"), &OPEN),
            "belongs to 30 November"
        );
        assert!(s.is_active_at(at("2026-12-01 22:00"), &OPEN));
        assert!(
            s.is_active_at(at("2027-01-01 01:00"), &OPEN),
            "New Year's Eve night"
        );
        assert!(!s.is_active_at(at("2027-01-01 22:00"), &OPEN));
    }

    #[test]
    fn several_windows_in_a_day() {
        let s = Schedule {
            hours: vec![window("08:30-12:00"), window("13:00-17:00")],
            ..Schedule::default()
        };
        assert!(s.is_active_at(at("2026-11-23 11:59"), &OPEN));
        assert!(!s.is_active_at(at("2026-11-23 12:30"), &OPEN));
        assert!(s.is_active_at(at("2026-11-23 13:00"), &OPEN));
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
