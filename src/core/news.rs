//! News feeds: a line of `ticker.txt` that is a web address stands for the newest item titles of
//! an RSS 2.0, RSS 1.0 (RDF) or Atom feed, and a `Feed` slide lists them. Reading a feed's bytes
//! into items, whatever the encoding its XML declares, and what a Feed slide shows, are pure and
//! live here.

use super::playlist::{FeedSlide, MAX_QR_URL_BYTES, QrCard, TextSlide};
use super::ticker::MAX_MESSAGE_CHARS;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use roxmltree::{Document, Node, ParsingOptions};
use serde::{Deserialize, Serialize};

/// At most this many items of one feed join the ticker: more would take too long to come round.
pub const MAX_ITEMS: usize = 10;
/// A feed larger than this is refused: a ward's news feed is tens of kilobytes.
pub const MAX_FEED_BYTES: u64 = 2 * 1024 * 1024;

/// Whether a ticker line names a feed rather than being a message itself.
pub fn is_feed_line(line: &str) -> bool {
    line.starts_with("https://") || line.starts_with("http://")
}

/// What is wrong with a feed line as staff wrote it, if anything.
pub fn feed_line_problem(line: &str) -> Option<String> {
    match url::Url::parse(line) {
        Ok(url) if url.host_str().is_some() => None,
        _ => Some(format!("`{line}` is not a web address")),
    }
}

/// One item of a feed, as the ticker and a Feed slide show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewsItem {
    /// One plain line, cut to a ticker line's length.
    pub title: String,
    pub link: Option<String>,
    /// The day it was published, in the feed's own time zone.
    pub date: Option<NaiveDate>,
}

/// A feed's newest items and when they were read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct News {
    pub items: Vec<NewsItem>,
    pub updated: DateTime<FixedOffset>,
}

/// The newest items of a feed (at most `MAX_ITEMS`): titles as plain lines (markup and
/// entities resolved, whitespace collapsed, cut to a ticker line's length), their links and
/// days.
pub fn feed_items(bytes: &[u8]) -> Result<Vec<NewsItem>, String> {
    let text = decode(bytes)?;
    let xml = Document::parse_with_options(
        &text,
        ParsingOptions {
            allow_dtd: false,
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| format!("broken XML at {}: {e}", e.pos()))?;
    let root = xml.root_element();
    let items: Vec<Node> = match root.tag_name().name() {
        // RSS 2.0: rss/channel/item; RSS 1.0: rdf:RDF/item beside the channel; Atom: feed/entry.
        "rss" => root
            .children()
            .filter(|n| n.has_tag_name("channel"))
            .flat_map(|c| c.children())
            .filter(|n| n.has_tag_name("item"))
            .collect(),
        "RDF" => root
            .children()
            .filter(|n| n.tag_name().name() == "item")
            .collect(),
        "feed" => root
            .children()
            .filter(|n| n.tag_name().name() == "entry")
            .collect(),
        other => {
            return Err(format!(
                "not a news feed (RSS or Atom): the document is <{other}>"
            ));
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|item| {
            let line = plain_line(&text_of(child(item, "title")?));
            if line.is_empty() {
                return None;
            }
            // RSS: <link>text</link>; Atom: <link href=".."/>.
            let link = child(item, "link")
                .map(|l| {
                    l.attribute("href")
                        .map_or_else(|| text_of(l), str::to_owned)
                })
                .map(|l| l.trim().to_string())
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"));
            let written = ["pubDate", "date", "updated", "published"]
                .iter()
                .find_map(|name| child(item, name))
                .map(text_of);
            let date = written.and_then(|w| {
                let w = w.trim();
                DateTime::parse_from_rfc2822(w)
                    .or_else(|_| DateTime::parse_from_rfc3339(w))
                    .map(|t| t.date_naive())
                    .ok()
                    .or_else(|| NaiveDate::parse_from_str(w.get(..10)?, "%Y-%m-%d").ok())
            });
            Some(NewsItem {
                title: cut(&line),
                link,
                date,
            })
        })
        .take(MAX_ITEMS)
        .collect())
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

/// The text inside an element, CDATA and nested markup included.
fn text_of(node: Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

/// What a `Feed` slide shows: its title, the newest items with their days, when the feed was
/// read, and a QR card to the first item; "loading" until the feed has been read once.
pub fn feed_slide(slide: &FeedSlide, news: Option<&News>) -> TextSlide {
    let title = slide.title.clone().unwrap_or_else(|| "お知らせ".into());
    let (body, body_en, qr) = match news {
        Some(news) => {
            let lines: Vec<String> = news
                .items
                .iter()
                .take(slide.items as usize)
                .map(|item| match item.date {
                    Some(date) => format!("{}月{}日　{}", date.month(), date.day(), item.title),
                    None => item.title.clone(),
                })
                .collect();
            let updated = news.updated;
            let qr = news
                .items
                .first()
                .and_then(|item| item.link.clone())
                .filter(|link| link.len() <= MAX_QR_URL_BYTES)
                .map(|url| QrCard {
                    url,
                    caption: Some("詳しくはこちら".into()),
                    caption_en: Some("More".into()),
                });
            let body = if lines.is_empty() {
                "新しいお知らせはありません".to_string()
            } else {
                lines.join("\n")
            };
            let updated = format!(
                "更新 {}月{}日 {}:{:02} / Updated",
                updated.month(),
                updated.day(),
                updated.hour(),
                updated.minute()
            );
            (body, updated, qr)
        }
        None => (
            "読み込み中です".to_string(),
            "Loading the news".to_string(),
            None,
        ),
    };
    TextSlide {
        title,
        title_en: slide.title_en.clone(),
        body: Some(body.replace('{', "｛").replace('}', "｝")),
        body_en: Some(body_en),
        picture: None,
        background: slide.background,
        color: slide.color,
        accent: slide.accent,
        seconds: slide.seconds,
        qr,
    }
}

/// The newest item titles of a feed, as ticker lines.
#[cfg(test)]
fn feed_titles(bytes: &[u8]) -> Result<Vec<String>, String> {
    Ok(feed_items(bytes)?
        .into_iter()
        .map(|item| item.title)
        .collect())
}

/// The feed's text: UTF-8 (with or without a byte-order mark), or the encoding its XML
/// declaration names (Shift_JIS, EUC-JP …).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let declared = head
        .strip_prefix('\u{FEFF}')
        .unwrap_or(&head)
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split("?>").next())
        .and_then(|declaration| declaration.split("encoding").nth(1))
        .and_then(|rest| rest.split(['"', '\'']).nth(1));
    let encoding = match declared {
        Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("the feed declares an encoding `{label}` that is not known"))?,
        None => encoding_rs::UTF_8,
    };
    let (text, _, malformed) = encoding.decode(bytes);
    if malformed {
        return Err(format!("the feed is not valid {} text", encoding.name()));
    }
    // roxmltree reads the declaration again and would refuse a non-UTF-8 label on text that is
    // now UTF-8.
    let text = text.into_owned();
    Ok(match text.find("?>") {
        Some(end) if text.trim_start_matches('\u{FEFF}').starts_with("<?xml") => {
            text[end + 2..].to_string()
        }
        _ => text,
    })
}

/// A title as one plain line: tags some feeds put inside titles removed, entities that were
/// escaped twice resolved, and runs of whitespace made one space.
fn plain_line(text: &str) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let unescaped = [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&nbsp;", " "),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(plain, |text, (entity, character)| {
        text.replace(entity, character)
    });
    unescaped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(line: &str) -> String {
    super::alerts::cut_chars(line, MAX_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>港南区</title>
<item><title>年末年始の窓口のご案内</title><link>https://www.city.yokohama.lg.jp/konan/1.html</link></item>
<item><title><![CDATA[<b>食中毒</b>に注意 &amp; 手洗いを]]></title></item>
<item><title>   </title></item>
</channel></rss>"#;

    const RSS1: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/"><title>港南区</title></channel>
<item rdf:about="https://example.org/1"><title>ペット同行避難の説明会</title></item>
</rdf:RDF>"#;

    const ATOM: &str = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title type="html">子ども&amp;lt;まつり&amp;gt;のお知らせ</title></entry></feed>"#;

    #[test]
    fn titles_of_each_format_as_plain_lines() {
        assert_eq!(
            feed_titles(RSS2.as_bytes()).unwrap(),
            ["年末年始の窓口のご案内", "食中毒に注意 & 手洗いを"]
        );
        assert_eq!(
            feed_titles(RSS1.as_bytes()).unwrap(),
            ["ペット同行避難の説明会"]
        );
        assert_eq!(
            feed_titles(ATOM.as_bytes()).unwrap(),
            ["子ども<まつり>のお知らせ"]
        );
    }

    #[test]
    fn a_shift_jis_feed_is_read_as_it_declares() {
        let text = RSS2.replace("UTF-8", "Shift_JIS");
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        assert_eq!(feed_titles(&bytes).unwrap()[0], "年末年始の窓口のご案内");
        // The same bytes without the declaration are not UTF-8.
        let undeclared = text.replace(" encoding=\"Shift_JIS\"", "");
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&undeclared);
        assert!(feed_titles(&bytes).unwrap_err().contains("not valid UTF-8"));
    }

    #[test]
    fn the_newest_ten_and_each_cut_to_a_ticker_line() {
        let items: String = (0..10_000)
            .map(|i| {
                format!(
                    "<item><title>お知らせ{i}{}</title></item>",
                    "あ".repeat(200)
                )
            })
            .collect();
        let feed = format!("<rss version=\"2.0\"><channel>{items}</channel></rss>");
        let titles = feed_titles(feed.as_bytes()).unwrap();
        assert_eq!(titles.len(), MAX_ITEMS);
        assert!(titles[0].starts_with("お知らせ0"));
        assert!(
            titles
                .iter()
                .all(|t| t.chars().count() == MAX_MESSAGE_CHARS && t.ends_with('…'))
        );
    }

    #[test]
    fn what_is_not_a_feed_says_so() {
        let cases = [
            (
                "<!DOCTYPE html><html><body>ようこそ</body></html>",
                "broken XML",
            ),
            ("<html><body>ようこそ</body></html>", "not a news feed"),
            ("<rss><channel><item><title>x</title>", "broken XML at 1:"),
            (
                "<?xml version=\"1.0\" encoding=\"klingon\"?><rss/>",
                "encoding `klingon`",
            ),
        ];
        for (text, expected) in cases {
            let problem = feed_titles(text.as_bytes()).unwrap_err();
            assert!(problem.contains(expected), "{text}: {problem}");
        }
    }

    #[test]
    fn items_carry_their_link_and_day() {
        let rss = RSS2.replace(
            "<link>https://www.city.yokohama.lg.jp/konan/1.html</link>",
            "<link>https://www.city.yokohama.lg.jp/konan/1.html</link><pubDate>Mon, 07 Dec 2026 09:00:00 +0900</pubDate>",
        );
        let items = feed_items(rss.as_bytes()).unwrap();
        assert_eq!(
            items[0].link.as_deref(),
            Some("https://www.city.yokohama.lg.jp/konan/1.html")
        );
        assert_eq!(items[0].date, NaiveDate::from_ymd_opt(2026, 12, 7));
        assert_eq!((items[1].link.as_deref(), items[1].date), (None, None));
        let atom = ATOM.replace("</title></entry>", "</title><link href=\"https://example.org/m\"/><updated>2026-12-01T10:00:00+09:00</updated></entry>");
        let items = feed_items(atom.as_bytes()).unwrap();
        assert_eq!(
            (items[0].link.as_deref(), items[0].date),
            (
                Some("https://example.org/m"),
                NaiveDate::from_ymd_opt(2026, 12, 1)
            )
        );
        let rdf = RSS1.replace("</title></item>", "</title><dc:date xmlns:dc=\"http://purl.org/dc/elements/1.1/\">2026-11-30</dc:date></item>");
        assert_eq!(
            feed_items(rdf.as_bytes()).unwrap()[0].date,
            NaiveDate::from_ymd_opt(2026, 11, 30)
        );
    }

    #[test]
    fn a_feed_slide_lists_the_newest_items_with_their_days() {
        let slide = FeedSlide {
            url: "https://example.org/rss".into(),
            items: 2,
            title: Some("港南区からのお知らせ".into()),
            title_en: None,
            seconds: None,
            background: None,
            color: None,
            accent: None,
        };
        let item = |title: &str, day: u32, link: Option<&str>| NewsItem {
            title: title.into(),
            link: link.map(str::to_owned),
            date: NaiveDate::from_ymd_opt(2026, 12, day),
        };
        let news = News {
            items: vec![
                item("年末年始の窓口", 7, Some("https://example.org/1")),
                item("食中毒に注意", 6, None),
                item("三つ目", 5, None),
            ],
            updated: DateTime::parse_from_rfc3339("2026-12-07T12:50:00+09:00").unwrap(),
        };
        let shown = feed_slide(&slide, Some(&news));
        assert_eq!(shown.title, "港南区からのお知らせ");
        assert_eq!(
            shown.body.as_deref(),
            Some("12月7日　年末年始の窓口\n12月6日　食中毒に注意")
        );
        assert_eq!(
            shown.body_en.as_deref(),
            Some("更新 12月7日 12:50 / Updated")
        );
        assert_eq!(shown.qr.unwrap().url, "https://example.org/1");
        assert_eq!(
            feed_slide(&slide, None).body.as_deref(),
            Some("読み込み中です")
        );
    }

    #[test]
    fn feed_lines_are_web_addresses() {
        assert!(is_feed_line(
            "https://www.city.yokohama.lg.jp/konan/rss.xml"
        ));
        assert!(!is_feed_line("本日の窓口は17時15分まで"));
        assert_eq!(
            feed_line_problem("https://www.city.yokohama.lg.jp/rss.xml"),
            None
        );
        assert!(feed_line_problem("https://").is_some());
        assert!(feed_line_problem("http://exa mple.org/").is_some());
    }
}
