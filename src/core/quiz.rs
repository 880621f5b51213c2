//! Touch quizzes: the quiz file as staff write it, and a round as a state machine driven by taps
//! and the clock, so every rule (timeouts, double taps, shuffling) is tested without a screen.

use super::diagnostic::{Diagnostic, SourceLocator, parse_ron};
use super::playlist::MediaPath;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub title: String,
    pub title_en: Option<String>,
    /// Questions asked in one round; all of them when left out.
    pub questions_per_round: Option<usize>,
    /// Ask questions, and list choices, in a different order each round.
    #[serde(default = "yes")]
    pub shuffle: bool,
    /// A round nobody touches for this long is abandoned and the attract loop returns.
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: f64,
    /// Correct answers needed for the "well done" result.
    pub pass_mark: Option<usize>,
    pub questions: Vec<Question>,
}

fn yes() -> bool {
    true
}

fn default_idle_seconds() -> f64 {
    60.0
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: String,
    pub question_en: Option<String>,
    pub choices: Vec<Choice>,
    /// Which choice is right, counting from 1 as staff do.
    pub answer: usize,
    /// One sentence shown after answering.
    pub explanation: String,
    pub explanation_en: Option<String>,
    pub picture: Option<MediaPath>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub ja: String,
    pub en: Option<String>,
}

impl Quiz {
    /// Parses and checks a quiz; every rule violation is reported at once.
    pub fn parse(source: &str) -> Result<Quiz, Vec<Diagnostic>> {
        let quiz: Quiz = parse_ron(source).map_err(|d| vec![d])?;
        let mut at = SourceLocator::new(source);
        let mut problems = Vec::new();
        if quiz.questions.is_empty() {
            problems.push(Diagnostic::new(
                at.field("questions"),
                "the quiz has no questions",
            ));
        }
        if quiz.questions_per_round == Some(0)
            || quiz
                .questions_per_round
                .is_some_and(|n| n > quiz.questions.len())
        {
            problems.push(Diagnostic::new(
                at.field("questions_per_round"),
                format!(
                    "`questions_per_round` must be between 1 and the {} questions written",
                    quiz.questions.len()
                ),
            ));
        }
        if quiz.pass_mark.is_some_and(|p| p > quiz.round_length()) {
            problems.push(Diagnostic::new(
                at.field("pass_mark"),
                "`pass_mark` is more than the questions in a round",
            ));
        }
        if !(10.0..=3600.0).contains(&quiz.idle_seconds) {
            problems.push(Diagnostic::new(
                at.field("idle_seconds"),
                "`idle_seconds` must be between 10 and 3600",
            ));
        }
        for question in &quiz.questions {
            let position = at.string_literal(&question.question);
            if !(2..=4).contains(&question.choices.len()) {
                problems.push(Diagnostic::new(
                    position,
                    format!(
                        "a question has 2 to 4 choices; this one has {}",
                        question.choices.len()
                    ),
                ));
            }
            if question.answer == 0 || question.answer > question.choices.len() {
                problems.push(
                    Diagnostic::new(
                        position,
                        format!("`answer: {}` is not one of the choices", question.answer),
                    )
                    .with_hint("count the choices from 1: `answer: 1` is the first"),
                );
            }
        }
        let texts =
            [&quiz.title]
                .into_iter()
                .chain(&quiz.title_en)
                .chain(quiz.questions.iter().flat_map(|q| {
                    [&q.question, &q.explanation]
                        .into_iter()
                        .chain(&q.question_en)
                        .chain(&q.explanation_en)
                        .chain(
                            q.choices
                                .iter()
                                .flat_map(|c| [&c.ja].into_iter().chain(&c.en)),
                        )
                }));
        problems.extend(super::furigana::diagnostics(
            &mut at,
            texts.map(String::as_str),
        ));
        if problems.is_empty() {
            Ok(quiz)
        } else {
            Err(problems)
        }
    }

    pub fn round_length(&self) -> usize {
        self.questions_per_round
            .unwrap_or(self.questions.len())
            .min(self.questions.len())
    }
}

/// The language a visitor chose; Japanese first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

/// What the visitor sees.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// The attract loop with its "touch to start" call.
    Attract,
    /// Question `number` (0-based within the round), waiting for a choice.
    Asking { number: usize },
    /// The answer to question `number` and its explanation.
    Feedback {
        number: usize,
        chosen: usize,
        correct: bool,
    },
    /// The score at the end of a round.
    Result { score: usize, passed: bool },
}

/// Something the visitor touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tap {
    Start,
    /// A choice as shown on screen, 0-based.
    Choice(usize),
    Next,
    ToggleLanguage,
}

/// One answer in a finished or abandoned round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Answer {
    /// The question's position in the quiz file, 0-based.
    pub question: usize,
    /// The choice picked, as numbered in the quiz file (0-based).
    pub chosen: usize,
    pub correct: bool,
}

/// A round's anonymous result, for the results log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundRecord {
    pub language: Language,
    pub answers: Vec<Answer>,
    pub score: usize,
    pub questions: usize,
    pub finished: bool,
    pub seconds: f64,
}

/// Taps closer together than this after the screen changed are taken as one accidental double
/// tap, so a second tap cannot answer the next question unseen.
pub const TAP_GUARD_SECONDS: f64 = 0.4;

/// A quiz on a tablet: the attract loop, rounds of questions, results, and timeouts.
pub struct QuizMachine {
    quiz: Quiz,
    screen: Screen,
    language: Language,
    /// The questions of this round (indices into the quiz) and each one's choice order.
    order: Vec<usize>,
    choice_orders: Vec<Vec<usize>>,
    answers: Vec<Answer>,
    round_started: f64,
    last_touch: f64,
    screen_changed: f64,
    random: u64,
}

impl QuizMachine {
    /// `seed` drives shuffling: the same seed and taps give the same rounds.
    pub fn new(quiz: Quiz, seed: u64) -> QuizMachine {
        QuizMachine {
            quiz,
            screen: Screen::Attract,
            language: Language::Ja,
            order: Vec::new(),
            choice_orders: Vec::new(),
            answers: Vec::new(),
            round_started: 0.0,
            last_touch: 0.0,
            screen_changed: f64::NEG_INFINITY,
            random: mix(seed),
        }
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn language(&self) -> Language {
        self.language
    }

    pub fn quiz(&self) -> &Quiz {
        &self.quiz
    }

    /// Takes a changed quiz file; it applies from the next round, never in the middle of one.
    pub fn replace_quiz(&mut self, quiz: Quiz) -> bool {
        if self.screen != Screen::Attract {
            return false;
        }
        self.quiz = quiz;
        true
    }

    /// The number (from 1) of the question on screen, and how many the round has.
    pub fn progress(&self) -> Option<(usize, usize)> {
        match self.screen {
            Screen::Asking { number } | Screen::Feedback { number, .. } => {
                Some((number + 1, self.order.len()))
            }
            _ => None,
        }
    }

    /// The question on screen and its choices in display order (as quiz-file indices).
    pub fn current_question(&self) -> Option<(&Question, &[usize])> {
        let number = match self.screen {
            Screen::Asking { number } | Screen::Feedback { number, .. } => number,
            _ => return None,
        };
        Some((
            &self.quiz.questions[self.order[number]],
            &self.choice_orders[number],
        ))
    }

    /// Handles a tap at time `now` (seconds on a monotonic clock). Returns the round's record
    /// when the tap finished it.
    pub fn tap(&mut self, tap: Tap, now: f64) -> Option<RoundRecord> {
        if tap == Tap::ToggleLanguage {
            self.language = match self.language {
                Language::Ja => Language::En,
                Language::En => Language::Ja,
            };
            self.last_touch = now;
            return None;
        }
        if now - self.screen_changed < TAP_GUARD_SECONDS {
            return None;
        }
        self.last_touch = now;
        match (&self.screen, tap) {
            (Screen::Attract, Tap::Start) => {
                self.start_round(now);
                None
            }
            (Screen::Asking { number }, Tap::Choice(shown)) => {
                let number = *number;
                let &chosen = self.choice_orders[number].get(shown)?;
                let question = self.order[number];
                let correct = chosen + 1 == self.quiz.questions[question].answer;
                self.answers.push(Answer {
                    question,
                    chosen,
                    correct,
                });
                self.show(
                    Screen::Feedback {
                        number,
                        chosen,
                        correct,
                    },
                    now,
                );
                None
            }
            (Screen::Feedback { number, .. }, Tap::Next) => {
                let next = number + 1;
                if next < self.order.len() {
                    self.show(Screen::Asking { number: next }, now);
                } else {
                    let score = self.score();
                    let passed = score >= self.quiz.pass_mark.unwrap_or(self.order.len());
                    self.show(Screen::Result { score, passed }, now);
                }
                None
            }
            (Screen::Result { .. }, Tap::Next) => {
                let record = self.record(true, now);
                self.show(Screen::Attract, now);
                self.language = Language::Ja;
                Some(record)
            }
            _ => None,
        }
    }

    /// How many answers the round on screen has so far (none on the attract loop).
    pub fn answers_given(&self) -> usize {
        if self.screen == Screen::Attract {
            0
        } else {
            self.answers.len()
        }
    }

    /// The round on screen as far as it has gone, not yet finished; None on the attract loop.
    pub fn round_so_far(&self, now: f64) -> Option<RoundRecord> {
        (self.screen != Screen::Attract).then(|| self.record(false, now))
    }

    /// Advances the clock: a round left alone for the quiz's idle time is abandoned, and a
    /// result screen returns to the attract loop after a short while. Returns the round's record
    /// when it ended.
    pub fn tick(&mut self, now: f64) -> Option<RoundRecord> {
        /// The result stays up this long for a visitor who does not tap.
        const RESULT_SECONDS: f64 = 20.0;
        let finished = match self.screen {
            Screen::Attract => return None,
            Screen::Result { .. } if now - self.last_touch >= RESULT_SECONDS => true,
            _ if now - self.last_touch >= self.quiz.idle_seconds => false,
            _ => return None,
        };
        let record = self.record(finished, now);
        self.show(Screen::Attract, now);
        self.language = Language::Ja;
        Some(record)
    }

    fn start_round(&mut self, now: f64) {
        let mut order: Vec<usize> = (0..self.quiz.questions.len()).collect();
        if self.quiz.shuffle {
            self.shuffle(&mut order);
        }
        order.truncate(self.quiz.round_length());
        self.choice_orders = order
            .iter()
            .map(|&q| {
                let mut choices: Vec<usize> = (0..self.quiz.questions[q].choices.len()).collect();
                if self.quiz.shuffle {
                    self.shuffle(&mut choices);
                }
                choices
            })
            .collect();
        self.order = order;
        self.answers.clear();
        self.round_started = now;
        self.show(Screen::Asking { number: 0 }, now);
    }

    fn show(&mut self, screen: Screen, now: f64) {
        self.screen = screen;
        self.screen_changed = now;
    }

    fn score(&self) -> usize {
        self.answers.iter().filter(|a| a.correct).count()
    }

    fn record(&self, finished: bool, now: f64) -> RoundRecord {
        RoundRecord {
            language: self.language,
            answers: self.answers.clone(),
            score: self.score(),
            questions: self.order.len(),
            finished,
            seconds: now - self.round_started,
        }
    }

    /// Fisher–Yates with a small xorshift generator: enough to vary rounds, and repeatable.
    fn shuffle(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            self.random ^= self.random << 13;
            self.random ^= self.random >> 7;
            self.random ^= self.random << 17;
            items.swap(i, (self.random % (i as u64 + 1)) as usize);
        }
    }
}

/// Spreads a seed over all 64 bits (splitmix64), never zero, which would stall xorshift.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiz(extra: &str) -> Quiz {
        let question = |n: usize| {
            format!(
                r#"(question: "Q{n}", choices: [(ja: "a{n}"), (ja: "b{n}", en: "B"), (ja: "c{n}")], answer: 2, explanation: "E{n}")"#
            )
        };
        let questions: Vec<String> = (0..5).map(question).collect();
        Quiz::parse(&format!(
            "Quiz(title: \"q\", {extra} questions: [{}])",
            questions.join(", ")
        ))
        .unwrap()
    }

    /// Taps the correct choice of the question on screen.
    fn right_choice(machine: &QuizMachine) -> Tap {
        let (question, order) = machine.current_question().unwrap();
        Tap::Choice(
            order
                .iter()
                .position(|&c| c + 1 == question.answer)
                .unwrap(),
        )
    }

    #[test]
    fn a_whole_round_by_taps() {
        let mut m = QuizMachine::new(quiz("questions_per_round: 3, pass_mark: 2,"), 7);
        assert_eq!(m.screen(), &Screen::Attract);
        assert_eq!(
            m.tap(Tap::Next, 1.0),
            None,
            "only Start does anything on the attract loop"
        );
        m.tap(Tap::Start, 1.0);
        let mut t = 2.0;
        for number in 0..3 {
            assert_eq!(m.screen(), &Screen::Asking { number });
            let tap = if number == 1 {
                Tap::Choice(0)
            } else {
                right_choice(&m)
            };
            let wrong_on_purpose = number == 1 && right_choice(&m) == Tap::Choice(0);
            m.tap(tap, t);
            let Screen::Feedback { correct, .. } = m.screen().clone() else {
                panic!("feedback follows an answer")
            };
            assert_eq!(correct, number != 1 || wrong_on_purpose);
            t += 1.0;
            m.tap(Tap::Next, t);
            t += 1.0;
        }
        let Screen::Result { score, passed } = m.screen().clone() else {
            panic!("a result ends the round")
        };
        assert!(score >= 2 && passed);
        let record = m
            .tap(Tap::Next, t)
            .expect("leaving the result records the round");
        assert!(record.finished);
        assert_eq!(
            (record.questions, record.answers.len(), record.score),
            (3, 3, score)
        );
        assert_eq!(m.screen(), &Screen::Attract);
    }

    #[test]
    fn a_quick_second_tap_does_not_answer_the_next_question() {
        let mut m = QuizMachine::new(quiz(""), 1);
        m.tap(Tap::Start, 0.0);
        m.tap(Tap::Choice(0), 1.0);
        assert!(matches!(m.screen(), Screen::Feedback { .. }));
        m.tap(Tap::Next, 1.1);
        assert!(
            matches!(m.screen(), Screen::Feedback { .. }),
            "too soon after the feedback appeared"
        );
        m.tap(Tap::Next, 1.5);
        assert_eq!(m.screen(), &Screen::Asking { number: 1 });
        m.tap(Tap::Choice(0), 1.6);
        assert_eq!(
            m.screen(),
            &Screen::Asking { number: 1 },
            "the double tap did not answer question 2"
        );
    }

    #[test]
    fn walking_away_abandons_the_round_and_a_left_result_returns_to_the_loop() {
        let mut m = QuizMachine::new(quiz("idle_seconds: 30,"), 1);
        m.tap(Tap::Start, 0.0);
        m.tap(Tap::Choice(1), 5.0);
        assert_eq!(m.tick(34.9), None);
        let record = m.tick(35.0).expect("30 s without a touch");
        assert!(!record.finished);
        assert_eq!(record.answers.len(), 1);
        assert_eq!(m.screen(), &Screen::Attract);
        assert_eq!(m.tick(1000.0), None, "the attract loop has no timeout");
    }

    #[test]
    fn the_language_toggle_works_everywhere_and_resets_for_the_next_visitor() {
        let mut m = QuizMachine::new(quiz(""), 1);
        m.tap(Tap::ToggleLanguage, 0.0);
        assert_eq!(m.language(), Language::En);
        m.tap(Tap::Start, 1.0);
        m.tap(Tap::ToggleLanguage, 1.1);
        assert_eq!(m.language(), Language::Ja);
        m.tap(Tap::ToggleLanguage, 1.2);
        let record = m.tick(1.2 + 60.0).unwrap();
        assert_eq!(record.language, Language::En);
        assert_eq!(m.language(), Language::Ja);
    }

    #[test]
    fn shuffling_is_repeatable_with_a_seed_and_can_be_turned_off() {
        let order = |seed: u64, extra: &str| {
            let mut m = QuizMachine::new(quiz(extra), seed);
            m.tap(Tap::Start, 0.0);
            (m.order.clone(), m.choice_orders.clone())
        };
        assert_eq!(order(42, ""), order(42, ""));
        assert_ne!(order(42, "").0, order(43, "").0);
        let (questions, choices) = order(42, "shuffle: false,");
        assert_eq!(questions, [0, 1, 2, 3, 4]);
        assert!(choices.iter().all(|c| c == &[0, 1, 2]));
    }

    #[test]
    fn quiz_mistakes_are_all_reported() {
        let source = r#"Quiz(
    title: "q",
    questions_per_round: 9,
    idle_seconds: 1,
    questions: [
        (question: "only one", choices: [(ja: "a")], answer: 1, explanation: "e"),
        (question: "no such answer", choices: [(ja: "a"), (ja: "b")], answer: 3, explanation: "e"),
    ],
)"#;
        let problems: Vec<String> = Quiz::parse(source)
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect();
        let expected = [
            "3:5: `questions_per_round` must be between 1 and the 2 questions written",
            "4:5: `idle_seconds` must be between 10 and 3600",
            "6:21: a question has 2 to 4 choices; this one has 1",
            "7:21: `answer: 3` is not one of the choices",
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, expected) in problems.iter().zip(expected) {
            assert!(problem.starts_with(expected), "{problem} ≠ {expected}");
        }
    }
}
