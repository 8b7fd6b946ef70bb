#!/usr/bin/env bash
# How well `textclf check` finds label errors: for each seed, a copy of
# Data/reviews-train.csv with the labels of 5% of its rows (drawn with that seed) turned over,
# then `textclf check COPY --json` (5 folds, textclf fit's defaults); prints per seed the
# share of the turned-over rows among the top 10% of suspects, and the suspects' precision.
#   Scripts/label-error-study.sh [--seeds 1,2,3] [CHECK OPTION...]
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=1,2,3
if [ "${1:-}" = --seeds ]; then seeds=$2; shift 2; fi
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| flip seed | suspects | turned over | in the top 10% of suspects | suspects' precision | check time |"
echo "|---|---:|---:|---:|---:|---:|"
for seed in ${seeds//,/ }; do
    python3 - "$ROOT/Data/reviews-train.csv" "$seed" "$work" <<'EOF_PY'
import csv, random, sys
path, seed, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reader = csv.reader(open(path, encoding="utf-8", newline=""))
header = next(reader)
rows, starts, last = [], [], reader.line_num
for row in reader:
    rows.append(row); starts.append(last + 1); last = reader.line_num
flipped = sorted(random.Random(seed).sample(range(len(rows)), len(rows) // 20))
for i in flipped:
    rows[i][1] = "0" if rows[i][1] == "1" else "1"
with open(f"{work}/flipped.csv", "w", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([header] + rows)
open(f"{work}/flipped-lines", "w").write("\n".join(str(starts[i]) for i in flipped))
EOF_PY
    started=$(date +%s%N)
    "$TEXTCLF" check "$work/flipped.csv" --json "$@" > "$work/check.json" 2> "$work/check.log" \
        || { echo "error: check failed:" >&2; tail -3 "$work/check.log" >&2; exit 1; }
    seconds=$(( ($(date +%s%N) - started) / 1000000000 ))
    python3 - "$work" "$seed" "$seconds" <<'EOF_PY'
import json, sys
work, seed, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
check = json.load(open(f"{work}/check.json"))
flipped = {int(x) for x in open(f"{work}/flipped-lines").read().split()}
suspects, n = check["suspects"], check["trainingRows"]
found = sum(s["line"] in flipped for s in suspects[: n // 10])
precision = sum(s["line"] in flipped for s in suspects) / max(len(suspects), 1)
print(f"| {seed} | {len(suspects):,} ({len(suspects) / n:.1%}) | {len(flipped)} | {found} = {found / len(flipped):.1%} | {precision:.1%} | {seconds:.0f} s |")
EOF_PY
done
