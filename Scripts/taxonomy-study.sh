#!/usr/bin/env bash
# The two-level THUCNews taxonomy (Data/thucnews-tree-*.csv) against the flat topics model,
# and the operating point for a target precision, per seed:
#   - flat: `fit Data/thucnews-train.csv` (defaults); its leaf accuracy on thucnews-dev, and its
#     top-level accuracy with each predicted leaf mapped up to its parent;
#   - tree: `fit Data/thucnews-tree-train.csv --taxonomy`; leaf and top-level accuracy (the
#     most probable parent by the sum of its leaves);
#   - at the operating point: `--taxonomy --calibrate --target-precision P`, thresholds chosen
#     on the validation split of the training file (its last 10%), measured on thucnews-dev
#     (never seen): the share answered, precision on it, the share answered at a parent.
#   Scripts/taxonomy-study.sh [--seeds 0,1,2] [--precision 0.95]
set -euo pipefail
source "$(dirname "$0")/common.sh"
seeds=0,1,2 precision=0.95
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) seeds=$2; shift 2 ;;
        --precision) precision=$2; shift 2 ;;
        *) echo "usage: Scripts/taxonomy-study.sh [--seeds 0,1,2] [--precision 0.95]" >&2; exit 64 ;;
    esac
done
[ -n "${TEXTCLF:-}" ] || build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f "$ROOT/Data/thucnews-tree-train.csv" ] || "$ROOT/Scripts/make-taxonomy-data.sh"
echo "| seed | flat leaf | flat top (leaves mapped up) | tree leaf | tree top | answered at precision $precision | precision achieved | at a parent |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for seed in ${seeds//,/ }; do
    fit_quietly "$ROOT/Data/thucnews-train.csv" -o "$work/flat" --seed "$seed" --force
    fit_quietly "$ROOT/Data/thucnews-tree-train.csv" --taxonomy -o "$work/tree" --seed "$seed" --force
    fit_quietly "$ROOT/Data/thucnews-tree-train.csv" --taxonomy -o "$work/point" --seed "$seed" --force \
        --calibrate --target-precision "$precision"
    "$TEXTCLF" predict "$work/flat" "$ROOT/Data/thucnews-dev.csv" --format jsonl > "$work/flat.jsonl"
    "$TEXTCLF" evaluate "$work/tree" "$ROOT/Data/thucnews-tree-dev.csv" --json > "$work/tree.json"
    "$TEXTCLF" evaluate "$work/point" "$ROOT/Data/thucnews-tree-dev.csv" --json > "$work/point.json"
    python3 - "$ROOT/Data/thucnews-tree-dev.csv" "$work" "$seed" <<'PY'
import csv, json, sys
dev, work, seed = sys.argv[1], sys.argv[2], sys.argv[3]
truth = [r["label"] for r in csv.DictReader(open(dev, encoding="utf-8"))]
parent = {path.split("/")[1]: path.split("/")[0] for path in truth}
flat = [json.loads(line)["label"] for line in open(f"{work}/flat.jsonl", encoding="utf-8")]
assert len(flat) == len(truth)
flat_leaf = sum(p == t.split("/")[1] for p, t in zip(flat, truth)) / len(truth)
flat_top = sum(parent[p] == t.split("/")[0] for p, t in zip(flat, truth)) / len(truth)
tree = json.load(open(f"{work}/tree.json"))
point = json.load(open(f"{work}/point.json"))["decisions"]
levels = tree["decisions"]["levelAccuracy"]
print(f"| {seed} | {flat_leaf:.4f} | {flat_top:.4f} | {levels[1]:.4f} | {levels[0]:.4f} | "
      f"{point['coverage']:.4f} | {point['precision']:.4f} | {point['backOffRate']:.4f} |")
PY
done
