#!/usr/bin/env bash
# The Python package against the binary it carries, in one run on this machine:
#   1. labelling 100,000 review lines (the training reviews repeated, as Scripts/bench.sh):
#      `textclf predict MODEL lines.txt --lines` against `textclf.load(MODEL).predict(lines)` in
#      a fresh interpreter (each opening the model), texts/s and the ratio, with the Python
#      process's peak RSS; three interleaved runs, medians;
#   2. Scripts/fasttext-script.py on the topics in fastText's format, run as written (PyPI's
#      fasttext 0.9.3) and with its import changed to textclf.fasttext: accuracy and time.
# Installs the wheel (Scripts/wheel.sh, or the one given) with numpy and fasttext into
# .venv-python. Prints a Markdown block for docs/python.md and docs/from-fasttext.md.
#   Scripts/bench-python.sh [WHEEL]
set -euo pipefail
source "$(dirname "$0")/common.sh"
wheel=${1:-$("$ROOT/Scripts/wheel.sh")}
venv="$ROOT/.venv-python"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel" >&2
# fastText 0.9.3 (archived) calls np.array(copy=False), an error under NumPy 2: pin NumPy 1.
"$venv/bin/pip" install -q "numpy<2" "fasttext==0.9.3" >&2
py="$venv/bin/python"
binary=$("$py" -c "import textclf._binary as b; print(b.executable())")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$ROOT" "$work" <<'PY'
import csv, sys
root, work = sys.argv[1:3]
texts = [r["text"].replace("\r", " ").replace("\n", " ")
         for r in csv.DictReader(open(f"{root}/Data/reviews-train.csv", encoding="utf-8-sig", newline=""))]
with open(f"{work}/lines.txt", "w", encoding="utf-8") as f:
    for i in range(100000):
        f.write(texts[i % len(texts)] + "\n")
for name, source in (("train", "thucnews-train"), ("valid", "thucnews-dev")):
    with open(f"{work}/{name}.txt", "w", encoding="utf-8") as f:
        for r in csv.DictReader(open(f"{root}/Data/{source}.csv", encoding="utf-8-sig", newline="")):
            f.write(f"__label__{r['label']} {r['text']}\n")
PY
"$binary" fit "$ROOT/Data/reviews-train.csv" -o "$work/reviews" 2> /dev/null

cat > "$work/predict.py" <<'PY'
import resource, sys, time, textclf
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
start = time.perf_counter()
labels = textclf.load(sys.argv[1]).predict(lines)
seconds = time.perf_counter() - start
print(len(labels), seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
PY
cli=() python=() rss=()
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$binary" predict "$work/reviews" "$work/lines.txt" --lines > "$work/cli.csv"
    cli+=("$(echo "$(date +%s.%N) - $start" | bc)")
    read -r count seconds peak < <("$py" "$work/predict.py" "$work/reviews" "$work/lines.txt")
    [ "$count" = 100000 ] || { echo "error: Python predicted $count texts" >&2; exit 1; }
    python+=("$seconds") rss+=("$peak")
    echo "  run $run: textclf predict ${cli[-1]} s, Python predict $seconds s (peak RSS $peak MB)" >&2
done
fasttext_as_written=$(cd "$work" && "$py" "$ROOT/Scripts/fasttext-script.py" train.txt valid.txt 2>&1 | tail -2)
sed '0,/^import fasttext$/s//import textclf.fasttext as fasttext/' "$ROOT/Scripts/fasttext-script.py" > "$work/textclf-script.py"
changed=$(diff "$ROOT/Scripts/fasttext-script.py" "$work/textclf-script.py" | grep -c '^[<>]' || true)
[ "$changed" = 2 ] || { echo "error: the script changed beyond its import ($changed lines)" >&2; exit 1; }
fasttext_textclf=$(cd "$work" && "$py" "$work/textclf-script.py" train.txt valid.txt 2>&1 | grep -v Warning | tail -2)

python3 - "${cli[*]}" "${python[*]}" "${rss[*]}" "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)$(grep -q avx512f /proc/cpuinfo && echo ', AVX-512')" \
    "$(basename "$wheel")" "$(stat -c %s "$wheel")" "$fasttext_as_written" "$fasttext_textclf" <<'PY'
import statistics, sys
cli, python, rss = ([float(x) for x in a.split()] for a in sys.argv[1:4])
cpu, wheel, size, as_written, with_textclf = sys.argv[4:9]
c, p = statistics.median(cli), statistics.median(python)
print(f"\nOn {cpu}; {wheel} ({int(size) / 1e6:.1f} MB); default reviews model; 100,000 review lines, "
      "three interleaved runs, medians:\n")
print("| | texts/s | wall s (runs) | peak RSS |")
print("|---|---|---|---|")
print(f"| `textclf predict MODEL lines.txt --lines` | {100000 / c:,.0f} | {c:.2f} ({', '.join(f'{x:.2f}' for x in cli)}) | |")
print(f"| `textclf.load(MODEL).predict(lines)` | {100000 / p:,.0f} | {p:.2f} ({', '.join(f'{x:.2f}' for x in python)}) "
      f"| {statistics.median(rss):.0f} MB (Python) |")
print(f"\nPython / command: {c / p:.2f}× the texts/s.\n")
print("Scripts/fasttext-script.py on the topics in fastText's format (train: Data/thucnews-train.csv, test: Data/thucnews-dev.csv):\n")
print("as written (fasttext 0.9.3):\n    " + as_written.replace("\n", "\n    "))
print("import changed to textclf.fasttext:\n    " + with_textclf.replace("\n", "\n    "))
PY
