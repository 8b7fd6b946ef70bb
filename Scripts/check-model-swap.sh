#!/usr/bin/env bash
# Model swaps are atomic (in CI): one loop keeps replacing the model directory `live` with
# `textclf fit -o live`, alternating a binary model (A) and a three-class one (B), while
# another runs `textclf predict live` RUNS times. Each prediction must succeed and equal A's
# or B's output exactly; a mix (one model's vocabulary with the other's weights) or a failed
# load counts against. Before model swaps became one exchange and loads read through one
# directory handle, 5 of 111 runs printed output matching neither model (issue 25).
#   Scripts/check-model-swap.sh [RUNS (500)]
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs=${1:-500}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 64; }
[ -n "${TEXTCLF:-}" ] || build_release
work=$(mktemp -d)
trap 'touch "$work/stop"; wait 2>/dev/null; rm -rf "$work"' EXIT

# Two small models that disagree: different vocabularies, heads and label names.
printf 'text,label\n这是一段文本。,neg\n这是另一段文本。,pos\n第三段文本。,neg\n好的,pos\n' > "$work/a.csv"
printf 'text,label\n今天的比赛很精彩,sports\n股市今天上涨,finance\n新电影上映了,film\n球队赢了,sports\n' > "$work/b.csv"
printf '这是一段文本。\n今天的比赛\n股市\n好的电影\n' > "$work/texts.txt"
fit() { "$TEXTCLF" fit "$1" -o "$2" --epochs 1 --validation-split 0 --seed 1 >/dev/null 2>"$work/fit.err"; }
fit "$work/a.csv" "$work/model-a" && fit "$work/b.csv" "$work/model-b" \
    || { echo "error: textclf fit failed:" >&2; cat "$work/fit.err" >&2; exit 1; }
"$TEXTCLF" predict "$work/model-a" "$work/texts.txt" --lines > "$work/expected-a"
"$TEXTCLF" predict "$work/model-b" "$work/texts.txt" --lines > "$work/expected-b"
cmp -s "$work/expected-a" "$work/expected-b" && { echo "error: the two models predict alike" >&2; exit 1; }
cp -r "$work/model-a" "$work/live"

# Stopped by a file, not a signal: a parent may have spawned us with signals blocked.
(while [ ! -e "$work/stop" ]; do
    fit "$work/b.csv" "$work/live" || echo "fit failed" >> "$work/writer.err"
    fit "$work/a.csv" "$work/live" || echo "fit failed" >> "$work/writer.err"
done) &
writer=$!

matched_a=0 matched_b=0 mixed=0 failed=0
for ((k = 1; k <= runs; k++)); do
    if "$TEXTCLF" predict "$work/live" "$work/texts.txt" --lines > "$work/out" 2> "$work/err"; then
        if cmp -s "$work/out" "$work/expected-a"; then matched_a=$((matched_a + 1))
        elif cmp -s "$work/out" "$work/expected-b"; then matched_b=$((matched_b + 1))
        else mixed=$((mixed + 1)); cp "$work/out" "$work/mixed-$k"; fi
    else
        failed=$((failed + 1))
        [ "$failed" -le 3 ] && echo "predict failed: $(cat "$work/err")" >&2
    fi
done
touch "$work/stop"
wait "$writer" 2>/dev/null || true
writer=""
echo "check-model-swap: $runs predictions during swaps: $matched_a model A, $matched_b model B, $mixed mixed, $failed failed"
[ -s "$work/writer.err" ] && { echo "error: the writer's fit failed:" >&2; cat "$work/fit.err" >&2; exit 1; }
[ "$mixed" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$matched_a" -gt 0 ] && [ "$matched_b" -gt 0 ] \
    || { echo "error: every prediction must be model A's or model B's, and both must be seen" >&2; exit 1; }
echo "check-model-swap: ok"
