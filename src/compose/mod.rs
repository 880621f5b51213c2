//! Draws a whole slide into one screen-sized picture on the CPU, off the main thread.
//!
//! Composing the slide up front (instead of building it from many Bevy entities) means the next
//! slide is complete before the switch, the GPU only ever holds two textures, a static slide costs
//! one textured quad, and `preview` shows exactly what the screen will.

pub mod fonts;
mod furniture;
pub use furniture::ticker_type_size;
pub mod media_process;
pub mod pdf;
pub mod picture;
mod qr;
pub mod quiz;
pub mod text;
pub mod web_page;

use crate::core::calendar::{ClockFace, Eras};
use crate::core::legibility::{self, contrast_ratio};
use crate::core::playlist::{
    Colour, Fit, ImageSlide, PdfSlide, PosterSlide, Slide, TextSlide, VideoSlide, WebSlide,
};
use chrono::NaiveDateTime;
use media_process::{Drawn, Job};
use parley::Alignment;
use picture::{MAX_MEDIA_BYTES, MAX_SVG_BYTES, PictureError};
use resvg::tiny_skia::{self, Pixmap};
use std::path::Path;
use text::{Paragraph, Rgba, Typesetter};

/// A finished slide: straight-alpha sRGB pixels, row by row.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// Things a person should fix that did not stop the slide, such as text cut off.
    pub warnings: Vec<String>,
}

/// What the idle screen says when nothing is scheduled, and the eras its date is written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdleMessage {
    pub japanese: String,
    pub english: String,
    pub eras: Eras,
}

impl Default for IdleMessage {
    fn default() -> Self {
        IdleMessage {
            japanese: "ようこそ".into(),
            english: "Welcome".into(),
            eras: Eras::default(),
        }
    }
}

const TEXT_BACKGROUND: Colour = Colour::rgb(0xFD, 0xFB, 0xF5);
const TEXT_COLOUR: Colour = Colour::rgb(0x1F, 0x29, 0x33);
const TEXT_ACCENT: Colour = Colour::rgb(0xB4, 0x46, 0x1B);
const PHOTO_BACKGROUND: Colour = Colour::rgb(0x11, 0x11, 0x11);
const POSTER_BACKGROUND: Colour = Colour::rgb(0xFF, 0xFF, 0xFF);
/// Around a PDF page: dark enough that its white paper reads as a page.
const PDF_BACKGROUND: Colour = Colour::rgb(0x3A, 0x3F, 0x44);
const IDLE_BACKGROUND: Colour = Colour::rgb(0x17, 0x32, 0x4D);
const WHITE: Rgba = [255, 255, 255, 255];
/// A caption band: black at two thirds over the picture, the caption white and its English a
/// softer white. Staff choose neither, and both read over any picture (tested below).
const CAPTION_BAND: Rgba = [0, 0, 0, 165];
const CAPTION_EN: Rgba = [0xE8, 0xE8, 0xE8, 255];

/// Lays out slides for one screen size. Holds the font caches, so keep one per worker thread.
#[derive(Default)]
pub struct Composer {
    typesetter: Typesetter,
    /// Texts of the quiz screen being composed that do not fit even at the smallest size, and
    /// those that fit only by breaking a phrase.
    overflowing: Vec<String>,
    broken_phrases: Vec<String>,
    /// The sizes the last text slide's body was set at, once shrunk to fit.
    body_sizes: BodySizes,
}

/// The type sizes, in pixels, a text slide's body (Japanese) and English body were set at.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BodySizes {
    pub body: Option<f32>,
    pub body_en: Option<f32>,
}

/// How tall BIZ UDPGothic's kanji stand, as a share of the type size: their ideographic face
/// fills about nine tenths of the em.
pub const KANJI_HEIGHT: f64 = 0.9;

/// How tall BIZ UDPGothic's capitals stand, as a share of the type size (from the font's
/// metrics): what ISO 9241-3 measures Latin characters by.
pub fn capital_height() -> f64 {
    let metrics = swash::FontRef::from_index(fonts::REGULAR, 0)
        .map(|font| font.metrics(&[]))
        .filter(|m| m.units_per_em > 0);
    metrics.map_or(0.7, |m| f64::from(m.cap_height) / f64::from(m.units_per_em))
}

/// The screen in layout units: one unit is a hundredth of the short side, so type keeps its size
/// relative to the screen in landscape and portrait alike.
#[derive(Clone, Copy)]
struct Frame {
    width: f32,
    height: f32,
    unit: f32,
}

impl Frame {
    fn new(width: u32, height: u32) -> Frame {
        let (width, height) = (width as f32, height as f32);
        Frame {
            width,
            height,
            unit: width.min(height) / 100.0,
        }
    }

    fn landscape(&self) -> bool {
        self.width >= self.height
    }

    fn margin(&self) -> f32 {
        6.0 * self.unit
    }
}

/// The colours a text slide is drawn in: its title, its other text and its background.
pub fn text_slide_colours(slide: &TextSlide) -> (Rgba, Rgba, Rgba) {
    let colour = slide.color.unwrap_or(TEXT_COLOUR).0;
    let background = slide.background.unwrap_or(TEXT_BACKGROUND).0;
    // A slide that chose its background but no accent: the house accent for the title where
    // it stands out from that background, the slide's text colour where it would not.
    let accent = slide.accent.map_or_else(
        || {
            let stands_out = contrast_ratio(rgb(TEXT_ACCENT.0), rgb(background))
                >= legibility::LARGE_TEXT_CONTRAST;
            if stands_out { TEXT_ACCENT.0 } else { colour }
        },
        |accent| accent.0,
    );
    (accent, colour, background)
}

/// English under Japanese: the text colour a little lighter, where that still reads on
/// `background`.
pub fn faded_text(colour: Rgba, background: Rgba) -> Rgba {
    let faded = [
        colour[0],
        colour[1],
        colour[2],
        (u32::from(colour[3]) * 82 / 100) as u8,
    ];
    let shown = legibility::over(faded, rgb(background));
    if contrast_ratio(shown, rgb(background)) >= legibility::TEXT_CONTRAST {
        faded
    } else {
        colour
    }
}

fn rgb([r, g, b, _]: Rgba) -> [u8; 3] {
    [r, g, b]
}

impl Composer {
    /// The sizes the body of the last slide drawn was set at, if it was a text slide.
    pub fn body_sizes(&self) -> BodySizes {
        self.body_sizes
    }

    /// Draws a slide whose media paths are relative to `folder`.
    pub fn slide(
        &mut self,
        slide: &Slide,
        folder: &Path,
        width: u32,
        height: u32,
    ) -> Result<Picture, PictureError> {
        let mut warnings = Vec::new();
        self.body_sizes = BodySizes::default();
        let frame = Frame::new(width, height);
        let card = slide
            .qr()
            .and_then(|card| match self.plan_card(card, frame) {
                Ok(card) => Some(card),
                Err(problem) => {
                    warnings.push(format!("{problem}; the slide is shown without it"));
                    None
                }
            });
        let mut reserved = 0.0;
        let mut canvas = match slide {
            Slide::Text(s) => {
                let room = card.as_ref().map(|c| (c.width, c.height));
                self.text_slide(s, TITLE_SIZE, folder, width, height, room, &mut warnings)?
            }
            // An official warning's name must read from across a lobby.
            Slide::Alert(s) => {
                let room = card.as_ref().map(|c| (c.width, c.height));
                self.text_slide(
                    s,
                    1.7 * TITLE_SIZE,
                    folder,
                    width,
                    height,
                    room,
                    &mut warnings,
                )?
            }
            Slide::Image(s) => {
                let (canvas, band) = self.image_slide(s, folder, width, height, &mut warnings)?;
                reserved = band;
                canvas
            }
            Slide::Poster(s) => poster_slide(s, folder, width, height)?,
            Slide::Pdf(s) => pdf_slide(s, folder, width, height)?,
            // The library shows a feed's items as a text slide (`core::news::feed_slide`).
            Slide::Feed(s) => {
                return Err(PictureError::Undecodable {
                    path: folder.join(&s.url),
                    reason: "a feed slide is shown from its feed's items".into(),
                });
            }
            // Loading a playlist turns the folder into a slide per picture.
            Slide::Pictures(s) => {
                return Err(PictureError::Undecodable {
                    path: folder.join(&s.folder.relative),
                    reason: "a folder plays as the slides of its pictures, once loaded".into(),
                });
            }
            Slide::Web(s) => web_slide(s, width, height)?,
            Slide::Video(s) => {
                let (picture, _) = self.video_backdrop(s, width, height);
                warnings.extend(picture.warnings);
                return Ok(Picture {
                    warnings,
                    ..picture
                });
            }
            Slide::Quiz(s) => self.quiz_invitation(s, folder, width, height)?,
        };
        if let Some(card) = &card {
            self.draw_card(&mut canvas, frame, card, reserved);
        }
        Ok(finish(canvas, warnings))
    }

    /// Draws the idle screen: the time, the date and a welcome, calm and never black.
    pub fn idle(
        &mut self,
        now: NaiveDateTime,
        message: &IdleMessage,
        width: u32,
        height: u32,
    ) -> Picture {
        let frame = Frame::new(width, height);
        let mut canvas = blank(width, height, IDLE_BACKGROUND);
        let face = ClockFace::at(now, &message.eras);
        let date = format!("{}　{}", face.date, face.date_en);
        let clock = face.time;
        let soft = [0xD6, 0xE4, 0xF0, 255];
        let paragraphs = [
            paragraph(
                &clock,
                20.0 * frame.unit,
                true,
                WHITE,
                1.1,
                0.0,
                Alignment::Center,
            ),
            paragraph(
                &date,
                4.5 * frame.unit,
                false,
                soft,
                1.3,
                1.0 * frame.unit,
                Alignment::Center,
            ),
            paragraph(
                &message.japanese,
                6.0 * frame.unit,
                true,
                WHITE,
                1.3,
                7.0 * frame.unit,
                Alignment::Center,
            ),
            paragraph(
                &message.english,
                4.2 * frame.unit,
                false,
                soft,
                1.3,
                1.0 * frame.unit,
                Alignment::Center,
            ),
        ];
        let width_available = frame.width - 2.0 * frame.margin();
        let setting = self.typesetter.fit(
            &paragraphs,
            width_available,
            frame.height - 2.0 * frame.margin(),
        );
        let top = (frame.height - setting.height) / 2.0;
        self.typesetter
            .draw(&setting, &mut canvas, frame.margin(), top);
        finish(canvas, Vec::new())
    }

    /// A text slide whose title is `title_size` units high; `card` is the size of a QR card to
    /// leave room for in the bottom right.
    #[allow(clippy::too_many_arguments)]
    fn text_slide(
        &mut self,
        slide: &TextSlide,
        title_size: f32,
        folder: &Path,
        width: u32,
        height: u32,
        card: Option<(f32, f32)>,
        warnings: &mut Vec<String>,
    ) -> Result<Pixmap, PictureError> {
        let frame = Frame::new(width, height);
        let (u, margin) = (frame.unit, frame.margin());
        let (accent, colour, background) = text_slide_colours(slide);
        let mut canvas = blank(width, height, Colour(background));
        // A band of the accent colour down the left edge ties the slides of a playlist together.
        fill_rect(&mut canvas, 0.0, 0.0, 1.6 * u, frame.height, accent);

        let mut text_box = (
            margin,
            margin,
            frame.width - 2.0 * margin,
            frame.height - 2.0 * margin,
        );
        if let Some(picture) = &slide.picture {
            let picture_box = if frame.landscape() {
                let split = frame.width * 0.62;
                text_box.2 = split - margin - 3.0 * u;
                (
                    split,
                    margin,
                    frame.width - split - margin,
                    frame.height - 2.0 * margin,
                )
            } else {
                let picture_height = frame.height * 0.34;
                text_box.1 = margin + picture_height + 4.0 * u;
                text_box.3 = frame.height - text_box.1 - margin;
                (margin, margin, frame.width - 2.0 * margin, picture_height)
            };
            // In landscape the picture beside the text ends above a QR card.
            let picture_box = match card {
                Some((_, card_height)) if frame.landscape() => (
                    picture_box.0,
                    picture_box.1,
                    picture_box.2,
                    picture_box.3 - card_height - 3.0 * u,
                ),
                _ => picture_box,
            };
            draw_media(&mut canvas, folder, &picture.relative, picture_box)?;
        }
        // So does the text, where it reaches the card's corner (in portrait, or without a
        // picture): it ends above the card.
        if let Some((card_width, card_height)) = card
            && (slide.picture.is_none() || !frame.landscape())
        {
            let card_left = frame.width - qr::card_margin(frame) - card_width;
            if text_box.0 + text_box.2 > card_left {
                text_box.3 = (frame.height - margin - card_height - 2.0 * u - text_box.1)
                    .max(text_box.3 * 0.5);
            }
        }

        let faded = |c: Rgba| faded_text(c, background);
        let mut paragraphs = vec![paragraph(
            &slide.title,
            title_size * u,
            true,
            accent,
            1.25,
            0.0,
            Alignment::Start,
        )];
        if let Some(title_en) = &slide.title_en {
            paragraphs.push(paragraph(
                title_en,
                4.6 * u,
                false,
                faded(colour),
                1.25,
                1.2 * u,
                Alignment::Start,
            ));
        }
        if let Some(body) = &slide.body {
            paragraphs.push(paragraph(
                body,
                BODY_SIZE * u,
                false,
                colour,
                1.5,
                5.0 * u,
                Alignment::Start,
            ));
        }
        if let Some(body_en) = &slide.body_en {
            paragraphs.push(paragraph(
                body_en,
                BODY_EN_SIZE * u,
                false,
                faded(colour),
                1.4,
                2.6 * u,
                Alignment::Start,
            ));
        }
        let setting = self.typesetter.fit(&paragraphs, text_box.2, text_box.3);
        if !setting.fits {
            warnings.push(format!(
                "the text of \"{}\" is too long to fit at a readable size and is cut off; shorten it",
                slide.title
            ));
        }
        self.body_sizes = BodySizes {
            body: slide.body.as_ref().map(|_| BODY_SIZE * u * setting.scale),
            body_en: slide
                .body_en
                .as_ref()
                .map(|_| BODY_EN_SIZE * u * setting.scale),
        };
        let top = text_box.1 + ((text_box.3 - setting.height) / 2.0).max(0.0);
        self.typesetter.draw(&setting, &mut canvas, text_box.0, top);
        Ok(canvas)
    }

    /// The photo and its caption band, and the band's height.
    fn image_slide(
        &mut self,
        slide: &ImageSlide,
        folder: &Path,
        width: u32,
        height: u32,
        warnings: &mut Vec<String>,
    ) -> Result<(Pixmap, f32), PictureError> {
        let frame = Frame::new(width, height);
        let screen = (0.0, 0.0, frame.width, frame.height);
        let photo = scaled_photo(
            folder,
            &slide.file.relative,
            screen,
            slide.fit == Fit::Cover,
        )?;
        // A photo that fills the screen is the slide: no background to draw it over.
        let mut canvas =
            if photo.opaque && (photo.pixmap.width(), photo.pixmap.height()) == (width, height) {
                photo.pixmap
            } else {
                let mut canvas = blank(width, height, slide.background.unwrap_or(PHOTO_BACKGROUND));
                place_photo(&mut canvas, &photo, screen);
                canvas
            };

        let band = self.caption_band(
            &mut canvas,
            frame,
            slide.caption.as_deref(),
            slide.caption_en.as_deref(),
            warnings,
        );
        Ok((canvas, band))
    }

    /// A video slide's picture: black where the video goes, the caption band below it. The
    /// video's frames are drawn into `area` (left, top, right, bottom, in pixels) on the GPU.
    pub fn video_backdrop(
        &mut self,
        slide: &VideoSlide,
        width: u32,
        height: u32,
    ) -> (Picture, [f32; 4]) {
        let frame = Frame::new(width, height);
        // Black under the video: the compositor adds the frame's light to it, so every
        // transition mixes the video like any other picture.
        let mut canvas = blank(width, height, Colour::rgb(0, 0, 0));
        let mut warnings = Vec::new();
        let band = self.caption_band(
            &mut canvas,
            frame,
            slide.caption.as_deref(),
            slide.caption_en.as_deref(),
            &mut warnings,
        );
        let area = [0.0, 0.0, frame.width, (frame.height - band).round()];
        (finish(canvas, warnings), area)
    }

    /// A subtitle set for a room of `width` × `height` pixels (the slides' area's width, the
    /// video's height): its text (furigana and phrase breaks as on slides) in white on a
    /// near-black box just large enough for it, opaque so it reads over any picture.
    pub fn subtitle(&mut self, text: &str, width: u32, height: u32) -> Picture {
        let unit = (width.min(height) as f32 / 100.0).max(1.0);
        let size = (5.5 * unit).max(14.0);
        let lines = [paragraph(
            text,
            size,
            true,
            WHITE,
            1.25,
            0.0,
            Alignment::Center,
        )];
        let padding = (0.35 * size).round();
        let room = (width as f32 * 0.9 - 2.0 * padding, height as f32 * 0.4);
        let setting = self.typesetter.fit(&lines, room.0, room.1);
        // Set again as wide as its widest line, so each line is centred in the box.
        let setting = self
            .typesetter
            .fit(&lines, setting.width.ceil().min(room.0), room.1);
        let mut warnings = Vec::new();
        if !setting.fits {
            warnings.push(format!(
                "the subtitle 「{text}」 is too long to fit and is cut off"
            ));
        }
        let box_width = (setting.width + 2.0 * padding).ceil().min(width as f32) as u32;
        let box_height = (setting.height + 2.0 * padding).ceil().min(height as f32) as u32;
        let mut canvas = blank(box_width, box_height, Colour::rgb(0x10, 0x10, 0x10));
        self.typesetter
            .draw(&setting, &mut canvas, padding, padding);
        finish(canvas, warnings)
    }

    /// Draws a caption band along the bottom of `canvas` and returns its height (0 without one).
    fn caption_band(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        caption: Option<&str>,
        caption_en: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> f32 {
        let u = frame.unit;
        let mut paragraphs = Vec::new();
        if let Some(caption) = caption {
            paragraphs.push(paragraph(
                caption,
                5.0 * u,
                true,
                WHITE,
                1.3,
                0.0,
                Alignment::Center,
            ));
        }
        if let Some(caption_en) = caption_en {
            paragraphs.push(paragraph(
                caption_en,
                3.6 * u,
                false,
                CAPTION_EN,
                1.3,
                0.8 * u,
                Alignment::Center,
            ));
        }
        if paragraphs.is_empty() {
            return 0.0;
        }
        let padding = 2.5 * u;
        let text_width = frame.width - 2.0 * frame.margin();
        let setting = self
            .typesetter
            .fit(&paragraphs, text_width, frame.height * 0.3);
        if !setting.fits {
            warnings.push("the caption is too long to fit and is cut off; shorten it".into());
        }
        let band_height = setting.height + 2.0 * padding;
        fill_rect(
            canvas,
            0.0,
            frame.height - band_height,
            frame.width,
            band_height,
            CAPTION_BAND,
        );
        self.typesetter.draw(
            &setting,
            canvas,
            frame.margin(),
            frame.height - band_height + padding,
        );
        band_height
    }
}

fn poster_slide(
    slide: &PosterSlide,
    folder: &Path,
    width: u32,
    height: u32,
) -> Result<Pixmap, PictureError> {
    let mut canvas = blank(width, height, slide.background.unwrap_or(POSTER_BACKGROUND));
    draw_media(
        &mut canvas,
        folder,
        &slide.file.relative,
        (0.0, 0.0, width as f32, height as f32),
    )?;
    Ok(canvas)
}

fn pdf_slide(
    slide: &PdfSlide,
    folder: &Path,
    width: u32,
    height: u32,
) -> Result<Pixmap, PictureError> {
    let mut canvas = blank(width, height, slide.background.unwrap_or(PDF_BACKGROUND));
    let job = Job::PdfPage { page: slide.page() };
    let paper = draw_file(
        folder,
        &slide.file.relative,
        MAX_MEDIA_BYTES,
        job,
        (width, height),
    )?;
    let x = (width as i32 - paper.pixmap.width() as i32) / 2;
    let y = (height as i32 - paper.pixmap.height() as i32) / 2;
    copy_opaque(&mut canvas, &paper.pixmap, x, y);
    Ok(canvas)
}

/// A web page's last good snapshot (the library fills it in), as large as fits.
fn web_slide(slide: &WebSlide, width: u32, height: u32) -> Result<Pixmap, PictureError> {
    // Not the page's fault for staff to fix beside a file: no note is written for it.
    let unshown = |reason: String| PictureError::Unreadable {
        path: slide.url.clone().into(),
        source: std::io::Error::other(reason),
    };
    let Some(snapshot) = &slide.snapshot else {
        return Err(unshown("no snapshot of the page has been taken yet".into()));
    };
    let request = media_process::Request {
        path: snapshot.file.clone(),
        shown_as: snapshot.file.clone(),
        job: Job::Photo { cover: false },
        width,
        height,
    };
    let Drawn::Pixels { pixmap, opaque } =
        media_process::draw(&request).map_err(|e| unshown(format!("its snapshot: {e}")))?
    else {
        return Err(unshown("its snapshot gave no picture".into()));
    };
    let mut canvas = blank(width, height, POSTER_BACKGROUND);
    let area = (0.0, 0.0, width as f32, height as f32);
    place_photo(&mut canvas, &FittedPicture { pixmap, opaque }, area);
    Ok(canvas)
}

/// Draws a picture file, SVG or photo, as large as fits in a box, centred.
fn draw_media(
    canvas: &mut Pixmap,
    folder: &Path,
    relative: &Path,
    area @ (_, _, w, h): (f32, f32, f32, f32),
) -> Result<(), PictureError> {
    let is_svg = relative
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let (job, limit) = if is_svg {
        (Job::Svg, MAX_SVG_BYTES)
    } else {
        (Job::Photo { cover: false }, MAX_MEDIA_BYTES)
    };
    let drawn = draw_file(folder, relative, limit, job, (w as u32, h as u32))?;
    place_photo(canvas, &drawn, area);
    Ok(())
}

/// A picture drawn for a box, and whether it can be copied rather than blended.
struct FittedPicture {
    pixmap: Pixmap,
    opaque: bool,
}

fn scaled_photo(
    folder: &Path,
    relative: &Path,
    (_, _, w, h): (f32, f32, f32, f32),
    cover: bool,
) -> Result<FittedPicture, PictureError> {
    let job = Job::Photo { cover };
    draw_file(folder, relative, MAX_MEDIA_BYTES, job, (w as u32, h as u32))
}

/// Draws a media file inside `folder` for a box of `width` × `height` pixels, within the drawing
/// limits (`media_process`).
fn draw_file(
    folder: &Path,
    relative: &Path,
    most_bytes: u64,
    job: Job,
    (width, height): (u32, u32),
) -> Result<FittedPicture, PictureError> {
    let request = media_process::Request {
        path: picture::resolve_media(folder, relative, most_bytes)?,
        shown_as: folder.join(relative),
        job,
        width: width.max(1),
        height: height.max(1),
    };
    match media_process::draw(&request)? {
        Drawn::Pixels { pixmap, opaque } => Ok(FittedPicture { pixmap, opaque }),
        Drawn::Opened { .. } => Err(PictureError::Undecodable {
            path: request.shown_as,
            reason: "drawing it gave no picture".into(),
        }),
    }
}

/// Puts a scaled photo in the middle of its box.
fn place_photo(canvas: &mut Pixmap, photo: &FittedPicture, (x, y, w, h): (f32, f32, f32, f32)) {
    let pixmap = &photo.pixmap;
    let left = x as i32 + (w as i32 - pixmap.width() as i32) / 2;
    let top = y as i32 + (h as i32 - pixmap.height() as i32) / 2;
    if photo.opaque {
        copy_opaque(canvas, pixmap, left, top);
        return;
    }
    canvas.draw_pixmap(
        left,
        top,
        pixmap.as_ref(),
        &tiny_skia::PixmapPaint::default(),
        tiny_skia::Transform::identity(),
        None,
    );
}

/// Copies opaque pixels row by row: the same result as drawing them over the canvas, without
/// blending (which costs a photo slide more than decoding its JPEG).
pub(crate) fn copy_opaque(canvas: &mut Pixmap, photo: &Pixmap, left: i32, top: i32) {
    let (canvas_w, canvas_h) = (canvas.width() as i32, canvas.height() as i32);
    let (x0, x1) = (left.max(0), (left + photo.width() as i32).min(canvas_w));
    let (y0, y1) = (top.max(0), (top + photo.height() as i32).min(canvas_h));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let row_bytes = (x1 - x0) as usize * 4;
    let (canvas_stride, photo_stride) = (canvas_w as usize * 4, photo.width() as usize * 4);
    let (source, target) = (photo.data(), canvas.data_mut());
    for y in y0..y1 {
        let from = (y - top) as usize * photo_stride + (x0 - left) as usize * 4;
        let to = y as usize * canvas_stride + x0 as usize * 4;
        target[to..to + row_bytes].copy_from_slice(&source[from..from + row_bytes]);
    }
}

/// A text slide's title, body and English body, in units of the screen (`Frame::unit`).
const TITLE_SIZE: f32 = 8.5;
const BODY_SIZE: f32 = 5.6;
const BODY_EN_SIZE: f32 = 4.0;

fn paragraph(
    text: &str,
    size: f32,
    bold: bool,
    colour: Rgba,
    line_height: f32,
    space_before: f32,
    align: Alignment,
) -> Paragraph<'_> {
    Paragraph {
        text,
        size,
        bold,
        colour,
        line_height,
        space_before,
        align,
    }
}

fn blank(width: u32, height: u32, background: Colour) -> Pixmap {
    let mut canvas = Pixmap::new(width.max(1), height.max(1)).expect("screen size is not zero");
    let [r, g, b, _] = background.0;
    // Backgrounds are always opaque: a see-through slide would show the one before it.
    canvas.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    canvas
}

fn fill_rect(canvas: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, colour: Rgba) {
    let Some(rect) = tiny_skia::Rect::from_xywh(x, y, w, h) else {
        return;
    };
    let mut paint = tiny_skia::Paint::default();
    paint.set_color_rgba8(colour[0], colour[1], colour[2], colour[3]);
    canvas.fill_rect(rect, &paint, tiny_skia::Transform::identity(), None);
}

fn finish(canvas: Pixmap, warnings: Vec<String>) -> Picture {
    Picture {
        width: canvas.width(),
        height: canvas.height(),
        // Every pixel is opaque, so premultiplied and straight alpha are the same bytes.
        rgba: canvas.take(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::playlist::Playlist;

    #[test]
    fn a_caption_reads_over_any_picture_under_its_band() {
        use crate::core::legibility::{TEXT_CONTRAST, contrast_ratio, over};
        // The band is lightest over white; the captions are lightest-on-light there.
        let mut worst = f64::MAX;
        for level in 0..=255u8 {
            for under in [
                [level; 3],
                [level, level, 0],
                [0, level, level],
                [level, 0, level],
            ] {
                let band = over(CAPTION_BAND, under);
                for text in [WHITE, CAPTION_EN] {
                    worst = worst.min(contrast_ratio(over(text, band), band));
                }
            }
        }
        // #E8E8E8 over the band on white: 5.6:1.
        assert!(worst >= TEXT_CONTRAST, "{worst:.2}:1");
        assert!((worst - 5.6).abs() < 0.1, "{worst:.2}:1");
    }

    #[test]
    fn a_slide_that_chose_its_colours_gets_a_title_and_english_it_can_read() {
        let slide = |text: &str| match &Playlist::parse(text).unwrap().slides[0] {
            Slide::Text(slide) => slide.clone(),
            _ => unreachable!(),
        };
        // The house colours, as they are.
        let plain = slide(r#"Playlist(title: "t", slides: [Text(title: "a")])"#);
        assert_eq!(text_slide_colours(&plain).0, TEXT_ACCENT.0);
        // White on pink: the house accent (brown) would be 1.1:1 there, so the title is white.
        let pink = slide(
            r##"Playlist(title: "t", slides: [Text(title: "a", background: "#D02070", color: "#FFFFFF")])"##,
        );
        let (title, colour, background) = text_slide_colours(&pink);
        assert_eq!((title, colour), ([255; 4], [255; 4]));
        // White faded to 82% would be 3.8:1 on pink: the English stays white.
        assert_eq!(faded_text(colour, background), [255; 4]);
        assert_eq!(faded_text(TEXT_COLOUR.0, TEXT_BACKGROUND.0)[3], 209);
    }

    #[test]
    fn a_screen_sized_photo_is_the_slide_and_a_see_through_one_lies_on_its_background() {
        let dir = tempfile::tempdir().unwrap();
        let (width, height) = (64, 32);
        let photo = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([x as u8 * 4, y as u8 * 8, 100])
        });
        photo.save(dir.path().join("photo.png")).unwrap();
        let veil = image::RgbaImage::from_pixel(width, height, image::Rgba([255, 255, 255, 128]));
        veil.save(dir.path().join("veil.png")).unwrap();
        let playlist = Playlist::parse(
            r##"Playlist(title: "p", slides: [
                Image(file: "photo.png", fit: Cover),
                Image(file: "veil.png", background: "#000000"),
            ])"##,
        )
        .unwrap();
        let mut composer = Composer::default();

        let slide = composer
            .slide(&playlist.slides[0], dir.path(), width, height)
            .unwrap();
        let expected: Vec<u8> = photo
            .pixels()
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        assert!(slide.rgba == expected, "the photo's own pixels, every one");

        let slide = composer
            .slide(&playlist.slides[1], dir.path(), width, height)
            .unwrap();
        // Half-transparent white over black.
        assert!(
            slide
                .rgba
                .chunks_exact(4)
                .all(|p| p == [128, 128, 128, 255]),
            "{:?}",
            &slide.rgba[..4]
        );
    }
}
