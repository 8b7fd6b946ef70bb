#!/usr/bin/env bash
# The accuracy study: `textclf fit TRAIN` with each setting and each seed, then `textclf
# evaluate` on TEST; prints one Markdown table row per setting: held-out accuracy mean ±
# spread (half the range) over the seeds, each seed's figure, and training samples/s (the
# mean over the fitted epochs). Settings are fit options, one quoted string each ("" is the
# default fit).
#   Scripts/study.sh [--seeds 0,1,2] TRAIN.csv TEST.csv "" "--encoder gru" "--dropout 0.5" …
# Example (the table of docs/accuracy.md):
#   Scripts/study.sh Data/thucnews-train.csv Data/thucnews-dev.csv "" "--embedding-dim 128 --units 128"
#
# With --folds K (cross-validation, for differences a small test file cannot tell apart:
# 1,393 reviews give one standard error of ~0.01): TRAIN's rows are shuffled (fixed seed)
# and cut into K folds; each setting is fitted K times on the other folds and evaluated on
# the held-out one, once per seed; the row gives the mean ± half range over the folds, each
# fold's figure (the mean over the seeds). TEST is not read then: pass "-".
#   Scripts/study.sh --folds 5 --seeds 0 Data/reviews-train.csv - "" "--tokens wordchar"
#
# Multi-label data (settings with --multi-label): the score is micro F1 instead of accuracy;
# --label-column names the labels' column for fit and evaluate. A fold whose held-out rows
# carry a label its training rows lack cannot be evaluated and is left out, said on stderr.
#   Scripts/study.sh --folds 5 --label-column labels Data/duee-multilabel.csv - "--multi-label" \
#       "--multi-label --learning-rate 0.02 --max-length 400"
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=0,1,2 folds=0 columns=()
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) seeds=$2; shift 2 ;;
        --folds) folds=$2; shift 2 ;;
        --label-column) columns=(--label-column "$2"); shift 2 ;;
        *) break ;;
    esac
done
[ $# -ge 3 ] || { echo "usage: Scripts/study.sh [--seeds 0,1,2] [--folds K] [--label-column C] TRAIN.csv TEST.csv|- SETTING..." >&2; exit 64; }
train=$1 test=$2
shift 2
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Splits: "TRAIN TEST" pairs, one per line (the files themselves, or the folds).
if [ "$folds" -gt 0 ]; then
    python3 - "$train" "$folds" "$work" <<'EOF_PY'
import csv, random, sys
path, k, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    header, rows = next(reader), list(reader)
random.Random(7).shuffle(rows)
for fold in range(k):
    for name, part in [("train", [r for i, r in enumerate(rows) if i % k != fold]),
                       ("test", [r for i, r in enumerate(rows) if i % k == fold])]:
        with open(f"{work}/fold{fold}-{name}.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header] + part)
EOF_PY
    for ((f = 0; f < folds; f++)); do echo "$work/fold$f-train.csv $work/fold$f-test.csv"; done > "$work/splits"
    column="per fold (mean over seeds $seeds)"
else
    echo "$train $test" > "$work/splits"
    column="per seed ($seeds)"
fi
echo "| setting | accuracy or micro F1 (mean ± half range) | $column | training samples/s |"
echo "|---|---:|---|---:|"
for setting in "$@"; do
    figures=() speeds=()
    while read -r fit_file test_file; do
        accuracies=()
        for seed in ${seeds//,/ }; do
            # shellcheck disable=SC2086  # a setting is several words on purpose
            "$TEXTCLF" fit "$fit_file" -o "$work/model" --seed "$seed" "${columns[@]}" $setting 2> "$work/fit.log" \
                || { echo "error: fit $setting --seed $seed failed:" >&2; tail -3 "$work/fit.log" >&2; exit 1; }
            if ! "$TEXTCLF" evaluate "$work/model" "$test_file" "${columns[@]}" --json > "$work/evaluation.json" 2> "$work/evaluate.log"; then
                grep -q "is not one of the model's" "$work/evaluate.log" \
                    || { echo "error: evaluate $setting --seed $seed failed:" >&2; cat "$work/evaluate.log" >&2; exit 1; }
                echo "note: $test_file left out: $(cut -c1-160 "$work/evaluate.log")" >&2
                continue
            fi
            accuracies+=("$(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["report"]; print(r.get("accuracy", r.get("microF1")))' "$work/evaluation.json")")
            speeds+=("$(grep -o '[0-9]* samples/s' "$work/fit.log" | awk '{ s += $1; n++ } END { printf "%d", s / n }')")
        done
        if [ ${#accuracies[@]} -eq 0 ]; then
            continue
        elif [ "$folds" -gt 0 ]; then
            figures+=("$(printf '%s\n' "${accuracies[@]}" | awk '{ s += $1 } END { printf "%.6f", s / NR }')")
        else
            figures+=("${accuracies[@]}")
        fi
    done < "$work/splits"
    python3 - "${setting:-(default)}" "${figures[*]}" "${speeds[*]}" <<'EOF_PY'
import sys
name, accuracies, speeds = sys.argv[1], [float(a) for a in sys.argv[2].split()], [int(s) for s in sys.argv[3].split()]
mean = sum(accuracies) / len(accuracies)
spread = (max(accuracies) - min(accuracies)) / 2
print(f"| `{name}` | {mean:.4f} ± {spread:.4f} | {' / '.join(f'{a:.4f}' for a in accuracies)} | {sum(speeds) // len(speeds):,} |")
EOF_PY
done
