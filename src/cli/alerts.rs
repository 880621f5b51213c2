//! `kiosk-player alerts --config FILE --once`: polls the config's alert sources as the player
//! would and says what the screen would do now, for installers trying the real feed.

use super::{load_config, print_problems};
use crate::content::alerts::{AlertStatus, AlertWatch, SharedAlertStatus};
use crate::content::folder::LibraryChange;
use crate::core::alerts::Alert;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub(super) fn alerts(config_path: &Path, once: bool) -> ExitCode {
    let config = match load_config(config_path) {
        Ok(config) => config,
        Err(problems) => {
            print_problems(&problems);
            return ExitCode::FAILURE;
        }
    };
    let Some(alerts) = config.alerts else {
        eprintln!("error: {} has no `alerts` section", config_path.display());
        return ExitCode::FAILURE;
    };
    let status = SharedAlertStatus::default();
    let mut watch = match AlertWatch::new(&alerts, None, status.clone()) {
        Ok(watch) => watch,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut everything = true;
    loop {
        let changes = watch.poll(Instant::now(), everything);
        let Ok(status) = status.lock().map(|s| s.clone()) else {
            return ExitCode::FAILURE;
        };
        if everything || !changes.is_empty() {
            print_state(&status, &changes, alerts.takeover_level());
        }
        if once {
            let none_reached = status.reached.iter().all(|(_, reached)| !reached);
            return if none_reached {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
        everything = false;
        std::thread::sleep(watch.next_due().saturating_duration_since(Instant::now()));
    }
}

fn print_state(status: &AlertStatus, changes: &[LibraryChange], takeover_level: u8) {
    println!("{}", chrono::Local::now().format("%Y-%m-%d %H:%M:%S"));
    for feed in &status.feeds {
        let state = match (&feed.last_error, feed.last_error_at > feed.last_success) {
            (Some(error), true) => format!("error: {error}"),
            _ => "read".to_string(),
        };
        println!(
            "  {}: {state} ({} bytes so far)",
            feed.origin, feed.bytes_downloaded
        );
    }
    println!("  {} documents read", status.documents);
    let line = |alert: &Alert| {
        format!(
            "    level {} {}{} — {} ({} {})",
            alert.level,
            if alert.drill { "[drill] " } else { "" },
            alert.name,
            alert.areas.join("・"),
            alert.office,
            alert.issued.format("%Y-%m-%d %H:%M")
        )
    };
    let screen = &status.screen;
    if screen.takeover.is_empty() {
        println!("The screen: plays as usual (nothing at level {takeover_level} or above).");
    } else {
        println!("The screen: taken over by the warning slide:");
        screen.takeover.iter().for_each(|a| println!("{}", line(a)));
    }
    if screen.ticker.is_empty() {
        println!("The ticker: no warning lines.");
    } else {
        println!("The ticker: (shown where the layout has a ticker)");
        screen.ticker.iter().for_each(|a| println!("{}", line(a)));
    }
    if !changes.is_empty() {
        println!("  ({} change(s) for the player)", changes.len());
    }
}
