#!/usr/bin/env bash
# Fuzzes textclf's parsers with libFuzzer + AddressSanitizer: the CSV reader (and line
# reader), the ICU tokenizer, and the model-directory loader (config, vocabulary JSON,
# safetensors header).
#   Scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET…]
# Seeds are in Fuzz/corpus/TARGET (new inputs found are added to a work copy, not the repo);
# a crashing input is saved as Fuzz/crashes/TARGET/crash-… and the script exits non-zero:
# fix it, then keep it as a test in Tests/ that feeds that input (as
# BadInputTests.emptyModelFiles keeps the one crash found so far) and in Fuzz/corpus/TARGET.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(FuzzCSV FuzzTokenizer FuzzModelLoader)
cd "$ROOT/Fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Building the fuzz targets (release, -sanitize=fuzzer,address)..." >&2
# A failed build must stop here: the targets of an earlier build would still be there, and
# fuzzing them would test old code (an incremental build once failed against moved library
# sources; building again from scratch fixed it).
if ! swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library > "$work/build.log" 2>&1; then
    grep -E 'error' "$work/build.log" | head -20 >&2
    echo "error: the fuzz targets did not build (log above); if the errors name library code that exists, remove Fuzz/.build and run again" >&2
    exit 1
fi
status=0
for target in "${targets[@]}"; do
    lib=".build/release/lib$target.so"
    [ -f "$lib" ] || { echo "error: $lib was not built" >&2; exit 1; }
    # libFuzzer's own main drives the library's LLVMFuzzerTestOneInput.
    clang -fsanitize=fuzzer,address -fuse-ld=lld "$PWD/$lib" -Wl,-rpath,"$PWD/.build/release" \
        -Wl,-rpath,/opt/swift/usr/lib/swift/linux -o "$work/$target" 2>/dev/null
    mkdir -p "$work/corpus-$target" "crashes/$target"
    cp -r "corpus/$target/." "$work/corpus-$target/"
    echo "== $target for ${seconds}s" >&2
    if ! (cd "$work" && "./$target" "corpus-$target" -max_total_time="$seconds" -print_final_stats=1 \
            -artifact_prefix="$ROOT/Fuzz/crashes/$target/" -timeout=10 -rss_limit_mb=4096 2> "$work/$target.log"); then
        status=1
        echo "$target: FOUND A CRASH, see Fuzz/crashes/$target/ and the log below" >&2
        tail -40 "$work/$target.log" >&2
    fi
    runs=$(grep -m1 'stat::number_of_executed_units' "$work/$target.log" | awk '{print $2}')
    rate=$(grep -m1 'stat::average_exec_per_sec' "$work/$target.log" | awk '{print $2}')
    units=$(grep -m1 'stat::new_units_added' "$work/$target.log" | awk '{print $2}')
    echo "$target: ${runs:-?} executions (${rate:-?}/s), ${units:-?} new coverage units, exit $([ $status -eq 0 ] && echo ok || echo crash)"
done
exit $status
