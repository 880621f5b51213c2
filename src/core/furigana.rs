//! Furigana markup as staff write it: `{避難|ひなん}` sets ひなん small above 避難.

use super::diagnostic::{Diagnostic, SourceLocator};
use std::ops::Range;

/// Text with its markup taken out, and where each reading goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotated {
    pub text: String,
    pub readings: Vec<Reading>,
}

/// A reading and the byte range of `Annotated::text` it is set above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub base: Range<usize>,
    pub ruby: String,
}

/// A piece of markup that is not furigana, at its byte offset in the written text. It is shown
/// as written, so nothing is lost, and `check` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkupProblem {
    pub offset: usize,
    pub message: String,
}

/// Takes the furigana out of `written`. Anything between braces that is not `{base|reading}` on
/// one line stays in the text as written.
pub fn annotate(written: &str) -> Annotated {
    let mut annotated = Annotated::default();
    let mut rest = written;
    while let Some(open) = rest.find('{') {
        annotated.text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match ruby_group(after) {
            Ok((base, ruby, length)) => {
                let start = annotated.text.len();
                annotated.text.push_str(base);
                annotated.readings.push(Reading {
                    base: start..annotated.text.len(),
                    ruby: ruby.to_owned(),
                });
                rest = &after[length + 1..];
            }
            Err(_) => {
                annotated.text.push('{');
                rest = after;
            }
        }
    }
    annotated.text.push_str(rest);
    annotated
}

/// Every brace in `written` that does not open a furigana group.
pub fn problems(written: &str) -> Vec<MarkupProblem> {
    let mut problems = Vec::new();
    let mut from = 0;
    while let Some(found) = written[from..].find(['{', '}']) {
        let at = from + found;
        if written[at..].starts_with('}') {
            problems.push(MarkupProblem {
                offset: at,
                message: "`}` without a `{` before it".into(),
            });
            from = at + 1;
            continue;
        }
        match ruby_group(&written[at + 1..]) {
            Ok((_, _, length)) => from = at + 1 + length + 1,
            Err(message) => {
                problems.push(MarkupProblem {
                    offset: at,
                    message: message.into(),
                });
                // One problem per group: its own closing brace is not another.
                from = at + 1 + closing_brace(&written[at + 1..]).map_or(0, |close| close + 1);
            }
        }
    }
    problems
}

/// `check`'s messages for broken markup in any of `texts`, at the brace in the file.
pub fn diagnostics<'a>(
    at: &mut SourceLocator,
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for text in texts {
        for problem in problems(text) {
            found.push(
                Diagnostic::new(
                    at.within_string_literal(text, problem.offset),
                    problem.message,
                )
                .with_hint(
                    "write furigana as {避難|ひなん}: the text, `|`, its reading, in braces",
                ),
            );
        }
    }
    found
}

/// Reads `base|reading}` at the start of `text`: the base, the reading and the length up to the
/// closing brace.
fn ruby_group(text: &str) -> Result<(&str, &str, usize), &'static str> {
    let close = closing_brace(text).ok_or("`{` without a closing `}` on the same line")?;
    let inside = &text[..close];
    let (base, ruby) = inside
        .split_once('|')
        .ok_or("furigana needs a `|` between the text and its reading")?;
    if base.trim().is_empty() || ruby.trim().is_empty() || ruby.contains('|') {
        return Err("furigana needs text and one reading");
    }
    Ok((base, ruby, close))
}

/// Where the group opened just before `text` closes: a `}` before any `{` or line break.
fn closing_brace(text: &str) -> Option<usize> {
    text.find(['}', '{', '\n'])
        .filter(|&at| text[at..].starts_with('}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_taken_out_with_the_range_of_their_base() {
        let annotated = annotate("ペットと{避難|ひなん}する{準備|じゅんび}");
        assert_eq!(annotated.text, "ペットと避難する準備");
        let bases: Vec<&str> = annotated
            .readings
            .iter()
            .map(|r| &annotated.text[r.base.clone()])
            .collect();
        assert_eq!(bases, ["避難", "準備"]);
        assert_eq!(annotated.readings[1].ruby, "じゅんび");
        assert!(problems("ペットと{避難|ひなん}する").is_empty());
    }

    #[test]
    fn broken_markup_is_shown_as_written_and_reported_where_it_is() {
        for (written, offset, message) in [
            ("{避難ひなん}", 0, "`|`"),
            ("犬と{避難|ひなん", 6, "closing"),
            ("犬と{避難|ひなん\nです", 6, "closing"),
            ("{|ひなん}", 0, "text and one reading"),
            ("{a|b|c}", 0, "one reading"),
            ("猫}", 3, "`}` without"),
        ] {
            assert_eq!(annotate(written).text, written, "{written:?}");
            let found = problems(written);
            assert_eq!(found.len(), 1, "{written:?}: {found:?}");
            assert_eq!(found[0].offset, offset, "{written:?}");
            assert!(found[0].message.contains(message), "{written:?}: {found:?}");
        }
        // `check` points at the brace, past escapes written before it.
        let source = "Text(title: \"犬と\\n{猫ねこ}\")";
        let found = diagnostics(&mut SourceLocator::new(source), ["犬と\n{猫ねこ}"]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].position.line, found[0].position.column), (1, 18));
        // A good group after a stray brace still works.
        let annotated = annotate("{ {犬|いぬ}");
        assert_eq!(annotated.text, "{ 犬");
        assert_eq!(annotated.readings.len(), 1);
    }
}
