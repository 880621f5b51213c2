//! `report`: proof of play from play logs, and quiz results per day and per question.

use std::path::PathBuf;
use std::process::ExitCode;

pub(super) fn report(logs: &[PathBuf], csv: bool) -> ExitCode {
    use crate::core::play_report::PlayRecord;
    use crate::core::quiz_report::QuizResult;
    let (mut plays, mut results) = (Vec::new(), Vec::new());
    let mut unreadable = 0;
    for log in logs {
        let text = match std::fs::read_to_string(log) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", log.display());
                return ExitCode::FAILURE;
            }
        };
        for (number, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            // A results log line has answers; anything else should be a play log line.
            if let Ok(result) = serde_json::from_str::<QuizResult>(line) {
                results.push(result);
                continue;
            }
            match serde_json::from_str::<PlayRecord>(line) {
                Ok(record) => plays.push(record),
                Err(error) => {
                    // A line cut by a power failure is expected; say so and carry on.
                    eprintln!("{}:{}: skipped: {error}", log.display(), number + 1);
                    unreadable += 1;
                }
            }
        }
    }
    if !plays.is_empty() {
        print_play_totals(crate::core::play_report::summarise(plays), csv);
    }
    if !results.is_empty() {
        print_quiz_summary(&crate::core::quiz_report::summarise(&results), csv);
    }
    if unreadable > 0 {
        eprintln!("{unreadable} line(s) could not be read and were left out");
    }
    ExitCode::SUCCESS
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn print_play_totals(totals: Vec<crate::core::play_report::PlayTotal>, csv: bool) {
    let minutes = |seconds: f64| seconds / 60.0;
    if csv {
        println!("playlist,title,slide,times_shown,minutes_on_screen");
    } else {
        println!(
            "{:<28} {:>5} {:>8} {:>10}",
            "playlist", "slide", "shown", "minutes"
        );
    }
    for t in &totals {
        let playlist = t.playlist.as_deref().unwrap_or("(idle)");
        let slide = t.slide.map(|s| (s + 1).to_string()).unwrap_or_default();
        if csv {
            let title = quote(t.title.as_deref().unwrap_or(""));
            println!(
                "{},{title},{slide},{},{:.1}",
                quote(playlist),
                t.times_shown,
                minutes(t.seconds_on_screen)
            );
        } else {
            println!(
                "{playlist:<28} {slide:>5} {:>8} {:>10.1}",
                t.times_shown,
                minutes(t.seconds_on_screen)
            );
        }
    }
}

fn print_quiz_summary(summary: &crate::core::quiz_report::QuizSummary, csv: bool) {
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            100.0 * part as f64 / whole as f64
        }
    };
    if csv {
        println!("day,rounds,finished,in_english");
    } else {
        println!(
            "{:<12} {:>7} {:>9} {:>11}",
            "day", "rounds", "finished", "in English"
        );
    }
    for (day, total) in &summary.days {
        if csv {
            println!(
                "{day},{},{},{}",
                total.rounds, total.finished, total.english
            );
        } else {
            println!(
                "{day:<12} {:>7} {:>9} {:>11}",
                total.rounds, total.finished, total.english
            );
        }
    }
    if csv {
        println!("quiz,question,answered,correct_percent");
    } else {
        println!(
            "\n{:<28} {:>8} {:>9} {:>9}",
            "quiz", "question", "answered", "correct"
        );
    }
    for ((quiz, question), total) in &summary.questions {
        let rate = percent(total.correct, total.answered);
        if csv {
            println!(
                "{},{},{},{rate:.0}",
                quote(quiz),
                question + 1,
                total.answered
            );
        } else {
            println!(
                "{quiz:<28} {:>8} {:>9} {rate:>8.0}%",
                question + 1,
                total.answered
            );
        }
    }
}
