#!/usr/bin/env bash
# Builds the DocC documentation of the TextClassification library (the catalog in
# Sources/TextClassification/TextClassification.docc and every public symbol's comments) and
# fails if a symbol link is broken or a doc comment's parameter list leaves one out, so the
# documentation cannot rot. Output: OUT_DIR
# (default .build/docs), a static site (`--transform-for-static-hosting`).
#   Scripts/docs.sh [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT"
out=${1:-"$ROOT/.build/docs"}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "Building the documentation (swift package generate-documentation)..." >&2
swift package --allow-writing-to-directory "$out" generate-documentation --target TextClassification \
    --output-path "$out" --transform-for-static-hosting > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
broken=$(grep -c "doesn't exist at" "$log" || true)
missing=$(grep -c "is missing documentation" "$log" || true)
if [ "$broken" -gt 0 ]; then
    grep -A4 "doesn't exist at" "$log" >&2
    echo "error: $broken broken symbol link(s) in the documentation" >&2
    exit 1
fi
if [ "$missing" -gt 0 ]; then
    grep -A4 "is missing documentation" "$log" >&2
    echo "error: $missing parameter(s) without a description in a doc comment that lists parameters" >&2
    exit 1
fi
echo "documentation built into $out (every listed parameter described; no broken links)"
