//! Breaks crash loops under systemd: which files are in use (on screen, or a video being opened)
//! is kept in the unit's runtime folder, which survives the unit's restarts; a run that ends
//! without a clean exit gives each of them a strike (`core::crash_strikes`), and a file with two
//! is skipped until it changes, with a note beside it.
//!
//! Only under systemd (`RUNTIME_DIRECTORY` set): run by hand, nothing restarts the player into a
//! loop. The folder is a tmpfs, so a reboot, and with it a power cut, starts from no strikes.
//! Files are written without fsync: a process that crashes loses nothing the kernel holds.

use crate::content::folder::note_struck_out;
use crate::content::sync::is_in_a_cache;
use crate::core::crash_strikes::{InUse, Strikes, Version};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// What is in use now, rewritten at each change.
const IN_USE: &str = "in-use.json";
/// `IN_USE`, renamed at a clean exit.
const LEFT_CLEANLY: &str = "left-cleanly.json";
const STRIKES: &str = "strikes.json";

#[derive(Debug)]
pub struct CrashGuard {
    folder: PathBuf,
    strikes: Strikes,
    in_use: Mutex<InUseNow>,
    /// What the last runs left, said once logging has started.
    findings: Vec<String>,
}

#[derive(Debug, Default)]
struct InUseNow {
    on_screen: Vec<InUse>,
    opening: Vec<InUse>,
}

/// The paths the stop signals' handler renames, made before it is installed.
static RENAME_ON_STOP: OnceLock<(CString, CString)> = OnceLock::new();

impl CrashGuard {
    /// The guard, if systemd gave a runtime folder, having counted what the last run left.
    pub fn start() -> Option<Arc<CrashGuard>> {
        let folder = PathBuf::from(std::env::var_os("RUNTIME_DIRECTORY")?);
        let guard = Arc::new(CrashGuard::in_folder(&folder));
        guard.leave_cleanly_on_stop_signals();
        Some(guard)
    }

    fn in_folder(folder: &Path) -> CrashGuard {
        let mut strikes: Strikes = read_json(&folder.join(STRIKES)).unwrap_or_default();
        let mut findings = Vec::new();
        if let Some(in_use) = read_json::<Vec<InUse>>(&folder.join(IN_USE)) {
            strikes.stopped_while(&in_use);
            for file in &in_use {
                findings.push(format!(
                    "the player stopped without a clean exit while showing {} (stop {} with it)",
                    file.path.display(),
                    strikes.count(&file.path)
                ));
            }
        } else if let Some(in_use) = read_json::<Vec<InUse>>(&folder.join(LEFT_CLEANLY)) {
            strikes.played(&in_use);
        }
        for name in [IN_USE, LEFT_CLEANLY] {
            let _ = std::fs::remove_file(folder.join(name));
        }
        strikes.forget_changed(version_of);
        write_json(&folder.join(STRIKES), &strikes);
        for (path, count) in strikes.out() {
            findings.push(format!(
                "{}: not shown: the player stopped {count} times while showing it",
                path.display()
            ));
            if !is_in_a_cache(path) {
                note_struck_out(path);
            }
        }
        CrashGuard {
            folder: folder.to_path_buf(),
            strikes,
            in_use: Mutex::default(),
            findings,
        }
    }

    /// What the last runs left: stops without a clean exit, and files out of the loop.
    pub fn findings(&self) -> &[String] {
        &self.findings
    }

    /// SIGTERM (systemd's stop), SIGINT and SIGHUP end the player at once, as before, but first
    /// rename the record: rename(2) is safe in a signal handler.
    fn leave_cleanly_on_stop_signals(&self) {
        let path = |name| CString::new(self.folder.join(name).as_os_str().as_bytes()).ok();
        let (Some(from), Some(to)) = (path(IN_USE), path(LEFT_CLEANLY)) else {
            return;
        };
        if RENAME_ON_STOP.set((from, to)).is_err() {
            return;
        }
        extern "C" fn on_stop(signal: libc::c_int) {
            if let Some((from, to)) = RENAME_ON_STOP.get() {
                // SAFETY: rename, signal and raise are async-signal-safe; the strings live for
                // the whole process.
                unsafe {
                    libc::rename(from.as_ptr(), to.as_ptr());
                }
            }
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
        }
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            // SAFETY: installs a handler that only makes async-signal-safe calls.
            unsafe {
                libc::signal(signal, on_stop as *const () as libc::sighandler_t);
            }
        }
    }

    /// The player ends cleanly (a staff exit, a closed window).
    pub fn left_cleanly(&self) {
        let _ = std::fs::rename(self.folder.join(IN_USE), self.folder.join(LEFT_CLEANLY));
    }

    /// Whether `path` is out of the loop: the player stopped twice while showing this version.
    pub fn is_out(&self, path: &Path) -> bool {
        self.strikes.is_out(path, version_of(path))
    }

    /// The files out of the loop, as they were found at start.
    pub fn out_of_loop(&self) -> Vec<PathBuf> {
        self.strikes
            .out()
            .filter(|(path, _)| self.is_out(path))
            .map(|(path, _)| path.to_path_buf())
            .collect()
    }

    /// The files of the slide now on screen.
    pub fn showing(&self, files: &[PathBuf]) {
        if let Ok(mut in_use) = self.in_use.lock() {
            in_use.on_screen = stamped(files);
            self.write(&in_use);
        }
    }

    /// `file` is in use until the returned token is dropped (a video being opened).
    pub fn opening(self: &Arc<Self>, file: &Path) -> Opening {
        if let Ok(mut in_use) = self.in_use.lock() {
            in_use.opening.extend(stamped(&[file.to_path_buf()]));
            self.write(&in_use);
        }
        Opening {
            guard: Arc::clone(self),
            file: file.to_path_buf(),
        }
    }

    fn write(&self, in_use: &InUseNow) {
        let all: Vec<&InUse> = in_use.on_screen.iter().chain(&in_use.opening).collect();
        write_json(&self.folder.join(IN_USE), &all);
    }
}

/// A file being opened; dropped once it is open (or failed to).
pub struct Opening {
    guard: Arc<CrashGuard>,
    file: PathBuf,
}

impl Drop for Opening {
    fn drop(&mut self) {
        if let Ok(mut in_use) = self.guard.in_use.lock() {
            if let Some(at) = in_use.opening.iter().position(|f| f.path == self.file) {
                in_use.opening.remove(at);
            }
            self.guard.write(&in_use);
        }
    }
}

fn version_of(path: &Path) -> Option<Version> {
    let metadata = std::fs::metadata(path).ok()?;
    let modified = metadata.modified().ok()?;
    let modified_ns = match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_nanos()).ok()?,
    };
    Some(Version {
        bytes: metadata.len(),
        modified_ns,
    })
}

fn stamped(files: &[PathBuf]) -> Vec<InUse> {
    files
        .iter()
        .filter_map(|path| {
            Some(InUse {
                path: path.clone(),
                version: version_of(path)?,
            })
        })
        .collect()
}

/// A record that is missing or unreadable (a power cut mid-write) counts as none.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Writes beside and renames, so a reader never sees half a record.
fn write_json(path: &Path, value: &impl serde::Serialize) {
    let temporary = path.with_extension("tmp");
    let written = serde_json::to_vec(value)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&temporary, bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        tracing::warn!("cannot write {}: {error}", path.display());
    }
}
