//! Where Japanese text may wrap: between the phrases BudouX finds, never before 。 or after 「.
//!
//! Unicode's line-breaking rules let Japanese wrap between any two characters, so a title splits
//! inside a word (「食中|毒」). Typesetting forbids those breaks (CSS `word-break: keep-all`) and
//! allows one only where this module marks it, the way BudouX is used on the web.

use std::ops::Range;
use std::sync::LazyLock;

/// ZERO WIDTH SPACE: a break opportunity that draws nothing.
pub const PHRASE_BREAK: char = '\u{200B}';

/// BudouX's published Japanese model (Apache-2.0, vendored by the `budouy` crate), loaded once.
static PARSER: LazyLock<budouy::Parser> =
    LazyLock::new(budouy::model::load_default_japanese_parser);

/// Byte offsets in `text` where a line may wrap between two phrases. `keep` ranges (such as the
/// base text of furigana) are never split. Explicit line breaks and spaces are left alone: they
/// break already.
pub fn phrase_breaks(text: &str, keep: &[Range<usize>]) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        if line.chars().any(is_japanese) {
            let starts: Vec<usize> = line.char_indices().map(|(at, _)| at).collect();
            for boundary in PARSER.parse_boundaries(line) {
                let at = starts[boundary];
                let before = line[..at].chars().next_back();
                let after = line[at..].chars().next();
                let (Some(before), Some(after)) = (before, after) else {
                    continue;
                };
                let offset = line_start + at;
                if may_break_between(before, after)
                    && !keep.iter().any(|k| k.start < offset && offset < k.end)
                {
                    breaks.push(offset);
                }
            }
        }
        line_start += line.len() + 1;
    }
    breaks
}

/// WORD JOINER: forbids a break that Unicode's rules would allow, and draws nothing.
pub const NO_BREAK: char = '\u{2060}';

/// Text marked for the typesetter: [`PHRASE_BREAK`] at each break, and [`NO_BREAK`] wherever
/// Unicode would break inside a phrase at punctuation (「犬・|猫は」).
pub struct Marked {
    pub text: String,
    /// Offsets in the original text where a mark went in, ascending.
    marks: Vec<usize>,
}

impl Marked {
    /// Marks `text` with its `breaks` (ascending byte offsets, as [`phrase_breaks`] gives them).
    pub fn new(text: &str, breaks: &[usize]) -> Marked {
        let mut marked = String::with_capacity(text.len() + breaks.len() * 3);
        let mut marks = Vec::new();
        let mut previous: Option<char> = None;
        let mut breaks = breaks.iter().peekable();
        for (at, c) in text.char_indices() {
            if breaks.next_if(|&&b| b == at).is_some() {
                marked.push(PHRASE_BREAK);
                marks.push(at);
            } else if let Some(before) = previous
                && (is_japanese_punctuation(before) || is_japanese_punctuation(c))
                && !before.is_whitespace()
                && !c.is_whitespace()
            {
                marked.push(NO_BREAK);
                marks.push(at);
            }
            marked.push(c);
            previous = Some(c);
        }
        Marked {
            text: marked,
            marks,
        }
    }

    /// Where the original text's `range` lies in the marked text.
    pub fn range(&self, range: &Range<usize>) -> Range<usize> {
        let width = PHRASE_BREAK.len_utf8();
        let before = |offset: usize, inclusive: bool| {
            self.marks
                .partition_point(|&at| at < offset || (inclusive && at == offset))
        };
        range.start + width * before(range.start, true)
            ..range.end + width * before(range.end, false)
    }
}

/// A phrase boundary becomes a break only between Japanese and something else that is not a
/// space, and only where kinsoku (JIS X 4051) allows: not before closing punctuation, small kana
/// or the long-vowel mark, not after an opening bracket. English words keep Unicode's rules.
/// Nor between two kanji: the model sometimes cuts a compound (「食中|毒予防」), and a compound
/// split over two lines reads worse than a line that is a little shorter.
fn may_break_between(before: char, after: char) -> bool {
    (is_japanese(before) || is_japanese(after))
        && !(is_kanji(before) && is_kanji(after))
        && !before.is_whitespace()
        && !after.is_whitespace()
        && !NO_LINE_START.contains(after)
        && !NO_LINE_END.contains(before)
}

/// Characters a line may not start with.
const NO_LINE_START: &str = "、。，．,.・：；:;？！?!‼⁇⁈⁉ー−～〜…‥」』）)］]｝}〕〉》】〙〗〟’”｠»ヽヾゝゞ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ゠〳〴〵";

/// Characters a line may not end with.
const NO_LINE_END: &str = "「『（(［[｛{〔〈《【〘〖〝‘“｟«";

/// Punctuation Unicode lets a line break beside, which a phrase keeps inside it.
fn is_japanese_punctuation(c: char) -> bool {
    !c.is_alphanumeric() && is_japanese(c) && (NO_LINE_START.contains(c) || NO_LINE_END.contains(c))
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}' | '々')
}

fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'   // CJK punctuation, hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{31F0}'..='\u{31FF}' // small katakana
        | '\u{20000}'..='\u{2FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text cut at its breaks.
    fn phrases(text: &str) -> Vec<&str> {
        let mut pieces = Vec::new();
        let mut from = 0;
        for at in phrase_breaks(text, &[]) {
            pieces.push(&text[from..at]);
            from = at;
        }
        pieces.push(&text[from..]);
        pieces
    }

    #[test]
    fn demo_and_brief_sentences_break_between_phrases_only() {
        // Each expected piece is a phrase a reader keeps together; no break falls inside a word.
        assert_eq!(
            phrases("食中毒に注意しましょう"),
            ["食中毒に", "注意しましょう"]
        );
        assert_eq!(
            phrases("ペットと一緒に安全な場所まで避難すること"),
            [
                "ペットと",
                "一緒に",
                "安全な",
                "場所まで",
                "避難する",
                "こと"
            ]
        );
        assert_eq!(
            phrases("避難所では人とペットは別の場所で過ごすことが多い"),
            [
                "避難所では",
                "人と",
                "ペットは",
                "別の",
                "場所で",
                "過ごすことが",
                "多い"
            ]
        );
        assert_eq!(
            phrases("地域防災拠点のルールを確認"),
            ["地域防災拠点の", "ルールを", "確認"]
        );
        // BudouX cuts 「食中|毒予防の」; a compound of kanji stays whole.
        assert_eq!(
            phrases("菌を「やっつける」の三つが食中毒予防の原則です"),
            [
                "菌を",
                "「やっつける」の",
                "三つが",
                "食中毒予防の",
                "原則です"
            ]
        );
    }

    #[test]
    fn no_break_before_closing_punctuation_or_after_an_opening_bracket() {
        for text in [
            "菌を「つけない」菌を「ふやさない」",
            "キャリーやケージに、ふだんから慣れさせる。",
            "（7日分以上あると安心）",
            "ちょっとチェック！",
        ] {
            for at in phrase_breaks(text, &[]) {
                let after = text[at..].chars().next().unwrap();
                let before = text[..at].chars().next_back().unwrap();
                assert!(
                    !NO_LINE_START.contains(after),
                    "{text}: break before {after}"
                );
                assert!(
                    !NO_LINE_END.contains(before),
                    "{text}: break after {before}"
                );
            }
        }
        // The bracket travels with its phrase.
        assert!(phrases("菌を「つけない」").contains(&"「つけない」"));
    }

    #[test]
    fn english_words_explicit_lines_and_kept_ranges_are_left_alone() {
        assert!(phrase_breaks("Beware of food poisoning", &[]).is_empty());
        // Every break stays inside its own line, and none lands on a line's edge.
        let text = "ペットと一緒に\n安全な場所まで避難すること";
        for at in phrase_breaks(text, &[]) {
            assert!(!text[..at].ends_with('\n') && !text[at..].starts_with('\n'));
        }
        // Furigana over 「毒に注」 holds the phrase break after 「に」 back.
        let text = "食中毒に注意しましょう";
        let kept = "食中".len().."食中毒に注".len();
        assert!(!phrase_breaks(text, &[]).is_empty());
        assert!(phrase_breaks(text, &[kept]).is_empty());
    }

    #[test]
    fn breaks_are_marked_and_punctuation_inside_a_phrase_is_joined() {
        let text = "食中毒に注意しましょう";
        let marked = Marked::new(text, &phrase_breaks(text, &[]));
        assert_eq!(marked.text, "食中毒に\u{200B}注意しましょう");
        let text = "犬・猫は、2022年";
        let marked = Marked::new(text, &phrase_breaks(text, &[]));
        assert_eq!(
            marked.text,
            "犬\u{2060}・\u{2060}猫は\u{2060}、\u{200B}2022年"
        );
        // Ranges of the original text move past the marks before them, not those after.
        let cat = "犬・".len().."犬・猫".len();
        assert_eq!(&marked.text[marked.range(&cat)], "猫");
        assert_eq!(Marked::new("abc", &[]).text, "abc");
    }
}
