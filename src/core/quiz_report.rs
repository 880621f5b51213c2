//! What exhibition organisers report from the quiz results log: rounds per day, and how often
//! each question was answered correctly.

use super::quiz::{Answer, Language, RoundRecord};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One line of the results log: a round, finished or abandoned, with no personal data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizResult {
    pub time: DateTime<FixedOffset>,
    /// The quiz file's name.
    pub quiz: String,
    pub language: String,
    pub answers: Vec<ResultAnswer>,
    pub score: usize,
    pub questions: usize,
    pub finished: bool,
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultAnswer {
    pub question: usize,
    pub chosen: usize,
    pub correct: bool,
}

impl QuizResult {
    pub fn new(time: DateTime<FixedOffset>, quiz: &str, round: &RoundRecord) -> QuizResult {
        let answer = |a: &Answer| ResultAnswer {
            question: a.question,
            chosen: a.chosen,
            correct: a.correct,
        };
        QuizResult {
            time,
            quiz: quiz.to_string(),
            language: match round.language {
                Language::Ja => "ja".into(),
                Language::En => "en".into(),
            },
            answers: round.answers.iter().map(answer).collect(),
            score: round.score,
            questions: round.questions,
            finished: round.finished,
            seconds: round.seconds,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayTotal {
    pub rounds: u64,
    pub finished: u64,
    pub english: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuestionTotal {
    pub answered: u64,
    pub correct: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuizSummary {
    /// Per local day of the results' own time zone.
    pub days: BTreeMap<NaiveDate, DayTotal>,
    /// Per (quiz, question number in the file, 0-based).
    pub questions: BTreeMap<(String, usize), QuestionTotal>,
}

pub fn summarise(results: &[QuizResult]) -> QuizSummary {
    let mut summary = QuizSummary::default();
    for result in results {
        let day = summary.days.entry(result.time.date_naive()).or_default();
        day.rounds += 1;
        day.finished += u64::from(result.finished);
        day.english += u64::from(result.language == "en");
        for answer in &result.answers {
            let total = summary
                .questions
                .entry((result.quiz.clone(), answer.question))
                .or_default();
            total.answered += 1;
            total.correct += u64::from(answer.correct);
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(time: &str, finished: bool, answers: &[(usize, bool)]) -> QuizResult {
        let round = RoundRecord {
            language: if finished { Language::Ja } else { Language::En },
            answers: answers
                .iter()
                .map(|&(question, correct)| Answer {
                    question,
                    chosen: 0,
                    correct,
                })
                .collect(),
            score: answers.iter().filter(|a| a.1).count(),
            questions: 3,
            finished,
            seconds: 42.0,
        };
        QuizResult::new(
            DateTime::parse_from_rfc3339(time).unwrap(),
            "food-safety-quiz.ron",
            &round,
        )
    }

    #[test]
    fn days_and_question_rates_add_up() {
        let results = [
            result(
                "2026-11-24T10:00:00+09:00",
                true,
                &[(0, true), (1, false), (2, true)],
            ),
            result("2026-11-24T23:30:00+09:00", false, &[(0, false)]),
            result(
                "2026-11-25T09:00:00+09:00",
                true,
                &[(0, true), (1, true), (2, true)],
            ),
        ];
        let summary = summarise(&results);
        let day =
            |d: &str| summary.days[&NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()].clone();
        assert_eq!(
            day("2026-11-24"),
            DayTotal {
                rounds: 2,
                finished: 1,
                english: 1
            }
        );
        assert_eq!(
            day("2026-11-25"),
            DayTotal {
                rounds: 1,
                finished: 1,
                english: 0
            }
        );
        let first = &summary.questions[&("food-safety-quiz.ron".to_string(), 0)];
        assert_eq!((first.answered, first.correct), (3, 2));
    }

    #[test]
    fn a_result_line_reads_back_the_same() {
        let line = serde_json::to_string(&result("2026-11-24T10:00:00+09:00", true, &[(1, true)]))
            .unwrap();
        let back: QuizResult = serde_json::from_str(&line).unwrap();
        assert_eq!(
            back,
            result("2026-11-24T10:00:00+09:00", true, &[(1, true)])
        );
    }
}
