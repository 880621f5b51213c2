//! A folder of pictures and the pages of a PDF as slides: what a playlist plays once the loader
//! has looked at the files it names.

use super::diagnostic::{Diagnostic, SourceLocator};
use super::playlist::{
    ImageSlide, MAX_PDF_PAGES, MediaKind, MediaPath, Pages, PdfSlide, PicturesSlide, Playlist,
    PosterSlide, Slide, VideoSlide,
};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the loader found on disk for a playlist's `Pictures` folders and PDF files.
#[derive(Clone, Debug, Default)]
pub struct FolderContents {
    /// The names of the files in each `Pictures` folder, by the folder's relative path.
    pub folders: BTreeMap<PathBuf, Vec<String>>,
    /// How many pages each PDF that could be opened has, by its relative path. A PDF that could
    /// not be opened is missing here and plays as one slide, which is skipped with its reason.
    pub pdf_pages: BTreeMap<PathBuf, u32>,
}

/// The playlist with each `Pictures` folder replaced by a slide per picture, in name order, and
/// each `Pdf` slide by a slide per page. Pages that are not in their PDF are problems.
pub fn expand(
    mut playlist: Playlist,
    contents: &FolderContents,
    source: &str,
) -> Result<Playlist, Vec<Diagnostic>> {
    let mut at = SourceLocator::new(source);
    let mut problems = Vec::new();
    let mut slides = Vec::with_capacity(playlist.slides.len());
    for slide in std::mem::take(&mut playlist.slides) {
        match slide {
            Slide::Pictures(pictures) => {
                let names = contents
                    .folders
                    .get(&pictures.folder.relative)
                    .map_or(&[][..], Vec::as_slice);
                let found = folder_slides(&pictures, names, contents);
                if found.is_empty() {
                    problems.push(
                        Diagnostic::new(
                            at.string_literal(&pictures.folder.written),
                            format!(
                                "`{}` holds no photos, SVG, PDF or video files to show",
                                pictures.folder.written
                            ),
                        )
                        .with_hint("copy the pictures into the folder, named in the order they play: 01-…, 02-…"),
                    );
                }
                slides.extend(found);
            }
            Slide::Pdf(pdf) => match contents.pdf_pages.get(&pdf.file.relative) {
                Some(&count) => {
                    let wanted = pdf
                        .pages
                        .clone()
                        .unwrap_or(Pages(vec![(1, count.min(MAX_PDF_PAGES))]));
                    if wanted.last() > count {
                        problems.push(Diagnostic::new(
                            at.string_literal(&pdf.file.written),
                            format!(
                                "`{}` has {count} page{}; `pages` asks for page {}",
                                pdf.file.written,
                                if count == 1 { "" } else { "s" },
                                wanted.last()
                            ),
                        ));
                    }
                    slides.extend(wanted.each().filter(|&p| p <= count).map(|page| {
                        Slide::Pdf(PdfSlide {
                            pages: Some(Pages::single(page)),
                            ..pdf.clone()
                        })
                    }));
                }
                None => slides.push(Slide::Pdf(pdf)),
            },
            other => slides.push(other),
        }
    }
    playlist.slides = slides;
    if problems.is_empty() {
        Ok(playlist)
    } else {
        Err(problems)
    }
}

/// The playlist a drop folder plays (the config's `drop_folders`): its pictures, PDF pages and
/// videos in name order, all day, as a `Pictures` slide of the folder would.
pub fn drop_folder_playlist(name: &str) -> String {
    let quoted = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
    format!("Playlist(title: {quoted}, slides: [Pictures(folder: {quoted})])")
}

/// The slides of one folder's pictures, in name order.
fn folder_slides(
    pictures: &PicturesSlide,
    names: &[String],
    contents: &FolderContents,
) -> Vec<Slide> {
    let mut names: Vec<&String> = names.iter().filter(|n| is_shown(n)).collect();
    names.sort_by(|a, b| name_order(a, b));
    let mut slides = Vec::new();
    for name in names {
        let written = format!("{}/{name}", pictures.folder.written.trim_end_matches('/'));
        let Ok(file) = MediaPath::try_from(written) else {
            continue;
        };
        match file.kind() {
            Some(MediaKind::Raster) => slides.push(Slide::Image(ImageSlide {
                file,
                fit: pictures.fit,
                caption: None,
                caption_en: None,
                background: pictures.background,
                seconds: pictures.seconds,
                qr: None,
            })),
            Some(MediaKind::Vector) => slides.push(Slide::Poster(PosterSlide {
                file,
                background: pictures.background,
                seconds: pictures.seconds,
                qr: None,
            })),
            Some(MediaKind::Pdf) => {
                let pages = contents.pdf_pages.get(&file.relative).copied();
                let pdf = PdfSlide {
                    file,
                    pages: None,
                    background: pictures.background,
                    seconds: pictures.seconds,
                    qr: None,
                };
                match pages {
                    Some(count) => slides.extend((1..=count.min(MAX_PDF_PAGES)).map(|page| {
                        Slide::Pdf(PdfSlide {
                            pages: Some(Pages::single(page)),
                            ..pdf.clone()
                        })
                    })),
                    None => slides.push(Slide::Pdf(pdf)),
                }
            }
            // A video plays once, to its end, whatever `seconds` says of the pictures.
            Some(MediaKind::Video) => slides.push(Slide::Video(VideoSlide {
                file,
                fit: pictures.fit,
                loops: None,
                seconds: None,
                caption: None,
                caption_en: None,
                subtitles: None,
                audio: false,
                volume: None,
                qr: None,
            })),
            None => {}
        }
    }
    slides
}

/// Pictures and videos play; temporary files of office and copy tools, notes, subtitles and
/// anything else do not.
pub fn is_shown(name: &str) -> bool {
    let temporary = name.starts_with('.') || name.starts_with('~');
    let kind = MediaPath::try_from(name.to_string())
        .ok()
        .and_then(|p| p.kind());
    !temporary && kind.is_some()
}

/// Names in the order a person numbers them: `2-b.jpg` before `10-a.jpg`, case ignored.
pub fn name_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                let (da, db) = (digits(a), digits(b));
                let (na, nb) = (
                    a[..da].trim_start_matches('0'),
                    b[..db].trim_start_matches('0'),
                );
                let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                let order = x.to_lowercase().cmp(y.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(names: &[&str], pdfs: &[(&str, u32)]) -> FolderContents {
        FolderContents {
            folders: BTreeMap::from([(
                PathBuf::from("media/show"),
                names.iter().map(|n| n.to_string()).collect(),
            )]),
            pdf_pages: pdfs.iter().map(|(p, n)| (PathBuf::from(p), *n)).collect(),
        }
    }

    fn files(playlist: &Playlist) -> Vec<String> {
        playlist
            .slides
            .iter()
            .map(|slide| match slide {
                Slide::Pdf(pdf) => format!("{} p{}", pdf.file.written, pdf.page()),
                other => other.media()[0].written.clone(),
            })
            .collect()
    }

    #[test]
    fn a_folder_plays_its_pictures_and_videos_in_the_order_staff_numbered_them() {
        let source = r#"Playlist(title: "t", slides: [Pictures(folder: "media/show", seconds: 8, fit: Cover)])"#;
        let playlist = Playlist::parse(source).unwrap();
        let found = contents(
            &[
                "10-end.jpg",
                "2-two.SVG",
                "01-first.JPG",
                "notes.txt",
                "~$poster.pdf",
                ".hidden.png",
                "03-flyer.pdf",
                "03-flyer.pdf.error.txt",
                "clip.mp4",
            ],
            &[("media/show/03-flyer.pdf", 2)],
        );
        let expanded = expand(playlist, &found, source).unwrap();
        assert_eq!(
            files(&expanded),
            [
                "media/show/01-first.JPG",
                "media/show/2-two.SVG",
                "media/show/03-flyer.pdf p1",
                "media/show/03-flyer.pdf p2",
                "media/show/10-end.jpg",
                "media/show/clip.mp4",
            ]
        );
        let Slide::Image(first) = &expanded.slides[0] else {
            panic!("a photo is an image slide")
        };
        assert_eq!(
            (first.seconds, first.fit),
            (Some(8.0), super::super::playlist::Fit::Cover)
        );
    }

    #[test]
    fn an_empty_folder_is_a_problem_at_its_name() {
        let source = "Playlist(title: \"t\",\n slides: [Pictures(folder: \"media/show\")])";
        let playlist = Playlist::parse(source).unwrap();
        let problems = expand(playlist, &contents(&["readme.txt"], &[]), source).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].position.line, problems[0].position.column),
            (2, 29)
        );
        assert!(problems[0].message.contains("holds no photos"));
    }

    #[test]
    fn a_pdf_becomes_a_slide_per_page_it_asks_for() {
        let source = r#"Playlist(title: "t", slides: [
    Pdf(file: "media/a.pdf"),
    Pdf(file: "media/b.pdf", pages: "2, 4-5"),
    Pdf(file: "media/broken.pdf"),
])"#;
        let playlist = Playlist::parse(source).unwrap();
        let found = FolderContents {
            folders: BTreeMap::new(),
            pdf_pages: [("media/a.pdf", 2), ("media/b.pdf", 6)]
                .into_iter()
                .map(|(p, n)| (PathBuf::from(p), n))
                .collect(),
        };
        let expanded = expand(playlist.clone(), &found, source).unwrap();
        assert_eq!(
            files(&expanded),
            [
                "media/a.pdf p1",
                "media/a.pdf p2",
                "media/b.pdf p2",
                "media/b.pdf p4",
                "media/b.pdf p5",
                // Not opened: one slide, which the player skips with the reason.
                "media/broken.pdf p1",
            ]
        );
        // A PDF of thousands of pages shows its first MAX_PDF_PAGES.
        let mut long = found.clone();
        long.pdf_pages.insert(PathBuf::from("media/a.pdf"), 9000);
        let expanded = expand(playlist.clone(), &long, source).unwrap();
        assert_eq!(expanded.slides.len() as u32, MAX_PDF_PAGES + 4);
        let mut short = found;
        short.pdf_pages.insert(PathBuf::from("media/b.pdf"), 4);
        let problems = expand(playlist, &short, source).unwrap_err();
        assert!(
            problems[0]
                .message
                .contains("has 4 pages; `pages` asks for page 5")
        );
        assert_eq!(problems[0].position.line, 3);
    }

    #[test]
    fn page_lists_are_read_as_written() {
        let pages = |text: &str| Pages::try_from(text.to_string());
        assert_eq!(pages("1-3").unwrap().each().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(pages(" 2 ").unwrap().each().collect::<Vec<_>>(), [2]);
        assert_eq!(
            pages("1, 4-5").unwrap().each().collect::<Vec<_>>(),
            [1, 4, 5]
        );
        for bad in ["", "0", "3-1", "a", "1-", "1,,2"] {
            assert!(pages(bad).is_err(), "{bad:?}");
        }
        assert!(pages("1-9999").unwrap_err().contains("at most"));
    }

    #[test]
    fn names_sort_by_their_numbers() {
        let mut names = ["b.jpg", "10.jpg", "A.jpg", "2.jpg", "002b.jpg", "01.jpg"];
        names.sort_by(|a, b| name_order(a, b));
        assert_eq!(
            names,
            ["01.jpg", "2.jpg", "002b.jpg", "10.jpg", "A.jpg", "b.jpg"]
        );
    }
}
