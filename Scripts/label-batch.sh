#!/usr/bin/env bash
# Labels every file in a folder with a saved model: one output per input, never touching the
# inputs. A *.csv file needs a header with a "text" column; any other file is one text per
# line. Outputs are CSV (text or id, label, probability), written atomically, as NAME.labels.csv
# (the input's whole name: a.csv and a.txt get a.csv.labels.csv and a.txt.labels.csv).
#   Scripts/label-batch.sh [--jobs N] [--force] MODEL_DIR IN_DIR OUT_DIR
# Runs N files at a time (default 2, one per core). Resumable: an output is only ever renamed
# into place complete, so a rerun skips every input whose output exists and is newer than the
# input and the model (--force relabels all); an interrupted run of many files continues where
# it stopped. Exits non-zero if any file failed.
set -uo pipefail
usage() { echo "usage: $0 [--jobs N] [--force] MODEL_DIR IN_DIR OUT_DIR" >&2; exit 64; }
jobs=2 force=0
while [ $# -gt 0 ]; do
    case $1 in
        --jobs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "error: --jobs needs a whole number of at least 1" >&2; exit 64; }
                jobs=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "error: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -eq 3 ] || usage
model=$1 in_dir=$2 out_dir=$3
[ -d "$model" ] || { echo "error: $model is not a model directory (make one with textclf fit)" >&2; exit 66; }
[ -d "$in_dir" ] || { echo "error: $in_dir is not a directory" >&2; exit 66; }
mkdir -p "$out_dir" || exit 73
in_abs=$(cd "$in_dir" && pwd) out_abs=$(cd "$out_dir" && pwd)
[ "$in_abs" != "$out_abs" ] || { echo "error: OUT_DIR must differ from IN_DIR (inputs are never overwritten)" >&2; exit 64; }

source "$(dirname "$0")/common.sh"
TEXTCLF=${TEXTCLF:-"$ROOT/.build/release/textclf"}
[ -x "$TEXTCLF" ] || build_release

export TEXTCLF model out_abs force
label_one() {
    local input=$1 name output
    name=$(basename "$input")
    output="$out_abs/$name.labels.csv"  # a.csv and a.txt must not share an output
    # Done before (outputs appear only complete) and still current: skip.
    if [ "$force" -eq 0 ] && [ "$output" -nt "$input" ] && [ "$output" -nt "$model/model.safetensors" ]; then
        echo "skipped $name"
        return
    fi
    if [[ "$input" == *.csv ]]; then
        "$TEXTCLF" predict "$model" "$input" -o "$output"
    else
        "$TEXTCLF" predict "$model" "$input" --lines -o "$output"
    fi
    local status=$?
    if [ $status -eq 0 ]; then
        echo "ok $name $(($(wc -l < "$output") - 1))"
    else
        echo "failed $name"
    fi
}
export -f label_one

results=$(find "$in_abs" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z \
    | xargs -0 -r -P "$jobs" -I{} bash -c 'label_one "$1"' _ {})
files=$(grep -c '^ok ' <<<"$results")
rows=$(awk '$1 == "ok" { n += $3 } END { print n + 0 }' <<<"$results")
failed=$(grep -c '^failed ' <<<"$results")
skipped=$(grep -c '^skipped ' <<<"$results")
grep '^failed ' <<<"$results" | sed 's/^failed /failed: /' >&2
echo "labelled $files file(s), $rows text(s) into $out_dir; $skipped already done (skipped); $failed failed"
[ "$failed" -eq 0 ]
