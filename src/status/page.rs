//! The staff page: one plain HTML page, Japanese first with English, readable on a phone, that
//! works offline (no framework, no CDN; the bundled font is served by the player). Built from the
//! same snapshot as `/status`, so the two never disagree. Pure: the caller gives the time.

use super::{PlaylistReport, SourceReport, StatusReport};
use crate::core::library::{DayPlan, PlanSpan};
use chrono::{DateTime, NaiveDateTime, TimeDelta};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Everything the page shows besides the report.
pub struct PageView<'a> {
    pub report: &'a StatusReport,
    /// Local time, when the page is made.
    pub now: NaiveDateTime,
    /// Today's plan.
    pub plan: &'a DayPlan,
    /// The thumbnails of each loaded playlist, by id.
    pub strips: &'a BTreeMap<String, Strip>,
}

/// A playlist's slides as thumbnails.
#[derive(Clone, Debug, Default)]
pub struct Strip {
    pub slides: Vec<Thumbnail>,
    /// Slides past the ones shown.
    pub more: usize,
}

#[derive(Clone, Debug)]
pub struct Thumbnail {
    pub url: String,
    pub kind: &'static str,
    pub width: u32,
    pub height: u32,
}

/// How often the page's script fetches the screenshot, and the rest of the page, again.
const SCREENSHOT_SECONDS: u32 = 5;
const DETAILS_SECONDS: u32 = 10;
/// The screen counts as stuck on the page when no frame has come for this long; a still slide
/// draws at least once a minute.
const STUCK_SECONDS: f64 = 90.0;

/// The whole page.
pub fn staff_page(view: &PageView) -> String {
    let mut html = String::with_capacity(16 * 1024);
    head(&mut html, "サイネージの状態 · Signage status");
    html.push_str("<header><h1>サイネージの状態 <span class=en>Signage status</span></h1>");
    let _ = write!(
        html,
        "<p id=now>{} 現在 <span class=en>as of {}</span></p></header><main>",
        view.now.format("%Y-%m-%d %H:%M:%S"),
        view.now.format("%H:%M:%S")
    );
    html.push_str(
        "<section><h2>いまの画面 <span class=en>On screen now</span></h2>\
         <img id=shot src=\"/screen.jpg\" alt=\"いまの画面 / the screen now\">",
    );
    html.push_str("<div id=onscreen>");
    on_screen(&mut html, view);
    html.push_str("</div></section><div id=live>");
    problems(&mut html, view.report);
    board(&mut html, view.report);
    alerts(&mut html, view.report);
    today(&mut html, view);
    playlists(&mut html, view);
    quizzes(&mut html, view.report);
    sources(
        &mut html,
        "<section id=sources><h2>コンテンツの取り込み <span class=en>Content sources</span></h2>",
        &view.report.sources,
    );
    if !view.report.news_feeds.is_empty() {
        sources(
            &mut html,
            "<section id=news><h2>ティッカーのニュース <span class=en>News feeds in the ticker</span></h2>",
            &view.report.news_feeds,
        );
    }
    if !view.report.web_pages.is_empty() {
        // A page's last success is when its snapshot on screen was taken.
        let pages: Vec<SourceReport> = view
            .report
            .web_pages
            .iter()
            .map(|page| page.source.clone())
            .collect();
        sources(
            &mut html,
            "<section id=web><h2>ウェブページ <span class=en>Web pages (last snapshot)</span></h2>",
            &pages,
        );
    }
    let _ = write!(
        html,
        "</div></main><footer>kiosk-player {} · <a href=\"/status\">/status</a> · \
         <a href=\"/metrics\">/metrics</a></footer>",
        esc(view.report.version)
    );
    let _ = write!(html, "<script>{}</script></body></html>", script());
    html
}

/// The form that sets the login cookie. Says nothing about the player.
pub fn login_page(wrong: bool) -> String {
    let mut html = String::new();
    head(&mut html, "ログイン · Log in");
    html.push_str(
        "<main class=login><h1>サイネージの状態 <span class=en>Signage status</span></h1>\
         <form method=post action=\"/login\">\
         <label for=token>合言葉（トークン）を入れてください\
         <span class=en>Enter the access token</span></label>\
         <input id=token name=token type=password autocomplete=current-password required autofocus>",
    );
    if wrong {
        html.push_str(
            "<p class=wrong role=alert>合言葉が違います。<span class=en>That is not the token.</span></p>",
        );
    }
    html.push_str(
        "<button type=submit>見る <span class=en>Show</span></button></form>\
         <p class=note>合言葉は管理者が知っています。<span class=en>Your administrator has the token.</span></p>\
         </main></body></html>",
    );
    html
}

fn head(html: &mut String, title: &str) {
    let _ = write!(
        html,
        "<!doctype html><html lang=ja><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style>\
         <noscript><meta http-equiv=refresh content=30></noscript></head><body>",
        esc(title)
    );
}

fn on_screen(html: &mut String, view: &PageView) {
    let report = view.report;
    html.push_str("<p id=showing>");
    match &report.showing {
        None => html.push_str("まだ何も表示していません。<span class=en>Nothing on screen yet.</span>"),
        Some(showing) if showing.kind == "idle" => html.push_str(
            "予定がないので待機画面です。<span class=en>Nothing is scheduled: the idle screen.</span>",
        ),
        Some(showing) => {
            if showing.emergency {
                html.push_str("<b class=emergency>緊急 Emergency</b> ");
            }
            let title = showing.title.as_deref().unwrap_or("");
            let _ = write!(html, "<b>{}</b>", esc(title));
            if let Some(slide) = showing.slide {
                let _ = write!(
                    html,
                    " — {}枚目（{}） <span class=en>slide {} ({})</span>",
                    slide + 1,
                    kind_ja(showing.kind),
                    slide + 1,
                    esc(showing.kind)
                );
            }
            if let Some(playlist) = &showing.playlist {
                let _ = write!(html, " <code>{}</code>", esc(playlist));
            }
            if let Some(rate) = &showing.video {
                let _ = write!(
                    html,
                    "<br>動画 {0:.0}/{1:.0} fps <span class=en>video: {0:.0}/{1:.0} fps \
                     (presented/decoded, as the {2} counts)</span>",
                    rate.presented_per_second,
                    rate.decoded_per_second,
                    rate.presented_by
                );
            }
            if let Some(seconds) = report.next_change_in_seconds {
                let until = view.now + TimeDelta::milliseconds((seconds * 1000.0) as i64);
                let _ = write!(
                    html,
                    "<br>{} まで <span class=en>until {}</span>",
                    until.format("%H:%M:%S"),
                    until.format("%H:%M:%S")
                );
            }
        }
    }
    html.push_str("</p>");
    if let Some(late) = &report.late {
        let _ = write!(
            html,
            "<p class=wrong>次のスライドが {0:.0} 秒遅れています（{1}）。\
             <span class=en>The next slide is {0:.0} s late: {1}.</span></p>",
            late.seconds,
            esc(&late.waiting_for)
        );
    }
    if report.last_frame_age_seconds > STUCK_SECONDS {
        let _ = write!(
            html,
            "<p class=wrong>画面が {0:.0} 秒止まっています。<span class=en>The screen has not drawn for {0:.0} s.</span></p>",
            report.last_frame_age_seconds
        );
    }
    if let Some(panel) = &report.panel {
        let (ja, en) = if panel.on {
            ("オン", "on")
        } else {
            ("オフ（予定どおり）", "off, as scheduled")
        };
        let _ = write!(
            html,
            "<p>画面の電源: {ja} <span class=en>Panel: {en}</span>"
        );
        if let Some(error) = &panel.error {
            let _ = write!(html, " <span class=wrong>{}</span>", esc(error));
        }
        html.push_str("</p>");
    }
    if let Some(quiz) = &report.quiz {
        let _ = write!(
            html,
            "<p>クイズ <code>{}</code>: {} <span class=en>quiz screen</span></p>",
            esc(&quiz.quiz),
            esc(quiz.screen)
        );
    }
}

/// Every problem of every file, first: this is what staff come to the page for.
fn problems(html: &mut String, report: &StatusReport) {
    let files: Vec<(&str, &[String])> = report
        .playlists
        .iter()
        .map(|p| (p.id.as_str(), p.problems.as_slice()))
        .chain(
            report
                .quizzes
                .iter()
                .map(|q| (q.id.as_str(), q.problems.as_slice())),
        )
        .filter(|(_, problems)| !problems.is_empty())
        .collect();
    let skipping: Vec<&PlaylistReport> = report
        .playlists
        .iter()
        .filter(|p| !p.skipped.is_empty())
        .collect();
    let hard_to_read: Vec<&PlaylistReport> = report
        .playlists
        .iter()
        .filter(|p| !p.warnings.is_empty())
        .collect();
    html.push_str(
        "<section id=problems><h2>直してほしいファイル <span class=en>Files to fix</span></h2>",
    );
    if files.is_empty() && skipping.is_empty() && hard_to_read.is_empty() {
        html.push_str(
            "<p class=fine>問題のあるファイルはありません。<span class=en>No file has a problem.</span></p>",
        );
    }
    for (id, problems) in files {
        let kept = report
            .playlists
            .iter()
            .find(|p| p.id == id)
            .is_some_and(|p| p.title.is_some());
        let _ = write!(
            html,
            "<article class=problem><h3><code>{}</code></h3>",
            esc(id)
        );
        if kept {
            html.push_str(
                "<p>前の正しい版を表示し続けています。<span class=en>The last good version keeps playing.</span></p>",
            );
        }
        html.push_str("<ul>");
        for problem in problems {
            let (what, hint) = match problem.split_once("\n  hint: ") {
                Some((what, hint)) => (what, Some(hint)),
                None => (problem.as_str(), None),
            };
            let _ = write!(html, "<li><code>{}</code>", esc(what));
            if let Some(hint) = hint {
                let _ = write!(
                    html,
                    "<br><span class=hint>ヒント <span class=en>hint</span>: {}</span>",
                    esc(hint)
                );
            }
            html.push_str("</li>");
        }
        html.push_str("</ul></article>");
    }
    for playlist in skipping {
        let _ = write!(
            html,
            "<article class=problem><h3><code>{}</code></h3>\
             <p>次のスライドは表示できないため飛ばしています。<span class=en>These slides are skipped: \
             their media cannot be drawn.</span></p><ul>",
            esc(&playlist.id)
        );
        for skipped in &playlist.skipped {
            let _ = write!(
                html,
                "<li>スライド <span class=en>slide</span> {}: <code>{}</code></li>",
                skipped.slide + 1,
                esc(&skipped.reason)
            );
        }
        html.push_str("</ul></article>");
    }
    for playlist in hard_to_read {
        let _ = write!(
            html,
            "<article class=problem><h3><code>{}</code></h3>\
             <p>表示されていますが、読みにくいところがあります。<span class=en>It plays, but some \
             text is hard to read.</span></p><ul>",
            esc(&playlist.id)
        );
        for warning in &playlist.warnings {
            let what = warning
                .split_once("\n  hint: ")
                .map_or(warning.as_str(), |w| w.0);
            let _ = write!(html, "<li><code>{}</code></li>", esc(what));
        }
        html.push_str("</ul></article>");
    }
    html.push_str("</section>");
}

fn today(html: &mut String, view: &PageView) {
    let plan = view.plan;
    let titles: BTreeMap<&str, &str> = view
        .report
        .playlists
        .iter()
        .filter_map(|p| Some((p.id.as_str(), p.title.as_deref()?)))
        .collect();
    let _ = write!(
        html,
        "<section id=today><h2>今日の予定 <span class=en>Today</span> {}</h2>",
        plan.date.format("%Y-%m-%d")
    );
    let mut notes = Vec::new();
    if let Some(holiday) = plan.holiday {
        notes.push(format!(
            "祝日（{}） <span class=en>national holiday</span>",
            esc(holiday)
        ));
    }
    if plan.year_end {
        notes.push("年末年始の休み <span class=en>year-end closure</span>".to_string());
    }
    if plan.closed_day {
        notes.push("閉庁日（closed_days） <span class=en>office closed</span>".to_string());
    }
    if !notes.is_empty() {
        let _ = write!(html, "<p class=day>{}</p>", notes.join(" · "));
    }
    let day_start = plan.date.and_time(chrono::NaiveTime::MIN);
    let percent = |moment: NaiveDateTime| (moment - day_start).num_seconds() as f64 / 864.0;
    html.push_str("<div class=bar aria-hidden=true>");
    for span in &plan.spans {
        let _ = write!(
            html,
            "<span class=\"{}\" style=\"left:{:.2}%;width:{:.2}%\"></span>",
            span_class(span),
            percent(span.start),
            percent(span.end) - percent(span.start)
        );
    }
    if view.now.date() == plan.date {
        let _ = write!(
            html,
            "<i class=nowmark style=\"left:{:.2}%\"></i>",
            percent(view.now)
        );
    }
    html.push_str("</div><table><tbody>");
    for span in &plan.spans {
        let current = span.start <= view.now && view.now < span.end;
        let end = if span.end.date() > plan.date {
            "24:00".to_string()
        } else {
            span.end.format("%H:%M").to_string()
        };
        let _ = write!(
            html,
            "<tr{}><td class=time>{}–{}</td><td><i class=\"swatch {}\"></i>",
            if current { " class=current" } else { "" },
            span.start.format("%H:%M"),
            end,
            span_class(span)
        );
        if span.programme.emergency {
            html.push_str("<b class=emergency>緊急 Emergency</b> ");
        }
        if span.programme.playlists.is_empty() {
            html.push_str("待機画面 <span class=en>idle screen</span>");
        }
        let names: Vec<String> = span
            .programme
            .playlists
            .iter()
            .map(|id| match titles.get(id.as_str()) {
                Some(title) => format!("{} <code>{}</code>", esc(title), esc(id)),
                None => format!("<code>{}</code>", esc(id)),
            })
            .collect();
        html.push_str(&names.join("、"));
        if current {
            html.push_str(" <b class=nowtag>いま now</b>");
        }
        html.push_str("</td></tr>");
    }
    html.push_str("</tbody></table></section>");
}

fn span_class(span: &PlanSpan) -> &'static str {
    if span.programme.emergency {
        "emergency-span"
    } else if span.programme.playlists.is_empty() {
        "idle-span"
    } else {
        const HUES: [&str; 6] = ["h0", "h1", "h2", "h3", "h4", "h5"];
        let key: u32 = span
            .programme
            .playlists
            .iter()
            .flat_map(|id| id.bytes())
            .fold(7, |hash, byte| {
                hash.wrapping_mul(31).wrapping_add(byte.into())
            });
        HUES[key as usize % HUES.len()]
    }
}

fn playlists(html: &mut String, view: &PageView) {
    html.push_str("<section id=playlists><h2>プレイリスト <span class=en>Playlists</span></h2>");
    if view.report.playlists.is_empty() {
        html.push_str(
            "<p>プレイリストがありません。<span class=en>There are no playlists.</span></p>",
        );
    }
    for playlist in &view.report.playlists {
        playlist_card(html, playlist, view.strips.get(&playlist.id));
    }
    html.push_str("</section>");
}

fn playlist_card(html: &mut String, playlist: &PlaylistReport, strip: Option<&Strip>) {
    let _ = write!(
        html,
        "<article class=playlist><h3>{} <code>{}</code></h3><p>",
        esc(playlist.title.as_deref().unwrap_or("")),
        esc(&playlist.id)
    );
    match playlist.next_play.as_deref() {
        Some("now") => html.push_str("<b class=nowtag>表示中 playing now</b>"),
        Some(at) => {
            let _ = write!(
                html,
                "次は {0} から <span class=en>next at {0}</span>",
                esc(at)
            );
        }
        None if playlist.title.is_some() => html.push_str(
            "今後 400 日は表示されません <span class=en>not on screen in the next 400 days</span>",
        ),
        None => {}
    }
    if !playlist.problems.is_empty() {
        let _ = write!(
            html,
            " <a class=wrong href=\"#problems\">問題 {0} 件 <span class=en>{0} problem(s)</span></a>",
            playlist.problems.len()
        );
    }
    html.push_str("</p>");
    if let Some(strip) = strip {
        html.push_str("<div class=strip>");
        for (index, slide) in strip.slides.iter().enumerate() {
            let _ = write!(
                html,
                "<figure><img loading=lazy src=\"{}\" width={} height={} alt=\"{}\"><figcaption>{} {}</figcaption></figure>",
                esc(&slide.url),
                slide.width,
                slide.height,
                esc(slide.kind),
                index + 1,
                kind_ja(slide.kind)
            );
        }
        if strip.more > 0 {
            let _ = write!(
                html,
                "<p class=more>ほか {0} 枚 <span class=en>{0} more</span></p>",
                strip.more
            );
        }
        html.push_str("</div>");
    }
    html.push_str("</article>");
}

fn quizzes(html: &mut String, report: &StatusReport) {
    if report.quizzes.is_empty() {
        return;
    }
    html.push_str("<section id=quizzes><h2>クイズ <span class=en>Quizzes</span></h2><ul>");
    for quiz in &report.quizzes {
        let _ = write!(
            html,
            "<li>{} <code>{}</code> ",
            esc(quiz.title.as_deref().unwrap_or("")),
            esc(&quiz.id)
        );
        if quiz.problems.is_empty() {
            html.push_str("<span class=fine>問題なし <span class=en>fine</span></span>");
        } else {
            let _ = write!(
                html,
                "<a class=wrong href=\"#problems\">問題 {0} 件 <span class=en>{0} problem(s)</span></a>",
                quiz.problems.len()
            );
        }
        html.push_str("</li>");
    }
    html.push_str("</ul></section>");
}

/// The board's problems (heat, power, file systems), when there are any: each one something a
/// person has to go and fix.
fn board(html: &mut String, report: &StatusReport) {
    let board = &report.board;
    if board.problems.is_empty() {
        return;
    }
    html.push_str(
        "<section id=board><h2>本体の状態 <span class=en>The player's hardware</span></h2><ul>",
    );
    for (ja, en) in board.problems_ja.iter().zip(&board.problems) {
        let _ = write!(
            html,
            "<li class=wrong>{} <span class=en>{}</span></li>",
            esc(ja),
            esc(en)
        );
    }
    html.push_str("</ul>");
    if let Some(celsius) = board.readings.temperature_celsius {
        let _ = write!(
            html,
            "<p>温度 {celsius:.0}℃ <span class=en>temperature {celsius:.0} °C</span></p>"
        );
    }
    html.push_str("</section>");
}

/// The official warnings in force, what the screen does with them, and the feeds' state;
/// nothing without an `alerts` section in the config.
fn alerts(html: &mut String, report: &StatusReport) {
    if report.alert_feeds.is_empty() {
        return;
    }
    html.push_str("<div id=alerts>");
    if report.alerts.is_empty() {
        html.push_str(
            "<section><h2>防災情報 <span class=en>Official warnings</span></h2>\
             <p>この画面の地域に発表中の警報はありません <span class=en>none in force for this screen's areas</span></p>",
        );
    } else {
        html.push_str("<section><h2>防災情報 <span class=en>Official warnings</span></h2><ul>");
        for report in &report.alerts {
            let alert = &report.alert;
            let shown = if report.takeover {
                "画面に全面表示 <span class=en>takes the screen over</span>"
            } else {
                "ティッカーに表示 <span class=en>in the ticker</span>"
            };
            let _ = write!(
                html,
                "<li><b>{}{}</b> (レベル{}) {} — {} {} · {}</li>",
                if alert.drill { "【訓練】" } else { "" },
                esc(&alert.name),
                alert.level,
                esc(&alert.areas.join("・")),
                esc(&alert.office),
                alert.issued.format("%m-%d %H:%M"),
                shown
            );
        }
        html.push_str("</ul>");
    }
    sources(
        html,
        "<h3>受信 <span class=en>Feeds</span></h3>",
        &report.alert_feeds,
    );
    html.push_str("</div>");
}

fn sources(html: &mut String, heading: &str, sources: &[SourceReport]) {
    html.push_str(heading);
    html.push_str("<table><tbody>");
    for source in sources {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>",
            esc(&source.origin)
        );
        match source.last_success.as_deref() {
            Some(at) => {
                let _ = write!(
                    html,
                    "最後の成功 {0} <span class=en>last good {0}</span>",
                    local_time(at)
                );
            }
            None => html.push_str("まだ成功していません <span class=en>not read yet</span>"),
        }
        if let Some(error) = &source.last_error {
            let at = source.last_error_at.as_deref().map(local_time);
            let _ = write!(
                html,
                "<br><span class=wrong>最後のエラー <span class=en>last error</span> {}: {}</span>",
                at.unwrap_or_default(),
                esc(error)
            );
        }
        html.push_str("</td></tr>");
    }
    html.push_str("</tbody></table></section>");
}

/// An RFC 3339 time as `12-02 14:05:03`, in the time zone it was written in (the player's).
fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| esc(rfc3339))
}

fn kind_ja(kind: &str) -> &'static str {
    match kind {
        "text" => "文字",
        "alert" => "防災情報",
        "image" => "写真",
        "poster" => "ポスター",
        "pdf" => "PDF",
        "video" => "動画",
        "quiz" => "クイズ",
        "web" => "ウェブページ",
        "idle" => "待機画面",
        _ => "",
    }
}

/// Escapes text for HTML element content and quoted attributes.
fn esc(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Fetches the screenshot again every few seconds (showing each once it has loaded, so it never
/// flickers), and the rest of the page a little less often; a lapsed login shows the form.
fn script() -> String {
    format!(
        "const shot=document.getElementById('shot');\
         setInterval(()=>{{const next=new Image();next.onload=()=>{{shot.src=next.src}};\
         next.src='/screen.jpg?at='+Date.now()}},{});\
         setInterval(async()=>{{try{{const r=await fetch('/',{{cache:'no-store'}});\
         if(r.status===401){{location.reload();return}}if(!r.ok)return;\
         const page=new DOMParser().parseFromString(await r.text(),'text/html');\
         for(const id of ['now','onscreen','live']){{const fresh=page.getElementById(id);\
         if(fresh)document.getElementById(id).replaceWith(fresh)}}}}catch(e){{}}}},{});",
        SCREENSHOT_SECONDS * 1000,
        DETAILS_SECONDS * 1000
    )
}

const STYLE: &str = "\
@font-face{font-family:Bundled;src:url(/font/regular.ttf);font-weight:400}\
@font-face{font-family:Bundled;src:url(/font/bold.ttf);font-weight:700}\
:root{color-scheme:light;--ink:#1f2933;--soft:#5b6670;--line:#d8dde2;--wrong:#b3261e}\
body{margin:0;font:16px/1.6 'BIZ UDPGothic','Yu Gothic UI',Meiryo,'Hiragino Sans','Noto Sans CJK JP',Bundled,sans-serif;\
color:var(--ink);background:#f6f7f8}\
header,main,footer{max-width:1100px;margin:0 auto;padding:0 16px}\
header{padding-top:12px}h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em}\
h3{font-size:1em;margin:.2em 0}.en{color:var(--soft);font-size:.85em}\
code{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}\
#shot{display:block;width:100%;max-width:960px;height:auto;border:1px solid var(--line);background:#111}\
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:4px 16px 12px;margin:12px 0}\
.wrong{color:var(--wrong);font-weight:700}.fine{color:#1e6b34}.hint{color:var(--soft)}\
.problem ul{margin:.2em 0;padding-left:1.2em}.problem li{margin:.3em 0}\
.emergency{background:var(--wrong);color:#fff;padding:0 .4em;border-radius:4px}\
.nowtag{color:#0b57d0}.day{font-weight:700}\
table{border-collapse:collapse;width:100%}td{border-top:1px solid var(--line);padding:4px 6px;vertical-align:top}\
td.time{white-space:nowrap;font-variant-numeric:tabular-nums;width:7em}tr.current{background:#e8f0fe}\
.bar{position:relative;height:22px;border-radius:4px;overflow:hidden;background:#eee;margin:6px 0}\
.bar span{position:absolute;top:0;bottom:0}.nowmark{position:absolute;top:0;bottom:0;width:2px;background:#000}\
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-.05em}\
.idle-span{background:#c7ccd1}.emergency-span{background:var(--wrong)}\
.h0{background:#4f86c6}.h1{background:#5aa469}.h2{background:#d4943a}.h3{background:#8e6cc2}.h4{background:#3aa6a6}.h5{background:#c76a8e}\
.strip{display:flex;gap:8px;overflow-x:auto;padding:4px 0}\
figure{margin:0;flex:none;text-align:center;font-size:.8em;color:var(--soft)}\
figure img{display:block;max-height:120px;width:auto;border:1px solid var(--line);background:#eee}\
.more{align-self:center;white-space:nowrap}\
.login{max-width:420px;padding-top:10vh}form{display:grid;gap:10px}\
input,button{font:inherit;padding:10px;border-radius:6px;border:1px solid var(--line)}\
button{background:#0b57d0;color:#fff;border:0;font-weight:700}.note{color:var(--soft)}\
footer{color:var(--soft);font-size:.85em;padding-bottom:24px}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::library::{Library, Programme};
    use crate::core::playlist::Playlist;
    use crate::status::{QuizFileReport, Showing, SkippedSlide};

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn report() -> StatusReport {
        StatusReport {
            version: "0.1.0",
            showing: Some(Showing {
                playlist: Some("food.ron".into()),
                title: Some("食品衛生 <Food>".into()),
                slide: Some(2),
                kind: "text",
                emergency: false,
                video: None,
            }),
            next_change_in_seconds: Some(30.0),
            playlists: vec![
                PlaylistReport {
                    id: "food.ron".into(),
                    title: Some("食品衛生 <Food>".into()),
                    problems: vec![
                        "food.ron:3:9: unknown field `sceonds`\n  hint: did you mean `seconds`?"
                            .into(),
                    ],
                    next_play: Some("now".into()),
                    skipped: vec![SkippedSlide {
                        slide: 2,
                        reason: "media/heavy.svg was not drawn: it takes too long".into(),
                    }],
                    warnings: vec![
                        "food.ron:4:18: #AAAAAA on #FFFFFF has a contrast of 2.3:1, below the 4.5:1 text needs to be read (WCAG 2.x)\n  hint: choose a darker text colour".into(),
                    ],
                },
                PlaylistReport {
                    id: "<script>.ron".into(),
                    title: None,
                    problems: vec!["<script>.ron:1:1: expected `Playlist(`".into()],
                    next_play: None,
                    skipped: vec![],
                    warnings: vec![],
                },
            ],
            quizzes: vec![QuizFileReport {
                id: "quiz.ron".into(),
                title: Some("ペット".into()),
                problems: vec![],
            }],
            sources: vec![SourceReport {
                origin: "/srv/signage".into(),
                last_success: Some("2026-12-02T14:05:03+09:00".into()),
                last_error: Some("cannot read /srv/signage: gone".into()),
                last_error_at: Some("2026-12-02T13:00:00+09:00".into()),
                ..SourceReport::default()
            }],
            ..StatusReport::default()
        }
    }

    fn plan() -> DayPlan {
        let mut library = Library::default();
        let food = Playlist::parse(
            r#"Playlist(title: "食品衛生", schedule: (hours: ["08:30-17:15"]), slides: [Text(title: "x")])"#,
        )
        .unwrap();
        library.insert("food.ron".into(), food, std::path::Path::new("/content"));
        library.day_plan(at("2026-11-23 00:00:00").date())
    }

    #[test]
    fn the_page_shows_the_screen_the_day_the_problems_and_the_sources() {
        let (report, plan) = (report(), plan());
        let strips = BTreeMap::from([(
            "food.ron".to_string(),
            Strip {
                slides: vec![Thumbnail {
                    url: "/thumbnail/4/0.png".into(),
                    kind: "text",
                    width: 384,
                    height: 216,
                }],
                more: 3,
            },
        )]);
        let page = staff_page(&PageView {
            report: &report,
            now: at("2026-11-23 09:15:00"),
            plan: &plan,
            strips: &strips,
        });
        for expected in [
            "<img id=shot src=\"/screen.jpg\"",
            // What is on screen, until when.
            "<b>食品衛生 &lt;Food&gt;</b> — 3枚目（文字）",
            "09:15:30 まで",
            // Problems with their place and hint, escaped.
            "<code>food.ron:3:9: unknown field `sceonds`</code>",
            "hint</span>: did you mean `seconds`?",
            "<code>&lt;script&gt;.ron:1:1: expected `Playlist(`</code>",
            "前の正しい版を表示し続けています",
            // A slide skipped, counted as staff count.
            "<li>スライド <span class=en>slide</span> 3: <code>media/heavy.svg was not drawn: it takes too long</code></li>",
            // Text too faint, beside the file, without the hint.
            "読みにくいところがあります",
            "<li><code>food.ron:4:18: #AAAAAA on #FFFFFF has a contrast of 2.3:1, below the 4.5:1 text needs to be read (WCAG 2.x)</code></li>",
            // Today: a holiday, and the office hours between idle spans.
            "祝日（勤労感謝の日）",
            "<td class=time>00:00–08:30</td>",
            "<tr class=current><td class=time>08:30–17:15</td>",
            "<td class=time>17:15–24:00</td>",
            // Thumbnails, and how many more.
            "<img loading=lazy src=\"/thumbnail/4/0.png\" width=384 height=216",
            "ほか 3 枚",
            "ペット <code>quiz.ron</code> <span class=fine>",
            "<code>/srv/signage</code>",
            "last good 12-02 14:05:03",
            "12-02 13:00:00: cannot read /srv/signage: gone",
        ] {
            assert!(page.contains(expected), "missing {expected:?} in\n{page}");
        }
        assert!(!page.contains("<script>.ron"), "file names are escaped");
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "only the page's own script"
        );
    }

    #[test]
    fn an_emergency_and_the_idle_screen_are_named() {
        let mut report = report();
        report.showing = Some(Showing {
            kind: "idle",
            ..Showing::default()
        });
        report.late = Some(crate::status::LateReport {
            seconds: 12.4,
            waiting_for: "slide 2 of a.ron (poster media/<big>.svg)".into(),
        });
        report.playlists.clear();
        report.quizzes.clear();
        let plan = DayPlan {
            date: at("2026-12-29 00:00:00").date(),
            holiday: None,
            year_end: true,
            closed_day: false,
            spans: vec![PlanSpan {
                start: at("2026-12-29 00:00:00"),
                end: at("2026-12-30 00:00:00"),
                programme: Programme {
                    emergency: true,
                    playlists: vec!["quake.ron".into()],
                },
            }],
        };
        let page = staff_page(&PageView {
            report: &report,
            now: at("2026-12-29 10:00:00"),
            plan: &plan,
            strips: &BTreeMap::new(),
        });
        for expected in [
            "待機画面です",
            "年末年始の休み",
            "<b class=emergency>緊急 Emergency</b> <code>quake.ron</code>",
            "class=\"emergency-span\" style=\"left:0.00%;width:100.00%\"",
            "問題のあるファイルはありません",
            "次のスライドが 12 秒遅れています（slide 2 of a.ron (poster media/&lt;big&gt;.svg)）",
        ] {
            assert!(page.contains(expected), "missing {expected:?} in\n{page}");
        }
    }

    #[test]
    fn the_login_page_asks_for_the_token_and_tells_nothing_else() {
        let page = login_page(false);
        assert!(page.contains("<form method=post action=\"/login\">"));
        assert!(page.contains("name=token type=password"));
        assert!(!page.contains("合言葉が違います"));
        assert!(login_page(true).contains("合言葉が違います"));
        assert!(!page.contains("/screen"));
    }
}
