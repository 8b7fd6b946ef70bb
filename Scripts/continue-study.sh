#!/usr/bin/env bash
# Continuing a model on new rows: for the topics and the reviews, `textclf fit` on the first
# half of the training file (--save-optimizer), then `textclf fit --from` on the second half;
# prints the accuracy on the shipped dev/test file after each, and that of one fit on the
# whole file, for comparison.
#   Scripts/continue-study.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
accuracy() { "$TEXTCLF" evaluate "$1" "$2" --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["report"]["accuracy"])'; }
fit() { "$TEXTCLF" fit "$@" 2> "$work/fit.log" || { echo "error: fit $* failed:" >&2; tail -3 "$work/fit.log" >&2; exit 1; }; }
echo "| data | first half | continued on the second half (fit --from) | the whole file at once |"
echo "|---|---:|---:|---:|"
for data in thucnews:dev reviews:test; do
    name=${data%%:*} test="$ROOT/Data/$name-${data##*:}.csv"
    python3 - "$ROOT/Data/$name-train.csv" "$work" <<'EOF_PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
header, rows = rows[0], rows[1:]
half = len(rows) // 2
for part, chunk in (("first", rows[:half]), ("second", rows[half:])):
    with open(f"{sys.argv[2]}/{part}.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + chunk)
EOF_PY
    fit "$work/first.csv" -o "$work/first" --save-optimizer
    fit "$work/second.csv" --from "$work/first" -o "$work/continued"
    fit "$ROOT/Data/$name-train.csv" -o "$work/whole"
    echo "| $name | $(accuracy "$work/first" "$test") | $(accuracy "$work/continued" "$test") | $(accuracy "$work/whole" "$test") |"
done
