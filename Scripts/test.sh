#!/usr/bin/env bash
# Runs the test suite: installs what a fresh machine lacks, then `swift test` in release
# (numeric code is 10-100x slower in debug; the learning test trains on real reviews).
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT"
# Every temporary file of the run (tests, the commands they start) goes in one directory that
# goes with it, whatever a test forgets or a crash leaves.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/textclf-test.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
swift test -c release --enable-testable-imports "${SWIFT_NATIVE_FLAGS[@]}" "$@"
