"""Texts and labels from Python values into the CSV files textclf reads.

Lists, tuples, NumPy arrays and pandas Series are all iterables of texts; a DataFrame is
read by column. A label that is a list, tuple or set makes the data multi-label (its labels
joined by the separator, "|" unless ``label_separator`` says otherwise). Files are written
row by row, so a large corpus is never held twice.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Iterable


def is_path(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike))


def columns(data: Any, labels: Any, text_column: str, label_column: str):
    """The texts and labels of `data`: a DataFrame's columns, or `data` and `labels` as given."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and labels is None:
        missing = [c for c in (text_column, label_column) if c not in data.columns]
        if missing:
            raise KeyError(f"the DataFrame has no column {missing[0]!r} (its columns: {list(data.columns)}); "
                           "name them with text_column= and label_column=")
        return data[text_column], data[label_column]
    if labels is None:
        raise TypeError("labels are missing: give fit(texts, labels), a DataFrame with text and label "
                        "columns, or the path of a CSV file")
    return data, labels


def label_cell(label: Any, separator: str) -> tuple:
    """A label as a CSV cell, and whether it is a set of labels."""
    if isinstance(label, (list, tuple, set, frozenset)) or (hasattr(label, "tolist") and hasattr(label, "ndim")
                                                             and label.ndim > 0):
        names = [label_cell(item, separator)[0] for item in (label.tolist() if hasattr(label, "tolist") else label)]
        for name in names:
            if separator in name:
                raise ValueError(f"the label {name!r} contains the label separator {separator!r}: "
                                 "choose another with label_separator=")
        return separator.join(sorted(set(names))), True
    if hasattr(label, "item"):  # a NumPy scalar
        label = label.item()
    if isinstance(label, bool):
        label = int(label)
    if isinstance(label, float) and label.is_integer():
        label = int(label)
    if label is None or (isinstance(label, float) and label != label):
        raise ValueError("a label is missing (None or NaN): every text needs one")
    return str(label), False


def write_labelled(path: str, texts: Iterable, labels: Iterable, separator: str = "|") -> tuple:
    """Writes texts and labels as a CSV with columns text and label; returns (rows, multi-label)."""
    rows, multi_label = 0, False
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(("text", "label"))
        iterator = iter(labels)
        for k, text in enumerate(texts):
            try:
                label = next(iterator)
            except StopIteration:
                raise ValueError(f"{k} labels for more texts: give one label per text") from None
            if not isinstance(text, str):
                missing = text is None or (isinstance(text, float) and text != text)
                raise TypeError(f"text {k} is missing (None or NaN)" if missing
                                else f"text {k} is a {type(text).__name__}, not a str")
            try:
                cell, is_set = label_cell(label, separator)
            except ValueError as error:
                raise ValueError(f"row {k}: {error}") from None
            multi_label = multi_label or is_set
            try:
                writer.writerow((text, cell))
            except UnicodeEncodeError as error:
                raise ValueError(f"text {k} is not valid Unicode ({error.reason})") from None
            rows += 1
        if next(iterator, _END) is not _END:
            raise ValueError(f"more labels than the {rows} texts: give one label per text")
    return rows, multi_label


_END = object()
