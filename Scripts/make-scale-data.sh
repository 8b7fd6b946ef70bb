#!/usr/bin/env bash
# Writes a CSV of N labelled headlines for scale runs: the THUCNews training rows repeated,
# each copy with a random number (1-99999) inserted at a random character position, so every
# row differs and the vocabulary keeps growing with N (new numbers, new n-grams around them),
# as in a real corpus. Seeded: the same N gives the same file.
#   Scripts/make-scale-data.sh N OUT.csv [SEED]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: Scripts/make-scale-data.sh N OUT.csv [SEED]" >&2; exit 64; }
n=$1 out=$2 seed=${3:-1}
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || { echo "error: N must be a positive whole number, not '$n'" >&2; exit 64; }
root=$(cd "$(dirname "$0")/.." && pwd)
tmp="$out.partial-$$"
trap 'rm -f "$tmp"' EXIT
python3 - "$root/Data/thucnews-train.csv" "$tmp" "$n" "$seed" <<'PY'
import csv, random, sys
source, out, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(source, encoding="utf-8", newline="") as f:
    rows = [(r["text"], r["label"]) for r in csv.DictReader(f)]
rng = random.Random(seed)
with open(out, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    for i in range(n):
        text, label = rows[i % len(rows)]
        at = rng.randrange(len(text) + 1)
        w.writerow([text[:at] + str(rng.randrange(1, 100000)) + text[at:], label])
PY
mv "$tmp" "$out"
trap - EXIT
echo "Wrote $n rows to $out" >&2
