"""Which encoder and regularisation pay, measured in Keras on textclf's own tokens.

A reference study to steer the accuracy work (not part of the product): each text goes through
`textclf tokenize` (NFKC, ICU words or --characters), then Keras's Tokenizer(num_words=10000),
pad_sequences(maxlen=100), Embedding(64) → ENCODER → Dense, Adam(1e-3), batch 32, the last
tenth of the training rows for validation and the epoch of lowest validation loss kept (as
`textclf fit`), and accuracy on the held-out file.

    TEXTCLF=.build/release/textclf .venv-keras/bin/python Scripts/keras-reference/encoder_study.py \
        TRAIN.csv TEST.csv VARIANT[,VARIANT…] [SEEDS]

Variants: lstm, gru, bilstm, bigru, pool (GlobalAveragePooling1D: fastText's shape), cnn
(Conv1D(128, 3, relu) + GlobalMaxPooling1D), bag (textclf's default multi-class model:
Embedding(mask_zero=True) + GlobalAveragePooling1D on `textclf tokenize --tokens wordchar`
tokens, every token kept, maxlen 200, Adam(0.002)), each optionally +edrop (Dropout(0.5) after the embedding),
+drop (LSTM/GRU dropout=0.2), +rdrop (recurrent_dropout=0.2), +hdrop (Dropout(0.5) before the
head), +char (character tokens). Prints one line per variant and seed.
"""
import csv
import os
import subprocess
import sys
import time

import numpy as np


def tokenized(path, unit):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = "\n".join(" ".join(r["text"].split()) for r in rows) + "\n"
    command = [os.environ.get("TEXTCLF", "textclf"), "tokenize", "--tokens", unit]
    out = subprocess.run(command, input=texts.encode(), capture_output=True, check=True).stdout.decode()
    return out.split("\n")[: len(rows)], [r["label"] for r in rows]


def main():
    train_path, test_path, variants = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    seeds = [int(s) for s in (sys.argv[4].split(",") if len(sys.argv) > 4 else ["0"])]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers
    from keras.src.legacy.preprocessing.text import Tokenizer
    from keras.utils import pad_sequences

    cache = {}
    for variant in variants:
        parts = variant.split("+")
        encoder, options = parts[0], set(parts[1:])
        unit = "wordchar" if encoder == "bag" else "char" if "char" in options else "word"
        maxlen = 200 if encoder == "bag" else 100
        if unit not in cache:
            train_texts, train_labels = tokenized(train_path, unit)
            test_texts, test_labels = tokenized(test_path, unit)
            # n-grams hold "_" and "+", which Keras's default filters would strip; all of them are kept.
            tokenizer = (Tokenizer(filters="", split=" ") if unit == "wordchar" else Tokenizer(num_words=10000))
            tokenizer.fit_on_texts(train_texts)
            x = pad_sequences(tokenizer.texts_to_sequences(train_texts), maxlen=maxlen)
            x_test = pad_sequences(tokenizer.texts_to_sequences(test_texts), maxlen=maxlen)
            names = sorted(set(train_labels))
            y = np.array([names.index(l) for l in train_labels])
            y_test = np.array([names.index(l) if l in names else -1 for l in test_labels])
            vocabulary = len(tokenizer.word_index) + 1 if unit == "wordchar" else 10000
            cache[unit] = (x, y, x_test, y_test, len(names), vocabulary)
        x, y, x_test, y_test, classes, vocabulary = cache[unit]
        split = len(x) - len(x) // 10
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            drop = 0.2 if "drop" in options else 0.0
            rdrop = 0.2 if "rdrop" in options else 0.0
            if encoder == "bag":
                rnn = layers.GlobalAveragePooling1D()
            elif encoder in ("pool", "cnn"):
                rnn = (keras.Sequential([layers.GlobalAveragePooling1D()]) if encoder == "pool" else
                       keras.Sequential([layers.Conv1D(128, 3, activation="relu"), layers.GlobalMaxPooling1D()]))
            else:
                cell = {"lstm": layers.LSTM, "gru": layers.GRU}[encoder.removeprefix("bi")]
                rnn = cell(64, dropout=drop, recurrent_dropout=rdrop)
            model_layers = [keras.Input((maxlen,)), layers.Embedding(vocabulary, 64, mask_zero=encoder == "bag")]
            if "edrop" in options:
                model_layers.append(layers.Dropout(0.5))
            model_layers.append(layers.Bidirectional(rnn) if encoder.startswith("bi") else rnn)
            if "hdrop" in options:
                model_layers.append(layers.Dropout(0.5))
            binary = classes == 2
            model_layers.append(layers.Dense(1 if binary else classes, activation="sigmoid" if binary else "softmax"))
            model = keras.Sequential(model_layers)
            model.compile(optimizer=keras.optimizers.Adam(0.002 if encoder == "bag" else 0.001), loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            started = time.time()
            stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
            history = model.fit(x[:split], y[:split], validation_data=(x[split:], y[split:]), epochs=10,
                                batch_size=32, verbose=0, callbacks=[stop], shuffle=True)
            seconds = time.time() - started
            _, accuracy = model.evaluate(x_test, y_test, verbose=0)
            best = int(np.argmin(history.history["val_loss"])) + 1
            print(f"{os.path.basename(train_path)}\t{variant}\tseed {seed}\taccuracy {accuracy:.4f}\t"
                  f"best epoch {best}\t{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
