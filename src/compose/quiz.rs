//! The quiz screens of a tablet, drawn like slides, each with the touch targets on it.
//!
//! Every target is at least [`TARGET`] layout units on its short side: 12 units of a 1280×800
//! tablet is 96 px, more than the 89 px that 15 mm is on a 10.1-inch screen of that size.

use super::picture::{self, PictureError};
use super::text::Rgba;
use super::{
    Composer, Frame, Picture, TEXT_BACKGROUND, WHITE, blank, draw_media, fill_rect, finish,
    paragraph,
};
use crate::core::playlist::{Colour, MAX_PLAYLIST_BYTES, QuizSlide};
use crate::core::quiz::{Language, Question, Quiz, QuizMachine, Screen, Tap};
use crate::core::staff_exit::PinKey;
use crate::core::touch::{Action, Button, Rect};
use parley::Alignment;
use resvg::tiny_skia::{self, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};
use std::path::Path;

/// A drawn screen, or part of one, with its touch targets in screen pixels.
pub struct Screenful {
    pub picture: Picture,
    /// Where the picture's top edge goes on the screen.
    pub top: u32,
    pub buttons: Vec<Button>,
    /// The staff's texts (a question, a choice, an explanation, as written) that do not fit
    /// even at the smallest size the typesetter allows: `check` reports them at their line.
    pub overflowing: Vec<String>,
    /// The staff's texts that fit only by breaking a line inside a phrase (a word wider than
    /// its box): `check` reports them too.
    pub broken_phrases: Vec<String>,
}

/// The short side of every touch target, in layout units (hundredths of the screen's short side).
pub const TARGET: f32 = 12.0;

const NAVY: Rgba = [0x17, 0x32, 0x4D, 255];
const INK: Rgba = [0x1F, 0x29, 0x33, 255];
const SOFT_INK: Rgba = [0x4A, 0x55, 0x60, 255];
const GREEN: Rgba = [0x2E, 0x7D, 0x32, 255];
const RED: Rgba = [0xC6, 0x28, 0x28, 255];
const PALE_BLUE: Rgba = [0xD6, 0xE4, 0xF0, 255];
/// One colour per choice, so children can say "the red one".
const CHOICE_COLOURS: [Rgba; 4] = [
    [0x15, 0x65, 0xC0, 255],
    [0xC6, 0x28, 0x28, 255],
    [0x2E, 0x7D, 0x32, 255],
    [0xE6, 0x5C, 0x00, 255],
];

/// The words of the quiz screens in the visitor's language.
struct Words {
    language: Language,
}

impl Words {
    fn pick<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self.language {
            Language::Ja => ja,
            Language::En => en,
        }
    }

    /// Staff may leave out the English; the Japanese is shown then.
    fn text<'a>(&self, ja: &'a str, en: Option<&'a str>) -> &'a str {
        match self.language {
            Language::En => en.unwrap_or(ja),
            Language::Ja => ja,
        }
    }

    /// The toggle names the other language, in that language.
    fn toggle(&self) -> &'static str {
        self.pick("English", "日本語")
    }
}

/// The height of the attract loop's band along the bottom of a `width`×`height` screen: 24
/// hundredths of its short side, room for the call to touch and the language toggle.
pub fn attract_band_height(width: u32, height: u32) -> u32 {
    (24.0 * Frame::new(width, height).unit).round() as u32
}

impl Composer {
    /// The screen for a quiz round in progress; `folder` holds the quiz's pictures.
    pub fn quiz_screen(
        &mut self,
        machine: &QuizMachine,
        folder: &Path,
        width: u32,
        height: u32,
    ) -> Screenful {
        let frame = Frame::new(width, height);
        let words = Words {
            language: machine.language(),
        };
        let mut canvas = blank(width, height, TEXT_BACKGROUND);
        let mut buttons = Vec::new();
        let mut warnings = Vec::new();
        self.overflowing.clear();
        self.broken_phrases.clear();
        let quiz = machine.quiz();
        let heading = match machine.progress() {
            Some((number, of)) => match words.language {
                Language::Ja => format!("{}　もんだい {number} / {of}", quiz.title),
                Language::En => format!(
                    "{} · Question {number} of {of}",
                    quiz.title_en.as_deref().unwrap_or(&quiz.title)
                ),
            },
            None => words
                .text(&quiz.title, quiz.title_en.as_deref())
                .to_string(),
        };
        let content_top = self.top_bar(&mut canvas, frame, &heading, &words, &mut buttons);
        match (machine.screen(), machine.current_question()) {
            (Screen::Asking { .. }, Some((question, order))) => self.asking(
                &mut canvas,
                frame,
                content_top,
                question,
                order,
                &words,
                folder,
                &mut buttons,
                &mut warnings,
            ),
            (
                Screen::Feedback {
                    chosen, correct, ..
                },
                Some((question, _)),
            ) => {
                let last = machine.progress().is_some_and(|(n, of)| n == of);
                self.feedback(
                    &mut canvas,
                    frame,
                    content_top,
                    question,
                    *chosen,
                    *correct,
                    last,
                    &words,
                    &mut buttons,
                )
            }
            (Screen::Result { score, passed }, _) => self.result(
                &mut canvas,
                frame,
                content_top,
                (*score, quiz.round_length()),
                *passed,
                &words,
                &mut buttons,
            ),
            // The attract loop is the slideshow with a band over it, not a screen of its own.
            _ => {}
        }
        // The toggle goes last so it lies on top of every other target.
        buttons.rotate_left(1);
        Screenful {
            picture: finish(canvas, warnings),
            top: 0,
            buttons,
            overflowing: std::mem::take(&mut self.overflowing),
            broken_phrases: std::mem::take(&mut self.broken_phrases),
        }
    }

    /// The band over the attract loop: the call to touch, and the language toggle. The whole
    /// screen starts a round.
    pub fn attract_band(
        &mut self,
        quiz: &Quiz,
        language: Language,
        width: u32,
        height: u32,
    ) -> Screenful {
        let frame = Frame::new(width, height);
        let u = frame.unit;
        let band_height = attract_band_height(width, height) as f32;
        let mut band = blank(width, band_height as u32, Colour(NAVY));
        fill_rect(&mut band, 0.0, 0.0, frame.width, 0.8 * u, CHOICE_COLOURS[3]);
        let words = Words { language };
        let (call, other) = match language {
            Language::Ja => ("タッチしてクイズに挑戦！", "Touch to start"),
            Language::En => ("Touch to start the quiz!", "タッチしてクイズに挑戦"),
        };
        let title = words.text(&quiz.title, quiz.title_en.as_deref());
        let toggle_width = 26.0 * u;
        let text_width = frame.width - 2.0 * frame.margin() - toggle_width;
        let setting = self.typesetter.fit(
            &[
                paragraph(
                    title,
                    4.0 * u,
                    false,
                    PALE_BLUE,
                    1.2,
                    0.0,
                    Alignment::Center,
                ),
                paragraph(call, 7.5 * u, true, WHITE, 1.2, 0.6 * u, Alignment::Center),
                paragraph(
                    other,
                    4.0 * u,
                    false,
                    PALE_BLUE,
                    1.2,
                    0.4 * u,
                    Alignment::Center,
                ),
            ],
            text_width,
            band_height - 3.0 * u,
        );
        let text_top = 0.8 * u + (band_height - 0.8 * u - setting.height) / 2.0;
        self.typesetter
            .draw(&setting, &mut band, frame.margin(), text_top);
        let top = frame.height - band_height;
        let toggle = Rect {
            x: frame.width - frame.margin() - toggle_width + 2.0 * u,
            y: (band_height - TARGET * u) / 2.0 + 0.4 * u,
            width: toggle_width - 2.0 * u,
            height: TARGET * u,
        };
        self.button(
            &mut band,
            toggle,
            words.toggle(),
            [255, 255, 255, 40],
            WHITE,
            u,
        );
        let everywhere = Rect {
            x: 0.0,
            y: 0.0,
            width: frame.width,
            height: frame.height,
        };
        Screenful {
            picture: finish(band, Vec::new()),
            top: top as u32,
            buttons: vec![
                Button {
                    rect: everywhere,
                    action: Action::Quiz(Tap::Start),
                },
                Button {
                    rect: Rect {
                        y: toggle.y + top,
                        ..toggle
                    },
                    action: Action::Quiz(Tap::ToggleLanguage),
                },
            ],
            overflowing: Vec::new(),
            broken_phrases: Vec::new(),
        }
    }

    /// The staff PIN pad, showing a dot per digit typed.
    pub fn pin_pad(&mut self, typed: usize, width: u32, height: u32) -> Screenful {
        let frame = Frame::new(width, height);
        let u = frame.unit;
        let mut canvas = blank(width, height, Colour([0x22, 0x22, 0x22, 255]));
        let key = 16.0 * u;
        let gap = 2.5 * u;
        let pad_width = 3.0 * key + 2.0 * gap;
        let pad_height = 5.0 * key + 4.0 * gap;
        let top_text = 16.0 * u;
        let scale = ((frame.height - top_text - 4.0 * u) / pad_height).min(1.0);
        let (key, gap) = (key * scale, gap * scale);
        let left = (frame.width - (3.0 * key + 2.0 * gap)) / 2.0;
        let top = top_text + (frame.height - top_text - (5.0 * key + 4.0 * gap)) / 2.0;
        let dots = "●".repeat(typed) + &"○".repeat(4usize.saturating_sub(typed));
        let setting = self.typesetter.fit(
            &[
                paragraph(
                    "スタッフ用　PINを入力 / Staff: enter PIN",
                    4.0 * u,
                    true,
                    WHITE,
                    1.2,
                    0.0,
                    Alignment::Center,
                ),
                paragraph(
                    &dots,
                    5.0 * u,
                    false,
                    WHITE,
                    1.2,
                    1.0 * u,
                    Alignment::Center,
                ),
            ],
            frame.width - 2.0 * frame.margin(),
            top_text - 2.0 * u,
        );
        self.typesetter
            .draw(&setting, &mut canvas, frame.margin(), 2.0 * u);
        let grey = [0x44, 0x44, 0x44, 255];
        let keys: [(&str, PinKey, Rgba); 13] = [
            ("1", PinKey::Digit(1), grey),
            ("2", PinKey::Digit(2), grey),
            ("3", PinKey::Digit(3), grey),
            ("4", PinKey::Digit(4), grey),
            ("5", PinKey::Digit(5), grey),
            ("6", PinKey::Digit(6), grey),
            ("7", PinKey::Digit(7), grey),
            ("8", PinKey::Digit(8), grey),
            ("9", PinKey::Digit(9), grey),
            ("← 消す", PinKey::Delete, grey),
            ("0", PinKey::Digit(0), grey),
            ("OK", PinKey::Enter, GREEN),
            ("やめる Cancel", PinKey::Cancel, RED),
        ];
        let mut buttons = Vec::new();
        for (index, (label, action, fill)) in keys.iter().enumerate() {
            let (row, column) = (index / 3, index % 3);
            let rect = Rect {
                x: left + column as f32 * (key + gap),
                y: top + row as f32 * (key + gap),
                // Cancel spans the last row.
                width: if index == 12 { pad_width * scale } else { key },
                height: key,
            };
            self.button(&mut canvas, rect, label, *fill, WHITE, u);
            buttons.push(Button {
                rect,
                action: Action::Pin(*action),
            });
        }
        Screenful {
            picture: finish(canvas, Vec::new()),
            top: 0,
            buttons,
            overflowing: Vec::new(),
            broken_phrases: Vec::new(),
        }
    }

    /// A quiz slide on a screen without touch: the quiz's title and its first question, and where
    /// to answer it.
    pub(super) fn quiz_invitation(
        &mut self,
        slide: &QuizSlide,
        folder: &Path,
        width: u32,
        height: u32,
    ) -> Result<Pixmap, PictureError> {
        let path = folder.join(&slide.file.relative);
        let bytes = picture::read_media(folder, &slide.file.relative, MAX_PLAYLIST_BYTES)?;
        let broken = |problem: String| PictureError::BrokenQuiz {
            path: path.clone(),
            problem,
        };
        let (source, _) =
            crate::core::encoding::decode(&bytes).map_err(|problem| broken(problem.to_string()))?;
        let quiz = Quiz::parse(&source).map_err(|problems| broken(problems[0].to_string()))?;
        let frame = Frame::new(width, height);
        let u = frame.unit;
        let margin = frame.margin();
        let mut canvas = blank(width, height, Colour(NAVY));
        fill_rect(
            &mut canvas,
            0.0,
            0.0,
            frame.width,
            1.2 * u,
            CHOICE_COLOURS[3],
        );
        let mut heading = vec![
            paragraph(
                "クイズに挑戦しよう！ Try the quiz!",
                4.6 * u,
                true,
                [0xFF, 0xB3, 0x6B, 255],
                1.2,
                0.0,
                Alignment::Start,
            ),
            paragraph(
                &quiz.title,
                9.0 * u,
                true,
                WHITE,
                1.2,
                1.0 * u,
                Alignment::Start,
            ),
        ];
        if let Some(title_en) = &quiz.title_en {
            heading.push(paragraph(
                title_en,
                4.6 * u,
                false,
                PALE_BLUE,
                1.2,
                0.6 * u,
                Alignment::Start,
            ));
        }
        let heading_setting =
            self.typesetter
                .fit(&heading, frame.width - 2.0 * margin, frame.height * 0.3);
        self.typesetter
            .draw(&heading_setting, &mut canvas, margin, margin);

        let question = &quiz.questions[0];
        let card = Rect {
            x: margin,
            y: margin + heading_setting.height + 4.0 * u,
            width: frame.width - 2.0 * margin,
            height: frame.height - 2.0 * margin - heading_setting.height - 4.0 * u,
        };
        fill_rounded(&mut canvas, card, 3.0 * u, TEXT_BACKGROUND.0);
        let choices: Vec<String> = question
            .choices
            .iter()
            .enumerate()
            .map(|(n, c)| format!("{}  {}", ["①", "②", "③", "④"][n % 4], c.ja))
            .collect();
        let mut lines = vec![paragraph(
            &question.question,
            6.4 * u,
            true,
            INK,
            1.3,
            0.0,
            Alignment::Start,
        )];
        if let Some(en) = &question.question_en {
            lines.push(paragraph(
                en,
                4.2 * u,
                false,
                SOFT_INK,
                1.3,
                0.6 * u,
                Alignment::Start,
            ));
        }
        for choice in &choices {
            lines.push(paragraph(
                choice,
                5.2 * u,
                false,
                INK,
                1.3,
                1.6 * u,
                Alignment::Start,
            ));
        }
        lines.push(paragraph(
            "こたえは となりのタブレットで！ Answer on the tablet nearby.",
            4.4 * u,
            true,
            CHOICE_COLOURS[0],
            1.3,
            3.0 * u,
            Alignment::Start,
        ));
        let inner = 4.0 * u;
        let setting =
            self.typesetter
                .fit(&lines, card.width - 2.0 * inner, card.height - 2.0 * inner);
        let top = card.y + ((card.height - setting.height) / 2.0).max(inner);
        self.typesetter
            .draw(&setting, &mut canvas, card.x + inner, top);
        Ok(canvas)
    }

    /// The navy bar across the top with the heading and the language toggle (the first button).
    /// Returns where the content below it starts.
    fn top_bar(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        heading: &str,
        words: &Words,
        buttons: &mut Vec<Button>,
    ) -> f32 {
        let u = frame.unit;
        let bar = (TARGET + 4.0) * u;
        fill_rect(canvas, 0.0, 0.0, frame.width, bar, NAVY);
        let toggle = Rect {
            x: frame.width - 2.0 * u - 26.0 * u,
            y: 2.0 * u,
            width: 26.0 * u,
            height: TARGET * u,
        };
        self.button(
            canvas,
            toggle,
            words.toggle(),
            [255, 255, 255, 40],
            WHITE,
            u,
        );
        buttons.push(Button {
            rect: toggle,
            action: Action::Quiz(Tap::ToggleLanguage),
        });
        let setting = self.typesetter.fit(
            &[paragraph(
                heading,
                4.6 * u,
                true,
                WHITE,
                1.2,
                0.0,
                Alignment::Start,
            )],
            toggle.x - 6.0 * u,
            bar - 2.0 * u,
        );
        self.typesetter
            .draw(&setting, canvas, 3.0 * u, (bar - setting.height) / 2.0);
        bar
    }

    #[allow(clippy::too_many_arguments)]
    fn asking(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        content_top: f32,
        question: &Question,
        order: &[usize],
        words: &Words,
        folder: &Path,
        buttons: &mut Vec<Button>,
        warnings: &mut Vec<String>,
    ) {
        let u = frame.unit;
        let margin = 4.0 * u;
        let top = content_top + 3.0 * u;
        let bottom = frame.height - margin;
        // Landscape: question and picture on the left, choices on the right. Portrait: stacked.
        let (question_box, picture_box, choices_box) = if frame.landscape() {
            let split = frame.width * 0.46;
            let question_height = if question.picture.is_some() {
                (bottom - top) * 0.45
            } else {
                bottom - top
            };
            (
                (margin, top, split - margin - 2.0 * u, question_height),
                (
                    margin,
                    top + question_height + 2.0 * u,
                    split - margin - 2.0 * u,
                    bottom - top - question_height - 2.0 * u,
                ),
                (
                    split + 2.0 * u,
                    top,
                    frame.width - split - 2.0 * u - margin,
                    bottom - top,
                ),
            )
        } else {
            let choices_height =
                (order.len() as f32 * (TARGET + 6.0) * u).min((bottom - top) * 0.55);
            let question_height = if question.picture.is_some() {
                18.0 * u
            } else {
                bottom - top - choices_height - 3.0 * u
            };
            let picture_top = top + question_height + 2.0 * u;
            let choices_top = bottom - choices_height;
            (
                (margin, top, frame.width - 2.0 * margin, question_height),
                (
                    margin,
                    picture_top,
                    frame.width - 2.0 * margin,
                    choices_top - picture_top - 3.0 * u,
                ),
                (
                    margin,
                    choices_top,
                    frame.width - 2.0 * margin,
                    choices_height,
                ),
            )
        };
        let text = words.text(&question.question, question.question_en.as_deref());
        let setting = self.typesetter.fit(
            &[paragraph(
                text,
                7.0 * u,
                true,
                INK,
                1.35,
                0.0,
                Alignment::Start,
            )],
            question_box.2,
            question_box.3,
        );
        if !setting.fits {
            warnings.push(format!(
                "the question \"{}\" is too long to fit; shorten it",
                question.question
            ));
            self.overflowing.push(text.to_string());
        } else if setting.breaks_a_phrase() {
            self.broken_phrases.push(text.to_string());
        }
        let text_top = if question.picture.is_some() {
            question_box.1 + (question_box.3 - setting.height).max(0.0)
        } else {
            question_box.1 + ((question_box.3 - setting.height) / 2.0).max(0.0)
        };
        self.typesetter
            .draw(&setting, canvas, question_box.0, text_top);
        if let Some(picture) = &question.picture
            && picture_box.3 > 4.0 * u
            && let Err(error) = draw_media(canvas, folder, &picture.relative, picture_box)
        {
            warnings.push(error.to_string());
        }

        let gap = 2.5 * u;
        let count = order.len() as f32;
        let height = ((choices_box.3 - gap * (count - 1.0)) / count).clamp(TARGET * u, 20.0 * u);
        let used = height * count + gap * (count - 1.0);
        let mut y = choices_box.1 + (choices_box.3 - used).max(0.0) / 2.0;
        for (shown, &index) in order.iter().enumerate() {
            let choice = &question.choices[index];
            let rect = Rect {
                x: choices_box.0,
                y,
                width: choices_box.2,
                height,
            };
            self.choice_button(
                canvas,
                rect,
                shown,
                words.text(&choice.ja, choice.en.as_deref()),
                u,
            );
            buttons.push(Button {
                rect,
                action: Action::Quiz(Tap::Choice(shown)),
            });
            y += height + gap;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn feedback(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        content_top: f32,
        question: &Question,
        chosen: usize,
        correct: bool,
        last: bool,
        words: &Words,
        buttons: &mut Vec<Button>,
    ) {
        let u = frame.unit;
        let margin = 5.0 * u;
        let (verdict, colour) = if correct {
            (words.pick("○ せいかい！", "○ Correct!"), GREEN)
        } else {
            (words.pick("× ざんねん…", "× Not quite"), RED)
        };
        let right = &question.choices[question.answer - 1];
        let answer = format!(
            "{}{}",
            words.pick("こたえ：", "Answer: "),
            words.text(&right.ja, right.en.as_deref())
        );
        let chosen_text = (!correct).then(|| {
            let c = &question.choices[chosen];
            format!(
                "{}{}",
                words.pick("あなたのこたえ：", "You chose: "),
                words.text(&c.ja, c.en.as_deref())
            )
        });
        let explanation = words.text(&question.explanation, question.explanation_en.as_deref());
        let next_height = (TARGET + 2.0) * u;
        let text_bottom = frame.height - margin - next_height - 3.0 * u;
        let mut paragraphs = vec![
            paragraph(verdict, 11.0 * u, true, colour, 1.2, 0.0, Alignment::Start),
            paragraph(&answer, 6.0 * u, true, INK, 1.3, 2.0 * u, Alignment::Start),
        ];
        if let Some(chosen_text) = &chosen_text {
            paragraphs.push(paragraph(
                chosen_text,
                4.2 * u,
                false,
                SOFT_INK,
                1.3,
                0.8 * u,
                Alignment::Start,
            ));
        }
        paragraphs.push(paragraph(
            explanation,
            5.2 * u,
            false,
            INK,
            1.5,
            3.0 * u,
            Alignment::Start,
        ));
        let top = content_top + 3.0 * u;
        // A coloured band down the left edge says right or wrong at a glance.
        fill_rect(
            canvas,
            0.0,
            content_top,
            2.0 * u,
            frame.height - content_top,
            colour,
        );
        let setting =
            self.typesetter
                .fit(&paragraphs, frame.width - 2.0 * margin, text_bottom - top);
        if !setting.fits {
            self.overflowing.push(explanation.to_string());
        } else {
            // The paragraphs' texts as staff wrote them (the verdict is the quiz's own).
            let mut written = vec![None, Some(words.text(&right.ja, right.en.as_deref()))];
            if chosen_text.is_some() {
                let c = &question.choices[chosen];
                written.push(Some(words.text(&c.ja, c.en.as_deref())));
            }
            written.push(Some(explanation));
            for (index, text) in written.into_iter().enumerate() {
                if let Some(text) = text
                    && setting.breaks_a_phrase_in(index)
                {
                    self.broken_phrases.push(text.to_string());
                }
            }
        }
        let text_top = top + ((text_bottom - top - setting.height) / 2.0).max(0.0);
        self.typesetter.draw(&setting, canvas, margin, text_top);
        let label = if last {
            words.pick("けっかを見る ▶", "See my score ▶")
        } else {
            words.pick("つぎへ ▶", "Next ▶")
        };
        let width = (44.0 * u).min(frame.width - 2.0 * margin);
        let rect = Rect {
            x: frame.width - margin - width,
            y: frame.height - margin - next_height,
            width,
            height: next_height,
        };
        self.button(canvas, rect, label, NAVY, WHITE, u);
        buttons.push(Button {
            rect,
            action: Action::Quiz(Tap::Next),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &mut self,
        canvas: &mut Pixmap,
        frame: Frame,
        content_top: f32,
        (score, of): (usize, usize),
        passed: bool,
        words: &Words,
        buttons: &mut Vec<Button>,
    ) {
        let u = frame.unit;
        let margin = 5.0 * u;
        let score_line = match words.language {
            Language::Ja => format!("{of}もん中 {score}もん せいかい"),
            Language::En => format!("{score} of {of} correct"),
        };
        let (message, detail) = if passed {
            (
                words.pick("よくできました！", "Well done!"),
                words.pick(
                    "おうちの人にも教えてあげてね。",
                    "Share what you learned with your family.",
                ),
            )
        } else {
            (
                words.pick("おしい！", "Nice try!"),
                words.pick("もういちど挑戦してみてね。", "Have another go any time."),
            )
        };
        let big = format!("{score} / {of}");
        let next_height = (TARGET + 2.0) * u;
        let top = content_top + 3.0 * u;
        let text_bottom = frame.height - margin - next_height - 3.0 * u;
        let colour = if passed { GREEN } else { CHOICE_COLOURS[0] };
        let setting = self.typesetter.fit(
            &[
                paragraph(&big, 20.0 * u, true, colour, 1.1, 0.0, Alignment::Center),
                paragraph(
                    &score_line,
                    6.0 * u,
                    true,
                    INK,
                    1.3,
                    1.0 * u,
                    Alignment::Center,
                ),
                paragraph(
                    message,
                    9.0 * u,
                    true,
                    colour,
                    1.3,
                    3.0 * u,
                    Alignment::Center,
                ),
                paragraph(
                    detail,
                    5.0 * u,
                    false,
                    SOFT_INK,
                    1.4,
                    1.0 * u,
                    Alignment::Center,
                ),
            ],
            frame.width - 2.0 * margin,
            text_bottom - top,
        );
        let text_top = top + ((text_bottom - top - setting.height) / 2.0).max(0.0);
        self.typesetter.draw(&setting, canvas, margin, text_top);
        let width = (44.0 * u).min(frame.width - 2.0 * margin);
        let rect = Rect {
            x: (frame.width - width) / 2.0,
            y: frame.height - margin - next_height,
            width,
            height: next_height,
        };
        self.button(canvas, rect, words.pick("おわる", "Finish"), NAVY, WHITE, u);
        buttons.push(Button {
            rect,
            action: Action::Quiz(Tap::Next),
        });
    }

    /// A choice: a white card with a coloured number badge and the answer text.
    fn choice_button(&mut self, canvas: &mut Pixmap, rect: Rect, shown: usize, text: &str, u: f32) {
        let colour = CHOICE_COLOURS[shown % CHOICE_COLOURS.len()];
        fill_rounded(canvas, rect, 2.0 * u, WHITE);
        stroke_rounded(canvas, rect, 2.0 * u, colour, 0.6 * u);
        let badge = (rect.height - 3.0 * u).min(11.0 * u);
        let badge_rect = Rect {
            x: rect.x + 1.5 * u,
            y: rect.y + (rect.height - badge) / 2.0,
            width: badge,
            height: badge,
        };
        fill_rounded(canvas, badge_rect, badge / 2.0, colour);
        let number = ["1", "2", "3", "4"][shown % 4];
        self.centred_text(canvas, badge_rect, number, 6.0 * u, true, WHITE);
        let text_rect = Rect {
            x: badge_rect.x + badge + 2.0 * u,
            y: rect.y + u,
            width: rect.width - badge - 5.5 * u,
            height: rect.height - 2.0 * u,
        };
        let setting = self.typesetter.fit(
            &[paragraph(
                text,
                5.4 * u,
                true,
                INK,
                1.2,
                0.0,
                Alignment::Start,
            )],
            text_rect.width,
            text_rect.height,
        );
        if !setting.fits {
            self.overflowing.push(text.to_string());
        } else if setting.breaks_a_phrase() {
            self.broken_phrases.push(text.to_string());
        }
        self.typesetter.draw(
            &setting,
            canvas,
            text_rect.x,
            text_rect.y + (text_rect.height - setting.height) / 2.0,
        );
    }

    fn button(
        &mut self,
        canvas: &mut Pixmap,
        rect: Rect,
        label: &str,
        fill: Rgba,
        ink: Rgba,
        u: f32,
    ) {
        fill_rounded(canvas, rect, 2.0 * u, fill);
        if fill[3] < 255 {
            stroke_rounded(canvas, rect, 2.0 * u, ink, 0.4 * u);
        }
        self.centred_text(canvas, rect, label, 5.0 * u, true, ink);
    }

    fn centred_text(
        &mut self,
        canvas: &mut Pixmap,
        rect: Rect,
        text: &str,
        size: f32,
        bold: bool,
        ink: Rgba,
    ) {
        let inset = size * 0.3;
        let setting = self.typesetter.fit(
            &[paragraph(
                text,
                size,
                bold,
                ink,
                1.15,
                0.0,
                Alignment::Center,
            )],
            rect.width - 2.0 * inset,
            rect.height - inset,
        );
        self.typesetter.draw(
            &setting,
            canvas,
            rect.x + inset,
            rect.y + (rect.height - setting.height) / 2.0,
        );
    }
}

fn rounded(rect: Rect, radius: f32) -> Option<tiny_skia::Path> {
    let Rect {
        x,
        y,
        width: w,
        height: h,
    } = rect;
    let r = radius.min(w / 2.0).min(h / 2.0);
    // The control-point distance that makes a cubic Bézier a quarter circle.
    let k = r * 0.552_284_8;
    let mut path = PathBuilder::new();
    path.move_to(x + r, y);
    path.line_to(x + w - r, y);
    path.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    path.line_to(x + w, y + h - r);
    path.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    path.line_to(x + r, y + h);
    path.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    path.line_to(x, y + r);
    path.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    path.close();
    path.finish()
}

fn paint(colour: Rgba) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(colour[0], colour[1], colour[2], colour[3]);
    paint.anti_alias = true;
    paint
}

fn fill_rounded(canvas: &mut Pixmap, rect: Rect, radius: f32, colour: Rgba) {
    if let Some(path) = rounded(rect, radius) {
        canvas.fill_path(
            &path,
            &paint(colour),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

fn stroke_rounded(canvas: &mut Pixmap, rect: Rect, radius: f32, colour: Rgba, width: f32) {
    if let Some(path) = rounded(rect, radius) {
        let stroke = Stroke {
            width,
            ..Stroke::default()
        };
        canvas.stroke_path(&path, &paint(colour), &stroke, Transform::identity(), None);
    }
}
