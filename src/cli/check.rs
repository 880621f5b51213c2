//! `check`: every problem of playlist, quiz and config files as `file:line:column`, with the
//! player's own decoders and layout; and, as warnings, text too faint to read, body text too small
//! to read from the config's viewing distance, and quiz texts that do not fit a tablet.

use super::{load_config, print_problems};
use crate::compose::{BodySizes, KANJI_HEIGHT, capital_height};
use crate::content::{load_closed_days, load_playlist, playlist_folder, read_text_noting_encoding};
use crate::core::diagnostic::{Diagnostic, document_kind};
use crate::core::legibility::Viewing;
use crate::core::library::Library;
use crate::core::playlist::{MAX_PLAYLIST_BYTES, Playlist, Slide};
use crate::core::quiz::{Language, Quiz, QuizMachine, Tap};
use chrono::{Local, NaiveDateTime};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn check(paths: &[PathBuf], strict: bool) -> ExitCode {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match crate::content::folder::content_files(path) {
                Ok(found) => files.extend(found),
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    // Body text is held to the viewing distance of the device config checked with the playlists.
    let viewing = files
        .iter()
        .filter(|file| {
            read_text_noting_encoding(file, MAX_PLAYLIST_BYTES)
                .is_ok_and(|(source, _)| document_kind(&source) == Some("Config"))
        })
        .find_map(|file| load_config(file).ok())
        .map(|config| config.viewing())
        .unwrap_or_default();
    let mut failed = 0;
    let mut library = Library::default();
    for file in &files {
        let (problems, warnings, encoding) = check_file(file, viewing);
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        if problems.is_empty() && (warnings.is_empty() || !strict) {
            // Said once: the player reads it the same way.
            match encoding {
                Some(encoding) => println!("{}: ok (read as {encoding})", file.display()),
                None => println!("{}: ok", file.display()),
            }
            add_to(&mut library, file);
        } else {
            failed += 1;
            print_problems(&problems);
        }
    }
    print_next_plays(&library, Local::now().naive_local());
    if files.is_empty() {
        eprintln!(
            "error: no playlist files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::FAILURE;
    }
    println!("{} file(s) checked, {failed} with problems", files.len());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The file's problems, its warnings, and the encoding it was read as when not UTF-8.
fn check_file(
    file: &Path,
    viewing: Viewing,
) -> (Vec<Diagnostic>, Vec<Diagnostic>, Option<&'static str>) {
    if crate::content::folder::is_ticker(file) {
        return match crate::content::load_ticker(file) {
            Err(problems) => (problems, Vec::new(), None),
            Ok(_) => (Vec::new(), Vec::new(), encoding_of(file)),
        };
    }
    let (source, encoding) = match read_text_noting_encoding(file, MAX_PLAYLIST_BYTES) {
        Ok(read) => read,
        Err(problem) => return (vec![problem.in_file(file)], Vec::new(), None),
    };
    let mut warnings = Vec::new();
    let problems = match document_kind(&source) {
        Some("Config") => load_config(file).err().unwrap_or_default(),
        Some("Quiz") => match crate::content::load_quiz(file) {
            Ok(quiz) => {
                warnings = quiz_texts_that_do_not_fit(&quiz, &source, file);
                Vec::new()
            }
            Err(problems) => problems,
        },
        Some("ClosedDays") => load_closed_days(file).err().unwrap_or_default(),
        Some("Playlist") => {
            let mut pictures = crate::content::PictureChecks::default();
            match crate::content::load_playlist_checking(file, &mut pictures) {
                Err(problems) => problems,
                // The player would skip slides whose media cannot be drawn, and leave out the
                // pictures of its folders that cannot be shown; say so now instead.
                Ok(playlist) => {
                    warnings = crate::content::faint_texts(&playlist, &source, file);
                    let left_out = pictures.unshowable.into_iter().map(|(_, reason)| {
                        Diagnostic::new(
                            crate::core::diagnostic::Position::START,
                            format!("left out of its folder's slides: {reason}"),
                        )
                        .in_file(file)
                    });
                    let mut body_sizes = Vec::new();
                    let problems = left_out
                        .chain(media_problems(&playlist, file, &mut body_sizes))
                        .collect();
                    warnings.extend(small_bodies(&playlist, &body_sizes, viewing, &source, file));
                    problems
                }
            }
        }
        other => vec![
            Diagnostic::new(
                crate::core::diagnostic::Position::START,
                format!(
                    "this is not a playlist, quiz or config file (it starts with `{}`)",
                    other.unwrap_or("")
                ),
            )
            .with_hint("a playlist starts with `Playlist(`, a quiz with `Quiz(`, a device config with `Config(`, an office's closed days with `ClosedDays(`")
            .in_file(file),
        ],
    };
    (problems, warnings, encoding)
}

/// The tablet sizes `check` lays quiz screens out at, as the README names them.
const TABLETS: [(u32, u32); 2] = [(1280, 800), (800, 1280)];

/// Quiz texts that do not fit their place on a tablet even at the smallest size, or fit only by
/// breaking a line inside a phrase, found by composing every question's screens, in Japanese
/// and English, at each tablet size.
fn quiz_texts_that_do_not_fit(quiz: &Quiz, source: &str, file: &Path) -> Vec<Diagnostic> {
    let folder = playlist_folder(file);
    let mut composer = crate::compose::Composer::default();
    // Each text, whether it overflows (else it breaks a phrase), and the sizes where, in the
    // order found.
    let mut found: Vec<(String, bool, Vec<String>)> = Vec::new();
    for (width, height) in TABLETS {
        for question in &quiz.questions {
            for language in [Language::Ja, Language::En] {
                let one = Quiz {
                    shuffle: false,
                    questions_per_round: None,
                    pass_mark: None,
                    questions: vec![question.clone()],
                    ..quiz.clone()
                };
                let mut machine = QuizMachine::new(one, 0);
                if language == Language::En {
                    machine.tap(Tap::ToggleLanguage, 0.0);
                }
                machine.tap(Tap::Start, 1.0);
                let asking = composer.quiz_screen(&machine, folder, width, height);
                let wrong = usize::from(question.answer == 1);
                machine.tap(Tap::Choice(wrong), 2.0);
                let feedback = composer.quiz_screen(&machine, folder, width, height);
                let overflowing = asking.overflowing.into_iter().chain(feedback.overflowing);
                let broken = asking
                    .broken_phrases
                    .into_iter()
                    .chain(feedback.broken_phrases);
                let texts = overflowing
                    .map(|t| (t, true))
                    .chain(broken.map(|t| (t, false)));
                for (text, overflows) in texts {
                    let size = format!("{width}×{height}");
                    match found
                        .iter_mut()
                        .find(|(t, o, _)| *t == text && *o == overflows)
                    {
                        Some((_, _, sizes)) if !sizes.contains(&size) => sizes.push(size),
                        Some(_) => {}
                        None => found.push((text, overflows, vec![size])),
                    }
                }
            }
        }
    }
    let mut at = crate::core::diagnostic::SourceLocator::new(source);
    found
        .into_iter()
        .map(|(text, overflows, sizes)| {
            let sizes = sizes.join(" or ");
            let position = at.string_literal(&text);
            match overflows {
                true => Diagnostic::new(
                    position,
                    format!("does not fit on a {sizes} tablet even in the smallest type"),
                )
                .with_hint("shorten it: one short sentence reads best on a tablet"),
                false => Diagnostic::new(
                    position,
                    format!(
                        "breaks a line inside a word on a {sizes} tablet: a word is wider than \
                         its place"
                    ),
                )
                .with_hint("use a shorter word, or split the long one with a space"),
            }
            .in_file(file)
        })
        .collect()
}

/// The encoding a readable file is in, when not UTF-8.
fn encoding_of(file: &Path) -> Option<&'static str> {
    read_text_noting_encoding(file, MAX_PLAYLIST_BYTES)
        .ok()
        .and_then(|(_, encoding)| encoding)
}

/// Adds a good playlist or closed-days file to `library`, to tell when each playlist plays.
fn add_to(library: &mut Library, file: &Path) {
    let id = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if let Ok(playlist) = load_playlist(file) {
        library.insert(id, playlist, playlist_folder(file));
    } else if let Ok(days) = load_closed_days(file) {
        library.set_closed_days(id, days);
    }
}

/// When each playlist is next on screen, by the schedules, priorities and closed days checked.
fn print_next_plays(library: &Library, now: NaiveDateTime) {
    let next = library.next_plays(now);
    for (id, entry) in library.entries() {
        let when = match next.get(id) {
            Some(at) if *at == now => "playing now".to_string(),
            Some(at) => format!("next: {}", at.format("%Y-%m-%d %H:%M")),
            None => format!(
                "does not play in the next {} days (its schedule, or a playlist of higher priority)",
                crate::core::library::NEXT_PLAY_HORIZON_DAYS
            ),
        };
        println!("{id} (\"{}\"): {when}", entry.playlist.title);
    }
}

/// Text slides' bodies set smaller than can be read from where visitors stand, at their body's
/// line:col; `body_sizes` are the sizes each text slide's body was set at on a 1920×1080 screen.
fn small_bodies(
    playlist: &Playlist,
    body_sizes: &[(usize, BodySizes)],
    viewing: Viewing,
    source: &str,
    file: &Path,
) -> Vec<Diagnostic> {
    let mut at = crate::core::diagnostic::SourceLocator::new(source);
    let mut warnings = Vec::new();
    for (index, slide) in playlist.slides.iter().enumerate() {
        let Slide::Text(text) = slide else { continue };
        let Some((_, sizes)) = body_sizes.iter().find(|(i, _)| *i == index) else {
            continue;
        };
        let bodies = [
            (&text.body, sizes.body, "the body", KANJI_HEIGHT),
            (
                &text.body_en,
                sizes.body_en,
                "the English body",
                capital_height(),
            ),
        ];
        for (written, size, what, character_height) in bodies {
            let (Some(written), Some(size)) = (written, size) else {
                continue;
            };
            let position = at.string_literal(written);
            if let Some(problem) = viewing.too_small(what, f64::from(size), character_height) {
                warnings.push(
                    Diagnostic::new(position, problem)
                        .with_hint("shorten the text (it was made smaller to fit), or split the slide in two")
                        .in_file(file),
                );
            }
        }
    }
    warnings
}

/// Decodes every picture of a playlist with the player's own decoder, so a damaged photo is found
/// by `check` rather than skipped on screen; notes the sizes each text slide's body is set at on a
/// 1920×1080 screen in `body_sizes`.
fn media_problems(
    playlist: &Playlist,
    file: &Path,
    body_sizes: &mut Vec<(usize, BodySizes)>,
) -> Vec<Diagnostic> {
    let folder = playlist_folder(file);
    let mut composer = crate::compose::Composer::default();
    let mut problems = Vec::new();
    for (index, slide) in playlist.slides.iter().enumerate() {
        for media in slide.media() {
            if !folder.join(&media.relative).exists()
                && let Ok(found) =
                    crate::compose::picture::resolve_media(folder, &media.relative, u64::MAX)
            {
                println!(
                    "{}: slide {}: `{}` is found as `{}` (as Windows would: its name differs in \
                     case or width)",
                    file.display(),
                    index + 1,
                    media.written,
                    found
                        .strip_prefix(folder.canonicalize().unwrap_or_default())
                        .unwrap_or(&found)
                        .display()
                );
            }
        }
        if let Slide::Video(video) = slide {
            match crate::content::load_subtitles(folder, video) {
                Ok(Some(subtitles)) => println!(
                    "{}: slide {}: {}: {} subtitles{}",
                    file.display(),
                    index + 1,
                    subtitles.file.display(),
                    subtitles.cues.len(),
                    subtitles
                        .encoding
                        .map(|e| format!(", read as {e}"))
                        .unwrap_or_default()
                ),
                Ok(None) => {}
                Err(found) => problems.extend(found),
            }
            if let Err(problem) = probe_video(video, folder, file, index) {
                problems.push(slide_problem(file, index, problem));
                continue;
            }
        }
        // A feed's items and a page's snapshot come while the player runs: a feed slide is laid
        // out with its title alone, and a page needs Chromium.
        let feed;
        let slide = match slide {
            Slide::Feed(slide) => {
                feed = Slide::Text(crate::core::news::feed_slide(slide, None));
                &feed
            }
            Slide::Web(_) => {
                if crate::compose::web_page::chromium().is_none() {
                    let problem = crate::compose::web_page::NO_CHROMIUM.to_string();
                    problems.push(slide_problem(file, index, problem));
                }
                continue;
            }
            _ => slide,
        };
        for (width, height) in [(1920, 1080), (1080, 1920)] {
            match composer.slide(slide, folder, width, height) {
                Ok(picture) => {
                    if width == 1920 {
                        body_sizes.push((index, composer.body_sizes()));
                    }
                    for warning in picture.warnings {
                        problems.push(slide_problem(
                            file,
                            index,
                            format!("on a {width}×{height} screen, {warning}"),
                        ));
                    }
                }
                Err(error) => {
                    problems.push(slide_problem(file, index, error.to_string()));
                    break;
                }
            }
        }
    }
    problems
}

/// Opens a video slide's file as the player would, and says what it holds.
fn probe_video(
    video: &crate::core::playlist::VideoSlide,
    folder: &Path,
    file: &Path,
    index: usize,
) -> Result<(), String> {
    let path = crate::compose::picture::resolve_media(
        folder,
        &video.file.relative,
        crate::video::MAX_VIDEO_BYTES,
    )
    .map_err(|e| e.to_string())?;
    let opened = crate::compose::media_process::open_video(
        &path,
        crate::core::video::DecoderChoice::Auto,
        std::sync::Arc::new(|| {}),
        Default::default(),
        &Default::default(),
    )
    .map_err(|e| format!("{}: {e}", video.file.written))?;
    let seconds =
        crate::core::video::video_slide_seconds(video.seconds, video.loops, &opened.facts)
            .map_err(|e| format!("{}: {e}", video.file.written))?;
    println!(
        "{}: slide {}: {}: {}; the slide lasts {}",
        file.display(),
        index + 1,
        video.file.written,
        crate::video::summary(&opened.facts, &opened.description),
        crate::core::video::clock_text(seconds)
    );
    if let Some(advice) = crate::video::advice(&opened.facts, &opened.description) {
        println!("{}: slide {}: {advice}", file.display(), index + 1);
    }
    Ok(())
}

fn slide_problem(file: &Path, index: usize, message: String) -> Diagnostic {
    Diagnostic::new(
        crate::core::diagnostic::Position::START,
        format!("slide {}: {message}", index + 1),
    )
    .in_file(file)
}
