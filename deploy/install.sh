#!/usr/bin/env bash
# Turns a Raspberry Pi OS (Bookworm), Debian 12 or Ubuntu 24.04 machine into a kiosk-player screen
# by installing the kiosk-player Debian package; the package's maintainer scripts do the rest (the
# kiosk user, /var/lib/kiosk-player, the enabled unit, consoleblank=0: deploy/debian/README.md).
# Safe to run again, e.g. after `git pull`: installing a newer package is an upgrade, which keeps
# the content, the cache, the logs and an edited /etc/kiosk-player/kiosk.ron.
#
#   sudo deploy/install.sh [--deb FILE] [--dry-run]
#
# --deb      the package to install (default: build it with `cargo deb`, as the user who ran
#            sudo, and install target/debian/kiosk-player_*_<arch>.deb)
# --dry-run  print what would be done, change nothing (no root needed)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
deb=""
dry_run=false
while [ $# -gt 0 ]; do
    case "$1" in
        --deb) deb="$2"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*"; }
run() {
    printf '+ %s\n' "$*"
    if ! $dry_run; then "$@"; fi
}

if ! $dry_run && [ "$(id -u)" -ne 0 ]; then
    echo "run as root (sudo), or with --dry-run to see the steps" >&2
    exit 1
fi

arch="$(dpkg --print-architecture)"
if [ -z "$deb" ]; then
    # Built every time: after a `git pull` the package in target/debian is the old code.
    step "Build the package (cargo build --release and cargo deb, as ${SUDO_USER:-$(id -un)}, not as root)"
    builder="${SUDO_USER:-}"
    if [ -z "$builder" ] || [ "$builder" = root ]; then
        echo "run this script with sudo from the account that has cargo and cargo-deb" >&2
        echo "(cargo install cargo-deb --locked), or pass --deb FILE" >&2
        exit 1
    fi
    run runuser -u "$builder" -- sh -c 'cd "$1" && PATH="$HOME/.cargo/bin:$PATH" cargo deb' sh "$root"
    deb="$(ls -t "$root"/target/debian/kiosk-player_*_"$arch".deb 2>/dev/null | head -n 1 || true)"
    $dry_run && deb="${deb:-$root/target/debian/kiosk-player_<version>_$arch.deb}"
fi
case "$deb" in /*) ;; *) deb="$PWD/$deb" ;; esac

step "Install $deb and what it depends on (cage, xwayland, Mesa's Vulkan drivers, ...)"
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq
# confdef/confold: an edited kiosk.ron (or one an earlier install.sh put there) is kept without a
# question, which would otherwise stop an unattended run. --reinstall: a new build of the same
# version (the version changes only with a release) still replaces the installed one.
run apt-get install -y --reinstall -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$deb"

# The old install.sh copied the player to /usr/local/bin; the package's is /usr/bin/kiosk-player.
if [ -e /usr/local/bin/kiosk-player ]; then
    step "Remove the old install.sh copy of the player"
    run rm -f /usr/local/bin/kiosk-player
fi

step "Done"
echo "The screen starts on the next boot: sudo reboot (or now: sudo systemctl start kiosk-player)"
echo "Logs: journalctl -u kiosk-player -f"
