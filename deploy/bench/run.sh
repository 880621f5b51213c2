#!/usr/bin/env bash
# The whole benchmark, one command: kiosk-player beside feh and a Chromium kiosk under Xvfb, and
# beside GStreamer alone and Chromium playing a video under Xvfb and under cage (medians of 3 runs
# of 60 s; pass other options through, e.g. --runs 5), memory over 100 video loops, then the long
# soak test (10,000 slide switches). Installs what it needs with apt, like .ci/run. About an hour.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(xvfb feh chromium mesa-vulkan-drivers libvulkan1 gstreamer1.0-x gstreamer1.0-tools gstreamer1.0-plugins-ugly
    gstreamer1.0-plugins-bad gstreamer1.0-libav cage libwlroots-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo bench --bench side_by_side -- "$@"
KIOSK_SOAK_SWITCHES=10000 cargo test --release --test soak -- --nocapture
