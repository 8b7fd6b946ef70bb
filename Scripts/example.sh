#!/usr/bin/env bash
# Builds Examples/SeedExample, a package depending on textclf by path, with a plain
# `swift build -c release` (no flags, as any package depending on the library gets) and runs it.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT/Examples/SeedExample"
echo "Building Examples/SeedExample (plain swift build -c release)..." >&2
swift build -c release 2>&1 | grep -E 'error|Build' | tail -2 >&2
"$(swift build -c release --show-bin-path)/SeedExample"
