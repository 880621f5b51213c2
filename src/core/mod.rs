//! The rules of the player, as pure code: no Bevy, no files, no network, no clock.

pub mod alerts;
pub mod calendar;
pub mod config;
pub mod diagnostic;
pub mod display;
pub mod drawing_limits;
pub mod furigana;
pub mod holidays;
pub mod layout;
pub mod library;
pub mod manifest;
pub mod news;
pub mod phrases;
pub mod pictures;
pub mod play_report;
pub mod playlist;
pub mod quiz;
pub mod quiz_report;
pub mod schedule;
pub mod slideshow;
pub mod staff_exit;
pub mod subtitles;
pub mod ticker;
pub mod touch;
pub mod video;
pub mod web;
