#!/usr/bin/env bash
# Builds the self-contained release binaries (textclf and textclf-serve): the Swift standard library and Foundation linked
# statically, no CPU-specific flags (the numeric kernels choose their instruction set at run
# time), symbols stripped, the commit recorded (`textclf --version`). Writes
# dist/textclf-VERSION-linux-ARCH.tar.gz with the binary, README.md, LICENSE and NOTICE (the licences
# of what is linked in). It needs, besides glibc, only libstdc++6 and ICU 72 (libicu72):
# ICU stays a system library (Debian ships its static libraries only with libicu-dev, and the
# ~30 MB of ICU data would then be inside every binary; libicu72 is in every Debian 12).
#   Scripts/package.sh            → prints the archive's path
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_icu
cd "$ROOT"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
echo "Building the release binary (static Swift runtime, commit $commit)..." >&2
swift build -c release --static-swift-stdlib --scratch-path .build-static \
    -Xcc "-DTEXTCLF_COMMIT=\"$commit\"" -Xcc -fno-math-errno 2>&1 | grep -E 'error|Build' | tail -2 >&2
binary=".build-static/release/textclf"
version=$("$binary" --version | cut -d' ' -f1)
arch=$(uname -m)
name="textclf-$version-linux-$arch"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" dist
cp "$binary" "$stage/$name/textclf"
cp ".build-static/release/textclf-serve" "$stage/$name/textclf-serve"
strip "$stage/$name/textclf" "$stage/$name/textclf-serve"
cp README.md LICENSE "$stage/$name/"
cat > "$stage/$name/NOTICE" <<NOTICE
textclf $version ($commit), built $(date -u +%Y-%m-%d) for linux-$arch.

Runs on Debian 12 (bookworm) or newer with: libc6, libstdc++6, libicu72
(apt-get install libicu72). No Swift toolchain is needed.

Linked in statically:
- The Swift standard library, Foundation and Dispatch (swift.org), Apache License 2.0 with
  the Runtime Library Exception: https://swift.org/LICENSE.txt
- swift-argument-parser (Apple Inc.), Apache License 2.0.
- In textclf-serve: Hummingbird (the Hummingbird authors), SwiftNIO, swift-nio-extras,
  swift-log, swift-metrics, swift-collections, swift-atomics, swift-async-algorithms,
  swift-http-types, swift-distributed-tracing, swift-service-context, swift-system
  (Apple Inc.), swift-service-lifecycle and swift-prometheus (the Swift Server Workgroup),
  all Apache License 2.0.
Used as a system library: ICU (Unicode, Inc.), the Unicode License v3.
NOTICE
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "$ROOT/dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1))" >&2
echo "$ROOT/dist/$name.tar.gz"
