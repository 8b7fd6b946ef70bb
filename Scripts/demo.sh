#!/usr/bin/env bash
# The main job on the shipped data, from a fresh machine: build in release, then
#  1. binary: train on the reviews, evaluate on the held-out test split, label a few texts;
#  2. multi-class: train on 10,000 news headlines (10 topics), evaluate on 10,000 others,
#     label a few headlines with their top 3 topics;
#  3. multi-label: train on the first 450 DuEE event sentences, evaluate on the other 109,
#     tag a few sentences. The set is small (405 training rows for 34 labels, most rare):
#     balanced class weights lift the rare labels (micro F1 0.678 → 0.760 on the other 109).
#   Scripts/demo.sh [MODEL_DIR]      (default: models/reviews; the others go beside it)
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
model=${1:-"$ROOT/models/reviews"}
models=$(dirname "$model")
mkdir -p "$models"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== textclf fit Data/reviews-train.csv -o $model"
"$TEXTCLF" fit "$ROOT/Data/reviews-train.csv" -o "$model" 2>&1
echo
echo "== textclf evaluate $model Data/reviews-test.csv"
"$TEXTCLF" evaluate "$model" "$ROOT/Data/reviews-test.csv"
echo
echo "== textclf predict $model --lines"
printf '%s\n' "质量很好，物流也快，推荐购买" "房间又小又脏，服务态度很差" "这本书还行吧" \
    | "$TEXTCLF" predict "$model" --lines

echo
echo "== textclf fit Data/thucnews-train.csv -o $models/topics"
"$TEXTCLF" fit "$ROOT/Data/thucnews-train.csv" -o "$models/topics" 2>&1
echo
echo "== textclf evaluate $models/topics Data/thucnews-dev.csv"
"$TEXTCLF" evaluate "$models/topics" "$ROOT/Data/thucnews-dev.csv"
echo
echo "== textclf predict $models/topics --lines --top-k 3"
printf '%s\n' "央行宣布下调存款准备金率0.5个百分点" "湖人加时险胜勇士 詹姆斯砍下40分" "新款手游公测首日玩家破百万" \
    | "$TEXTCLF" predict "$models/topics" --lines --top-k 3

echo
# DuEE: 559 sentences; the first 450 to train, the other 109 held out.
head -n 451 "$ROOT/Data/duee-multilabel.csv" > "$work/events-train.csv"
{ head -n 1 "$ROOT/Data/duee-multilabel.csv"; tail -n +452 "$ROOT/Data/duee-multilabel.csv"; } > "$work/events-test.csv"
events_options=(--label-column labels --multi-label --class-weight balanced)
echo "== textclf fit events-train.csv -o $models/events ${events_options[*]}   (first 450 DuEE rows)"
# (the per-label row counts and class weights are cut short here)
"$TEXTCLF" fit "$work/events-train.csv" -o "$models/events" "${events_options[@]}" 2>&1 \
    | awk '/^  / { if (++n == 5) print "  …"; if (n > 4) next } /^Class weights/ { split($0, w, ", "); print w[1] ", " w[2] ", " w[3] ", …"; next } { print }'
echo
echo "== textclf evaluate $models/events events-test.csv --label-column labels   (the other 109 rows)"
"$TEXTCLF" evaluate "$models/events" "$work/events-test.csv" --label-column labels | head -n 14
echo
echo "== textclf predict $models/events --lines"
printf '%s\n' "昨晚一辆货车与轿车相撞，造成两人死亡三人受伤。" "该公司宣布裁员3000人，股价应声下跌。" \
    | "$TEXTCLF" predict "$models/events" --lines | cut -d, -f1,2
