#!/usr/bin/env bash
# Training at scale against fastText: for each N, a file of N generated headlines
# (Scripts/make-scale-data.sh: every row differs, so the vocabulary grows with N); the default
# `textclf fit FILE --epochs 1` (streamed, bounded vocabulary: what a user runs), and fastText
# (PyPI, 2 threads, lr 0.5, wordNgrams 1) on the same wordchar tokens, which it is given
# already made (Scripts/keras-reference/bench_fasttext.py). --repeats R runs the two in turn R
# times and gives medians and ranges. Run it on a quiet machine: only ratios within one run
# compare.
#   Scripts/bench-scale.sh [--repeats R] [--fasttext-epochs E] [--no-fasttext] N[,N…]
# Columns: textclf's epoch samples/s (the training rows over the epoch's seconds, reading and
# tokenizing its file included), the whole fit's seconds (the passes before training, the
# epoch, the save), its peak RSS; fastText's samples/s per epoch (rows × E over its training
# seconds, its own reading of the token file included; E = 5 by default), its training
# seconds, its peak RSS. fastText's tokens are made by `textclf tokenize` beforehand, outside
# its figures.
set -euo pipefail
source "$(dirname "$0")/common.sh"
repeats=1 ft_epochs=5 fasttext=1 sizes=""
while [ $# -gt 0 ]; do
    case $1 in
        --repeats) repeats=$2; shift ;;
        --fasttext-epochs) ft_epochs=$2; shift ;;
        --no-fasttext) fasttext=0 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
        *) sizes=$1 ;;
    esac
    shift
done
[ -n "$sizes" ] || { echo "usage: Scripts/bench-scale.sh [--repeats R] [--fasttext-epochs E] [--no-fasttext] N[,N…]" >&2; exit 64; }
for v in "$repeats" "$ft_epochs" ${sizes//,/ }; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "error: '$v' is not a whole number ≥ 1" >&2; exit 64; }
done
[ -n "${TEXTCLF:-}" ] || build_release
if [ $fasttext -eq 1 ]; then
    py=$("$ROOT/Scripts/keras-reference/setup-venv.sh")
    fb="$ROOT/Scripts/keras-reference/bench_fasttext.py"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The median of the figures given, with their range when there are several: "39128 (28902–49320)".
spread() {
    python3 -c 'import statistics, sys; v = [float(x) for x in sys.argv[1:]]; m = statistics.median(v); print(round(m), "" if len(v) == 1 else "(%d–%d)" % (min(v), max(v)))' "$@"
}

echo "Scale ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo no AVX-512); textclf $("$TEXTCLF" --version 2>/dev/null | head -1)):"
echo "| rows | textclf epoch samples/s | textclf fit s | textclf peak RSS MB | fastText samples/s per epoch ($ft_epochs epochs) | fastText training s | fastText peak RSS MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in ${sizes//,/ }; do
    echo "generating $n rows…" >&2
    bash "$ROOT/Scripts/make-scale-data.sh" "$n" "$work/scale.csv" 2> "$work/scale-data.log" \
        || { cat "$work/scale-data.log" >&2; exit 1; }
    speeds="" seconds="" rss=0 ft_speeds="" ft_seconds="" ft_rss=0
    for r in $(seq "$repeats"); do  # the two sides in turn, so that a slow spell hits both
        echo "  $n rows, run $r: textclf" >&2
        rm -rf "$work/model"
        /usr/bin/time -f "%M %e" -o "$work/fit.time" "$TEXTCLF" fit "$work/scale.csv" -o "$work/model" --epochs 1 \
            2> "$work/fit.log" >/dev/null || { tail "$work/fit.log" >&2; exit 1; }
        speed=$(tr '\r' '\n' < "$work/fit.log" | sed -n 's/^Epoch 1 - .* - \([0-9]*\) samples\/s .*/\1/p' | tail -1)
        [ -n "$speed" ] || { echo "error: no epoch line in textclf's output:" >&2; tail "$work/fit.log" >&2; exit 1; }
        read -r kb wall < "$work/fit.time"
        speeds="$speeds $speed" seconds="$seconds $wall"
        rss=$(( kb * 1024 / 1000000 > rss ? kb * 1024 / 1000000 : rss ))
        if [ $fasttext -eq 1 ]; then
            echo "  $n rows, run $r: fastText" >&2
            ft=$(/usr/bin/time -f "%M" -o "$work/ft.time" "$py" "$fb" "$TEXTCLF" "$work/scale.csv" "$ROOT/Data/thucnews-dev.csv" \
                --epoch "$ft_epochs")
            ft_speeds="$ft_speeds $(echo "$ft" | python3 -c "import json,sys; print(round(json.load(sys.stdin)['samples_per_second']))")"
            ft_seconds="$ft_seconds $(echo "$ft" | python3 -c "import json,sys; print(round(json.load(sys.stdin)['train_seconds'], 1))")"
            kb=$(tail -1 "$work/ft.time")
            ft_rss=$(( kb * 1024 / 1000000 > ft_rss ? kb * 1024 / 1000000 : ft_rss ))
        fi
    done
    line="| $n | $(spread $speeds) | $(spread $seconds) | $rss |"
    if [ $fasttext -eq 1 ]; then line="$line $(spread $ft_speeds) | $(spread $ft_seconds) | $ft_rss |"; else line="$line - | - | - |"; fi
    echo "$line"
    rm -rf "$work/model" "$work/scale.csv"
done
