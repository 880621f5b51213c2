//! Japan's national holidays (国民の祝日), substitute holidays (振替休日) and citizens' holidays
//! (国民の休日): the Cabinet Office's published list where it reaches, the law's rules beyond it.
//!
//! The published list (`holidays_jp.csv`, the Cabinet Office's 「国民の祝日」CSV) is the truth for
//! its years: it holds the one-off days (the 2019 enthronement, the Olympic moves of 2020 and
//! 2021) that no rule predicts. Years after it are computed by the Act on National Holidays as it
//! stands, with the equinoxes by the standard approximation the Cabinet Office's own forecasts use;
//! the Cabinet Office fixes each year's equinox days in February of the year before, so the
//! computed years are a forecast until the list is updated.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

const PUBLISHED_CSV: &str = include_str!("holidays_jp.csv");

/// The name the Cabinet Office gives substitute and citizens' holidays.
const REST_DAY: &str = "休日";

/// The years the published list covers.
fn published_years() -> RangeInclusive<i32> {
    let list = published();
    let first = list.keys().next().map_or(0, |d| d.year());
    let last = list.keys().next_back().map_or(0, |d| d.year());
    first..=last
}

/// The holiday's name if `date` is a national holiday or a substitute or citizens' holiday.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if published_years().contains(&date.year()) {
        published().get(&date).copied()
    } else {
        by_rules(date.year())
            .into_iter()
            .find(|(day, _)| *day == date)
            .map(|(_, name)| name)
    }
}

fn published() -> &'static BTreeMap<NaiveDate, &'static str> {
    static LIST: OnceLock<BTreeMap<NaiveDate, &'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        PUBLISHED_CSV
            .lines()
            // The comment and header lines do not start with a date.
            .filter_map(|line| {
                let (date, name) = line.split_once(',')?;
                Some((
                    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
                    name.trim(),
                ))
            })
            .collect()
    })
}

/// The holidays of `year` by the Act as amended up to 2018 (Mountain Day from 2016, the
/// Emperor's Birthday moved to 23 February from 2020, Health and Sports Day renamed Sports Day
/// from 2020). Right for 2007 (when Shōwa Day and the present substitute rule began) onwards,
/// except for the special laws of 2019, 2020 and 2021, which the published list holds.
fn by_rules(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let day = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let monday = |month, nth| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, nth);
    let since = |first_year: i32| year >= first_year;
    let mut holidays: Vec<(Option<NaiveDate>, &'static str)> = vec![
        (day(1, 1), "元日"),
        (monday(1, 2), "成人の日"),
        (day(2, 11), "建国記念の日"),
        (day(3, vernal_equinox_day(year)), "春分の日"),
        (day(4, 29), "昭和の日"),
        (day(5, 3), "憲法記念日"),
        (day(5, 4), "みどりの日"),
        (day(5, 5), "こどもの日"),
        (monday(7, 3), "海の日"),
        (monday(9, 3), "敬老の日"),
        (day(9, autumnal_equinox_day(year)), "秋分の日"),
        (
            monday(10, 2),
            if since(2020) {
                "スポーツの日"
            } else {
                "体育の日"
            },
        ),
        (day(11, 3), "文化の日"),
        (day(11, 23), "勤労感謝の日"),
    ];
    if since(2016) {
        holidays.push((day(8, 11), "山の日"));
    }
    match year {
        ..2019 => holidays.push((day(12, 23), "天皇誕生日")),
        2019 => {}
        _ => holidays.push((day(2, 23), "天皇誕生日")),
    }
    let mut holidays: BTreeMap<NaiveDate, &'static str> = holidays
        .into_iter()
        .filter_map(|(date, name)| Some((date?, name)))
        .collect();
    let national: Vec<NaiveDate> = holidays.keys().copied().collect();
    // A citizens' holiday: an ordinary day between two national holidays (in September, when
    // Respect for the Aged Day falls two days before the autumnal equinox).
    for pair in national.windows(2) {
        if pair[1] - pair[0] == Duration::days(2) {
            holidays.insert(pair[0] + Duration::days(1), REST_DAY);
        }
    }
    // A holiday on a Sunday moves its rest to the next day that is not a holiday.
    for sunday in national.iter().filter(|d| d.weekday() == Weekday::Sun) {
        let mut substitute = *sunday + Duration::days(1);
        while holidays.contains_key(&substitute) {
            substitute += Duration::days(1);
        }
        holidays.insert(substitute, REST_DAY);
    }
    holidays.into_iter().collect()
}

/// The standard approximation of the equinox days, right from 1980 to 2099.
fn equinox_day(base: f64, year: i32) -> u32 {
    let since_1980 = f64::from(year - 1980);
    (base + 0.242194 * since_1980 - (since_1980 / 4.0).floor()).floor() as u32
}

fn vernal_equinox_day(year: i32) -> u32 {
    equinox_day(20.8431, year)
}

fn autumnal_equinox_day(year: i32) -> u32 {
    equinox_day(23.2488, year)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every holiday of `year`, in date order.
    fn holidays_in(year: i32) -> Vec<(NaiveDate, &'static str)> {
        if published_years().contains(&year) {
            published()
                .range(first_day(year)..first_day(year + 1))
                .map(|(day, name)| (*day, *name))
                .collect()
        } else {
            by_rules(year)
        }
    }

    fn first_day(year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_rules_give_the_published_list_for_every_year_without_a_special_law() {
        let years = published_years();
        assert!(years.contains(&2007) && years.contains(&2026), "{years:?}");
        let special_laws = 2019..=2021;
        for year in 2007..=*years.end() {
            if special_laws.contains(&year) {
                continue;
            }
            let published = holidays_in(year);
            assert!(published.len() >= 15, "{year}: {published:?}");
            assert_eq!(by_rules(year), published, "{year}");
        }
    }

    #[test]
    fn the_published_list_has_the_days_no_rule_predicts() {
        assert_eq!(holiday_name(day("2019-10-22")), Some("休日（祝日扱い）"));
        assert_eq!(holiday_name(day("2020-07-24")), Some("スポーツの日"));
        assert_eq!(holiday_name(day("2021-08-09")), Some("休日"));
        assert_eq!(holiday_name(day("2021-10-11")), None, "moved to 23 July");
    }

    #[test]
    fn year_2026_has_a_substitute_and_a_citizens_holiday() {
        // 2026-05-03 (憲法記念日) is a Sunday: the rest moves past 4 and 5 May to the 6th.
        assert_eq!(holiday_name(day("2026-05-06")), Some("休日"));
        // 敬老の日 on 21 September and 秋分の日 on the 23rd enclose the 22nd.
        assert_eq!(holiday_name(day("2026-09-22")), Some("休日"));
        assert_eq!(holiday_name(day("2026-12-01")), None);
        assert_eq!(holiday_name(day("2026-11-23")), Some("勤労感謝の日"));
    }

    #[test]
    fn years_after_the_list_follow_the_rules() {
        let after = *published_years().end() + 1;
        assert_eq!(holidays_in(after), by_rules(after));
        // 2032: 敬老の日 20 September, 秋分の日 22 September, so the 21st is a citizens' holiday.
        assert_eq!(holiday_name(day("2032-09-21")), Some("休日"));
        assert_eq!(holiday_name(day("2032-09-22")), Some("秋分の日"));
        // 2029-02-11 is a Sunday; 2029-02-12 is its substitute.
        assert_eq!(holiday_name(day("2029-02-12")), Some("休日"));
        assert_eq!(holiday_name(day("2030-03-20")), Some("春分の日"));
    }
}
