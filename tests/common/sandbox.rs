//! A throwaway copy of this machine to install and configure things in: an overlay over / (writes
//! go to a tmpfs) in a private mount namespace, entered with chroot. The machine itself is left
//! exactly as it was, and the copy disappears with the namespace, even if the test panics or is
//! killed (the namespace's holder exits when our end of its stdin closes). A fresh /run and a
//! policy-rc.d that says no mean nothing is started or stopped on this machine, with or without
//! systemd as PID 1. Needs root (CI runs as root).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

/// Panics with the output of a command unless it succeeded; its stdout.
pub fn check(what: &str, output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// See the module's comment.
pub struct Sandbox {
    holder: Child,
    stdin: Option<ChildStdin>,
    root: PathBuf,
    _mountpoint: tempfile::TempDir,
}

const HOLDER: &str = r#"
set -e
ov="$1"; debs="$2"; shared="$3"; shared_at="$4"; system="$5"
mount -t tmpfs -o mode=0755 kiosk-test "$ov"
mkdir "$ov/upper" "$ov/work" "$ov/root"
mount -t overlay kiosk-test -o "lowerdir=$system,upperdir=$ov/upper,workdir=$ov/work" "$ov/root"
for m in proc sys dev; do mount --rbind "/$m" "$ov/root/$m"; done
mount -t tmpfs -o mode=0755 kiosk-test "$ov/root/run"
mount -t tmpfs kiosk-test "$ov/root/tmp"
mkdir "$ov/root/tmp/debs"
cp "$debs"/* "$ov/root/tmp/debs/"
if [ -n "$shared" ]; then mkdir -p "$ov/root$shared_at"; mount --bind "$shared" "$ov/root$shared_at"; fi
printf '#!/bin/sh\nexit 101\n' > "$ov/root/usr/sbin/policy-rc.d"
chmod 755 "$ov/root/usr/sbin/policy-rc.d"
echo ready
read -r _ || true
"#;

impl Sandbox {
    /// A copy with the files of `debs` in its /tmp/debs.
    pub fn new(debs: &Path) -> Sandbox {
        Sandbox::sharing(debs, None)
    }

    /// A copy with the files of `debs` in its /tmp/debs, and `shared.0`, a folder of this
    /// machine, mounted at `shared.1` (so what is written there inside the copy is written here).
    pub fn sharing(debs: &Path, shared: Option<(&Path, &str)>) -> Sandbox {
        Sandbox::over(Path::new("/"), debs, shared)
    }

    /// A copy of the system installed at `system` (`/`, or a debootstrap tree of another
    /// release), as [`Sandbox::sharing`] makes of this one.
    pub fn over(system: &Path, debs: &Path, shared: Option<(&Path, &str)>) -> Sandbox {
        let mountpoint = tempfile::Builder::new()
            .prefix("kiosk-package-test.")
            .tempdir()
            .unwrap();
        let mut holder = Command::new("unshare")
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                HOLDER,
                "sh",
            ])
            .arg(mountpoint.path())
            .arg(debs)
            .arg(shared.map_or(Path::new(""), |s| s.0))
            .arg(shared.map_or("", |s| s.1))
            .arg(system)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare (util-linux)");
        let stdin = holder.stdin.take();
        let mut line = String::new();
        BufReader::new(holder.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the overlay over / could not be set up (root needed)"
        );
        let root = mountpoint.path().join("root");
        Sandbox {
            holder,
            stdin,
            root,
            _mountpoint: mountpoint,
        }
    }

    /// A shell script run as root inside the copy; its status and output.
    pub fn sh(&self, script: &str) -> Output {
        Command::new("nsenter")
            .arg(format!("--target={}", self.holder.id()))
            .args(["--mount", "--", "chroot"])
            .arg(&self.root)
            .args(["/bin/sh", "-c", script])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    pub fn ok(&self, script: &str) -> String {
        check(script, self.sh(script))
    }

    pub fn exists(&self, path: &str) -> bool {
        self.sh(&format!("test -e '{path}' || test -L '{path}'"))
            .status
            .success()
    }

    pub fn read(&self, path: &str) -> String {
        self.ok(&format!("cat '{path}'"))
    }

    pub fn read_bytes(&self, path: &str) -> Vec<u8> {
        let output = self.sh(&format!("cat '{path}'"));
        assert!(output.status.success(), "cannot read {path}");
        output.stdout
    }

    /// Installs the package file /tmp/debs/NAME with apt.
    pub fn install(&self, deb: &Path) -> String {
        let name = deb.file_name().unwrap().to_str().unwrap();
        // Whatever is on the machine already of the config is kept: no conffile question.
        self.ok(&format!(
            "apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold /tmp/debs/{name} 2>&1"
        ))
    }

    /// "ii 0.1.0-1", "rc 0.1.0-1", or "" once purged.
    pub fn status(&self) -> String {
        let out =
            self.sh("dpkg-query -W -f='${db:Status-Abbrev} ${Version}' kiosk-player 2>/dev/null");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The holder's `read` returns, it exits, and the namespace with every mount goes with it.
        drop(self.stdin.take());
        let _ = self.holder.wait();
    }
}
