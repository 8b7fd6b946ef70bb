"""The Keras/TensorFlow (+ jieba) side of Scripts/bench.sh: one measurement per run, printed
as one JSON object, so that bench.sh can wrap each in /usr/bin/time for its peak memory.

  bench_keras.py train BATCH [CLASSES [ENCODER]] | predict | segment CSV | e2e MODEL_DIR LINES_FILE | save MODEL_DIR CSV
  | latency MODEL_DIR | bag CSV TOKENS_FILE [NUM_WORDS MAXLEN]
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import warnings
warnings.filterwarnings("ignore")  # e.g. "Skipping variable loading for optimizer": irrelevant here

SAMPLES, LENGTH, VOCAB = 8192, 100, 1000
REPEATS = 5  # epochs/passes timed one by one; the median is reported, as textclf bench does


def timed(body):
    start = time.perf_counter()
    body()
    return time.perf_counter() - start


def median(values):
    return sorted(values)[len(values) // 2]


def seed_model(classes=2, encoder="lstm"):
    """The seed stack; with classes > 2, Dense(classes, softmax) + sparse categorical cross-entropy;
    encoder lstm, gru, bilstm or bigru (as textclf's --encoder)."""
    import keras
    cell = keras.layers.GRU if encoder.endswith("gru") else keras.layers.LSTM
    model = keras.Sequential([
        keras.Input(shape=(LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCAB, 64),
        keras.layers.Bidirectional(cell(64)) if encoder.startswith("bi") else cell(64),
        keras.layers.Dense(1, activation="sigmoid") if classes == 2 else keras.layers.Dense(classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def random_data(classes=2):
    import numpy as np
    rng = np.random.RandomState(1)
    return rng.randint(0, VOCAB, (SAMPLES, LENGTH)).astype("int32"), rng.randint(0, classes, SAMPLES).astype("float32")


def train(batch, classes=2, encoder="lstm"):
    x, y = random_data(classes)
    model = seed_model(classes, encoder)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up (tracing)
    seconds = median([timed(lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)) for _ in range(REPEATS)])
    return {"batch_size": batch, "classes": classes, "samples_per_second": SAMPLES / seconds, "seconds": seconds}


def predict(classes=2):
    x, _ = random_data(classes)
    model = seed_model(classes)
    model.predict(x, batch_size=256, verbose=0)
    seconds = median([timed(lambda: model.predict(x, batch_size=256, verbose=0)) for _ in range(REPEATS)])
    return {"batch_size": 256, "classes": classes, "samples_per_second": SAMPLES / seconds, "seconds": seconds}


def read_texts(path):
    import csv
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def segment(csv_path):
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    texts = read_texts(csv_path)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    seconds = time.perf_counter() - start
    return {"megabytes_per_second_1_thread": megabytes / seconds, "megabytes": megabytes, "texts": len(texts)}


def save(model_dir, csv_path):
    """A jieba + Keras pipeline as the seed example builds it (untrained: speed only)."""
    import jieba
    from keras.src.legacy.preprocessing.text import Tokenizer
    jieba.setLogLevel(60)
    tokenizer = Tokenizer(num_words=VOCAB)
    tokenizer.fit_on_texts([" ".join(jieba.lcut(t)) for t in read_texts(csv_path)])
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tokenizer.to_json())
    seed_model().save(os.path.join(model_dir, "model.keras"))
    return {}


def load(model_dir):
    import keras
    from keras.src.legacy.preprocessing.text import tokenizer_from_json
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = tokenizer_from_json(f.read())
    return tokenizer, keras.models.load_model(os.path.join(model_dir, "model.keras"))


def label(lines, tokenizer, model, out):
    import jieba
    from keras.utils import pad_sequences
    words = [" ".join(jieba.lcut(t)) for t in lines]
    x = pad_sequences(tokenizer.texts_to_sequences(words), maxlen=LENGTH)
    p = model.predict(x, batch_size=256, verbose=0).reshape(-1)
    for text, prob in zip(lines, p):
        out.write(f"{int(prob > 0.5)},{prob:.6f}\n")


def e2e(model_dir, lines_path):
    """Read lines → jieba → Tokenizer → pad_sequences → predict → write, in batches of 512."""
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    tokenizer, model = load(model_dir)
    start = time.perf_counter()
    count = 0
    with open(lines_path, encoding="utf-8") as f, open(os.devnull, "w") as out:
        batch = []
        for line in f:
            batch.append(line.rstrip("\n"))
            if len(batch) == 512:
                label(batch, tokenizer, model, out)
                count += len(batch)
                batch = []
        if batch:
            label(batch, tokenizer, model, out)
            count += len(batch)
    seconds = time.perf_counter() - start
    return {"texts_per_second": count / seconds, "seconds": seconds, "texts": count}


def latency(model_dir):
    """Import, load, label one line, print: what `echo text | textclf predict` does."""
    import jieba
    jieba.setLogLevel(60)
    tokenizer, model = load(model_dir)
    label(["质量很好，推荐购买"], tokenizer, model, sys.stdout)
    return None


def bag(csv_path, tokens_path, num_words=0, maxlen=200, dropout=0.0):
    """textclf's default model on real data: Embedding(V, 64, mask_zero=True) +
    GlobalAveragePooling1D + Dense(1, sigmoid) for two labels or Dense(classes, softmax),
    Adam(0.002), on the n-gram tokens `textclf tokenize --tokens wordchar` wrote (one text a line),
    the num_words - 1 most frequent kept (0: all), maxlen as given, Dropout(dropout) after the
    embedding when non-zero (the binary default's 0.3); the median of 3 one-epoch fits at batch 32."""
    import csv
    import keras
    import numpy as np
    from keras.src.legacy.preprocessing.text import Tokenizer
    from keras.utils import pad_sequences
    with open(csv_path, encoding="utf-8", newline="") as f:
        labels = [r["label"] for r in csv.DictReader(f)]
    with open(tokens_path, encoding="utf-8") as f:
        texts = f.read().split("\n")[: len(labels)]
    tokenizer = Tokenizer(num_words=num_words or None, filters="", lower=False, split=" ")
    tokenizer.fit_on_texts(texts)
    x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen)
    names = sorted(set(labels))
    y = np.array([names.index(label) for label in labels], dtype="int32")
    rows = num_words or len(tokenizer.word_index) + 1
    binary = len(names) == 2
    model = keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(rows, 64, mask_zero=True),
        *([keras.layers.Dropout(dropout)] if dropout else []),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(1, activation="sigmoid") if binary else keras.layers.Dense(len(names), activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.002),
                  loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # warm-up (tracing)
    seconds = median([timed(lambda: model.fit(x, y, batch_size=32, epochs=1, verbose=0)) for _ in range(3)])
    return {"rows": rows, "samples_per_second": len(x) / seconds, "seconds": seconds}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    result = {"train": lambda: train(int(args[0]), *map(int, args[1:2]), *args[2:3]), "predict": lambda: predict(*map(int, args[:1])), "segment": lambda: segment(args[0]),
              "save": lambda: save(args[0], args[1]), "e2e": lambda: e2e(args[0], args[1]),
              "latency": lambda: latency(args[0]), "bag": lambda: bag(args[0], args[1], *map(int, args[2:4]), *map(float, args[4:5]))}[mode]()
    if result is not None:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
