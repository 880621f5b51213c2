#!/usr/bin/env bash
# make-clip.sh — render the looping "three rules against food poisoning" demo clip
# from the repo's own vector poster (playlists/media/three-rules-poster.svg).
#
# Usage: make-clip.sh REPO_DIR OUTPUT.mp4
#
# What it shows (10 s, 1280x720, 25 fps, H.264 High, yuv420p, MP4 faststart, no audio):
#   a slow pan over the poster at 1.69x: title 食中毒予防の三原則 -> 1 つけない (hand washing)
#   -> 2 ふやさない (keep it cold) -> 3 やっつける (kill with heat) -> back up to the title.
#   The first and last frames are identical, so the player's loop is seamless.
#
# Each frame is rendered straight from the SVG with a moved viewBox (rsvg-convert), so
# text stays sharp at every zoom level. Japanese text uses the bundled BIZ UDPGothic
# (REPO_DIR/assets/fonts) through a private fontconfig file; nothing is installed.
#
# Made the bundled playlists/media/three-rules-tour.mp4: deploy/make-demo-clip.sh . playlists/media/three-rules-tour.mp4
# Needs (Debian 12): librsvg2-bin gstreamer1.0-tools gstreamer1.0-plugins-base
#                    gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPO_DIR OUTPUT.mp4" >&2
  exit 2
fi
repo=$(cd "$1" && pwd)
out=$2
svg="$repo/playlists/media/three-rules-poster.svg"
fonts="$repo/assets/fonts"
[ -f "$svg" ] || { echo "missing $svg" >&2; exit 1; }
[ -d "$fonts" ] || { echo "missing $fonts" >&2; exit 1; }
# The camera path below is in the poster's own 1920x1080 coordinates.
grep -q 'viewBox="0 0 1920 1080"' "$svg" || { echo "$svg: expected viewBox=\"0 0 1920 1080\"" >&2; exit 1; }
for tool in rsvg-convert gst-launch-1.0 awk sed; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

W=1280 H=720 FPS=25
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/frames" "$work/fc-cache"

# Private fontconfig: system config plus the repo's bundled fonts.
cat >"$work/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>$fonts</dir>
  <cachedir>$work/fc-cache</cachedir>
</fontconfig>
EOF
export FONTCONFIG_FILE="$work/fonts.conf"

# Camera path as viewBoxes over the 1920x1080 poster, one line per frame: "x y w h".
# The camera keeps one zoom (1138x640 box = 1.69x) and only pans: pure translation is
# cheap for H.264, so the text stays clean at a few hundred KB (zooming cost ~2x the bytes).
# Keyframes (seconds), cosine easing between them; the path ends where it starts.
awk -v fps="$FPS" 'BEGIN {
  # t    x    y    w     h
  n = 0
  k[n++] = "0.0   391  0    1138  640"    # start: title 食中毒予防の三原則
  k[n++] = "1.0   391  0    1138  640"    # hold
  k[n++] = "2.6   0    280  1138  640"    # down to 1 つけない (hand washing)
  k[n++] = "3.6   0    280  1138  640"    # hold
  k[n++] = "4.8   391  280  1138  640"    # pan to 2 ふやさない (keep it cold)
  k[n++] = "5.8   391  280  1138  640"    # hold
  k[n++] = "7.0   782  280  1138  640"    # pan to 3 やっつける (kill with heat)
  k[n++] = "8.0   782  280  1138  640"    # hold
  k[n++] = "9.4   391  0    1138  640"    # back up to the title
  k[n++] = "10.0  391  0    1138  640"    # hold (frame 250 would equal frame 0)
  for (i = 0; i < n; i++) {
    split(k[i], v, " ")
    T[i] = v[1]; X[i] = v[2]; Y[i] = v[3]; Wd[i] = v[4]
  }
  total = int(T[n-1] * fps + 0.5)         # 250 frames: 0..249, loop point after 249
  pi = atan2(0, -1)
  seg = 1
  for (f = 0; f < total; f++) {
    t = f / fps
    while (seg < n - 1 && t >= T[seg]) seg++
    a = seg - 1; b = seg
    u = (T[b] > T[a]) ? (t - T[a]) / (T[b] - T[a]) : 1
    if (u > 1) u = 1
    e = (1 - cos(pi * u)) / 2
    # interpolate the zoom geometrically (log of width) so it feels steady
    w = exp(log(Wd[a]) + (log(Wd[b]) - log(Wd[a])) * e)
    s = (Wd[a] == Wd[b]) ? e : (w - Wd[a]) / (Wd[b] - Wd[a])
    x = X[a] + (X[b] - X[a]) * s
    y = Y[a] + (Y[b] - Y[a]) * s
    printf "%04d %.3f %.3f %.3f %.3f\n", f, x, y, w, w * 9 / 16
  }
}' >"$work/path.txt"

# Render every frame from the SVG with its own viewBox.
render() {
  local f=$1 x=$2 y=$3 w=$4 h=$5
  sed "0,/viewBox=\"0 0 1920 1080\"/s//viewBox=\"$x $y $w $h\" width=\"$W\" height=\"$H\"/" \
    "$svg" >"$work/frames/f$f.svg"
  rsvg-convert --background-color="#FFF8E7" -w "$W" -h "$H" \
    -o "$work/frames/frame$f.png" "$work/frames/f$f.svg"
  rm "$work/frames/f$f.svg"
}
export -f render
export svg work W H
jobs=$(nproc 2>/dev/null || echo 2)
xargs -P "$jobs" -L 1 bash -c 'render "$@"' _ <"$work/path.txt"

count=$(find "$work/frames" -name 'frame*.png' | wc -l)
[ "$count" -eq "$(wc -l <"$work/path.txt")" ] || { echo "rendered $count frames, expected more" >&2; exit 1; }

# Encode: H.264 High@L4.1 (the preset alone would tag it L5), I420, constant quality
# (qp 28, animation psy tuning), one IDR at the
# start (the clip is only ever played from the top and looped), MP4 with moov up front,
# no audio. threads=1 makes the H.264 stream identical from run to run (only the MP4
# header's creation time differs).
mkdir -p "$(dirname "$out")"
gst-launch-1.0 -q \
  multifilesrc location="$work/frames/frame%04d.png" index=0 stop-index=$((count - 1)) \
    caps="image/png,framerate=$FPS/1" \
  ! pngdec ! videoconvert ! video/x-raw,format=I420 \
  ! x264enc pass=qual quantizer=28 psy-tune=animation speed-preset=slower \
      key-int-max=$((FPS * 10)) bframes=3 threads=1 sliced-threads=false \
  ! "video/x-h264,profile=high,level=(string)4.1" \
  ! h264parse ! mp4mux faststart=true ! filesink location="$out"

echo "wrote $out ($(stat -c %s "$out") bytes, $count frames at $FPS fps)"
