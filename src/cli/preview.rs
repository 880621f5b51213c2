//! `preview`: each slide of a playlist, or each screen of a quiz, drawn to PNG as on screen.

use super::{load_config, print_problems};
use crate::content::folder::TICKER_FILE;
use crate::content::{load_playlist, load_quiz, load_ticker, playlist_folder, read_text};
use crate::core::calendar::Eras;
use crate::core::config::ScreenSize;
use crate::core::diagnostic::document_kind;
use crate::player;
use crate::player::preview::Surroundings;
use std::path::Path;
use std::process::ExitCode;

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
    let mut ticker = match load_ticker(&folder.join(TICKER_FILE)) {
        Ok(messages) => messages,
        Err(problems) if folder.join(TICKER_FILE).exists() => {
            print_problems(&problems);
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    ticker.extend(loaded.ticker.iter().cloned());
    let around = Surroundings {
        layout: loaded.layout.unwrap_or(config.layout),
        eras: Eras::with(&config.eras),
        now: chrono::Local::now().naive_local(),
        ticker,
    };
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
