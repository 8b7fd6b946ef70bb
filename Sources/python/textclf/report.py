"""What ``textclf evaluate --json`` measured, as attributes."""

from __future__ import annotations

from typing import Any


class EvaluationReport:
    """The figures of ``textclf evaluate``: :attr:`accuracy` for every head, per-class (or
    per-label) precision, recall, F1 and support in :attr:`per_class`, and everything the
    command printed in :meth:`to_dict`. Binary models add ``precision``, ``recall``, ``f1``
    and ``roc_auc`` (label 1 the positive class); multi-class models ``top_three_accuracy``
    and the macro and weighted averages; multi-label models subset accuracy as
    :attr:`accuracy`, ``hamming_loss`` and micro and macro F1.
    """

    def __init__(self, answer: dict):
        self._answer = answer
        self.head: str = answer.get("head", "binary")
        self.labels: list = list(answer.get("labels", []))
        report = answer["report"]
        self._report = report
        #: The share of texts decided right (multi-label: with exactly the right set).
        self.accuracy: float = float(report.get("accuracy", report.get("subsetAccuracy", float("nan"))))
        #: How many texts were measured.
        self.count: int = int(report.get("count", 0))
        classes = report.get("classes") or [x for x in report.get("labels", []) if isinstance(x, dict)]
        #: Label → {"precision", "recall", "f1", "support"} (multi-class and multi-label).
        self.per_class: dict = {name: dict(figures) for name, figures in zip(self.labels, classes)}
        #: Rows: true labels, columns: predicted, in the order of :attr:`labels`.
        self.confusion = report.get("confusion")

    def __getattr__(self, name: str) -> Any:
        # Every other figure by its snake_case name: roc_auc, log_loss, macro_average, ...
        camel = "".join(part if k == 0 else part[:1].upper() + part[1:] for k, part in enumerate(name.split("_")))
        aliases = {"rocAuc": "rocAUC"}
        report = self.__dict__.get("_report", {})
        key = aliases.get(camel, camel)
        if key in report:
            return report[key]
        raise AttributeError(f"the report has no {name!r} (it has: {', '.join(sorted(report))})")

    def to_dict(self) -> dict:
        """Everything ``textclf evaluate --json`` printed: head, labels and the report."""
        return {"head": self.head, "labels": self.labels, "report": dict(self._report)}

    def __repr__(self) -> str:
        return f"EvaluationReport(head={self.head!r}, accuracy={self.accuracy:.4f}, count={self.count})"
