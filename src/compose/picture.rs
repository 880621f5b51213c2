//! Reading pictures from disk: photos decoded and scaled to the screen, SVG drawn at its resolution.
//! Every limit here protects a Raspberry Pi from a file that would exhaust its memory.

use super::fonts;
use image::{DynamicImage, ImageDecoder, ImageReader, imageops::FilterType};
use resvg::tiny_skia::{self, Pixmap};
use resvg::usvg;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Media files larger than this are refused without being read.
pub const MAX_MEDIA_BYTES: u64 = 100 * 1024 * 1024;
/// The largest photo accepted, in pixels: 40 megapixels decodes to 160 MB, about what a Pi 4
/// with 2 GB can spare for a moment.
pub const MAX_PHOTO_PIXELS: u64 = 40_000_000;
/// The longest side accepted for a photo.
pub const MAX_PHOTO_SIDE: u32 = 16_384;
/// SVG files larger than this are refused: real posters are well under 1 MB.
pub const MAX_SVG_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file resolves (through a link) to somewhere outside the content folder.
    #[error("{path} is outside the content folder")]
    OutsideFolder { path: PathBuf },
    /// The file or the picture in it is larger than the player accepts.
    #[error("{path} is too large: {what}")]
    TooLarge { path: PathBuf, what: String },
    /// The file is not a picture the player can decode, or it is damaged or truncated.
    #[error("{path} is not a readable picture: {reason}")]
    Undecodable { path: PathBuf, reason: String },
    /// Drawing it broke a drawing limit, or crashed the decoder (in its own process).
    #[error("{path} was not drawn: {broken}")]
    OverLimit {
        path: PathBuf,
        broken: crate::core::drawing_limits::Broken,
    },
    /// A quiz file named by a quiz slide does not pass its checks.
    #[error("{path} is not a valid quiz: {problem}")]
    BrokenQuiz { path: PathBuf, problem: String },
}

impl PictureError {
    /// The media file that could not be shown, when the fault is in the file itself (not a
    /// missing file or one outside the folder, which `check` and the playlist's note report).
    pub fn media_path(&self) -> Option<&Path> {
        match self {
            PictureError::TooLarge { path, .. }
            | PictureError::Undecodable { path, .. }
            | PictureError::OverLimit { path, .. } => Some(path),
            PictureError::Unreadable { .. }
            | PictureError::OutsideFolder { .. }
            | PictureError::BrokenQuiz { .. } => None,
        }
    }
}

/// Finds a media file that must stay inside `folder`, refusing links that lead out of it and files
/// over `limit` bytes, without reading it. A name that is not there exactly is looked for as
/// Windows would ([`find_like_windows`]).
pub fn resolve_media(folder: &Path, relative: &Path, limit: u64) -> Result<PathBuf, PictureError> {
    let path = folder.join(relative);
    let unreadable = |source| PictureError::Unreadable {
        path: path.clone(),
        source,
    };
    let real = match path.canonicalize() {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            find_like_windows(folder, relative).and_then(|found| found.canonicalize())
        }
        found => found,
    }
    .map_err(unreadable)?;
    let real_folder = folder.canonicalize().map_err(unreadable)?;
    if !real.starts_with(&real_folder) {
        return Err(PictureError::OutsideFolder { path });
    }
    let metadata = std::fs::metadata(&real).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(PictureError::Unreadable {
            path,
            source: std::io::ErrorKind::IsADirectory.into(),
        });
    }
    if metadata.len() > limit {
        return Err(PictureError::TooLarge {
            path,
            what: format!(
                "{} MB, the limit is {} MB",
                metadata.len() / 1_000_000,
                limit / 1_000_000
            ),
        });
    }
    Ok(real)
}

/// `relative` under `folder`, each part of it matched as Windows would (case, Unicode form and
/// width ignored: `core::file_names`); a part that matches several names or none says so,
/// naming the closest.
fn find_like_windows(folder: &Path, relative: &Path) -> std::io::Result<PathBuf> {
    use crate::core::file_names::Found;
    let not_found = |what: String| std::io::Error::new(std::io::ErrorKind::NotFound, what);
    let mut found = folder.to_path_buf();
    for part in relative.components() {
        let std::path::Component::Normal(wanted) = part else {
            found.push(part);
            continue;
        };
        let wanted = wanted.to_string_lossy();
        let names: Vec<String> = std::fs::read_dir(&found)?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        match crate::core::file_names::find_like_windows(&wanted, &names) {
            Found::One(name) => found.push(name),
            Found::Ambiguous(names) => {
                return Err(not_found(format!(
                    "`{wanted}` could be any of `{}`, whose names differ only in case or width: \
                     rename all but one",
                    names.join("`, `")
                )));
            }
            Found::Missing { closest } => {
                return Err(not_found(match closest {
                    Some(name) => format!("there is no `{wanted}`; the closest name is `{name}`"),
                    None => format!("there is no `{wanted}`"),
                }));
            }
        }
    }
    Ok(found)
}

/// Reads a media file found by [`resolve_media`].
pub fn read_media(folder: &Path, relative: &Path, limit: u64) -> Result<Vec<u8>, PictureError> {
    let real = resolve_media(folder, relative, limit)?;
    std::fs::read(&real).map_err(|source| PictureError::Unreadable {
        path: folder.join(relative),
        source,
    })
}

/// Decodes a photo, turned upright by its EXIF orientation.
pub fn decode_photo(bytes: &[u8], path: &Path) -> Result<DynamicImage, PictureError> {
    let undecodable = |error: image::ImageError| PictureError::Undecodable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Undecodable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_PHOTO_SIDE
        || height > MAX_PHOTO_SIDE
        || u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS
    {
        return Err(PictureError::TooLarge {
            path: path.to_path_buf(),
            what: format!(
                "{width}×{height} pixels; the limit is {} megapixels and {MAX_PHOTO_SIDE} pixels a side",
                MAX_PHOTO_PIXELS / 1_000_000
            ),
        });
    }
    let orientation = decoder.orientation().map_err(undecodable)?;
    let mut photo = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    photo.apply_orientation(orientation);
    Ok(photo)
}

/// Scales a photo to fit inside (`contain`) or to fill (`cover`) a box, as a premultiplied pixmap.
pub fn scale_photo(photo: DynamicImage, width: u32, height: u32, cover: bool) -> Pixmap {
    let opaque = !photo.color().has_alpha();
    let (w, h) = (photo.width().max(1) as f32, photo.height().max(1) as f32);
    let factor = if cover {
        (width as f32 / w).max(height as f32 / h)
    } else {
        (width as f32 / w).min(height as f32 / h)
    };
    let scaled_w = ((w * factor).round() as u32).max(1);
    let scaled_h = ((h * factor).round() as u32).max(1);
    // Triangle filtering widens with the reduction, so big reductions average rather than alias.
    // A photo already the size of its box (exported for the screen) is not filtered at all.
    let mut scaled = if (scaled_w, scaled_h) == (photo.width(), photo.height()) {
        into_rgba(photo)
    } else {
        into_rgba(photo.resize_exact(scaled_w, scaled_h, FilterType::Triangle))
    };
    if cover && (scaled_w > width || scaled_h > height) {
        let x = (scaled_w.saturating_sub(width)) / 2;
        let y = (scaled_h.saturating_sub(height)) / 2;
        scaled =
            image::imageops::crop_imm(&scaled, x, y, width.min(scaled_w), height.min(scaled_h))
                .to_image();
    }
    let (out_w, out_h) = scaled.dimensions();
    let mut data = scaled.into_raw();
    if !opaque {
        premultiply(&mut data);
    }
    let size = tiny_skia::IntSize::from_wh(out_w, out_h).expect("scaled photo has a size");
    Pixmap::from_vec(data, size).expect("buffer matches its size")
}

/// RGBA pixels of a photo. JPEGs decode to RGB, and this loop widens them several times faster
/// than `image`'s general conversion (it is a tenth of what a 1080p photo slide costs).
fn into_rgba(photo: DynamicImage) -> image::RgbaImage {
    let DynamicImage::ImageRgb8(rgb) = photo else {
        return photo.into_rgba8();
    };
    let (width, height) = rgb.dimensions();
    let mut rgba = vec![255; rgb.len() / 3 * 4];
    for (to, from) in rgba.chunks_exact_mut(4).zip(rgb.as_raw().chunks_exact(3)) {
        to[..3].copy_from_slice(from);
    }
    image::RgbaImage::from_raw(width, height, rgba).expect("four bytes for every pixel")
}

fn premultiply(rgba: &mut [u8]) {
    for pixel in rgba.chunks_exact_mut(4) {
        let alpha = u16::from(pixel[3]);
        if alpha < 255 {
            for channel in &mut pixel[..3] {
                *channel = ((u16::from(*channel) * alpha + 127) / 255) as u8;
            }
        }
    }
}

/// Parses an SVG with the bundled font and no access to other files.
pub fn parse_svg(bytes: &[u8], path: &Path) -> Result<usvg::Tree, PictureError> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let options = usvg::Options {
        font_family: fonts::FAMILY.to_string(),
        languages: vec!["ja".into(), "en".into()],
        fontdb: FONTS.get_or_init(fonts::svg_font_database).clone(),
        // Embedded data: images are fine; links to other files could reach anywhere on disk.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    usvg::Tree::from_data(bytes, &options).map_err(|e| PictureError::Undecodable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Draws an SVG as large as fits in `width` × `height` pixels, on a see-through picture of the
/// size it takes, crisp at the canvas's own resolution.
pub fn render_svg(
    tree: &usvg::Tree,
    width: u32,
    height: u32,
    path: &Path,
) -> Result<Pixmap, PictureError> {
    let size = tree.size();
    let factor = (width as f32 / size.width()).min(height as f32 / size.height());
    let wide = ((size.width() * factor).round() as u32).clamp(1, width.max(1));
    let high = ((size.height() * factor).round() as u32).clamp(1, height.max(1));
    let mut pixmap = Pixmap::new(wide, high).ok_or_else(|| PictureError::Undecodable {
        path: path.to_path_buf(),
        reason: "it has no size to draw".into(),
    })?;
    let transform = tiny_skia::Transform::from_scale(factor, factor);
    resvg::render(tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_bogus_files_are_errors_not_panics() {
        let mut png = Vec::new();
        let image = image::RgbImage::from_pixel(64, 64, image::Rgb([200, 10, 10]));
        image
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(decode_photo(&png, Path::new("ok.png")).is_ok());
        for bad in [
            &png[..png.len() / 2],
            b"not a picture at all".as_slice(),
            &[],
        ] {
            let error = decode_photo(bad, Path::new("bad.png")).unwrap_err();
            assert!(matches!(error, PictureError::Undecodable { .. }), "{error}");
        }
    }

    #[test]
    fn oversized_photos_are_refused_from_their_header() {
        // A PNG claiming 20000×20000 pixels, with no real pixel data behind it.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let ihdr = [
            &20000u32.to_be_bytes()[..],
            &20000u32.to_be_bytes()[..],
            &[8, 2, 0, 0, 0],
        ]
        .concat();
        for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let body = [kind, data].concat();
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        }
        let error = decode_photo(&png, Path::new("huge.png")).unwrap_err();
        assert!(matches!(error, PictureError::TooLarge { .. }), "{error}");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn contain_and_cover_keep_the_aspect_ratio() {
        let photo =
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(400, 200, image::Rgb([1, 2, 3])));
        let contained = scale_photo(photo.clone(), 100, 100, false);
        assert_eq!((contained.width(), contained.height()), (100, 50));
        let covered = scale_photo(photo, 100, 100, true);
        assert_eq!((covered.width(), covered.height()), (100, 100));
    }

    #[test]
    fn svg_links_to_other_files_are_not_followed() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><image href="/etc/hostname" width="10" height="10"/></svg>"#;
        let tree = parse_svg(svg, Path::new("x.svg")).unwrap();
        assert!(
            !tree.root().has_children(),
            "the linked file must not be loaded"
        );
        assert!(parse_svg(b"<svg", Path::new("broken.svg")).is_err());
    }
}
