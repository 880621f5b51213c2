//! `preview`: each slide of a playlist, or each screen of a quiz, drawn to PNG as on screen.

use super::{load_config, print_problems};
use crate::content::folder::LibraryChange;
use crate::content::folder::TICKER_FILE;
use crate::content::news::{NewsWatch, SharedNewsStatus};
use crate::content::web::{SharedWebStatus, WantedPages, WebWatch, page_seconds};
use crate::content::{load_playlist, load_quiz, load_ticker, playlist_folder, read_text};
use crate::core::calendar::Eras;
use crate::core::config::ScreenSize;
use crate::core::diagnostic::document_kind;
use crate::core::library::{Library, Programme};
use crate::core::playlist::Playlist;
use crate::player;
use crate::player::preview::Surroundings;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub(super) fn preview(
    playlist: &Path,
    out: &Path,
    size: ScreenSize,
    config: Option<&Path>,
) -> ExitCode {
    let config = match config.map(load_config).transpose() {
        Ok(config) => config.unwrap_or_default(),
        Err(problems) => {
            print_problems(&problems);
            return ExitCode::FAILURE;
        }
    };
    let folder = playlist_folder(playlist);
    let is_quiz = read_text(playlist, crate::core::playlist::MAX_PLAYLIST_BYTES)
        .is_ok_and(|source| document_kind(&source) == Some("Quiz"));
    if is_quiz {
        let quiz = match load_quiz(playlist) {
            Ok(quiz) => quiz,
            Err(problems) => {
                print_problems(&problems);
                return ExitCode::FAILURE;
            }
        };
        return match player::preview::render_quiz(&quiz, folder, out, size) {
            Ok(files) => {
                for file in &files {
                    println!("{}", file.display());
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let loaded = match load_playlist(playlist) {
        Ok(p) => p,
        Err(problems) => {
            print_problems(&problems);
            return ExitCode::FAILURE;
        }
    };
    // The ticker as the player would show it with this playlist: ticker.txt beside it first.
    let ticker_file = match load_ticker(&folder.join(TICKER_FILE)) {
        Ok(messages) => messages,
        Err(problems) if folder.join(TICKER_FILE).exists() => {
            print_problems(&problems);
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    let layout = loaded.layout.unwrap_or(config.layout);
    let main = layout.regions(size.width, size.height).main;
    let scratch = tempfile::tempdir();
    let snapshots = match &scratch {
        Ok(scratch) => Some(Snapshots {
            folder: scratch.path(),
            size: (main.width, main.height),
        }),
        Err(error) => {
            eprintln!("warning: no scratch folder for web pages' snapshots: {error}");
            None
        }
    };
    let (shown, ticker) = with_news(loaded, folder, ticker_file, snapshots);
    let around = Surroundings {
        layout,
        eras: Eras::with(&config.eras),
        now: chrono::Local::now().naive_local(),
        ticker,
    };
    let loaded = shown;
    match player::preview::render_playlist(&loaded, folder, out, size, &around) {
        Ok(files) => {
            for file in &files {
                println!("{}", file.display());
            }
            if files.len() == loaded.slides.len() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where `preview` keeps the snapshots of web pages, and their size.
struct Snapshots<'a> {
    folder: &'a Path,
    size: (u32, u32),
}

/// The playlist and ticker as the player shows them: each news feed of its `Feed` slides and
/// ticker lines read once, and each page of its `Web` slides taken once at the slide's size
/// (kept in a scratch folder).
fn with_news(
    playlist: Playlist,
    folder: &Path,
    ticker_file: Vec<String>,
    snapshots: Option<Snapshots>,
) -> (Playlist, Vec<String>) {
    const ID: &str = "preview";
    let mut library = Library::default();
    library.insert(ID.into(), playlist, folder);
    library.set_ticker(TICKER_FILE.into(), ticker_file);
    let feeds = library.news_feeds();
    if !feeds.is_empty() {
        let status = SharedNewsStatus::default();
        match NewsWatch::new(None, status.clone(), Duration::from_secs(300)) {
            Ok(mut watch) => {
                watch.follow(&feeds);
                for change in watch.poll(Instant::now()) {
                    if let LibraryChange::News { address, news } = change {
                        library.set_news(address, news);
                    }
                }
                for feed in status.lock().map(|s| s.clone()).unwrap_or_default() {
                    if let Some(error) = feed.last_error {
                        eprintln!("warning: {error}");
                    }
                }
            }
            Err(error) => eprintln!("warning: {error}"),
        }
    }
    let pages = library.web_pages();
    if let Some(Snapshots { folder, size }) = snapshots.filter(|_| !pages.is_empty()) {
        let status = SharedWebStatus::default();
        match WebWatch::new(folder.into(), page_seconds(), status.clone()) {
            Ok(mut watch) => {
                watch.follow(&WantedPages { pages, size });
                for change in watch.poll(Instant::now()) {
                    if let LibraryChange::Snapshot { page, snapshot } = change {
                        library.set_snapshot(page, snapshot);
                    }
                }
                for page in status.lock().map(|s| s.clone()).unwrap_or_default() {
                    if let Some(error) = page.source.last_error {
                        eprintln!("warning: {error}");
                    }
                }
            }
            Err(error) => eprintln!("warning: {error}"),
        }
    }
    let programme = Programme {
        emergency: false,
        playlists: vec![ID.into()],
    };
    let ticker = library.ticker_messages(&programme);
    let shown = library.get(ID).expect("the playlist was inserted above");
    ((*shown.playlist).clone(), ticker)
}
