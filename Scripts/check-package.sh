#!/usr/bin/env bash
# Proves the release binary needs no Swift toolchain: packages it (Scripts/package.sh), makes a
# minimal Debian 12 root with debootstrap (Debian's package; only libicu72 and libstdc++6 added,
# the root cached in /var/cache/textclf/debian-root between runs and clones, or under
# $TEXTCLF_CACHE), and runs the packaged binary there:
# `--version`, and `predict` with a model trained by the normal build, whose output must be the
# same bytes as the normal build's; then `serve`, which must answer as predict does and exit 0 on
# SIGTERM. Needs root (chroot) and Debian's package registry.
#   Scripts/check-package.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
archive=$("$ROOT/Scripts/package.sh")
root="${TEXTCLF_CACHE:-/var/cache/textclf}/debian-root"
if [ ! -x "$root/usr/bin/env" ] || ! ls "$root"/usr/lib/*/libicuuc.so.72 >/dev/null 2>&1; then
    make_debian_root "$root" libicu72,libstdc++6
fi
[ ! -e "$root/usr/bin/swift" ] && [ ! -d "$root/usr/lib/swift" ] || { echo "error: the root has Swift in it" >&2; exit 1; }
work=$(mktemp -d)
# /proc as on any real system (the Swift runtime reads its arguments from /proc/self/cmdline).
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null; rm -rf "$work" "$root/textclf-check"' EXIT
fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/model" --epochs 1 --seed 3
"$TEXTCLF" predict "$work/model" "$ROOT/Data/reviews-test.csv" > "$work/expected.csv"
mkdir -p "$root/textclf-check"
tar -C "$root/textclf-check" -xzf "$archive"
cp -r "$work/model" "$root/textclf-check/model"
cp "$ROOT/Data/reviews-test.csv" "$root/textclf-check/test.csv"
binary=$(cd "$root" && ls textclf-check/*/textclf)
echo "In the Debian root: $(chroot "$root" "/$binary" --version)"
chroot "$root" "/$binary" predict /textclf-check/model /textclf-check/test.csv > "$work/packaged.csv"
if cmp -s "$work/expected.csv" "$work/packaged.csv"; then
    echo "the packaged binary predicts the same bytes as the normal build ($(wc -l < "$work/packaged.csv") lines)"
else
    echo "error: the packaged binary's predictions differ from the normal build's" >&2
    diff "$work/expected.csv" "$work/packaged.csv" | head -5 >&2
    exit 1
fi

# The packaged server, from the same root: it starts, answers as predict does, and exits 0 on SIGTERM.
chroot "$root" "/$binary" serve --model m=/textclf-check/model --port 0 --log-level warning 2> "$work/serve.log" &
server=$!
wait_for_server "$work/serve.log" "$server" /readyz
answer=$(curl -sf "http://127.0.0.1:$port/v1/models/m/predict" -d '{"texts": ["质量很好，推荐购买"]}') \
    || { echo "error: the packaged server did not answer:" >&2; cat "$work/serve.log" >&2; kill "$server"; exit 1; }
expected=$(echo "质量很好，推荐购买" | "$TEXTCLF" predict "$work/model" --lines --format jsonl | sed 's/^{"text":"[^"]*",/{/')
kill -TERM "$server"
wait "$server" || { echo "error: the packaged server did not exit 0 on SIGTERM" >&2; exit 1; }
[ "$answer" = "{\"model\":\"m\",\"version\":\"default\",\"predictions\":[$expected]}" ] \
    || { echo "error: the packaged server answered $answer, predict printed $expected" >&2; exit 1; }
echo "the packaged textclf-serve answers as predict does and exits 0 on SIGTERM"

