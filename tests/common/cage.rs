//! The deployment path in a test: the real player as the one client of cage 0.1.4 on wlroots'
//! headless backend, as the systemd unit runs it, with the screen read back by grim.
//!
//! cage refuses to run as root, so under root (CI) it runs as `nobody` with its own runtime
//! folder; everything it touches is a copy in that folder, removed when the test ends. SIGTERM
//! aborts cage 0.1.4, so it is stopped the way it is meant to stop: its client exits.

use super::display::{Running, wait_for};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The output of wlroots 0.15's headless backend, unless the shim sets another.
pub const HEADLESS_OUTPUT: (u32, u32) = (1280, 720);

#[derive(Default)]
pub struct CageOptions<'a> {
    /// `cage -d`, as the systemd unit runs it: no client-side decorations.
    pub no_decorations: bool,
    /// Another output size, "WIDTHxHEIGHT".
    pub output: Option<&'a str>,
    /// A headless touch screen the test drives with [`Cage::touch`].
    pub touch: bool,
    /// More environment for the player, e.g. `NOTIFY_SOCKET`.
    pub env: Vec<(String, String)>,
    /// Another client than the player (a benchmark's other players), found on `PATH`.
    pub client: Option<&'a str>,
}

pub struct Cage {
    cage: Running,
    /// Owned by the user cage runs as: its runtime folder, the player's copy, the shim.
    pub home: tempfile::TempDir,
    user: Option<(u32, u32)>,
    touch: Option<PathBuf>,
}

/// The user cage runs as: `nobody` when the tests run as root, else the tests' own user.
pub fn unprivileged() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } == 0).then_some((65534, 65534))
}

pub fn give(path: &Path, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

/// Copies `from` into `to` (files and folders), owned by `user`, so the player can write its
/// error notes beside the playlists as it does on a kiosk.
pub fn copy_tree(from: &Path, to: &Path, user: Option<(u32, u32)>) {
    std::fs::create_dir_all(to).unwrap();
    give(to, user);
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, user);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            give(&target, user);
        }
    }
}

/// Builds the test shim (`tests/cage/headless_shim.c`: other output sizes, a touch screen, no
/// scan-out) into `folder`.
pub fn build_shim(folder: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cage/headless_shim.c");
    let out = folder.join("headless_shim.so");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "wlroots", "wayland-server"])
        .output()
        .expect("pkg-config is installed (.ci/run installs it)");
    assert!(
        flags.status.success(),
        "wlroots' headers are installed (libwlroots-dev)"
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-DWLR_USE_UNSTABLE", "-o"])
        .arg(&out)
        .arg(&source)
        .args(flags.split_whitespace())
        .arg("-ldl")
        .status()
        .unwrap();
    assert!(built.success(), "the test shim compiles");
    out
}

impl Cage {
    /// Starts `cage [-d] -- kiosk-player ARGS` and waits for its Wayland socket. The arguments
    /// are made once cage's folder exists, so the files they name can be put there, owned by
    /// the user cage runs as.
    pub fn start_with(
        options: CageOptions,
        player_args: impl FnOnce(&Path) -> Vec<std::ffi::OsString>,
    ) -> Cage {
        let user = unprivileged();
        let home = tempfile::tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        give(home.path(), user);
        let runtime = home.path().join("runtime");
        std::fs::create_dir(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        give(&runtime, user);
        // The checkout may be in a folder the unprivileged user cannot enter.
        let player = match options.client {
            Some(client) => PathBuf::from(client),
            None => {
                let player = home.path().join("kiosk-player");
                std::fs::copy(env!("CARGO_BIN_EXE_kiosk-player"), &player).unwrap();
                give(&player, user);
                player
            }
        };

        let mut command = Command::new("cage");
        if options.no_decorations {
            command.arg("-d");
        }
        // The shim is for cage alone: the player is started without it.
        command
            .args(["--", "env", "-u", "LD_PRELOAD"])
            .arg(&player)
            .args(player_args(home.path()))
            .current_dir(home.path())
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("WLR_BACKENDS", "headless")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(home.path().join("cage.log"))
                    .map(Stdio::from)
                    .unwrap(),
            );
        let touch = options.touch.then(|| home.path().join("touch"));
        // Always: the shim also keeps cage from scanning the player's buffers out, which on
        // the headless backend would leave grim reading an older frame (see the shim).
        command.env("LD_PRELOAD", build_shim(home.path()));
        if let Some(size) = options.output {
            command.env("KIOSK_SHIM_OUTPUT", size);
        }
        if let Some(fifo) = &touch {
            let made = Command::new("mkfifo").arg(fifo).status().unwrap();
            assert!(made.success());
            give(fifo, user);
            command.env("KIOSK_SHIM_TOUCH", fifo);
        }
        if let Some((uid, gid)) = user {
            command.uid(uid).gid(gid);
        }
        let cage = Running(
            command
                .spawn()
                .expect("cage is installed (.ci/run installs it)"),
        );
        let cage = Cage {
            cage,
            home,
            user,
            touch,
        };
        wait_for("cage's Wayland socket", Duration::from_secs(20), || {
            cage.runtime().join("wayland-0").exists().then_some(())
        });
        cage
    }

    /// cage's process, the parent of its client.
    pub fn pid(&self) -> u32 {
        self.cage.0.id()
    }

    fn runtime(&self) -> PathBuf {
        self.home.path().join("runtime")
    }

    /// What cage and the player printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("cage.log")).unwrap_or_default()
    }

    /// The player: cage's child.
    fn client(&self) -> Option<u32> {
        let pid = self.cage.0.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// Whether cage (and so its client) still runs.
    pub fn running(&mut self) -> bool {
        self.cage.0.try_wait().unwrap().is_none()
    }

    /// The output as grim reads it back through wlr-screencopy.
    pub fn screenshot(&self) -> image::RgbImage {
        let out = self.home.path().join("grim.png");
        let _ = std::fs::remove_file(&out);
        let mut grim = Command::new("grim");
        grim.arg(&out)
            .env_clear()
            .env("XDG_RUNTIME_DIR", self.runtime())
            .env("WAYLAND_DISPLAY", "wayland-0")
            .stdout(Stdio::null());
        if let Some((uid, gid)) = self.user {
            grim.uid(uid).gid(gid);
        }
        let status = grim
            .status()
            .expect("grim is installed (.ci/run installs it)");
        assert!(status.success(), "grim reads the screen back");
        image::open(&out).unwrap().to_rgb8()
    }

    /// Sends a line to the shim's touch screen: `down ID X Y`, `motion ID X Y` or `up ID`,
    /// with X and Y as fractions of the output.
    pub fn touch(&self, line: &str) {
        use std::io::Write;
        let fifo = self.touch.as_ref().expect("started with touch: true");
        let mut writer = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
        writeln!(writer, "{line}").unwrap();
    }

    /// Stops the player the way systemd's stop does (SIGTERM to the player: cage 0.1.4 aborts
    /// on SIGTERM itself) and waits for cage to exit after it.
    pub fn stop(&mut self) {
        if let Some(client) = self.client() {
            // SAFETY: signalling a process of ours by pid.
            unsafe { libc::kill(client as i32, libc::SIGTERM) };
        }
        let exited = wait_for_exit(&mut self.cage.0, Duration::from_secs(10));
        assert!(exited, "cage exits when its client does");
    }
}

fn wait_for_exit(child: &mut std::process::Child, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Drop for Cage {
    fn drop(&mut self) {
        if self.running()
            && let Some(client) = self.client()
        {
            // SAFETY: as in `stop`.
            unsafe { libc::kill(client as i32, libc::SIGKILL) };
            wait_for_exit(&mut self.cage.0, Duration::from_secs(5));
        }
    }
}
