#!/usr/bin/env bash
# How well `textclf check` finds label errors, against confident learning's plain recipe.
# For each data set and seed: a copy of the set's first ROWS rows with the labels of 5% of them
# (drawn with that seed) turned over (binary: to the other label; multi-class: to another
# label drawn with the seed), then
#   - `textclf check COPY --json` (5 folds of textclf fit's defaults): its suspects, ranked;
#   - the baseline: out-of-fold probabilities of a TF-IDF character 1–3-gram logistic
#     regression (scikit-learn, 5 stratified folds), every row ranked by its given label's
#     probability, least first (cleanlab's self-confidence);
# and prints, for each, the share of the turned-over rows among its top 10% of the rows.
#   Scripts/label-error-study.sh [--seeds 1,2,3] [--sets reviews:3500,reviews,topics] [--check-only] [CHECK OPTION...]
# --check-only skips the baseline (its column reads "-"): the copies depend only on the seed.
# Sets: reviews (Data/reviews-train.csv, 12,535 rows) and topics (Data/thucnews-train.csv,
# 10,000), each NAME or NAME:ROWS. The baseline runs in .venv-study (scikit-learn, made once).
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=1,2,3 sets=reviews:3500,reviews,topics baseline=1
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) seeds=$2; shift 2 ;;
        --sets) sets=$2; shift 2 ;;
        --check-only) baseline=0; shift ;;
        *) break ;;
    esac
done
[ -n "${TEXTCLF:-}" ] || build_release
venv="$ROOT/.venv-study"
if [ "$baseline" = 1 ] && ! "$venv/bin/python" -c "import sklearn" 2>/dev/null; then
    echo "Creating $venv with scikit-learn..." >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "scikit-learn==1.9.1" >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| set | rows | flip seed | turned over | check: in its top 10% | baseline: in its top 10% | check time | baseline time |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for set in ${sets//,/ }; do
    name=${set%%:*} rows=${set#*:}
    [ "$rows" = "$set" ] && rows=all
    case $name in
        reviews) file="$ROOT/Data/reviews-train.csv" ;;
        topics) file="$ROOT/Data/thucnews-train.csv" ;;
        *) echo "error: unknown set '$name' (reviews or topics)" >&2; exit 64 ;;
    esac
    for seed in ${seeds//,/ }; do
        python3 - "$file" "$rows" "$seed" "$work" <<'EOF_PY'
import csv, random, sys
path, rows_wanted, seed, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
reader = csv.reader(open(path, encoding="utf-8", newline=""))
header = next(reader)
rows, starts, last = [], [], reader.line_num
for row in reader:
    rows.append(row); starts.append(last + 1); last = reader.line_num
if rows_wanted != "all":
    rows, starts = rows[: int(rows_wanted)], starts[: int(rows_wanted)]
labels = sorted({r[1] for r in rows})
rng = random.Random(seed)
flipped = sorted(rng.sample(range(len(rows)), len(rows) // 20))
for i in flipped:
    rows[i][1] = rng.choice([l for l in labels if l != rows[i][1]])
with open(f"{work}/flipped.csv", "w", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([header] + rows)
# check names a row by the line it starts on in the copy (a quoted text may span lines).
reader = csv.reader(open(f"{work}/flipped.csv", encoding="utf-8", newline=""))
next(reader)
starts, last = [], reader.line_num
for _ in reader:
    starts.append(last + 1); last = reader.line_num
open(f"{work}/starts", "w").write("\n".join(map(str, starts)))
open(f"{work}/flipped-rows", "w").write("\n".join(str(i) for i in flipped))
EOF_PY
        started=$(date +%s%N)
        "$TEXTCLF" check "$work/flipped.csv" --json "$@" > "$work/check.json" 2> "$work/check.log" \
            || { echo "error: check failed:" >&2; tail -3 "$work/check.log" >&2; exit 1; }
        check_seconds=$(( ($(date +%s%N) - started) / 1000000000 ))
        started=$(date +%s%N)
        rm -f "$work/baseline-rows"
        [ "$baseline" = 1 ] && "$venv/bin/python" - "$work" <<'EOF_PY'
import csv, sys
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/flipped.csv", encoding="utf-8", newline="")))
texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
classes = sorted(set(labels))
y = np.array([classes.index(l) for l in labels])
model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LogisticRegression(max_iter=1000))
p = cross_val_predict(model, texts, y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba")
order = np.argsort(p[np.arange(len(y)), y], kind="stable")
open(f"{work}/baseline-rows", "w").write("\n".join(str(i) for i in order))
EOF_PY
        baseline_seconds=$(( ($(date +%s%N) - started) / 1000000000 ))
        python3 - "$work" "$name" "$seed" "$check_seconds" "$baseline_seconds" <<'EOF_PY'
import json, sys
work, name, seed, check_seconds, baseline_seconds = sys.argv[1:6]
check = json.load(open(f"{work}/check.json"))
flipped = {int(x) for x in open(f"{work}/flipped-rows").read().split()}
n = check["trainingRows"]
row_of_line = {int(line): row for row, line in enumerate(open(f"{work}/starts").read().split())}
check_top = [row_of_line[s["line"]] for s in check["suspects"][: n // 10]]
share = lambda top: sum(r in flipped for r in top) / len(flipped)
try:
    baseline_top = [int(x) for x in open(f"{work}/baseline-rows").read().split()][: n // 10]
    baseline, baseline_time = f"{share(baseline_top):.1%}", f"{baseline_seconds} s"
except FileNotFoundError:
    baseline, baseline_time = "-", "-"
print(f"| {name} | {n:,} | {seed} | {len(flipped)} | {share(check_top):.1%} | {baseline} | {check_seconds} s | {baseline_time} |")
EOF_PY
    done
done
