//! Official warnings as the screen shows them: the alerts in force for this screen's areas (from
//! JMA's 防災情報XML in `jma`, from CAP 1.2 in `cap`), which of them take the screen over, and the
//! emergency slide and ticker lines they become.

pub mod cap;
pub mod jma;

use super::playlist::{Colour, Playlist, QrCard, Slide, TextSlide, Transition};
use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `alerts` section of the device config.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// The Japan Meteorological Agency's feeds.
    pub jma: Option<JmaConfig>,
    /// CAP 1.2 sources: a document of one alert, or an Atom feed of them.
    pub cap: Vec<CapSourceConfig>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JmaConfig {
    /// The feeds' folder, e.g. "https://www.data.jma.go.jp/developer/xml/feed/"; `extra.xml`,
    /// `eqvol.xml` and their long-period `_l` twins are read from it.
    pub feeds: String,
    /// Warning areas (二次細分区域, 土砂災害警戒情報's areas), e.g. ["1410000", "1410012"].
    #[serde(default)]
    pub areas: Vec<String>,
    /// Earthquake areas: 細分区域 of 震度速報 and cities of 震源・震度情報, e.g. ["360", "1411100"].
    #[serde(default)]
    pub earthquake_areas: Vec<String>,
    /// Tsunami forecast areas, e.g. ["312"] (東京湾内湾).
    #[serde(default)]
    pub tsunami_areas: Vec<String>,
    /// The 警戒レベル at or above which an alert takes the screen over; below it, the ticker.
    #[serde(default = "default_takeover_level")]
    pub takeover_level: u8,
    #[serde(default = "default_jma_poll")]
    pub poll_seconds: u32,
    /// Show 訓練 (drill) documents too, marked as a drill.
    #[serde(default)]
    pub drills: bool,
    /// How long an earthquake stays on screen after its report: quakes are never lifted.
    #[serde(default = "default_earthquake_minutes")]
    pub earthquake_minutes: u32,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapSourceConfig {
    pub url: String,
    /// The screen's position (WGS84), tested against each alert's polygons and circles.
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default = "default_cap_poll")]
    pub poll_seconds: u32,
}

fn default_takeover_level() -> u8 {
    4
}

fn default_jma_poll() -> u32 {
    60
}

fn default_cap_poll() -> u32 {
    60
}

fn default_earthquake_minutes() -> u32 {
    30
}

impl AlertsConfig {
    /// The level at or above which alerts of every source take the screen over.
    pub fn takeover_level(&self) -> u8 {
        self.jma
            .as_ref()
            .map_or(default_takeover_level(), |j| j.takeover_level)
    }

    /// What is wrong with the section, for `Config::parse` to place in the file.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let is_web = |url: &str| url.starts_with("https://") || url.starts_with("http://");
        if let Some(jma) = &self.jma {
            if !is_web(&jma.feeds) {
                problems.push((
                    "feeds",
                    format!("`{}` is not an http:// or https:// URL", jma.feeds),
                ));
            }
            if !(1..=5).contains(&jma.takeover_level) {
                problems.push((
                    "takeover_level",
                    "`takeover_level` must be a 警戒レベル from 1 to 5".into(),
                ));
            }
            // JMA asks clients to poll once a minute at most, and blocks those that fetch more.
            if jma.feeds.contains(".jma.go.jp") && jma.poll_seconds < 60 {
                problems.push(("poll_seconds", "JMA's feeds may be polled once a minute at most: `poll_seconds` must be 60 or more".into()));
            } else if jma.poll_seconds == 0 {
                problems.push(("poll_seconds", "`poll_seconds` must be at least 1".into()));
            }
            if jma.areas.is_empty()
                && jma.earthquake_areas.is_empty()
                && jma.tsunami_areas.is_empty()
            {
                problems.push((
                    "jma",
                    "no `areas`, `earthquake_areas` or `tsunami_areas`: nothing would ever show"
                        .into(),
                ));
            }
            for code in jma
                .areas
                .iter()
                .chain(&jma.earthquake_areas)
                .chain(&jma.tsunami_areas)
            {
                if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
                    problems.push((
                        "areas",
                        format!(
                            "`{code}` is not an area code: JMA's codes are digits, e.g. \"1410000\""
                        ),
                    ));
                }
            }
            if !(1..=24 * 60).contains(&jma.earthquake_minutes) {
                problems.push((
                    "earthquake_minutes",
                    "`earthquake_minutes` must be between 1 and 1440".into(),
                ));
            }
        }
        for source in &self.cap {
            if !is_web(&source.url) {
                problems.push((
                    "url",
                    format!("`{}` is not an http:// or https:// URL", source.url),
                ));
            }
            if !(-90.0..=90.0).contains(&source.latitude)
                || !(-180.0..=180.0).contains(&source.longitude)
            {
                problems.push(("latitude", "the position must be a latitude from -90 to 90 and a longitude from -180 to 180".into()));
            }
            if source.poll_seconds < 10 && !is_loopback(&source.url) {
                problems.push((
                    "poll_seconds",
                    "`poll_seconds` must be at least 10 for a web server".into(),
                ));
            }
        }
        problems
    }
}

fn is_loopback(url: &str) -> bool {
    ["http://127.", "http://localhost", "http://[::1]"]
        .iter()
        .any(|start| url.starts_with(start))
}

/// Who issued an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Jma,
    Cap,
}

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hazard {
    Weather,
    Landslide,
    Earthquake,
    Tsunami,
    /// A CAP alert of any other category.
    Other,
}

/// One alert in force for this screen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    pub source: Source,
    pub kind: Hazard,
    /// The 警戒レベル it stands for, 1 to 5 (CAP: Extreme 5, Severe 4, Moderate 3, Minor 2).
    pub level: u8,
    /// E.g. 「大雨特別警報」.
    pub name: String,
    /// Our own English for it: JMA sends none.
    pub name_en: String,
    /// What to do, in English, one short sentence.
    pub advice_en: String,
    /// The areas it covers among this screen's, by name.
    pub areas: Vec<String>,
    pub headline: String,
    /// E.g. 「横浜地方気象台」, or a CAP sender's name.
    pub office: String,
    pub issued: DateTime<FixedOffset>,
    /// Where a phone can read more: the QR card's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// A 訓練 or CAP `Exercise`, shown only when the config asks for drills.
    pub drill: bool,
    /// When it stops by itself (CAP `expires`, an earthquake's time on screen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends: Option<DateTime<FixedOffset>>,
}

/// The alerts in force now, split by what the screen does with them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Screenful {
    /// At or above the takeover level, most severe first: the emergency slide.
    pub takeover: Vec<Alert>,
    /// Below it: lines in the ticker.
    pub ticker: Vec<Alert>,
}

/// Sorts the alerts in force at `now` by severity, merges alerts of the same name (one line
/// with all their areas), and splits them at `takeover_level`. Alerts of level 1 show nowhere.
pub fn sort_out(alerts: Vec<Alert>, now: DateTime<FixedOffset>, takeover_level: u8) -> Screenful {
    let mut merged: BTreeMap<(std::cmp::Reverse<u8>, Source, String, bool), Alert> =
        BTreeMap::new();
    for alert in alerts {
        if alert.level < 2 || alert.ends.is_some_and(|ends| ends <= now) {
            continue;
        }
        let key = (
            std::cmp::Reverse(alert.level),
            alert.source,
            alert.name.clone(),
            alert.drill,
        );
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, alert);
            }
            Some(held) => {
                for area in alert.areas.iter() {
                    if !held.areas.contains(area) {
                        held.areas.push(area.clone());
                    }
                }
                if alert.issued > held.issued {
                    let areas = std::mem::take(&mut held.areas);
                    *held = Alert { areas, ..alert };
                }
            }
        }
    }
    let (takeover, ticker) = merged
        .into_values()
        .partition(|alert| alert.level >= takeover_level);
    Screenful { takeover, ticker }
}

/// The colours of a 警戒レベル in JMA's own scheme (気象情報の配色に関する設定指針):
/// 5 black, 4 purple, 3 red, 2 yellow; the text colour that reads on each, and the title's
/// (yellow where it stands out more than white).
pub fn level_colours(level: u8) -> (Colour, Colour, Colour) {
    const WHITE: Colour = Colour([255, 255, 255, 255]);
    const YELLOW: Colour = Colour([255, 225, 77, 255]);
    const BLACK: Colour = Colour([0, 0, 0, 255]);
    match level {
        5.. => (Colour([12, 0, 12, 255]), WHITE, YELLOW),
        4 => (Colour([170, 0, 170, 255]), WHITE, YELLOW),
        3 => (Colour([255, 40, 0, 255]), WHITE, WHITE),
        _ => (Colour([242, 231, 0, 255]), BLACK, BLACK),
    }
}

/// The id the generated emergency playlist and ticker have in the library. Brackets keep it
/// apart from any file name and sort it before them, so alerts lead the ticker.
pub const ALERTS_ID: &str = "(alerts)";

/// How fresh the alerts are: the last poll that worked, and whether the latest one failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Freshness {
    pub last_checked: Option<DateTime<FixedOffset>>,
    pub unreachable: bool,
}

/// The emergency playlist of the alerts that take the screen over: one slide that names them
/// all large, in the colour of the highest level, with areas, JMA's headline, who issued it
/// when, our English line, and a QR card. None when nothing takes over.
pub fn emergency_playlist(
    takeover: &[Alert],
    now: DateTime<FixedOffset>,
    freshness: Freshness,
) -> Option<Playlist> {
    let first = takeover.first()?;
    let level = takeover
        .iter()
        .map(|a| a.level)
        .max()
        .unwrap_or(first.level);
    let (background, color, accent) = level_colours(level);
    let drill = if takeover.iter().all(|a| a.drill) {
        "【訓練】"
    } else {
        ""
    };
    let title = format!(
        "{drill}{}",
        join_unique(takeover.iter().map(|a| a.name.as_str()), "・")
    );
    let title_en = format!(
        "{}{}",
        if drill.is_empty() { "" } else { "[DRILL] " },
        join_unique(takeover.iter().map(|a| a.name_en.as_str()), " / ")
    );
    let mut body = Vec::new();
    let mut body_en = Vec::new();
    for alert in takeover {
        let drill = if alert.drill && drill.is_empty() {
            "【訓練】"
        } else {
            ""
        };
        body.push(format!(
            "{drill}【{}】{}",
            alert.name,
            alert.areas.join("・")
        ));
        if !alert.headline.is_empty() && !body.iter().any(|line| line == &alert.headline) {
            body.push(alert.headline.clone());
        }
        body.push(format!(
            "{} {}発表",
            alert.office,
            japanese_time(alert.issued, now)
        ));
        if !body_en.contains(&alert.advice_en) {
            body_en.push(alert.advice_en.clone());
        }
    }
    if freshness.unreachable {
        match freshness.last_checked {
            Some(checked) => {
                let checked = checked.with_timezone(&now.timezone());
                body.push(format!(
                    "最終確認 {}（情報を受信できません）",
                    japanese_time(checked, now)
                ));
                body_en.push(format!(
                    "Last checked {:02}:{:02}: the feed cannot be reached.",
                    checked.hour(),
                    checked.minute()
                ));
            }
            // Kept from before a restart, not confirmed since.
            None => {
                body.push("情報を受信できません（再起動前の情報）".into());
                body_en.push(
                    "The feed cannot be reached: as known before the player restarted.".into(),
                );
            }
        }
    }
    let qr = takeover
        .iter()
        .find_map(|a| a.link.clone())
        .map(|url| QrCard {
            url,
            caption: Some("最新の情報".into()),
            caption_en: Some("Latest information".into()),
        });
    Some(Playlist {
        title: format!("{drill}防災情報 / Official warning"),
        schedule: Default::default(),
        priority: 0,
        emergency: true,
        // A staff emergency beside it gets the screen within this long.
        slide_seconds: 15.0,
        transition: Transition::Cut,
        transition_seconds: 0.0,
        layout: None,
        ticker: Vec::new(),
        slides: vec![Slide::Alert(TextSlide {
            title: plain(&title),
            title_en: Some(plain(&title_en)),
            body: Some(plain(&body.join("\n"))),
            body_en: Some(plain(&body_en.join("\n"))),
            picture: None,
            background: Some(background),
            color: Some(color),
            accent: Some(accent),
            seconds: None,
            qr,
        })],
    })
}

/// One ticker line per alert below the takeover level, e.g.
/// 「【大雨警報】横浜市（横浜地方気象台 3時12分発表）」.
pub fn ticker_lines(alerts: &[Alert], now: DateTime<FixedOffset>) -> Vec<String> {
    alerts
        .iter()
        .map(|alert| {
            let drill = if alert.drill { "【訓練】" } else { "" };
            let line = format!(
                "{drill}【{}】{}（{} {}発表）",
                alert.name,
                alert.areas.join("・"),
                alert.office,
                japanese_time(alert.issued, now)
            );
            plain(&cut_chars(&line, super::ticker::MAX_MESSAGE_CHARS))
        })
        .take(super::ticker::MAX_MESSAGES)
        .collect()
}

/// 「3時12分」 today, 「12月6日 23時50分」 on another day.
fn japanese_time(time: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> String {
    let now = now.with_timezone(time.offset());
    let clock = format!("{}時{:02}分", time.hour(), time.minute());
    if time.date_naive() == now.date_naive() {
        clock
    } else {
        format!("{}月{}日 {clock}", time.month(), time.day())
    }
}

fn join_unique<'a>(parts: impl Iterator<Item = &'a str>, separator: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join(separator)
}

/// Text from a server as the typesetter should take it: braces would read as furigana markup.
fn plain(text: &str) -> String {
    text.replace('{', "｛").replace('}', "｝")
}

pub(crate) fn cut_chars(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(most.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn alert(name: &str, level: u8, area: &str) -> Alert {
        Alert {
            source: Source::Jma,
            kind: Hazard::Weather,
            level,
            name: name.into(),
            name_en: format!("{name} (en)"),
            advice_en: "Evacuate now.".into(),
            areas: vec![area.into()],
            headline: "横浜市では、土砂災害に厳重に警戒してください。".into(),
            office: "横浜地方気象台".into(),
            issued: at("2026-07-01T03:12:00+09:00"),
            link: Some("https://www.jma.go.jp/bosai/warning/".into()),
            drill: false,
            ends: None,
        }
    }

    #[test]
    fn alerts_split_at_the_takeover_level_and_merge_by_name() {
        let now = at("2026-07-01T03:20:00+09:00");
        let screen = sort_out(
            vec![
                alert("レベル３大雨警報", 3, "横浜市"),
                alert("大雨特別警報", 5, "横浜市"),
                alert("レベル４土砂災害危険警報", 4, "横浜市北部"),
                alert("レベル４土砂災害危険警報", 4, "横浜市南部"),
                alert("レベル２大雨注意報", 2, "川崎市"),
                alert("早期注意情報", 1, "横浜市"),
            ],
            now,
            4,
        );
        let names = |alerts: &[Alert]| alerts.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&screen.takeover),
            ["大雨特別警報", "レベル４土砂災害危険警報"]
        );
        assert_eq!(screen.takeover[1].areas, ["横浜市北部", "横浜市南部"]);
        assert_eq!(
            names(&screen.ticker),
            ["レベル３大雨警報", "レベル２大雨注意報"]
        );
    }

    #[test]
    fn an_alert_past_its_end_is_gone() {
        let mut quake = alert("震度５強", 4, "神奈川県東部");
        quake.ends = Some(at("2026-07-01T03:42:00+09:00"));
        let screen = sort_out(vec![quake.clone()], at("2026-07-01T03:41:59+09:00"), 4);
        assert_eq!(screen.takeover.len(), 1);
        let screen = sort_out(vec![quake], at("2026-07-01T03:42:00+09:00"), 4);
        assert!(screen.takeover.is_empty() && screen.ticker.is_empty());
    }

    #[test]
    fn the_emergency_slide_names_the_warning_its_office_and_time_in_its_level_colour() {
        let now = at("2026-07-01T03:20:00+09:00");
        let alerts = [
            alert("大雨特別警報", 5, "横浜市"),
            alert("レベル４土砂災害危険警報", 4, "横浜市南部"),
        ];
        let fresh = Freshness {
            last_checked: Some(now),
            unreachable: false,
        };
        let playlist = emergency_playlist(&alerts, now, fresh).unwrap();
        assert!(playlist.emergency);
        let Slide::Alert(slide) = &playlist.slides[0] else {
            panic!("an alert slide")
        };
        assert_eq!(slide.title, "大雨特別警報・レベル４土砂災害危険警報");
        assert_eq!(slide.background, Some(Colour([12, 0, 12, 255])));
        let body = slide.body.as_deref().unwrap();
        assert!(body.contains("【大雨特別警報】横浜市"), "{body}");
        assert!(body.contains("横浜地方気象台 3時12分発表"), "{body}");
        assert!(!body.contains("最終確認"), "{body}");
        assert_eq!(
            slide.qr.as_ref().unwrap().url,
            "https://www.jma.go.jp/bosai/warning/"
        );
        // Every slide rule a staff playlist follows holds for the generated one too.
        assert!(playlist.problems("").is_empty());

        let stale = Freshness {
            last_checked: Some(at("2026-07-01T03:15:00+09:00")),
            unreachable: true,
        };
        let playlist = emergency_playlist(&alerts[1..], now, stale).unwrap();
        let Slide::Alert(slide) = &playlist.slides[0] else {
            panic!("an alert slide")
        };
        assert_eq!(slide.background, Some(Colour([170, 0, 170, 255])));
        assert!(slide.body.as_deref().unwrap().contains("最終確認 3時15分"));
        assert!(
            slide
                .body_en
                .as_deref()
                .unwrap()
                .contains("Last checked 03:15")
        );
        assert!(emergency_playlist(&[], now, stale).is_none());
        // Only the player makes such a slide: a staff playlist cannot pose as a warning.
        let posing =
            Playlist::parse(r#"Playlist(title: "x", slides: [Alert(title: "大雨特別警報")])"#);
        assert!(posing.is_err());
    }

    #[test]
    fn ticker_lines_say_what_where_who_and_when() {
        let now = at("2026-07-02T09:00:00+09:00");
        let mut drill = alert("レベル３大雨警報", 3, "横浜市");
        drill.drill = true;
        assert_eq!(
            ticker_lines(&[drill], now),
            ["【訓練】【レベル３大雨警報】横浜市（横浜地方気象台 7月1日 3時12分発表）"]
        );
    }

    #[test]
    fn the_config_section_reads_as_the_ward_writes_it() {
        let config: AlertsConfig = crate::core::diagnostic::parse_ron(
            r#"(
                jma: (
                    feeds: "https://www.data.jma.go.jp/developer/xml/feed/",
                    areas: ["1410000", "1410011", "1410012"],
                    earthquake_areas: ["360", "1411100"],
                    tsunami_areas: ["312"],
                    takeover_level: 4,
                    poll_seconds: 60,
                    drills: false,
                ),
                cap: [(url: "https://example.org/cap.xml", latitude: 35.3917, longitude: 139.5828)],
            )"#,
        )
        .unwrap();
        assert!(config.problems().is_empty(), "{:?}", config.problems());
        let jma = config.jma.as_ref().unwrap();
        assert_eq!((jma.takeover_level, jma.earthquake_minutes), (4, 30));
        let mut hasty = config.clone();
        hasty.jma.as_mut().unwrap().poll_seconds = 20;
        hasty.cap[0].latitude = 95.0;
        let problems: Vec<_> = hasty
            .problems()
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(problems, ["poll_seconds", "latitude"]);
    }
}
