//! A web page's snapshot, taken by headless Chromium in the drawing process (`media_process`),
//! so the drawing limits hold it: its memory limit is inherited by every Chromium process, and a
//! page that does not finish loading in time is ended with all of Chromium's processes.
//!
//! Each snapshot gets a fresh profile in a scratch folder (in `$XDG_RUNTIME_DIR`, a tmpfs, when
//! there is one: a profile is written at every snapshot, and an SD card wears), removed after.
//! `core::web::chromium_arguments` holds what Chromium may reach and do.

use super::fonts;
use crate::core::web::{PROFILE_PREFERENCES, chromium_arguments, fontconfig};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What `check` and the player say when no Chromium is installed.
pub const NO_CHROMIUM: &str =
    "web pages are drawn by Chromium, which is not installed: sudo apt install chromium";

/// Chromium's program: Debian's `chromium`, or `chromium-browser` as older Raspberry Pi OS
/// images name it.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|folder| ["chromium", "chromium-browser"].map(|name| folder.join(name)))
        .find(|program| program.is_file())
}

/// Takes a snapshot of `url` at `width` × `height` pixels into the PNG file `destination`,
/// giving the page `seconds` to load. The last file at `destination` stays unless this works.
pub fn take_snapshot(
    url: &str,
    zoom: f32,
    (width, height): (u32, u32),
    destination: &Path,
    seconds: f32,
) -> Result<(), String> {
    let program = chromium().ok_or(NO_CHROMIUM)?;
    let folder = destination
        .parent()
        .ok_or("a snapshot needs a folder to be kept in")?;
    let fonts = keep_fonts(&folder.join("fonts"))
        .map_err(|e| format!("cannot put the player's font where Chromium finds it: {e}"))?;
    let scratch = tempfile::Builder::new()
        .prefix("kiosk-web-")
        .tempdir_in(scratch_root())
        .map_err(|e| format!("cannot make a scratch folder for Chromium: {e}"))?;
    let profile = scratch.path().join("profile");
    let shot = scratch.path().join("shot.png");
    let conf = scratch.path().join("fonts.conf");
    std::fs::create_dir_all(profile.join("Default"))
        .and_then(|()| std::fs::write(profile.join("Default/Preferences"), PROFILE_PREFERENCES))
        .and_then(|()| std::fs::write(&conf, fontconfig(&fonts)))
        .map_err(|e| format!("cannot make Chromium's profile: {e}"))?;
    // SAFETY: geteuid reads the process's user id and touches no memory.
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut command = Command::new(&program);
    command
        .args(chromium_arguments(
            url,
            zoom,
            (width, height),
            &profile,
            &shot,
            as_root,
        ))
        .env("HOME", scratch.path())
        .env("FONTCONFIG_FILE", &conf)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // A group of its own, so all of Chromium's processes can be ended together.
        .process_group(0);
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and touches no memory; it is
    // async-signal-safe. Chromium's browser then dies with this drawing process, and its helpers
    // with the browser.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let group = child.id() as libc::pid_t;
    let stderr = child.stderr.take().expect("stderr is piped");
    let errors = std::thread::spawn(move || {
        let mut errors = Vec::new();
        let _ = stderr.take(256 * 1024).read_to_end(&mut errors);
        String::from_utf8_lossy(&errors).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs_f32(seconds);
    let ended = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => break None,
        }
    };
    // Chromium's helpers, and Chromium itself when out of time: the group outlives its leader
    // while any of them runs, so its number is not given to another process before this.
    // SAFETY: kill with a negative pid signals that process group and touches no memory.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
    let errors = errors.join().unwrap_or_default();
    let Some(status) = ended else {
        return Err(format!(
            "the page did not finish loading within {seconds:.0} s"
        ));
    };
    if let Some(reason) = errors
        .lines()
        .find_map(|line| line.split_once("Page load failed: ").map(|(_, r)| r))
    {
        return Err(format!("the page did not load: {}", reason.trim()));
    }
    if !status.success() || !shot.is_file() {
        let last = errors
            .lines()
            .rfind(|line| !line.contains("dbus") && !line.trim().is_empty())
            .unwrap_or("");
        return Err(format!("Chromium took no snapshot ({status}): {last}"));
    }
    match image::image_dimensions(&shot) {
        Ok(size) if size == (width, height) => {}
        Ok((w, h)) => {
            return Err(format!(
                "Chromium's snapshot is {w}×{h}, not the {width}×{height} asked for"
            ));
        }
        Err(e) => return Err(format!("Chromium's snapshot is not a picture: {e}")),
    }
    let temporary = destination.with_extension("tmp");
    std::fs::copy(&shot, &temporary)
        .and_then(|_| std::fs::rename(&temporary, destination))
        .map_err(|e| format!("cannot keep the snapshot in {}: {e}", destination.display()))
}

/// Where Chromium's scratch profile goes: the user's runtime folder, in memory, if there is one.
fn scratch_root() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|folder| folder.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// Writes the player's own font files into `folder` unless they are there already.
fn keep_fonts(folder: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    for (name, bytes) in [
        ("BIZUDPGothic-Regular.ttf", fonts::REGULAR),
        ("BIZUDPGothic-Bold.ttf", fonts::BOLD),
    ] {
        let path = folder.join(name);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            continue;
        }
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, &path)?;
    }
    Ok(folder.to_path_buf())
}
