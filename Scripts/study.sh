#!/usr/bin/env bash
# The accuracy study: `textclf fit TRAIN` with each setting and each seed, then `textclf
# evaluate` on TEST; prints one Markdown table row per setting: held-out accuracy mean ±
# spread (half the range) over the seeds, each seed's figure, and training samples/s (the
# mean over the fitted epochs). Settings are fit options, one quoted string each ("" is the
# default fit).
#   Scripts/study.sh [--seeds 0,1,2] TRAIN.csv TEST.csv "" "--encoder gru" "--dropout 0.5" …
# Example (the README's table):
#   Scripts/study.sh Data/thucnews-train.csv Data/thucnews-dev.csv "" "--embedding-dim 128 --units 128"
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=0,1,2
if [ "${1:-}" = "--seeds" ]; then seeds=$2; shift 2; fi
[ $# -ge 3 ] || { echo "usage: Scripts/study.sh [--seeds 0,1,2] TRAIN.csv TEST.csv SETTING..." >&2; exit 64; }
train=$1 test=$2
shift 2
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| setting | accuracy (mean ± half range) | per seed ($seeds) | training samples/s |"
echo "|---|---:|---|---:|"
for setting in "$@"; do
    accuracies=() speeds=()
    for seed in ${seeds//,/ }; do
        # shellcheck disable=SC2086  # a setting is several words on purpose
        "$TEXTCLF" fit "$train" -o "$work/model" --seed "$seed" $setting 2> "$work/fit.log" \
            || { echo "error: fit $setting --seed $seed failed:" >&2; tail -3 "$work/fit.log" >&2; exit 1; }
        accuracies+=("$("$TEXTCLF" evaluate "$work/model" "$test" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["accuracy"])')")
        speeds+=("$(grep -o '[0-9]* samples/s' "$work/fit.log" | awk '{ s += $1; n++ } END { printf "%d", s / n }')")
    done
    python3 - "${setting:-(default)}" "${accuracies[*]}" "${speeds[*]}" <<'EOF'
import sys
name, accuracies, speeds = sys.argv[1], [float(a) for a in sys.argv[2].split()], [int(s) for s in sys.argv[3].split()]
mean = sum(accuracies) / len(accuracies)
spread = (max(accuracies) - min(accuracies)) / 2
print(f"| `{name}` | {mean:.4f} ± {spread:.4f} | {' / '.join(f'{a:.4f}' for a in accuracies)} | {sum(speeds) // len(speeds):,} |")
EOF
done
