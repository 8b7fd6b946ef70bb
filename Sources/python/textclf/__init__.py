"""textclf from Python: train and run text classifiers (Chinese first) with the textclf binary.

>>> import textclf
>>> clf = textclf.fit("Data/thucnews-train.csv")            # or fit(texts, labels), or a DataFrame
>>> clf.predict(["湖人加时险胜勇士"])
array(['sports'], dtype=object)

Every ``textclf fit`` option is a keyword argument of :func:`fit` (``--learning-rate`` is
``learning_rate``) with the command's defaults. Errors are :class:`TextclfError` (and
subclasses by kind) carrying the command's message. docs/python.md has the rest.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from typing import Any

from . import _binary, _data
from ._binary import DataError, InvalidArgumentError, ReadError, TextclfError, WriteError
from ._options import OPTIONS, FitOptions
from .classifier import Classifier
from .report import EvaluationReport

__all__ = ["fit", "load", "Classifier", "EvaluationReport", "FitOptions", "TextclfError", "InvalidArgumentError",
           "DataError", "ReadError", "WriteError", "binary_version"]
__version__ = "0.1.0"


def fit(data: Any, labels: Any = None, *, text_column: str = "text", label_column: str = "label",
        output: str | os.PathLike | None = None, progress: bool = True, **options: Any) -> Classifier:
    """Trains a classifier, as ``textclf fit``.

    - ``fit("train.csv")``: a CSV file with a header row (columns `text_column` and
      `label_column`), or fastText's format with ``format_="fasttext"``;
    - ``fit(df)``: a pandas DataFrame with those columns;
    - ``fit(texts, labels)``: lists, NumPy arrays or Series. A label that is a list, tuple or
      set makes a multi-label model.

    `options` are ``textclf fit``'s (``epochs=5``, ``encoder="lstm"``, ``calibrate=True``;
    ``from_=`` continues a model): see :class:`FitOptions`. `output` is the model directory
    (default: a temporary one, kept until the classifier is garbage-collected unless
    :meth:`Classifier.save` is called). `progress` shows the epochs as they finish.
    """
    arguments = []
    for name, value in options.items():
        if name not in OPTIONS:
            close = difflib.get_close_matches(name, list(OPTIONS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"fit() got an unexpected keyword argument {name!r}{hint}")
        cli, kind, repeating = OPTIONS[name]
        if kind == "flag":
            if value:
                arguments.append(f"--{cli}")
        elif value is not None:
            for item in (value if repeating and isinstance(value, (list, tuple)) else [value]):
                arguments += [f"--{cli}", str(item)]
    owned = output is None
    directory = tempfile.mkdtemp(prefix="textclf-model-") if owned else str(output)
    if owned:
        os.rmdir(directory)  # fit writes the directory itself, in one step
    with tempfile.TemporaryDirectory(prefix="textclf-") as work:
        if _data.is_path(data):
            path = os.fspath(data)
            arguments += ["--text-column", text_column, "--label-column", label_column]
        else:
            texts, label_values = _data.columns(data, labels, text_column, label_column)
            path = os.path.join(work, "train.csv")
            separator = str(options.get("label_separator") or "|")
            from .classifier import _iterate
            _, multi_label = _data.write_labelled(path, _iterate(texts), _iterate(label_values), separator)
            if multi_label and "--multi-label" not in arguments:
                arguments.append("--multi-label")
        _binary.run(["fit", path, "-o", directory, *arguments], progress=progress)
    return Classifier(directory, _owned=owned)


def load(directory: str | os.PathLike) -> Classifier:
    """A saved model directory (``textclf fit -o DIR`` or :meth:`Classifier.save`)."""
    return Classifier(directory)


def binary_version() -> str:
    """The carried binary's ``textclf --version``."""
    return _binary.version()
