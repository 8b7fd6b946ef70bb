#!/usr/bin/env bash
# Measures Traditional Chinese support: converts Data/reviews-test.csv to Traditional Chinese
# as written in Taiwan (OpenCC's s2twp: 软件 → 軟體, 性价比 → 價效比, from PyPI into a virtual
# environment this script makes), fits a model with --to-simplified on the Simplified training
# reviews, and evaluates it on the Simplified originals and on the Traditional conversion; and
# the same without --to-simplified, for comparison.
#   Scripts/traditional-check.sh [SEED]
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
venv="$ROOT/.venv-opencc"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import opencc" 2>/dev/null; then
    echo "Creating $venv with opencc-python-reimplemented..." >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q opencc-python-reimplemented==0.1.7 >&2
fi
seed=${1:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" - "$ROOT/Data/reviews-test.csv" "$work/reviews-test-traditional.csv" <<'PY'
import csv, sys
from opencc import OpenCC
s2twp = OpenCC("s2twp")
with open(sys.argv[1], encoding="utf-8", newline="") as f, open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    writer = csv.writer(out)
    for k, row in enumerate(csv.reader(f)):
        writer.writerow(row if k == 0 else [s2twp.convert(row[0])] + row[1:])
PY
accuracy() { "$TEXTCLF" evaluate "$1" "$2" | awk '/^accuracy/ { print $2 }'; }
for option in --to-simplified ""; do
    fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/model" --seed "$seed" --encoder lstm $option
    simplified=$(accuracy "$work/model" "$ROOT/Data/reviews-test.csv")
    traditional=$(accuracy "$work/model" "$work/reviews-test-traditional.csv")
    ratio=$(python3 -c "print('%.4f' % ($traditional / $simplified))")
    echo "fit ${option:-(without --to-simplified)} --seed $seed: accuracy $simplified on the Simplified test reviews, $traditional on their Traditional conversion (ratio $ratio)"
done
