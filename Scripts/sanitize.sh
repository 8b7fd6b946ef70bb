#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer (the parallel kernels and the
# multi-threaded tokenizer included), each in its own build folder (.build-address,
# .build-thread). Full logs go to .build-KIND/sanitizer.log; a summary is printed.
#   Scripts/sanitize.sh [address|thread]…      (default: both)
set -uo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT"
kinds=("$@"); [ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
status=0
for kind in "${kinds[@]}"; do
    log=".build-$kind/sanitizer.log"
    mkdir -p ".build-$kind"
    echo "== swift test --sanitize=$kind (log: $log)" >&2
    LSAN_OPTIONS="suppressions=$ROOT/Scripts/lsan.supp" \
    swift test -c release --enable-testable-imports --sanitize="$kind" --scratch-path ".build-$kind" \
        "${SWIFT_NATIVE_FLAGS[@]}" > "$log" 2>&1
    code=$?
    reports=$(grep -cE 'WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer' "$log")
    echo "$kind: $(grep -E 'Test run with' "$log" | tail -1 | sed 's/^[^T]*//') — $reports sanitizer report(s), exit $code"
    [ $code -eq 0 ] && [ "$reports" -eq 0 ] || status=1
done
exit $status
