"""The Python package as its users call it, installed from the wheel (Scripts/check-python.sh).

Each test is an example of use; the shipped data is read from the repository's Data/.
"""

import json
import os
import resource
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import textclf
import textclf.fasttext as fasttext

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "Data"


@pytest.fixture(scope="module")
def topics():
    """The 10-topic headlines model, fitted from a DataFrame (two epochs keep the suite quick)."""
    train = pd.read_csv(DATA / "thucnews-train.csv")
    clf = textclf.fit(train, epochs=2, seed=1, progress=False)
    yield clf
    clf.close()


@pytest.fixture(scope="module")
def dev():
    return pd.read_csv(DATA / "thucnews-dev.csv")


def test_fit_from_a_dataframe_predicts_its_labels(topics, dev):
    assert topics.task == "multiClass"
    assert list(topics.classes_) == sorted(set(dev.label))
    predicted = topics.predict(dev.text[:200])
    assert predicted.shape == (200,) and set(predicted) <= set(topics.classes_)
    assert (predicted == dev.label[:200].to_numpy()).mean() > 0.7


def test_predict_proba_has_a_column_per_class_and_rows_summing_to_one(topics, dev):
    p = topics.predict_proba(dev.text[:50].tolist())
    assert p.shape == (50, 10) and p.dtype == np.float32
    assert np.allclose(p.sum(axis=1), 1, atol=1e-5)
    # predict decides the most probable column.
    assert list(topics.classes_[p.argmax(axis=1)]) == list(topics.predict(dev.text[:50]))
    top = topics.top_k(dev.text[:3], k=3)
    assert len(top) == 3 and all(len(row) == 3 and row[0][1] >= row[1][1] >= row[2][1] for row in top)


def test_binary_models_answer_two_columns_and_integer_labels(capsys):
    train = pd.read_csv(DATA / "reviews-train.csv").head(3000)
    clf = textclf.fit(train.text.to_numpy(), train.label.to_numpy(), epochs=1)
    # Progress goes to sys.stderr line by line (what a Jupyter cell shows as it comes).
    assert "Epoch 1 - " in capsys.readouterr().err
    assert list(clf.classes_) == [0, 1]
    p = clf.predict_proba(["质量很好，推荐购买", "房间很脏"])
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1, atol=1e-6)
    assert clf.predict(["质量很好，推荐购买"]).dtype == np.int64


def test_texts_with_newlines_commas_and_quotes_keep_their_rows(topics):
    texts = ['湖人加时险胜勇士\n詹姆斯砍下40分', '央行,"降息"', '', "a\r\nb"]
    assert len(topics.predict(texts)) == 4
    assert topics.predict(texts)[0] == topics.predict(["湖人加时险胜勇士\n詹姆斯砍下40分"])[0]


def test_one_worker_process_serves_every_call(topics, dev):
    topics.predict(dev.text[:10])
    worker = topics._worker(None)
    pid = worker._process.pid
    for _ in range(5):
        topics.predict_proba(dev.text[:10])
    assert worker._process.pid == pid


def test_explain_splits_the_log_odds_exactly(topics):
    e = topics.explain("湖人加时险胜勇士 詹姆斯砍下40分")
    assert e["label"] == "sports" and e["method"] == "exact" and e["scale"] == "log-odds"
    known = [t["contribution"] for t in e["tokens"] if t["contribution"] is not None]
    assert abs(sum(known) + e["base"] - e["value"]) < 1e-3
    assert topics.explain(["央行降息", "湖人胜"], scale="probability")[1]["method"] == "occlusion"


def test_evaluate_reports_accuracy_per_class_and_a_dict(topics, dev):
    report = topics.evaluate(dev.head(1000))
    assert 0.7 < report.accuracy <= 1 and report.count == 1000
    assert set(report.per_class) == set(topics.classes_)
    assert 0 <= report.top_three_accuracy <= 1 and "macroAverage" in report.to_dict()["report"]
    assert json.dumps(report.to_dict())


def test_save_and_load_round_trip(topics, dev, tmp_path):
    saved = topics.save(tmp_path / "topics")
    with textclf.load(tmp_path / "topics") as loaded:
        assert np.array_equal(loaded.predict_proba(dev.text[:20]), topics.predict_proba(dev.text[:20]))
    with pytest.raises(FileExistsError):
        topics.save(tmp_path / "topics")
    compact = saved.quantize(rows=20000)
    assert (compact.predict(dev.text[:100]) == topics.predict(dev.text[:100])).mean() > 0.8


def test_multi_label_data_from_sets():
    events = pd.read_csv(DATA / "duee-multilabel.csv")
    labels = [set(cell.split("|")) if isinstance(cell, str) else set() for cell in events.labels]
    clf = textclf.fit(events.text, labels, epochs=1, progress=False)
    assert clf.task == "multiLabel"
    p = clf.predict_proba(events.text[:5])
    assert p.shape == (5, len(clf.classes_)) and ((p >= 0) & (p <= 1)).all()
    assert all(isinstance(labels, tuple) for labels in clf.predict(events.text[:5]))
    # Explained: one object per predicted label (or the most probable one), per text.
    explained = clf.explain(events.text[:3].tolist())
    assert len(explained) == 3 and all(isinstance(e, list) and len(e) >= 1 for e in explained)
    assert all(o["text"] == t for e, t in zip(explained, events.text[:3]) for o in e)


def test_errors_are_python_exceptions_with_the_commands_message(tmp_path):
    with pytest.raises(textclf.ReadError, match="missing.csv: cannot read"):
        textclf.fit(str(tmp_path / "missing.csv"), progress=False)
    bad = tmp_path / "bad.csv"
    bad.write_text("text,topic\n湖人胜,sports\n", encoding="utf-8")
    with pytest.raises(textclf.DataError) as error:
        textclf.fit(str(bad), progress=False)
    assert "bad.csv" in str(error.value) and "label" in str(error.value) and error.value.exit_status == 65
    with pytest.raises(TypeError, match="did you mean 'epochs'"):
        textclf.fit(["a"], [1], epoch=3)
    with pytest.raises(textclf.InvalidArgumentError, match="--epochs"):
        textclf.fit(["a", "b"], [0, 1], epochs=0, progress=False)
    with pytest.raises(ValueError, match="one label per text"):
        textclf.fit(["a", "b"], [0], progress=False)
    with pytest.raises(ValueError, match="row 1: a label is missing"):
        textclf.fit(pd.DataFrame({"text": ["a", "b"], "label": [0, None]}), progress=False)
    with pytest.raises(textclf.ReadError, match="not a textclf model directory"):
        textclf.load(tmp_path)


def test_a_fasttext_script_runs_after_changing_its_import(tmp_path):
    rows = pd.read_csv(DATA / "thucnews-train.csv")
    train = tmp_path / "train.txt"
    with open(train, "w", encoding="utf-8") as f:
        for text, label in zip(rows.text, rows.label):
            f.write(f"__label__{label} {text}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fasttext.train_supervised(input=str(train), epoch=2, lr=0.002, wordNgrams=2, minCount=1)
    assert any("minCount" in str(w.message) for w in caught)
    labels, probabilities = model.predict("湖人加时险胜勇士 詹姆斯砍下40分", k=2)
    assert labels[0] == "__label__sports" and len(labels) == 2 and probabilities.shape == (2,)
    assert probabilities[0] >= probabilities[1]
    many, many_p = model.predict(["湖人胜", "央行降息"], k=1)
    assert len(many) == 2 and all(len(l) == 1 for l in many) and all(p.shape == (1,) for p in many_p)
    assert len(model.predict("湖人胜", k=-1)[0]) == 10
    none, none_p = model.predict("湖人胜", threshold=1.01)
    assert none == () and none_p.shape == (0,)
    n, precision, recall = model.test(str(train), k=1)
    assert n == len(rows) and precision == recall and precision > 0.8
    model.save_model(str(tmp_path / "saved"))
    assert fasttext.load_model(str(tmp_path / "saved")).labels == model.labels


def test_a_large_predict_streams(topics, dev, tmp_path):
    """100,000 texts, in a fresh interpreter: the result array is about all a call adds to the
    caller's peak memory (the texts are not copied into a CSV, a pipe-sized buffer is)."""
    model = topics.save(tmp_path / "topics")
    (tmp_path / "texts.txt").write_text("\n".join(dev.text.tolist()), encoding="utf-8")
    script = f"""
import textclf
def status(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key + ":"))
texts = (open({str(tmp_path / "texts.txt")!r}, encoding="utf-8").read().split("\\n") * 10)[:100_000]
clf = textclf.load({model.directory!r})
clf.predict(texts[:10])
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from here
before = status("VmRSS")
p = clf.predict_proba(texts)
print(p.shape[0], p.nbytes, status("VmHWM") - before)
"""
    rows, nbytes, grown_kb = map(int, subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                                     check=True).stdout.split())
    print(f"\n100,000 texts: peak RSS grew {grown_kb / 1024:.1f} MB; the result is {nbytes / 2**20:.1f} MB")
    assert rows == 100_000 and grown_kb * 1024 < nbytes + 8 * 2**20


def test_the_typed_options_are_the_binarys():
    generated = subprocess.run([sys.executable, str(REPO / "Scripts" / "python-options.py"),
                                textclf._binary.executable(), "-"], capture_output=True, text=True, check=True).stdout
    assert generated == (Path(textclf.__file__).parent / "_options.py").read_text(encoding="utf-8")
    assert "learning_rate" in textclf.FitOptions.__annotations__
