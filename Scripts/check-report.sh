#!/usr/bin/env bash
# Checks the HTML report as a person would see it: makes a report from the shipped reviews
# (a model trained here with fit --report, then textclf report on the test split), renders it
# in headless Chromium (installed from Debian with a CJK font if missing) in the light and the
# dark theme, and checks that each screenshot is not blank and that every chart is in the
# rendered DOM. Then explanations of a confident prediction (the default topics model on a
# sports headline, p ≈ 0.999): the log-odds contributions add up to the log-odds and the
# strongest is at least 0.5, and `explain --format html` is rendered and screenshotted with
# its legend and figures in the DOM; the report's "Most confidently wrong" section too. Then
# textclf diff of the topics model against another seed's fit and a --from continuation, its
# page screenshotted.
# Screenshots are kept in OUT_DIR (default: a temporary directory) to look at.
#   Scripts/check-report.sh [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
if ! command -v chromium >/dev/null 2>&1 || [ "$(fc-list 2>/dev/null | grep -ciE 'wqy|noto sans cjk')" = 0 ]; then
    echo "Installing chromium and a CJK font (fonts-wqy-zenhei) for the headless check..." >&2
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi
out=${1:-$(mktemp -d)}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fit_quietly "$ROOT/Data/reviews-train.csv" -o "$work/reviews" --report
[ -s "$work/reviews/report.html" ] || { echo "error: fit --report wrote no report.html" >&2; exit 1; }
"$TEXTCLF" report "$work/reviews" --test "$ROOT/Data/reviews-test.csv" -o "$out/reviews-report.html"
size=$(stat -c %s "$out/reviews-report.html")
grep -qE '<script|https?://[^"]*\.(js|css|woff)' "$out/reviews-report.html" \
    && { echo "error: the report loads something from outside the file" >&2; exit 1; }

chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1170,3600)
url="file://$out/reviews-report.html"
"${chrome[@]}" --screenshot="$out/report-light.png" "$url" 2>/dev/null
"${chrome[@]}" --force-dark-mode --screenshot="$out/report-dark.png" "$url" 2>/dev/null
"${chrome[@]}" --dump-dom "$url" 2>/dev/null > "$work/dom.html"

python3 - "$out/report-light.png" "$out/report-dark.png" "$work/dom.html" "$size" <<'PY'
import struct, sys, zlib

def pixels(path):
    """Decodes an 8-bit RGB(A), non-interlaced PNG (what Chromium writes) into rows of bytes."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path + ": not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR": header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT": idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format %r" % (header,)
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, bpp, rows

status = 0
for path in sys.argv[1:3]:
    width, height, bpp, rows = pixels(path)
    background = tuple(rows[0][:3])
    colours, different = set(), 0
    for line in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            pixel = tuple(line[x:x + 3])
            colours.add(pixel)
            if pixel != background: different += 1
    share = different / ((height // 4 + 1) * (width // 4 + 1))
    ok = share > 0.05 and len(colours) > 50
    print("%s: %dx%d, %.0f%% not background, %d colours: %s" % (path, width, height, share * 100, len(colours),
          "ok" if ok else "BLANK?"))
    status |= not ok
dom = open(sys.argv[3], encoding="utf-8").read()
for chart in ["loss", "accuracy", "confusion", "scores", "roc", "pr", "calibration", "histogram", "wrong"]:
    present = ('id="%s"' % chart) in dom
    print("chart %-12s %s" % (chart, "present" if present else "MISSING"))
    status |= not present
svgs = dom.count("<svg")
print("%d SVG charts in the rendered page; report file %d bytes" % (svgs, int(sys.argv[4])))
sys.exit(1 if status or svgs < 8 else 0)
PY

# A confident prediction explained: exact log-odds terms, large enough to read.
fit_quietly "$ROOT/Data/thucnews-train.csv" -o "$work/topics"
headline="湖人加时险胜勇士 詹姆斯砍下40分"
"$TEXTCLF" explain "$work/topics" "$headline" --format json > "$work/explain.json"
"$TEXTCLF" explain "$work/topics" "$headline" --format html -o "$out/explain.html"
"${chrome[@]/--window-size=1170,3600/--window-size=1000,700}" --screenshot="$out/explain.png" "file://$out/explain.html" 2>/dev/null
"${chrome[@]}" --dump-dom "file://$out/explain.html" 2>/dev/null > "$work/explain-dom.html"
python3 - "$work/explain.json" "$work/explain-dom.html" "$work/dom.html" <<'PY'
import json, re, sys
e = json.loads(open(sys.argv[1], encoding="utf-8").read())
known = [t["contribution"] for t in e["tokens"] if t["contribution"] is not None]
strongest = max(map(abs, known))
total = sum(known) + e["base"]
print("explain: %s p=%.4f, log-odds %.3f, %s; strongest piece %+.3f; contributions + base = %.5f"
      % (e["label"], e["probability"], e["value"], e["method"], strongest, total))
ok = e["label"] == "sports" and e["method"] == "exact" and strongest >= 0.5 and abs(total - e["value"]) < 1e-3
for name, path in (("explain page", sys.argv[2]), ("report's wrong examples", sys.argv[3])):
    dom = open(path, encoding="utf-8").read()
    if "wrong" in name: dom = dom[dom.index('id="wrong"'):]
    figures = [abs(float(x)) for x in re.findall(r'title="([+-][0-9.]+)"', dom)]
    legend = "log-odds" in dom and "pieces: " in dom and "+好 one character" in dom
    large = sum(f >= 0.05 for f in figures)
    print("%s: legend %s, %d figures of which %d at |x| >= 0.05" % (name, "present" if legend else "MISSING", len(figures), large))
    ok = ok and legend and large > 0
sys.exit(0 if ok else 1)
PY

# What a retrain changes: textclf diff against a fit with another seed and a --from
# continuation, on the labelled dev file; the seed's page screenshotted.
fit_quietly "$ROOT/Data/thucnews-train.csv" -o "$work/topics-seed7" --seed 7
fit_quietly "$ROOT/Data/thucnews-train.csv" -o "$work/topics-more" --from "$work/topics" --epochs 2
for other in topics-seed7 topics-more; do
    "$TEXTCLF" diff "$work/topics" "$work/$other" "$ROOT/Data/thucnews-dev.csv" --json --html "$out/diff-$other.html" \
        > "$work/diff-$other.json" 2>/dev/null
done
"${chrome[@]/--window-size=1170,3600/--window-size=1100,1600}" --screenshot="$out/diff.png" "file://$out/diff-topics-seed7.html" 2>/dev/null
"${chrome[@]}" --dump-dom "file://$out/diff-topics-seed7.html" 2>/dev/null > "$work/diff-dom.html"
python3 - "$work/diff-topics-seed7.json" "$work/diff-topics-more.json" "$work/diff-dom.html" <<'PY'
import json, sys
ok = True
for path in sys.argv[1:3]:
    d = json.load(open(path, encoding="utf-8"))
    o, flips = d["outcome"], d["flips"]
    explained = sum(1 for f in flips if f["pieces"])
    top = flips[0] if flips else None
    print("diff %s: %d of %d texts change, %d flips (%d with pieces); accuracy %+.4f (95%% %+.4f … %+.4f), fixed %d, broken %d; "
          "most frequent: %s → %s (%d), moved by %s"
          % (path.split("diff-")[-1][:-5], d["changed"], d["count"], len(flips), explained, o["accuracyChange"]["estimate"],
             o["accuracyChange"]["low"], o["accuracyChange"]["high"], o["fixed"], o["broken"],
             "|".join(top["from"]), "|".join(top["to"]), top["count"], " ".join(p["text"] for p in top["pieces"][:3])))
    ok = ok and d["changed"] > 0 and explained == len(flips) and o["accuracyChange"]["low"] <= o["accuracyChange"]["high"]
dom = open(sys.argv[3], encoding="utf-8").read()
shown = "On the labelled texts" in dom and "moved by:" in dom and "pieces: " in dom
print("diff page: outcome, flips and legend %s" % ("present" if shown else "MISSING"))
sys.exit(0 if ok and shown else 1)
PY
echo "report check passed; screenshots in $out"
