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
    /// When the round began: every line of one round has the same. Older logs have none, and
    /// each of their lines is a round of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<DateTime<FixedOffset>>,
    /// The round so far, written after each answer so that a power cut loses none. A round whose
    /// last line is still in progress was cut short, and counts as abandoned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_progress: bool,
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
            round: None,
            in_progress: false,
        }
    }

    /// This line as one of the round that began at `started`; `in_progress` while it goes on.
    pub fn of_round(self, started: DateTime<FixedOffset>, in_progress: bool) -> QuizResult {
        QuizResult {
            round: Some(started),
            in_progress,
            ..self
        }
    }
}

/// Each round once: the last line written for it (which has all its answers), in the order the
/// rounds began.
pub fn rounds(results: &[QuizResult]) -> Vec<&QuizResult> {
    let mut last_line: BTreeMap<(&str, DateTime<FixedOffset>), usize> = BTreeMap::new();
    for (index, result) in results.iter().enumerate() {
        if let Some(started) = result.round {
            last_line.insert((&result.quiz, started), index);
        }
    }
    results
        .iter()
        .enumerate()
        .filter(|(index, result)| {
            result.round.is_none_or(|started| {
                last_line.get(&(result.quiz.as_str(), started)) == Some(index)
            })
        })
        .map(|(_, result)| result)
        .collect()
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
    for result in rounds(results) {
        // A round cut short (its last line still in progress) is an abandoned one.
        let finished = result.finished && !result.in_progress;
        let day = summary.days.entry(result.time.date_naive()).or_default();
        day.rounds += 1;
        day.finished += u64::from(finished);
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
    fn a_round_counts_once_by_its_last_line_and_one_cut_short_is_abandoned() {
        let started = |time: &str| DateTime::parse_from_rfc3339(time).unwrap();
        let (first, second) = (
            started("2026-11-24T10:00:00+09:00"),
            started("2026-11-24T10:05:00+09:00"),
        );
        let results = [
            // A round written after each answer, then finished.
            result("2026-11-24T10:00:10+09:00", false, &[(0, true)]).of_round(first, true),
            result("2026-11-24T10:00:20+09:00", false, &[(0, true), (1, false)])
                .of_round(first, true),
            result(
                "2026-11-24T10:00:40+09:00",
                true,
                &[(0, true), (1, false), (2, true)],
            )
            .of_round(first, false),
            // A round cut short by a power cut after two answers.
            result("2026-11-24T10:05:10+09:00", false, &[(0, false)]).of_round(second, true),
            result("2026-11-24T10:05:20+09:00", false, &[(0, false), (1, true)])
                .of_round(second, true),
            // A line of an older log, without its round.
            result("2026-11-24T11:00:00+09:00", true, &[(2, false)]),
        ];
        assert_eq!(rounds(&results).len(), 3);
        let summary = summarise(&results);
        let day = &summary.days[&NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()];
        assert_eq!(
            (day.rounds, day.finished),
            (3, 2),
            "the cut round is abandoned"
        );
        let answered = |question| {
            let total = &summary.questions[&("food-safety-quiz.ron".to_string(), question)];
            (total.answered, total.correct)
        };
        assert_eq!(answered(0), (2, 1), "each answer counted once");
        assert_eq!(answered(1), (2, 1));
        assert_eq!(answered(2), (2, 1));
        let line = serde_json::to_string(&results[3]).unwrap();
        assert!(line.contains("\"in_progress\":true"), "{line}");
        let back: QuizResult = serde_json::from_str(&line).unwrap();
        assert_eq!(back, results[3]);
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
