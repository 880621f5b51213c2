//! `publish` and `sync --once`: a content set served over HTTP(S), from both ends.

use super::run::content_sources;
use super::{load_config, print_problems};
use crate::content::sync::{Cache, SyncOutcome, Syncer};
use crate::content::watch::ContentSource;
use crate::core::manifest::MANIFEST_NAME;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn publish(folder: &Path) -> ExitCode {
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

pub(super) fn sync_once(config_path: &Path) -> ExitCode {
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
