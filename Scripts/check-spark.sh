#!/usr/bin/env bash
# Proves Scripts/spark/label.py for real on one machine (run by CI): installs Java 17 (Debian)
# and pyspark (PyPI, into .venv-spark) if missing, packages the release binary, and runs the
# job in local mode with the binary and a model shipped to the executors:
#   - 200,000 review lines, local[2]: the multiset of (text, label, probability) rows equals a
#     single `textclf predict --lines` run's, every field the same string;
#   - CSV files whose texts hold quoted newlines (multiLine), keyed by id, written as JSON Lines;
#   - the same as Parquet in and Parquet out;
#   - a textclf process killed mid-run (SIGKILL): Spark retries the task, the output is still exact;
#   - bad input: no input files, output present, a corrupt Parquet file, a model missing on the
#     executors, a binary for another architecture: each a clear one-line error, non-zero exit.
# With --measure it also prints texts/s of plain predict, local[1] and local[2] (docs/spark.md figures).
#   Scripts/check-spark.sh [--measure]
set -euo pipefail
source "$(dirname "$0")/common.sh"
measure=false
[ "${1:-}" = "--measure" ] && measure=true

java_major() { java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }'; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
    echo "Installing Java 17 (openjdk-17-jre-headless) for Spark..." >&2
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
venv="$ROOT/.venv-spark"
if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    echo "Installing pyspark into $venv..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q pyspark==3.5.8
fi
command -v pgrep >/dev/null || { apt-get update -qq && apt-get install -y -qq procps >/dev/null; }
export PATH="$venv/bin:$PATH" PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"

build_release
archive=$("$ROOT/Scripts/package.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$archive"
binary=$(ls "$work"/textclf-*/textclf)
rows="$ROOT/Scripts/spark/rows.py"
label() { spark-submit --master "$1" --conf spark.log.level=WARN "$ROOT/Scripts/spark/label.py" --model "$work/model" --binary "$binary" "${@:2}"; }

echo "Training a model with the normal build..." >&2
fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/model" --epochs 1 --seed 3 --encoder lstm

python3 "$rows" lines "$ROOT/Data/reviews-train.csv" "$ROOT/Data/reviews-test.csv" 200000 "$work/lines.txt"
"$TEXTCLF" predict "$work/model" "$work/lines.txt" --lines > "$work/lines.expected.csv"
echo "== 200,000 lines, local[2], CSV out" >&2
label 'local[2]' --input "$work/lines.txt" --lines --output "$work/out-lines" --partitions 8
python3 "$rows" same "$work/lines.expected.csv" "$work/out-lines" csv

python3 "$rows" quoted "$ROOT/Data/reviews-test.csv" "$work/quoted" 2
python3 - "$work/quoted" "$work/quoted.csv" <<'EOF'
import csv, glob, sys   # the two files as one, for the single textclf predict run
with open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    w = csv.writer(out, lineterminator="\n"); w.writerow(["id", "text"])
    for path in sorted(glob.glob(sys.argv[1] + "/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            w.writerows(list(csv.reader(f))[1:])
EOF
newlines=$(python3 -c "import csv,sys; print(sum('\n' in r['text'] for r in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8'))))" "$work/quoted.csv")
"$TEXTCLF" predict "$work/model" "$work/quoted.csv" > "$work/quoted.expected.csv"
echo "== CSV with $newlines quoted newlines in 2 files, local[2], JSON Lines out" >&2
label 'local[2]' --input "$work/quoted" --output "$work/out-quoted" --format jsonl
python3 "$rows" same "$work/quoted.expected.csv" "$work/out-quoted" jsonl

echo "== Parquet in, Parquet out" >&2
python3 - "$work/quoted.csv" "$work/quoted.parquet" <<'EOF'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").getOrCreate(); spark.sparkContext.setLogLevel("ERROR")
spark.read.options(header=True, multiLine=True, escape='"').csv(sys.argv[1]).repartition(3).write.parquet(sys.argv[2])
EOF
label 'local[2]' --input "$work/quoted.parquet" --output "$work/out-parquet" --format parquet
python3 "$rows" same "$work/quoted.expected.csv" "$work/out-parquet" parquet

echo "== a textclf process killed mid-run (local[2,4]: up to 4 attempts per task)" >&2
(   # Kill a textclf predict of the job half a second after it is seen (again if it ended first).
    for _ in $(seq 600); do
        pid=$(pgrep -f "userFiles.*/textclf predict" | head -1 || true)
        if [ -n "$pid" ]; then
            sleep 0.5
            kill -9 "$pid" 2>/dev/null && { echo "killed textclf process $pid" >&2; exit; }
        fi
        sleep 0.1
    done
) &
killer=$!
label 'local[2,4]' --input "$work/lines.txt" --lines --output "$work/out-killed" --partitions 8 2> "$work/killed.log" \
    || { cat "$work/killed.log" >&2; exit 1; }
wait "$killer"
grep -q "Lost task" "$work/killed.log" || { echo "error: no task failed: the kill missed the job" >&2; exit 1; }
grep -m1 "Lost task" "$work/killed.log" | cut -c1-200 >&2
python3 "$rows" same "$work/lines.expected.csv" "$work/out-killed" csv

echo "== bad input" >&2
expect_error() {  # expect_error WORDS -- ARGS: the job fails with one error line containing WORDS
    local words=$1; shift 2
    # spark-submit prints the Python driver's standard error on its standard output.
    if label 'local[2]' "$@" > "$work/bad.log" 2>&1; then
        echo "error: label.py $* succeeded" >&2; exit 1
    fi
    local line
    line=$(grep '^label.py: error: ' "$work/bad.log" || true)
    if [[ "$line" != *"$words"* ]]; then
        echo "error: label.py $* did not say '$words':" >&2; grep -v INFO "$work/bad.log" | tail -20 >&2; exit 1
    fi
    echo "  ${line:0:160}" >&2
}
mkdir -p "$work/empty"
expect_error "no input files" -- --input "$work/empty" --output "$work/o1"
expect_error "already exists; pass --overwrite" -- --input "$work/lines.txt" --lines --output "$work/out-lines"
mkdir -p "$work/corrupt.parquet" && echo "not parquet" > "$work/corrupt.parquet/part-0.parquet"
expect_error "part-0.parquet" -- --input "$work/corrupt.parquet" --output "$work/o2"
expect_error "missing on executor host" -- --input "$work/lines.txt" --lines --output "$work/o3" --no-ship \
    --model "$work/no-such-model"
cp "$binary" "$work/textclf-arm"
printf '\xb7\x00' | dd of="$work/textclf-arm" bs=1 seek=18 conv=notrunc status=none  # ELF e_machine: aarch64
expect_error "built for aarch64" -- --input "$work/lines.txt" --lines --output "$work/o4" --binary "$work/textclf-arm"
label 'local[2]' --input "$work/lines.txt" --lines --output "$work/out-lines" --overwrite 2>/dev/null
python3 "$rows" same "$work/lines.expected.csv" "$work/out-lines" csv

if $measure; then
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)
    echo "== texts/s on 200,000 lines ($cpu, $(nproc) cores)" >&2
    seconds() { local s; s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
    for threads in 1 2; do
        t=$(TEXTCLF_THREADS=$threads seconds "$binary" predict "$work/model" "$work/lines.txt" --lines)
        echo "  textclf predict, $threads thread(s): $(echo "200000 / $t" | bc) texts/s ($t s)" >&2
    done
    for master in 'local[1]' 'local[2]'; do
        t=$(seconds label "$master" --input "$work/lines.txt" --lines --output "$work/m" --overwrite --partitions 8)
        echo "  spark-submit --master $master, whole job incl. start-up: $(echo "200000 / $t" | bc) texts/s ($t s)" >&2
        grep -o 'wrote .* in [0-9.]* s' <(label "$master" --input "$work/lines.txt" --lines --output "$work/m" \
            --overwrite --partitions 8 2>&1) | sed "s/^/  $master labelling stage: /" >&2
    done
fi
echo "spark check passed"
