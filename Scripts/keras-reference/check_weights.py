"""Moves models between textclf and Keras in both directions and checks the predictions agree.

Run: Scripts/keras-reference/check_weights.sh [TEXTCLF_MODEL_DIR…]
For the binary reviews (Dense(1, sigmoid)) and the 10 news topics (Dense(10, softmax)):
 1. textclf → Keras: loads a textclf model directory (vocabulary.json via Keras's own
    tokenizer_from_json, model.safetensors into Embedding → LSTM → Dense), predicts the test
    file from textclf's ICU tokens, compares every probability with `textclf predict`.
 2. Keras → textclf: trains a Keras model (1 epoch) on the ICU-tokenized training file,
    writes it as a textclf model directory, compares Keras's predictions with `textclf predict`.
Without arguments both data sets are checked with models trained here (1 epoch); a model
directory given is checked on the data of its head (binary: reviews, multi-class: topics).
Prints the largest absolute difference of each direction; exits 1 if one is 1e-5 or more.
"""
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from keras.src.legacy.preprocessing.text import Tokenizer, tokenizer_from_json
from keras.utils import pad_sequences

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEXTCLF = os.environ.get("TEXTCLF", os.path.join(ROOT, ".build", "release", "textclf"))
NAMES = ["embedding/embeddings", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "dense/kernel", "dense/bias"]
# textclf's weight names per --encoder, in Keras's order (SequenceEncoder.parameterPaths).
ENCODER_NAMES = {
    "lstm": NAMES[1:4], "gru": ["gru/kernel", "gru/recurrent_kernel", "gru/bias"],
    "bilstm": [f"bidirectional/{d}_lstm/{w}" for d in ("forward", "backward") for w in ("kernel", "recurrent_kernel", "bias")],
    "bigru": [f"bidirectional/{d}_gru/{w}" for d in ("forward", "backward") for w in ("kernel", "recurrent_kernel", "bias")],
    "cnn": ["conv1d/kernel", "conv1d/bias"],
    "bag": [],
}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


DATASETS = {
    "binary": ("reviews-train.csv", "reviews-test.csv"),
    "multiClass": ("thucnews-train.csv", "thucnews-dev.csv"),
}


def texts_and_labels(name):
    with open(os.path.join(ROOT, "Data", name), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"].strip() for r in rows]


def label_names(labels):
    """textclf's order: numbers numerically, else by code point."""
    names = sorted(set(labels))
    try:
        return sorted(names, key=float)
    except ValueError:
        return names


def icu_tokens(texts, normalization="nfkc", unit="word"):
    """textclf's tokens (after the model's normalisation), joined by spaces: what Keras's split(' ') must see."""
    lines = "\n".join(t.replace("\r", " ").replace("\n", " ") for t in texts) + "\n"
    flags = ["--tokens", {"character": "char"}.get(unit, unit)]
    out = subprocess.run([TEXTCLF, "tokenize", "--normalization", normalization] + flags, input=lines, capture_output=True,
                         text=True, check=True).stdout
    tokens = out.split("\n")[:-1]
    assert len(tokens) == len(texts), (len(tokens), len(texts))
    return tokens


def textclf_probabilities(model_dir, test_csv, names):
    """P(label 1) per row for a binary model, else every class's probability per row."""
    out = subprocess.run([TEXTCLF, "predict", model_dir, test_csv, "--probabilities"], capture_output=True,
                         text=True, check=True).stdout
    rows = list(csv.DictReader(out.splitlines()))
    if len(names) == 2:
        return np.array([float(r["probability"]) for r in rows], dtype=np.float64)
    return np.array([[float(r["p_" + n]) for n in names] for r in rows], dtype=np.float64)


def keras_model(vocab, emb, units, steps, classes=2, encoder="lstm"):
    cell = keras.layers.GRU if encoder.endswith("gru") else keras.layers.LSTM
    encoder_layers = ([keras.layers.Conv1D(units, 3, activation="relu"), keras.layers.GlobalMaxPooling1D()]
                      if encoder == "cnn" else [keras.layers.GlobalAveragePooling1D()] if encoder == "bag" else
                      [keras.layers.Bidirectional(cell(units)) if encoder.startswith("bi") else cell(units)])
    return keras.Sequential([
        keras.Input(shape=(steps,), dtype="int32"),
        # The bag averages the tokens only: Keras's mask_zero.
        keras.layers.Embedding(vocab, emb, mask_zero=encoder == "bag"),
        *encoder_layers,
        keras.layers.Dense(1, activation="sigmoid") if classes == 2 else keras.layers.Dense(classes, activation="softmax"),
    ])


def sequences(tokenizer, tokens, config):
    return pad_sequences(tokenizer.texts_to_sequences(tokens), maxlen=config["maxLength"],
                         padding=config["padding"], truncating=config["truncating"])


def textclf_to_keras(model_dir, test_file, test_texts):
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        stored = json.load(f)
    config, names = stored["configuration"], stored["labels"]
    # Models older than format 3 have no normalisation setting: none.
    test_tokens = icu_tokens(test_texts, config.get("normalization", "none"), config.get("unit", "word"))
    with open(os.path.join(model_dir, "vocabulary.json"), encoding="utf-8") as f:
        tokenizer = tokenizer_from_json(f.read())
    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    encoder = config.get("encoder", "lstm")
    model = keras_model(stored["inputDim"], config["embeddingDim"], config["units"], config["maxLength"], len(names),
                        encoder)
    model.set_weights([weights[n] for n in [NAMES[0]] + ENCODER_NAMES[encoder] + NAMES[4:]])
    ours = textclf_probabilities(model_dir, os.path.join(ROOT, "Data", test_file), names)
    theirs = model.predict(sequences(tokenizer, test_tokens, config), batch_size=256, verbose=0)
    return float(np.max(np.abs(ours - theirs.reshape(ours.shape))))


def keras_to_textclf(train_tokens, train_labels, test_file, test_tokens, work):
    names = label_names(train_labels)
    classes = len(names)
    targets = np.array([names.index(label) for label in train_labels], dtype=np.float32)
    config = {"normalization": "nfkc", "toSimplified": False,
              "locale": "zh", "lowercased": True, "unit": "word", "numWords": 10000, "oovToken": None,
              "maxLength": 100, "padding": "pre", "truncating": "pre", "embeddingDim": 64, "units": 64}
    tokenizer = Tokenizer(num_words=config["numWords"], filters="", lower=False, split=" ")
    tokenizer.fit_on_texts(train_tokens)
    keras.utils.set_random_seed(1)
    model = keras_model(config["numWords"], 64, 64, 100, classes)
    model.compile(optimizer="adam", loss="binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(sequences(tokenizer, train_tokens, config), targets, epochs=1, batch_size=32, verbose=0)
    model_dir = os.path.join(work, "keras-model-%d" % classes)
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "textclf-model", "formatVersion": 3, "configuration": config, "labels": names,
                   "head": "binary" if classes == 2 else "multiClass", "inputDim": config["numWords"]}, f)
    with open(os.path.join(model_dir, "vocabulary.json"), "w", encoding="utf-8") as f:
        f.write(tokenizer.to_json())
    write_safetensors(os.path.join(model_dir, "model.safetensors"),
                      dict(zip(NAMES, [w.numpy() for w in model.weights])))
    theirs = model.predict(sequences(tokenizer, test_tokens, config), batch_size=256, verbose=0)
    ours = textclf_probabilities(model_dir, os.path.join(ROOT, "Data", test_file), names)
    return float(np.max(np.abs(ours - theirs.reshape(ours.shape))))


def check(head, model_dir, work):
    train_file, test_file = DATASETS[head]
    train_texts, train_labels = texts_and_labels(train_file)
    test_texts, _ = texts_and_labels(test_file)
    test_tokens = icu_tokens(test_texts)
    if model_dir is None:
        model_dir = os.path.join(work, "textclf-model-" + head)
        subprocess.run([TEXTCLF, "fit", os.path.join(ROOT, "Data", train_file), "-o", model_dir,
                        "--epochs", "1"], check=True, capture_output=True)
    forward = textclf_to_keras(model_dir, test_file, test_texts)
    print(f"{head}: textclf -> Keras: max |p_textclf - p_keras| = {forward:.3g} on {len(test_texts)} texts of {test_file}")
    backward = keras_to_textclf(icu_tokens(train_texts), train_labels, test_file, test_tokens, work)
    print(f"{head}: Keras -> textclf: max |p_textclf - p_keras| = {backward:.3g} on {len(test_texts)} texts of {test_file}")
    return max(forward, backward)


def main():
    worst = 0.0
    with tempfile.TemporaryDirectory() as work:
        if len(sys.argv) > 1:
            for model_dir in sys.argv[1:]:
                with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
                    head = json.load(f).get("head", "binary")
                worst = max(worst, check(head, model_dir, work))
        else:
            for head in DATASETS:
                worst = max(worst, check(head, None, work))
    sys.exit(0 if worst < 1e-5 else 1)


if __name__ == "__main__":
    main()
