#!/usr/bin/env bash
# The Python package as users get it: builds the wheel (Scripts/wheel.sh), checks its platform
# tag with auditwheel (PyPI), installs it into a fresh virtual environment with pytest and
# pandas and runs Tests/python; then proves it needs no Swift and no ICU on the machine: a
# minimal Debian 12 root with Python but neither (debootstrap, cached in
# /var/cache/textclf/debian-python-root or under $TEXTCLF_CACHE), a fresh virtual environment
# there, `pip install` of the wheel, and the README's Python quick start run as it is written
# (it trains on Data/thucnews-train.csv and prints a prediction). Needs root (chroot), Debian's
# package registry and PyPI.
#   Scripts/check-python.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
wheel=$("$ROOT/Scripts/wheel.sh")
work=$(mktemp -d)
root="${TEXTCLF_CACHE:-/var/cache/textclf}/debian-python-root"
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    umount "$root/dev" 2>/dev/null || true
    rm -rf "$work" "$root/textclf-check"
}
trap cleanup EXIT

echo "Installing the wheel into a fresh virtual environment..." >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel" pytest pandas auditwheel >&2
"$work/venv/bin/auditwheel" show "$wheel" | tr '\n' ' ' | grep -q "consistent with the following platform tag: \"$(basename "$wheel" .whl | sed 's/.*-py3-none-//')\"" \
    || { echo "error: auditwheel does not agree with the wheel's platform tag:" >&2; "$work/venv/bin/auditwheel" show "$wheel" >&2; exit 1; }
echo "auditwheel agrees with the tag $(basename "$wheel" .whl | sed 's/.*-py3-none-//')"
echo "the console script: $("$work/venv/bin/textclf" --version)"
# From outside the repository, so that the installed package is the one imported.
(cd "$work" && "$work/venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp "$work/pytest" "$ROOT/Tests/python" -s)

# A Debian root with Python and nothing of Swift or ICU.
if [ ! -x "$root/usr/bin/python3" ] || ! chroot "$root" python3 -c "import venv, ensurepip" 2>/dev/null; then
    make_debian_root "$root" python3,python3-venv,ca-certificates
fi
if [ -e "$root/usr/bin/swift" ] || [ -d "$root/usr/lib/swift" ] || ls "$root"/usr/lib/*/libicuuc.so* >/dev/null 2>&1; then
    echo "error: the Python root has Swift or ICU in it" >&2
    exit 1
fi
mkdir -p "$root/textclf-check/Data"
cp "$wheel" "$root/textclf-check/"
cp "$ROOT/Data/thucnews-train.csv" "$root/textclf-check/Data/"
# The quick start: the python block under the README's "Python" heading, as a user copies it.
awk '/^## Python/ { on = 1 } on && /^```python/ { code = 1; next } code && /^```/ { exit } code { print }' \
    "$ROOT/README.md" > "$root/textclf-check/quickstart.py"
[ -s "$root/textclf-check/quickstart.py" ] || { echo "error: no python block under README's '## Python'" >&2; exit 1; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
# pip inside reaches PyPI as this machine's pip does: its index, proxy and certificate bundle.
pip_env=(PIP_DISABLE_PIP_VERSION_CHECK=1)
for name in PIP_INDEX_URL PIP_EXTRA_INDEX_URL HTTP_PROXY HTTPS_PROXY http_proxy https_proxy NO_PROXY no_proxy; do
    [ -n "${!name:-}" ] && pip_env+=("$name=${!name}")
done
certificates=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
if [ -n "$certificates" ] && [ -f "$certificates" ]; then
    cp "$certificates" "$root/textclf-check/certificates.pem"
    pip_env+=(PIP_CERT=/textclf-check/certificates.pem)
fi
echo "In the Debian root (no Swift, no ICU): a fresh venv, pip install $(basename "$wheel"), the README's quick start:"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root "${pip_env[@]}" \
    /bin/sh -c "cd /textclf-check && python3 -m venv venv && venv/bin/pip install -q ./$(basename "$wheel") \
                && venv/bin/textclf --version && venv/bin/python quickstart.py" | tee "$work/quickstart.txt"
grep -q "sports" "$work/quickstart.txt" || { echo "error: the quick start printed no prediction of 'sports'" >&2; exit 1; }
echo "the wheel installs and runs the README's quick start in a root without Swift or ICU"
