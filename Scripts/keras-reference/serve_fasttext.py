"""The Python service textclf serve is measured against: FastAPI + uvicorn, jieba and fastText.

    serve_fasttext.py TRAIN.csv PORT [--workers 2]

What a user would write in an afternoon to serve a review classifier: a fastText model
trained (2 threads, defaults) on jieba's words of TRAIN, and `POST /predict {"texts": [...]}`
answering `{"predictions": [{"label", "probability"}, ...]}` per text, jieba-cut and predicted
in one call. uvicorn runs it with --workers processes (2: both cores, as textclf serve uses).
The model is trained once, before the workers start, and each worker loads it.
"""
import argparse
import csv
import os
import tempfile

import fasttext
import jieba
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

jieba.setLogLevel(60)
MODEL = os.environ.get("SERVE_FASTTEXT_MODEL", "")


class Request(BaseModel):
    texts: list[str]


app = FastAPI()
model = fasttext.load_model(MODEL) if MODEL else None
if MODEL:
    jieba.initialize()


@app.post("/predict")
def predict(request: Request):
    cut = [" ".join(jieba.lcut(t.replace("\n", " "))) for t in request.texts]
    labels, probabilities = model.predict(cut)
    return {"predictions": [{"label": l[0].removeprefix("__label__"), "probability": float(p[0])}
                            for l, p in zip(labels, probabilities)]}


def train(path, work):
    jieba.initialize()
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = os.path.join(work, "train.txt")
    with open(lines, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(f"__label__{r['label']} {' '.join(jieba.lcut(r['text'].replace(chr(10), ' ')))}\n")
    out = os.path.join(work, "model.bin")
    fasttext.train_supervised(lines, thread=2, verbose=0).save_model(out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["SERVE_FASTTEXT_MODEL"] = train(args.train, tempfile.mkdtemp())
    uvicorn.run("serve_fasttext:app", host="127.0.0.1", port=args.port, workers=args.workers,
                log_level="warning", app_dir=os.path.dirname(os.path.abspath(__file__)))
