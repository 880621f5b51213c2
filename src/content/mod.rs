//! Playlists from folders on disk: reading and checking files, and noticing when they change.

pub mod alerts;
pub mod folder;
pub mod news;
pub mod sync;
pub mod watch;
pub mod web;

use crate::compose::media_process::{self, Drawn, Job, Opening};
use crate::compose::picture::{self, MAX_MEDIA_BYTES, MAX_SVG_BYTES, PictureError};
use crate::core::diagnostic::{Diagnostic, Position, SourceLocator};
use crate::core::pictures::{self, FolderContents};
use crate::core::playlist::{
    MAX_PLAYLIST_BYTES, MediaKind, MediaPath, Playlist, Slide, VideoSlide,
};
use crate::core::quiz::Quiz;
use crate::core::schedule::ClosedDays;
use crate::core::subtitles::{self, Cue, MAX_SUBTITLE_BYTES};
use crate::core::ticker::parse_ticker;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Reads and checks one playlist file, including that every media file it names exists inside
/// its folder. Every problem comes back at once, each naming the file.
pub fn load_playlist(path: &Path) -> Result<Playlist, Vec<Diagnostic>> {
    load_playlist_checking(path, &mut PictureChecks::default())
}

/// What opening each picture of the `Pictures` folders found, kept while a file stays the same
/// so that a folder of photos is decoded once, not at every change to it.
#[derive(Default)]
pub struct PictureChecks {
    known: HashMap<PathBuf, (Option<(u64, SystemTime)>, Result<Option<u32>, String>)>,
    /// The pictures of the last playlist loaded that cannot be shown, and why.
    pub unshowable: Vec<(PathBuf, String)>,
    /// The `Pictures` folders of the last playlist loaded.
    pub folders: Vec<PathBuf>,
}

impl PictureChecks {
    /// Opens a picture as the player will (a photo decoded, an SVG parsed, a PDF's pages
    /// counted), or says why it cannot be shown; a PDF gives its page count.
    fn check(&mut self, path: &Path, kind: MediaKind) -> Result<Option<u32>, String> {
        let stamp = std::fs::metadata(path)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)));
        if let Some((known_stamp, result)) = self.known.get(path)
            && *known_stamp == stamp
            && stamp.is_some()
        {
            return result.clone();
        }
        let folder = playlist_folder(path);
        let name = Path::new(path.file_name().unwrap_or_default());
        let result = match kind {
            MediaKind::Raster => open_media(folder, name, Opening::Photo),
            MediaKind::Vector => open_media(folder, name, Opening::Svg),
            MediaKind::Pdf => open_media(folder, name, Opening::Pdf),
            MediaKind::Video => Ok(None),
        }
        .map_err(|e| e.to_string());
        self.known
            .insert(path.to_path_buf(), (stamp, result.clone()));
        result
    }
}

/// Opens a media file as drawing it would, within the drawing limits; a PDF gives its page count.
fn open_media(folder: &Path, relative: &Path, how: Opening) -> Result<Option<u32>, PictureError> {
    let most_bytes = match how {
        Opening::Svg => MAX_SVG_BYTES,
        Opening::Photo | Opening::Pdf => MAX_MEDIA_BYTES,
    };
    let request = media_process::Request {
        path: picture::resolve_media(folder, relative, most_bytes)?,
        shown_as: folder.join(relative),
        job: Job::Open(how),
        width: 1,
        height: 1,
    };
    match media_process::draw(&request)? {
        Drawn::Opened { pages } => Ok(pages),
        Drawn::Pixels { .. } => Ok(None),
    }
}

/// [`load_playlist`], remembering what it found in `Pictures` folders in `checks`.
pub fn load_playlist_checking(
    path: &Path,
    checks: &mut PictureChecks,
) -> Result<Playlist, Vec<Diagnostic>> {
    let source = read_text(path, MAX_PLAYLIST_BYTES).map_err(|d| vec![d.in_file(path)])?;
    playlist_from_source(path, &source, checks)
}

/// The playlist `source`, written as the file `path`, checked and expanded as
/// [`load_playlist_checking`] does.
pub fn playlist_from_source(
    path: &Path,
    source: &str,
    checks: &mut PictureChecks,
) -> Result<Playlist, Vec<Diagnostic>> {
    let in_file = |d: Diagnostic| d.in_file(path);
    let playlist =
        Playlist::parse(source).map_err(|ds| ds.into_iter().map(in_file).collect::<Vec<_>>())?;
    let folder = playlist_folder(path);
    let media = playlist.slides.iter().flat_map(|s| s.media());
    let mut problems = missing_media(media, source, folder);
    checks.unshowable.clear();
    checks.folders.clear();
    // What was learnt about files since deleted or renamed is of no more use.
    checks.known.retain(|path, _| path.exists());
    let contents = look_into(&playlist, source, folder, checks, &mut problems);
    if !problems.is_empty() {
        return Err(problems.into_iter().map(in_file).collect());
    }
    pictures::expand(playlist, &contents, source)
        .map_err(|ds| ds.into_iter().map(in_file).collect())
}

/// Text slides whose colours are too close to be read (WCAG 2.x contrast), at their titles.
pub fn faint_texts(playlist: &Playlist, source: &str, file: &Path) -> Vec<Diagnostic> {
    use crate::core::legibility::too_faint;
    let mut at = crate::core::diagnostic::SourceLocator::new(source);
    let mut warnings = Vec::new();
    for slide in &playlist.slides {
        let Slide::Text(text) = slide else { continue };
        let (title, colour, paper) = crate::compose::text_slide_colours(text);
        let background = [paper[0], paper[1], paper[2]];
        let mut faint = vec![too_faint(title, background, true)];
        if text.body.is_some() {
            faint.push(too_faint(colour, background, false));
        }
        if text.title_en.is_some() || text.body_en.is_some() {
            let faded = crate::compose::faded_text(colour, paper);
            faint.push(too_faint(faded, background, false));
        }
        let position = at.string_literal(&text.title);
        let mut said = Vec::new();
        for problem in faint.into_iter().flatten() {
            if !said.contains(&problem) {
                warnings.push(
                    Diagnostic::new(position, problem.clone())
                        .with_hint("choose a darker text colour or a lighter background (or the other way round)")
                        .in_file(file),
                );
                said.push(problem);
            }
        }
    }
    warnings
}

/// The pictures in each of a playlist's `Pictures` folders that can be shown, and the page
/// counts of its PDFs. A folder that is missing or outside the content folder is a problem; a
/// picture in it that cannot be shown is left out and listed in `checks.unshowable`; a PDF the
/// playlist names that cannot be opened is left for the player to skip with its reason.
fn look_into(
    playlist: &Playlist,
    source: &str,
    folder: &Path,
    checks: &mut PictureChecks,
    problems: &mut Vec<Diagnostic>,
) -> FolderContents {
    let mut at = SourceLocator::new(source);
    let mut contents = FolderContents::default();
    let mut pdfs = Vec::new();
    for slide in &playlist.slides {
        match slide {
            Slide::Pictures(pictures) => match picture_folder_names(folder, &pictures.folder) {
                Ok(names) => {
                    checks.folders.push(folder.join(&pictures.folder.relative));
                    let mut shown = Vec::new();
                    for name in names.into_iter().filter(|n| pictures::is_shown(n)) {
                        let relative = pictures.folder.relative.join(&name);
                        let kind = MediaPath::try_from(name.clone())
                            .ok()
                            .and_then(|p| p.kind());
                        let Some(kind) = kind else {
                            continue;
                        };
                        match checks.check(&folder.join(&relative), kind) {
                            Ok(pages) => {
                                if let Some(pages) = pages {
                                    contents.pdf_pages.insert(relative, pages);
                                }
                                shown.push(name);
                            }
                            Err(reason) => checks.unshowable.push((folder.join(relative), reason)),
                        }
                    }
                    contents
                        .folders
                        .insert(pictures.folder.relative.clone(), shown);
                }
                Err(problem) => problems.push(
                    Diagnostic::new(at.string_literal(&pictures.folder.written), problem)
                        .with_hint(
                            "name a folder inside the playlists folder, e.g. \"media/exhibition\"",
                        ),
                ),
            },
            Slide::Pdf(pdf) => pdfs.push(pdf.file.relative.clone()),
            _ => {}
        }
    }
    for relative in pdfs {
        if let Ok(Some(count)) = open_media(folder, &relative, Opening::Pdf) {
            contents.pdf_pages.insert(relative, count);
        }
    }
    contents
}

/// The names of the files directly inside a `Pictures` folder.
fn picture_folder_names(folder: &Path, pictures: &MediaPath) -> Result<Vec<String>, String> {
    let path = folder.join(&pictures.relative);
    let unreadable =
        |e: std::io::Error| format!("cannot read the folder `{}`: {e}", pictures.written);
    let real = path.canonicalize().map_err(unreadable)?;
    if !real.starts_with(folder.canonicalize().map_err(unreadable)?) {
        return Err(format!(
            "`{}` is outside the content folder",
            pictures.written
        ));
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&real).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if entry.file_type().is_ok_and(|t| t.is_file())
            && let Ok(name) = entry.file_name().into_string()
        {
            names.push(name);
        }
    }
    Ok(names)
}

/// The folder a playlist's media paths are relative to: the folder of its file. A bare file name
/// (`food.ron`) has an empty parent, which means the current folder.
pub fn playlist_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Reads a text file a person wrote, refusing huge files and explaining encoding problems.
pub fn read_text(path: &Path, limit: u64) -> Result<String, Diagnostic> {
    read_text_noting_encoding(path, limit).map(|(text, _)| text)
}

/// [`read_text`], with the encoding it was read as when not UTF-8 (Shift-JIS, UTF-16).
pub fn read_text_noting_encoding(
    path: &Path,
    limit: u64,
) -> Result<(String, Option<&'static str>), Diagnostic> {
    let size = std::fs::metadata(path)
        .map_err(|e| Diagnostic::new(Position::START, format!("cannot read the file: {e}")))?
        .len();
    if size > limit {
        return Err(Diagnostic::new(
            Position::START,
            format!("the file is {size} bytes; files of this kind are at most {limit} bytes"),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::new(Position::START, format!("cannot read the file: {e}")))?;
    crate::core::encoding::decode(&bytes)
}

/// A video's subtitles, read and checked.
#[derive(Clone, Debug)]
pub struct Subtitles {
    pub file: PathBuf,
    pub cues: Vec<Cue>,
    /// The encoding it was read as, when not UTF-8.
    pub encoding: Option<&'static str>,
}

/// The subtitles of a video slide: the file it names, or `clip.srt`/`clip.vtt` beside its
/// video; `None` when it has none. Problems carry the subtitle file's name and line.
pub fn load_subtitles(
    folder: &Path,
    slide: &VideoSlide,
) -> Result<Option<Subtitles>, Vec<Diagnostic>> {
    let relative = match &slide.subtitles {
        Some(named) => named.relative.clone(),
        None => {
            let beside = folder.join(&slide.file.relative);
            let names: Vec<String> = beside
                .parent()
                .and_then(|dir| std::fs::read_dir(dir).ok())
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect();
            match subtitles::sidecar(&slide.file.relative, &names) {
                Some(name) => slide.file.relative.with_file_name(name),
                None => return Ok(None),
            }
        }
    };
    let shown_as = folder.join(&relative);
    let in_file = |d: Diagnostic| d.in_file(&shown_as);
    let path = picture::resolve_media(folder, &relative, MAX_SUBTITLE_BYTES)
        .map_err(|e| vec![in_file(Diagnostic::new(Position::START, e.to_string()))])?;
    let bytes = std::fs::read(&path).map_err(|e| {
        vec![in_file(Diagnostic::new(
            Position::START,
            format!("cannot read the file: {e}"),
        ))]
    })?;
    let (text, encoding) =
        crate::core::encoding::decode(&bytes).map_err(|problem| vec![in_file(problem)])?;
    let cues = subtitles::parse(&text)
        .map_err(|problems| problems.into_iter().map(in_file).collect::<Vec<_>>())?;
    Ok(Some(Subtitles {
        file: shown_as,
        cues,
        encoding,
    }))
}

/// Reads and checks an office's `closed_days.ron`.
pub fn load_closed_days(path: &Path) -> Result<ClosedDays, Vec<Diagnostic>> {
    let in_file = |d: Diagnostic| d.in_file(path);
    let source = read_text(path, MAX_PLAYLIST_BYTES).map_err(|d| vec![in_file(d)])?;
    ClosedDays::parse(&source).map_err(|ds| ds.into_iter().map(in_file).collect())
}

/// Reads and checks a `ticker.txt`: one message a line.
pub fn load_ticker(path: &Path) -> Result<Vec<String>, Vec<Diagnostic>> {
    let in_file = |d: Diagnostic| d.in_file(path);
    let source = read_text(path, MAX_TICKER_BYTES).map_err(|d| vec![in_file(d)])?;
    parse_ticker(&source).map_err(|ds| ds.into_iter().map(in_file).collect())
}

/// A ticker file is a few dozen short lines.
const MAX_TICKER_BYTES: u64 = 64 * 1024;

/// Reads and checks a quiz file, including that its pictures exist inside its folder.
pub fn load_quiz(path: &Path) -> Result<Quiz, Vec<Diagnostic>> {
    let in_file = |d: Diagnostic| d.in_file(path);
    let source = read_text(path, MAX_PLAYLIST_BYTES).map_err(|d| vec![in_file(d)])?;
    let quiz =
        Quiz::parse(&source).map_err(|ds| ds.into_iter().map(in_file).collect::<Vec<_>>())?;
    let pictures = quiz.questions.iter().filter_map(|q| q.picture.as_ref());
    let problems = missing_media(pictures, &source, playlist_folder(path));
    if problems.is_empty() {
        Ok(quiz)
    } else {
        Err(problems.into_iter().map(in_file).collect())
    }
}

/// Problems with the media files a document names: missing, outside the folder, too large.
fn missing_media<'a>(
    media_paths: impl Iterator<Item = &'a MediaPath>,
    source: &str,
    folder: &Path,
) -> Vec<Diagnostic> {
    let mut at = SourceLocator::new(source);
    let mut problems = Vec::new();
    for media in media_paths {
        let position = at.string_literal(&media.written);
        let limit = if media.kind() == Some(MediaKind::Vector) {
            MAX_SVG_BYTES
        } else {
            MAX_MEDIA_BYTES
        };
        if let Err(problem) = picture::resolve_media(folder, &media.relative, limit) {
            let d = Diagnostic::new(position, problem.to_string());
            problems.push(match problem {
                PictureError::Unreadable { path, .. } => {
                    d.with_hint(format!("looked for {}", path.display()))
                }
                _ => d,
            });
        }
    }
    problems
}
