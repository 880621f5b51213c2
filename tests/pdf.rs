//! PDF slides and folders of pictures: `preview` and `check` on PDFs an office tool made
//! (tests/fixtures/pdf), and the real player showing a PDF dropped into a folder, each drawn by
//! the real renderer and its pixels checked.

mod common;

use common::display::{spawn_with_status, start_xvfb, status, wait_for};
use image::RgbaImage;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf")
}

/// A content folder with the fixtures in `media/` and a playlist of `slides`.
fn content(slides: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    for name in [
        "poster.pdf",
        "no-embedded-font.pdf",
        "damaged.pdf",
        "encrypted.pdf",
    ] {
        std::fs::copy(fixtures().join(name), media.join(name)).unwrap();
    }
    std::fs::write(
        dir.path().join("pdf.ron"),
        format!(r#"Playlist(title: "pdf", slides: [{slides}])"#),
    )
    .unwrap();
    dir
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The slides drawn, what preview said, and whether it drew every slide.
fn preview(dir: &Path, size: &str) -> (Vec<RgbaImage>, String, bool) {
    let out = dir.join(format!("out-{size}"));
    let output = run(&[
        "preview".as_ref(),
        dir.join("pdf.ron").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--size".as_ref(),
        size.as_ref(),
    ]);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let slides = files
        .iter()
        .map(|f| image::open(f).unwrap().to_rgba8())
        .collect();
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    (slides, said, output.status.success())
}

fn near(pixel: &image::Rgba<u8>, colour: [u8; 3], within: u8) -> bool {
    pixel.0[..3]
        .iter()
        .zip(colour)
        .all(|(a, b)| a.abs_diff(b) <= within)
}

/// The white glyphs of a page's title on its red band (#C62828, at the top of both fixtures'
/// first pages), cut where a column of the band has no white: each piece's width and ink.
fn title_glyphs(page: &RgbaImage) -> Vec<(u32, usize)> {
    let red = [0xC6, 0x28, 0x28];
    let x_probe = page.width() / 100;
    let band: Vec<u32> = (0..page.height())
        .filter(|&y| near(page.get_pixel(x_probe, y), red, 12))
        .collect();
    assert!(band.len() > 20, "the red title band is there");
    let (top, bottom) = (band[0], *band.last().unwrap());
    let ink_in_column = |x: u32| {
        (top..=bottom)
            .filter(|&y| near(page.get_pixel(x, y), [0xFF, 0xFF, 0xFF], 60))
            .count()
    };
    let mut glyphs = Vec::new();
    let mut current: Option<(u32, usize)> = None;
    for x in 0..page.width() {
        let ink = ink_in_column(x);
        current = match (current, ink) {
            (None, 0) => None,
            (None, ink) => Some((1, ink)),
            (Some(piece), 0) => {
                glyphs.push(piece);
                None
            }
            (Some((width, total)), ink) => Some((width + 1, total + ink)),
        };
    }
    glyphs.extend(current);
    glyphs
}

/// Japanese drawn as Japanese: 「食中毒に注意しましょう」 cuts into many pieces of very different
/// ink, where missing glyphs would be the same box again and again, and nothing would be none.
fn assert_japanese_title(page: &RgbaImage, what: &str) {
    let glyphs = title_glyphs(page);
    assert!(
        glyphs.len() >= 9,
        "{what}: the title's characters: {glyphs:?}"
    );
    let inks: Vec<usize> = glyphs.iter().map(|g| g.1).collect();
    let (least, most) = (*inks.iter().min().unwrap(), *inks.iter().max().unwrap());
    assert!(
        most as f32 > least as f32 * 2.0,
        "{what}: the characters differ, as kanji and kana do, not boxes: {glyphs:?}"
    );
}

/// Pixels that differ from the page's top-left corner: more than a blank page has.
fn varied(page: &RgbaImage) -> usize {
    let corner = *page.get_pixel(page.width() / 2, page.height() - 2);
    page.pixels()
        .filter(|p| !near(p, [corner.0[0], corner.0[1], corner.0[2]], 40))
        .count()
}

#[test]
fn office_pdfs_and_pdfs_without_their_fonts_draw_their_japanese() {
    let dir = content(
        r#"Pdf(file: "media/poster.pdf"), Pdf(file: "media/no-embedded-font.pdf", pages: "1-4")"#,
    );
    let (slides, said, all_drawn) = preview(dir.path(), "1920x1080");
    assert!(all_drawn, "{said}");
    assert_eq!(slides.len(), 6, "a slide per page");
    // A 16:9 page fills a 16:9 screen to the edges, white paper where the page is white.
    assert_eq!(slides[0].dimensions(), (1920, 1080));
    assert!(near(slides[0].get_pixel(0, 0), [0xC6, 0x28, 0x28], 12));
    assert!(near(
        slides[0].get_pixel(1919, 1079),
        [0xFF, 0xFB, 0xE6],
        12
    ));
    assert_japanese_title(&slides[0], "LibreOffice's poster");
    assert_japanese_title(&slides[2], "MS-Gothic, not embedded");
    for (index, slide) in slides.iter().enumerate() {
        assert!(varied(slide) > 20_000, "page {} is drawn", index + 1);
    }
}

#[test]
fn a_page_is_fitted_into_a_portrait_screen_on_its_own_background() {
    let dir = content(r##"Pdf(file: "media/poster.pdf", pages: "1", background: "#102030")"##);
    let (slides, said, all_drawn) = preview(dir.path(), "1080x1920");
    assert!(all_drawn, "{said}");
    assert_eq!(slides.len(), 1);
    let page = &slides[0];
    // 1080 wide at 16:9 is 608 high, centred: the background above and below.
    assert!(near(page.get_pixel(540, 600), [0x10, 0x20, 0x30], 2));
    assert!(near(page.get_pixel(540, 1320), [0x10, 0x20, 0x30], 2));
    assert!(near(page.get_pixel(5, 660), [0xC6, 0x28, 0x28], 12));
    assert_japanese_title(page, "portrait");
}

#[test]
fn damaged_and_password_protected_pdfs_are_skipped_with_their_reason() {
    let dir = content(
        r#"Pdf(file: "media/damaged.pdf"), Pdf(file: "media/encrypted.pdf"), Pdf(file: "media/poster.pdf", pages: "2")"#,
    );
    let (slides, printed, all_drawn) = preview(dir.path(), "1280x720");
    assert!(!all_drawn, "preview says slides were skipped");
    assert_eq!(slides.len(), 1, "the good page is still drawn: {printed}");
    assert!(
        printed.contains("damaged.pdf is not a readable picture: it is not a readable PDF"),
        "{printed}"
    );
    assert!(
        printed.contains("encrypted.pdf is not a readable picture: it is protected by a password"),
        "{printed}"
    );

    let output = run(&["check".as_ref(), dir.path().join("pdf.ron").as_os_str()]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("slide 1: ") && said.contains("damaged.pdf"),
        "{said}"
    );
    assert!(
        said.contains("slide 2: ") && said.contains("password"),
        "{said}"
    );

    // In a folder of pictures, the damaged PDF is left out and `check` says so.
    std::fs::write(
        dir.path().join("pdf.ron"),
        r#"Playlist(title: "pdf", slides: [Pictures(folder: "media")])"#,
    )
    .unwrap();
    let output = run(&["check".as_ref(), dir.path().join("pdf.ron").as_os_str()]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("left out of its folder's slides: ")
            && said.contains("damaged.pdf is not a readable picture"),
        "{said}"
    );

    // Pages a PDF does not have are the playlist's problem, at the file's name.
    std::fs::write(
        dir.path().join("pdf.ron"),
        "Playlist(title: \"pdf\", slides: [\n    Pdf(file: \"media/poster.pdf\", pages: \"2-3\"),\n])",
    )
    .unwrap();
    let output = run(&["check".as_ref(), dir.path().join("pdf.ron").as_os_str()]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("pdf.ron:2:16: `media/poster.pdf` has 2 pages; `pages` asks for page 3"),
        "{said}"
    );
}

#[test]
fn a_pdf_dropped_into_a_pictures_folder_joins_the_loop_on_screen() {
    let (_xvfb, display) = start_xvfb("960x540");
    let dir = tempfile::tempdir().unwrap();
    let playlists = dir.path().join("playlists");
    let show = playlists.join("media/exhibition");
    std::fs::create_dir_all(&show).unwrap();
    std::fs::write(
        show.join("01-green.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 9"><rect width="16" height="9" fill="#10A040"/></svg>"##,
    )
    .unwrap();
    std::fs::write(
        playlists.join("exhibition.ron"),
        r#"Playlist(title: "展示", slide_seconds: 2, transition: Cut, slides: [Pictures(folder: "media/exhibition")])"#,
    )
    .unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let (_player, address) = spawn_with_status(
        Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
            .args([
                "run",
                "--windowed",
                "--size",
                "960x540",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--playlists")
            .arg(&playlists)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
    );
    wait_for(
        "the folder's poster on screen",
        Duration::from_secs(30),
        || (status(&address)["showing"]["kind"] == "poster").then_some(()),
    );

    // Staff copy the poster in as a PowerPoint export would arrive: no playlist is edited.
    std::fs::copy(fixtures().join("poster.pdf"), show.join("02-poster.pdf")).unwrap();
    wait_for(
        "a page of the PDF on screen",
        Duration::from_secs(30),
        || (status(&address)["showing"]["kind"] == "pdf").then_some(()),
    );
    let (line, png) = common::display::http_get_bytes(&address, "/screenshot");
    assert!(line.contains("200"), "{line}");
    let screen = image::load_from_memory(&png).unwrap().to_rgba8();
    // Either page: the first has its red title band, the second its cream paper.
    let top_left = screen.get_pixel(4, 4);
    assert!(
        near(top_left, [0xC6, 0x28, 0x28], 16) || near(top_left, [0xFF, 0xFB, 0xE6], 16),
        "the PDF's page fills the screen: {:?}",
        top_left.0
    );
    // The loop is the poster and a slide for each of the two pages.
    let mut seen = std::collections::BTreeSet::new();
    wait_for("both pages in the loop", Duration::from_secs(30), || {
        let showing = status(&address)["showing"].clone();
        seen.insert((showing["kind"].to_string(), showing["slide"].as_u64()));
        (seen.iter().filter(|(kind, _)| kind == "\"pdf\"").count() == 2).then_some(())
    });
}
