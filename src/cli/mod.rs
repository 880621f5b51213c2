//! The command line: `run` (the default), `check`, `preview`, `report`, `publish`, `sync`,
//! `alerts` and `share`, one file a command; this one parses the arguments and hands over.

mod alerts;
mod check;
mod content_set;
mod preview;
mod report;
mod run;
mod share;

use crate::compose::media_process;
use crate::content::read_text;
use crate::core::config::{Config, MAX_CONFIG_BYTES, ScreenSize};
use crate::core::diagnostic::{Diagnostic, document_kind};
use crate::core::drawing_limits::DrawingLimits;
use clap::{Parser, Subcommand};
use run::RunArgs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    /// Check playlist, quiz, config, closed-days and ticker files and print every problem as
    /// file:line:column; say when each playlist plays next.
    Check {
        /// Files or folders (every *.ron and the ticker.txt directly inside a folder are checked).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Count warnings (text too faint to read, quiz text too long for a tablet) as problems.
        #[arg(long)]
        strict: bool,
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
    /// Poll the config's official-warning sources (JMA, CAP) and print what the screen would do.
    Alerts {
        #[arg(long)]
        config: PathBuf,
        /// Poll once and exit; without it, poll as the player does and print each change.
        #[arg(long)]
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
        /// A device config whose layout and eras apply (the playlist's own layout still wins).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Share the content folder with the office's Windows PCs through Samba (as root), or stop
    /// sharing it; without an option, say whether it is shared.
    Share {
        /// Share it as \\<this screen>\signage, SMB3 only, for the `signage` group, adding
        /// `--user` to it and setting that user's password.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Stop sharing it (the users and the group are kept).
        #[arg(long)]
        disable: bool,
        /// The device config whose content folder is shared.
        #[arg(long, default_value = "/etc/kiosk-player/kiosk.ron")]
        config: PathBuf,
        /// The user staff sign in as (made if missing, with no home and no login).
        #[arg(long, default_value = "staff")]
        user: String,
        /// Read the password from the first line of standard input instead of asking for it.
        #[arg(long)]
        password_stdin: bool,
    },
    /// The child process that draws one media file within the drawing limits (internal).
    #[command(hide = true)]
    DrawMedia { request: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every command draws media in child processes held to the limits (those of the config it
    // is given, or `check` among its files), except the child itself.
    if !matches!(cli.command, Some(Command::DrawMedia { .. })) {
        let limits = cli
            .config()
            .map_or_else(DrawingLimits::default, |c| c.drawing_limits);
        // This program itself, even once an upgrade has replaced its file.
        media_process::draw_in_child_processes("/proc/self/exe".into(), limits);
    }
    match cli.command {
        None => run::run(cli.run),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Check { paths, strict }) => check::check(&paths, strict),
        Some(Command::Preview {
            playlist,
            out,
            size,
            config,
        }) => preview::preview(&playlist, &out, size, config.as_deref()),
        Some(Command::Publish { folder }) => content_set::publish(&folder),
        Some(Command::Report { logs, csv }) => report::report(&logs, csv),
        Some(Command::Sync { config, .. }) => content_set::sync_once(&config),
        Some(Command::Alerts { config, once }) => alerts::alerts(&config, once),
        Some(Command::Share {
            enable,
            disable,
            config,
            user,
            password_stdin,
        }) => {
            let action = if enable {
                share::Action::Enable {
                    user,
                    password_stdin,
                }
            } else if disable {
                share::Action::Disable
            } else {
                share::Action::Show
            };
            share::share(&config, action)
        }
        Some(Command::DrawMedia { request }) => media_process::serve(&request),
    }
}

impl Cli {
    /// The device config the command names, if it can be read (its problems are the command's to
    /// report).
    fn config(&self) -> Option<Config> {
        let path = match &self.command {
            None => self.run.config.as_ref(),
            Some(Command::Run(args)) => args.config.as_ref(),
            Some(Command::Preview { config, .. }) => config.as_ref(),
            Some(Command::Check { paths, .. }) => paths.iter().find(|path| is_config(path)),
            _ => None,
        }?;
        load_config(path).ok()
    }
}

/// Whether `path` is a device config file, which starts with `Config(`.
fn is_config(path: &Path) -> bool {
    path.is_file()
        && read_text(path, MAX_CONFIG_BYTES)
            .is_ok_and(|source| document_kind(&source) == Some("Config"))
}

fn load_config(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let source = read_text(path, MAX_CONFIG_BYTES).map_err(|d| vec![d.in_file(path)])?;
    Config::parse(&source).map_err(|ds| ds.into_iter().map(|d| d.in_file(path)).collect())
}

fn print_problems(problems: &[Diagnostic]) {
    for problem in problems {
        eprintln!("{problem}");
    }
}
