#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer (the parallel kernels and the
# multi-threaded tokenizer included), each in its own build folder.
#   Scripts/sanitize.sh [address|thread]…      (default: both)
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT"
kinds=("$@"); [ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
for kind in "${kinds[@]}"; do
    echo "== swift test --sanitize=$kind" >&2
    swift test -c release --enable-testable-imports --sanitize="$kind" --scratch-path ".build-$kind" \
        "${SWIFT_NATIVE_FLAGS[@]}" 2>&1 | grep -E 'error|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|SUMMARY|Test run|passed after|failed' | grep -v '^✔ Test [a-z]' || true
done
