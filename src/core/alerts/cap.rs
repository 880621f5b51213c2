//! CAP 1.2 alerts: `parse` a message, and `CapBook`, what one source holds and a screen shows.

use super::{Alert, Hazard, Source, cut_chars};
use crate::core::playlist::MAX_QR_URL_BYTES;
use chrono::{DateTime, FixedOffset};
use roxmltree::{Document, Node};
use std::collections::{BTreeMap, VecDeque};

/// The namespace of CAP 1.2's `alert`; 1.0 and 1.1 documents are refused, not guessed at.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// The largest document read. Real alerts are a few kilobytes; detailed polygons some hundreds.
pub const MAX_CAP_BYTES: u64 = 1 << 20;
const MAX_INFOS: usize = 16;
const MAX_AREAS: usize = 64;
const MAX_POLYGON_POINTS: usize = 10_000;
/// How many updated or cancelled messages a book remembers (see `CapBook::ended`).
const MAX_ENDED: usize = 1024;
/// The mean Earth radius (IUGG), for great-circle distances.
const EARTH_RADIUS_KM: f64 = 6371.0088;
const DEFAULT_ADVICE_EN: &str = "Follow the instructions of the authorities.";
const MAX_ADVICE_CHARS: usize = 120;
const MAX_HEADLINE_CHARS: usize = 100;

/// One CAP 1.2 `alert` message.
#[derive(Clone, Debug, PartialEq)]
pub struct CapMessage {
    pub identifier: String,
    pub sender: String,
    pub sent: DateTime<FixedOffset>,
    pub status: CapStatus,
    pub msg_type: MsgType,
    /// The earlier messages an Update or Cancel replaces.
    pub references: Vec<Reference>,
    /// At most 16; the rest are left out.
    pub infos: Vec<Info>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapStatus {
    Actual,
    Exercise,
    System,
    Test,
    Draft,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgType {
    Alert,
    Update,
    Cancel,
    Ack,
    Error,
}

/// One entry of `references`: sender and identifier name a message, `sent` is kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub sender: String,
    pub identifier: String,
    pub sent: String,
}

/// One `info` block: the alert in one language.
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    /// A language tag such as "ja-JP"; "en-US" when the message gives none, as CAP says.
    pub language: String,
    /// E.g. "Met", "Geo", "Safety".
    pub categories: Vec<String>,
    pub event: String,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub sender_name: Option<String>,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    pub web: Option<String>,
    pub expires: Option<DateTime<FixedOffset>>,
    /// At most 64; the rest are left out.
    pub areas: Vec<Area>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Immediate,
    Expected,
    Future,
    Past,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Extreme,
    Severe,
    Moderate,
    Minor,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    Observed,
    Likely,
    Possible,
    Unlikely,
    Unknown,
}

/// One `area`: its name and the shapes that bound it. Shapes that are malformed, open or
/// longer than 10,000 points are left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    pub desc: String,
    /// Closed rings of (latitude, longitude).
    pub polygons: Vec<Vec<(f64, f64)>>,
    /// Centre (latitude, longitude) and radius in km.
    pub circles: Vec<((f64, f64), f64)>,
}

const STATUSES: &[(&str, CapStatus)] = &[
    ("Actual", CapStatus::Actual),
    ("Exercise", CapStatus::Exercise),
    ("System", CapStatus::System),
    ("Test", CapStatus::Test),
    ("Draft", CapStatus::Draft),
];
const MSG_TYPES: &[(&str, MsgType)] = &[
    ("Alert", MsgType::Alert),
    ("Update", MsgType::Update),
    ("Cancel", MsgType::Cancel),
    ("Ack", MsgType::Ack),
    ("Error", MsgType::Error),
];
const URGENCIES: &[(&str, Urgency)] = &[
    ("Immediate", Urgency::Immediate),
    ("Expected", Urgency::Expected),
    ("Future", Urgency::Future),
    ("Past", Urgency::Past),
    ("Unknown", Urgency::Unknown),
];
const SEVERITIES: &[(&str, Severity)] = &[
    ("Extreme", Severity::Extreme),
    ("Severe", Severity::Severe),
    ("Moderate", Severity::Moderate),
    ("Minor", Severity::Minor),
    ("Unknown", Severity::Unknown),
];
const CERTAINTIES: &[(&str, Certainty)] = &[
    ("Observed", Certainty::Observed),
    ("Likely", Certainty::Likely),
    ("Possible", Certainty::Possible),
    ("Unlikely", Certainty::Unlikely),
    ("Unknown", Certainty::Unknown),
];

/// Reads one CAP 1.2 message. Every problem is reported at once, each with the `line:col` of
/// the element concerned.
pub fn parse(xml: &str) -> Result<CapMessage, String> {
    if xml.len() as u64 > MAX_CAP_BYTES {
        return Err(format!(
            "the document is {} bytes; a CAP alert may be at most {MAX_CAP_BYTES}",
            xml.len()
        ));
    }
    let document = Document::parse(xml).map_err(|error| xml_error(xml, &error))?;
    let root = document.root_element();
    if !root.has_tag_name((CAP_NAMESPACE, "alert")) {
        let tag = root.tag_name();
        return Err(format!(
            "the document is <{}> in namespace {}, not a CAP 1.2 <alert> in namespace {CAP_NAMESPACE}",
            tag.name(),
            tag.namespace().unwrap_or("(none)")
        ));
    }
    let mut problems = Vec::new();
    let identifier = required(root, "identifier", &mut problems);
    let sender = required(root, "sender", &mut problems);
    let sent = time(root, "sent", true, &mut problems);
    let status = choice(root, "status", STATUSES, &mut problems);
    let msg_type = choice(root, "msgType", MSG_TYPES, &mut problems);
    let mut references = Vec::new();
    if let Some(list) = text(root, "references") {
        for entry in list.split_whitespace() {
            match entry.splitn(3, ',').collect::<Vec<_>>()[..] {
                [sender, identifier, sent] if !sender.is_empty() && !identifier.is_empty() => {
                    references.push(Reference {
                        sender: sender.into(),
                        identifier: identifier.into(),
                        sent: sent.into(),
                    })
                }
                // An Update that could not say what it replaces would show beside the old alert.
                _ => problems.push(format!(
                    "{}: <references> entry `{entry}` is not `sender,identifier,sent`",
                    place(root)
                )),
            }
        }
    }
    let infos: Vec<Info> = children(root, "info")
        .take(MAX_INFOS)
        .filter_map(|info| read_info(info, &mut problems))
        .collect();
    match (sent, status, msg_type) {
        (Some(Some(sent)), Some(status), Some(msg_type)) if problems.is_empty() => Ok(CapMessage {
            identifier,
            sender,
            sent,
            status,
            msg_type,
            references,
            infos,
        }),
        _ => Err(problems.join("; ")),
    }
}

fn read_info(info: Node, problems: &mut Vec<String>) -> Option<Info> {
    let start = problems.len();
    let categories: Vec<String> = children(info, "category").filter_map(own_text).collect();
    if categories.is_empty() {
        problems.push(format!("{}: <info> lacks <category>", place(info)));
    }
    let event = required(info, "event", problems);
    let urgency = choice(info, "urgency", URGENCIES, problems);
    let severity = choice(info, "severity", SEVERITIES, problems);
    let certainty = choice(info, "certainty", CERTAINTIES, problems);
    let expires = time(info, "expires", false, problems).flatten();
    let areas = children(info, "area")
        .take(MAX_AREAS)
        .map(|area| Area {
            desc: required(area, "areaDesc", problems),
            polygons: children(area, "polygon")
                .filter_map(|polygon| read_polygon(&own_text(polygon)?))
                .collect(),
            circles: children(area, "circle")
                .filter_map(|circle| read_circle(&own_text(circle)?))
                .collect(),
        })
        .collect();
    if problems.len() > start {
        return None;
    }
    Some(Info {
        language: text(info, "language").unwrap_or_else(|| "en-US".into()),
        categories,
        event,
        urgency: urgency?,
        severity: severity?,
        certainty: certainty?,
        sender_name: text(info, "senderName"),
        headline: text(info, "headline"),
        // Kept as written: line breaks may be meant.
        description: child(info, "description").and_then(own_text),
        instruction: child(info, "instruction").and_then(own_text),
        web: text(info, "web"),
        expires,
        areas,
    })
}

/// "lat,lon lat,lon …", closed (first point = last) and at least 4 points, or nothing.
fn read_polygon(text: &str) -> Option<Vec<(f64, f64)>> {
    let mut points = Vec::new();
    for pair in text.split_whitespace() {
        if points.len() == MAX_POLYGON_POINTS {
            return None;
        }
        points.push(read_point(pair)?);
    }
    (points.len() >= 4 && points.first() == points.last()).then_some(points)
}

/// "lat,lon radius_km".
fn read_circle(text: &str) -> Option<((f64, f64), f64)> {
    let mut parts = text.split_whitespace();
    let centre = read_point(parts.next()?)?;
    let radius: f64 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && radius.is_finite() && radius >= 0.0).then_some((centre, radius))
}

fn read_point(pair: &str) -> Option<(f64, f64)> {
    let (lat, lon) = pair.split_once(',')?;
    let (lat, lon): (f64, f64) = (lat.parse().ok()?, lon.parse().ok()?);
    // The ranges also keep out "NaN" and "inf", which `parse` accepts.
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn xml_error(xml: &str, error: &roxmltree::Error) -> String {
    use roxmltree::Error::{UnclosedRootNode, UnexpectedEndOfStream};
    match error {
        // roxmltree gives these no position; where the text stops is the place to look.
        UnclosedRootNode | UnexpectedEndOfStream => {
            let row = xml.matches('\n').count() + 1;
            let col = xml
                .rsplit('\n')
                .next()
                .map_or(0, |line| line.chars().count())
                + 1;
            format!("not well-formed XML: {error} at {row}:{col} (the document stops early)")
        }
        _ => format!("not well-formed XML: {error}"),
    }
}

fn place(node: Node) -> String {
    let at = node.document().text_pos_at(node.range().start);
    format!("{}:{}", at.row, at.col)
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.has_tag_name((CAP_NAMESPACE, name)))
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    children(node, name).next()
}

/// An element's text, trimmed; None when empty.
fn own_text(node: Node) -> Option<String> {
    let text: String = node
        .descendants()
        .filter_map(|d| d.is_text().then(|| d.text()).flatten())
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A child's text on one line: senders wrap long values, and a screen line should not.
fn text(node: Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(own_text)
        .map(|text| one_line(&text))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn required(node: Node, name: &str, problems: &mut Vec<String>) -> String {
    text(node, name).unwrap_or_else(|| {
        problems.push(format!(
            "{}: <{}> lacks <{name}>",
            place(node),
            node.tag_name().name()
        ));
        String::new()
    })
}

fn choice<T: Copy>(
    node: Node,
    name: &str,
    choices: &[(&str, T)],
    problems: &mut Vec<String>,
) -> Option<T> {
    let value = required(node, name, problems);
    let found = choices
        .iter()
        .find(|(word, _)| *word == value)
        .map(|&(_, choice)| choice);
    if found.is_none() && !value.is_empty() {
        let words: Vec<&str> = choices.iter().map(|&(word, _)| word).collect();
        problems.push(format!(
            "{}: <{name}> is `{value}`; CAP 1.2 allows {}",
            place(child(node, name)?),
            words.join(", ")
        ));
    }
    found
}

/// Some(None) when an optional time is absent; None when it is wrong or a required one lacks.
fn time(
    node: Node,
    name: &str,
    needed: bool,
    problems: &mut Vec<String>,
) -> Option<Option<DateTime<FixedOffset>>> {
    let Some(value) = text(node, name) else {
        if needed {
            required(node, name, problems);
            return None;
        }
        return Some(None);
    };
    match DateTime::parse_from_rfc3339(&value) {
        Ok(time) => Some(Some(time)),
        Err(_) => {
            problems.push(format!(
                "{}: <{name}> is `{value}`, not a time like 2003-06-17T14:57:00-07:00",
                place(child(node, name)?)
            ));
            None
        }
    }
}

/// What `CapBook::apply` did with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Added,
    /// Held, and the messages it references dropped.
    Updated,
    /// The messages it references dropped.
    Cancelled,
    /// Nothing changed, for this reason.
    Ignored(&'static str),
}

/// The CAP alerts held from one source, by (sender, identifier).
#[derive(Clone, Debug, Default)]
pub struct CapBook {
    held: BTreeMap<(String, String), CapMessage>,
    /// Messages updated, cancelled or forgotten, and the cancels themselves, oldest first: a
    /// feed that still lists them (newest first, so a Cancel before its Alert) must not bring
    /// them back.
    ended: VecDeque<(String, String)>,
}

impl CapBook {
    /// Takes in a message: Alert adds it; Update adds it and drops every message it references;
    /// Cancel drops the referenced messages (and is not itself shown); Ack and Error change
    /// nothing. A message already held, or already replaced, is not applied twice.
    pub fn apply(&mut self, message: CapMessage) -> Applied {
        let key = (message.sender.clone(), message.identifier.clone());
        if self.held.contains_key(&key) {
            return Applied::Ignored("the message is already held");
        }
        if self.ended.contains(&key) {
            return Applied::Ignored("the message was already updated or cancelled");
        }
        if matches!(message.msg_type, MsgType::Update | MsgType::Cancel) {
            for reference in &message.references {
                let old = (reference.sender.clone(), reference.identifier.clone());
                self.held.remove(&old);
                self.end(old);
            }
        }
        match message.msg_type {
            MsgType::Alert => {
                self.held.insert(key, message);
                Applied::Added
            }
            MsgType::Update => {
                self.held.insert(key, message);
                Applied::Updated
            }
            MsgType::Cancel => {
                // A Cancel that names only the first alert of a thread ends its updates too.
                let cancelled: Vec<(String, String)> = message
                    .references
                    .iter()
                    .map(|r| (r.sender.clone(), r.identifier.clone()))
                    .collect();
                let updates: Vec<_> = self
                    .held
                    .iter()
                    .filter(|(_, held)| {
                        held.references
                            .iter()
                            .any(|r| cancelled.contains(&(r.sender.clone(), r.identifier.clone())))
                    })
                    .map(|(key, _)| key.clone())
                    .collect();
                for update in updates {
                    self.held.remove(&update);
                    self.end(update);
                }
                self.end(key);
                Applied::Cancelled
            }
            MsgType::Ack | MsgType::Error => Applied::Ignored("an Ack or Error changes no alert"),
        }
    }

    /// Drops the messages with nothing in force at `now` (every info expired), so a long-lived
    /// book does not grow; they are remembered as ended, like cancelled ones.
    pub fn forget_expired(&mut self, now: DateTime<FixedOffset>) {
        let expired: Vec<_> = self
            .held
            .iter()
            .filter(|(_, message)| {
                message
                    .infos
                    .iter()
                    .all(|info| info.expires.is_some_and(|e| e <= now))
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in expired {
            self.held.remove(&key);
            self.end(key);
        }
    }

    fn end(&mut self, key: (String, String)) {
        if !self.ended.contains(&key) {
            if self.ended.len() == MAX_ENDED {
                self.ended.pop_front();
            }
            self.ended.push_back(key);
        }
    }

    /// The alerts to show for a screen at `position` (latitude, longitude) at `now`; Exercise
    /// messages only when `drills`, marked as drills.
    pub fn alerts(
        &self,
        position: (f64, f64),
        now: DateTime<FixedOffset>,
        drills: bool,
    ) -> Vec<Alert> {
        self.held
            .values()
            .filter_map(|message| shown(message, position, now, drills))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

fn shown(
    message: &CapMessage,
    position: (f64, f64),
    now: DateTime<FixedOffset>,
    drills: bool,
) -> Option<Alert> {
    let drill = match message.status {
        CapStatus::Actual => false,
        CapStatus::Exercise if drills => true,
        _ => return None,
    };
    // The screen speaks Japanese first; English comes from an English info when there is one.
    let info = message
        .infos
        .iter()
        .find(|info| speaks(info, "ja"))
        .or(message.infos.first())?;
    let english = message.infos.iter().find(|info| speaks(info, "en"));
    if info.urgency == Urgency::Past || info.expires.is_some_and(|expires| expires <= now) {
        return None;
    }
    let areas = areas_holding(&info.areas, position)?;
    let level = match info.severity {
        Severity::Extreme => 5,
        Severity::Severe => 4,
        Severity::Moderate => 3,
        Severity::Minor | Severity::Unknown => 2,
    };
    // Only what is happening or about to happen may take the screen over; the rest is ticker news.
    let level = match info.urgency {
        Urgency::Immediate | Urgency::Expected => level,
        _ => level.min(3),
    };
    let headline = info.headline.clone().or_else(|| {
        let description = info.description.as_deref()?;
        Some(cut_chars(&one_line(description), MAX_HEADLINE_CHARS))
    });
    Some(Alert {
        source: Source::Cap,
        kind: hazard(info, english),
        level,
        name: info.event.clone(),
        name_en: english.unwrap_or(info).event.clone(),
        advice_en: english
            .and_then(|english| english.instruction.as_deref())
            .map_or_else(|| DEFAULT_ADVICE_EN.into(), first_sentence),
        areas,
        headline: headline.unwrap_or_default(),
        office: info
            .sender_name
            .clone()
            .unwrap_or_else(|| message.sender.clone()),
        issued: message.sent,
        // The QR card holds only short addresses, and only web ones make sense to a phone.
        link: info.web.clone().filter(|url| {
            (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= MAX_QR_URL_BYTES
        }),
        drill,
        ends: info.expires,
    })
}

/// Whether the info's language is `primary` ("ja" takes "ja-JP", not "jv").
fn speaks(info: &Info, primary: &str) -> bool {
    info.language
        .split('-')
        .next()
        .is_some_and(|tag| tag.eq_ignore_ascii_case(primary))
}

fn hazard(info: &Info, english: Option<&Info>) -> Hazard {
    let category = |name: &str| info.categories.iter().any(|c| c == name);
    let event = format!(
        "{} {}",
        info.event,
        english.map_or("", |e| e.event.as_str())
    )
    .to_lowercase();
    let mentions = |words: [&str; 2]| words.iter().any(|word| event.contains(word));
    if category("Geo") && mentions(["tsunami", "津波"]) {
        Hazard::Tsunami
    } else if category("Geo") && mentions(["earthquake", "地震"]) {
        Hazard::Earthquake
    } else if category("Met") {
        Hazard::Weather
    } else {
        Hazard::Other
    }
}

/// The names of the areas that hold `position`, or of all areas when none has a shape (named
/// by codes only: the source was chosen for this place). None when shapes exist and none holds it.
fn areas_holding(areas: &[Area], position: (f64, f64)) -> Option<Vec<String>> {
    let names = |areas: Vec<&Area>| {
        areas
            .into_iter()
            .map(|area| area.desc.clone())
            .collect::<Vec<_>>()
    };
    if areas
        .iter()
        .all(|area| area.polygons.is_empty() && area.circles.is_empty())
    {
        return Some(names(areas.iter().collect()));
    }
    let holding: Vec<&Area> = areas
        .iter()
        .filter(|area| {
            area.polygons
                .iter()
                .any(|polygon| inside(polygon, position))
                || area
                    .circles
                    .iter()
                    .any(|&(centre, radius)| distance_km(centre, position) <= radius)
        })
        .collect();
    (!holding.is_empty()).then(|| names(holding))
}

/// Ray casting on (latitude, longitude) as a plane: warning polygons are small enough. A
/// polygon across the 180th meridian is not handled.
fn inside(polygon: &[(f64, f64)], (lat, lon): (f64, f64)) -> bool {
    let mut inside = false;
    for edge in polygon.windows(2) {
        let ((lat1, lon1), (lat2, lon2)) = (edge[0], edge[1]);
        if (lat1 > lat) != (lat2 > lat) && lon < lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
        {
            inside = !inside;
        }
    }
    inside
}

/// Haversine great-circle distance.
fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let half_dphi = (phi2 - phi1) / 2.0;
    let half_dlambda = (lon2 - lon1).to_radians() / 2.0;
    let h = half_dphi.sin().powi(2) + phi1.cos() * phi2.cos() * half_dlambda.sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The first sentence of an instruction, on one line and short.
fn first_sentence(text: &str) -> String {
    let text = one_line(text);
    let end = text
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(' '))
        .map_or(text.len(), |(i, _)| i + 1);
    cut_chars(&text[..end], MAX_ADVICE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A1: &str = include_str!("../../../tests/fixtures/cap/a1-homeland-security-advisory.xml");
    const A2: &str = include_str!("../../../tests/fixtures/cap/a2-severe-thunderstorm-warning.xml");
    const A2_UPDATE: &str =
        include_str!("../../../tests/fixtures/cap/a2-update-extends-warning.xml");
    const A2_CANCEL: &str = include_str!("../../../tests/fixtures/cap/a2-cancel.xml");
    const A3: &str = include_str!("../../../tests/fixtures/cap/a3-earthquake-update.xml");
    const A4: &str = include_str!("../../../tests/fixtures/cap/a4-amber-alert-multilingual.xml");
    const JA_EN: &str =
        include_str!("../../../tests/fixtures/cap/made-up-tsunami-ja-en-circle.xml");

    /// Inside A.2's polygon, in Alpine County.
    const IN_A2: (f64, f64) = (38.48, -119.93);
    /// Inside A.2's bounding box, but west of its north-west edge.
    const BESIDE_A2: (f64, f64) = (38.60, -120.10);
    /// The centre of the made-up tsunami warning's 5 km circle.
    const YOKOHAMA: (f64, f64) = (35.4437, 139.6380);

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    /// During A.2's storm, before it expires at 16:00 PDT.
    fn storm_time() -> DateTime<FixedOffset> {
        at("2003-06-17T15:40:00-07:00")
    }

    fn book_of(documents: &[&str]) -> CapBook {
        let mut book = CapBook::default();
        for document in documents {
            book.apply(parse(document).unwrap());
        }
        book
    }

    /// A.2 with its `<area>` replaced.
    fn a2_with_area(area: &str) -> String {
        let (start, end) = (
            A2.find("<area>").unwrap(),
            A2.find("</area>").unwrap() + "</area>".len(),
        );
        format!("{}{area}{}", &A2[..start], &A2[end..])
    }

    #[test]
    fn every_fixture_parses() {
        // (document, identifier, msgType, languages, areas, polygons, circles)
        let cases = [
            (A1, "43b080713727", MsgType::Alert, vec!["en-US"], 1, 0, 0),
            (A2, "KSTO1055887203", MsgType::Alert, vec!["en-US"], 1, 1, 0),
            (
                A2_UPDATE,
                "KSTO1055888403",
                MsgType::Update,
                vec!["en-US"],
                1,
                1,
                0,
            ),
            (
                A2_CANCEL,
                "KSTO1055889001",
                MsgType::Cancel,
                vec!["en-US"],
                1,
                1,
                0,
            ),
            (A3, "TRI13970876.2", MsgType::Update, vec!["en-US"], 1, 0, 1),
            (
                A4,
                "KAR0-0306112239-SW",
                MsgType::Alert,
                vec!["en-US", "es-US"],
                1,
                0,
                0,
            ),
            (
                JA_EN,
                "example-2026-0701-0001",
                MsgType::Alert,
                vec!["en-US", "ja-JP"],
                1,
                0,
                1,
            ),
        ];
        for (document, identifier, msg_type, languages, areas, polygons, circles) in cases {
            let message = parse(document).unwrap_or_else(|e| panic!("{identifier}: {e}"));
            assert_eq!(message.identifier, identifier);
            assert_eq!(message.msg_type, msg_type, "{identifier}");
            assert_eq!(message.status, CapStatus::Actual, "{identifier}");
            let found: Vec<&str> = message.infos.iter().map(|i| i.language.as_str()).collect();
            assert_eq!(found, languages, "{identifier}");
            let area = &message.infos[0].areas;
            assert_eq!(area.len(), areas, "{identifier}");
            assert_eq!(area[0].polygons.len(), polygons, "{identifier}");
            assert_eq!(area[0].circles.len(), circles, "{identifier}");
        }
    }

    #[test]
    fn a2_reads_as_the_specification_writes_it() {
        let message = parse(A2).unwrap();
        assert_eq!(message.sender, "KSTO@NWS.NOAA.GOV");
        assert_eq!(message.sent, at("2003-06-17T14:57:00-07:00"));
        let info = &message.infos[0];
        assert_eq!(info.categories, ["Met"]);
        assert_eq!(
            (info.urgency, info.severity, info.certainty),
            (Urgency::Immediate, Severity::Severe, Certainty::Observed)
        );
        assert_eq!(info.expires, Some(at("2003-06-17T16:00:00-07:00")));
        assert_eq!(
            info.sender_name.as_deref(),
            Some("NATIONAL WEATHER SERVICE SACRAMENTO CA")
        );
        assert!(info.areas[0].desc.starts_with(
            "EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA, EXTREME NORTHEASTERN CALAVERAS"
        ));
        assert_eq!(
            info.areas[0].polygons[0],
            [
                (38.47, -120.14),
                (38.34, -119.95),
                (38.52, -119.74),
                (38.62, -119.89),
                (38.47, -120.14)
            ]
        );
        let a3 = parse(A3).unwrap();
        assert_eq!(
            a3.references,
            [Reference {
                sender: "trinet@caltech.edu".into(),
                identifier: "TRI13970876.1".into(),
                sent: "2003-06-11T20:30:00-07:00".into(),
            }]
        );
        assert_eq!(a3.infos[0].areas[0].circles, [((32.9525, -115.5527), 0.0)]);
    }

    #[test]
    fn an_alert_shows_inside_its_polygon_and_not_outside() {
        let book = book_of(&[A2]);
        for (position, shown) in [
            (IN_A2, true),
            (BESIDE_A2, false),
            ((38.30, -120.10), false),
            (YOKOHAMA, false),
        ] {
            assert_eq!(
                book.alerts(position, storm_time(), false).len(),
                usize::from(shown),
                "{position:?}"
            );
        }
        let alert = &book.alerts(IN_A2, storm_time(), false)[0];
        assert_eq!(
            (alert.source, alert.kind, alert.level, alert.drill),
            (Source::Cap, Hazard::Weather, 4, false)
        );
        assert_eq!(
            (alert.name.as_str(), alert.name_en.as_str()),
            ("SEVERE THUNDERSTORM", "SEVERE THUNDERSTORM")
        );
        assert_eq!(
            alert.advice_en,
            "TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES."
        );
        assert_eq!(alert.headline, "SEVERE THUNDERSTORM WARNING");
        assert_eq!(alert.office, "NATIONAL WEATHER SERVICE SACRAMENTO CA");
        assert_eq!(alert.issued, at("2003-06-17T14:57:00-07:00"));
        assert_eq!(alert.ends, Some(at("2003-06-17T16:00:00-07:00")));
        assert_eq!(alert.areas.len(), 1);
        assert_eq!(alert.link, None);
    }

    #[test]
    fn an_update_replaces_what_it_references() {
        let mut book = book_of(&[A2]);
        assert_eq!(book.apply(parse(A2_UPDATE).unwrap()), Applied::Updated);
        assert_eq!(book.len(), 1);
        // A feed that still lists the original must not bring it back.
        assert!(matches!(
            book.apply(parse(A2).unwrap()),
            Applied::Ignored(_)
        ));
        assert!(matches!(
            book.apply(parse(A2_UPDATE).unwrap()),
            Applied::Ignored(_)
        ));
        let alerts = book.alerts(IN_A2, at("2003-06-17T16:10:00-07:00"), false);
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            alerts[0].headline,
            "SEVERE THUNDERSTORM WARNING EXTENDED UNTIL 430 PM PDT"
        );
        assert_eq!(alerts[0].ends, Some(at("2003-06-17T16:30:00-07:00")));
    }

    #[test]
    fn a_cancel_ends_what_it_references_in_either_order() {
        for order in [[A2, A2_CANCEL], [A2_CANCEL, A2]] {
            let mut book = CapBook::default();
            let applied: Vec<Applied> = order
                .iter()
                .map(|d| book.apply(parse(d).unwrap()))
                .collect();
            assert!(applied.contains(&Applied::Cancelled), "{applied:?}");
            assert!(book.is_empty() && book.alerts(IN_A2, storm_time(), false).is_empty());
            assert!(matches!(
                book.apply(parse(A2_CANCEL).unwrap()),
                Applied::Ignored(_)
            ));
        }
    }

    #[test]
    fn an_alert_ends_when_it_expires() {
        let mut book = book_of(&[A2]);
        for (now, shown) in [
            ("2003-06-17T15:59:59-07:00", 1),
            ("2003-06-17T16:00:00-07:00", 0),
        ] {
            assert_eq!(book.alerts(IN_A2, at(now), false).len(), shown, "{now}");
        }
        book.forget_expired(at("2003-06-17T15:59:59-07:00"));
        assert_eq!(book.len(), 1);
        book.forget_expired(at("2003-06-17T16:00:00-07:00"));
        assert!(book.is_empty());
        assert!(matches!(
            book.apply(parse(A2).unwrap()),
            Applied::Ignored(_)
        ));
    }

    #[test]
    fn only_actual_messages_show_and_exercises_only_as_drills() {
        // (status, drills asked for, shown as: None or Some(drill))
        let cases = [
            ("Actual", false, Some(false)),
            ("Actual", true, Some(false)),
            ("Exercise", false, None),
            ("Exercise", true, Some(true)),
            ("Test", true, None),
            ("System", true, None),
            ("Draft", true, None),
        ];
        for (status, drills, expected) in cases {
            let document = A2.replace(
                "<status>Actual</status>",
                &format!("<status>{status}</status>"),
            );
            let alerts = book_of(&[&document]).alerts(IN_A2, storm_time(), drills);
            assert_eq!(
                alerts.first().map(|a| a.drill),
                expected,
                "{status} {drills}"
            );
        }
    }

    #[test]
    fn severity_gives_the_level_and_urgency_caps_it() {
        // (severity, urgency, level or None when not shown)
        let cases = [
            ("Extreme", "Immediate", Some(5)),
            ("Severe", "Expected", Some(4)),
            ("Moderate", "Immediate", Some(3)),
            ("Minor", "Immediate", Some(2)),
            ("Unknown", "Immediate", Some(2)),
            ("Extreme", "Future", Some(3)),
            ("Severe", "Unknown", Some(3)),
            ("Minor", "Future", Some(2)),
            ("Extreme", "Past", None),
        ];
        for (severity, urgency, level) in cases {
            let document = A2
                .replace(
                    "<severity>Severe</severity>",
                    &format!("<severity>{severity}</severity>"),
                )
                .replace(
                    "<urgency>Immediate</urgency>",
                    &format!("<urgency>{urgency}</urgency>"),
                );
            let alerts = book_of(&[&document]).alerts(IN_A2, storm_time(), false);
            assert_eq!(
                alerts.first().map(|a| a.level),
                level,
                "{severity} {urgency}"
            );
        }
    }

    #[test]
    fn an_area_without_shapes_applies_everywhere() {
        let now = at("2003-06-17T15:00:00-07:00");
        // (document, name, areas, advice_en, link)
        let cases = [
            (
                A1,
                "Homeland Security Advisory System Update",
                "U.S. nationwide and interests worldwide",
                "A High Condition is declared when there is a high risk of terrorist attacks.",
                Some("http://www.dhs.gov/dhspublic/display?theme=29"),
            ),
            // No Japanese, so the first info; no instruction, so the usual advice.
            (
                A4,
                "Child Abduction",
                "Los Angeles County",
                DEFAULT_ADVICE_EN,
                None,
            ),
        ];
        for (document, name, area, advice_en, link) in cases {
            let alerts = book_of(&[document]).alerts(YOKOHAMA, now, false);
            let alert = &alerts[0];
            assert_eq!((alert.name.as_str(), alert.kind), (name, Hazard::Other));
            assert_eq!(alert.areas, [area]);
            assert_eq!(alert.advice_en, advice_en);
            assert_eq!(alert.link.as_deref(), link);
        }
    }

    #[test]
    fn japanese_names_the_alert_and_english_explains_it() {
        let alerts = book_of(&[JA_EN]).alerts(YOKOHAMA, at("2026-07-01T03:20:00+09:00"), false);
        let alert = &alerts[0];
        assert_eq!(
            (alert.name.as_str(), alert.name_en.as_str()),
            ("津波警報", "Tsunami Warning")
        );
        assert_eq!(alert.advice_en, "Move to high ground now.");
        assert_eq!((alert.kind, alert.level), (Hazard::Tsunami, 5));
        assert_eq!(
            (alert.headline.as_str(), alert.office.as_str()),
            ("例市の沿岸に津波警報", "例市")
        );
        assert_eq!(alert.areas, ["例市沿岸"]);
        assert_eq!(
            alert.link.as_deref(),
            Some("https://example.org/ja/tsunami")
        );
    }

    #[test]
    fn a_circle_holds_the_points_within_its_radius() {
        let book = book_of(&[JA_EN]);
        // 1° of latitude is about 111.2 km; 1° of longitude here about 90.6 km.
        let cases = [
            (YOKOHAMA, true),
            ((YOKOHAMA.0 + 0.036, YOKOHAMA.1), true),
            ((YOKOHAMA.0 + 0.054, YOKOHAMA.1), false),
            ((YOKOHAMA.0, YOKOHAMA.1 - 0.044), true),
            ((YOKOHAMA.0, YOKOHAMA.1 - 0.066), false),
        ];
        for (position, shown) in cases {
            let alerts = book.alerts(position, at("2026-07-01T03:20:00+09:00"), false);
            assert_eq!(alerts.len(), usize::from(shown), "{position:?}");
        }
        assert!((distance_km((35.0, 139.0), (36.0, 139.0)) - 111.19).abs() < 0.01);
    }

    #[test]
    fn links_too_long_for_a_qr_card_or_not_on_the_web_are_left_out() {
        let cases = [
            ("https://example.org/ja/tsunami", true),
            ("ftp://example.org/tsunami", false),
            (
                "https://example.org/a-rather-long-path/that-no-qr-card-holds",
                false,
            ),
        ];
        for (url, kept) in cases {
            let document = JA_EN.replace("https://example.org/ja/tsunami", url);
            let alerts =
                book_of(&[&document]).alerts(YOKOHAMA, at("2026-07-01T03:20:00+09:00"), false);
            assert_eq!(alerts[0].link.is_some(), kept, "{url}");
        }
    }

    #[test]
    fn bad_shapes_are_left_out_not_errors() {
        let ring = |points: usize| {
            let mut pairs: Vec<String> = (0..points - 1)
                .map(|i| {
                    let angle = i as f64 / (points - 1) as f64 * std::f64::consts::TAU;
                    format!(
                        "{},{}",
                        38.48 + 0.1 * angle.sin(),
                        -119.93 + 0.1 * angle.cos()
                    )
                })
                .collect();
            pairs.push(pairs[0].clone());
            pairs.join(" ")
        };
        // (polygon text, kept)
        let cases = [
            (ring(10_000), true),
            (ring(10_001), false),
            (String::new(), false),
            (
                "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.47,-120.14".into(),
                true,
            ),
            ("38.47,-120.14 38.34,-119.95 38.47,-120.14".into(), false),
            (
                "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89".into(),
                false,
            ),
            (
                "38.47,-120.14 38.34,-119.95 oops 38.62,-119.89 38.47,-120.14".into(),
                false,
            ),
            (
                "38.47,-120.14 NaN,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14".into(),
                false,
            ),
            (
                "38.47,-120.14 98.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14".into(),
                false,
            ),
        ];
        for (polygon, kept) in cases {
            let document = a2_with_area(&format!(
                "<area><areaDesc>Alpine</areaDesc><polygon>{polygon}</polygon></area>"
            ));
            let message = parse(&document).unwrap();
            assert_eq!(
                message.infos[0].areas[0].polygons.len(),
                usize::from(kept),
                "{polygon:.80}"
            );
        }
        let document = a2_with_area(
            "<area><areaDesc>Alpine</areaDesc><polygon/><circle>38.5,-119.9</circle><circle>38.5,-119.9 -1</circle></area>",
        );
        let area = &parse(&document).unwrap().infos[0].areas[0];
        assert!(area.polygons.is_empty() && area.circles.is_empty());
        // With no shape left, the area is as if named by codes only.
        let alerts = book_of(&[&document]).alerts(YOKOHAMA, storm_time(), false);
        assert_eq!(alerts[0].areas, ["Alpine"]);
    }

    #[test]
    fn bad_documents_are_errors_that_say_what_is_wrong() {
        let truncated = &A2[..A2.find("<urgency>").unwrap()];
        let too_big = format!("{}{}", A2, " ".repeat(MAX_CAP_BYTES as usize));
        // (document, words the error must contain)
        let cases: [(&str, &[&str]); 8] = [
            (
                &A2.replace(":cap:1.2", ":cap:1.1"),
                &["urn:oasis:names:tc:emergency:cap:1.1", "CAP 1.2"],
            ),
            (
                r#"<feed xmlns="http://www.w3.org/2005/Atom"/>"#,
                &["<feed>", "http://www.w3.org/2005/Atom"],
            ),
            (
                truncated,
                &["not well-formed XML", "at 13:9", "stops early"],
            ),
            (
                "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><sent></alert>",
                &["expected 'sent' tag, not 'alert' at 1:"],
            ),
            (&too_big, &["bytes", "at most 1048576"]),
            (
                &A2.replace("<sent>2003-06-17T14:57:00-07:00</sent>", "")
                    .replace("<urgency>Immediate</urgency>", ""),
                &["2:1: <alert> lacks <sent>", "<info> lacks <urgency>"],
            ),
            (
                &A2.replace("<status>Actual</status>", "<status>Real</status>"),
                &["<status> is `Real`", "Actual, Exercise"],
            ),
            (
                &A2.replace("<expires>2003-06-17T16:00:00-07:00", "<expires>tomorrow"),
                &["<expires> is `tomorrow`"],
            ),
        ];
        for (document, words) in cases {
            let error = parse(document).unwrap_err();
            for word in words {
                assert!(error.contains(word), "`{word}` not in: {error}");
            }
        }
    }

    #[test]
    fn acks_change_nothing() {
        let mut book = book_of(&[A2]);
        let ack = A2_CANCEL.replace("<msgType>Cancel</msgType>", "<msgType>Ack</msgType>");
        assert!(matches!(
            book.apply(parse(&ack).unwrap()),
            Applied::Ignored(_)
        ));
        assert_eq!(book.alerts(IN_A2, storm_time(), false).len(), 1);
    }

    #[test]
    fn at_most_16_infos_are_kept() {
        let info = &A2[A2.find("<info>").unwrap()..A2.find("</info>").unwrap() + "</info>".len()];
        let document = A2.replace(info, &info.repeat(20));
        assert_eq!(parse(&document).unwrap().infos.len(), MAX_INFOS);
    }
}
