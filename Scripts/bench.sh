#!/usr/bin/env bash
# Speed benchmark: textclf on this machine, and with --compare-keras the same measurements in
# Keras/TensorFlow (+ jieba for Chinese) in the same run, with ratios.
#   Scripts/bench.sh [--compare-keras] [--compare-fasttext] [--scale N,N,…] [--repeats R] [--json FILE]
# --compare-fasttext: the default fits against fastText (PyPI fasttext, 2 threads, epoch 25,
# lr 0.5) fed the same wordchar tokens (Scripts/keras-reference/bench_fasttext.py): wall time
# with tokenizing, held-out accuracy, model size, and both sides' quantized models.
# --scale: Scripts/bench-scale.sh on N generated headlines each (one epoch of the default
# fit: samples/s, seconds, peak RSS; with --compare-fasttext, fastText on the same tokens);
# --repeats R runs both R times in turn and gives the medians and ranges (a noisy machine's
# single run can be far from its typical speed).
# Measures: tokenizer MB/s on Data/reviews-train.csv; training samples/s at batch 32 and 128
# on the seed shapes (vocabulary 1000, length 100, embedding 64, LSTM 64, random sequences);
# prediction samples/s (model only, batch 256); the same training (batch 32) and prediction
# with a 10-class softmax head; BiLSTM training (batch 32); the default multi-class model (bag
# of wordchar n-grams, 294k embedding rows) trained on the THUCNews headlines and the default
# binary model (100,000 rows, dropout 0.3 after the embedding) on the reviews (batch 32,
# median of 3 epochs; Keras gets the
# same tokens from `textclf tokenize --tokens wordchar`); `textclf predict` texts/s end to end on 100,000 review lines
# with the seed LSTM and with the default binary model (Keras: its jieba + LSTM pipeline for
# both; with --compare-fasttext also fastText + jieba in Python on the same lines);
# one-line latency (process start to printed label); peak RSS of each.
set -euo pipefail
source "$(dirname "$0")/common.sh"
compare=0 json_out="" fasttext=0 scale="" repeats=1
while [ $# -gt 0 ]; do
    case $1 in
        --compare-keras) compare=1 ;;
        --compare-fasttext) fasttext=1 ;;
        --scale) scale=$2; shift ;;
        --repeats) repeats=$2; shift ;;
        --json) json_out=$2; shift ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "error: --repeats must be a whole number ≥ 1, not '$repeats'" >&2; exit 64; }
command -v python3 >/dev/null || { echo "error: python3 is needed to prepare the data and print the table" >&2; exit 1; }
build_release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 100,000 lines: the training reviews repeated, newlines inside texts made spaces.
python3 - "$ROOT/Data/reviews-train.csv" "$work/lines.txt" <<'PY'
import csv, sys
texts = [r["text"].replace("\r", " ").replace("\n", " ") for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline=""))]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i in range(100000):
        f.write(texts[i % len(texts)] + "\n")
PY

# measure NAME COMMAND…: runs it under /usr/bin/time, keeps its JSON output and peak RSS; a
# failing command stops the benchmark with what it said (no empty figures in the report).
measure() {
    local name=$1; shift
    echo "  $name" >&2
    if ! /usr/bin/time -f "%M %e" -o "$work/$name.time" "$@" > "$work/$name.json" 2> "$work/$name.err"; then
        echo "error: $name failed ($*):" >&2
        tail -20 "$work/$name.err" >&2
        exit 1
    fi
}

echo "textclf:" >&2
measure textclf_tokenize "$TEXTCLF" bench tokenize "$ROOT/Data/reviews-train.csv"
measure textclf_train32 "$TEXTCLF" bench train --batch-size 32
measure textclf_train128 "$TEXTCLF" bench train --batch-size 128
measure textclf_predict "$TEXTCLF" bench predict --batch-size 256
measure textclf_train32c10 "$TEXTCLF" bench train --batch-size 32 --classes 10
measure textclf_predictc10 "$TEXTCLF" bench predict --batch-size 256 --classes 10
measure textclf_train32bilstm "$TEXTCLF" bench train --batch-size 32 --encoder bilstm
# The default multi-class fit, 4 epochs: the median samples/s of epochs 2-4 (the first warms up), as JSON.
cat > "$work/fit-speed.sh" <<'SH'
"$1" fit "$2" -o "$3" --epochs 4 --validation-split 0 --patience 0 2> "$3.log" >/dev/null || { cat "$3.log" >&2; exit 1; }
speed=$(tr '\r' '\n' < "$3.log" | sed -n 's/^Epoch [234] .* - \([0-9]*\) samples\/s .*/\1/p' | sort -n | sed -n 2p)
[ -n "$speed" ] || { echo "no epoch speeds in fit's output:" >&2; cat "$3.log" >&2; exit 1; }
echo "{\"samples_per_second\": $speed}"
SH
measure textclf_bagtopics sh "$work/fit-speed.sh" "$TEXTCLF" "$ROOT/Data/thucnews-train.csv" "$work/topics"
measure textclf_bagreviews sh "$work/fit-speed.sh" "$TEXTCLF" "$ROOT/Data/reviews-train.csv" "$work/reviews"
fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/model" --epochs 1 --num-words 1000 --validation-split 0 --encoder lstm
measure textclf_e2e "$TEXTCLF" predict "$work/model" "$work/lines.txt" --lines
fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/default-model"
measure textclf_e2edefault "$TEXTCLF" predict "$work/default-model" "$work/lines.txt" --lines
: > "$work/textclf_e2edefault.json"  # the labels printed, not figures
: > "$work/textclf_e2e.json"  # the labels printed, not figures
for i in 1 2 3 4 5; do
    /usr/bin/time -f "%e" -a -o "$work/textclf_latency.times" sh -c "echo 质量很好，推荐购买 | '$TEXTCLF' predict '$work/model' --lines >/dev/null"
done

if [ $compare -eq 1 ]; then
    py=$("$ROOT/Scripts/keras-reference/setup-venv.sh")
    kb="$ROOT/Scripts/keras-reference/bench_keras.py"
    echo "Keras/TensorFlow:" >&2
    measure keras_tokenize "$py" "$kb" segment "$ROOT/Data/reviews-train.csv"
    measure keras_train32 "$py" "$kb" train 32
    measure keras_train128 "$py" "$kb" train 128
    measure keras_predict "$py" "$kb" predict
    measure keras_train32c10 "$py" "$kb" train 32 10
    measure keras_predictc10 "$py" "$kb" predict 10
    measure keras_train32bilstm "$py" "$kb" train 32 2 bilstm
    python3 -c "import csv,sys; [print(' '.join(r['text'].split())) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8', newline=''))]" \
        "$ROOT/Data/thucnews-train.csv" | "$TEXTCLF" tokenize --tokens wordchar > "$work/topics-wordchar.txt"
    measure keras_bagtopics "$py" "$kb" bag "$ROOT/Data/thucnews-train.csv" "$work/topics-wordchar.txt"
    python3 -c "import csv,sys; [print(' '.join(r['text'].split())) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8', newline=''))]" \
        "$ROOT/Data/reviews-train.csv" | "$TEXTCLF" tokenize --tokens wordchar > "$work/reviews-wordchar.txt"
    measure keras_bagreviews "$py" "$kb" bag "$ROOT/Data/reviews-train.csv" "$work/reviews-wordchar.txt" 100000 700 0.3
    "$py" "$kb" save "$work/keras-model" "$ROOT/Data/reviews-train.csv" >/dev/null
    measure keras_e2e "$py" "$kb" e2e "$work/keras-model" "$work/lines.txt"
    for i in 1 2 3; do
        /usr/bin/time -f "%e" -a -o "$work/keras_latency.times" "$py" "$kb" latency "$work/keras-model" >/dev/null
    done
fi

if [ $fasttext -eq 1 ] || [ -n "$scale" ]; then
    cpu_line="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo no AVX-512)"
fi
if [ $fasttext -eq 1 ]; then
    py=$("$ROOT/Scripts/keras-reference/setup-venv.sh")
    fb="$ROOT/Scripts/keras-reference/bench_fasttext.py"
    echo "textclf and fastText, default fits ($cpu_line):" >&2
    {
        echo "| job | textclf: wall s / accuracy / model MB | quantized: accuracy / MB | fastText: wall s / accuracy / model MB | quantized: accuracy / MB |"
        echo "|---|---|---|---|---|"
        for job in "topics thucnews-train thucnews-dev" "reviews reviews-train reviews-test"; do
            set -- $job
            /usr/bin/time -f "%e" -o "$work/fit-$1.time" "$TEXTCLF" fit "$ROOT/Data/$2.csv" -o "$work/fit-$1" 2> "$work/fit-$1.log" \
                || { echo "error: textclf fit on $2 failed:" >&2; tail -20 "$work/fit-$1.log" >&2; exit 1; }
            acc=$("$TEXTCLF" evaluate "$work/fit-$1" "$ROOT/Data/$3.csv" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['report']['accuracy'])")
            "$TEXTCLF" quantize "$work/fit-$1" -o "$work/fit-$1-q" 2> "$work/quantize-$1.log" \
                || { echo "error: textclf quantize failed:" >&2; cat "$work/quantize-$1.log" >&2; exit 1; }
            qacc=$("$TEXTCLF" evaluate "$work/fit-$1-q" "$ROOT/Data/$3.csv" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['report']['accuracy'])")
            ft=$("$py" "$fb" "$TEXTCLF" "$ROOT/Data/$2.csv" "$ROOT/Data/$3.csv" --quantize)
            python3 - "$1" "$(tail -1 "$work/fit-$1.time")" "$acc" "$(du -sb "$work/fit-$1" | cut -f1)" "$qacc" \
                "$(du -sb "$work/fit-$1-q" | cut -f1)" "$ft" <<'PY'
import json, sys
job, wall, acc, size, qacc, qsize, ft = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), json.loads(sys.argv[7])
print(f"| {job} | {wall:.1f} / {acc:.4f} / {size/1e6:.1f} | {qacc:.4f} / {qsize/1e6:.1f} | "
      f"{ft['seconds']:.1f} / {ft['accuracy']:.4f} / {ft['model_bytes']/1e6:.1f} | {ft['quantized_accuracy']:.4f} / {ft['quantized_bytes']/1e6:.1f} |")
PY
        done
        ft=$("$py" "$fb" --e2e "$ROOT/Data/reviews-train.csv" "$work/lines.txt")
        python3 - "$(tail -1 "$work/textclf_e2edefault.time")" "$ft" <<'PY'
import json, sys
ours, ft = 100000 / float(sys.argv[1].split()[-1]), json.loads(sys.argv[2])
print(f"\nLabelling 100,000 review lines end to end: textclf predict with the default binary model "
      f"{ours:,.0f} texts/s; fastText + jieba in Python (fastText.predict on jieba's words, batches of 512) "
      f"{ft['texts_per_second']:,.0f} texts/s; ratio {ours / ft['texts_per_second']:.1f}×")
PY
    } > "$work/fasttext.md"
fi
if [ -n "$scale" ]; then
    TEXTCLF="$TEXTCLF" bash "$ROOT/Scripts/bench-scale.sh" --repeats "$repeats" $( [ $fasttext -eq 1 ] || echo --no-fasttext ) \
        "$scale" > "$work/scale.md"
fi

python3 - "$work" "$compare" "$json_out" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" <<'PY'
import json, os, statistics, sys
work, compare, json_out, cores, cpu = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4], sys.argv[5]

def load(name):
    path = os.path.join(work, name + ".json")
    text = open(path).read().strip() if os.path.exists(path) else ""
    data = json.loads(text) if text else {}
    rss, wall = open(os.path.join(work, name + ".time")).read().split()[-2:]
    data["peak_rss_mb"] = int(rss) / 1024
    data["wall_seconds"] = float(wall)
    return data

def latency(name):
    times = [float(t) for t in open(os.path.join(work, name + ".times")).read().split()]
    return statistics.median(times) * 1000

results = {"machine": {"cores": int(cores), "cpu": cpu}, "textclf": {}, "keras": {}}
sides = ["textclf"] + (["keras"] if compare else [])
for side in sides:
    for m in ["tokenize", "train32", "train128", "predict", "train32c10", "predictc10", "train32bilstm", "bagtopics", "bagreviews", "e2e"]:
        results[side][m] = load(f"{side}_{m}")
    # textclf's default binary model against the Keras + jieba pipeline of the seed example.
    results[side]["e2edefault"] = load(f"{side}_e2edefault") if side == "textclf" else results[side]["e2e"]
    for m in ["e2e", "e2edefault"]:
        results[side][m].setdefault("texts_per_second", 100000 / results[side][m]["wall_seconds"])
    results[side]["latency_ms"] = latency(f"{side}_latency")

rows = [
    ("tokenizer MB/s, 1 thread (jieba for Keras)", lambda r: r["tokenize"]["megabytes_per_second_1_thread"], True),
    ("training samples/s, batch 32", lambda r: r["train32"]["samples_per_second"], True),
    ("training samples/s, batch 128", lambda r: r["train128"]["samples_per_second"], True),
    ("prediction samples/s, model only, batch 256", lambda r: r["predict"]["samples_per_second"], True),
    ("10 classes: training samples/s, batch 32", lambda r: r["train32c10"]["samples_per_second"], True),
    ("10 classes: prediction samples/s, batch 256", lambda r: r["predictc10"]["samples_per_second"], True),
    ("BiLSTM: training samples/s, batch 32", lambda r: r["train32bilstm"]["samples_per_second"], True),
    ("default multi-class fit (bag of wordchar n-grams, THUCNews): training samples/s", lambda r: r["bagtopics"]["samples_per_second"], True),
    ("default binary fit (bag of wordchar n-grams, reviews): training samples/s", lambda r: r["bagreviews"]["samples_per_second"], True),
    ("predict end to end, texts/s (100,000 lines)", lambda r: r["e2e"]["texts_per_second"], True),
    ("predict end to end, default binary model (bag of wordchar n-grams), texts/s", lambda r: r["e2edefault"]["texts_per_second"], True),
    ("one-line latency, ms (start to label)", lambda r: r["latency_ms"], False),
    ("peak RSS training batch 32, MB", lambda r: r["train32"]["peak_rss_mb"], False),
    ("peak RSS predict end to end, MB", lambda r: r["e2e"]["peak_rss_mb"], False),
]
kernel = results["textclf"]["train32"].get("kernel", "?")
print(f"Machine: {cores} cores, {cpu}, {'AVX-512' if 'avx512' in open('/proc/cpuinfo').read() else 'no AVX-512'}; textclf kernel path: {kernel}")
header = "| measurement | textclf |" + (" Keras/TF | ratio |" if compare else "")
print(header)
print("|---|---:|" + ("---:|---:|" if compare else ""))
for label, get, higher_better in rows:
    ours = get(results["textclf"])
    line = f"| {label} | {ours:,.1f} |" if ours < 100 else f"| {label} | {ours:,.0f} |"
    if compare:
        theirs = get(results["keras"])
        ratio = ours / theirs if higher_better else theirs / ours
        line += (f" {theirs:,.1f} |" if theirs < 100 else f" {theirs:,.0f} |") + f" {ratio:.1f}× |"
    print(line)
if compare:
    print("(ratio: how many times better textclf is; for latency and memory, Keras's figure over textclf's)")
t = results["textclf"]
print("textclf 10 classes / binary: training %.3f, prediction %.3f" % (
    t["train32c10"]["samples_per_second"] / t["train32"]["samples_per_second"],
    t["predictc10"]["samples_per_second"] / t["predict"]["samples_per_second"]))
print("textclf BiLSTM / LSTM time per epoch: %.2f" % (t["train32"]["samples_per_second"] / t["train32bilstm"]["samples_per_second"]))
print(f"textclf 2-thread tokenizer: {results['textclf']['tokenize']['megabytes_per_second_all_threads']:.1f} MB/s")
if json_out:
    with open(json_out, "w") as f:
        json.dump(results, f, indent=1)
PY
if [ $fasttext -eq 1 ]; then echo; echo "Default fits against fastText on the same tokens:"; cat "$work/fasttext.md"; fi
if [ -n "$scale" ]; then echo; echo "Scale:"; cat "$work/scale.md"; fi
