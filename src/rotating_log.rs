//! An append-only log file with a size cap: when it is full it becomes `<name>.1` (the older ones
//! `<name>.2` …) and a new file starts, so months of uptime never fill an SD card.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct RotatingLog {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    kept: u32,
    /// A write failed (a full disk): part of its line may be in the file, so the next line
    /// starts on a line of its own.
    cut: bool,
}

impl RotatingLog {
    /// Opens `path` for appending; it is rotated once it passes `max_bytes`, keeping `kept` old files.
    pub fn open(path: &Path, max_bytes: u64, kept: u32) -> io::Result<RotatingLog> {
        let file = File::options().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingLog {
            path: path.to_path_buf(),
            file,
            size,
            max_bytes,
            kept: kept.max(1),
            cut: false,
        })
    }

    /// Appends one line and flushes it, so a power cut loses at most the line being written.
    pub fn append_line(&mut self, line: &str) -> io::Result<()> {
        let written = self.try_append(line);
        self.cut = written.is_err();
        written
    }

    fn try_append(&mut self, line: &str) -> io::Result<()> {
        if self.size > 0 && self.size + line.len() as u64 + 1 > self.max_bytes {
            self.rotate()?;
        }
        let start = if self.cut { "\n" } else { "" };
        write!(self.file, "{start}{line}\n")?;
        self.file.flush()?;
        self.size += (start.len() + line.len() + 1) as u64;
        Ok(())
    }

    /// Waits until what was appended is on the disk itself, for records a power cut must not lose.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn rotate(&mut self) -> io::Result<()> {
        let numbered = |n: u32| {
            let mut name = self.path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        let _ = std::fs::remove_file(numbered(self.kept));
        for n in (1..self.kept).rev() {
            let from = numbered(n);
            if from.exists() {
                std::fs::rename(&from, numbered(n + 1))?;
            }
        }
        std::fs::rename(&self.path, numbered(1))?;
        self.file = File::options().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

/// A log's trouble writing, told once when it starts and once when it ends rather than at every
/// line: a full or read-only disk must not flood the journal (on that same disk) while the show
/// goes on.
#[derive(Debug, Default)]
pub struct WriteTrouble {
    failing: Option<String>,
}

/// What a write changed about the trouble.
#[derive(Debug, PartialEq, Eq)]
pub enum TroubleChange {
    /// Writes started failing, or fail for another reason now.
    Started(String),
    /// Writes work again.
    Over,
}

impl WriteTrouble {
    pub fn note(&mut self, result: &io::Result<()>) -> Option<TroubleChange> {
        match result {
            Ok(()) => self.failing.take().map(|_| TroubleChange::Over),
            Err(error) => {
                let error = error.to_string();
                (self.failing.as_ref() != Some(&error)).then(|| {
                    self.failing = Some(error.clone());
                    TroubleChange::Started(error)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_problem_is_told_once_and_its_end_once() {
        let mut trouble = WriteTrouble::default();
        let full = || Err(io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(trouble.note(&Ok(())), None);
        assert!(matches!(
            trouble.note(&full()),
            Some(TroubleChange::Started(_))
        ));
        assert_eq!(trouble.note(&full()), None);
        assert_eq!(trouble.note(&full()), None);
        let read_only = Err(io::Error::from(io::ErrorKind::ReadOnlyFilesystem));
        assert!(matches!(
            trouble.note(&read_only),
            Some(TroubleChange::Started(_))
        ));
        assert_eq!(trouble.note(&Ok(())), Some(TroubleChange::Over));
        assert_eq!(trouble.note(&Ok(())), None);
    }

    #[test]
    fn rotates_at_the_cap_and_keeps_a_fixed_number_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("play.jsonl");
        let mut log = RotatingLog::open(&path, 100, 2).unwrap();
        for i in 0..50 {
            log.append_line(&format!("{{\"line\":{i:04}}}")).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["play.jsonl", "play.jsonl.1", "play.jsonl.2"]);
        for name in &names {
            let size = std::fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(size <= 100, "{name} is {size} bytes");
        }
        let newest = std::fs::read_to_string(&path).unwrap();
        assert!(newest.ends_with("{\"line\":0049}\n"), "{newest}");
        let older = std::fs::read_to_string(dir.path().join("play.jsonl.1")).unwrap();
        assert!(
            older.lines().all(|l| l.starts_with("{\"line\":")),
            "whole lines only"
        );
    }

    #[test]
    fn reopening_continues_counting_the_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("play.jsonl");
        std::fs::write(&path, "x".repeat(95) + "\n").unwrap();
        let mut log = RotatingLog::open(&path, 100, 3).unwrap();
        log.append_line("next").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "next\n");
        assert!(dir.path().join("play.jsonl.1").exists());
    }
}
