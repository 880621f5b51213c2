//! kiosk-player: a fullscreen digital-signage player. See ARCHITECTURE.md for the map.

pub mod cli;
pub mod compose;
pub mod content;
pub mod core;
pub mod crash_guard;
pub mod panel_switch;
pub mod player;
pub mod presentation;
pub mod rotating_log;
pub mod status;
pub mod video;
