//! JMA's 防災情報XML: its Atom feeds, the documents this screen needs (warnings old and new,
//! 土砂災害警戒情報, earthquakes, tsunami), and the book of what is in force per series.
//!
//! Each document is a full snapshot of its series (a warning document holds every area of its
//! office), so a later one replaces the earlier, ordered by `Control/DateTime`, never by feed
//! order. Codes decide, never titles: JMA's titles differ in width and wording between sets.

use super::{Alert, Hazard, Source, cut_chars};
use chrono::{DateTime, FixedOffset, TimeDelta};
use roxmltree::{Document as Xml, Node, ParsingOptions};
use std::collections::BTreeMap;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const REPORT: &str = "http://xml.kishou.go.jp/jmaxml1/";

/// A feed larger than this is refused: JMA's long-period feeds are a few megabytes.
pub const MAX_FEED_BYTES: u64 = 16 * 1024 * 1024;
/// A document larger than this is refused; the ones used here are at most a few hundred KB
/// (VPWS50, 4.4 MB, is never fetched: its type is not used).
pub const MAX_DOCUMENT_BYTES: u64 = 2 * 1024 * 1024;

/// One entry of an Atom feed.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    pub id: String,
    pub title: String,
    pub updated: Option<DateTime<FixedOffset>>,
    /// The document's address.
    pub link: String,
    /// The issuing office (`author/name`).
    pub office: String,
}

/// The entries of an Atom feed, newest first as written; entries without a link are left out.
pub fn parse_feed(text: &str) -> Result<Vec<FeedEntry>, String> {
    let xml = parse_xml(text)?;
    let root = xml.root_element();
    if root.tag_name().name() != "feed" || root.tag_name().namespace() != Some(ATOM) {
        return Err(format!(
            "not an Atom feed: the document is <{}>",
            describe(root)
        ));
    }
    let text_of = |node: Node, name: &str| {
        child(node, name)
            .and_then(|n| n.text())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    Ok(root
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .filter_map(|entry| {
            let link = entry
                .children()
                .filter(|n| n.has_tag_name((ATOM, "link")))
                .find(|n| n.attribute("rel").is_none_or(|r| r == "alternate"))?
                .attribute("href")?
                .trim()
                .to_string();
            Some(FeedEntry {
                id: text_of(entry, "id"),
                title: text_of(entry, "title"),
                updated: DateTime::parse_from_rfc3339(&text_of(entry, "updated")).ok(),
                link,
                office: child(entry, "author")
                    .map(|a| text_of(a, "name"))
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// The kinds of document this screen uses, by JMA's data-type code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataType {
    /// 気象特別警報・警報・注意報 (VPWW53) and 気象警報・注意報（Ｈ２７） (VPWW54): the
    /// warnings before the 2026 reform, still sent during the transition.
    LegacyWarnings(u8),
    /// 気象警報・注意報（Ｒ０６）: one document per phenomenon, VPWW55 (大雨) to VPWW61 (その他).
    Warnings(u8),
    /// 土砂災害警戒情報 (VXWW50).
    Landslide,
    /// 震度速報 (VXSE51) and 震源・震度に関する情報 (VXSE53).
    Earthquake(u8),
    /// 津波警報・注意報・予報 (VTSE41).
    Tsunami,
}

impl DataType {
    pub fn code(self) -> String {
        match self {
            DataType::LegacyWarnings(n) | DataType::Warnings(n) => format!("VPWW{n}"),
            DataType::Landslide => "VXWW50".into(),
            DataType::Earthquake(n) => format!("VXSE{n}"),
            DataType::Tsunami => "VTSE41".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<DataType> {
        let number = |prefix: &str| code.strip_prefix(prefix)?.parse::<u8>().ok();
        match code {
            "VXWW50" => Some(DataType::Landslide),
            "VTSE41" => Some(DataType::Tsunami),
            _ => match (number("VPWW"), number("VXSE")) {
                (Some(n @ (53 | 54)), _) => Some(DataType::LegacyWarnings(n)),
                (Some(n @ 55..=61), _) => Some(DataType::Warnings(n)),
                (_, Some(n @ (51 | 53))) => Some(DataType::Earthquake(n)),
                _ => None,
            },
        }
    }

    /// The type of a feed entry: from the code in its document's file name
    /// (`…_VPWW55_140000.xml`), else from its title. None for the types this screen does not
    /// use, so those (VPWS50 is 4.4 MB) are never downloaded.
    pub fn of_entry(entry: &FeedEntry) -> Option<DataType> {
        let file = entry.link.rsplit('/').next().unwrap_or("");
        if let Some(code) = file.split(['_', '.']).find(|part| {
            part.len() == 6
                && part.starts_with('V')
                && part[1..4].bytes().all(|b| b.is_ascii_uppercase())
        }) {
            return DataType::from_code(code);
        }
        let title = narrow(&entry.title);
        let phenomenon = [
            ("大雨", 55),
            ("土砂", 56),
            ("高潮", 57),
            ("暴風", 58),
            ("波浪", 59),
            ("大雪", 60),
            ("その他", 61),
        ];
        if title.contains("気象警報・注意報(R06)") {
            let (_, n) = phenomenon.iter().find(|(word, _)| title.contains(word))?;
            Some(DataType::Warnings(*n))
        } else if title.contains("気象警報・注意報(H27)") {
            Some(DataType::LegacyWarnings(54))
        } else if title.contains("気象特別警報・警報・注意報") {
            Some(DataType::LegacyWarnings(53))
        } else if title.contains("土砂災害警戒情報") {
            Some(DataType::Landslide)
        } else if title.contains("震度速報") {
            Some(DataType::Earthquake(51))
        } else if title.contains("震源・震度に関する情報") {
            Some(DataType::Earthquake(53))
        } else if title.contains("津波警報・注意報・予報") {
            Some(DataType::Tsunami)
        } else {
            None
        }
    }
}

/// What this screen listens for: its areas of each kind, and whether drills show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interest {
    pub areas: Vec<String>,
    pub earthquake_areas: Vec<String>,
    pub tsunami_areas: Vec<String>,
    pub drills: bool,
    /// How long an earthquake stays on screen after its report.
    pub earthquake_minutes: u32,
}

impl Interest {
    pub fn from_config(config: &super::JmaConfig) -> Interest {
        Interest {
            areas: config.areas.clone(),
            earthquake_areas: config.earthquake_areas.clone(),
            tsunami_areas: config.tsunami_areas.clone(),
            drills: config.drills,
            earthquake_minutes: config.earthquake_minutes,
        }
    }

    /// Whether an entry's document can concern this screen, judged before downloading it: its
    /// type is one used here, and a warning comes from an office of a prefecture the areas lie
    /// in (the file name ends in the office's code, whose first two digits are the
    /// prefecture's, as are an area code's).
    pub fn wants(&self, entry: &FeedEntry) -> Option<DataType> {
        let data_type = DataType::of_entry(entry)?;
        let wanted = match data_type {
            DataType::Earthquake(_) => !self.earthquake_areas.is_empty(),
            DataType::Tsunami => !self.tsunami_areas.is_empty(),
            _ => {
                let office = entry
                    .link
                    .rsplit('/')
                    .next()
                    .and_then(|file| file.strip_suffix(".xml"))
                    .and_then(|stem| stem.rsplit('_').next())
                    .filter(|code| code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
                !self.areas.is_empty()
                    && office.is_none_or(|office| {
                        self.areas
                            .iter()
                            .any(|area| area.get(..2) == office.get(..2))
                    })
            }
        };
        wanted.then_some(data_type)
    }
}

/// `Control/Status`: only 通常 counts; 訓練 is a drill; 試験 is never shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Normal,
    Drill,
    Test,
}

/// `Head/InfoType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoType {
    Issued,
    Corrected,
    /// 取消: the series' last document is withdrawn.
    Cancelled,
}

/// A document, read for this screen's areas.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub data_type: DataType,
    /// `Control/DateTime`: orders the documents of a series.
    pub sent: DateTime<FixedOffset>,
    pub status: Status,
    pub info_type: InfoType,
    pub office: String,
    pub event_id: String,
    /// The alerts in force for the screen's areas, as this document says.
    pub alerts: Vec<Alert>,
}

impl Document {
    /// The series the document belongs to: the warnings of one type and office, one
    /// earthquake, or the national tsunami forecast; drills apart.
    pub fn series(&self) -> String {
        let drill = if self.status == Status::Drill {
            " 訓練"
        } else {
            ""
        };
        match self.data_type {
            DataType::Earthquake(_) => format!("VXSE {}{drill}", self.event_id),
            DataType::Tsunami => format!("VTSE41{drill}"),
            other => format!("{} {}{drill}", other.code(), self.office),
        }
    }
}

/// Reads a document of a known type for the screen's areas. Errors say what is wrong, with
/// line and column where the XML itself is broken.
pub fn parse_document(
    text: &str,
    data_type: DataType,
    interest: &Interest,
) -> Result<Document, String> {
    let xml = parse_xml(text)?;
    let root = xml.root_element();
    if !root.has_tag_name((REPORT, "Report")) {
        return Err(format!(
            "not a JMA report: the document is <{}>",
            describe(root)
        ));
    }
    let control = child(root, "Control").ok_or("it has no Control")?;
    let head = child(root, "Head").ok_or("it has no Head")?;
    let body = child(root, "Body").ok_or("it has no Body")?;
    let field = |node: Node, name: &str| {
        child(node, name)
            .and_then(|n| n.text())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let time = |node: Node, name: &str| {
        let written = field(node, name);
        DateTime::parse_from_rfc3339(&written)
            .map_err(|_| format!("{name} `{written}` is not a time"))
    };
    let sent = time(control, "DateTime")?;
    let reported = time(head, "ReportDateTime")?;
    let status = match field(control, "Status").as_str() {
        "通常" => Status::Normal,
        "訓練" => Status::Drill,
        "試験" => Status::Test,
        other => return Err(format!("Status `{other}` is not 通常, 訓練 or 試験")),
    };
    let info_type = match field(head, "InfoType").as_str() {
        "発表" => InfoType::Issued,
        "訂正" => InfoType::Corrected,
        "取消" => InfoType::Cancelled,
        other => return Err(format!("InfoType `{other}` is not 発表, 訂正 or 取消")),
    };
    let body_kind = body.tag_name().namespace().unwrap_or("");
    let expected = match data_type {
        DataType::Earthquake(_) | DataType::Tsunami => "seismology1",
        _ => "meteorology1",
    };
    if !body_kind.contains(expected) {
        return Err(format!(
            "a {} document's Body should be in JMA's {expected} namespace, not `{body_kind}`",
            data_type.code()
        ));
    }
    let office = field(control, "EditorialOffice");
    let headline = child(head, "Headline")
        .map(|h| headline(&field(h, "Text")))
        .unwrap_or_default();
    let report = Report {
        data_type,
        office: &office,
        headline: &headline,
        reported,
        drill: status == Status::Drill,
    };
    let alerts = if info_type == InfoType::Cancelled {
        Vec::new()
    } else {
        match data_type {
            DataType::Earthquake(_) => earthquake(body, &report, interest),
            DataType::Tsunami => tsunami(body, &report, &interest.tsunami_areas),
            _ => warnings(body, &report, &interest.areas),
        }
    };
    Ok(Document {
        data_type,
        sent,
        status,
        info_type,
        office: office.clone(),
        event_id: field(head, "EventID"),
        alerts,
    })
}

/// What every alert of one document shares.
struct Report<'a> {
    data_type: DataType,
    office: &'a str,
    headline: &'a str,
    reported: DateTime<FixedOffset>,
    drill: bool,
}

impl Report<'_> {
    fn alert(&self, kind: Hazard, meaning: &Meaning, name: String, areas: Vec<String>) -> Alert {
        Alert {
            source: Source::Jma,
            kind,
            level: meaning.level,
            name,
            name_en: meaning.name_en.to_string(),
            advice_en: meaning.advice_en.to_string(),
            areas,
            headline: self.headline.to_string(),
            office: self.office.to_string(),
            issued: self.reported,
            link: Some(meaning.link.to_string()),
            drill: self.drill,
            ends: None,
        }
    }
}

/// `Body/Warning/Item`s: each names one area and the kinds in force there, each with its status.
fn warnings(body: Node, report: &Report, areas: &[String]) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for item in body
        .children()
        .filter(|n| n.tag_name().name() == "Warning")
        .flat_map(|w| w.children())
    {
        if item.tag_name().name() != "Item" {
            continue;
        }
        let Some(area) = child(item, "Area") else {
            continue;
        };
        let (area_name, area_code) = (text(area, "Name"), text(area, "Code"));
        if !areas.iter().any(|a| a == area_code) {
            continue;
        }
        for kind in item.children().filter(|n| n.tag_name().name() == "Kind") {
            let (name, code, status) =
                (text(kind, "Name"), text(kind, "Code"), text(kind, "Status"));
            if matches!(status, "解除" | "なし" | "発表警報・注意報はなし") || code == "00"
            {
                continue;
            }
            let Some(meaning) = warning_meaning(report.data_type, code, name) else {
                continue;
            };
            let hazard = match report.data_type {
                DataType::Landslide | DataType::Warnings(56) => Hazard::Landslide,
                _ => Hazard::Weather,
            };
            // VXWW50 names its kind 「警戒」: the product's name says more.
            let shown = if report.data_type == DataType::Landslide {
                meaning.name.to_string()
            } else {
                name.to_string()
            };
            alerts.push(report.alert(hazard, &meaning, shown, vec![area_name.to_string()]));
        }
    }
    alerts
}

/// The strongest intensity in the screen's earthquake areas (細分区域 or city), from 震度3.
fn earthquake(body: Node, report: &Report, interest: &Interest) -> Vec<Alert> {
    let Some(observation) = child(body, "Intensity").and_then(|i| child(i, "Observation")) else {
        return Vec::new();
    };
    let mut strongest: Option<(usize, Vec<String>)> = None;
    for place in observation
        .descendants()
        .filter(|n| matches!(n.tag_name().name(), "Area" | "City"))
    {
        if !interest
            .earthquake_areas
            .iter()
            .any(|a| a == text(place, "Code"))
        {
            continue;
        }
        let Some(rank) = INTENSITIES
            .iter()
            .position(|(written, _)| *written == text(place, "MaxInt"))
        else {
            continue;
        };
        let name = text(place, "Name").to_string();
        match &mut strongest {
            Some((best, names)) if *best == rank => names.push(name),
            Some((best, _)) if *best > rank => {}
            _ => strongest = Some((rank, vec![name])),
        }
    }
    let Some((rank, areas)) = strongest else {
        return Vec::new();
    };
    let (_, shown) = INTENSITIES[rank];
    let level = match rank {
        6.. => 5,   // 震度6弱 and stronger
        4..=5 => 4, // 震度5弱, 5強
        3 => 3,
        2 => 2,
        _ => return Vec::new(),
    };
    let meaning = Meaning {
        level,
        name: "",
        name_en: "",
        advice_en: "Protect your head, keep away from windows and follow the staff's instructions.",
        link: JMA_DISASTER_PAGE,
    };
    let mut alert = report.alert(
        Hazard::Earthquake,
        &meaning,
        format!("地震（震度{shown}）"),
        areas,
    );
    alert.name_en = format!("Earthquake: seismic intensity {}", INTENSITIES[rank].0);
    alert.ends = Some(report.reported + TimeDelta::minutes(interest.earthquake_minutes.into()));
    vec![alert]
}

/// JMA's seismic intensities as written in `MaxInt`, weakest first, and as people read them.
const INTENSITIES: [(&str, &str); 9] = [
    ("1", "１"),
    ("2", "２"),
    ("3", "３"),
    ("4", "４"),
    ("5-", "５弱"),
    ("5+", "５強"),
    ("6-", "６弱"),
    ("6+", "６強"),
    ("7", "７"),
];

fn tsunami(body: Node, report: &Report, areas: &[String]) -> Vec<Alert> {
    let Some(forecast) = child(body, "Tsunami").and_then(|t| child(t, "Forecast")) else {
        return Vec::new();
    };
    let mut alerts = Vec::new();
    for item in forecast
        .children()
        .filter(|n| n.tag_name().name() == "Item")
    {
        let Some(area) = child(item, "Area") else {
            continue;
        };
        if !areas.iter().any(|a| a == text(area, "Code")) {
            continue;
        }
        let Some(kind) = child(item, "Category").and_then(|c| child(c, "Kind")) else {
            continue;
        };
        let meaning = match text(kind, "Code") {
            "52" | "53" => Meaning {
                level: 5,
                name: "大津波警報",
                name_en: "Major Tsunami Warning",
                advice_en: "Move to high ground or a tsunami evacuation building now.",
                link: JMA_DISASTER_PAGE,
            },
            "51" => Meaning {
                level: 4,
                name: "津波警報",
                name_en: "Tsunami Warning",
                advice_en: "Move to high ground or a tsunami evacuation building now.",
                link: JMA_DISASTER_PAGE,
            },
            "62" => Meaning {
                level: 3,
                name: "津波注意報",
                name_en: "Tsunami Advisory",
                advice_en: "Get out of the water and away from the shore.",
                link: JMA_DISASTER_PAGE,
            },
            // 00 津波なし, 50/60 解除, 71–73 予報 (slight sea-level changes): nothing to show.
            _ => continue,
        };
        alerts.push(report.alert(
            Hazard::Tsunami,
            &meaning,
            meaning.name.to_string(),
            vec![text(area, "Name").to_string()],
        ));
    }
    alerts
}

/// What a warning code means here: its 警戒レベル, our English, and where to read more.
struct Meaning {
    level: u8,
    name: &'static str,
    name_en: &'static str,
    advice_en: &'static str,
    link: &'static str,
}

const WARNINGS_PAGE: &str = "https://www.jma.go.jp/bosai/warning/";
const RISK_MAP: &str = "https://www.jma.go.jp/bosai/risk/";
const JMA_DISASTER_PAGE: &str = "https://www.jma.go.jp/bosai/";

const ADVICE: [&str; 6] = [
    "",
    "",
    "Check your evacuation route and shelter (level 2).",
    "Older people and those who need time should evacuate (level 3).",
    "Evacuate from dangerous places now (level 4).",
    "A disaster may be happening: secure your life at once (level 5).",
];

const STAY_INSIDE: &str = "Stay indoors and away from windows.";

/// The meaning of a warning kind's code. The reform re-used codes (08 is a level-3 高潮警報 in
/// VPWW57 but stood for level 4 before), so the table depends on the document's scheme; a
/// code we do not know is judged from the name JMA gives it.
fn warning_meaning(data_type: DataType, code: &str, name: &str) -> Option<Meaning> {
    let meaning =
        |level: u8, name: &'static str, name_en: &'static str, advice: &'static str, link| {
            let advice_en = if advice.is_empty() {
                ADVICE[level as usize]
            } else {
                advice
            };
            Some(Meaning {
                level,
                name,
                name_en,
                advice_en,
                link,
            })
        };
    let w = WARNINGS_PAGE;
    let r06 = matches!(data_type, DataType::Warnings(_));
    match (data_type, code) {
        (DataType::Landslide, "3") => meaning(
            4,
            "レベル４土砂災害危険警報",
            "Level 4 Landslide Danger Warning",
            "",
            RISK_MAP,
        ),
        (DataType::Landslide, _) => None,
        (_, "33") => meaning(
            5,
            "大雨特別警報",
            if r06 {
                "Level 5 Heavy Rain Emergency Warning"
            } else {
                "Heavy Rain Emergency Warning"
            },
            "",
            w,
        ),
        (_, "43") => meaning(
            4,
            "レベル４大雨危険警報",
            "Level 4 Heavy Rain Danger Warning",
            "",
            w,
        ),
        (_, "03") => meaning(
            3,
            "大雨警報",
            if r06 {
                "Level 3 Heavy Rain Warning"
            } else {
                "Heavy Rain Warning"
            },
            "",
            w,
        ),
        (_, "10") => meaning(
            2,
            "大雨注意報",
            if r06 {
                "Level 2 Heavy Rain Advisory"
            } else {
                "Heavy Rain Advisory"
            },
            "",
            w,
        ),
        (_, "39") => meaning(
            5,
            "レベル５土砂災害特別警報",
            "Level 5 Landslide Emergency Warning",
            "",
            RISK_MAP,
        ),
        (_, "49") => meaning(
            4,
            "レベル４土砂災害危険警報",
            "Level 4 Landslide Danger Warning",
            "",
            RISK_MAP,
        ),
        (_, "09") => meaning(
            3,
            "レベル３土砂災害警報",
            "Level 3 Landslide Warning",
            "",
            RISK_MAP,
        ),
        (_, "29") => meaning(
            2,
            "レベル２土砂災害注意報",
            "Level 2 Landslide Advisory",
            "",
            RISK_MAP,
        ),
        (_, "38") => meaning(5, "高潮特別警報", "Storm Surge Emergency Warning", "", w),
        (_, "48") => meaning(
            4,
            "レベル４高潮危険警報",
            "Level 4 Storm Surge Danger Warning",
            "",
            w,
        ),
        (DataType::Warnings(_), "08") => {
            meaning(3, "レベル３高潮警報", "Level 3 Storm Surge Warning", "", w)
        }
        // Before the reform a 高潮警報 stood for 警戒レベル4.
        (_, "08") => meaning(4, "高潮警報", "Storm Surge Warning", "", w),
        (_, "19") => meaning(2, "高潮注意報", "Storm Surge Advisory", "", w),
        (_, "04") => meaning(3, "洪水警報", "Flood Warning", "", w),
        (_, "18") => meaning(2, "洪水注意報", "Flood Advisory", "", w),
        (_, "32") => meaning(
            5,
            "暴風雪特別警報",
            "Blizzard Emergency Warning",
            STAY_INSIDE,
            w,
        ),
        (_, "35") => meaning(5, "暴風特別警報", "Storm Emergency Warning", STAY_INSIDE, w),
        (_, "36") => meaning(
            5,
            "大雪特別警報",
            "Heavy Snow Emergency Warning",
            STAY_INSIDE,
            w,
        ),
        (_, "37") => meaning(
            5,
            "波浪特別警報",
            "High Wave Emergency Warning",
            "Keep away from the coast.",
            w,
        ),
        (_, "02") => meaning(3, "暴風雪警報", "Blizzard Warning", STAY_INSIDE, w),
        (_, "05") => meaning(3, "暴風警報", "Storm Warning", STAY_INSIDE, w),
        (_, "06") => meaning(
            3,
            "大雪警報",
            "Heavy Snow Warning",
            "Avoid going out unless you must.",
            w,
        ),
        (_, "07") => meaning(
            3,
            "波浪警報",
            "High Wave Warning",
            "Keep away from the coast.",
            w,
        ),
        // Other advisories (雷, 強風, 乾燥, 濃霧 …) are part of every other day's weather, not
        // of the 警戒レベル: a lobby's ticker would never be without them.
        (
            _,
            "12" | "13" | "14" | "15" | "16" | "17" | "20" | "21" | "22" | "23" | "24" | "25"
            | "26" | "27",
        ) => None,
        _ => level_by_name(name).map(|level| Meaning {
            level,
            name: "",
            name_en: "Weather warning",
            advice_en: ADVICE[level as usize],
            link: w,
        }),
    }
}

/// The level a warning's name implies, for codes this table does not know yet.
fn level_by_name(name: &str) -> Option<u8> {
    let name = narrow(name);
    if let Some(digit) = name
        .strip_prefix("レベル")
        .and_then(|rest| rest.chars().next()?.to_digit(10))
    {
        return u8::try_from(digit).ok().filter(|l| (2..=5).contains(l));
    }
    if name.ends_with("特別警報") {
        Some(5)
    } else if name.ends_with("警報") {
        Some(3)
    } else {
        None
    }
}

/// The alerts held from JMA: the newest document of each series.
#[derive(Clone, Debug, Default)]
pub struct JmaBook {
    /// By `Document::series`.
    series: BTreeMap<String, Held>,
}

#[derive(Clone, Debug)]
struct Held {
    sent: DateTime<FixedOffset>,
    data_type: DataType,
    office: String,
    alerts: Vec<Alert>,
}

/// What taking in a document did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// It is now what its series says.
    Replaced,
    /// It withdrew its series' last document (取消).
    Cancelled,
    /// Its series already holds a document as new or newer: a repeat or one out of order.
    Older,
    /// Left out, and why.
    Ignored(&'static str),
}

impl JmaBook {
    pub fn apply(&mut self, document: Document, drills: bool) -> Applied {
        match document.status {
            Status::Test => return Applied::Ignored("a test document (試験)"),
            Status::Drill if !drills => {
                return Applied::Ignored("a drill (訓練); `drills: true` shows them");
            }
            _ => {}
        }
        let series = document.series();
        if self
            .series
            .get(&series)
            .is_some_and(|held| held.sent >= document.sent)
        {
            return Applied::Older;
        }
        let applied = if document.info_type == InfoType::Cancelled {
            Applied::Cancelled
        } else {
            Applied::Replaced
        };
        self.series.insert(
            series,
            Held {
                sent: document.sent,
                data_type: document.data_type,
                office: document.office,
                alerts: document.alerts,
            },
        );
        applied
    }

    /// Every alert the held documents say is in force. While an office sends the reform's
    /// documents, its old-style ones (which say the same in old words) are left out.
    pub fn alerts(&self) -> Vec<Alert> {
        let reformed: Vec<&str> = self
            .series
            .values()
            .filter(|held| matches!(held.data_type, DataType::Warnings(_)))
            .map(|held| held.office.as_str())
            .collect();
        self.series
            .values()
            .filter(|held| {
                !(matches!(held.data_type, DataType::LegacyWarnings(_))
                    && reformed.contains(&held.office.as_str()))
            })
            .flat_map(|held| held.alerts.iter().cloned())
            .collect()
    }

    /// Forgets earthquakes long past, so the book does not grow with every quake of a year.
    /// Whether a document of `series` is held.
    pub fn holds(&self, series: &str) -> bool {
        self.series.contains_key(series)
    }

    pub fn forget_before(&mut self, time: DateTime<FixedOffset>) {
        self.series.retain(|_, held| {
            !matches!(held.data_type, DataType::Earthquake(_)) || held.sent >= time
        });
    }
}

/// JMA's headline as a screen can hold it: section marks (＜概況＞) and indents dropped,
/// the first paragraph or two, at most about 120 characters, ending at a sentence.
fn headline(text: &str) -> String {
    let mut kept = String::new();
    for line in text
        .lines()
        .map(|l| l.trim_matches([' ', '\u{3000}', '\t']))
    {
        if line.is_empty() || (line.starts_with('＜') && line.ends_with('＞')) {
            continue;
        }
        if kept.chars().count() + line.chars().count() > 120 {
            if kept.is_empty() {
                let cut: String = line.chars().take(120).collect();
                kept = match cut.rfind('。') {
                    Some(end) => cut[..end + '。'.len_utf8()].to_string(),
                    None => cut_chars(line, 120),
                };
            }
            break;
        }
        kept.push_str(line);
    }
    kept
}

/// Full-width letters, digits and brackets as ASCII, for matching titles written either way.
fn narrow(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn parse_xml(text: &str) -> Result<Xml<'_>, String> {
    // No DTDs: a document has no business declaring entities.
    Xml::parse_with_options(
        text,
        ParsingOptions {
            allow_dtd: false,
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| format!("broken XML at {}: {e}", e.pos()))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

fn text<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    child(node, name)
        .and_then(|n| n.text())
        .unwrap_or("")
        .trim()
}

fn describe(node: Node) -> String {
    match node.tag_name().namespace() {
        Some(ns) => format!("{} xmlns=\"{ns}\"", node.tag_name().name()),
        None => node.tag_name().name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yokohama() -> Interest {
        Interest {
            areas: vec!["1410000".into(), "1410011".into(), "1410012".into()],
            earthquake_areas: vec!["360".into(), "1411100".into()],
            tsunami_areas: vec!["312".into()],
            drills: false,
            earthquake_minutes: 30,
        }
    }

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../tests/fixtures/jma/", $name))
        };
    }

    fn entry(link: &str, title: &str) -> FeedEntry {
        FeedEntry {
            id: link.into(),
            title: title.into(),
            updated: None,
            link: link.into(),
            office: "横浜地方気象台".into(),
        }
    }

    #[test]
    fn types_come_from_the_file_name_else_from_the_title_in_either_width() {
        let data = "https://www.data.jma.go.jp/developer/xml/data/";
        let cases = [
            (
                format!("{data}20260701031200_0_VPWW55_140000.xml"),
                "",
                Some(DataType::Warnings(55)),
            ),
            (
                format!("{data}20260701031200_0_VPWW54_140000.xml"),
                "",
                Some(DataType::LegacyWarnings(54)),
            ),
            (
                format!("{data}20260701031200_0_VXWW50_140000.xml"),
                "",
                Some(DataType::Landslide),
            ),
            (
                format!("{data}20260701031200_0_VXSE53_010000.xml"),
                "",
                Some(DataType::Earthquake(53)),
            ),
            (
                format!("{data}20260701031200_0_VTSE41_010000.xml"),
                "",
                Some(DataType::Tsunami),
            ),
            (
                format!("{data}20260701031200_0_VPWS50_140000.xml"),
                "気象警報・注意報（Ｒ０６）（大雨）",
                None,
            ),
            (
                format!("{data}20260701031200_0_VPRN50_140000.xml"),
                "",
                None,
            ),
            (
                "https://example.org/a.xml".into(),
                "気象警報・注意報（Ｒ０６）（土砂災害）",
                Some(DataType::Warnings(56)),
            ),
            (
                "https://example.org/a.xml".into(),
                "気象警報・注意報(R06)(土砂)",
                Some(DataType::Warnings(56)),
            ),
            (
                "https://example.org/a.xml".into(),
                "津波警報・注意報・予報a",
                Some(DataType::Tsunami),
            ),
            ("https://example.org/a.xml".into(), "府県天気予報", None),
        ];
        for (link, title, expected) in cases {
            assert_eq!(
                DataType::of_entry(&entry(&link, title)),
                expected,
                "{link} {title}"
            );
        }
    }

    #[test]
    fn only_warnings_of_the_screens_prefecture_are_downloaded() {
        let here = yokohama();
        let data = "https://www.data.jma.go.jp/developer/xml/data/";
        let wants = |file: &str| here.wants(&entry(&format!("{data}{file}"), ""));
        assert_eq!(
            wants("20260701031200_0_VPWW55_140000.xml"),
            Some(DataType::Warnings(55))
        );
        assert_eq!(wants("20260701031200_0_VPWW55_130000.xml"), None);
        assert_eq!(
            wants("20260701031200_0_VXSE53_270000.xml"),
            Some(DataType::Earthquake(53))
        );
        let no_quakes = Interest {
            earthquake_areas: vec![],
            ..yokohama()
        };
        assert_eq!(
            no_quakes.wants(&entry(
                &format!("{data}20260701031200_0_VXSE53_010000.xml"),
                ""
            )),
            None
        );
    }

    #[test]
    fn a_feed_lists_its_entries_and_garbage_is_not_a_feed() {
        let entries = parse_feed(fixture!("feed-extra.xml")).unwrap();
        assert!(!entries.is_empty());
        assert!(
            entries
                .iter()
                .all(|e| !e.id.is_empty() && e.link.ends_with(".xml"))
        );
        assert_eq!(entries[0].office, "横浜地方気象台");
        // Tokyo's warnings and the 4 MB VPWS50 are never downloaded for a screen in Yokohama.
        let wanted: Vec<_> = entries.iter().filter_map(|e| yokohama().wants(e)).collect();
        assert_eq!(
            wanted,
            [DataType::Warnings(55), DataType::LegacyWarnings(54)]
        );
        assert!(
            parse_feed("<html><body>503</body></html>")
                .unwrap_err()
                .contains("not an Atom feed")
        );
        let broken =
            parse_feed("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry></feed>").unwrap_err();
        assert!(broken.starts_with("broken XML at 2:"), "{broken}");
        let entity_bomb = "<!DOCTYPE f [<!ENTITY a \"aaaa\">]><feed xmlns=\"http://www.w3.org/2005/Atom\">&a;</feed>";
        assert!(parse_feed(entity_bomb).is_err());
    }

    #[test]
    fn an_old_style_warning_document_gives_the_kinds_of_the_areas_asked_for() {
        let text = fixture!("VPWW54-kanagawa.xml");
        let document = parse_document(text, DataType::LegacyWarnings(54), &yokohama()).unwrap();
        assert_eq!(
            (document.status, document.info_type),
            (Status::Normal, InfoType::Issued)
        );
        assert_eq!(document.office, "横浜地方気象台");
        // Only 強風注意報 and 波浪注意報 are in force for 横浜市: advisories outside the
        // 警戒レベル, shown nowhere.
        assert!(document.alerts.is_empty(), "{:?}", document.alerts);
        let kanagawa = Interest {
            areas: vec!["140000".into()],
            ..yokohama()
        };
        let document = parse_document(text, DataType::LegacyWarnings(54), &kanagawa).unwrap();
        let alerts: Vec<_> = document
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.level, a.areas.join("")))
            .collect();
        assert_eq!(alerts, [("波浪警報", 3, "神奈川県".to_string())]);
    }

    #[test]
    fn reform_warnings_carry_their_level() {
        let cases = [
            (
                fixture!("VPWW55-yokohama-level3.xml"),
                Some(("レベル３大雨警報", 3, "Level 3 Heavy Rain Warning")),
            ),
            (
                fixture!("VPWW55-yokohama-level4.xml"),
                Some((
                    "レベル４大雨危険警報",
                    4,
                    "Level 4 Heavy Rain Danger Warning",
                )),
            ),
            (
                fixture!("VPWW55-yokohama-level5.xml"),
                Some(("大雨特別警報", 5, "Level 5 Heavy Rain Emergency Warning")),
            ),
            (fixture!("VPWW55-yokohama-lifted.xml"), None),
        ];
        for (text, expected) in cases {
            let document = parse_document(text, DataType::Warnings(55), &yokohama()).unwrap();
            let found = document
                .alerts
                .first()
                .map(|a| (a.name.as_str(), a.level, a.name_en.as_str()));
            assert_eq!(found, expected);
            if let Some(alert) = document.alerts.first() {
                assert_eq!(
                    (alert.areas.as_slice(), alert.office.as_str()),
                    (&["横浜市".to_string()][..], "横浜地方気象台")
                );
                assert!(
                    alert
                        .link
                        .as_deref()
                        .is_some_and(|l| l.len() <= crate::core::playlist::MAX_QR_URL_BYTES)
                );
                assert!(
                    alert.headline.starts_with("神奈川県に")
                        || alert.headline.starts_with("横浜市に"),
                    "{}",
                    alert.headline
                );
            }
        }
    }

    #[test]
    fn a_landslide_alert_for_the_south_of_yokohama() {
        let document = parse_document(
            fixture!("VXWW50-yokohama-south.xml"),
            DataType::Landslide,
            &yokohama(),
        )
        .unwrap();
        let alerts: Vec<_> = document
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.level, a.areas.join("")))
            .collect();
        assert_eq!(
            alerts,
            [("レベル４土砂災害危険警報", 4, "横浜市南部".to_string())]
        );
        assert!(
            !document.alerts[0].headline.contains('＜'),
            "{}",
            document.alerts[0].headline
        );
    }

    #[test]
    fn earthquakes_show_the_strongest_intensity_here_for_their_minutes() {
        let document = parse_document(
            fixture!("VXSE53-konan.xml"),
            DataType::Earthquake(53),
            &yokohama(),
        )
        .unwrap();
        let alert = &document.alerts[0];
        assert_eq!(
            (alert.name.as_str(), alert.level, alert.kind),
            ("地震（震度５強）", 4, Hazard::Earthquake)
        );
        assert_eq!(alert.areas, ["横浜港南区"]);
        assert_eq!(alert.ends, Some(alert.issued + TimeDelta::minutes(30)));
        // 震度速報: 神奈川県東部 felt 震度4 in this sample: the ticker's level.
        let document = parse_document(
            fixture!("VXSE51.xml"),
            DataType::Earthquake(51),
            &yokohama(),
        )
        .unwrap();
        let alerts: Vec<_> = document
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.level, a.areas.join("")))
            .collect();
        assert_eq!(alerts, [("地震（震度４）", 3, "神奈川県東部".to_string())]);
    }

    #[test]
    fn tsunami_warnings_for_tokyo_bay_and_their_withdrawal() {
        let document = parse_document(
            fixture!("VTSE41-advisory.xml"),
            DataType::Tsunami,
            &yokohama(),
        )
        .unwrap();
        let alerts: Vec<_> = document
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.level, a.areas.join("")))
            .collect();
        assert_eq!(alerts, [("津波注意報", 3, "東京湾内湾".to_string())]);
        let drill =
            parse_document(fixture!("VTSE41-drill.xml"), DataType::Tsunami, &yokohama()).unwrap();
        assert_eq!(drill.status, Status::Drill);
        assert!(
            drill.alerts.iter().all(|a| a.drill && a.name == "津波警報"),
            "{:?}",
            drill.alerts
        );
        let cancelled = parse_document(
            fixture!("VTSE41-cancelled.xml"),
            DataType::Tsunami,
            &yokohama(),
        )
        .unwrap();
        assert_eq!(
            (cancelled.info_type, cancelled.alerts.len()),
            (InfoType::Cancelled, 0)
        );
        let mut book = JmaBook::default();
        book.apply(document, false);
        assert!(matches!(book.apply(drill, false), Applied::Ignored(_)));
        assert_eq!(book.alerts().len(), 1);
    }

    #[test]
    fn bad_documents_say_what_is_wrong() {
        let here = yokohama();
        let text = fixture!("VPWW55-yokohama-level4.xml");
        let cases = [
            (
                text.replace(
                    "http://xml.kishou.go.jp/jmaxml1/\"",
                    "http://example.org/\"",
                ),
                "not a JMA report",
            ),
            (text[..text.len() / 2].to_string(), "broken XML at"),
            (
                text.replace("<Status>通常</Status>", "<Status>本番</Status>"),
                "Status `本番`",
            ),
            (
                text.replace("body/meteorology1/", "body/seismology1/"),
                "meteorology1 namespace",
            ),
            ("<html/>".to_string(), "not a JMA report"),
        ];
        for (document, expected) in cases {
            let problem = parse_document(&document, DataType::Warnings(55), &here).unwrap_err();
            assert!(problem.contains(expected), "{problem}");
        }
    }

    fn document(sent: &str, status: Status, info_type: InfoType, name: &str) -> Document {
        let sent = DateTime::parse_from_rfc3339(sent).unwrap();
        let meaning = warning_meaning(DataType::Warnings(55), "43", "").unwrap();
        let report = Report {
            data_type: DataType::Warnings(55),
            office: "横浜地方気象台",
            headline: "",
            reported: sent,
            drill: status == Status::Drill,
        };
        Document {
            data_type: DataType::Warnings(55),
            sent,
            status,
            info_type,
            office: "横浜地方気象台".into(),
            event_id: String::new(),
            alerts: if name.is_empty() {
                vec![]
            } else {
                vec![report.alert(
                    Hazard::Weather,
                    &meaning,
                    name.into(),
                    vec!["横浜市".into()],
                )]
            },
        }
    }

    #[test]
    fn the_book_keeps_the_newest_snapshot_of_each_series() {
        let mut book = JmaBook::default();
        let normal = |sent, name| document(sent, Status::Normal, InfoType::Issued, name);
        assert_eq!(
            book.apply(normal("2026-07-01T03:00:00Z", "a"), false),
            Applied::Replaced
        );
        // Out of order: an older snapshot arriving later changes nothing; a repeat neither.
        assert_eq!(
            book.apply(normal("2026-07-01T02:00:00Z", "old"), false),
            Applied::Older
        );
        assert_eq!(
            book.apply(normal("2026-07-01T03:00:00Z", "a"), false),
            Applied::Older
        );
        assert_eq!(book.alerts()[0].name, "a");
        assert_eq!(
            book.apply(normal("2026-07-01T04:00:00Z", ""), false),
            Applied::Replaced
        );
        assert!(book.alerts().is_empty());
        // A drill only with drills, in a series of its own.
        let drill = document(
            "2026-07-01T05:00:00Z",
            Status::Drill,
            InfoType::Issued,
            "drill",
        );
        assert!(matches!(
            book.apply(drill.clone(), false),
            Applied::Ignored(_)
        ));
        assert_eq!(book.apply(drill, true), Applied::Replaced);
        assert!(book.alerts()[0].drill);
        let test = document(
            "2026-07-01T06:00:00Z",
            Status::Test,
            InfoType::Issued,
            "test",
        );
        assert!(matches!(book.apply(test, true), Applied::Ignored(_)));
        // 取消 withdraws the series' document.
        book.apply(normal("2026-07-01T07:00:00Z", "b"), false);
        assert_eq!(
            book.apply(
                document(
                    "2026-07-01T07:05:00Z",
                    Status::Normal,
                    InfoType::Cancelled,
                    ""
                ),
                false
            ),
            Applied::Cancelled
        );
        assert!(book.alerts().iter().all(|a| a.name != "b"));
    }

    #[test]
    fn an_office_sending_the_reform_documents_is_not_read_twice() {
        let mut book = JmaBook::default();
        let mut legacy = document(
            "2026-07-01T03:00:00Z",
            Status::Normal,
            InfoType::Issued,
            "大雨警報",
        );
        legacy.data_type = DataType::LegacyWarnings(54);
        book.apply(legacy, false);
        assert_eq!(book.alerts().len(), 1);
        book.apply(
            document(
                "2026-07-01T03:00:01Z",
                Status::Normal,
                InfoType::Issued,
                "レベル３大雨警報",
            ),
            false,
        );
        let names: Vec<_> = book.alerts().into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["レベル３大雨警報"]);
    }

    #[test]
    fn headlines_lose_section_marks_and_stay_short() {
        let text = "＜概況＞\n　降り続く大雨のため、非常に危険な状況です。\n＜補足＞\n　避難してください。";
        assert_eq!(
            headline(text),
            "降り続く大雨のため、非常に危険な状況です。避難してください。"
        );
        let long = "あ".repeat(100) + "。" + &"い".repeat(100);
        assert_eq!(headline(&long), "あ".repeat(100) + "。");
        assert_eq!(level_by_name("レベル４新しい警報"), Some(4));
        assert_eq!(level_by_name("なにかの特別警報"), Some(5));
        assert_eq!(level_by_name("なにかの注意報"), None);
    }
}
