"""fastText, the production anchor of Scripts/bench.sh, fed textclf's own tokens.

    bench_fasttext.py TEXTCLF TRAIN.csv TEST.csv [--epoch 25] [--lr 0.5] [--quantize]
    bench_fasttext.py --e2e TRAIN.csv LINES.txt


Tokenizes TRAIN and TEST with `TEXTCLF tokenize --tokens wordchar` (the default bag's
tokens: the words and their pairs, every character in ones, pairs and threes), trains
`fasttext.train_supervised` on 2 threads (wordNgrams 1: the n-grams are already tokens) and
prints one JSON object: seconds to tokenize and to train, training samples/s per epoch,
test accuracy, model bytes; with --quantize also fastText's quantized model (cutoff 100,000,
qnorm, retrain) with its accuracy and bytes. Wall time of the whole job = tokenize + train.

--e2e: labelling as a fastText user in Python does it: a model trained on jieba's words of
TRAIN, then LINES read, cut by jieba, predicted in batches of 512 and written; prints texts/s
of that loop (the model's training not counted).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import fasttext


def rows(path):
    """(text, label) of each row, the text on one line."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            yield r["text"].replace("\r", " ").replace("\n", " "), r["label"]


def read(path):
    texts, labels = [], []
    for text, label in rows(path):
        texts.append(text)
        labels.append(label)
    return texts, labels


def write_tokenized(textclf, path, out_path):
    """fastText's training file from TRAIN, streamed through `textclf tokenize`: a file of
    ten million rows held as Python strings (texts, then tokens) took more than this
    machine's 24 GB. Returns the rows written."""
    tokenizer = subprocess.Popen([textclf, "tokenize", "--tokens", "wordchar"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def feed():
        for text, _ in rows(path):
            tokenizer.stdin.write(text + "\n")
        tokenizer.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    count = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for (_, label), line in zip(rows(path), tokenizer.stdout):
            out.write(f"__label__{label} {line}")
            count += 1
    feeder.join()
    if tokenizer.wait() != 0:
        raise SystemExit(f"textclf tokenize failed on {path}")
    return count


def tokenize(textclf, texts):
    out = subprocess.run([textclf, "tokenize", "--tokens", "wordchar"], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout
    lines = out.split("\n")[: len(texts)]
    assert len(lines) == len(texts), (len(lines), len(texts))
    return lines


def e2e(train_path, lines_path):
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    texts, labels = read(train_path)
    scratch = tempfile.TemporaryDirectory()
    work = scratch.name
    with open(os.path.join(work, "train.txt"), "w", encoding="utf-8") as f:
        for label, text in zip(labels, texts):
            f.write(f"__label__{label} {' '.join(jieba.lcut(text))}\n")
    model = fasttext.train_supervised(os.path.join(work, "train.txt"), thread=2, verbose=0)
    start = time.perf_counter()
    count = 0
    with open(lines_path, encoding="utf-8") as f, open(os.devnull, "w") as out:
        batch = []
        for line in f:
            batch.append(line.rstrip("\n"))
            if len(batch) == 512:
                count += label_batch(model, batch, out)
                batch = []
        if batch:
            count += label_batch(model, batch, out)
    seconds = time.perf_counter() - start
    print(json.dumps({"texts_per_second": count / seconds, "seconds": seconds, "texts": count}))


def label_batch(model, batch, out):
    import jieba
    words = [" ".join(jieba.lcut(t)) for t in batch]
    predicted, probabilities = model.predict(words)
    for text, p, q in zip(batch, predicted, probabilities):
        out.write(f"{text},{p[0][len('__label__'):]},{q[0]:.6f}\n")
    return len(batch)


def main():
    if sys.argv[1:2] == ["--e2e"]:
        return e2e(sys.argv[2], sys.argv[3])
    p = argparse.ArgumentParser()
    p.add_argument("textclf")
    p.add_argument("train")
    p.add_argument("test")
    p.add_argument("--epoch", type=int, default=25)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quantize", action="store_true")
    a = p.parse_args()
    test_texts, test_labels = read(a.test)
    scratch = tempfile.TemporaryDirectory()
    work = scratch.name
    start = time.perf_counter()
    train_rows = write_tokenized(a.textclf, a.train, os.path.join(work, "train.txt"))
    tokenize_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model = fasttext.train_supervised(os.path.join(work, "train.txt"), epoch=a.epoch, lr=a.lr, wordNgrams=1,
                                      thread=a.threads, verbose=0)
    train_seconds = time.perf_counter() - start
    test_tokens = tokenize(a.textclf, test_texts)

    def accuracy(m):
        predicted = m.predict(test_tokens)[0]
        return sum(p[0] == "__label__" + y for p, y in zip(predicted, test_labels)) / len(test_labels)

    path = os.path.join(work, "model.bin")
    model.save_model(path)
    result = {"rows": train_rows, "epochs": a.epoch, "tokenize_seconds": tokenize_seconds,
              "train_seconds": train_seconds, "seconds": tokenize_seconds + train_seconds,
              "samples_per_second": train_rows * a.epoch / train_seconds,
              "accuracy": accuracy(model), "model_bytes": os.path.getsize(path)}
    if a.quantize:
        model.quantize(input=os.path.join(work, "train.txt"), cutoff=100000, qnorm=True, retrain=True,
                       thread=a.threads, epoch=a.epoch, lr=a.lr)
        qpath = os.path.join(work, "model.ftz")
        model.save_model(qpath)
        result.update(quantized_accuracy=accuracy(model), quantized_bytes=os.path.getsize(qpath))
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
