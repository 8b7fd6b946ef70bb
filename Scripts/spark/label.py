#!/usr/bin/env python3
"""Label texts at cluster scale: textclf as a worker of Apache Spark.

    spark-submit Scripts/spark/label.py --model DIR --input PATH --output PATH \
        [--format csv|jsonl|parquet] [--input-format csv|lines|parquet] [--lines] \
        [--text-column text] [--id-column ID] [--binary PATH] [--no-ship] \
        [--partitions N] [--overwrite]

Each partition runs ONE long-lived `textclf predict` process: the partition's rows stream into
its standard input as CSV and its labelled rows stream back from its standard output, so no
process starts per text. Every output row carries the input row's id (from --id-column, or a
column named "id"), or else its text, exactly as a single `textclf predict` prints it: a
retried task rewrites the same rows, and Spark's output commit keeps only one attempt.

Where the model and the binary come from:
  default      the driver ships both with SparkContext.addFile (the model directory with
               recursive=True); executors fetch them. Works on local, standalone, YARN and
               Kubernetes masters alike; --model and --binary are paths on the driver.
  --no-ship    --model and --binary are paths every executor already has (a shared file
               system, a path baked into the container image, or spark-submit
               --archives model.tar.gz#model,textclf.tar.gz#textclf with relative paths).

Spark does the reading and writing: CSV input is read with a header and multiLine (texts with
quoted newlines stay whole, and a file is not split across partitions), text input one text
per line, Parquet as is. Output keeps Spark's part-file layout (OUTPUT/part-*), with every
column a string: the probabilities are textclf's own digits, not re-rounded.
"""
import argparse
import csv
import io
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time

ELF_MACHINES = {0x03: "i386", 0x3E: "x86_64", 0x28: "arm", 0xB7: "aarch64", 0xF3: "riscv64",
                0x15: "ppc64", 0x16: "s390x"}
NODE_MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


class JobError(Exception):
    """A problem with the job's inputs that the user can fix; printed as one line."""


def parse_arguments(argv):
    p = argparse.ArgumentParser(
        prog="label.py",
        description="Label texts with a textclf model on Apache Spark (one textclf predict process per partition).",
        epilog="Example: spark-submit --master local[2] Scripts/spark/label.py --model models/reviews "
               "--binary dist/textclf-0.1.0-linux-x86_64/textclf --input texts.txt --lines --output labelled")
    p.add_argument("--model", required=True, help="the model directory written by textclf fit")
    p.add_argument("--input", required=True, help="input file, directory or glob (any Hadoop file system)")
    p.add_argument("--output", required=True, help="output directory (Spark part files)")
    p.add_argument("--format", choices=["csv", "jsonl", "parquet"], default="csv", help="output format (default csv)")
    p.add_argument("--input-format", choices=["csv", "lines", "parquet"],
                   help="input format (default: parquet for *.parquet paths, else csv)")
    p.add_argument("--lines", action="store_true", help="the input is one text per line (same as --input-format lines)")
    p.add_argument("--text-column", default="text", help="the column holding the texts (CSV, Parquet; default text)")
    p.add_argument("--id-column", help='the column to key output rows by (default "id" if present, else the text)')
    p.add_argument("--binary", default="textclf", help="the textclf binary (default: textclf on PATH)")
    p.add_argument("--no-ship", action="store_true",
                   help="do not ship --model and --binary: every executor already has these paths")
    p.add_argument("--partitions", type=int,
                   help="repartition the input into N partitions (default: only when it has fewer partitions "
                        "than the cluster has task slots)")
    p.add_argument("--threshold", help="passed to textclf predict --threshold")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--verbose", action="store_true", help="keep Spark's INFO log (default: warnings only)")
    args = p.parse_args(argv)
    if args.lines:
        if args.input_format not in (None, "lines"):
            p.error("--lines contradicts --input-format " + args.input_format)
        args.input_format = "lines"
    if args.input_format is None:
        args.input_format = "parquet" if args.input.rstrip("/").endswith(".parquet") else "csv"
    if args.input_format == "lines" and args.id_column:
        p.error("--id-column needs CSV or Parquet input, not lines")
    if args.partitions is not None and args.partitions < 1:
        p.error("--partitions must be at least 1")
    return args


# ---------------------------------------------------------------------------------------------
# Executor side: one textclf predict per partition.

def resolve(path, shipped):
    """The executor's path of a file the driver shipped (or the path as given with --no-ship)."""
    if not shipped:
        return os.path.abspath(path)
    from pyspark import SparkFiles
    return SparkFiles.get(os.path.basename(path.rstrip("/")))


def check_node(binary, model):
    """Fails fast, naming the path and the host, when this node cannot run the job."""
    host = socket.gethostname()
    if not os.path.isdir(model):
        raise JobError(f"model directory {model} is missing on executor host {host}; "
                       "ship it (the default) or make it present on every node")
    if not os.path.isfile(binary):
        raise JobError(f"textclf binary {binary} is missing on executor host {host}")
    with open(binary, "rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF":
        raise JobError(f"{binary} on executor host {host} is not a Linux executable (ELF) file")
    built_for = ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "an unknown architecture")
    node = NODE_MACHINES.get(platform.machine(), platform.machine())
    if built_for != node:
        raise JobError(f"textclf binary {binary} is built for {built_for}, but executor host {host} is {node}: "
                       f"ship the linux-{node} release (Scripts/package.sh on such a machine)")
    if not os.access(binary, os.X_OK):
        os.chmod(binary, os.stat(binary).st_mode | 0o755)


def predict_command(binary, model, keyed_by_id, threshold):
    command = [binary, "predict", model, "-", "--text-column", "text"]
    if keyed_by_id:
        command += ["--id-column", "id"]
    if threshold is not None:
        command += ["--threshold", threshold]
    return command


def run_textclf(binary, model, keyed_by_id, threshold, threads, rows):
    """Streams (id, text) or (text,) rows through one textclf predict; yields its output rows.

    A writer thread feeds standard input while this generator reads standard output, so the
    process never blocks on a full pipe (RDD.pipe does the same)."""
    check_node(binary, model)
    env = dict(os.environ, TEXTCLF_THREADS=str(threads), NO_COLOR="1")
    errors = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(predict_command(binary, model, keyed_by_id, threshold),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env)
    except OSError as error:
        raise JobError(f"cannot run {binary} on executor host {socket.gethostname()}: {error}") from error
    sent = [0]
    failure = []

    def feed():
        try:
            with io.TextIOWrapper(process.stdin, encoding="utf-8", newline="") as stdin:
                out = csv.writer(stdin, lineterminator="\n")
                out.writerow(["id", "text"] if keyed_by_id else ["text"])
                for row in rows:
                    out.writerow(row)
                    sent[0] += 1
        except BrokenPipeError:
            pass  # textclf stopped early: its exit status says why
        except BaseException as error:  # surfaced by the reading side
            failure.append(error)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    received = 0
    with io.TextIOWrapper(process.stdout, encoding="utf-8", newline="") as stdout:
        records = csv.reader(stdout)
        next(records, None)  # the header; the driver read it once for the schema
        for record in records:
            received += 1
            yield tuple(record)
    feeder.join()
    status = process.wait()
    if failure:
        raise failure[0]
    if status != 0:
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
        if not message and status < 0:
            message = f"killed by signal {-status}"
        raise RuntimeError(f"textclf predict exited with status {status} on {socket.gethostname()}: {message}")
    if received != sent[0]:
        raise RuntimeError(f"textclf predict returned {received} rows for {sent[0]} input rows")


def output_header(binary, model, keyed_by_id, threshold):
    """The output columns, from a textclf predict run on no rows (on an executor: it checks
    the node can run the job before any data moves)."""
    check_node(binary, model)
    result = subprocess.run(predict_command(binary, model, keyed_by_id, threshold),
                            input=(b"id,text\n" if keyed_by_id else b"text\n"), capture_output=True)
    if result.returncode != 0:
        raise JobError(result.stderr.decode("utf-8", "replace").strip())
    return next(csv.reader(io.StringIO(result.stdout.decode("utf-8"))))


# ---------------------------------------------------------------------------------------------
# Driver side.

def hadoop_path(spark, path):
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    return p, p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def check_paths(spark, args):
    path, fs = hadoop_path(spark, args.input)
    matches = fs.globStatus(path) or []
    files = []
    for status in matches:
        if status.isDirectory():
            iterator = fs.listFiles(status.getPath(), True)
            while iterator.hasNext():
                name = iterator.next().getPath().getName()
                if not name.startswith((".", "_")):
                    files.append(name)
        elif not status.getPath().getName().startswith((".", "_")):
            files.append(status.getPath().getName())
    if not files:
        raise JobError(f"no input files at {args.input}")
    out, out_fs = hadoop_path(spark, args.output)
    if out_fs.exists(out) and not args.overwrite:
        raise JobError(f"output {args.output} already exists; pass --overwrite to replace it")
    if not args.no_ship:
        if not os.path.isdir(args.model):
            raise JobError(f"model directory {args.model} does not exist on the driver (to use a path the "
                           "executors have, pass --no-ship)")
        if not os.path.isfile(args.binary):
            import shutil
            found = shutil.which(args.binary)
            if not found:
                raise JobError(f"textclf binary {args.binary} not found on the driver; pass --binary PATH "
                               "(the release's textclf, Scripts/package.sh)")
            args.binary = found
    return len(files)


def read_input(spark, args):
    from pyspark.sql import functions as F
    reader = spark.read
    if args.input_format == "lines":
        frame = reader.text(args.input).withColumnRenamed("value", "text")
    elif args.input_format == "csv":
        frame = reader.option("header", True).option("multiLine", True).option("escape", '"').csv(args.input)
    else:
        frame = reader.parquet(args.input)
    columns = frame.columns
    if args.text_column not in columns:
        raise JobError(f"{args.input}: no column {args.text_column!r}; the input has {', '.join(map(repr, columns))} "
                       "(choose one with --text-column)")
    id_column = args.id_column or ("id" if "id" in columns and args.input_format != "lines" else None)
    if id_column and id_column not in columns:
        raise JobError(f"{args.input}: no column {id_column!r}; the input has {', '.join(map(repr, columns))}")
    text = F.coalesce(F.col(args.text_column).cast("string"), F.lit(""))
    if id_column:
        return frame.select(F.coalesce(F.col(id_column).cast("string"), F.lit("")).alias("id"), text.alias("text")), True
    return frame.select(text.alias("text")), False


def write_output(frame, args):
    writer = frame.write.mode("overwrite" if args.overwrite else "errorifexists")
    if args.format == "csv":
        # RFC 4180 quoting (doubled quotes), as textclf and most CSV readers expect; Spark's
        # writer would otherwise trim each value's surrounding white space.
        writer.options(header=True, escape='"', ignoreLeadingWhiteSpace=False,
                       ignoreTrailingWhiteSpace=False).csv(args.output)
    elif args.format == "jsonl":
        writer.json(args.output)
    else:
        writer.parquet(args.output)


def main(argv):
    args = parse_arguments(argv)
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql.types import StringType, StructField, StructType
        from pyspark.errors import PySparkException
        from py4j.protocol import Py4JJavaError
    except ImportError as error:
        print(f"error: this script runs under Spark, and {error.name} is not importable by {sys.executable}: "
              "run it with spark-submit, or install pyspark (pip install pyspark; Scripts/check-spark.sh "
              "makes a virtual environment with it)", file=sys.stderr)
        return 69

    spark = SparkSession.builder.appName("textclf label").getOrCreate()
    sc = spark.sparkContext
    if not args.verbose:
        sc.setLogLevel("WARN")
    try:
        file_count = check_paths(spark, args)
        ship = not args.no_ship
        if ship:
            sc.addFile(os.path.abspath(args.model), recursive=True)
            sc.addFile(os.path.abspath(args.binary))
        frame, keyed_by_id = read_input(spark, args)
        binary, model, threshold = args.binary, args.model, args.threshold
        threads = int(sc.getConf().get("spark.task.cpus", "1"))

        header = sc.parallelize([0], 1).map(
            lambda _: output_header(resolve(binary, ship), resolve(model, ship), keyed_by_id, threshold)).collect()[0]

        rdd = frame.rdd
        slots = sc.defaultParallelism
        partitions = args.partitions or (slots if rdd.getNumPartitions() < slots else None)
        if partitions and partitions != rdd.getNumPartitions():
            rdd = frame.repartition(partitions).rdd

        def label(rows):
            return run_textclf(resolve(binary, ship), resolve(model, ship), keyed_by_id, threshold, threads,
                               (tuple(row) for row in rows))

        schema = StructType([StructField(name, StringType(), False) for name in header])
        labelled = spark.createDataFrame(rdd.mapPartitions(label), schema)
        print(f"label.py: labelling {args.input} ({file_count} file(s), {rdd.getNumPartitions()} partition(s), "
              f"{sc.master}) into {args.output} ...", file=sys.stderr)
        started = time.monotonic()
        write_output(labelled, args)
        seconds = time.monotonic() - started
        print(f"label.py: wrote {args.output} in {seconds:.1f} s", file=sys.stderr)
        return 0
    except JobError as error:
        print(f"label.py: error: {error}", file=sys.stderr)
        return 2
    except (Py4JJavaError, PySparkException) as error:
        print(f"label.py: error: {describe(error)}", file=sys.stderr)
        return 1
    finally:
        spark.stop()


def describe(error):
    """The useful line of a Spark failure: our own error if an executor raised one, else the
    innermost Java cause (which names the file, e.g. a corrupt Parquet file), else the first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for marker in ("JobError: ", "RuntimeError: "):
        for line in lines:
            if marker in line:
                return line.split(marker, 1)[1]
    causes = [line.split(": ", 2)[-1] for line in lines if line.startswith("Caused by: ")]
    if causes:
        return causes[-1]
    return lines[0] if lines else type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
