//! Turns the state of a playlists folder into library changes, reading only files that have
//! stopped changing, so a playlist or photo still being copied is never taken as final.

use super::{
    PictureChecks, faint_texts, load_closed_days, load_playlist_checking, load_quiz, load_ticker,
    playlist_from_source, read_text,
};
use crate::core::diagnostic::{Diagnostic, document_kind};
use crate::core::library::PlaylistId;
use crate::core::pictures;
use crate::core::playlist::MAX_PLAYLIST_BYTES;
use crate::core::playlist::{Playlist, Slide};
use crate::core::schedule::ClosedDays;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a scan found that the player must act on.
#[derive(Debug)]
pub enum LibraryChange {
    /// A new or changed playlist that passed every check.
    Loaded {
        id: PlaylistId,
        playlist: Playlist,
        folder: PathBuf,
        /// What plays but may not be read well (text too faint), as `check` warns.
        warnings: Vec<Diagnostic>,
    },
    /// A playlist that fails its checks; the last good version (if any) keeps playing.
    Rejected {
        id: PlaylistId,
        problems: Vec<Diagnostic>,
    },
    /// A new or changed `ticker.txt`.
    Ticker {
        id: PlaylistId,
        messages: Vec<String>,
    },
    /// A new or changed `closed_days.ron` (any file whose document is `ClosedDays(..)`).
    ClosedDays { id: PlaylistId, days: ClosedDays },
    /// A new or changed quiz file, checked: no problems means a tablet can run it.
    Quiz {
        id: PlaylistId,
        title: Option<String>,
        problems: Vec<Diagnostic>,
    },
    /// The newest items of a news feed a ticker line or `Feed` slide names.
    News {
        address: String,
        news: crate::core::news::News,
    },
    /// A new snapshot of a page a `Web` slide shows.
    Snapshot {
        page: crate::core::web::WebPage,
        snapshot: crate::core::web::PageSnapshot,
    },
    /// The file is gone.
    Removed { id: PlaylistId },
}

/// Size and modification time of every file a playlist depends on, in a fixed order.
type Fingerprint = Vec<(PathBuf, Option<(u64, SystemTime)>)>;

/// Remembers what a folder looked like, to report only what changed and only once it settled.
pub struct FolderScanner {
    folder: PathBuf,
    /// Put before file names to keep ids apart when several sources play at once.
    prefix: String,
    /// The folder is a finished content set from the cache: nothing in it is still being written.
    complete: bool,
    /// What each playlist's files looked like at the previous scan.
    previous: BTreeMap<PlaylistId, Fingerprint>,
    /// What each playlist's files looked like when it was last loaded or rejected.
    settled: BTreeMap<PlaylistId, Fingerprint>,
    looked: bool,
    /// The pictures of `Pictures` folders opened so far.
    pictures: PictureChecks,
    /// Subfolders that play without a playlist (the config's `drop_folders`).
    drop_folders: Vec<String>,
    /// Files a copy is still writing, as the watcher saw: not read, however still they look.
    being_written: BTreeSet<PathBuf>,
}

/// The result of one scan.
#[derive(Debug, Default)]
pub struct Scan {
    pub changes: Vec<LibraryChange>,
    /// Some files were still changing: scan again after a short pause.
    pub unsettled: bool,
    /// The folder could not be read (an unmounted share, a pulled USB stick); nothing changed.
    pub unreadable: Option<String>,
}

impl FolderScanner {
    pub fn new(folder: &Path) -> Self {
        FolderScanner {
            folder: folder.to_path_buf(),
            prefix: String::new(),
            complete: false,
            previous: BTreeMap::new(),
            settled: BTreeMap::new(),
            looked: false,
            pictures: PictureChecks::default(),
            drop_folders: Vec::new(),
            being_written: BTreeSet::new(),
        }
    }

    /// Each of `names`, a subfolder, plays as a playlist of its pictures, PDF pages and videos
    /// (id `name/`); a local folder gets the ones it lacks, ready for staff to drop files into.
    pub fn with_drop_folders(mut self, names: &[String]) -> Self {
        self.drop_folders = names.to_vec();
        self
    }

    /// Ids of this scanner's playlists start with `prefix`.
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_string();
        self
    }

    /// A scanner for complete content sets, which are read at first sight; `switch_to` moves it
    /// from one set to the next, reporting what the new set changes.
    pub fn for_complete_sets(folder: &Path) -> Self {
        FolderScanner {
            complete: true,
            ..FolderScanner::new(folder)
        }
    }

    pub fn switch_to(&mut self, folder: &Path) {
        self.folder = folder.to_path_buf();
    }

    /// Files that are open for writing now (a copy that may pause for seconds between writes,
    /// over a slow network): what depends on them waits until they are closed.
    pub fn note_being_written(&mut self, paths: BTreeSet<PathBuf>) {
        self.being_written = paths;
    }

    /// Looks at the folder once. A file is read only when it looks the same as at the previous
    /// scan, so callers scan again after a pause while `unsettled` is true.
    pub fn scan(&mut self) -> Scan {
        let mut scan = Scan::default();
        let first_look = !self.looked;
        self.looked = true;
        // A folder that cannot be read is not an empty folder: keep everything as it is.
        let present = match content_files(&self.folder) {
            Ok(present) => present,
            Err(error) => {
                scan.unreadable = Some(format!("cannot read {}: {error}", self.folder.display()));
                return scan;
            }
        };
        let mut seen = BTreeSet::new();
        for path in present {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            // Device configs may sit beside playlists; quizzes too, which are checked for staff
            // but never played as playlists.
            let source = std::fs::read_to_string(&path).ok();
            let kind = source.as_deref().and_then(document_kind);
            if kind == Some("Config") {
                continue;
            }
            let closed_days = kind == Some("ClosedDays");
            let quiz = kind == Some("Quiz");
            let ticker = is_ticker(&path);
            let id = format!("{}{name}", self.prefix);
            seen.insert(id.clone());
            let fingerprint = fingerprint(&path, source.as_deref());
            if !self.ready(&id, fingerprint, first_look, &mut scan) {
                continue;
            }
            let loaded = if quiz {
                // A quiz's problems are a finding to report like any other; its id must not
                // count as a rejected playlist.
                let (title, problems) = match load_quiz(&path) {
                    Ok(quiz) => (Some(quiz.title), Vec::new()),
                    Err(problems) => (None, problems),
                };
                if !self.complete {
                    if problems.is_empty() {
                        clear_problems(&path);
                    } else {
                        let quiz = ("このクイズは使われていません。", "This quiz is not used");
                        write_problems(&path, quiz, &problems);
                    }
                }
                scan.changes.push(LibraryChange::Quiz {
                    id,
                    title,
                    problems,
                });
                continue;
            } else if ticker {
                load_ticker(&path).map(|messages| LibraryChange::Ticker {
                    id: id.clone(),
                    messages,
                })
            } else if closed_days {
                load_closed_days(&path).map(|days| LibraryChange::ClosedDays {
                    id: id.clone(),
                    days,
                })
            } else {
                let loaded = load_playlist_checking(&path, &mut self.pictures);
                if !self.complete {
                    note_unshowable_pictures(&self.pictures);
                }
                loaded.map(|playlist| LibraryChange::Loaded {
                    id: id.clone(),
                    warnings: read_text(&path, MAX_PLAYLIST_BYTES)
                        .map(|source| faint_texts(&playlist, &source, &path))
                        .unwrap_or_default(),
                    playlist,
                    folder: self.folder.clone(),
                })
            };
            scan.changes.push(match loaded {
                Ok(change) => {
                    if !self.complete {
                        clear_problems(&path);
                    }
                    change
                }
                Err(problems) => {
                    // Staff read notes in their own folder, not in the player's cache.
                    if !self.complete {
                        let playlist = (
                            "このプレイリストは再生されていません。",
                            "This playlist is not playing",
                        );
                        write_problems(&path, playlist, &problems);
                    }
                    LibraryChange::Rejected { id, problems }
                }
            });
        }
        for name in self.drop_folders.clone() {
            let folder = self.folder.join(&name);
            if first_look && !self.complete && !folder.exists() {
                match std::fs::create_dir(&folder) {
                    Ok(()) => tracing::info!("made the drop folder {}", folder.display()),
                    Err(error) => tracing::warn!("cannot make {}: {error}", folder.display()),
                }
            }
            // An empty drop folder plays nothing, as if it were not there.
            let holds_media = std::fs::read_dir(&folder).is_ok_and(|entries| {
                entries
                    .filter_map(Result::ok)
                    .any(|e| e.file_name().to_str().is_some_and(pictures::is_shown))
            });
            if !holds_media {
                continue;
            }
            let id = format!("{}{name}/", self.prefix);
            seen.insert(id.clone());
            let source = pictures::drop_folder_playlist(&name);
            if !self.ready(
                &id,
                fingerprint(&folder, Some(&source)),
                first_look,
                &mut scan,
            ) {
                continue;
            }
            let loaded = playlist_from_source(&folder, &source, &mut self.pictures);
            if !self.complete {
                note_unshowable_pictures(&self.pictures);
            }
            scan.changes.push(match loaded {
                Ok(playlist) => LibraryChange::Loaded {
                    id,
                    playlist,
                    folder: self.folder.clone(),
                    warnings: Vec::new(),
                },
                Err(problems) => LibraryChange::Rejected { id, problems },
            });
        }
        // A file counts as removed once it has been missing for two scans: editors that save by
        // deleting and renaming leave it missing for an instant.
        let vanished: Vec<PlaylistId> = self
            .previous
            .keys()
            .filter(|id| !seen.contains(*id))
            .cloned()
            .collect();
        for id in vanished {
            if self.complete || self.previous.get(&id).is_some_and(|f| f.is_empty()) {
                self.previous.remove(&id);
                if self.settled.remove(&id).is_some() {
                    clear_problems(
                        &self
                            .folder
                            .join(id.strip_prefix(&self.prefix).unwrap_or(&id)),
                    );
                    scan.changes.push(LibraryChange::Removed { id });
                }
            } else {
                self.previous.insert(id, Vec::new());
                scan.unsettled = true;
            }
        }
        scan
    }
}

impl FolderScanner {
    /// Whether the files behind `id` have settled (they look as they did at the previous scan)
    /// and differ from what was last read: then they are read now.
    fn ready(
        &mut self,
        id: &PlaylistId,
        fingerprint: Fingerprint,
        first_look: bool,
        scan: &mut Scan,
    ) -> bool {
        let written = fingerprint
            .iter()
            .any(|(path, _)| self.being_written.contains(path));
        let stable = self.complete
            || (!written
                && (self.previous.get(id) == Some(&fingerprint)
                    || (first_look && untouched_for_a_while(&fingerprint))));
        self.previous.insert(id.clone(), fingerprint.clone());
        if !stable {
            scan.unsettled = true;
            return false;
        }
        if self.settled.get(id) == Some(&fingerprint) {
            return false;
        }
        self.settled.insert(id.clone(), fingerprint);
        true
    }
}

/// The name of the ticker's file in a content folder.
pub const TICKER_FILE: &str = "ticker.txt";

pub fn is_ticker(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(TICKER_FILE))
}

/// The files a scanner reads: the playlists (and closed days) and the ticker's messages.
pub fn content_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = playlist_files(folder)?;
    let ticker = folder.join(TICKER_FILE);
    if ticker.is_file() {
        files.push(ticker);
    }
    Ok(files)
}

/// The playlist files of a folder: `*.ron` directly inside it, not hidden or temporary files.
/// Subfolders hold media and examples, which are not played.
pub fn playlist_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder)?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // Office and copy tools write `~$name` and `.name` while saving.
            let temporary = name.starts_with('.') || name.starts_with('~');
            !temporary
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("ron"))
                && path.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The playlist file and the media its text `source` names (if it parses), with their sizes and times.
fn fingerprint(path: &Path, source: Option<&str>) -> Fingerprint {
    let stat = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)))
    };
    let mut files = vec![(path.to_path_buf(), stat(path))];
    let folder = super::playlist_folder(path);
    let slides = source
        .and_then(|source| Playlist::parse(source).ok())
        .map(|p| p.slides)
        .unwrap_or_default();
    let mut media: Vec<PathBuf> = slides
        .iter()
        .flat_map(|s| s.media())
        .map(|m| folder.join(&m.relative))
        .collect();
    // A picture dropped into, renamed in or removed from a `Pictures` folder changes the
    // playlist, and one still being copied holds it back until it settles.
    for slide in &slides {
        if let Slide::Pictures(pictures) = slide
            && let Ok(entries) = std::fs::read_dir(folder.join(&pictures.folder.relative))
        {
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| !is_problems_note(p))
                .collect();
            files.sort();
            media.extend(files);
        }
    }
    for file in media {
        let status = stat(&file);
        files.push((file, status));
    }
    files
}

/// At start-up, files nobody has touched for a while are taken as they are, so the player shows
/// content at once instead of after a second look. A time in the future (a file server's clock
/// running ahead) does not count as a while.
fn untouched_for_a_while(fingerprint: &Fingerprint) -> bool {
    const A_WHILE: std::time::Duration = std::time::Duration::from_secs(5);
    let now = SystemTime::now();
    fingerprint.iter().all(|(_, stat)| {
        stat.is_some_and(|(_, modified)| {
            now.duration_since(modified).is_ok_and(|age| age >= A_WHILE)
        })
    })
}

/// Whether a file is one of the notes the player writes for staff.
pub fn is_problems_note(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.ends_with(".error.txt"))
}

/// The file staff read to learn why a playlist is not playing: `<playlist>.error.txt`.
pub fn problems_file(playlist: &Path) -> PathBuf {
    let mut name = playlist.as_os_str().to_owned();
    name.push(".error.txt");
    PathBuf::from(name)
}

/// Writes `<file>.error.txt` with `problems`, saying first what they keep from happening (in
/// Japanese, then English).
fn write_problems(file: &Path, (japanese, english): (&str, &str), problems: &[Diagnostic]) {
    let mut text = format!(
        "{japanese}以下の問題を修正して保存すると自動で読み込まれ、このメモは消えます。\n\
         {english} because of the problems below. Fix them and save the file: the player reads it \
         again by itself and deletes this note.\n\n"
    );
    for problem in problems {
        text.push_str(&problem.to_string());
        text.push('\n');
    }
    write_note(&problems_file(file), &text);
}

/// Writes a note for staff unless it already says `text`.
fn write_note(target: &Path, text: &str) {
    if std::fs::read_to_string(target).ok().as_deref() == Some(text) {
        return;
    }
    if let Err(error) = std::fs::write(target, text) {
        tracing::warn!("cannot write {}: {error}", target.display());
    }
}

/// Writes `<picture>.error.txt` beside each picture of a playlist's `Pictures` folders that cannot
/// be shown, and removes the notes of pictures that can now be shown or are gone.
fn note_unshowable_pictures(checks: &PictureChecks) {
    for (picture, reason) in &checks.unshowable {
        tracing::warn!("{}: not shown: {reason}", picture.display());
        note_unshown_media(picture, reason);
    }
    for folder in &checks.folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for note in entries.filter_map(Result::ok).map(|e| e.path()) {
            let Some(picture) = note.to_str().and_then(|n| n.strip_suffix(".error.txt")) else {
                continue;
            };
            let picture = PathBuf::from(picture);
            if !checks.unshowable.iter().any(|(p, _)| *p == picture) {
                clear_problems(&picture);
            }
        }
    }
}

/// Writes `<media>.error.txt` beside a media file that cannot be shown, saying why.
pub fn note_unshown_media(media: &Path, reason: &str) {
    let text = format!(
        "このファイルは表示されていません。開けるファイル（写真・SVG・PDF）に置き換えると自動で読み込まれ、\
         このメモは消えます。\nThis file is not shown: {reason}.\nReplace it with a photo (JPEG, PNG, \
         WebP), an SVG or a PDF that opens: the player tries it again by itself and deletes this \
         note.\n"
    );
    write_note(&problems_file(media), &text);
}

/// Writes `<video>.error.txt` beside a video that cannot be played, saying why.
pub fn note_unplayed_video(video: &Path, reason: &str) {
    let text = format!(
        "この動画は再生されていません。MP4（H.264、1080p以下）で書き出し直して置き換えると自動で\
         読み込まれ、このメモは消えます。\nThis video is not played: {reason}.\nExport it again \
         as MP4 (H.264, 1080p or smaller) and replace it: the player tries it again by itself and \
         deletes this note.\n"
    );
    write_note(&problems_file(video), &text);
}

/// Writes `<media>.error.txt` beside a file that is out of the loop because the player stopped
/// twice while showing it (`core::crash_strikes`).
pub fn note_struck_out(media: &Path) {
    let text = format!(
        "このファイルを表示中にプレーヤーが2回停止したため、表示を止めています。書き出し直して\
         上書きすると自動で再び表示され、このメモは消えます。\nThis file is not shown: {}.\n",
        crate::core::crash_strikes::STRUCK_OUT
    );
    write_note(&problems_file(media), &text);
}

/// Removes the note beside a media file (or playlist), if there is one.
pub fn clear_problems(playlist: &Path) {
    let target = problems_file(playlist);
    if target.exists()
        && let Err(error) = std::fs::remove_file(&target)
    {
        tracing::warn!("cannot remove {}: {error}", target.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const GOOD: &str = r#"Playlist(title: "t", slides: [Text(title: "a")])"#;

    fn names(changes: &[LibraryChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match c {
                LibraryChange::Loaded { id, .. } => format!("loaded {id}"),
                LibraryChange::Rejected { id, .. } => format!("rejected {id}"),
                LibraryChange::Removed { id } => format!("removed {id}"),
                LibraryChange::Ticker { id, messages } => format!("ticker {id} {}", messages.len()),
                LibraryChange::ClosedDays { id, days } => format!("closed {id} {}", days.0.len()),
                LibraryChange::Quiz { id, problems, .. } => {
                    format!("quiz {id} {} problems", problems.len())
                }
                LibraryChange::News { address, .. } => format!("news {address}"),
                LibraryChange::Snapshot { page, .. } => format!("snapshot {}", page.url),
            })
            .collect()
    }

    #[test]
    fn a_file_is_read_only_once_it_looks_the_same_twice() {
        let dir = tempfile::tempdir().unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        fs::write(dir.path().join("a.ron"), GOOD).unwrap();
        let first = scanner.scan();
        assert!(
            first.unsettled && first.changes.is_empty(),
            "not read at first sight"
        );
        let second = scanner.scan();
        assert_eq!(names(&second.changes), ["loaded a.ron"]);
        assert!(!second.unsettled);
        assert!(scanner.scan().changes.is_empty(), "nothing new");
    }

    #[test]
    fn files_untouched_for_a_while_load_at_the_first_look() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ron");
        fs::write(&path, GOOD).unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        assert_eq!(names(&scanner.scan().changes), ["loaded a.ron"]);
    }

    #[test]
    fn a_growing_file_waits_until_it_stops_growing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ron");
        let mut scanner = FolderScanner::new(dir.path());
        fs::write(&path, &GOOD[..10]).unwrap();
        scanner.scan();
        fs::write(&path, &GOOD[..30]).unwrap();
        let mid_copy = scanner.scan();
        assert!(
            mid_copy.changes.is_empty() && mid_copy.unsettled,
            "still being written"
        );
        fs::write(&path, GOOD).unwrap();
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["loaded a.ron"]);
    }

    #[test]
    fn broken_files_get_a_note_beside_them_until_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.ron");
        let mut scanner = FolderScanner::new(dir.path());
        fs::write(
            &path,
            "Playlist(title: \"t\", slides: [Text(titel: \"a\")])",
        )
        .unwrap();
        scanner.scan();
        let rejected = scanner.scan();
        assert_eq!(names(&rejected.changes), ["rejected bad.ron"]);
        let note = fs::read_to_string(problems_file(&path)).unwrap();
        assert!(
            note.contains("bad.ron:1:36: unknown field `titel`"),
            "{note}"
        );
        fs::write(&path, GOOD).unwrap();
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["loaded bad.ron"]);
        assert!(
            !problems_file(&path).exists(),
            "the note goes once the file is fixed"
        );
    }

    /// The files of the loaded playlist's slides, in play order.
    fn played(changes: &[LibraryChange]) -> Vec<String> {
        let [LibraryChange::Loaded { playlist, .. }] = changes else {
            panic!("one playlist loaded: {changes:?}")
        };
        playlist
            .slides
            .iter()
            .map(|s| s.media()[0].written.clone())
            .collect()
    }

    #[test]
    fn a_pictures_folder_follows_what_is_dropped_renamed_and_deleted_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let show = dir.path().join("media/show");
        fs::create_dir_all(&show).unwrap();
        let svg = |colour: &str| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 9"><rect width="16" height="9" fill="{colour}"/></svg>"#
            )
        };
        let mut png = Vec::new();
        image::RgbImage::from_pixel(32, 18, image::Rgb([10, 120, 200]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        fs::write(show.join("2-two.svg"), svg("#00FF00")).unwrap();
        fs::write(show.join("10-ten.png"), &png).unwrap();
        fs::write(show.join("1-one.svg"), svg("#FF0000")).unwrap();
        fs::write(
            dir.path().join("show.ron"),
            r#"Playlist(title: "t", slides: [Pictures(folder: "media/show", seconds: 8)])"#,
        )
        .unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        let settle = |scanner: &mut FolderScanner| {
            let mut scan = scanner.scan();
            while scan.unsettled {
                scan = scanner.scan();
            }
            scan.changes
        };
        let order = [
            "media/show/1-one.svg",
            "media/show/2-two.svg",
            "media/show/10-ten.png",
        ];
        assert_eq!(played(&settle(&mut scanner)), order);

        // Dropped in: a half-copied picture holds the change back until it stops growing.
        fs::write(show.join("3-three.png"), &png[..png.len() / 2]).unwrap();
        let mid_copy = scanner.scan();
        assert!(mid_copy.changes.is_empty() && mid_copy.unsettled);
        fs::write(show.join("3-three.png"), &png).unwrap();
        assert_eq!(
            played(&settle(&mut scanner)),
            [
                "media/show/1-one.svg",
                "media/show/2-two.svg",
                "media/show/3-three.png",
                "media/show/10-ten.png"
            ]
        );

        // Renamed to play first, and one deleted.
        fs::rename(show.join("3-three.png"), show.join("0-first.png")).unwrap();
        fs::remove_file(show.join("2-two.svg")).unwrap();
        assert_eq!(
            played(&settle(&mut scanner)),
            [
                "media/show/0-first.png",
                "media/show/1-one.svg",
                "media/show/10-ten.png"
            ]
        );

        // A broken picture is left out with a note beside it, which goes once it is replaced.
        fs::write(show.join("5-broken.jpg"), "not a photo").unwrap();
        // Office's lock file beside an open document is neither shown nor noted.
        fs::write(show.join("~$flyer.pdf"), "lock").unwrap();
        assert_eq!(
            played(&settle(&mut scanner)),
            [
                "media/show/0-first.png",
                "media/show/1-one.svg",
                "media/show/10-ten.png"
            ]
        );
        let note = fs::read_to_string(show.join("5-broken.jpg.error.txt")).unwrap();
        assert!(
            note.contains("5-broken.jpg is not a readable picture"),
            "{note}"
        );
        assert!(!show.join("~$flyer.pdf.error.txt").exists());
        fs::write(show.join("5-broken.jpg"), &png).unwrap();
        assert!(played(&settle(&mut scanner)).contains(&"media/show/5-broken.jpg".to_string()));
        assert!(!show.join("5-broken.jpg.error.txt").exists());

        // Emptied: the playlist is rejected at its folder, and the last good one keeps playing.
        for entry in fs::read_dir(&show).unwrap() {
            fs::remove_file(entry.unwrap().path()).unwrap();
        }
        let changes = settle(&mut scanner);
        assert_eq!(names(&changes), ["rejected show.ron"]);
    }

    #[test]
    fn a_playlist_with_faint_text_plays_with_a_warning_for_the_staff_page() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("faint.ron"),
            r##"Playlist(title: "t", slides: [Text(title: "見出し", body: "本文", color: "#AAAAAA", background: "#FFFFFF")])"##,
        )
        .unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        let mut scan = scanner.scan();
        while scan.unsettled {
            scan = scanner.scan();
        }
        let [LibraryChange::Loaded { warnings, .. }] = &scan.changes[..] else {
            panic!("{:?}", scan.changes)
        };
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .to_string()
                .contains("#AAAAAA on #FFFFFF has a contrast of 2.3:1")
        );
    }

    #[test]
    fn a_drop_folder_plays_what_is_dropped_into_it_without_a_playlist() {
        let dir = tempfile::tempdir().unwrap();
        let drop = dir.path().join("掲示");
        let mut scanner = FolderScanner::new(dir.path()).with_drop_folders(&["掲示".into()]);
        let mut settle = || {
            let mut scan = scanner.scan();
            while scan.unsettled {
                scan = scanner.scan();
            }
            scan.changes
        };
        // Made at the first look, for staff to find; empty, it plays nothing.
        assert!(names(&settle()).is_empty());
        assert!(drop.is_dir());

        fs::write(
            drop.join("2-poster.svg"),
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 9"><rect width="16" height="9"/></svg>"#,
        )
        .unwrap();
        fs::write(drop.join("1-clip.mp4"), "a video is opened when it plays").unwrap();
        fs::write(
            drop.join("1-clip.srt"),
            "1\n00:00:00,000 --> 00:00:01,000\nこんにちは\n",
        )
        .unwrap();
        fs::write(drop.join("Thumbs.db"), "Windows litter").unwrap();
        let changes = settle();
        assert_eq!(names(&changes), ["loaded 掲示/"]);
        assert_eq!(played(&changes), ["掲示/1-clip.mp4", "掲示/2-poster.svg"]);
        let LibraryChange::Loaded {
            playlist, folder, ..
        } = &changes[0]
        else {
            unreachable!()
        };
        assert_eq!(
            (playlist.title.as_str(), folder.as_path()),
            ("掲示", dir.path())
        );
        assert_eq!(playlist.schedule, Default::default(), "it plays all day");

        fs::remove_file(drop.join("1-clip.mp4")).unwrap();
        assert_eq!(played(&settle()), ["掲示/2-poster.svg"]);

        // Emptied, it plays nothing again.
        fs::remove_file(drop.join("2-poster.svg")).unwrap();
        assert_eq!(names(&settle()), ["removed 掲示/"]);
    }

    #[test]
    fn a_missing_picture_arriving_later_makes_the_playlist_valid() {
        let dir = tempfile::tempdir().unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        fs::write(
            dir.path().join("p.ron"),
            r#"Playlist(title: "t", slides: [Poster(file: "media/a.svg")])"#,
        )
        .unwrap();
        scanner.scan();
        let rejected = scanner.scan();
        let LibraryChange::Rejected { problems, .. } = &rejected.changes[0] else {
            panic!("{rejected:?}")
        };
        assert!(
            problems[0].to_string().contains("looked for"),
            "{}",
            problems[0]
        );
        fs::create_dir(dir.path().join("media")).unwrap();
        fs::write(
            dir.path().join("media/a.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        )
        .unwrap();
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["loaded p.ron"]);
    }

    #[test]
    fn removal_is_reported_after_two_scans_and_temporary_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        fs::write(dir.path().join("a.ron"), GOOD).unwrap();
        fs::write(dir.path().join("~$a.ron"), "junk").unwrap();
        fs::write(dir.path().join(".a.ron.swp"), "junk").unwrap();
        fs::write(dir.path().join("notes.txt"), "junk").unwrap();
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["loaded a.ron"]);
        fs::remove_file(dir.path().join("a.ron")).unwrap();
        let blink = scanner.scan();
        assert!(
            blink.changes.is_empty() && blink.unsettled,
            "a save by rename must not blank the playlist"
        );
        assert_eq!(names(&scanner.scan().changes), ["removed a.ron"]);
    }

    #[test]
    fn complete_sets_are_read_at_once_and_switching_reports_the_difference() {
        let old = tempfile::tempdir().unwrap();
        let new = tempfile::tempdir().unwrap();
        fs::write(old.path().join("a.ron"), GOOD).unwrap();
        fs::write(old.path().join("b.ron"), GOOD).unwrap();
        fs::write(new.path().join("a.ron"), GOOD).unwrap();
        let mut scanner = FolderScanner::for_complete_sets(old.path()).with_prefix("web:");
        assert_eq!(
            names(&scanner.scan().changes),
            ["loaded web:a.ron", "loaded web:b.ron"]
        );
        scanner.switch_to(new.path());
        assert_eq!(
            names(&scanner.scan().changes),
            ["loaded web:a.ron", "removed web:b.ron"]
        );
    }

    #[test]
    fn an_unreachable_folder_removes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let share = dir.path().join("share");
        fs::create_dir(&share).unwrap();
        fs::write(share.join("a.ron"), GOOD).unwrap();
        let mut scanner = FolderScanner::new(&share);
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["loaded a.ron"]);
        fs::rename(&share, dir.path().join("unmounted")).unwrap();
        for _ in 0..3 {
            let scan = scanner.scan();
            assert!(scan.changes.is_empty(), "{:?}", scan.changes);
            assert!(
                scan.unreadable
                    .as_deref()
                    .is_some_and(|e| e.contains("cannot read"))
            );
        }
        fs::rename(dir.path().join("unmounted"), &share).unwrap();
        assert!(
            scanner.scan().changes.is_empty(),
            "back again, still the same"
        );
    }

    #[test]
    fn quizzes_beside_playlists_are_checked_and_configs_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.ron"), GOOD).unwrap();
        let quiz = dir.path().join("quiz.ron");
        fs::write(&quiz, "Quiz(title: \"q\", questions: [])").unwrap();
        fs::write(dir.path().join("kiosk.ron"), "// device\nConfig()").unwrap();
        fs::write(dir.path().join("typo.ron"), "Playlst(title: \"x\")").unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        scanner.scan();
        let changes = scanner.scan().changes;
        assert_eq!(
            names(&changes),
            [
                "loaded a.ron",
                "quiz quiz.ron 1 problems",
                "rejected typo.ron"
            ]
        );
        let note = fs::read_to_string(problems_file(&quiz)).unwrap();
        assert!(note.contains("quiz.ron:1:"), "{note}");
        assert!(!problems_file(&dir.path().join("kiosk.ron")).exists());

        fs::write(
            &quiz,
            r#"Quiz(title: "q", questions: [(question: "犬は？", choices: [(ja: "はい"), (ja: "いいえ")], answer: 1, explanation: "はい。")])"#,
        )
        .unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        fs::File::options()
            .write(true)
            .open(&quiz)
            .unwrap()
            .set_modified(later)
            .unwrap();
        scanner.scan();
        assert_eq!(names(&scanner.scan().changes), ["quiz quiz.ron 0 problems"]);
        assert!(
            !problems_file(&quiz).exists(),
            "the fixed quiz's note is gone"
        );
    }

    #[test]
    fn a_burst_of_files_all_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let mut scanner = FolderScanner::new(dir.path());
        for i in 0..100 {
            fs::write(dir.path().join(format!("p{i:03}.ron")), GOOD).unwrap();
        }
        scanner.scan();
        assert_eq!(scanner.scan().changes.len(), 100);
    }
}
