//! `kiosk-player report` on play logs as the player writes them, rotated files and a line cut by
//! a power failure included.

use std::process::Command;

#[test]
fn report_totals_each_playlist_and_slide_across_rotated_logs() {
    let dir = tempfile::tempdir().unwrap();
    let line = |time: &str, playlist: &str, slide: usize| {
        format!(
            r#"{{"kind":"text","playlist":"{playlist}","slide":{slide},"time":"2026-11-24T{time}.000+09:00","title":"{playlist}"}}"#
        )
    };
    let older = [
        line("09:00:00", "food-safety.ron", 0),
        line("09:00:12", "food-safety.ron", 1),
    ]
    .join("\n")
        + "\n";
    let newer = [
        line("09:00:24", "food-safety.ron", 0),
        line("09:00:36", "pet-evacuation.ron", 0),
        r#"{"kind":"idle","playlist":null,"slide":null,"time":"2026-11-24T09:00:51.000+09:00","title":null}"#.to_string(),
        r#"{"kind":"text","playlist":"pet-"#.to_string(),
    ]
    .join("\n");
    std::fs::write(dir.path().join("play.jsonl.1"), older).unwrap();
    std::fs::write(dir.path().join("play.jsonl"), newer).unwrap();
    let run = |csv: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk-player"));
        command
            .arg("report")
            .arg(dir.path().join("play.jsonl"))
            .arg(dir.path().join("play.jsonl.1"));
        if csv {
            command.arg("--csv");
        }
        command.output().unwrap()
    };
    let output = run(true);
    assert!(output.status.success());
    let csv = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        csv,
        "playlist,title,slide,times_shown,minutes_on_screen\n\
         \"food-safety.ron\",\"food-safety.ron\",1,2,0.4\n\
         \"food-safety.ron\",\"food-safety.ron\",2,1,0.2\n\
         \"pet-evacuation.ron\",\"pet-evacuation.ron\",1,1,0.2\n\
         \"(idle)\",\"\",,1,0.0\n"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("play.jsonl:4: skipped"),
        "the cut line is reported"
    );
    let table = String::from_utf8(run(false).stdout).unwrap();
    assert!(
        table.lines().nth(1).unwrap().starts_with("food-safety.ron"),
        "{table}"
    );
}

#[test]
fn report_summarises_quiz_rounds_per_day_and_answers_per_question() {
    let dir = tempfile::tempdir().unwrap();
    let round = |time: &str, language: &str, finished: bool, answers: &str| {
        format!(
            r#"{{"time":"2026-11-{time}+09:00","quiz":"food-safety-quiz.ron","language":"{language}","answers":[{answers}],"score":0,"questions":2,"finished":{finished},"seconds":30.5}}"#
        )
    };
    let log = [
        round(
            "24T10:00:00",
            "ja",
            true,
            r#"{"question":0,"chosen":0,"correct":true},{"question":3,"chosen":1,"correct":false}"#,
        ),
        round(
            "24T10:05:00",
            "en",
            false,
            r#"{"question":0,"chosen":2,"correct":false}"#,
        ),
        round(
            "25T14:00:00",
            "ja",
            true,
            r#"{"question":0,"chosen":0,"correct":true},{"question":3,"chosen":0,"correct":true}"#,
        ),
    ]
    .join("\n");
    std::fs::write(dir.path().join("results.jsonl"), log).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("report")
        .arg(dir.path().join("results.jsonl"))
        .arg("--csv")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "day,rounds,finished,in_english\n\
         2026-11-24,2,1,1\n\
         2026-11-25,1,1,0\n\
         quiz,question,answered,correct_percent\n\
         \"food-safety-quiz.ron\",1,3,67\n\
         \"food-safety-quiz.ron\",4,2,50\n"
    );
}
