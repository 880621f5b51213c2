//! Dates as a Japanese office writes them: the era (和暦) with its year, the weekday in kanji,
//! and the English line beside it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use serde::Deserialize;

use super::schedule::CalendarDate;

/// An era and the day it began. The table is code, not data a server hands us: a new era is
/// announced a month ahead, and the device config can add it (`eras`) until the player learns it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Era {
    pub name: String,
    pub start: CalendarDate,
}

/// The eras since the Meiji calendar reform, newest last.
const BUILT_IN: [(&str, i32, u32, u32); 5] = [
    ("明治", 1873, 1, 1),
    ("大正", 1912, 7, 30),
    ("昭和", 1926, 12, 25),
    ("平成", 1989, 1, 8),
    ("令和", 2019, 5, 1),
];

/// The eras the player dates by: the built-in table plus any the config adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eras(Vec<Era>);

impl Default for Eras {
    fn default() -> Self {
        Eras::with(&[])
    }
}

impl Eras {
    /// The built-in eras and `added` ones (from the config), ordered by their first day.
    pub fn with(added: &[Era]) -> Eras {
        let mut eras: Vec<Era> = BUILT_IN
            .iter()
            .map(|&(name, y, m, d)| Era {
                name: name.into(),
                start: CalendarDate(NaiveDate::from_ymd_opt(y, m, d).expect("a real date")),
            })
            .chain(added.iter().cloned())
            .collect();
        eras.sort_by_key(|era| era.start);
        eras.dedup_by_key(|era| era.start);
        Eras(eras)
    }

    /// `令和8年12月1日（火）`; the first year of an era is 元年. Before 1873 (no era table), the
    /// Western year.
    pub fn japanese_date(&self, date: NaiveDate) -> String {
        let weekday = weekday_kanji(date.weekday());
        let (month, day) = (date.month(), date.day());
        match self.0.iter().rev().find(|era| era.start.0 <= date) {
            Some(era) => {
                let year = date.year() - era.start.0.year() + 1;
                let year = if year == 1 {
                    "元".to_string()
                } else {
                    year.to_string()
                };
                format!("{}{year}年{month}月{day}日（{weekday}）", era.name)
            }
            None => format!("{}年{month}月{day}日（{weekday}）", date.year()),
        }
    }
}

fn weekday_kanji(day: Weekday) -> char {
    match day {
        Weekday::Mon => '月',
        Weekday::Tue => '火',
        Weekday::Wed => '水',
        Weekday::Thu => '木',
        Weekday::Fri => '金',
        Weekday::Sat => '土',
        Weekday::Sun => '日',
    }
}

/// `Tue 1 Dec 2026`: short enough to sit beside the time in a band.
fn english_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// What a clock shows at local time `now`: the Japanese date, the English date, and `14:05`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockFace {
    pub date: String,
    pub date_en: String,
    pub time: String,
}

impl ClockFace {
    pub fn at(now: NaiveDateTime, eras: &Eras) -> ClockFace {
        ClockFace {
            date: eras.japanese_date(now.date()),
            date_en: english_date(now.date()),
            time: now.format("%H:%M").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_era_changes_on_its_first_day_and_its_first_year_is_gannen() {
        let eras = Eras::default();
        assert_eq!(
            eras.japanese_date(day("2019-04-30")),
            "平成31年4月30日（火）"
        );
        assert_eq!(
            eras.japanese_date(day("2019-05-01")),
            "令和元年5月1日（水）"
        );
        assert_eq!(
            eras.japanese_date(day("2019-12-31")),
            "令和元年12月31日（火）"
        );
        assert_eq!(eras.japanese_date(day("2020-01-01")), "令和2年1月1日（水）");
        assert_eq!(
            eras.japanese_date(day("2026-12-01")),
            "令和8年12月1日（火）"
        );
        assert_eq!(
            eras.japanese_date(day("1989-01-07")),
            "昭和64年1月7日（土）"
        );
        assert_eq!(
            eras.japanese_date(day("1989-01-08")),
            "平成元年1月8日（日）"
        );
    }

    #[test]
    fn a_future_era_from_the_config_takes_over_on_its_day() {
        let next = Era {
            name: "新元".into(),
            start: CalendarDate(day("2031-05-01")),
        };
        let eras = Eras::with(&[next]);
        assert_eq!(
            eras.japanese_date(day("2031-04-30")),
            "令和13年4月30日（水）"
        );
        assert_eq!(
            eras.japanese_date(day("2031-05-01")),
            "新元元年5月1日（木）"
        );
        assert_eq!(eras.japanese_date(day("2032-01-01")), "新元2年1月1日（木）");
    }

    #[test]
    fn the_clock_face_has_both_languages_and_minutes() {
        let now =
            NaiveDateTime::parse_from_str("2026-12-01 14:05:59", "%Y-%m-%d %H:%M:%S").unwrap();
        let face = ClockFace::at(now, &Eras::default());
        assert_eq!(face.date, "令和8年12月1日（火）");
        assert_eq!(face.date_en, "Tue 1 Dec 2026");
        assert_eq!(face.time, "14:05");
    }
}
