//! The deployment files: the systemd unit passes `systemd-analyze verify`, the install script's
//! dry run lists every step and changes nothing, and the installed device config is valid.

use std::path::Path;
use std::process::Command;

fn deploy(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file)
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(deploy("kiosk-player.service"))
        .output()
        .expect("systemd-analyze is installed (Debian's systemd package; .ci/run installs it)");
    let messages = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{messages}");
    assert!(
        !messages.contains("kiosk-player.service"),
        "warnings about the unit: {messages}"
    );
}

#[test]
fn the_install_script_dry_run_shows_every_step_and_changes_nothing() {
    let installed = [
        "/etc/systemd/system/kiosk-player.service",
        "/etc/pam.d/kiosk-player",
        "/etc/kiosk-player/kiosk.ron",
    ];
    let before: Vec<bool> = installed.iter().map(|p| Path::new(p).exists()).collect();
    let output = Command::new("bash")
        .arg(deploy("install.sh"))
        .arg("--dry-run")
        .output()
        .unwrap();
    let steps = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{steps}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "+ apt-get install -y --no-install-recommends cage",
        "useradd --system",
        "/usr/local/bin/kiosk-player",
        "/etc/systemd/system/kiosk-player.service",
        "+ systemctl enable kiosk-player.service",
        "No screen blanking",
        "Reboot to start the kiosk",
    ] {
        assert!(
            steps.contains(expected),
            "missing {expected:?} in:\n{steps}"
        );
    }
    let after: Vec<bool> = installed.iter().map(|p| Path::new(p).exists()).collect();
    assert_eq!(before, after, "a dry run installed something");
}

#[test]
fn the_device_configs_are_valid() {
    // The one install.sh installs, and the demo tablet's.
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk-player"))
        .arg("check")
        .arg(deploy("kiosk.ron"))
        .arg(deploy("tablet-demo.ron"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
