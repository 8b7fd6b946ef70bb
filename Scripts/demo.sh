#!/usr/bin/env bash
# The main job on the shipped data, from a fresh machine: build in release, train on the
# reviews, evaluate on the held-out test split, label a few new texts.
#   Scripts/demo.sh [MODEL_DIR]      (default: models/reviews)
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
model=${1:-"$ROOT/models/reviews"}
mkdir -p "$(dirname "$model")"

echo "== textclf fit Data/reviews-train.csv -o $model"
"$TEXTCLF" fit "$ROOT/Data/reviews-train.csv" -o "$model" 2>&1
echo
echo "== textclf evaluate $model Data/reviews-test.csv"
"$TEXTCLF" evaluate "$model" "$ROOT/Data/reviews-test.csv"
echo
echo "== textclf predict $model --lines"
printf '%s\n' "质量很好，物流也快，推荐购买" "房间又小又脏，服务态度很差" "这本书还行吧" \
    | "$TEXTCLF" predict "$model" --lines
