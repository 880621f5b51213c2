//! The command line: `run` (the default), `check` and `preview`.

use crate::compose::IdleMessage;
use crate::content::sync::{Cache, HttpSource, SyncOutcome, Syncer};
use crate::content::watch::ContentSource;
use crate::content::{load_playlist, load_quiz, playlist_folder, read_text};
use crate::core::config::{Config, DEFAULT_CACHE, MAX_CONFIG_BYTES, Mode, ScreenSize, Source};
use crate::core::diagnostic::{Diagnostic, document_kind};
use crate::core::display::Rotation;
use crate::core::manifest::MANIFEST_NAME;
use crate::player::{self, PlayerSettings, TabletSettings};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "kiosk-player",
    version,
    about = "A fullscreen digital-signage player",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Play playlists fullscreen (what happens with no command at all).
    Run(RunArgs),
    /// Check playlist and config files and print every problem as file:line:column.
    Check {
        /// Files or folders (every *.ron directly inside a folder is checked).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Summarise play logs (how often and how long each slide ran) and quiz results logs
    /// (rounds per day, correct answers per question).
    Report {
        /// Play logs and quiz results logs (rotated ones too: play.jsonl.1 …).
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// Comma-separated values for a spreadsheet instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Write DIR/manifest.ron listing every file of a content folder, for serving over HTTP(S).
    Publish { folder: PathBuf },
    /// Sync the config's HTTP sources into the cache.
    Sync {
        #[arg(long)]
        config: PathBuf,
        /// Sync once and exit (for cron and tests); the player itself syncs continuously.
        #[arg(long, required = true)]
        once: bool,
    },
    /// Draw each slide of a playlist to DIR/NNN-<kind>.png, as it looks on screen (or, for a quiz
    /// file, each of its screens).
    Preview {
        playlist: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Screen size, e.g. 1920x1080 or 1080x1920 for a portrait screen.
        #[arg(long, default_value = "1920x1080")]
        size: ScreenSize,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Device config file (kiosk.ron).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder of playlist files; default: the config's, else ./playlists.
    #[arg(long)]
    playlists: Option<PathBuf>,
    /// A normal window instead of fullscreen.
    #[arg(long)]
    windowed: bool,
    /// Window size in windowed mode, e.g. 1280x720.
    #[arg(long)]
    size: Option<ScreenSize>,
    /// The panel is turned this many degrees clockwise (0, 90, 180, 270); slides are turned
    /// to match.
    #[arg(long, value_parser = parse_rotation)]
    rotation: Option<Rotation>,
    /// Append one JSON line per slide shown to this file.
    #[arg(long)]
    play_log: Option<PathBuf>,
    /// Serve /status and /metrics here (default 127.0.0.1:9310, or the config's; "off" for none).
    #[arg(long)]
    status_listen: Option<String>,
    /// Run as a quiz tablet with this quiz file, the playlists being its attract loop.
    #[arg(long)]
    quiz: Option<PathBuf>,
    /// Where a tablet appends its quiz results (default: the config's, else ./quiz-results.jsonl).
    #[arg(long)]
    results_log: Option<PathBuf>,
    /// Run the player's clock this many times faster than real time (soak tests only).
    #[arg(long, default_value_t = 1.0, hide = true)]
    clock_speed: f64,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Check { paths }) => check(&paths),
        Some(Command::Preview {
            playlist,
            out,
            size,
        }) => preview(&playlist, &out, size),
        Some(Command::Publish { folder }) => publish(&folder),
        Some(Command::Report { logs, csv }) => report(&logs, csv),
        Some(Command::Sync { config, .. }) => sync_once(&config),
    }
}

fn run(args: RunArgs) -> ExitCode {
    let config = match &args.config {
        Some(path) => match load_config(path) {
            Ok(config) => config,
            Err(problems) => {
                // Without a readable config there is nothing sensible to play: systemd shows why.
                print_problems(&problems);
                return ExitCode::FAILURE;
            }
        },
        None => Config::default(),
    };
    let config_folder = args
        .config
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let sources = match args.playlists {
        Some(folder) => vec![ContentSource::Folder {
            path: folder,
            poll: None,
        }],
        None => match content_sources(&config, config_folder) {
            Ok(sources) if sources.is_empty() => vec![ContentSource::Folder {
                path: PathBuf::from("playlists"),
                poll: None,
            }],
            Ok(sources) => sources,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        },
    };
    for source in &sources {
        if let ContentSource::Folder { path, .. } = source
            && !path.is_dir()
        {
            eprintln!(
                "error: the playlists folder {} does not exist; pass --playlists DIR",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let listen = args.status_listen.unwrap_or(config.status.listen.clone());
    let status_listen = match listen.as_str() {
        "off" => None,
        text => match text.parse() {
            Ok(address) => Some(address),
            Err(_) => {
                eprintln!(
                    "error: `{text}` is not an address for --status-listen (e.g. 127.0.0.1:9310)"
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let status_token = match &config.status.token_env {
        Some(name) => std::env::var(name).ok(),
        None => config.status.token.clone(),
    };
    let quiz_path = args.quiz.or_else(|| match config.mode {
        Mode::Tablet => config.quiz.as_ref().map(|q| config_folder.join(q)),
        Mode::Signage => None,
    });
    let tablet = quiz_path.and_then(|quiz_path| match load_quiz(&quiz_path) {
        Ok(quiz) => Some(TabletSettings {
            quiz,
            quiz_path,
            results_log: Some(
                args.results_log
                    .or(config.results_log.map(|r| config_folder.join(r)))
                    .unwrap_or_else(|| PathBuf::from("quiz-results.jsonl")),
            ),
            staff_pin: config.staff_pin.clone(),
        }),
        Err(problems) => {
            // The playlists still play: a screen showing them beats a screen showing nothing.
            print_problems(&problems);
            eprintln!("error: the quiz cannot be used; playing the playlists without it");
            None
        }
    });
    let default_idle = IdleMessage::default();
    let settings = PlayerSettings {
        tablet,
        clock_speed: args.clock_speed,
        status_listen,
        status_token,
        sources,
        windowed: args.windowed || config.windowed,
        size: args.size.or(config.size),
        rotation: args.rotation.unwrap_or(config.rotation),
        panel: config.display.clone(),
        play_log: args.play_log.or(config.play_log),
        idle: IdleMessage {
            japanese: config.idle_message.unwrap_or(default_idle.japanese),
            english: config.idle_message_en.unwrap_or(default_idle.english),
        },
    };
    match player::run(settings) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(_) => ExitCode::FAILURE,
    }
}

fn parse_rotation(text: &str) -> Result<Rotation, String> {
    let degrees: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of degrees"))?;
    Rotation::try_from(degrees)
}

/// The config's content sources, resolved: relative paths against the config's folder, tokens
/// from the environment.
fn content_sources(config: &Config, config_folder: &Path) -> Result<Vec<ContentSource>, String> {
    let cache_root = config
        .cache
        .as_ref()
        .map_or_else(|| PathBuf::from(DEFAULT_CACHE), |c| config_folder.join(c));
    let mut sources: Vec<ContentSource> = config
        .playlists
        .iter()
        .map(|p| ContentSource::Folder {
            path: config_folder.join(p),
            poll: None,
        })
        .collect();
    for (index, source) in config.sources.iter().enumerate() {
        sources.push(match source {
            Source::Folder(folder) => ContentSource::Folder {
                path: config_folder.join(&folder.path),
                poll: folder.poll_seconds.map(|s| Duration::from_secs(s.into())),
            },
            Source::Http(http) => {
                let token = match &http.token_env {
                    Some(name) => Some(std::env::var(name).map_err(|_| {
                        format!("the environment variable {name} (token_env) is not set")
                    })?),
                    None => http.token.clone(),
                };
                ContentSource::Http {
                    source: HttpSource {
                        manifest_url: http.url.clone(),
                        token,
                        max_file_bytes: u64::from(http.max_file_mb) * 1024 * 1024,
                        timeout: Duration::from_secs(600),
                    },
                    // Each HTTP source has its own cache folder, by its position in the config.
                    cache: cache_root.join(format!("source-{}", index + 1)),
                    poll: Duration::from_secs(http.poll_seconds.into()),
                }
            }
        });
    }
    Ok(sources)
}

fn load_config(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let source = read_text(path, MAX_CONFIG_BYTES).map_err(|d| vec![d.in_file(path)])?;
    Config::parse(&source).map_err(|ds| ds.into_iter().map(|d| d.in_file(path)).collect())
}

fn check(paths: &[PathBuf]) -> ExitCode {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match crate::content::folder::playlist_files(path) {
                Ok(found) => files.extend(found),
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut failed = 0;
    for file in &files {
        let problems = check_file(file);
        if problems.is_empty() {
            println!("{}: ok", file.display());
        } else {
            failed += 1;
            print_problems(&problems);
        }
    }
    if files.is_empty() {
        eprintln!(
            "error: no playlist files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::FAILURE;
    }
    println!("{} file(s) checked, {failed} with problems", files.len());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn check_file(file: &Path) -> Vec<Diagnostic> {
    let source = match read_text(file, crate::core::playlist::MAX_PLAYLIST_BYTES) {
        Ok(source) => source,
        Err(problem) => return vec![problem.in_file(file)],
    };
    match document_kind(&source) {
        Some("Config") => load_config(file).err().unwrap_or_default(),
        Some("Quiz") => crate::content::load_quiz(file).err().unwrap_or_default(),
        Some("Playlist") => match load_playlist(file) {
            Err(problems) => problems,
            // The player would skip slides whose media cannot be drawn; say so now instead.
            Ok(playlist) => media_problems(&playlist, file),
        },
        other => vec![
            Diagnostic::new(
                crate::core::diagnostic::Position::START,
                format!(
                    "this is not a playlist, quiz or config file (it starts with `{}`)",
                    other.unwrap_or("")
                ),
            )
            .with_hint("a playlist starts with `Playlist(`, a quiz with `Quiz(`, a device config with `Config(`")
            .in_file(file),
        ],
    }
}

/// Decodes every picture of a playlist with the player's own decoder, so a damaged photo is found
/// by `check` rather than skipped on screen.
fn media_problems(playlist: &crate::core::playlist::Playlist, file: &Path) -> Vec<Diagnostic> {
    let folder = playlist_folder(file);
    let mut composer = crate::compose::Composer::default();
    let mut problems = Vec::new();
    for (index, slide) in playlist.slides.iter().enumerate() {
        for (width, height) in [(1920, 1080), (1080, 1920)] {
            match composer.slide(slide, folder, width, height) {
                Ok(picture) => {
                    for warning in picture.warnings {
                        problems.push(slide_problem(
                            file,
                            index,
                            format!("on a {width}×{height} screen, {warning}"),
                        ));
                    }
                }
                Err(error) => {
                    problems.push(slide_problem(file, index, error.to_string()));
                    break;
                }
            }
        }
    }
    problems
}

fn slide_problem(file: &Path, index: usize, message: String) -> Diagnostic {
    Diagnostic::new(
        crate::core::diagnostic::Position::START,
        format!("slide {}: {message}", index + 1),
    )
    .in_file(file)
}

fn report(logs: &[PathBuf], csv: bool) -> ExitCode {
    use crate::core::play_report::PlayRecord;
    use crate::core::quiz_report::QuizResult;
    let (mut plays, mut results) = (Vec::new(), Vec::new());
    let mut unreadable = 0;
    for log in logs {
        let text = match std::fs::read_to_string(log) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", log.display());
                return ExitCode::FAILURE;
            }
        };
        for (number, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            // A results log line has answers; anything else should be a play log line.
            if let Ok(result) = serde_json::from_str::<QuizResult>(line) {
                results.push(result);
                continue;
            }
            match serde_json::from_str::<PlayRecord>(line) {
                Ok(record) => plays.push(record),
                Err(error) => {
                    // A line cut by a power failure is expected; say so and carry on.
                    eprintln!("{}:{}: skipped: {error}", log.display(), number + 1);
                    unreadable += 1;
                }
            }
        }
    }
    if !plays.is_empty() {
        print_play_totals(crate::core::play_report::summarise(plays), csv);
    }
    if !results.is_empty() {
        print_quiz_summary(&crate::core::quiz_report::summarise(&results), csv);
    }
    if unreadable > 0 {
        eprintln!("{unreadable} line(s) could not be read and were left out");
    }
    ExitCode::SUCCESS
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn print_play_totals(totals: Vec<crate::core::play_report::PlayTotal>, csv: bool) {
    let minutes = |seconds: f64| seconds / 60.0;
    if csv {
        println!("playlist,title,slide,times_shown,minutes_on_screen");
    } else {
        println!(
            "{:<28} {:>5} {:>8} {:>10}",
            "playlist", "slide", "shown", "minutes"
        );
    }
    for t in &totals {
        let playlist = t.playlist.as_deref().unwrap_or("(idle)");
        let slide = t.slide.map(|s| (s + 1).to_string()).unwrap_or_default();
        if csv {
            let title = quote(t.title.as_deref().unwrap_or(""));
            println!(
                "{},{title},{slide},{},{:.1}",
                quote(playlist),
                t.times_shown,
                minutes(t.seconds_on_screen)
            );
        } else {
            println!(
                "{playlist:<28} {slide:>5} {:>8} {:>10.1}",
                t.times_shown,
                minutes(t.seconds_on_screen)
            );
        }
    }
}

fn print_quiz_summary(summary: &crate::core::quiz_report::QuizSummary, csv: bool) {
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            100.0 * part as f64 / whole as f64
        }
    };
    if csv {
        println!("day,rounds,finished,in_english");
    } else {
        println!(
            "{:<12} {:>7} {:>9} {:>11}",
            "day", "rounds", "finished", "in English"
        );
    }
    for (day, total) in &summary.days {
        if csv {
            println!(
                "{day},{},{},{}",
                total.rounds, total.finished, total.english
            );
        } else {
            println!(
                "{day:<12} {:>7} {:>9} {:>11}",
                total.rounds, total.finished, total.english
            );
        }
    }
    if csv {
        println!("quiz,question,answered,correct_percent");
    } else {
        println!(
            "\n{:<28} {:>8} {:>9} {:>9}",
            "quiz", "question", "answered", "correct"
        );
    }
    for ((quiz, question), total) in &summary.questions {
        let rate = percent(total.correct, total.answered);
        if csv {
            println!(
                "{},{},{},{rate:.0}",
                quote(quiz),
                question + 1,
                total.answered
            );
        } else {
            println!(
                "{quiz:<28} {:>8} {:>9} {rate:>8.0}%",
                question + 1,
                total.answered
            );
        }
    }
}

fn publish(folder: &Path) -> ExitCode {
    match crate::content::sync::publish(folder) {
        Ok((files, bytes)) => {
            println!(
                "{}: {files} file(s), {bytes} bytes listed",
                folder.join(MANIFEST_NAME).display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot publish {}: {error}", folder.display());
            ExitCode::FAILURE
        }
    }
}

fn sync_once(config_path: &Path) -> ExitCode {
    let config = match load_config(config_path) {
        Ok(config) => config,
        Err(problems) => {
            print_problems(&problems);
            return ExitCode::FAILURE;
        }
    };
    let sources = match content_sources(&config, config_path.parent().unwrap_or(Path::new("."))) {
        Ok(sources) => sources,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    for source in sources {
        let ContentSource::Http { source, cache, .. } = source else {
            continue;
        };
        let url = source.manifest_url.clone();
        let result = Cache::open(&cache)
            .and_then(|cache| Syncer::new(source, cache))
            .and_then(|mut s| s.sync_once());
        match result {
            Ok(SyncOutcome::Unchanged) => println!("{url}: unchanged"),
            Ok(SyncOutcome::Updated {
                folder,
                files,
                bytes,
            }) => {
                println!(
                    "{url}: now live in {} ({files} file(s), {bytes} bytes downloaded)",
                    folder.display()
                )
            }
            Err(error) => {
                eprintln!("{url}: {error}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn preview(playlist: &Path, out: &Path, size: ScreenSize) -> ExitCode {
    let folder = playlist_folder(playlist);
    let is_quiz = read_text(playlist, crate::core::playlist::MAX_PLAYLIST_BYTES)
        .is_ok_and(|source| document_kind(&source) == Some("Quiz"));
    if is_quiz {
        let quiz = match load_quiz(playlist) {
            Ok(quiz) => quiz,
            Err(problems) => {
                print_problems(&problems);
                return ExitCode::FAILURE;
            }
        };
        return match player::preview::render_quiz(&quiz, folder, out, size) {
            Ok(files) => {
                for file in &files {
                    println!("{}", file.display());
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let loaded = match load_playlist(playlist) {
        Ok(p) => p,
        Err(problems) => {
            print_problems(&problems);
            return ExitCode::FAILURE;
        }
    };
    match player::preview::render_playlist(&loaded, folder, out, size) {
        Ok(files) => {
            for file in &files {
                println!("{}", file.display());
            }
            if files.len() == loaded.slides.len() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_problems(problems: &[Diagnostic]) {
    for problem in problems {
        eprintln!("{problem}");
    }
}
