"""fastText's Python API over textclf, for scripts written for ``fasttext``.

``import textclf.fasttext as fasttext`` and a script that trains with
``fasttext.train_supervised(input=..., epoch=..., lr=..., wordNgrams=...)`` and predicts with
``model.predict(text, k)`` runs unchanged: the training file is in fastText's format
(``__label__x`` words, then the text), labels come back with their ``__label__`` prefix, and
``predict`` returns fastText's tuples. The model underneath is textclf's bag of n-grams (the
default encoder: fastText's shape, with ICU words and character n-grams for Chinese);
docs/from-fasttext.md says how each option maps and which have no counterpart.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Sequence

import numpy as np

from . import _binary
from .classifier import Classifier

# fastText option → textclf fit option; None: accepted, no counterpart (docs/from-fasttext.md).
_OPTIONS = {
    "dim": "embedding-dim", "epoch": "epochs", "seed": "seed", "bucket": "buckets", "pretrainedVectors": "embeddings",
    "lr": None, "ws": None, "minCount": None, "minCountLabel": None, "minn": None, "maxn": None, "neg": None,
    "wordNgrams": None, "loss": None, "thread": None, "lrUpdateRate": None, "t": None, "verbose": None,
    "autotuneValidationFile": None, "autotuneMetric": None, "autotunePredictions": None, "autotuneDuration": None,
    "autotuneModelSize": None,
}
# Accepted silently: what textclf does anyway.
_SAME = {"wordNgrams": lambda v: v >= 2, "thread": lambda v: True, "verbose": lambda v: True,
         "loss": lambda v: v in ("softmax", "hs", "ns")}


def train_supervised(input: str, label: str = "__label__", **options) -> "FastTextModel":
    """Trains on a file in fastText's supervised format, as ``fasttext.train_supervised``.

    `dim`, `epoch`, `bucket`, `seed` and `pretrainedVectors` carry over. `lr` does not:
    fastText's is a per-example SGD rate (0.1–1), textclf trains with Adam at its own default
    rate, which is more accurate on the shipped data than SGD (docs/accuracy.md), and fastText's
    rates would wreck it. `wordNgrams` 2 or more is what textclf's default tokens already are
    (word pairs and character n-grams); softmax, hs and ns are all a softmax here, and a line
    with several labels makes the model multi-label as `loss="ova"` would. Other options are
    accepted with a warning naming them. `label` is the prefix of label words, as fastText's.
    """
    arguments = ["fit", input, "--format", "fasttext", "--label-prefix", label]
    ignored = []
    for name, value in options.items():
        if name not in _OPTIONS:
            raise TypeError(f"train_supervised() got an unexpected keyword argument {name!r}")
        target = _OPTIONS[name]
        if target is not None:
            arguments += [f"--{target}", str(value)]
        elif not (name in _SAME and _SAME[name](value)):
            ignored.append(name)
    if ignored:
        warnings.warn(f"textclf has no counterpart for {', '.join(ignored)}: ignored "
                      "(lr: textclf trains with Adam at its own rate; docs/from-fasttext.md)", stacklevel=2)
    directory = tempfile.mkdtemp(prefix="textclf-model-")
    os.rmdir(directory)
    _binary.run(arguments + ["-o", directory], progress=bool(options.get("verbose", 0)))
    return FastTextModel(Classifier(directory, _owned=True), label)


def load_model(path: str, label: str = "__label__") -> "FastTextModel":
    """A model saved with :meth:`FastTextModel.save_model` (a textclf model directory); its
    labels are given back with the prefix `label`."""
    return FastTextModel(Classifier(path), label)


class FastTextModel:
    """fastText's ``_FastText`` methods over a textclf model."""

    def __init__(self, classifier: Classifier, label: str = "__label__"):
        self.classifier = classifier
        self._prefix = label
        self._labels = [label + str(c) for c in classifier._names]

    @property
    def labels(self) -> list:
        """The labels with their prefix (``__label__``), as ``model.labels``."""
        return list(self._labels)

    def get_labels(self) -> list:
        return self.labels

    def predict(self, text: str | Sequence[str], k: int = 1, threshold: float = 0.0, on_unicode_error: str = "strict"):
        """fastText's conventions: for one text, ``(labels, probabilities)`` with the `k` most
        probable labels at or above `threshold` (``k=-1``: all); for a list, a list of label
        tuples and a list of arrays. A text may not contain a newline, as in fastText."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        for t in texts:
            if "\n" in t:
                raise ValueError("predict processes one line at a time (remove '\\n')")
        probabilities = self.classifier.predict_proba(texts)  # binary models: two columns, as fastText's
        count = probabilities.shape[1] if k == -1 else min(k, probabilities.shape[1])
        all_labels, all_probabilities = [], []
        for row in probabilities:
            order = np.argsort(-row, kind="stable")[:count]
            order = [j for j in order if row[j] >= threshold]
            all_labels.append(tuple(self._labels[j] for j in order))
            all_probabilities.append(np.array([row[j] for j in order], dtype=np.float64))
        if single:
            return all_labels[0], all_probabilities[0]
        return all_labels, all_probabilities

    def test(self, path: str, k: int = 1, threshold: float = 0.0):
        """``(N, precision@k, recall@k)`` on a file in fastText's format, as ``model.test``."""
        texts, truths = [], []
        with open(path, encoding="utf-8") as file:
            for line in file:
                words = line.split()
                labels = {w for w in words if w.startswith(self._prefix)}
                texts.append(" ".join(w for w in words if not w.startswith(self._prefix)))
                truths.append(labels)
        predicted, _ = self.predict(texts, k=k, threshold=threshold)
        right = sum(len(set(p) & t) for p, t in zip(predicted, truths))
        given = sum(len(p) for p in predicted)
        relevant = sum(len(t) for t in truths)
        return len(texts), right / given if given else float("nan"), right / relevant if relevant else float("nan")

    def save_model(self, path: str):
        """Saves the model (a textclf model directory at `path`)."""
        self.classifier = self.classifier.save(path)
