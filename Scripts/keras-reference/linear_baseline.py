"""The accuracy study's linear reference (not part of the product): TF-IDF features +
logistic regression (scikit-learn), on characters 1-3-grams, on textclf's ICU words and
their adjacent pairs, and on both together, for several regularisation strengths C. C is
chosen by looking at the held-out file itself, so the best row flatters the baseline.

    TEXTCLF=.build/release/textclf .venv-keras/bin/python Scripts/keras-reference/linear_baseline.py \
        TRAIN.csv TEST.csv
"""
import csv
import os
import subprocess
import sys

from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def words(texts):
    lines = "\n".join(" ".join(t.split()) for t in texts) + "\n"
    out = subprocess.run([os.environ.get("TEXTCLF", "textclf"), "tokenize"], input=lines.encode(),
                         capture_output=True, check=True).stdout.decode()
    return out.split("\n")[: len(texts)]


def word_pairs(line):
    w = line.split()
    return w + [a + "_" + b for a, b in zip(w, w[1:])]


def main():
    train_texts, train_labels = load(sys.argv[1])
    test_texts, test_labels = load(sys.argv[2])
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    pairs = TfidfVectorizer(analyzer=word_pairs, sublinear_tf=True)
    xc, xct = chars.fit_transform(train_texts), chars.transform(test_texts)
    xw, xwt = pairs.fit_transform(words(train_texts)), pairs.transform(words(test_texts))
    for name, x, xt in [("characters 1-3", xc, xct), ("words 1-2", xw, xwt),
                        ("both", hstack([xc, xw]).tocsr(), hstack([xct, xwt]).tocsr())]:
        for c in [1, 4, 10, 30]:
            model = LogisticRegression(C=c, max_iter=2000).fit(x, train_labels)
            print(f"{os.path.basename(sys.argv[1])}\t{name}\tC={c}\taccuracy {model.score(xt, test_labels):.4f}", flush=True)


if __name__ == "__main__":
    main()
