#!/usr/bin/env python3
"""Test data and comparisons for Scripts/check-spark.sh (not part of the job).

    rows.py lines REVIEWS.csv... N OUT.txt      N texts, one per line, cycling the reviews
    rows.py quoted REVIEWS.csv OUT_DIR FILES    id,text CSV files whose texts hold quoted newlines,
                                                commas, quotes and edge white space
    rows.py same EXPECTED.csv OUTPUT_DIR csv|jsonl|parquet
                                                the multiset of output rows equals textclf
                                                predict's rows, field for field (exact strings)
"""
import collections
import csv
import glob
import json
import os
import sys


def review_texts(paths):
    texts = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            texts += [row["text"] for row in csv.DictReader(f)]
    return texts


def write_lines(paths, count, out):
    texts = [" ".join(t.split()) for t in review_texts(paths)]  # one line each
    texts = [t for t in texts if t]
    with open(out, "w", encoding="utf-8") as f:
        for i in range(count):
            f.write(texts[i % len(texts)] + "\n")


def write_quoted(path, out_dir, files):
    texts = review_texts([path])
    os.makedirs(out_dir, exist_ok=True)
    shapes = [
        lambda t: t,
        lambda t: t[: len(t) // 2] + "\n" + t[len(t) // 2:],           # a quoted newline
        lambda t: t.replace("，", ",", 2),                               # ASCII commas
        lambda t: '他说"' + t + '"\r\n第二行',                           # quotes, CRLF inside
        lambda t: "  " + t + "  ",                                       # edge white space
        lambda t: "",                                                    # an empty text
        lambda t: t + "\n\n" + t,                                        # a blank line inside
    ]
    writers = []
    for k in range(files):
        f = open(os.path.join(out_dir, f"part{k}.csv"), "w", newline="", encoding="utf-8")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text"])
        writers.append((f, w))
    for i, text in enumerate(texts):
        writers[i % files][1].writerow([f"r{i}", shapes[i % len(shapes)](text)])
    for f, _ in writers:
        f.close()


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def output_rows(directory, fmt, header):
    if fmt == "csv":
        rows = []
        for part in sorted(glob.glob(os.path.join(directory, "part-*"))):
            part_header, part_rows = csv_rows(part)
            if part_header != header:
                sys.exit(f"{part}: header {part_header} is not textclf's {header}")
            rows += part_rows
        return rows
    if fmt == "jsonl":
        rows = []
        for part in sorted(glob.glob(os.path.join(directory, "part-*"))):
            with open(part, encoding="utf-8") as f:
                rows += [[json.loads(line)[name] for name in header] for line in f]
        return rows
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.master("local[1]").appName("rows.py").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    frame = spark.read.parquet(directory)
    if frame.columns != header:
        sys.exit(f"{directory}: columns {frame.columns} are not textclf's {header}")
    rows = [list(row) for row in frame.collect()]
    spark.stop()
    return rows


def same(expected_path, directory, fmt):
    header, expected = csv_rows(expected_path)
    got = output_rows(directory, fmt, header)
    want = collections.Counter(map(tuple, expected))
    have = collections.Counter(map(tuple, got))
    if want != have:
        missing, extra = want - have, have - want
        print(f"error: {directory} differs from {expected_path}: {sum(missing.values())} row(s) missing, "
              f"{sum(extra.values())} extra", file=sys.stderr)
        for row in list(missing)[:3]:
            print(f"  missing: {row!r}", file=sys.stderr)
        for row in list(extra)[:3]:
            print(f"  extra:   {row!r}", file=sys.stderr)
        sys.exit(1)
    print(f"{len(got)} rows, the same as textclf predict's ({fmt})")


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "lines":
        write_lines(rest[:-2], int(rest[-2]), rest[-1])
    elif command == "quoted":
        write_quoted(rest[0], rest[1], int(rest[2]))
    elif command == "same":
        same(*rest)
    else:
        sys.exit(__doc__)
