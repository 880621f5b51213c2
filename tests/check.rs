//! `kiosk-player check` on real files: every broken file gets a precise message, nothing panics,
//! and the bundled playlists are valid.

use std::path::Path;
use std::process::{Command, Output};

fn check(paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("check")
        .args(paths)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bundled_playlists_and_examples_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists");
    let output = check(&[&root, &root.join("examples")]);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    // Every text of the demo can be read, and every quiz text fits a tablet without a line
    // starting inside a phrase.
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for name in [
        "food-safety.ron",
        "pet-evacuation.ron",
        "emergency-earthquake.ron",
        "food-safety-quiz.ron",
        "pet-evacuation-quiz.ron",
        "after-hours.ron",
    ] {
        assert!(
            stdout.contains(&format!("{name}: ok")),
            "{name} was not checked:\n{stdout}"
        );
    }
}

/// Each case: a file name, its bytes, and what the message must say (with its place).
fn broken_cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let valid = r#"Playlist(title: "t", slides: [Text(title: "a")])"#;
    vec![
        (
            "syntax.ron",
            b"Playlist(\n  title: \"t\"\n  slides: [],\n)".to_vec(),
            "syntax.ron:3:3: expected a comma here",
        ),
        (
            "typo.ron",
            b"Playlist(\n  title: \"t\",\n  slides: [Text(titel: \"a\")],\n)".to_vec(),
            "typo.ron:3:17: unknown field `titel` in `Text`\n  hint: did you mean `title`?",
        ),
        (
            "cut.ron",
            valid.as_bytes()[..30].to_vec(),
            "cut.ron:1:30: the file ends too early",
        ),
        (
            "empty.ron",
            Vec::new(),
            "empty.ron:1:1: this is not a playlist, quiz or config file",
        ),
        (
            "garbage.ron",
            vec![0xFF, 0xFE, 0x00, 0x42, 0x13],
            "garbage.ron:1:1: the file says it is UTF-16 but is not",
        ),
        // Latin-1 café: neither UTF-8 nor Shift-JIS (é is a Shift-JIS lead byte, and " no trail).
        (
            "latin1.ron",
            b"Playlist(title: \"caf\xE9\", slides: [])".to_vec(),
            "latin1.ron:1:21: the file is neither UTF-8 nor Shift-JIS text\n  hint: save it as UTF-8",
        ),
        // Word's smart quotes, and IME's full-width colon.
        (
            "smart.ron",
            "Playlist(title: “食品衛生”, slides: [])".as_bytes().to_vec(),
            "smart.ron:1:17: `“` is a typographic quote\n  hint: use `\"`",
        ),
        (
            "fullwidth.ron",
            "Playlist(\n  title： \"t\", slides: [])".as_bytes().to_vec(),
            "fullwidth.ron:2:8: `：` is a full-width colon\n  hint: use `:`",
        ),
        (
            "huge.ron",
            vec![b' '; 2 * 1024 * 1024],
            "huge.ron:1:1: the file is 2097152 bytes; files of this kind are at most 1048576 bytes",
        ),
        (
            "missing.ron",
            br#"Playlist(title: "t", slides: [Image(file: "media/none.jpg")])"#.to_vec(),
            "missing.ron:1:44: cannot read",
        ),
        (
            "escape.ron",
            br#"Playlist(title: "t", slides: [Image(file: "../x.jpg")])"#.to_vec(),
            "escape.ron:1:44: `../x.jpg` points outside the playlists folder",
        ),
        (
            "deep.ron",
            format!("Playlist(title: {}1{})", "[".repeat(500), "]".repeat(500)).into_bytes(),
            "deep.ron:1:",
        ),
        (
            "config.ron",
            b"Config(\n  playlist: \"x\",\n)".to_vec(),
            "config.ron:2:3: unknown field `playlist`",
        ),
        (
            "alerts.ron",
            b"Config(\n  sources: [Http(url: \"https://x.example/m.ron\", poll_seconds: 60)],\n  alerts: (jma: (feeds: \"https://www.data.jma.go.jp/developer/xml/feed/\",\n    areas: [\"1410000\"], poll_seconds: 10)),\n)".to_vec(),
            "alerts.ron:4:25: JMA's feeds may be polled once a minute at most",
        ),
        (
            "feed.ron",
            b"Playlist(title: \"t\", slides: [\n  Feed(url: \"https://example.org/rss.xml\", items: 11),\n])".to_vec(),
            "feed.ron:2:44: `items` must be between 1 and 10",
        ),
        (
            "feed-url.ron",
            b"Playlist(title: \"t\", slides: [Feed(url: \"https://\")])".to_vec(),
            "feed-url.ron:1:42: `https://` is not a web address",
        ),
        (
            "alerts-field.ron",
            b"Config(\n  alerts: (jma: (feed: \"https://x.example/\")),\n)".to_vec(),
            "alerts-field.ron:2:18: unknown field `feed`",
        ),
    ]
}

#[test]
fn files_as_japanese_windows_saves_them_are_read_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let playlist = "Playlist(title: \"食品衛生\", slides: [Text(title: \"手洗い①\")])\r\n";
    // Notepad's "ANSI" and Excel: Shift-JIS (CP932, with its circled digits).
    let sjis = dir.path().join("sjis.ron");
    std::fs::write(&sjis, encoding_rs::SHIFT_JIS.encode(playlist).0).unwrap();
    // Notepad's "Unicode": UTF-16 with its byte-order mark.
    let utf16 = dir.path().join("utf16.ron");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(playlist.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let ticker = dir.path().join("ticker.txt");
    std::fs::write(
        &ticker,
        encoding_rs::SHIFT_JIS.encode("本日は休館日です\r\n").0,
    )
    .unwrap();
    let output = check(&[&sjis, &utf16, &ticker]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("sjis.ron: ok (read as Shift-JIS)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("utf16.ron: ok (read as UTF-16)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ticker.txt: ok (read as Shift-JIS)"),
        "{stdout}"
    );
    // What the player shows is the text itself, not mojibake: the same as from UTF-8.
    let utf8 = dir.path().join("utf8.ron");
    std::fs::write(&utf8, playlist).unwrap();
    let drawn = |file: &Path| {
        let out = dir.path().join(file.file_stem().unwrap());
        let preview = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .arg("preview")
            .arg(file)
            .arg("--out")
            .arg(&out)
            .env("XDG_RUNTIME_DIR", dir.path())
            .output()
            .unwrap();
        assert!(preview.status.success(), "{}", stderr(&preview));
        let png = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        image::open(png).unwrap().to_rgba8()
    };
    assert!(
        drawn(&sjis) == drawn(&utf8),
        "Shift-JIS drew other text than UTF-8"
    );
}

#[test]
fn broken_files_give_file_line_column_messages_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, expected) in broken_cases() {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = check(&[&path]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let message = stderr(&output);
        let expected = format!("{}/{expected}", dir.path().display());
        assert!(
            message.contains(&expected),
            "{name}: expected\n{expected}\ngot\n{message}"
        );
    }
}

#[test]
fn every_problem_in_a_folder_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, _) in broken_cases() {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::write(
        dir.path().join("good.ron"),
        r#"Playlist(title: "t", slides: [Text(title: "a")])"#,
    )
    .unwrap();
    let output = check(&[dir.path()]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("good.ron: ok"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{} file(s) checked, {} with problems",
            broken_cases().len() + 1,
            broken_cases().len()
        )),
        "{stdout}"
    );
}

#[test]
fn media_names_are_found_as_windows_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let photo = image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 10]));
    for name in ["kitchen.jpg", "Photo.jpg", "photo.JPG"] {
        photo
            .save_with_format(media.join(name), image::ImageFormat::Jpeg)
            .unwrap();
    }
    let found = dir.path().join("found.ron");
    // As typed on Windows: another case and backslashes, and the whole path in full width.
    std::fs::write(
        &found,
        r#"Playlist(title: "t", slides: [Image(file: "Media\\Kitchen.JPG"), Image(file: "ｍｅｄｉａ/ｋｉｔｃｈｅｎ.jpg")])"#,
    )
    .unwrap();
    let output = check(&[&found]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("slide 1: `Media\\Kitchen.JPG` is found as `media/kitchen.jpg`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("slide 2: `ｍｅｄｉａ/ｋｉｔｃｈｅｎ.jpg` is found as"),
        "{stdout}"
    );
    // Two files Windows could not tell apart, and one that is not there.
    let unclear = dir.path().join("unclear.ron");
    std::fs::write(
        &unclear,
        r#"Playlist(title: "t", slides: [Image(file: "media/PHOTO.jpg"), Image(file: "media/kitchen.jpeg")])"#,
    )
    .unwrap();
    let output = check(&[&unclear]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("could be any of `Photo.jpg`, `photo.JPG`"),
        "{message}"
    );
    assert!(
        message.contains("the closest name is `kitchen.jpg`"),
        "{message}"
    );
}

#[test]
fn damaged_and_escaping_media_are_found_by_decoding_them() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let photo = image::RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 10]));
    photo.save(media.join("whole.jpg")).unwrap();
    let bytes = std::fs::read(media.join("whole.jpg")).unwrap();
    std::fs::write(media.join("half.jpg"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(media.join("poster.svg"), "<svg><rect").unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), b"x").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.png"), media.join("link.png")).unwrap();
    let playlist = dir.path().join("p.ron");
    std::fs::write(
        &playlist,
        r#"Playlist(title: "t", slides: [
    Image(file: "media/whole.jpg"),
    Image(file: "media/half.jpg"),
    Poster(file: "media/poster.svg"),
    Image(file: "media/link.png"),
])"#,
    )
    .unwrap();
    let output = check(&[&playlist]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("p.ron:5:18: ")
            && message.contains("link.png is outside the content folder"),
        "{message}"
    );
    // With the link fixed, decoding finds the damaged files.
    std::fs::remove_file(media.join("link.png")).unwrap();
    std::fs::copy(media.join("whole.jpg"), media.join("link.png")).unwrap();
    let message = stderr(&check(&[&playlist]));
    assert!(
        message.contains("slide 2: ") && message.contains("half.jpg is not a readable picture"),
        "{message}"
    );
    assert!(
        message.contains("slide 3: ") && message.contains("poster.svg is not a readable picture"),
        "{message}"
    );
    assert!(
        !message.contains("slide 1:") && !message.contains("slide 4:"),
        "{message}"
    );
}

#[test]
fn a_playlist_named_without_its_folder_finds_its_media() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
        .save(dir.path().join("media/a.png"))
        .unwrap();
    std::fs::write(
        dir.path().join("p.ron"),
        r#"Playlist(title: "t", slides: [Image(file: "media/a.png")])"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .current_dir(dir.path())
        .args(["check", "p.ron"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn faint_text_and_quiz_text_too_long_for_a_tablet_are_warned_of_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let faint = dir.path().join("faint.ron");
    std::fs::write(
        &faint,
        "Playlist(title: \"t\", slides: [\n    Text(title: \"見出し\", body: \"本文\", color: \"#AAAAAA\", background: \"#FFFFFF\"),\n    Text(title: \"読める\", body: \"本文\"),\n])",
    )
    .unwrap();
    let long = "とても長い答えです".repeat(25);
    let quiz = dir.path().join("quiz.ron");
    std::fs::write(
        &quiz,
        format!(
            "Quiz(title: \"t\", questions: [(\n    question: \"どれ？\",\n    choices: [(ja: \"はい\"), (ja: \"{long}\")],\n    answer: 1,\n    explanation: \"せつめい\",\n)])"
        ),
    )
    .unwrap();
    let output = check(&[&faint, &quiz]);
    let said = stderr(&output);
    // Warnings: the files still pass.
    assert!(output.status.success(), "{said}");
    let warnings: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 2, "{said}");
    assert!(
        warnings[0].ends_with(
            "faint.ron:2:18: #AAAAAA on #FFFFFF has a contrast of 2.3:1, below the 4.5:1 text needs to be read (WCAG 2.x)"
        ),
        "{said}"
    );
    assert!(
        warnings[1].ends_with(
            "quiz.ron:3:33: does not fit on a 1280×800 or 800×1280 tablet even in the smallest type"
        ),
        "{said}"
    );
    // Unless they must not pass.
    let strict = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .args(["check", "--strict"])
        .arg(&faint)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn body_text_too_small_to_read_from_the_configs_viewing_distance_is_warned_of_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let playlist = dir.path().join("p.ron");
    std::fs::write(
        &playlist,
        "Playlist(title: \"t\", slides: [\n    Text(title: \"手洗い\", body: \"石けんで30秒\"),\n])",
    )
    .unwrap();
    // From the default 3 m, the body's 60 px read (34 px would do).
    let near = check(&[&playlist]);
    assert!(near.status.success(), "{}", stderr(&near));
    assert!(!stderr(&near).contains("warning"), "{}", stderr(&near));
    // From 6 m they do not: the device config checked with it says where visitors stand.
    let config = dir.path().join("kiosk.ron");
    std::fs::write(&config, "Config(viewing_distance_m: 6, screen_inches: 50)").unwrap();
    let far = check(&[&config, &playlist]);
    let said = stderr(&far);
    assert!(far.status.success(), "warnings only: {said}");
    let warnings: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 1, "{said}");
    assert!(
        warnings[0].ends_with(
            "p.ron:2:31: the body is set 60 px tall on a 1920×1080 screen; read from 6 m on a \
             50-inch screen it needs 67 px (characters 20′ of arc tall, ISO 9241-3)"
        ),
        "{said}"
    );
    // A distance no screen is read from is refused at its line.
    std::fs::write(&config, "Config(\n  viewing_distance_m: 0,\n)").unwrap();
    let wrong = check(&[&config]);
    assert_eq!(wrong.status.code(), Some(1));
    let said = String::from_utf8_lossy(&wrong.stdout).into_owned() + &stderr(&wrong);
    assert!(
        said.contains("kiosk.ron:2:3: `viewing_distance_m` must be between 0.3 and 100 metres"),
        "{said}"
    );
}

#[test]
fn a_quiz_word_wider_than_its_place_on_a_tablet_is_warned_of_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let quiz = dir.path().join("quiz.ron");
    // One word, no phrase to break it at: wider than a choice even a little smaller.
    std::fs::write(
        &quiz,
        "Quiz(title: \"t\", questions: [(\n    question: \"どれ？\",\n    choices: [(ja: \"はい\"), (ja: \"Pneumonoultramicroscopicsilicovolcanoconiosis\")],\n    answer: 1,\n    explanation: \"せつめい\",\n)])",
    )
    .unwrap();
    let output = check(&[&quiz]);
    let said = stderr(&output);
    assert!(output.status.success(), "warnings only: {said}");
    let warnings: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    // Said once, at the choice, though the feedback screen shows the word too.
    assert_eq!(warnings.len(), 1, "{said}");
    assert!(
        warnings[0].ends_with(
            "quiz.ron:3:33: breaks a line inside a word on a 1280×800 or 800×1280 tablet: a word \
             is wider than its place"
        ),
        "{said}"
    );
}
