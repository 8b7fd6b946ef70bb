#!/usr/bin/env bash
# Builds the Python wheel: dist/textclf-VERSION-py3-none-manylinux_2_N_ARCH.whl, installable with
# pip on Linux with no compiler and no Swift toolchain. It carries
#   - textclf/*.py, the Python API (Sources/python/textclf), a client of the binary;
#   - textclf/bin/textclf, the release binary of Scripts/package.sh (Swift runtime and
#     Foundation linked in statically);
#   - textclf/lib/libicu{uc,i18n,data}.so.72, the ICU libraries the binary links, copied from
#     this machine (Debian 12's libicu72), so the user's system needs none: the binary's RUNPATH
#     ($ORIGIN/../lib, set with patchelf) finds them; and ICU's licence.
# The platform tag is measured, not assumed: N is the newest GLIBC_2.N symbol version that the
# binary or a carried library needs (objdump -T), and libstdc++/libgcc_s, which the binary still
# takes from the system, are checked to need nothing newer than that glibc's toolchains give
# (GLIBCXX_3.4.30 / GCC 12 for glibc 2.36, Debian 12's pair).
#   Scripts/wheel.sh        → prints the wheel's path
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
archive=$("$ROOT/Scripts/package.sh")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tar -C "$stage" -xzf "$archive"
binary=$(ls "$stage"/*/textclf)
mkdir -p "$stage/wheel/textclf/bin" "$stage/wheel/textclf/lib"
cp Sources/python/textclf/*.py "$stage/wheel/textclf/"
cp "$binary" "$stage/wheel/textclf/bin/textclf"
chmod 755 "$stage/wheel/textclf/bin/textclf"
for lib in libicuuc.so.72 libicui18n.so.72 libicudata.so.72; do
    path=$(ldd "$binary" | awk -v l="$lib" '$1 == l { print $3 }')
    [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
    [ -f "$path" ] || { echo "error: $lib not found (apt-get install libicu72)" >&2; exit 1; }
    cp -L "$path" "$stage/wheel/textclf/lib/$lib"
done
# The binary finds them beside it (RUNPATH $ORIGIN/../lib, and $ORIGIN between the libraries):
# run directly or through Python, it never takes another ICU from the system.
command -v patchelf >/dev/null || { echo "Installing patchelf (Debian)..." >&2; apt-get install -y -qq patchelf >/dev/null; }
patchelf --set-rpath '$ORIGIN/../lib' "$stage/wheel/textclf/bin/textclf"
for lib in "$stage"/wheel/textclf/lib/*.so.*; do patchelf --set-rpath '$ORIGIN' "$lib"; done
cp /usr/share/doc/libicu72/copyright "$stage/wheel/textclf/lib/ICU-LICENSE"
cp "$(dirname "$binary")/NOTICE" "$stage/wheel/textclf/NOTICE"
cp LICENSE "$stage/wheel/textclf/LICENSE"
python3 "$ROOT/Scripts/python-options.py" "$binary" "$stage/wheel/textclf/_options.py"
if ! cmp -s "$stage/wheel/textclf/_options.py" Sources/python/textclf/_options.py; then
    echo "error: Sources/python/textclf/_options.py is out of date: run Scripts/python-options.py $binary" >&2
    exit 1
fi
version=$("$binary" --version | cut -d' ' -f1)
python3 - "$stage/wheel" "$version" "$(uname -m)" "$ROOT/dist" <<'PY'
import base64, hashlib, os, re, subprocess, sys, zipfile
root, version, arch, dist = sys.argv[1:5]
package = os.path.join(root, "textclf")
elves = [os.path.join(package, "bin", "textclf")] + [os.path.join(package, "lib", f) for f in os.listdir(os.path.join(package, "lib")) if ".so" in f]

def needed_versions(path, prefix):
    out = subprocess.run(["objdump", "-T", path], capture_output=True, text=True, check=True).stdout
    return {tuple(int(p) for p in m.split(".")) for m in re.findall(prefix + r"_([0-9.]+)\)?\s", out)}

glibc = max(v for path in elves for v in needed_versions(path, "GLIBC"))
glibcxx = max(v for path in elves for v in needed_versions(path, "GLIBCXX"))
# What the system toolchain of each glibc gives (the manylinux policies' table, the newest used).
limits = {(2, 28): (3, 4, 25), (2, 31): (3, 4, 28), (2, 34): (3, 4, 29), (2, 35): (3, 4, 30), (2, 36): (3, 4, 30)}
minor = glibc[1]
tag_glibc = min((g for g in limits if g >= (2, minor)), default=None)
if tag_glibc is None or glibcxx > limits[tag_glibc]:
    sys.exit(f"error: needs GLIBC_{'.'.join(map(str, glibc))} and GLIBCXX_{'.'.join(map(str, glibcxx))}: "
             "no manylinux tag in the table fits; extend it honestly")
platform = f"manylinux_2_{tag_glibc[1]}_{arch}"
print(f"needs GLIBC_{'.'.join(map(str, glibc))}, GLIBCXX_{'.'.join(map(str, glibcxx))}: tag {platform}", file=sys.stderr)
name = f"textclf-{version}"
info = f"{name}.dist-info"
readme = open(os.path.join(os.path.dirname(dist), "docs", "python.md"), encoding="utf-8").read()
files = {
    f"{info}/METADATA": "\n".join([
        "Metadata-Version: 2.1", "Name: textclf", f"Version: {version}",
        "Summary: Text classifiers for Chinese (and other languages): train, predict, explain; a Swift binary with a Python API",
        "License: Apache-2.0", "Requires-Python: >=3.8", "Requires-Dist: numpy",
        "Provides-Extra: pandas", "Requires-Dist: pandas; extra == \"pandas\"",
        "Description-Content-Type: text/markdown", "", readme]),
    f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: textclf Scripts/wheel.sh\nRoot-Is-Purelib: false\nTag: py3-none-{platform}\n",
    f"{info}/entry_points.txt": "[console_scripts]\ntextclf = textclf._binary:main\n",
    f"{info}/top_level.txt": "textclf\n",
}
os.makedirs(dist, exist_ok=True)
wheel = os.path.join(dist, f"{name}-py3-none-{platform}.whl")
record = []
partial = wheel + ".partial"
with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    def add(arcname, data, mode=0o644):
        entry = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
        entry.external_attr = (0o100000 | mode) << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(entry, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{arcname},sha256={digest},{len(data)}")
    for directory, _, names in sorted(os.walk(package)):
        for file in sorted(names):
            path = os.path.join(directory, file)
            arcname = os.path.relpath(path, root)
            add(arcname, open(path, "rb").read(), 0o755 if os.access(path, os.X_OK) else 0o644)
    for arcname, text in files.items():
        add(arcname, text.encode("utf-8"))
    z.writestr(f"{info}/RECORD", "\n".join(record + [f"{info}/RECORD,,"]) + "\n")
os.replace(partial, wheel)
print(wheel)
PY
