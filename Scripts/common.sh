# Shared by the scripts in Scripts/: set-up and the release build. Source it, don't run it.

# The repository root, whatever directory the script was started from.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# textclf links the system ICU (libicu-dev); install it on a fresh Debian/Ubuntu machine.
ensure_icu() {
    if ! dpkg -s libicu-dev >/dev/null 2>&1; then
        echo "Installing libicu-dev (ICU word segmentation)..." >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq && $sudo apt-get install -y -qq libicu-dev >/dev/null
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift is not on PATH; install the Swift toolchain (swift.org) first." >&2
        exit 1
    fi
}

# The matrix product and the gate non-linearities are C kernels chosen at run time from the
# CPU (Sources/CKernels), so a plain `swift build -c release` is fast too; compiling the rest
# (LSTM gate arithmetic, Adam) for this CPU gains about 4% more on prediction
# (docs/library.md). -fno-math-errno lets Adam's SIMD16 square roots be one instruction.
SWIFT_NATIVE_FLAGS=(-Xswiftc -target-cpu -Xswiftc native -Xcc -fno-math-errno)

# Builds the release binary and sets TEXTCLF to its path. `textclf` only: the server,
# textclf-serve, would more than double the build (docs/serve.md).
build_release() {
    ensure_icu
    echo "Building textclf (release)..." >&2
    (cd "$ROOT" && swift build -c release --product textclf "${SWIFT_NATIVE_FLAGS[@]}" 2>&1 | grep -E 'error|warning: unre|Compiling|Build' | tail -3) >&2
    TEXTCLF="$ROOT/.build/release/textclf"
    [ -x "$TEXTCLF" ] || { echo "error: the build failed" >&2; exit 1; }
}

# Runs `$TEXTCLF fit ARGS…` without its progress lines; if it fails, shows what it said and
# stops the script (a failing fit must not be hidden behind 2>/dev/null).
fit_quietly() {
    local log
    log=$(mktemp)
    if ! "$TEXTCLF" fit "$@" 2> "$log" > /dev/null; then
        echo "error: textclf fit $* failed:" >&2
        tail -20 "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

# make_debian_root ROOT PACKAGES: a minimal Debian 12 root at ROOT (debootstrap, minbase) with
# the comma-separated PACKAGES, from the mirror this machine's apt already uses (no host is
# written into the project). Replaces whatever is at ROOT. Needs root.
make_debian_root() {
    local root=$1 packages=$2 mirror
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    mirror=$( (grep -h -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true) \
             | head -1 | awk '{ print $2 }')
    [ -n "$mirror" ] || { echo "error: no Debian mirror in /etc/apt to make the root from" >&2; exit 1; }
    echo "Making a minimal Debian 12 root in $root (debootstrap, with $packages)..." >&2
    rm -rf "$root"
    debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >/dev/null
}

# wait_for_server LOG PID ROUTE: until the server PID, which logs "on http://127.0.0.1:PORT"
# to LOG, answers ROUTE with 2xx (sets `port`); stops the script with the log if the server
# exits or 20 s pass.
wait_for_server() {
    local log=$1 pid=$2 route=$3
    port=""
    for _ in $(seq 2000); do
        port=$(sed -n 's|.*on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -1)
        [ -n "$port" ] && curl -sf "http://127.0.0.1:$port$route" >/dev/null && return
        kill -0 "$pid" 2>/dev/null || { echo "error: the server stopped:" >&2; cat "$log" >&2; exit 1; }
        sleep 0.01
    done
    echo "error: $route did not answer in 20 s:" >&2; cat "$log" >&2; exit 1
}
