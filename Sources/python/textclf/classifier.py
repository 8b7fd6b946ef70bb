"""A trained text classifier: a textclf model directory, used through the textclf binary."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Sequence

import numpy as np

from . import _binary, _data
from ._worker import PredictWorker
from .report import EvaluationReport


class Classifier:
    """A model directory written by ``textclf fit`` (or :func:`textclf.fit`).

    Methods follow scikit-learn's conventions: :meth:`predict` gives labels,
    :meth:`predict_proba` an array whose columns are :attr:`classes_`. Predictions go through
    one long-lived ``textclf predict`` process per classifier, started on first use, so each
    call costs its texts and not the opening of the model; :meth:`close` (or the end of the
    program) stops it.

    Labels are the model's: strings, or integers when every label of the model is an
    integer (a model trained on 0/1 answers 0/1).
    """

    def __init__(self, directory: str | os.PathLike, *, _owned: bool = False):
        self.directory = str(Path(directory).resolve())
        config_path = Path(self.directory) / "config.json"
        if not config_path.is_file():
            raise _binary.ReadError(f"{self.directory} is not a textclf model directory (no config.json): "
                                    "give the directory textclf fit wrote")
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as error:
            raise _binary.DataError(f"{config_path}: cannot read the model's configuration ({error})") from None
        self.config = config
        names = config.get("labels") or config.get("labelNames") or []
        self._names = [str(n) for n in names]
        self._integer_labels = bool(self._names) and all(_is_integer(n) for n in self._names)
        #: The labels, in the order of :meth:`predict_proba`'s columns.
        self.classes_ = np.array([int(n) for n in self._names] if self._integer_labels else self._names,
                                 dtype=np.int64 if self._integer_labels else object)
        self._workers: dict = {}
        if _owned:
            # A model fitted without a directory lives in a temporary one until saved.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.directory, True)

    # MARK: What the model is

    @property
    def task(self) -> str:
        """``"binary"``, ``"multiClass"`` or ``"multiLabel"``."""
        return _task(self.config)

    def __repr__(self) -> str:
        return f"textclf.Classifier({self.directory!r}, task={self.task!r}, classes={list(self.classes_)!r})"

    # MARK: Predicting

    def _worker(self, threshold: float | None) -> PredictWorker:
        key = threshold
        if key not in self._workers:
            options = [] if threshold is None else ["--threshold", repr(float(threshold))]
            self._workers[key] = PredictWorker(self.directory, options)
        return self._workers[key]

    def _answers(self, texts: Iterable[str], threshold: float | None = None) -> Iterator[dict]:
        if isinstance(texts, str):
            raise TypeError("texts must be a list (or array, or Series) of strings, not one string: "
                            "write [text] for one")
        return self._worker(threshold).predict(_iterate(texts))

    def _label(self, name: str):
        return int(name) if self._integer_labels else name

    def predict(self, texts: Iterable[str], *, threshold: float | None = None) -> np.ndarray:
        """The decided label of each text (multi-label models: a tuple of labels per text).

        `threshold`: binary and multi-label models, as ``textclf predict --threshold``
        (default: 0.5, or the model's tuned thresholds). A model with an operating point
        (``textclf tune-threshold``) gives ``None`` for the texts it abstains on, and a
        taxonomy's answer may be a parent's path (``"财经"``) rather than a leaf.
        """
        decided = []
        for answer in self._answers(texts, threshold):
            if "labels" in answer:
                decided.append(tuple(self._label(n) for n in answer["labels"]))
            elif answer.get("abstained"):
                decided.append(None)
            else:
                decided.append(self._label(answer["label"]))
        if self.task == "multiLabel" or None in decided:
            result = np.empty(len(decided), dtype=object)
            result[:] = decided
            return result
        # A taxonomy's parent path is a prefix of a leaf's, so it fits the leaves' string width.
        return np.array(decided, dtype=self.classes_.dtype)

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Probabilities, shape ``(n_texts, n_classes)``, columns in the order of
        :attr:`classes_`: rows sum to 1 for binary and multi-class models; multi-label
        models give each label its own probability."""
        count = len(texts) if hasattr(texts, "__len__") else None
        rows = np.empty((count if count is not None else 1024, len(self._names)), dtype=np.float32)
        n = 0
        for answer in self._answers(texts):
            if n == rows.shape[0]:
                rows = np.resize(rows, (rows.shape[0] * 2, rows.shape[1]))
            p = answer["probabilities"]
            rows[n] = [p[name] for name in self._names]
            n += 1
        return rows[:n] if n != rows.shape[0] else rows

    def predict_iter(self, texts: Iterable[str], *, threshold: float | None = None) -> Iterator[dict]:
        """Each text's answer as soon as it is ready, for inputs too large for memory (a
        file's lines, a generator): the object ``textclf predict --format jsonl
        --probabilities`` prints, with ``label`` (or ``labels``), ``probability`` and
        ``probabilities``."""
        for answer in self._answers(texts, threshold):
            answer.pop("id", None)
            yield answer

    def top_k(self, texts: Iterable[str], k: int = 3) -> list:
        """Per text, the `k` most probable labels with their probabilities, most probable
        first: ``[[(label, p), ...], ...]``."""
        if k < 1:
            raise ValueError("k must be at least 1")
        probabilities = self.predict_proba(texts)
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [[(self.classes_[j].item() if self._integer_labels else self.classes_[j], float(row[j])) for j in top]
                for row, top in zip(probabilities, order)]

    # MARK: Explaining and measuring

    def explain(self, text: str | Sequence[str], *, label: Any = None,
                scale: Literal["log-odds", "probability"] = "log-odds") -> Any:
        """Each token's contribution to the label (``textclf explain --format json``): a dict
        with ``label``, ``probability``, ``scale``, ``method``, ``value``, ``base`` and
        ``tokens`` (token, contribution). One text gives one dict (multi-label models: a list,
        one per predicted label); a list of texts, a list of those."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        for k, t in enumerate(texts):
            if "\n" in t or "\r" in t:
                texts[k] = " ".join(t.splitlines())  # explain reads one text a line
        arguments = ["explain", self.directory, "-", "--format", "json", "--scale", scale]
        if label is not None:
            arguments += ["--label", str(label)]
        out = _binary.run(arguments, input=("\n".join(texts) + "\n").encode("utf-8"))
        objects = [json.loads(line) for line in out.splitlines() if line.strip()]
        # Without --label, a multi-label model explains each predicted label (at least one):
        # each text's first object says how many follow for it.
        grouped, k = [], 0
        while k < len(objects):
            count = max(1, len(objects[k]["predicted"])) if self.task == "multiLabel" and label is None else 1
            grouped.append(objects[k:k + count])
            k += count
        per_text = [g if self.task == "multiLabel" and label is None else g[0] for g in grouped]
        return per_text[0] if single else per_text

    def evaluate(self, texts: Any, labels: Any = None, *, text_column: str = "text", label_column: str = "label",
                 threshold: float | None = None) -> EvaluationReport:
        """Measures the model on labelled texts (or a CSV path, or a DataFrame): the figures
        of ``textclf evaluate --json``."""
        with tempfile.TemporaryDirectory(prefix="textclf-") as work:
            if _data.is_path(texts):
                path, columns = str(texts), ["--text-column", text_column, "--label-column", label_column]
            else:
                text_values, label_values = _data.columns(texts, labels, text_column, label_column)
                path, columns = os.path.join(work, "test.csv"), []
                _data.write_labelled(path, _iterate(text_values), _iterate(label_values),
                                     self.config.get("labelSeparator", "|"))
            arguments = ["evaluate", self.directory, path, "--json", *columns]
            if threshold is not None:
                arguments += ["--threshold", repr(float(threshold))]
            return EvaluationReport(json.loads(_binary.run(arguments)))

    # MARK: Files

    def save(self, directory: str | os.PathLike) -> "Classifier":
        """Copies the model to `directory` (which must not exist yet) and returns it there;
        a model fitted into a temporary directory is kept from then on."""
        target = Path(directory)
        if target.exists():
            raise FileExistsError(f"{target} exists: save into a new directory")
        staging = target.parent / f".{target.name}.partial-{os.getpid()}"
        shutil.copytree(self.directory, staging)
        os.replace(staging, target)  # whole or not at all
        return Classifier(target)

    def quantize(self, directory: str | os.PathLike | None = None, *, rows: int | None = None,
                 by: Literal["frequency", "norm"] | None = None) -> "Classifier":
        """A compact copy (``textclf quantize``): 8-bit embeddings, `rows` vocabulary rows."""
        owned = directory is None
        target = tempfile.mkdtemp(prefix="textclf-model-") if owned else str(directory)
        if owned:
            os.rmdir(target)
        arguments = ["quantize", self.directory, "-o", target]
        if rows is not None:
            arguments += ["--rows", str(int(rows))]
        if by is not None:
            arguments += ["--by", by]
        _binary.run(arguments)
        return Classifier(target, _owned=owned)

    def close(self):
        """Stops the prediction processes (they start again on the next call)."""
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _iterate(values: Any) -> Iterable:
    """The values of a list, array or Series, as Python objects."""
    if hasattr(values, "tolist") and not isinstance(values, list) and hasattr(values, "__len__") and len(values) < 1 << 16:
        return values.tolist()
    return values


def _is_integer(name: str) -> bool:
    try:
        return str(int(name)) == name
    except ValueError:
        return False


def _task(config: dict) -> str:
    return str(config.get("head", "binary"))
