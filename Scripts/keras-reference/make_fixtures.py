"""Writes the golden fixtures that textclf's parity tests compare against.

Run: Scripts/keras-reference/make_fixtures.sh (makes the virtual environment, then runs this).
Output: Tests/TextClassificationTests/Fixtures/{tokenizer,padding,model,model-multiclass,model-multilabel}.json

Everything here is deterministic: fixed corpora, fixed weights (numpy RandomState), one batch
without shuffling, so the fixtures do not depend on TensorFlow's random streams.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # plain float32 arithmetic, no reordering

import numpy as np
import tensorflow as tf
import keras
# Keras 3 keeps the legacy Tokenizer (the one the seed example uses) out of its public API.
from keras.src.legacy.preprocessing.text import Tokenizer
from keras.utils import pad_sequences

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TextClassificationTests", "Fixtures")


def tokenizer_fixture():
    # Pre-segmented (words joined by spaces, lower case, no punctuation) so that Keras's
    # split and textclf's tokens are the same words.
    corpus = [
        "这 是 一段 文本",
        "这 是 另一 段 文本",
        "第三 段 文本",
        "质量 很好 物流 很快 很好",
        "质量 一般 物流 慢",
        "iphone 12 很好 用",
    ]
    probes = ["这 是 新 文本", "质量 很好 但 物流 慢", "iphone 13 很好", ""]
    cases = []
    for num_words in [None, 5]:
        for oov in [None, "<oov>"]:
            t = Tokenizer(num_words=num_words, oov_token=oov)
            t.fit_on_texts(corpus)
            cases.append({
                "num_words": num_words,
                "oov_token": oov,
                "word_index": t.word_index,
                "word_counts": list(t.word_counts.items()),  # first-seen order
                "word_docs": dict(t.word_docs),
                "document_count": t.document_count,
                "sequences": t.texts_to_sequences(corpus + probes),
                "texts": t.sequences_to_texts([[0, 1, 2, 3, 4, 5, 6, 99]]),
            })
    return {"keras": keras.__version__, "corpus": corpus, "probes": probes, "cases": cases}


def padding_fixture():
    sequences = [[1, 2, 3, 4, 5], [6, 7], [], [8, 9, 10]]
    cases = []
    for maxlen in [None, 1, 3, 6]:
        for padding in ["pre", "post"]:
            for truncating in ["pre", "post"]:
                for value in [0, -1]:
                    out = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=value)
                    cases.append({"maxlen": maxlen, "padding": padding, "truncating": truncating, "value": value,
                                  "output": out.tolist()})
    return {"keras": keras.__version__, "sequences": sequences, "cases": cases}


HEADS = {
    # name: (output units, activation, loss, targets for the fixture's 5 rows, class weights or None)
    "binary": (1, "sigmoid", "binary_crossentropy", [1, 0, 1, 0, 1], None),
    # Sparse class indices; class weights as Keras's fit(class_weight=...) applies them.
    "multiclass": (3, "softmax", "sparse_categorical_crossentropy", [2, 0, 1, 1, 2], {0: 2.0, 1: 0.5, 2: 1.25}),
    "multilabel": (3, "sigmoid", "binary_crossentropy",
                   [[1, 0, 1], [0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]], None),
}


# textclf's names of each encoder's weights, in Keras's order (SequenceEncoder.parameterPaths).
ENCODER_WEIGHTS = {
    "lstm": ["lstm/kernel", "lstm/recurrent_kernel", "lstm/bias"],
    "gru": ["gru/kernel", "gru/recurrent_kernel", "gru/bias"],
    "bilstm": [f"bidirectional/{d}_lstm/{w}" for d in ("forward", "backward")
               for w in ("kernel", "recurrent_kernel", "bias")],
    "bigru": [f"bidirectional/{d}_gru/{w}" for d in ("forward", "backward")
              for w in ("kernel", "recurrent_kernel", "bias")],
    "cnn": ["conv1d/kernel", "conv1d/bias"],
    "bag": [],
}


def model_fixture(head="binary", encoder="lstm"):
    units_out, activation, loss_name, targets, class_weight = HEADS[head]
    vocab, emb, units, steps, batch = 9, 5, 4, 6, 5
    rng = np.random.RandomState(0)
    cell = keras.layers.GRU if encoder.endswith("gru") else keras.layers.LSTM
    if encoder == "cnn":
        recurrent = keras.layers.Conv1D(units, 3, activation="relu")
        encoder_layers = [recurrent, keras.layers.GlobalMaxPooling1D()]
    elif encoder == "bag":
        recurrent = keras.layers.GlobalAveragePooling1D()
        encoder_layers = [recurrent]
    else:
        recurrent = keras.layers.Bidirectional(cell(units)) if encoder.startswith("bi") else cell(units)
        encoder_layers = [recurrent]
    features = 2 * units if encoder.startswith("bi") else emb if encoder == "bag" else units
    model = keras.Sequential([
        keras.Input(shape=(steps,), dtype="int32"),
        # The bag averages only the tokens (mask_zero), as textclf's does.
        keras.layers.Embedding(vocab, emb, mask_zero=encoder == "bag"),
        *encoder_layers,
        keras.layers.Dense(units_out, activation=activation),
    ])
    # Fixed, non-trivial weights: every gate matters, no symmetry.
    if encoder == "lstm":
        weights = {
            "embedding/embeddings": rng.normal(0, 0.6, (vocab, emb)),
            "lstm/kernel": rng.normal(0, 0.5, (emb, 4 * units)),
            "lstm/recurrent_kernel": rng.normal(0, 0.5, (units, 4 * units)),
            "lstm/bias": rng.normal(0, 0.3, (4 * units,)),
            "dense/kernel": rng.normal(0, 0.8, (units, units_out)),
            "dense/bias": np.array([0.1]) if head == "binary" else rng.normal(0, 0.3, (units_out,)),
        }
    else:
        weights = {"embedding/embeddings": rng.normal(0, 0.6, (vocab, emb))}
        for name, variable in zip(ENCODER_WEIGHTS[encoder], recurrent.weights):
            weights[name] = rng.normal(0, 0.3 if name.endswith("bias") else 0.5, tuple(variable.shape))
        weights["dense/kernel"] = rng.normal(0, 0.8, (features, units_out))
        weights["dense/bias"] = rng.normal(0, 0.3, (units_out,))
    names = ["embedding/embeddings"] + ENCODER_WEIGHTS[encoder] + ["dense/kernel", "dense/bias"]
    weights = {k: v.astype(np.float32) for k, v in weights.items()}
    model.set_weights([weights[k] for k in names])
    # Pre-padded rows of different lengths, one with no padding, one all padding.
    x = np.array([
        [0, 0, 3, 1, 4, 1],
        [5, 8, 2, 6, 5, 3],
        [0, 0, 0, 0, 7, 2],
        [0, 0, 0, 0, 0, 0],
        [0, 1, 8, 2, 8, 1],
    ], dtype=np.int32)
    if encoder == "bag":
        x[3, 5] = 6  # Keras's masked mean of no token is 0/0; textclf gives zeros there
    y = np.array(targets, dtype=np.float32)
    loss_fn = keras.losses.get(loss_name)
    loss_object = (keras.losses.SparseCategoricalCrossentropy() if loss_name == "sparse_categorical_crossentropy"
                   else keras.losses.BinaryCrossentropy())
    sample_weight = None if class_weight is None else np.array([class_weight[int(t)] for t in targets], np.float32)

    @tf.function
    def loss_and_gradients(x, y):
        # Traced like model.fit's train step, so the loss sees the activation's logits.
        with tf.GradientTape() as tape:
            probabilities = model(x, training=True)
            target = y[:, None] if head == "binary" else y
            loss = loss_object(target, probabilities, sample_weight=sample_weight)
        return probabilities, loss, tape.gradient(loss, model.trainable_variables)

    probabilities, loss, gradients = loss_and_gradients(tf.constant(x), tf.constant(y))
    fixture = {"keras": keras.__version__, "tensorflow": tf.__version__, "head": head}
    if encoder != "lstm":
        fixture["encoder"] = encoder
    if head == "binary":  # for reading only
        fixture["logits"] = (tf.math.log(probabilities) - tf.math.log1p(-probabilities)).numpy().reshape(-1).tolist()
    model.compile(optimizer=keras.optimizers.Adam(), loss=loss_fn, metrics=["accuracy"])
    after = {}
    for step in range(1, 4):
        model.train_on_batch(x, y, class_weight=class_weight)
        if step in (1, 3):
            after[str(step)] = {n: w.numpy().tolist() for n, w in zip(names, model.trainable_variables)}
    fixture.update({
        "shapes": {"vocab": vocab, "embedding": emb, "units": units, "steps": steps, "batch": batch,
                   "outputs": units_out},
        "weights": {k: v.tolist() for k, v in weights.items()},
        "x": x.tolist(), "y": y.reshape(-1).tolist(),
        "class_weight": None if class_weight is None else [class_weight[k] for k in sorted(class_weight)],
        "probabilities": probabilities.numpy().reshape(-1).tolist(),
        "loss": float(loss.numpy()),
        # The embedding's gradient comes as IndexedSlices: densify it.
        "gradients": {n: tf.convert_to_tensor(g).numpy().tolist() for n, g in zip(names, gradients)},
        "after_adam_steps": after,
    })
    return fixture


def recurrent_fixture():
    """GRU, Bidirectional(LSTM) and Bidirectional(GRU) alone, with fixed weights: outputs and
    the gradients of sum(output * upstream) with respect to every weight and the input."""
    rng = np.random.RandomState(1)
    batch, steps, width, units = 3, 5, 4, 3
    x = rng.normal(0, 1, (batch, steps, width)).astype(np.float32)
    cases = {}
    for kind in ["gru", "bilstm", "bigru"]:
        cell = keras.layers.GRU if kind.endswith("gru") else keras.layers.LSTM
        layer = keras.layers.Bidirectional(cell(units)) if kind.startswith("bi") else cell(units)
        layer.build((batch, steps, width))
        weights = [rng.normal(0, 0.5, tuple(w.shape)).astype(np.float32) for w in layer.weights]
        layer.set_weights(weights)
        out_width = 2 * units if kind.startswith("bi") else units
        upstream = rng.normal(0, 1, (batch, out_width)).astype(np.float32)
        inputs = tf.Variable(x)
        with tf.GradientTape() as tape:
            output = layer(inputs)
            loss = tf.reduce_sum(output * upstream)
        gradients = tape.gradient(loss, [inputs] + list(layer.weights))
        cases[kind] = {
            "weight_names": [w.path for w in layer.weights],
            "weights": [w.reshape(-1).tolist() for w in weights],
            "weight_shapes": [list(w.shape) for w in weights],
            "output": output.numpy().reshape(-1).tolist(),
            "upstream": upstream.reshape(-1).tolist(),
            "input_gradient": gradients[0].numpy().reshape(-1).tolist(),
            "weight_gradients": [g.numpy().reshape(-1).tolist() for g in gradients[1:]],
        }
    return {"keras": keras.__version__, "tensorflow": tf.__version__,
            "shapes": {"batch": batch, "steps": steps, "width": width, "units": units},
            "x": x.reshape(-1).tolist(), "cases": cases}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("tokenizer", tokenizer_fixture), ("padding", padding_fixture), ("model", model_fixture),
                       ("model-multiclass", lambda: model_fixture("multiclass")),
                       ("model-multilabel", lambda: model_fixture("multilabel")),
                       ("model-gru", lambda: model_fixture("binary", "gru")),
                       ("model-bilstm", lambda: model_fixture("multiclass", "bilstm")),
                       ("model-bigru", lambda: model_fixture("multilabel", "bigru")),
                       ("model-cnn", lambda: model_fixture("multiclass", "cnn")),
                       ("model-bag", lambda: model_fixture("binary", "bag")),
                       ("recurrent", recurrent_fixture)]:
        path = os.path.join(OUT, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(make(), f, ensure_ascii=False, indent=1)
            f.write("\n")
        print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
