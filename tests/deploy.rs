//! The deployment files: the systemd unit passes `systemd-analyze verify`, the install script
//! installs the package with apt, and the installed device config is valid.

use std::path::Path;
use std::process::Command;

fn deploy(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file)
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    // Its man page is installed by the package (verified there, in tests/package.rs), not here.
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
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
fn the_install_script_hands_the_package_to_apt_which_keeps_an_edited_config_unasked() {
    // A dry run changes nothing and needs no root; the real install is tests/package.rs.
    let output = Command::new("bash")
        .arg(deploy("install.sh"))
        .args(["--dry-run", "--deb", "/tmp/kiosk-player_0.1.0-1_test.deb"])
        .output()
        .unwrap();
    let steps = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{steps}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        steps.contains(
            "+ apt-get install -y --reinstall -o Dpkg::Options::=--force-confdef \
             -o Dpkg::Options::=--force-confold /tmp/kiosk-player_0.1.0-1_test.deb"
        ),
        "{steps}"
    );
}

#[test]
fn the_device_configs_are_valid() {
    // The one the package installs, and the demo tablet's.
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
