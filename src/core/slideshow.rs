//! Which slide is on screen, when it ends and what comes next: the player's loop as a state machine.
//!
//! Time comes in as parameters: `now` (local wall clock, for schedules) and `clock` (monotonic
//! seconds since start, for slide durations), so every rule here is tested without waiting.

use super::library::{Library, PlaylistId, Programme, SlideKey};
use super::playlist::Transition;
use chrono::{NaiveDateTime, TimeDelta, Timelike};
use std::collections::HashMap;

/// Something to put on screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Cue {
    Slide(SlideCue),
    /// Nothing is scheduled: the calm idle screen with a clock.
    Idle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SlideCue {
    pub key: SlideKey,
    pub emergency: bool,
    pub seconds: f32,
    pub transition: Transition,
    pub transition_seconds: f32,
}

#[derive(Clone, Debug)]
struct Showing {
    cue: Cue,
    since: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Slideshow {
    showing: Option<Showing>,
    /// The last normal slide shown, so the loop resumes where it was after an emergency.
    last_normal: Option<SlideKey>,
    /// Slides whose media could not be drawn; skipped until their playlist changes.
    unplayable: HashMap<SlideKey, String>,
}

impl Slideshow {
    /// What is on screen now, if anything has been shown yet.
    pub fn current(&self) -> Option<&Cue> {
        self.showing.as_ref().map(|s| &s.cue)
    }

    /// When (on the `clock` of [`Slideshow::started`]) the slide on screen runs out, if it is a slide.
    pub fn ends_at(&self) -> Option<f64> {
        let showing = self.showing.as_ref()?;
        match &showing.cue {
            Cue::Slide(cue) => Some(showing.since + f64::from(cue.seconds)),
            Cue::Idle => None,
        }
    }

    /// Whether the screen must change now, and to what. Emergencies start and end at once; a change
    /// of normal programme waits for the end of the current slide.
    pub fn due(&self, library: &Library, now: NaiveDateTime, clock: f64) -> Option<Cue> {
        let programme = library.programme_at(now);
        let Some(showing) = &self.showing else {
            return Some(self.following_in(library, &programme));
        };
        let change_now = match &showing.cue {
            Cue::Idle => !programme.playlists.is_empty(),
            Cue::Slide(cue) => {
                let still_loaded =
                    library.get(&cue.key.playlist).map(|e| e.revision) == Some(cue.key.revision);
                let ended = clock - showing.since >= f64::from(cue.seconds);
                let emergency_changed = cue.emergency != programme.emergency
                    || (cue.emergency
                        && (!still_loaded || !programme.playlists.contains(&cue.key.playlist)));
                ended || emergency_changed
            }
        };
        change_now.then(|| self.following_in(library, &programme))
    }

    /// What would come after the current slide if it ended at local time `now`: the slide the
    /// player should prepare in advance.
    pub fn following(&self, library: &Library, now: NaiveDateTime) -> Cue {
        self.following_in(library, &library.programme_at(now))
    }

    /// The first whole minute after `now`, up to `horizon`, at which the screen may have to change
    /// other than by the slide ending: the idle screen's clock turns every minute; otherwise the
    /// schedules, written to the minute, change what plays. `None` if nothing changes before
    /// `horizon`, so a player can sleep through minutes where nothing happens.
    pub fn next_change_of_programme(
        &self,
        library: &Library,
        now: NaiveDateTime,
        horizon: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        let next_minute = (now + TimeDelta::minutes(1))
            .with_second(0)?
            .with_nanosecond(0)?;
        if self.current() == Some(&Cue::Idle) {
            return (next_minute <= horizon).then_some(next_minute);
        }
        let programme = library.programme_at(now);
        std::iter::successors(Some(next_minute), |minute| {
            Some(*minute + TimeDelta::minutes(1))
        })
        .take_while(|minute| *minute <= horizon)
        .find(|minute| library.programme_at(*minute) != programme)
    }

    /// Records that `cue` went on screen at `clock`.
    pub fn started(&mut self, cue: Cue, clock: f64) {
        if let Cue::Slide(slide) = &cue
            && !slide.emergency
        {
            self.last_normal = Some(slide.key.clone());
        }
        self.showing = Some(Showing { cue, since: clock });
    }

    /// Whether the slide on screen is `key`.
    pub fn is_showing(&self, key: &SlideKey) -> bool {
        matches!(self.current(), Some(Cue::Slide(cue)) if cue.key == *key)
    }

    /// Ends the slide on screen at `clock`, before its time: its media failed while playing.
    pub fn cut_short(&mut self, clock: f64) {
        if let Some(Showing {
            cue: Cue::Slide(cue),
            since,
        }) = &mut self.showing
        {
            cue.seconds = (clock - *since).max(0.0) as f32;
        }
    }

    /// Records that a slide cannot be shown (its media is broken) and why, so the loop skips it.
    pub fn mark_unplayable(&mut self, key: SlideKey, reason: String, library: &Library) {
        // Forget failures of versions that are gone, so the set cannot grow with uptime.
        self.unplayable.retain(|k, _| {
            library
                .get(&k.playlist)
                .is_some_and(|e| e.revision == k.revision)
        });
        self.unplayable.insert(key, reason);
    }

    /// The slides of the playlists' current versions being skipped, and why.
    pub fn skipped<'a>(
        &'a self,
        library: &'a Library,
    ) -> impl Iterator<Item = (&'a SlideKey, &'a str)> + 'a {
        self.unplayable
            .iter()
            .filter(|(k, _)| {
                library
                    .get(&k.playlist)
                    .is_some_and(|e| e.revision == k.revision)
            })
            .map(|(k, reason)| (k, reason.as_str()))
    }

    fn following_in(&self, library: &Library, programme: &Programme) -> Cue {
        if programme.playlists.is_empty() {
            return Cue::Idle;
        }
        let reference = match self.current() {
            Some(Cue::Slide(cue)) if cue.emergency == programme.emergency => Some(&cue.key),
            _ if !programme.emergency => self.last_normal.as_ref(),
            _ => None,
        };
        // Candidates in playing order: the rest of the current playlist, then the others in turn,
        // then the current playlist again from its start.
        let turn_order = turn_order(programme, reference.map(|k| &k.playlist));
        let mut candidates: Vec<(PlaylistId, usize)> = Vec::new();
        if let Some(key) = reference
            && programme.playlists.contains(&key.playlist)
        {
            candidates.push((key.playlist.clone(), key.index + 1));
        }
        candidates.extend(turn_order.into_iter().map(|id| (id, 0)));
        for (id, first_index) in candidates {
            let Some(entry) = library.get(&id) else {
                continue;
            };
            let playlist = &entry.playlist;
            for index in first_index..playlist.slides.len() {
                let key = SlideKey {
                    playlist: id.clone(),
                    revision: entry.revision,
                    index,
                };
                if self.unplayable.contains_key(&key) {
                    continue;
                }
                return Cue::Slide(SlideCue {
                    seconds: playlist.slides[index].seconds(playlist),
                    emergency: playlist.emergency,
                    transition: playlist.transition,
                    transition_seconds: playlist.transition_seconds,
                    key,
                });
            }
        }
        Cue::Idle
    }
}

/// The programme's playlists starting with the one after `current` (by name), wrapping around and
/// ending with `current` itself, so equal-priority playlists take turns even as files come and go.
fn turn_order(programme: &Programme, current: Option<&PlaylistId>) -> Vec<PlaylistId> {
    let mut order = programme.playlists.clone();
    if let Some(current) = current {
        let after = order
            .iter()
            .position(|id| id > current)
            .unwrap_or(order.len());
        order.rotate_left(after);
        if let Some(at) = order.iter().position(|id| id == current) {
            let me = order.remove(at);
            order.push(me);
        }
    }
    order
}

/// How long the show may wait for the picture due on screen before it counts as late: said in
/// the log and in `/status`.
pub const LATE_AFTER_SECONDS: f64 = 5.0;
/// How long it may wait before the show counts as stuck, when the watchdog's own interval is
/// longer: then the watchdog is no longer fed, and systemd restarts the player.
pub const STUCK_AFTER_SECONDS: f64 = 60.0;

/// The wait for the picture due on screen (a slide whose time is up while the next one is
/// still being drawn), on the clock of [`Slideshow::started`].
#[derive(Clone, Debug, Default)]
pub struct Wait {
    since: Option<f64>,
    /// What is awaited, as staff would name it: "slide 3 of lobby.ron (poster media/a.svg)".
    what: String,
    said_late: bool,
}

impl Wait {
    /// The picture for `what` is due and not drawn yet at `clock`. Returns what to log once it
    /// is late.
    pub fn waiting(&mut self, what: impl FnOnce() -> String, clock: f64) -> Option<String> {
        let since = *self.since.get_or_insert_with(|| {
            self.what = what();
            self.said_late = false;
            clock
        });
        let waited = clock - since;
        (waited >= LATE_AFTER_SECONDS && !std::mem::replace(&mut self.said_late, true)).then(|| {
            format!(
                "the show is late: {} has been drawing for {waited:.0} s past its time; the slide on screen stays",
                self.what
            )
        })
    }

    /// Nothing is awaited any more. Returns what to log if the wait had been late.
    pub fn over(&mut self, clock: f64) -> Option<String> {
        let since = self.since.take()?;
        std::mem::take(&mut self.said_late).then(|| {
            format!(
                "the show moves again: {} came {:.1} s late",
                self.what,
                clock - since
            )
        })
    }

    /// Seconds waited so far and for what, once the wait is late.
    pub fn late(&self, clock: f64) -> Option<(f64, &str)> {
        let waited = clock - self.since?;
        (waited >= LATE_AFTER_SECONDS).then_some((waited, self.what.as_str()))
    }

    /// Whether the show has waited so long it counts as stuck; `watchdog_seconds` is the
    /// watchdog's interval, when there is one, and shortens the limit.
    pub fn stuck(&self, clock: f64, watchdog_seconds: Option<f64>) -> bool {
        let limit = watchdog_seconds.map_or(STUCK_AFTER_SECONDS, |w| w.min(STUCK_AFTER_SECONDS));
        self.late(clock)
            .is_some_and(|(waited, _)| waited >= limit.max(LATE_AFTER_SECONDS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_picture_is_said_once_and_its_arrival_too() {
        let mut wait = Wait::default();
        let what = || "slide 2 of a.ron (poster media/a.svg)".to_string();
        assert_eq!(wait.waiting(what, 10.0), None);
        assert_eq!(wait.waiting(|| unreachable!("named once"), 14.0), None);
        assert_eq!(wait.late(14.0), None, "not late yet");
        let said = wait.waiting(what, 15.0).unwrap();
        assert!(
            said.contains("slide 2 of a.ron (poster media/a.svg)") && said.contains("5 s"),
            "{said}"
        );
        assert_eq!(wait.waiting(what, 16.0), None, "said once");
        assert_eq!(wait.late(16.0).map(|(s, _)| s), Some(6.0));
        assert!(!wait.stuck(16.0, None));
        assert!(wait.stuck(70.0, None), "a minute without a watchdog");
        assert!(
            wait.stuck(16.0, Some(3.0)),
            "sooner under a short watchdog, but never before late"
        );
        assert!(!Wait::default().stuck(100.0, Some(1.0)));
        let over = wait.over(20.0).unwrap();
        assert!(over.contains("10.0 s late"), "{over}");
        assert_eq!(wait.late(21.0), None);
        // A short wait, not late, ends without a word.
        assert_eq!(wait.waiting(what, 30.0), None);
        assert_eq!(wait.over(31.0), None);
    }
    use crate::core::playlist::Playlist;
    use std::path::Path;

    const MONDAY_NOON: &str = "2026-11-23 12:00";

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn playlist(slides: usize, extra: &str) -> Playlist {
        let slides = vec!["Text(title: \"x\")"; slides].join(", ");
        Playlist::parse(&format!(
            "Playlist(title: \"t\", slide_seconds: 10, {extra} slides: [{slides}])"
        ))
        .unwrap()
    }

    fn add(library: &mut Library, id: &str, p: Playlist) {
        library.insert(id.into(), p, Path::new("/content"));
    }

    fn key_of(cue: &Cue) -> (String, usize) {
        match cue {
            Cue::Slide(s) => (s.key.playlist.clone(), s.key.index),
            Cue::Idle => ("idle".into(), 0),
        }
    }

    /// Runs the loop for `seconds`, stepping one second at a time, and lists what went on screen.
    fn run(
        show: &mut Slideshow,
        library: &Library,
        now: NaiveDateTime,
        from: f64,
        seconds: u32,
    ) -> Vec<(String, usize)> {
        let mut shown = Vec::new();
        for step in 0..seconds {
            let clock = from + f64::from(step);
            if let Some(cue) = show.due(library, now, clock) {
                shown.push(key_of(&cue));
                show.started(cue, clock);
            }
        }
        shown
    }

    #[test]
    fn sleeps_through_minutes_where_nothing_changes() {
        let mut lib = Library::default();
        add(&mut lib, "all-day.ron", playlist(2, ""));
        add(
            &mut lib,
            "lunch.ron",
            playlist(1, "priority: 5, schedule: (hours: [\"12:30-13:30\"]),"),
        );
        let mut show = Slideshow::default();
        run(&mut show, &lib, at("2026-11-23 12:10"), 0.0, 1);
        let now = at("2026-11-23 12:10") + TimeDelta::seconds(20);
        assert_eq!(
            show.next_change_of_programme(&lib, now, at("2026-11-23 12:25")),
            None,
            "nothing changes before 12:30"
        );
        assert_eq!(
            show.next_change_of_programme(&lib, now, at("2026-11-23 13:00")),
            Some(at("2026-11-23 12:30"))
        );
        // A whole minute is a change only when it changes what plays.
        assert_eq!(
            show.next_change_of_programme(&lib, at("2026-11-23 12:30"), at("2026-11-23 14:00")),
            Some(at("2026-11-23 13:30"))
        );
    }

    #[test]
    fn the_idle_screen_changes_every_minute_for_its_clock() {
        let lib = Library::default();
        let mut show = Slideshow::default();
        run(&mut show, &lib, at(MONDAY_NOON), 0.0, 1);
        assert_eq!(show.current(), Some(&Cue::Idle));
        let now = at(MONDAY_NOON) + TimeDelta::seconds(59);
        assert_eq!(
            show.next_change_of_programme(&lib, now, at("2026-11-23 12:05")),
            Some(at("2026-11-23 12:01"))
        );
        assert_eq!(show.next_change_of_programme(&lib, now, now), None);
    }

    #[test]
    fn plays_slides_in_order_and_loops() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(3, ""));
        let mut show = Slideshow::default();
        let shown = run(&mut show, &lib, at(MONDAY_NOON), 0.0, 40);
        let expected: Vec<(String, usize)> = [0, 1, 2, 0]
            .iter()
            .map(|&i| ("a.ron".to_string(), i))
            .collect();
        assert_eq!(shown, expected);
    }

    #[test]
    fn equal_priority_playlists_take_turns_after_each_pass() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(2, ""));
        add(&mut lib, "b.ron", playlist(1, ""));
        let mut show = Slideshow::default();
        let shown = run(&mut show, &lib, at(MONDAY_NOON), 0.0, 50);
        let names: Vec<String> = shown.iter().map(|(id, i)| format!("{id}#{i}")).collect();
        assert_eq!(
            names,
            ["a.ron#0", "a.ron#1", "b.ron#0", "a.ron#0", "a.ron#1"]
        );
    }

    #[test]
    fn slide_durations_come_from_the_slide_or_playlist() {
        let mut lib = Library::default();
        let p = Playlist::parse(
            "Playlist(title: \"t\", slide_seconds: 5, slides: [Text(title: \"a\", seconds: 20), Text(title: \"b\")])",
        )
        .unwrap();
        add(&mut lib, "a.ron", p);
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        let first = show.due(&lib, now, 0.0).unwrap();
        show.started(first, 0.0);
        assert_eq!(show.ends_at(), Some(20.0));
        assert_eq!(show.due(&lib, now, 19.9), None);
        let second = show.due(&lib, now, 20.0).unwrap();
        assert_eq!(key_of(&second), ("a.ron".into(), 1));
        show.started(second, 20.0);
        assert_eq!(show.due(&lib, now, 24.9), None);
        assert!(show.due(&lib, now, 25.0).is_some());
    }

    #[test]
    fn emergency_takes_over_mid_slide_and_the_loop_resumes_after_it() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(3, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        run(&mut show, &lib, now, 0.0, 12); // a#0 then a#1 at 10 s
        add(&mut lib, "alert.ron", playlist(1, "emergency: true,"));
        let takeover = show
            .due(&lib, now, 12.0)
            .expect("an emergency does not wait");
        assert_eq!(key_of(&takeover), ("alert.ron".into(), 0));
        show.started(takeover, 12.0);
        assert_eq!(show.due(&lib, now, 15.0), None, "the emergency slide stays");
        let again = show
            .due(&lib, now, 22.0)
            .expect("a one-slide emergency loops on itself");
        assert_eq!(key_of(&again), ("alert.ron".into(), 0));
        show.started(again, 22.0);
        lib.remove("alert.ron");
        let back = show
            .due(&lib, now, 23.0)
            .expect("removing the emergency ends it at once");
        assert_eq!(
            key_of(&back),
            ("a.ron".into(), 2),
            "resumes after the last normal slide"
        );
    }

    #[test]
    fn emergency_ends_at_once_when_its_schedule_ends() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(1, ""));
        add(
            &mut lib,
            "alert.ron",
            playlist(1, "emergency: true, schedule: (hours: [\"12:00-12:05\"]),"),
        );
        let mut show = Slideshow::default();
        let cue = show.due(&lib, at("2026-11-23 12:04"), 0.0).unwrap();
        assert_eq!(key_of(&cue), ("alert.ron".into(), 0));
        show.started(cue, 0.0);
        let after = show
            .due(&lib, at("2026-11-23 12:05"), 1.0)
            .expect("ends at once");
        assert_eq!(key_of(&after), ("a.ron".into(), 0));
    }

    #[test]
    fn a_higher_priority_waits_for_the_end_of_the_slide() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(2, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        run(&mut show, &lib, now, 0.0, 1);
        add(&mut lib, "b.ron", playlist(1, "priority: 5,"));
        assert_eq!(show.due(&lib, now, 5.0), None);
        assert_eq!(
            key_of(&show.due(&lib, now, 10.0).unwrap()),
            ("b.ron".into(), 0)
        );
    }

    #[test]
    fn edited_playlist_continues_from_the_next_position() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(3, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        run(&mut show, &lib, now, 0.0, 11); // a#1 on screen
        add(&mut lib, "a.ron", playlist(4, ""));
        assert_eq!(
            show.due(&lib, now, 15.0),
            None,
            "an edit waits for the slide boundary"
        );
        let next = show.due(&lib, now, 20.0).unwrap();
        assert_eq!(key_of(&next), ("a.ron".into(), 2));
        let Cue::Slide(cue) = next else {
            unreachable!()
        };
        assert_eq!(cue.key.revision, lib.get("a.ron").unwrap().revision);
    }

    #[test]
    fn removing_the_only_playlist_goes_idle_at_the_slide_boundary() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(2, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        run(&mut show, &lib, now, 0.0, 1);
        lib.remove("a.ron");
        assert_eq!(show.due(&lib, now, 5.0), None);
        assert_eq!(show.due(&lib, now, 10.0), Some(Cue::Idle));
        show.started(Cue::Idle, 10.0);
        assert_eq!(show.due(&lib, now, 100.0), None, "idle stays idle");
        add(&mut lib, "b.ron", playlist(1, ""));
        assert_eq!(
            key_of(&show.due(&lib, now, 101.0).unwrap()),
            ("b.ron".into(), 0),
            "new content shows at once"
        );
    }

    #[test]
    fn unplayable_slides_are_skipped_and_all_broken_means_idle() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(2, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        let first = show.due(&lib, now, 0.0).unwrap();
        let Cue::Slide(cue) = &first else {
            unreachable!()
        };
        show.mark_unplayable(cue.key.clone(), "broken".into(), &lib);
        let instead = show.due(&lib, now, 0.0).unwrap();
        assert_eq!(key_of(&instead), ("a.ron".into(), 1));
        let Cue::Slide(second) = &instead else {
            unreachable!()
        };
        show.mark_unplayable(second.key.clone(), "too slow".into(), &lib);
        assert_eq!(show.due(&lib, now, 0.0), Some(Cue::Idle));
        let mut skipped: Vec<_> = show.skipped(&lib).map(|(k, r)| (k.index, r)).collect();
        skipped.sort();
        assert_eq!(skipped, [(0, "broken"), (1, "too slow")]);
        add(&mut lib, "a.ron", playlist(2, ""));
        assert_eq!(
            key_of(&show.due(&lib, now, 0.0).unwrap()),
            ("a.ron".into(), 0),
            "a fixed file plays again"
        );
        assert_eq!(show.skipped(&lib).count(), 0, "and is no longer reported");
    }

    #[test]
    fn following_predicts_what_due_will_return() {
        let mut lib = Library::default();
        add(&mut lib, "a.ron", playlist(2, ""));
        add(&mut lib, "b.ron", playlist(2, ""));
        let mut show = Slideshow::default();
        let now = at(MONDAY_NOON);
        for step in 0..100 {
            let clock = f64::from(step);
            let predicted = show.following(&lib, now);
            if let Some(cue) = show.due(&lib, now, clock) {
                assert_eq!(cue, predicted, "at {clock}s");
                show.started(cue, clock);
            }
        }
    }
}
