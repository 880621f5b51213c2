//! Breaking crash loops: a file in use each time the player stopped without a clean exit gets a
//! strike, and a file with two strikes is out of the loop until it changes. This covers crashes
//! in GStreamer, the GPU driver and our own code alike, without knowing which it was.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Stops while a file was in use that put it out of the loop.
pub const STRIKES_OUT: u32 = 2;

/// What staff read beside a file that is out of the loop, and on the staff page.
pub const STRUCK_OUT: &str = "the player stopped twice while showing this file, so it is no \
     longer shown: export it again (e.g. as MP4, H.264, or as a JPEG) and copy it over this one";

/// One version of a file: its size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub bytes: u64,
    pub modified_ns: i64,
}

/// A file in use (on screen, or being opened), in the version that was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InUse {
    pub path: PathBuf,
    pub version: Version,
}

/// The strikes of each file, for the version that earned them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strikes(BTreeMap<PathBuf, (Version, u32)>);

impl Strikes {
    /// The last run stopped without a clean exit while `in_use` was in use: a strike each (a
    /// changed file starts again from none).
    pub fn stopped_while(&mut self, in_use: &[InUse]) {
        for file in in_use {
            let strikes = self.0.entry(file.path.clone()).or_insert((file.version, 0));
            if strikes.0 != file.version {
                *strikes = (file.version, 0);
            }
            strikes.1 += 1;
        }
    }

    /// The last run ended cleanly while `in_use` was on screen: those played, and their strikes
    /// go.
    pub fn played(&mut self, in_use: &[InUse]) {
        for file in in_use {
            self.0.remove(&file.path);
        }
    }

    /// Forgets the strikes of files that changed or are gone (`now` gives a file's version).
    pub fn forget_changed(&mut self, now: impl Fn(&Path) -> Option<Version>) {
        self.0
            .retain(|path, (version, _)| now(path) == Some(*version));
    }

    /// Whether `path`, in `version`, is out of the loop.
    pub fn is_out(&self, path: &Path, version: Option<Version>) -> bool {
        matches!(self.0.get(path), Some((struck, count)) if *count >= STRIKES_OUT && Some(*struck) == version)
    }

    /// The files out of the loop, with their strikes.
    pub fn out(&self) -> impl Iterator<Item = (&Path, u32)> {
        self.0
            .iter()
            .filter(|(_, (_, count))| *count >= STRIKES_OUT)
            .map(|(path, (_, count))| (path.as_path(), *count))
    }

    /// The strikes of `path`, whatever its version.
    pub fn count(&self, path: &Path) -> u32 {
        self.0.get(path).map_or(0, |(_, count)| *count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, bytes: u64) -> InUse {
        InUse {
            path: path.into(),
            version: Version {
                bytes,
                modified_ns: 1,
            },
        }
    }

    #[test]
    fn two_stops_while_a_file_is_in_use_put_it_out_until_it_changes() {
        let clip = file("/c/clip.mp4", 100);
        let mut strikes = Strikes::default();
        strikes.stopped_while(std::slice::from_ref(&clip));
        assert!(!strikes.is_out(&clip.path, Some(clip.version)));
        strikes.stopped_while(std::slice::from_ref(&clip));
        assert!(strikes.is_out(&clip.path, Some(clip.version)));
        assert_eq!(
            strikes.out().collect::<Vec<_>>(),
            [(clip.path.as_path(), 2)]
        );

        // Exported again: the new version plays.
        let again = file("/c/clip.mp4", 120);
        assert!(!strikes.is_out(&again.path, Some(again.version)));
        strikes.forget_changed(|_| Some(again.version));
        assert_eq!(strikes.count(&again.path), 0);
        // A strike on an old version does not count towards the new one.
        strikes.stopped_while(std::slice::from_ref(&clip));
        strikes.stopped_while(std::slice::from_ref(&again));
        assert_eq!(strikes.count(&again.path), 1);
    }

    #[test]
    fn a_clean_exit_clears_the_strikes_of_what_was_on_screen_and_only_those() {
        let (photo, clip) = (file("/c/photo.jpg", 5), file("/c/clip.mp4", 100));
        let mut strikes = Strikes::default();
        strikes.stopped_while(&[photo.clone(), clip.clone()]);
        strikes.played(std::slice::from_ref(&photo));
        assert_eq!(
            (strikes.count(&photo.path), strikes.count(&clip.path)),
            (0, 1)
        );
        // A file that is gone is forgotten.
        strikes.forget_changed(|_| None);
        assert_eq!(strikes, Strikes::default());
    }
}
