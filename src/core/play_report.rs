//! Proof of play: how often and for how long each playlist and slide was on screen, from the
//! play log's records.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A slide going on screen, as the play log records it.
#[derive(Clone, Debug, Deserialize)]
pub struct PlayRecord {
    pub time: DateTime<FixedOffset>,
    pub playlist: Option<String>,
    pub title: Option<String>,
    pub slide: Option<usize>,
    pub kind: String,
}

/// One line of the summary: a slide of a playlist, or the idle screen (`playlist` None).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlayTotal {
    pub playlist: Option<String>,
    pub title: Option<String>,
    pub slide: Option<usize>,
    pub times_shown: u64,
    pub seconds_on_screen: f64,
}

/// A slide followed by no other record for longer than this is counted up to this long: the
/// player was probably stopped, and the log does not say when.
pub const LONGEST_COUNTED_SECONDS: f64 = 3600.0;

/// Totals per (playlist, slide), in playlist and slide order, idle last. A record's time on screen
/// runs until the next record.
pub fn summarise(mut records: Vec<PlayRecord>) -> Vec<PlayTotal> {
    records.sort_by_key(|r| r.time);
    let mut totals: BTreeMap<(bool, Option<String>, Option<usize>), PlayTotal> = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        let seconds = records
            .get(i + 1)
            .map(|next| {
                (next.time - record.time)
                    .as_seconds_f64()
                    .clamp(0.0, LONGEST_COUNTED_SECONDS)
            })
            .unwrap_or(0.0);
        let key = (
            record.playlist.is_none(),
            record.playlist.clone(),
            record.slide,
        );
        let total = totals.entry(key).or_insert_with(|| PlayTotal {
            playlist: record.playlist.clone(),
            title: record.title.clone(),
            slide: record.slide,
            ..PlayTotal::default()
        });
        total.times_shown += 1;
        total.seconds_on_screen += seconds;
    }
    totals.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(time: &str, playlist: Option<&str>, slide: Option<usize>) -> PlayRecord {
        let line = serde_json::json!({
            "time": format!("2026-11-24T{time}+09:00"),
            "playlist": playlist, "title": playlist.map(|p| p.to_uppercase()), "slide": slide,
            "kind": if playlist.is_some() { "text" } else { "idle" },
        });
        serde_json::from_value(line).unwrap()
    }

    #[test]
    fn counts_and_times_each_slide_until_the_next_record() {
        let records = vec![
            record("09:00:10", Some("b.ron"), Some(0)),
            record("09:00:00", Some("a.ron"), Some(0)),
            record("09:00:20", Some("a.ron"), Some(0)),
            record("09:00:25", None, None),
            record("17:00:00", Some("a.ron"), Some(1)),
        ];
        let totals = summarise(records);
        let rows: Vec<(Option<&str>, Option<usize>, u64, f64)> = totals
            .iter()
            .map(|t| {
                (
                    t.playlist.as_deref(),
                    t.slide,
                    t.times_shown,
                    t.seconds_on_screen,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (Some("a.ron"), Some(0), 2, 15.0),
                (Some("a.ron"), Some(1), 1, 0.0),
                (Some("b.ron"), Some(0), 1, 10.0),
                (None, None, 1, LONGEST_COUNTED_SECONDS),
            ]
        );
        assert_eq!(totals[0].title.as_deref(), Some("A.RON"));
    }
}
