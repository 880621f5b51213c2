//! The playlists the player knows, and which of them play at a given moment.

use super::holidays::holiday_name;
use super::news::News;
use super::playlist::{Playlist, Slide};
use super::schedule::{ClosedDays, Closure};
use super::web::{PageSnapshot, WebPage};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A playlist's name in the library: its file name, e.g. `food-safety.ron`.
pub type PlaylistId = String;

/// One version of one slide: reloading a playlist gives its slides new keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SlideKey {
    pub playlist: PlaylistId,
    pub revision: u64,
    pub index: usize,
}

#[derive(Clone, Debug)]
pub struct Entry {
    /// As shown: a `Feed` slide is a text slide of its feed's newest items, a `Web` slide
    /// carries its page's snapshot.
    pub playlist: Arc<Playlist>,
    /// Media paths in the playlist are relative to this folder.
    pub folder: PathBuf,
    pub revision: u64,
    /// As written, for a playlist with `Feed` or `Web` slides: shown again from it when a feed
    /// or a page's snapshot changes.
    written: Option<Arc<Playlist>>,
}

/// What the schedule says should be on screen now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Programme {
    /// True when the playlists are emergency ones, which take over at once.
    pub emergency: bool,
    /// The playlists taking turns, in a stable order; empty means the idle screen.
    pub playlists: Vec<PlaylistId>,
}

/// What one day holds: why it may be special, and what plays from when to when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayPlan {
    pub date: NaiveDate,
    /// The national holiday's name, e.g. 「勤労感謝の日」.
    pub holiday: Option<&'static str>,
    /// Within the government offices' year-end closure (29 December to 3 January).
    pub year_end: bool,
    /// Listed in a `closed_days.ron`.
    pub closed_day: bool,
    /// From midnight to midnight without gaps; each span's programme differs from the one before.
    pub spans: Vec<PlanSpan>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanSpan {
    pub start: NaiveDateTime,
    /// The next span's start; the last span ends at the next midnight.
    pub end: NaiveDateTime,
    pub programme: Programme,
}

/// All playlists currently loaded. Replacing a playlist keeps its id and bumps its revision.
#[derive(Clone, Debug, Default)]
pub struct Library {
    entries: BTreeMap<PlaylistId, Entry>,
    next_revision: u64,
    /// Each `closed_days.ron` loaded, by its id, and all of their days together.
    closed_days_files: BTreeMap<PlaylistId, ClosedDays>,
    closed_days: ClosedDays,
    /// The messages of each `ticker.txt`, by its id.
    tickers: BTreeMap<PlaylistId, Vec<String>>,
    /// The newest items of each news feed a ticker line or `Feed` slide names, by its address.
    news: BTreeMap<String, News>,
    /// The last good snapshot of each page a `Web` slide shows.
    snapshots: BTreeMap<WebPage, PageSnapshot>,
    /// Counts every change, so a caller can tell a result it keeps is out of date.
    generation: u64,
}

/// How far ahead [`Library::next_plays`] looks: past a year, a playlist is as good as off.
pub const NEXT_PLAY_HORIZON_DAYS: i64 = 400;

impl Library {
    pub fn insert(&mut self, id: PlaylistId, playlist: Playlist, folder: &Path) {
        self.next_revision += 1;
        let live = |s: &Slide| matches!(s, Slide::Feed(_) | Slide::Web(_));
        let written = playlist
            .slides
            .iter()
            .any(live)
            .then(|| Arc::new(playlist.clone()));
        let entry = Entry {
            playlist: match &written {
                Some(written) => Arc::new(self.shown(written)),
                None => Arc::new(playlist),
            },
            folder: folder.to_path_buf(),
            revision: self.next_revision,
            written,
        };
        self.entries.insert(id, entry);
        self.forget_unnamed_news();
        self.generation += 1;
    }

    /// A playlist as shown: each `Feed` slide a text slide of its feed's items so far, each
    /// `Web` slide with its page's last good snapshot.
    fn shown(&self, written: &Playlist) -> Playlist {
        let mut shown = written.clone();
        for slide in &mut shown.slides {
            match slide {
                Slide::Feed(feed) => {
                    *slide = Slide::Text(super::news::feed_slide(feed, self.news.get(&feed.url)));
                }
                Slide::Web(web) => web.snapshot = self.snapshots.get(&web.page()).cloned(),
                _ => {}
            }
        }
        shown
    }

    /// A number that changes whenever the library does.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Removes a playlist or a closed-days file.
    pub fn remove(&mut self, id: &str) -> bool {
        let closed_days = self.closed_days_files.remove(id).is_some();
        if closed_days {
            self.gather_closed_days();
        }
        let ticker = self.tickers.remove(id).is_some();
        let playlist = self.entries.remove(id).is_some();
        self.forget_unnamed_news();
        self.generation += 1;
        playlist || closed_days || ticker
    }

    /// The messages a `ticker.txt` (by its id) holds.
    pub fn set_ticker(&mut self, id: PlaylistId, messages: Vec<String>) {
        self.tickers.insert(id, messages);
        self.forget_unnamed_news();
        self.generation += 1;
    }

    /// Lets go of the titles of feeds no ticker line names any more, and of the snapshots of
    /// pages no slide shows.
    fn forget_unnamed_news(&mut self) {
        let named = self.news_feeds();
        self.news.retain(|address, _| named.contains(address));
        let pages = self.web_pages();
        self.snapshots.retain(|page, _| pages.contains_key(page));
    }

    /// The ticker's messages while `programme` plays: every `ticker.txt`'s, then the playing
    /// playlists' own; a news feed's line stands for its newest titles.
    pub fn ticker_messages(&self, programme: &Programme) -> Vec<String> {
        self.ticker_lines(programme)
            .into_iter()
            .map(|(message, _)| message)
            .collect()
    }

    /// [`Library::ticker_messages`], each with where it comes from: the ticker file or
    /// playlist, or the news feed's address.
    pub fn ticker_lines(&self, programme: &Programme) -> Vec<(String, String)> {
        let own = programme
            .playlists
            .iter()
            .filter_map(|id| Some((id, self.entries.get(id)?)))
            .flat_map(|(id, e)| e.playlist.ticker.iter().map(move |line| (id, line)));
        let mut lines = Vec::new();
        for (id, line) in self
            .tickers
            .iter()
            .flat_map(|(id, lines)| lines.iter().map(move |line| (id, line)))
            .chain(own)
        {
            if super::news::is_feed_line(line) {
                let items = self.news.get(line).into_iter().flat_map(|n| &n.items);
                lines.extend(items.map(|item| (item.title.clone(), line.clone())));
            } else {
                lines.push((line.clone(), id.clone()));
            }
        }
        lines
    }

    /// The news feeds the ticker files, playlists and `Feed` slides name.
    pub fn news_feeds(&self) -> BTreeSet<String> {
        let playlists = self.entries.values().flat_map(|e| e.playlist.ticker.iter());
        let slides = self
            .entries
            .values()
            .filter_map(|e| e.written.as_ref())
            .flat_map(|p| p.slides.iter())
            .filter_map(|s| match s {
                Slide::Feed(feed) => Some(&feed.url),
                _ => None,
            });
        self.tickers
            .values()
            .flatten()
            .chain(playlists)
            .filter(|line| super::news::is_feed_line(line))
            .chain(slides)
            .cloned()
            .collect()
    }

    /// The newest items of the news feed at `address`; the playlists whose `Feed` slides show
    /// it get a new revision, so those slides are drawn again.
    pub fn set_news(&mut self, address: String, news: News) {
        let showing = self.showing(|s| matches!(s, Slide::Feed(f) if f.url == address));
        self.news.insert(address, news);
        self.show_again(showing);
    }

    /// The pages `Web` slides show, each with the shortest `refresh_seconds` any slide asks.
    pub fn web_pages(&self) -> BTreeMap<WebPage, u32> {
        let mut pages = BTreeMap::new();
        for slide in self
            .entries
            .values()
            .filter_map(|e| e.written.as_ref())
            .flat_map(|p| p.slides.iter())
        {
            if let Slide::Web(web) = slide {
                pages
                    .entry(web.page())
                    .and_modify(|s: &mut u32| *s = (*s).min(web.refresh_seconds))
                    .or_insert(web.refresh_seconds);
            }
        }
        pages
    }

    /// A page's newest snapshot; the playlists whose `Web` slides show it get a new revision,
    /// so those slides are drawn again.
    pub fn set_snapshot(&mut self, page: WebPage, snapshot: PageSnapshot) {
        let showing = self.showing(|s| matches!(s, Slide::Web(w) if w.page() == page));
        self.snapshots.insert(page, snapshot);
        self.show_again(showing);
    }

    /// The playlists with a slide, as written, that `wanted` picks.
    fn showing(&self, wanted: impl Fn(&Slide) -> bool) -> Vec<PlaylistId> {
        self.entries
            .iter()
            .filter(|(_, e)| {
                e.written
                    .as_ref()
                    .is_some_and(|p| p.slides.iter().any(&wanted))
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Shows these playlists again from their written slides, each with a new revision.
    fn show_again(&mut self, ids: Vec<PlaylistId>) {
        for id in ids {
            let Some(written) = self.entries.get(&id).and_then(|e| e.written.clone()) else {
                continue;
            };
            let shown = self.shown(&written);
            self.next_revision += 1;
            if let Some(entry) = self.entries.get_mut(&id) {
                entry.playlist = Arc::new(shown);
                entry.revision = self.next_revision;
            }
        }
        self.generation += 1;
    }

    /// The days a `closed_days.ron` (by its id) says the office is closed.
    pub fn set_closed_days(&mut self, id: PlaylistId, days: ClosedDays) {
        self.closed_days_files.insert(id, days);
        self.gather_closed_days();
    }

    fn gather_closed_days(&mut self) {
        let days: BTreeSet<_> = self
            .closed_days_files
            .values()
            .flat_map(|d| d.0.iter().copied())
            .collect();
        self.closed_days = ClosedDays(days);
        self.generation += 1;
    }

    /// The office's closed days from every `closed_days.ron`.
    pub fn closed_days(&self) -> &ClosedDays {
        &self.closed_days
    }

    /// Every loaded playlist, by id.
    pub fn entries(&self) -> impl Iterator<Item = (&PlaylistId, &Entry)> {
        self.entries.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// The slide a key names, if that version of the playlist is still loaded.
    pub fn slide(&self, key: &SlideKey) -> Option<(&Entry, &Slide)> {
        let entry = self.entries.get(&key.playlist)?;
        if entry.revision != key.revision {
            return None;
        }
        Some((entry, entry.playlist.slides.get(key.index)?))
    }

    /// The playlists that play at local time `now`: active emergency playlists if there are any,
    /// otherwise the active playlists of the highest priority. Within each, the highest priority wins.
    pub fn programme_at(&self, now: NaiveDateTime) -> Programme {
        let active: Vec<(&PlaylistId, &Entry)> = self
            .entries
            .iter()
            .filter(|(_, e)| {
                !e.playlist.slides.is_empty()
                    && e.playlist.schedule.is_active_at(now, &self.closed_days)
            })
            .collect();
        let emergency = active.iter().any(|(_, e)| e.playlist.emergency);
        let contenders = active
            .iter()
            .filter(|(_, e)| e.playlist.emergency == emergency);
        let Some(top) = contenders.clone().map(|(_, e)| e.playlist.priority).max() else {
            return Programme::default();
        };
        Programme {
            emergency,
            playlists: contenders
                .filter(|(_, e)| e.playlist.priority == top)
                .map(|(id, _)| (*id).clone())
                .collect(),
        }
    }

    /// What plays on `date`, midnight to midnight, as the schedules and closed days stand.
    pub fn day_plan(&self, date: NaiveDate) -> DayPlan {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let next_midnight = midnight + TimeDelta::days(1);
        let moments: BTreeSet<NaiveDateTime> = std::iter::once(midnight)
            .chain(
                self.entries
                    .values()
                    .flat_map(|e| e.playlist.schedule.turning_points(date)),
            )
            .collect();
        let mut spans: Vec<PlanSpan> = Vec::new();
        for moment in moments {
            let programme = self.programme_at(moment);
            if spans.last().is_some_and(|last| last.programme == programme) {
                continue;
            }
            if let Some(last) = spans.last_mut() {
                last.end = moment;
            }
            spans.push(PlanSpan {
                start: moment,
                end: next_midnight,
                programme,
            });
        }
        DayPlan {
            date,
            holiday: holiday_name(date),
            year_end: Closure::YearEnd.closes(date, &self.closed_days),
            closed_day: Closure::ClosedDays.closes(date, &self.closed_days),
            spans,
        }
    }

    /// When each playlist is next on screen, from `now` (which counts) up to
    /// [`NEXT_PLAY_HORIZON_DAYS`] ahead; a playlist that never plays in that time is absent.
    /// Programmes change only at midnight and where a window starts or ends, so only those
    /// moments are looked at.
    pub fn next_plays(&self, now: NaiveDateTime) -> BTreeMap<PlaylistId, NaiveDateTime> {
        let mut next = BTreeMap::new();
        let note = |moment: NaiveDateTime, next: &mut BTreeMap<PlaylistId, NaiveDateTime>| {
            for id in self.programme_at(moment).playlists {
                next.entry(id).or_insert(moment);
            }
        };
        note(now, &mut next);
        // A playlist whose last day is gone (a night window may run into the day after it)
        // plays no more: looking a year ahead for it would find nothing.
        let yesterday = now.date() - TimeDelta::days(1);
        let still_to_come = self
            .entries
            .values()
            .filter(|e| {
                e.playlist
                    .schedule
                    .end_date
                    .is_none_or(|end| end.0 >= yesterday)
            })
            .count();
        for day in 0..=NEXT_PLAY_HORIZON_DAYS {
            if next.len() >= still_to_come {
                break;
            }
            let date = now.date() + TimeDelta::days(day);
            let moments: BTreeSet<NaiveDateTime> = self
                .entries
                .values()
                .flat_map(|e| e.playlist.schedule.turning_points(date))
                .filter(|moment| *moment > now)
                .collect();
            for moment in moments {
                note(moment, &mut next);
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_slide_shows_its_pages_latest_snapshot() {
        let playlist = Playlist::parse(
            r#"Playlist(title: "区のページ", slides: [
                Web(url: "https://www.city.yokohama.lg.jp/konan/", refresh_seconds: 600),
                Text(title: "ようこそ"),
                Web(url: "https://www.city.yokohama.lg.jp/konan/", refresh_seconds: 120),
            ])"#,
        )
        .unwrap();
        let mut lib = Library::default();
        lib.insert("page.ron".into(), playlist, Path::new("/content"));
        let page = WebPage::new("https://www.city.yokohama.lg.jp/konan/", 1.0);
        // One page, taken as often as the more eager slide asks.
        assert_eq!(lib.web_pages(), BTreeMap::from([(page.clone(), 120)]));
        let web = |lib: &Library| match &lib.get("page.ron").unwrap().playlist.slides[0] {
            Slide::Web(web) => web.snapshot.clone(),
            other => panic!("a web slide stays one: {other:?}"),
        };
        assert_eq!(web(&lib), None);
        let revision = lib.get("page.ron").unwrap().revision;
        let snapshot = PageSnapshot {
            file: "/cache/web/a.png".into(),
            taken: chrono::DateTime::parse_from_rfc3339("2026-12-07T12:50:00+09:00").unwrap(),
            width: 1920,
            height: 1080,
        };
        lib.set_snapshot(page.clone(), snapshot.clone());
        assert_eq!(web(&lib), Some(snapshot));
        // A new revision: the slide is drawn again with the new snapshot.
        assert!(lib.get("page.ron").unwrap().revision > revision);
        // The page's snapshot is let go with the last playlist that shows it.
        lib.remove("page.ron");
        assert!(lib.web_pages().is_empty());
        assert!(lib.snapshots.is_empty());
    }

    #[test]
    fn a_news_feed_line_stands_for_its_newest_titles() {
        let feed = "https://www.city.yokohama.lg.jp/konan/rss.xml".to_string();
        let mut lib = Library::default();
        lib.set_ticker(
            "ticker.txt".into(),
            vec!["窓口は17時15分まで".into(), feed.clone()],
        );
        assert_eq!(lib.news_feeds(), BTreeSet::from([feed.clone()]));
        let programme = Programme::default();
        // Before the feed is read its line shows nothing, not its address.
        assert_eq!(lib.ticker_messages(&programme), ["窓口は17時15分まで"]);
        let item = |title: &str| super::super::news::NewsItem {
            title: title.into(),
            link: None,
            date: None,
        };
        let news = News {
            items: vec![item("年末年始のお知らせ"), item("子どもまつり")],
            updated: chrono::DateTime::parse_from_rfc3339("2026-12-07T12:50:00+09:00").unwrap(),
        };
        lib.set_news(feed.clone(), news);
        let with_sources: Vec<(&str, &str)> = vec![
            ("窓口は17時15分まで", "ticker.txt"),
            ("年末年始のお知らせ", &feed),
            ("子どもまつり", &feed),
        ];
        let lines = lib.ticker_lines(&programme);
        let lines: Vec<(&str, &str)> = lines
            .iter()
            .map(|(m, s)| (m.as_str(), s.as_str()))
            .collect();
        assert_eq!(lines, with_sources);
        // A feed no line names any more is let go.
        lib.set_ticker("ticker.txt".into(), vec!["窓口は17時15分まで".into()]);
        lib.set_ticker("ticker.txt".into(), vec![feed.clone()]);
        assert!(lib.ticker_messages(&programme).is_empty());
    }

    fn playlist(priority: i32, emergency: bool, hours: &str) -> Playlist {
        let schedule = if hours.is_empty() {
            String::new()
        } else {
            format!("schedule: (hours: [{hours:?}]),")
        };
        Playlist::parse(&format!(
            "Playlist(title: \"t\", priority: {priority}, emergency: {emergency}, {schedule} slides: [Text(title: \"x\")])"
        ))
        .unwrap()
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn library(items: &[(&str, Playlist)]) -> Library {
        let mut library = Library::default();
        for (id, p) in items {
            library.insert(id.to_string(), p.clone(), Path::new("/content"));
        }
        library
    }

    #[test]
    fn a_day_plan_covers_the_day_in_spans_of_one_programme_each() {
        let mut lib = library(&[
            ("always.ron", playlist(0, false, "")),
            ("morning.ron", playlist(10, false, "08:30-12:00")),
            ("night.ron", playlist(10, false, "22:00-06:00")),
            ("alarm.ron", playlist(0, true, "15:00-15:30")),
        ]);
        let plan = lib.day_plan(at("2026-11-24 00:00").date());
        let spans: Vec<(String, String, bool, Vec<&str>)> = plan
            .spans
            .iter()
            .map(|s| {
                (
                    s.start.format("%d %H:%M").to_string(),
                    s.end.format("%d %H:%M").to_string(),
                    s.programme.emergency,
                    s.programme.playlists.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        let span = |from: &str, to: &str, emergency, ids: &[&'static str]| {
            (from.to_string(), to.to_string(), emergency, ids.to_vec())
        };
        assert_eq!(
            spans,
            vec![
                // Last night's window runs into the morning.
                span("24 00:00", "24 06:00", false, &["night.ron"]),
                span("24 06:00", "24 08:30", false, &["always.ron"]),
                span("24 08:30", "24 12:00", false, &["morning.ron"]),
                span("24 12:00", "24 15:00", false, &["always.ron"]),
                span("24 15:00", "24 15:30", true, &["alarm.ron"]),
                span("24 15:30", "24 22:00", false, &["always.ron"]),
                span("24 22:00", "25 00:00", false, &["night.ron"]),
            ]
        );
        assert_eq!(
            (plan.holiday, plan.year_end, plan.closed_day),
            (None, false, false)
        );

        // 23 November is 勤労感謝の日; a closed day is told apart from the year-end closure.
        assert_eq!(
            lib.day_plan(at("2026-11-23 00:00").date()).holiday,
            Some("勤労感謝の日")
        );
        lib.set_closed_days(
            "closed_days.ron".into(),
            ClosedDays([at("2026-12-28 00:00").date()].into()),
        );
        let closed = lib.day_plan(at("2026-12-28 00:00").date());
        assert!(closed.closed_day && !closed.year_end);
        assert!(lib.day_plan(at("2026-12-29 00:00").date()).year_end);
    }

    #[test]
    fn a_day_with_nothing_scheduled_is_one_idle_span() {
        let lib = library(&[("a.ron", playlist(0, false, "08:00-09:00"))]);
        let mut plan = lib.day_plan(at("2026-11-24 00:00").date());
        assert_eq!(plan.spans.len(), 3);
        let idle = Library::default().day_plan(at("2026-11-24 00:00").date());
        assert_eq!(idle.spans.len(), 1);
        assert_eq!(idle.spans[0].programme, Programme::default());
        assert_eq!(idle.spans[0].end, at("2026-11-25 00:00"));
        plan.spans.truncate(1);
        assert_eq!(plan.spans[0].end, at("2026-11-24 08:00"));
    }

    #[test]
    fn nothing_active_means_idle() {
        let lib = library(&[("a.ron", playlist(0, false, "08:00-09:00"))]);
        assert_eq!(
            lib.programme_at(at("2026-11-23 10:00")),
            Programme::default()
        );
    }

    #[test]
    fn highest_active_priority_wins_and_equals_share() {
        let lib = library(&[
            ("a.ron", playlist(5, false, "")),
            ("b.ron", playlist(10, false, "08:00-12:00")),
            ("c.ron", playlist(10, false, "")),
        ]);
        let morning = lib.programme_at(at("2026-11-23 09:00"));
        assert_eq!(morning.playlists, vec!["b.ron", "c.ron"]);
        assert!(!morning.emergency);
        assert_eq!(
            lib.programme_at(at("2026-11-23 13:00")).playlists,
            vec!["c.ron"]
        );
    }

    #[test]
    fn an_active_emergency_beats_any_priority() {
        let lib = library(&[
            ("a.ron", playlist(100, false, "")),
            ("z-alert.ron", playlist(0, true, "10:00-11:00")),
        ]);
        let during = lib.programme_at(at("2026-11-23 10:30"));
        assert!(during.emergency);
        assert_eq!(during.playlists, vec!["z-alert.ron"]);
        assert_eq!(
            lib.programme_at(at("2026-11-23 11:00")).playlists,
            vec!["a.ron"]
        );
    }

    #[test]
    fn next_plays_skip_holidays_the_year_end_and_closed_days() {
        let weekdays = Playlist::parse(
            "Playlist(title: \"t\", priority: 10, schedule: (days: [Mon, Tue, Wed, Thu, Fri], \
             hours: [\"08:30-17:15\"], except: [Holidays, YearEnd, ClosedDays]), slides: [Text(title: \"x\")])",
        )
        .unwrap();
        let mut lib = library(&[
            ("after-hours.ron", playlist(0, false, "")),
            ("weekdays.ron", weekdays),
        ]);
        // Friday 25 December 2026 evening: Monday the 28th is the last working day of the year.
        let next = lib.next_plays(at("2026-12-25 18:00"));
        assert_eq!(next["weekdays.ron"], at("2026-12-28 08:30"));
        assert_eq!(next["after-hours.ron"], at("2026-12-25 18:00"), "on now");
        // After the 28th, the closure runs to 3 January; 4 January 2027 is a Monday.
        assert_eq!(
            lib.next_plays(at("2026-12-28 17:15"))["weekdays.ron"],
            at("2027-01-04 08:30")
        );
        // The office closes on the 28th too.
        let mut closed = ClosedDays::default();
        closed.0.insert(at("2026-12-28 00:00").date());
        lib.set_closed_days("closed_days.ron".into(), closed);
        assert_eq!(
            lib.next_plays(at("2026-12-25 18:00"))["weekdays.ron"],
            at("2027-01-04 08:30")
        );
        assert!(lib.remove("closed_days.ron"));
        assert_eq!(
            lib.next_plays(at("2026-12-25 18:00"))["weekdays.ron"],
            at("2026-12-28 08:30")
        );
        // Monday 11 January 2027 is 成人の日.
        assert_eq!(
            lib.next_plays(at("2027-01-08 18:00"))["weekdays.ron"],
            at("2027-01-12 08:30")
        );
    }

    #[test]
    fn a_campaign_whose_last_day_is_gone_has_no_next_play() {
        let ended = Playlist::parse(
            "Playlist(title: \"t\", priority: 10, schedule: (end_date: \"2026-11-30\"), slides: [Text(title: \"x\")])",
        )
        .unwrap();
        let lib = library(&[("ended.ron", ended), ("always.ron", playlist(0, false, ""))]);
        let next = lib.next_plays(at("2026-12-02 09:00"));
        assert_eq!(next.keys().collect::<Vec<_>>(), ["always.ron"]);
    }

    #[test]
    fn a_playlist_that_never_plays_has_no_next_play() {
        let lib = library(&[
            ("always.ron", playlist(10, false, "")),
            ("outranked.ron", playlist(0, false, "")),
        ]);
        let next = lib.next_plays(at("2026-12-01 09:00"));
        assert_eq!(next.len(), 1);
        assert!(next.contains_key("always.ron"));
    }

    #[test]
    fn replacing_a_playlist_gives_its_slides_new_keys() {
        let mut lib = library(&[("a.ron", playlist(0, false, ""))]);
        let old = SlideKey {
            playlist: "a.ron".into(),
            revision: lib.get("a.ron").unwrap().revision,
            index: 0,
        };
        assert!(lib.slide(&old).is_some());
        lib.insert(
            "a.ron".into(),
            playlist(1, false, ""),
            Path::new("/content"),
        );
        assert!(lib.slide(&old).is_none());
        assert!(lib.remove("a.ron"));
        assert!(lib.get("a.ron").is_none());
    }
}
