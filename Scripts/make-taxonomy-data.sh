#!/usr/bin/env bash
# Writes Data/thucnews-tree-train.csv and Data/thucnews-tree-dev.csv: the THUCNews headline
# files with each topic under a parent of our choosing (not THUCNews's), a two-level taxonomy
# for `textclf fit --taxonomy`:
#   财经 ⊃ finance, stocks, realty    文娱 ⊃ entertainment, game, sports
#   时政 ⊃ politics, society          科教 ⊃ education, science
# The texts and their order are the source files'; only the label cells change (`财经/stocks`).
#   Scripts/make-taxonomy-data.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for part in train dev; do
    python3 - "$root/Data/thucnews-$part.csv" "$root/Data/thucnews-tree-$part.csv" <<'PY'
import csv, os, sys
parents = {"finance": "财经", "stocks": "财经", "realty": "财经",
           "entertainment": "文娱", "game": "文娱", "sports": "文娱",
           "politics": "时政", "society": "时政", "education": "科教", "science": "科教"}
source, out = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
assert rows[0] == ["text", "label"], rows[0]
tmp = out + ".partial"
with open(tmp, "w", encoding="utf-8", newline="") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(rows[0])
    for text, label in rows[1:]:
        writer.writerow([text, parents[label] + "/" + label])
os.replace(tmp, out)
PY
done
echo "wrote Data/thucnews-tree-train.csv and Data/thucnews-tree-dev.csv" >&2
