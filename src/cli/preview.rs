//! `preview`: each slide of a playlist, or each screen of a quiz, drawn to PNG as on screen.

use super::print_problems;
use crate::content::{load_playlist, load_quiz, playlist_folder, read_text};
use crate::core::config::ScreenSize;
use crate::core::diagnostic::document_kind;
use crate::player;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn preview(playlist: &Path, out: &Path, size: ScreenSize) -> ExitCode {
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
    match player::preview::render_playlist(&loaded, folder, out, size) {
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
