//! Render tests: `kiosk-player preview` draws slides with the real renderer (software Vulkan in
//! CI), and the pixels it wrote are checked.

use image::{Rgba, RgbaImage};
use std::path::{Path, PathBuf};
use std::process::Command;

fn preview(playlist: &Path, out: &Path, size: &str) -> Vec<RgbaImage> {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .args([
            "preview".as_ref(),
            playlist.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--size".as_ref(),
            size.as_ref(),
        ])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "preview failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).unwrap().to_rgba8())
        .collect()
}

fn near(pixel: &Rgba<u8>, expected: [u8; 3]) -> bool {
    pixel.0[..3]
        .iter()
        .zip(expected)
        .all(|(a, b)| a.abs_diff(b) <= 6)
}

fn assert_pixel(image: &RgbaImage, x: u32, y: u32, expected: [u8; 3], what: &str) {
    let pixel = image.get_pixel(x, y);
    assert!(
        near(pixel, expected),
        "{what}: pixel ({x}, {y}) is {:?}, expected {expected:?}",
        pixel.0
    );
}

/// How many pixels in a rectangle are close to a colour.
fn count(image: &RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: [u8; 3]) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| near(image.get_pixel(x, y), colour))
        .count()
}

/// A folder with a photo (left half red, right half blue), a poster and a playlist using them.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let photo = RgbaImage::from_fn(400, 300, |x, _| {
        if x < 200 {
            Rgba([220, 30, 30, 255])
        } else {
            Rgba([30, 60, 220, 255])
        }
    });
    photo.save(media.join("photo.png")).unwrap();
    std::fs::write(
        media.join("poster.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 90"><rect width="160" height="90" fill="#108040"/><circle cx="80" cy="45" r="30" fill="#F0D000"/></svg>"##,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fixture.ron"),
        r##"Playlist(title: "fixture", slides: [
    Text(title: "食品衛生の三原則", title_en: "Food safety", body: "手を洗いましょう", background: "#203040", color: "#FFFFFF", accent: "#FFD000"),
    Text(title: "ペット同行避難", title_en: "Food safety", body: "手を洗いましょう", background: "#203040", color: "#FFFFFF", accent: "#FFD000"),
    Image(file: "media/photo.png", caption: "キャプション", caption_en: "Caption"),
    Poster(file: "media/poster.svg"),
])"##,
    )
    .unwrap();
    dir
}

#[test]
fn slides_are_drawn_with_their_colours_text_and_pictures_in_landscape() {
    let dir = fixture();
    let out = dir.path().join("out");
    let slides = preview(&dir.path().join("fixture.ron"), &out, "1920x1080");
    assert_eq!(slides.len(), 4);
    for slide in &slides {
        assert_eq!(slide.dimensions(), (1920, 1080));
    }

    let text = &slides[0];
    assert_pixel(
        text,
        1900,
        1060,
        [0x20, 0x30, 0x40],
        "text slide background",
    );
    assert_pixel(
        text,
        5,
        540,
        [0xFF, 0xD0, 0x00],
        "accent band on the left edge",
    );
    // Title glyphs in the accent colour, body glyphs in white, all inside the margins.
    assert!(
        count(text, (100, 0, 1820, 540), [0xFF, 0xD0, 0x00]) > 2000,
        "title ink"
    );
    assert!(
        count(text, (100, 0, 1820, 1080), [0xFF, 0xFF, 0xFF]) > 2000,
        "body ink"
    );
    assert_eq!(
        count(text, (1830, 0, 1920, 1080), [0xFF, 0xFF, 0xFF]),
        0,
        "nothing in the right margin"
    );

    // Different Japanese titles give different ink: missing glyphs would all be the same box.
    let title_region = |image: &RgbaImage| {
        (0..540u32)
            .flat_map(|y| (100..1820u32).map(move |x| (x, y)))
            .map(|(x, y)| near(image.get_pixel(x, y), [0xFF, 0xD0, 0x00]))
            .collect::<Vec<bool>>()
    };
    let differing = title_region(&slides[0])
        .iter()
        .zip(title_region(&slides[1]))
        .filter(|(a, b)| *a != b)
        .count();
    assert!(
        differing > 3000,
        "two different titles drew almost the same pixels ({differing} differ)"
    );

    let photo = &slides[2];
    // 400×300 fitted into 1920×1080 is 1440×1080, centred, with dark bands at the sides.
    assert_pixel(photo, 100, 400, [0x11, 0x11, 0x11], "letterbox band");
    assert_pixel(photo, 600, 400, [220, 30, 30], "left half of the photo");
    assert_pixel(photo, 1300, 400, [30, 60, 220], "right half of the photo");
    assert!(
        count(photo, (0, 850, 1920, 1080), [0xFF, 0xFF, 0xFF]) > 500,
        "caption text at the bottom"
    );

    let poster = &slides[3];
    assert_pixel(
        poster,
        40,
        40,
        [0x10, 0x80, 0x40],
        "poster fills the screen",
    );
    assert_pixel(poster, 960, 540, [0xF0, 0xD0, 0x00], "poster centre");
}

#[test]
fn portrait_screens_letterbox_posters_and_keep_text_inside() {
    let dir = fixture();
    let out = dir.path().join("out");
    let slides = preview(&dir.path().join("fixture.ron"), &out, "1080x1920");
    let poster = &slides[3];
    assert_eq!(poster.dimensions(), (1080, 1920));
    assert_pixel(
        poster,
        540,
        200,
        [0xFF, 0xFF, 0xFF],
        "white band above a 16:9 poster",
    );
    assert_pixel(poster, 540, 960, [0xF0, 0xD0, 0x00], "poster centre");
    let text = &slides[0];
    assert_eq!(
        count(text, (1000, 0, 1080, 1920), [0xFF, 0xFF, 0xFF]),
        0,
        "nothing in the right margin"
    );
    assert!(
        count(text, (60, 0, 1000, 1920), [0xFF, 0xD0, 0x00]) > 2000,
        "title ink"
    );
}

#[test]
fn long_text_shrinks_to_fit_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let body = "食品を扱う前と後には、石けんで手をていねいに洗いましょう。".repeat(6);
    std::fs::write(
        dir.path().join("long.ron"),
        format!(r##"Playlist(title: "t", slides: [Text(title: "長い本文", body: "{body}", background: "#000000", color: "#FFFFFF")])"##),
    )
    .unwrap();
    let slides = preview(
        &dir.path().join("long.ron"),
        &dir.path().join("out"),
        "1920x1080",
    );
    let text = &slides[0];
    let white = count(text, (0, 0, 1920, 1080), [0xFF, 0xFF, 0xFF]);
    assert!(white > 20_000, "the body is drawn ({white} white pixels)");
    // Margins stay clear: the text was made smaller rather than run off the screen.
    assert_eq!(
        count(text, (0, 1030, 1920, 1080), [0xFF, 0xFF, 0xFF]),
        0,
        "bottom margin"
    );
    assert_eq!(
        count(text, (1860, 0, 1920, 1080), [0xFF, 0xFF, 0xFF]),
        0,
        "right margin"
    );
}

/// The rows holding ink of `colour` right of the text slide's accent bar, grouped into bands
/// separated by blank rows: each band's first and last row and its leftmost and rightmost inked
/// column.
fn ink_bands(image: &RgbaImage, colour: [u8; 3]) -> Vec<(u32, u32, u32, u32)> {
    let mut bands: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut in_band = false;
    let bar = image.width().min(image.height()) / 50;
    for y in 0..image.height() {
        let inked: Vec<u32> = (bar..image.width())
            .filter(|&x| near(image.get_pixel(x, y), colour))
            .collect();
        match (inked.first(), inked.last()) {
            (Some(&left), Some(&right)) => {
                if in_band {
                    let band = bands.last_mut().unwrap();
                    *band = (band.0, y, band.2.min(left), band.3.max(right));
                } else {
                    bands.push((y, y, left, right));
                }
                in_band = true;
            }
            _ => in_band = false,
        }
    }
    bands
}

#[test]
fn furigana_sit_small_and_centred_above_their_base_inside_the_slide() {
    let dir = tempfile::tempdir().unwrap();
    // The title alone, in a colour nothing else on the slide has; the second slide is long enough
    // to be shrunk to fit, and its readings shrink with it.
    std::fs::write(
        dir.path().join("ruby.ron"),
        r##"Playlist(title: "t", slides: [
    Text(title: "{避難|ひなん}", background: "#000000", accent: "#FFD000"),
    Text(title: "{避難所|ひなんじょ}へ", body: "ペットと{一緒|いっしょ}に{安全|あんぜん}な{場所|ばしょ}まで{避難|ひなん}しましょう。{避難所|ひなんじょ}では、人とペットは{別|べつ}の{場所|ばしょ}で{過|す}ごすことが多いので、前もって{地域|ちいき}のルールを{確認|かくにん}しておきましょう。", background: "#000000", color: "#FFFFFF", accent: "#FFD000"),
])"##,
    )
    .unwrap();
    for size in ["1920x1080", "1080x1920"] {
        let slides = preview(
            &dir.path().join("ruby.ron"),
            &dir.path().join(format!("out-{size}")),
            size,
        );
        let title = ink_bands(&slides[0], [0xFF, 0xD0, 0x00]);
        assert_eq!(title.len(), 2, "{size}: a reading and its base: {title:?}");
        let (ruby, base) = (title[0], title[1]);
        let (ruby_height, base_height) = (ruby.1 - ruby.0 + 1, base.1 - base.0 + 1);
        assert!(ruby.0 > 0, "{size}: the reading is inside the slide");
        assert!(
            (0.35..0.65).contains(&(ruby_height as f32 / base_height as f32)),
            "{size}: the reading is about half the size of its base: {ruby:?} over {base:?}"
        );
        let gap = base.0 - ruby.1;
        assert!(
            gap > 1 && gap < base_height / 3,
            "{size}: the reading sits just above its base: {ruby:?} over {base:?}"
        );
        let centre = |band: (u32, u32, u32, u32)| (band.2 + band.3) as f32 / 2.0;
        assert!(
            (centre(ruby) - centre(base)).abs() < (base.3 - base.2) as f32 * 0.1,
            "{size}: the reading is centred over its base: {ruby:?} over {base:?}"
        );

        // The body: every line has its readings, white and small, above it; all inside the slide.
        let body = ink_bands(&slides[1], [0xFF, 0xFF, 0xFF]);
        assert!(body.len() >= 4, "{size}: lines and readings: {body:?}");
        let (width, height) = slides[1].dimensions();
        assert!(
            body.iter()
                .all(|b| b.0 > 0 && b.1 < height - 1 && b.3 < width - 1)
        );
        let heights: Vec<u32> = body.iter().map(|b| b.1 - b.0 + 1).collect();
        let tallest = *heights.iter().max().unwrap();
        assert!(
            heights.iter().any(|&h| (h as f32) < tallest as f32 * 0.65),
            "{size}: small readings among the body's lines: {heights:?}"
        );
        let title = ink_bands(&slides[1], [0xFF, 0xD0, 0x00]);
        assert_eq!(
            title.len(),
            2,
            "{size}: the shrunk title's reading: {title:?}"
        );
    }
}

#[test]
fn bundled_playlists_render_at_landscape_and_portrait_sizes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists");
    let out = tempfile::tempdir().unwrap();
    for name in ["food-safety.ron", "pet-evacuation.ron"] {
        for size in ["1920x1080", "1080x1920"] {
            let folder = out.path().join(format!("{name}-{size}"));
            let slides = preview(&root.join(name), &folder, size);
            assert!(slides.len() >= 6, "{name} has {} slides", slides.len());
            for (i, slide) in slides.iter().enumerate() {
                // A finished slide is not one flat colour.
                let first = slide.get_pixel(0, 0);
                let varied = slide
                    .pixels()
                    .filter(|p| {
                        p.0[..3]
                            .iter()
                            .zip(first.0)
                            .any(|(a, b)| a.abs_diff(b) > 40)
                    })
                    .count();
                assert!(
                    varied > 10_000,
                    "{name} slide {} at {size} is nearly blank",
                    i + 1
                );
            }
        }
    }
}

/// Whether any pixel of a rectangle is close to a colour.
fn has(image: &RgbaImage, area: (u32, u32, u32, u32), colour: [u8; 3]) -> bool {
    count(image, area, colour) > 0
}

#[test]
fn every_quiz_screen_is_drawn_at_tablet_and_full_hd_sizes() {
    let quiz = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/food-safety-quiz.ron");
    let out = tempfile::tempdir().unwrap();
    let navy = [0x17, 0x32, 0x4D];
    for (width, height) in [(1280, 800), (800, 1280), (1920, 1080)] {
        let size = format!("{width}x{height}");
        let screens = preview(&quiz, &out.path().join(&size), &size);
        let [attract, question, correct, wrong, result, question_en, pin] = &screens[..] else {
            panic!("{size}: expected seven screens, got {}", screens.len());
        };
        let unit = width.min(height) as f32 / 100.0;
        let at = |units: f32| (units * unit) as u32;

        // The attract band sits at the bottom over the backdrop, with white call-to-action text.
        assert_pixel(
            attract,
            width / 2,
            at(10.0),
            navy,
            "backdrop above the band",
        );
        assert!(
            count(
                attract,
                (0, height - at(20.0), width, height),
                [255, 255, 255]
            ) > 2000,
            "{size}: the call to touch is written on the band"
        );
        // Question: a navy top bar, and four choice badges in their own colours.
        assert_pixel(question, at(1.0), at(1.0), navy, "top bar");
        for badge in [[0x15, 0x65, 0xC0], [0xC6, 0x28, 0x28], [0x2E, 0x7D, 0x32]] {
            assert!(
                has(question, (0, at(16.0), width, height), badge),
                "{size}: a choice badge of colour {badge:?}"
            );
        }
        // Feedback: a green band for right, a red band for wrong, down the left edge.
        assert_pixel(correct, at(1.0), height / 2, [0x2E, 0x7D, 0x32], "right");
        assert_pixel(wrong, at(1.0), height / 2, [0xC6, 0x28, 0x28], "wrong");
        // The result and the English question differ from the Japanese one.
        assert!(
            count(result, (0, at(16.0), width, height), [0x1F, 0x29, 0x33]) > 1000,
            "{size}: the score is written"
        );
        let differing = question
            .pixels()
            .zip(question_en.pixels())
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            differing > 5000,
            "{size}: the English question looks like the Japanese one"
        );
        assert_pixel(
            pin,
            at(2.0),
            height - at(2.0),
            [0x22, 0x22, 0x22],
            "PIN pad",
        );
    }
}
