#!/usr/bin/env bash
# Turns a fresh Raspberry Pi OS (Bookworm) or Debian/Ubuntu machine into a kiosk-player screen.
# Safe to run again: every step checks before it changes anything.
#
#   sudo deploy/install.sh [--binary PATH] [--dry-run]
#
# --binary   the kiosk-player executable to install (default: target/release/kiosk-player;
#            build it first with `cargo build --release`)
# --dry-run  print what would be done, change nothing (no root needed)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
binary="$here/../target/release/kiosk-player"
dry_run=false
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
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
if ! $dry_run && [ ! -x "$binary" ]; then
    echo "no executable at $binary: run 'cargo build --release' first, or pass --binary PATH" >&2
    exit 1
fi

step "Packages: the cage kiosk compositor and Vulkan drivers (Mesa's v3dv on a Pi, anv/radv on a NUC)"
run apt-get update -qq
run apt-get install -y --no-install-recommends cage mesa-vulkan-drivers libvulkan1 libxkbcommon0 libwayland-client0

step "The unprivileged user 'kiosk', allowed to use the screen and touch input"
if id kiosk >/dev/null 2>&1; then
    echo "user kiosk exists"
else
    run useradd --system --home-dir /var/lib/kiosk-player --shell /usr/sbin/nologin kiosk
fi
for group in video render input; do
    if getent group "$group" >/dev/null; then
        run usermod -a -G "$group" kiosk
    fi
done

step "The player itself"
run install -D -m 0755 "$binary" /usr/local/bin/kiosk-player

step "Content folders, with the demo playlists if the folder is new"
run install -d -o kiosk -g kiosk -m 0775 /var/lib/kiosk-player /var/lib/kiosk-player/playlists /var/lib/kiosk-player/cache
if [ -z "$(ls -A /var/lib/kiosk-player/playlists 2>/dev/null)" ]; then
    run cp -r "$here/../playlists/." /var/lib/kiosk-player/playlists/
    run chown -R kiosk:kiosk /var/lib/kiosk-player/playlists
else
    echo "/var/lib/kiosk-player/playlists has content; left as it is"
fi

step "Device config (kept if it exists; edit /etc/kiosk-player/kiosk.ron afterwards)"
if [ -e /etc/kiosk-player/kiosk.ron ]; then
    echo "/etc/kiosk-player/kiosk.ron exists; left as it is"
else
    run install -D -m 0644 "$here/kiosk.ron" /etc/kiosk-player/kiosk.ron
fi

step "The kiosk service: cage on tty1 running the player, restarted by systemd if it stops or freezes"
run install -D -m 0644 "$here/pam-kiosk-player" /etc/pam.d/kiosk-player
run install -D -m 0644 "$here/kiosk-player.service" /etc/systemd/system/kiosk-player.service
run systemctl daemon-reload
run systemctl enable kiosk-player.service
run systemctl set-default graphical.target

step "No screen blanking: the console never blanks, and nothing else on the kiosk idles the screen"
cmdline=""
for candidate in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    if [ -f "$candidate" ]; then cmdline="$candidate"; break; fi
done
if [ -n "$cmdline" ]; then
    if grep -q 'consoleblank=0' "$cmdline"; then
        echo "$cmdline already has consoleblank=0"
    else
        run sed -i '1 s/$/ consoleblank=0/' "$cmdline"
    fi
elif [ -f /etc/default/grub ]; then
    if grep -q 'consoleblank=0' /etc/default/grub; then
        echo "/etc/default/grub already has consoleblank=0"
    else
        run sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="/&consoleblank=0 /' /etc/default/grub
        run update-grub
    fi
fi

step "Done"
echo "Reboot to start the kiosk: sudo reboot"
echo "Logs: journalctl -u kiosk-player -f"
