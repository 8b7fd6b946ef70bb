#!/usr/bin/env bash
# Per-label thresholds against one threshold of 0.5, on the demo's multi-label split (the
# first 450 DuEE rows to train, the last 109 held out): for each setting and seed,
# `textclf fit --multi-label --tune-thresholds` (tuned on the last 10% of the training rows),
# then `textclf evaluate` on the held-out rows with the tuned thresholds and with
# `--threshold 0.5`. Prints one Markdown table row per setting: micro F1 of both, mean over
# the seeds, then each seed's pair.
#   Scripts/threshold-study.sh [--seeds 0,1,2] [SETTING...]     (default: the demo's options)
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=0,1,2,3,4,5
if [ "${1:-}" = --seeds ]; then seeds=$2; shift 2; fi
[ $# -gt 0 ] || set -- "--class-weight balanced --learning-rate 0.005 --epochs 20"
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n 451 "$ROOT/Data/duee-multilabel.csv" > "$work/train.csv"
{ head -n 1 "$ROOT/Data/duee-multilabel.csv"; tail -n +452 "$ROOT/Data/duee-multilabel.csv"; } > "$work/test.csv"
micro_f1() { python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["microF1"])'; }
echo "| setting | micro F1, every label at 0.5 | micro F1, tuned | per seed ($seeds): 0.5 → tuned |"
echo "|---|---:|---:|---|"
for setting in "$@"; do
    pairs=()
    for seed in ${seeds//,/ }; do
        # shellcheck disable=SC2086  # a setting is several words on purpose
        "$TEXTCLF" fit "$work/train.csv" -o "$work/model" --label-column labels --multi-label --tune-thresholds \
            --seed "$seed" $setting 2> "$work/fit.log" \
            || { echo "error: fit $setting --seed $seed failed:" >&2; tail -3 "$work/fit.log" >&2; exit 1; }
        half=$("$TEXTCLF" evaluate "$work/model" "$work/test.csv" --label-column labels --json --threshold 0.5 | micro_f1)
        tuned=$("$TEXTCLF" evaluate "$work/model" "$work/test.csv" --label-column labels --json | micro_f1)
        pairs+=("$half:$tuned")
    done
    python3 - "$setting" "${pairs[@]}" <<'EOF_PY'
import sys
name, pairs = sys.argv[1], [tuple(map(float, p.split(":"))) for p in sys.argv[2:]]
mean = lambda xs: sum(xs) / len(xs)
print(f"| `{name}` | {mean([p[0] for p in pairs]):.4f} | {mean([p[1] for p in pairs]):.4f} | "
      + " / ".join(f"{a:.3f} → {b:.3f}" for a, b in pairs) + " |")
EOF_PY
done
