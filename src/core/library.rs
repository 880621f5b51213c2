//! The playlists the player knows, and which of them play at a given moment.

use super::playlist::{Playlist, Slide};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;
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
    pub playlist: Arc<Playlist>,
    /// Media paths in the playlist are relative to this folder.
    pub folder: PathBuf,
    pub revision: u64,
}

/// What the schedule says should be on screen now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Programme {
    /// True when the playlists are emergency ones, which take over at once.
    pub emergency: bool,
    /// The playlists taking turns, in a stable order; empty means the idle screen.
    pub playlists: Vec<PlaylistId>,
}

/// All playlists currently loaded. Replacing a playlist keeps its id and bumps its revision.
#[derive(Clone, Debug, Default)]
pub struct Library {
    entries: BTreeMap<PlaylistId, Entry>,
    next_revision: u64,
}

impl Library {
    pub fn insert(&mut self, id: PlaylistId, playlist: Playlist, folder: &Path) {
        self.next_revision += 1;
        let entry = Entry {
            playlist: Arc::new(playlist),
            folder: folder.to_path_buf(),
            revision: self.next_revision,
        };
        self.entries.insert(id, entry);
    }

    pub fn remove(&mut self, id: &str) -> bool {
        self.entries.remove(id).is_some()
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
            .filter(|(_, e)| !e.playlist.slides.is_empty() && e.playlist.schedule.is_active_at(now))
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
