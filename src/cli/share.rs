//! `share`: shares the content folder with the office's Windows PCs through Samba (Debian's
//! `samba` package), for staff in the `signage` group, or stops sharing it.

use super::load_config;
use crate::core::config::Source;
use crate::core::share::{
    SHARE_FILE, SHARE_NAME, STAFF_GROUP, share_file, with_share, without_share,
};
use anyhow::{Context, bail};
use std::io::BufRead;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const SMB_CONF: &str = "/etc/samba/smb.conf";

pub(super) enum Action {
    Enable { user: String, password_stdin: bool },
    Disable,
    Show,
}

pub(super) fn share(config: &Path, action: Action) -> ExitCode {
    let result = match action {
        Action::Enable {
            user,
            password_stdin,
        } => enable(config, &user, password_stdin),
        Action::Disable => disable(),
        Action::Show => show(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn enable(config: &Path, user: &str, password_stdin: bool) -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        bail!(
            "making users and editing Samba's config needs root: sudo kiosk-player share --enable"
        );
    }
    let folder = content_folder(config)?;
    if !Path::new(SMB_CONF).exists() {
        bail!("Samba is not installed: sudo apt-get install samba");
    }
    let owner =
        std::fs::metadata(&folder).with_context(|| format!("cannot read {}", folder.display()))?;
    let owner = (
        name_of("passwd", owner.uid())?,
        name_of("group", owner.gid())?,
    );
    let text = share_file(&folder, (&owner.0, &owner.1)).map_err(anyhow::Error::msg)?;
    // The password is read before anything changes, so a missing one changes nothing.
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Some(password)
    } else {
        None
    };

    if !exists("group", STAFF_GROUP)? {
        run(Command::new("addgroup").args(["--system", STAFF_GROUP]))?;
    }
    if exists("passwd", user)? {
        run(Command::new("adduser").args([user, STAFF_GROUP]))?;
    } else {
        // A user for the share only: no home, no login.
        run(Command::new("adduser").args([
            "--system",
            "--no-create-home",
            "--ingroup",
            STAFF_GROUP,
            "--shell",
            "/usr/sbin/nologin",
            user,
        ]))?;
    }
    let mut smbpasswd = Command::new("smbpasswd");
    match password {
        Some(password) => {
            smbpasswd.args(["-a", "-s", user]).stdin(Stdio::piped());
            let mut child = smbpasswd.spawn().context("smbpasswd (samba)")?;
            let mut stdin = child.stdin.take().expect("piped");
            std::io::Write::write_all(&mut stdin, format!("{password}\n{password}\n").as_bytes())?;
            drop(stdin);
            if !child.wait()?.success() {
                bail!("smbpasswd could not set {user}'s password");
            }
        }
        // The administrator types it, twice, unseen.
        None => run(smbpasswd.args(["-a", user]))?,
    }

    let smb_conf =
        std::fs::read_to_string(SMB_CONF).with_context(|| format!("cannot read {SMB_CONF}"))?;
    std::fs::write(SHARE_FILE, text).with_context(|| format!("cannot write {SHARE_FILE}"))?;
    if let Some(included) = with_share(&smb_conf) {
        std::fs::write(SMB_CONF, included).with_context(|| format!("cannot write {SMB_CONF}"))?;
    }
    if let Err(error) = run(Command::new("testparm").args(["--suppress-prompt", "-s"])) {
        // Samba is left as it was.
        std::fs::write(SMB_CONF, smb_conf)?;
        std::fs::remove_file(SHARE_FILE)?;
        return Err(error.context("testparm refused the share; nothing was changed"));
    }
    reload_samba();
    println!(
        "{} is shared as \\\\{}\\{SHARE_NAME} (SMB3, no guests).\n\
         Staff sign in as {user} with the password set; add others with \
         `kiosk-player share --enable --user NAME`.",
        folder.display(),
        host_name()
    );
    Ok(())
}

fn disable() -> anyhow::Result<()> {
    let smb_conf =
        std::fs::read_to_string(SMB_CONF).with_context(|| format!("cannot read {SMB_CONF}"))?;
    std::fs::write(SMB_CONF, without_share(&smb_conf))
        .with_context(|| format!("cannot write {SMB_CONF}"))?;
    match std::fs::remove_file(SHARE_FILE) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(error).with_context(|| format!("cannot remove {SHARE_FILE}"));
        }
        _ => {}
    }
    reload_samba();
    println!(
        "The share is off. Its users and the {STAFF_GROUP} group are kept (`deluser NAME` removes one)."
    );
    Ok(())
}

fn show() -> anyhow::Result<()> {
    let included = std::fs::read_to_string(SMB_CONF).is_ok_and(|conf| with_share(&conf).is_none());
    match std::fs::read_to_string(SHARE_FILE) {
        Ok(text) if included => {
            println!("Shared as \\\\{}\\{SHARE_NAME}:\n\n{text}", host_name());
        }
        _ => println!("Not shared. `sudo kiosk-player share --enable` shares the content folder."),
    }
    Ok(())
}

/// The config's content folder: the one staff drop files into.
fn content_folder(config_path: &Path) -> anyhow::Result<PathBuf> {
    let config = load_config(config_path).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    let base = config_path.parent().unwrap_or(Path::new("."));
    let folder = config.playlists.clone().or_else(|| {
        config.sources.iter().find_map(|source| match source {
            Source::Folder(folder) => Some(folder.path.clone()),
            Source::Http(_) => None,
        })
    });
    let folder = folder
        .with_context(|| format!("{} names no content folder to share", config_path.display()))?;
    std::path::absolute(base.join(folder)).context("the current folder")
}

fn exists(database: &str, name: &str) -> anyhow::Result<bool> {
    Ok(Command::new("getent")
        .args([database, name])
        .stdout(Stdio::null())
        .status()
        .context("getent")?
        .success())
}

/// The name of a user or group (`database` is `passwd` or `group`) by its number.
fn name_of(database: &str, id: u32) -> anyhow::Result<String> {
    let output = Command::new("getent")
        .args([database, &id.to_string()])
        .output()
        .context("getent")?;
    let entry = String::from_utf8_lossy(&output.stdout);
    match entry.split(':').next() {
        Some(name) if output.status.success() && !name.is_empty() => Ok(name.to_string()),
        _ => bail!("no {database} entry has the number {id}"),
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let what = format!("{command:?}");
    let status = command.status().with_context(|| what.clone())?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Tells a running smbd to read its config again; says what to do where none runs.
fn reload_samba() {
    let reloaded = Command::new("smbcontrol")
        .args(["smbd", "reload-config"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !reloaded {
        println!("smbd is not running: start it with `sudo systemctl enable --now smbd`.");
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "<screen>".into())
}
