#!/usr/bin/env bash
# How fast a saved model opens, and what two processes on one model cost (docs/performance.md,
# "Opening a model"). Fits the default topics and reviews models, quantizes them, then:
# - one-line latency: `textclf predict MODEL --lines` on one line, process start to printed
#   label, median of 10 (each model, float and quantized);
# - sharing: two `predict` processes holding the same model open (waiting on their input),
#   their PSS summed against the RSS of one alone (/proc/PID/smaps_rollup).
#   TEXTCLF=BINARY Scripts/bench-open.sh    (default: the release build, built if needed)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
if [ -z "${TEXTCLF:-}" ]; then build_release; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "binary: $TEXTCLF ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores)"

"$TEXTCLF" fit Data/thucnews-train.csv -o "$work/topics" >/dev/null 2>&1
"$TEXTCLF" fit Data/reviews-train.csv -o "$work/reviews" >/dev/null 2>&1
"$TEXTCLF" quantize "$work/topics" -o "$work/topics-quantized" >/dev/null 2>&1
"$TEXTCLF" quantize "$work/reviews" -o "$work/reviews-quantized" >/dev/null 2>&1
echo "北京时间昨晚，湖人队以一分险胜" > "$work/one.txt"

printf '%-20s %10s %12s %12s\n' model "latency ms" "RSS one MB" "PSS two MB"
for model in topics topics-quantized reviews reviews-quantized; do
    times=()
    for _ in $(seq 10); do
        start=${EPOCHREALTIME/[.,]/}  # microseconds; bash 5, no process started
        "$TEXTCLF" predict "$work/$model" --lines < "$work/one.txt" > /dev/null
        end=${EPOCHREALTIME/[.,]/}
        times+=($(( 10#$end - 10#$start )))
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5,6p | awk '{s += $1} END {printf "%.1f", s / 2000}')
    # Processes that opened the model and wait for their first line on a FIFO.
    memory() {  # FIELD PID…: the field of smaps_rollup summed over the processes, in MB
        local field=$1; shift
        for pid in "$@"; do awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/smaps_rollup"; done |
            awk '{s += $1} END {printf "%.1f", s / 1024}'
    }
    opened() {  # PID: waits until the process has the model's weights mapped (a load reads them whole)
        for _ in $(seq 300); do grep -q model.safetensors "/proc/$1/maps" 2>/dev/null && break; sleep 0.01; done
        sleep 0.3
    }
    mkfifo "$work/fifo-a" "$work/fifo-b"
    "$TEXTCLF" predict "$work/$model" --lines < "$work/fifo-a" > /dev/null & one=$!
    exec 7> "$work/fifo-a"
    opened "$one"; rss_one=$(memory Rss "$one")
    "$TEXTCLF" predict "$work/$model" --lines < "$work/fifo-b" > /dev/null & two=$!
    exec 8> "$work/fifo-b"
    opened "$two"; pss_two=$(memory Pss "$one" "$two")
    exec 7>&- 8>&-
    wait "$one" "$two" || true
    rm -f "$work"/fifo-*
    printf '%-20s %10s %12s %12s\n' "$model" "$median" "$rss_one" "$pss_two"
done

# A server reload of the topics model (POST /v1/models/topics/reload, 10 times): the load time
# the server logs, median. The server reads models into memory (docs/model-format.md).
if [ -x "$(dirname "$TEXTCLF")/textclf-serve" ]; then
    openssl rand -hex 32 > "$work/token"
    "$TEXTCLF" serve --model "topics=$work/topics" --port 0 --admin-token-file "$work/token" > "$work/server.log" 2>&1 &
    server=$!
    wait_for_server "$work/server.log" "$server" /readyz
    for _ in $(seq 10); do
        curl -sf -X POST -H "Authorization: Bearer $(cat "$work/token")" "http://127.0.0.1:$port/v1/models/topics/reload" > /dev/null
    done
    kill "$server"; wait "$server" 2>/dev/null || true
    grep -o 'model topics loaded from .* in [0-9.e-]* seconds' "$work/server.log" | tail -10 | awk '{print $(NF - 1) * 1000}' |
        sort -n | sed -n 5,6p | awk '{s += $1} END {printf "server reload, topics: %.1f ms (median of 10)\n", s / 2}'
fi
