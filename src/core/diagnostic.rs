//! Problems found in a file a person wrote, with the place to fix them.

use std::fmt;
use std::path::{Path, PathBuf};

/// A 1-based line and column in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub const START: Position = Position { line: 1, column: 1 };

    /// The position of a byte offset in `source` (columns count characters, as editors do).
    pub fn of_offset(source: &str, offset: usize) -> Position {
        let before = &source[..offset.min(source.len())];
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = 1 + before[line_start..].chars().count();
        Position { line, column }
    }
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Filled in by whoever read the file; the pure parsers do not know it.
    pub file: Option<PathBuf>,
    pub position: Position,
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(position: Position, message: impl Into<String>) -> Self {
        Diagnostic {
            file: None,
            position,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(
            f,
            "{}:{}: {}",
            self.position.line, self.position.column, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The known name closest to a misspelt one, if it is close enough to be a likely typo.
pub fn nearest_name<'a>(wrong: &str, known: &[&'a str]) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    known
        .iter()
        .map(|name| {
            let name_lower = name.to_lowercase();
            // `weekdays` for `days`: a known name inside the wrong one is as good as a typo.
            let contains = name.len() >= 3
                && (wrong_lower.contains(&name_lower) || name_lower.contains(&wrong_lower));
            let distance = if contains {
                1
            } else {
                strsim::levenshtein(&wrong_lower, &name_lower)
            };
            (distance, *name)
        })
        .filter(|(distance, name)| *distance <= (name.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Finds where values sit in a source text, for problems found after parsing.
///
/// RON deserialisation does not keep the position of each value, so checks that run on the parsed
/// model find a value again by its quoted text. Searching forward from the last hit keeps repeated
/// values (the same picture on two slides) pointing at the right one when checks run in file order.
pub struct SourceLocator<'a> {
    source: &'a str,
    cursor: usize,
    /// Lines counted so far: up to `counted_to`, `line` lines started, the last at `line_start`.
    /// Positions found in file order then cost only the text between them.
    counted_to: usize,
    line: usize,
    line_start: usize,
}

impl<'a> SourceLocator<'a> {
    pub fn new(source: &'a str) -> Self {
        SourceLocator {
            source,
            cursor: 0,
            counted_to: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn position(&mut self, offset: usize) -> Position {
        if offset < self.counted_to {
            (self.counted_to, self.line, self.line_start) = (0, 1, 0);
        }
        for (i, byte) in self.source.as_bytes()[self.counted_to..offset]
            .iter()
            .enumerate()
        {
            if *byte == b'\n' {
                self.line += 1;
                self.line_start = self.counted_to + i + 1;
            }
        }
        self.counted_to = offset;
        let column = 1 + self.source[self.line_start..offset].chars().count();
        Position {
            line: self.line,
            column,
        }
    }

    /// The position of the string literal `"value"`, preferring the first one after the last hit.
    pub fn string_literal(&mut self, value: &str) -> Position {
        let quoted = format!("{value:?}");
        self.find(&quoted)
    }

    /// The position of a field name followed by a colon, such as `slides:`.
    pub fn field(&mut self, name: &str) -> Position {
        self.field_from(name, 0).unwrap_or(Position::START)
    }

    /// The position of a field name, preferring the first one after the last hit: a field of the
    /// value found last, when every slide may have one.
    pub fn field_near(&mut self, name: &str) -> Position {
        self.field_from(name, self.cursor)
            .unwrap_or_else(|| self.field(name))
    }

    /// The position of a field inside the value of the field `section`: `poll_seconds` of
    /// `alerts`, not of a source before it.
    pub fn field_within(&mut self, section: &str, name: &str) -> Position {
        let start = self.field_offset(section, 0).unwrap_or(0);
        match self.field_offset(name, start) {
            Some(at) => self.position(at),
            None => self.field(section),
        }
    }

    fn field_from(&mut self, name: &str, from: usize) -> Option<Position> {
        let at = self.field_offset(name, from)?;
        Some(self.position(at))
    }

    fn field_offset(&self, name: &str, mut from: usize) -> Option<usize> {
        while let Some(found) = self.source[from..].find(name) {
            let at = from + found;
            let rest = self.source[at + name.len()..].trim_start();
            let starts_word = at == 0
                || !self.source[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if starts_word && rest.starts_with(':') {
                return Some(at);
            }
            from = at + name.len();
        }
        None
    }

    /// The position of the character at byte `offset` of the string `value`, inside its literal.
    pub fn within_string_literal(&mut self, value: &str, offset: usize) -> Position {
        let quoted = format!("{value:?}");
        match self.find_offset(&quoted) {
            // As written, with escapes: the quote, then the value's first `offset` bytes.
            Some(at) => {
                let written_before = format!("{:?}", &value[..offset]).len() - 1;
                self.position(at + written_before)
            }
            None => Position::START,
        }
    }

    fn find(&mut self, needle: &str) -> Position {
        match self.find_offset(needle) {
            // Point inside the quotes, at the value itself.
            Some(at) => self.position(at + 1),
            None => Position::START,
        }
    }

    fn find_offset(&mut self, needle: &str) -> Option<usize> {
        let at = self.source[self.cursor..]
            .find(needle)
            .map(|i| i + self.cursor)
            .or_else(|| self.source.find(needle))?;
        self.cursor = at + needle.len();
        Some(at)
    }
}

/// Reads a RON document with the extensions staff files rely on: `Some(..)` may be left out around
/// optional values, and `Text(title: ..)` is written without an extra pair of parentheses.
pub fn parse_ron<T: serde::de::DeserializeOwned>(source: &str) -> Result<T, Diagnostic> {
    use ron::extensions::Extensions;
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
        .from_str(source)
        .map_err(|error| {
            let diagnostic = diagnostic_from_ron(&error);
            typographic_mistake(source, diagnostic.position).unwrap_or(diagnostic)
        })
}

/// What Word, IME full-width mode or a copied notice puts where RON wants a plain ASCII mark.
const TYPOGRAPHIC: &[(char, &str, char)] = &[
    ('“', "a typographic quote", '"'),
    ('”', "a typographic quote", '"'),
    ('„', "a typographic quote", '"'),
    ('＂', "a full-width quote", '"'),
    ('‘', "a typographic quote", '"'),
    ('’', "a typographic quote", '"'),
    ('（', "a full-width bracket", '('),
    ('）', "a full-width bracket", ')'),
    ('［', "a full-width bracket", '['),
    ('］', "a full-width bracket", ']'),
    ('：', "a full-width colon", ':'),
    ('，', "a full-width comma", ','),
    ('、', "a Japanese comma", ','),
];

/// A typographic character where a parse error stopped (or before it on its line, outside
/// text): the error then names it and its plain replacement, which staff can act on, rather than
/// what the parser expected.
fn typographic_mistake(source: &str, at: Position) -> Option<Diagnostic> {
    let line = source.lines().nth(at.line.checked_sub(1)?)?;
    let mut in_text = false;
    for (index, c) in line.chars().enumerate() {
        // RON may stop on the space before the mark: look on to the next thing written.
        if index + 1 > at.column && !c.is_whitespace() && !TYPOGRAPHIC.iter().any(|t| t.0 == c) {
            break;
        }
        if c == '"' {
            in_text = !in_text;
            continue;
        }
        if in_text {
            continue;
        }
        if let Some((_, what, plain)) = TYPOGRAPHIC.iter().find(|(mark, ..)| *mark == c) {
            return Some(
                Diagnostic::new(
                    Position {
                        line: at.line,
                        column: index + 1,
                    },
                    format!("`{c}` is {what}"),
                )
                .with_hint(format!(
                    "use `{plain}` (typed in half-width mode; Word changes `\"` into `“`)"
                )),
            );
        }
    }
    None
}

/// " in `Text`" when the error names the value it is inside of.
fn in_outer(outer: &Option<String>) -> String {
    outer
        .as_deref()
        .map(|name| format!(" in `{name}`"))
        .unwrap_or_default()
}

/// An unknown field or kind, with the likely intended name or else the whole list.
fn unknown_name(
    position: Position,
    what: &str,
    found: &str,
    outer: &Option<String>,
    expected: &[&str],
    list_intro: &str,
) -> Diagnostic {
    let place = outer
        .as_deref()
        .map(|name| format!(" in `{name}`"))
        .unwrap_or_default();
    let d = Diagnostic::new(position, format!("unknown {what} `{found}`{place}"));
    match nearest_name(found, expected) {
        Some(name) => d.with_hint(format!("did you mean `{name}`?")),
        None => {
            let names: Vec<String> = expected.iter().map(|n| format!("`{n}`")).collect();
            d.with_hint(format!("{list_intro} {}", names.join(", ")))
        }
    }
}

fn diagnostic_from_ron(error: &ron::error::SpannedError) -> Diagnostic {
    use ron::error::Error;
    let position = Position {
        line: error.span.start.line,
        column: error.span.start.col,
    };
    match &error.code {
        Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => unknown_name(
            position,
            "field",
            found,
            outer,
            expected,
            "the fields here are",
        ),
        Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => unknown_name(position, "kind", found, outer, expected, "write one of"),
        Error::MissingStructField { field, outer } => Diagnostic::new(
            position,
            format!("missing field `{field}`{}", in_outer(outer)),
        )
        .with_hint(format!("add `{field}: ...` before the closing parenthesis")),
        Error::DuplicateStructField { field, outer } => Diagnostic::new(
            position,
            format!("the field `{field}` is written twice{}", in_outer(outer)),
        ),
        Error::Eof => Diagnostic::new(position, "the file ends too early").with_hint(
            "a closing `)`, `]` or `\"` is missing, or the file was cut off while being copied",
        ),
        Error::ExpectedComma => Diagnostic::new(position, "expected a comma here")
            .with_hint("separate fields and list items with `,`"),
        Error::ExpectedStringEnd => Diagnostic::new(position, "a text is not closed").with_hint(
            "end the text with a `\"`, or copy the file again if it was cut off while being copied",
        ),
        Error::UnclosedBlockComment => {
            Diagnostic::new(position, "a `/*` comment is never closed with `*/`")
        }
        Error::ExceededRecursionLimit => Diagnostic::new(
            position,
            "the file is nested too deeply to be a real document",
        ),
        other => Diagnostic::new(position, other.to_string()),
    }
}

/// What kind of file a document is, from the name of its outermost value (`Playlist(..)`).
pub fn document_kind(source: &str) -> Option<&str> {
    let mut rest = source.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else if rest.starts_with("#!") {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let source = "ab\n日本語x";
        assert_eq!(
            Position::of_offset(source, 0),
            Position { line: 1, column: 1 }
        );
        let x = source.find('x').unwrap();
        assert_eq!(
            Position::of_offset(source, x),
            Position { line: 2, column: 4 }
        );
    }

    #[test]
    fn nearest_name_finds_typos_but_not_strangers() {
        let known = ["title", "schedule", "slides", "priority"];
        assert_eq!(nearest_name("titel", &known), Some("title"));
        assert_eq!(nearest_name("Slide", &known), Some("slides"));
        assert_eq!(nearest_name("colour", &known), None);
    }

    #[test]
    fn locator_walks_forward_through_repeated_values() {
        let source = "a: \"x.svg\",\nb: \"x.svg\",\n";
        let mut locator = SourceLocator::new(source);
        assert_eq!(locator.string_literal("x.svg").line, 1);
        assert_eq!(locator.string_literal("x.svg").line, 2);
        assert_eq!(locator.field("b"), Position { line: 2, column: 1 });
    }

    #[test]
    fn typographic_marks_are_named_where_they_stand() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Text {
            title: String,
            seconds: Option<u32>,
        }
        let problem = |source: &str| parse_ron::<Text>(source).unwrap_err();
        let quote = problem("Text(\n  title: “食品衛生”,\n)");
        assert_eq!(
            quote.position,
            Position {
                line: 2,
                column: 10
            }
        );
        assert_eq!(quote.message, "`“` is a typographic quote");
        assert!(quote.hint.as_deref().unwrap().starts_with("use `\"`"));
        let colon = problem("Text(title： \"a\")");
        assert_eq!(colon.message, "`：` is a full-width colon");
        assert_eq!(
            colon.position,
            Position {
                line: 1,
                column: 11
            }
        );
        let comma = problem("Text(title: \"a\"，seconds: 3)");
        assert_eq!(comma.message, "`，` is a full-width comma");
        // Inside a text they are the text's own.
        assert!(parse_ron::<Text>("Text(title: \"「“手洗い”（30秒）」\")").is_ok());
        // Other mistakes keep their own message.
        assert_eq!(
            problem("Text(titel: \"a\")").message,
            "unknown field `titel` in `Text`"
        );
    }

    #[test]
    fn display_is_file_line_column_message_then_hint() {
        let d = Diagnostic::new(Position { line: 3, column: 7 }, "unknown field `titel`")
            .with_hint("did you mean `title`?")
            .in_file(Path::new("p/a.ron"));
        assert_eq!(
            d.to_string(),
            "p/a.ron:3:7: unknown field `titel`\n  hint: did you mean `title`?"
        );
    }

    #[test]
    fn document_kind_skips_comments_and_byte_order_marks() {
        assert_eq!(
            document_kind("// a\n/* b */ Playlist(title: \"\")"),
            Some("Playlist")
        );
        assert_eq!(
            document_kind("\u{feff}#![enable(implicit_some)]\nConfig()"),
            Some("Config")
        );
        assert_eq!(document_kind("  (x: 1)"), None);
    }
}
