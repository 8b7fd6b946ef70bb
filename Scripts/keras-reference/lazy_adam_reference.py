"""Reference for lazy Adam on the bag model (textclf's `--optimizer lazy-adam`).

A small NumPy implementation, written from the semantics of TensorFlow Addons' LazyAdam
(tensorflow_addons/optimizers/lazy_adam.py, `_resource_apply_sparse`) and PyTorch's
SparseAdam: the embedding's gradient is summed by row (duplicate indices coalesced), only
the rows a batch read move (their m and v with the summed g and g², the others untouched),
alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t) with the global step t, epsilon added to
sqrt(v) (Keras's "epsilon hat"). The dense head steps with Keras's Adam.

The model is Keras's Embedding(mask_zero=True) -> GlobalAveragePooling1D -> Dense(1, sigmoid)
with binary cross-entropy from logits. Three steps on different batches, so that a row
absent from a batch keeps its moments and later resumes from them.

    python3 Scripts/keras-reference/lazy_adam_reference.py > Tests/TextClassificationTests/Fixtures/lazy-adam.json
"""
import json

import numpy as np

f32 = np.float32
rng = np.random.default_rng(7)
vocab, dim, lr = 9, 4, f32(0.01)
beta1, beta2, eps = f32(0.9), f32(0.999), f32(1e-7)

embedding = rng.uniform(-0.05, 0.05, (vocab, dim)).astype(f32)
kernel = rng.uniform(-0.5, 0.5, (dim, 1)).astype(f32)
bias = np.zeros(1, f32)

# Pre-padded rows; token 5 repeats within a row; tokens 7 and 8 appear only in batch "b",
# token 6 only in batch "a".
batches = {
    "a": ([[0, 0, 1, 2, 5, 5], [0, 3, 4, 1, 6, 2], [0, 0, 0, 0, 2, 3], [1, 2, 3, 4, 5, 6]], [1, 0, 1, 0]),
    "b": ([[0, 0, 0, 7, 8, 1], [0, 0, 2, 2, 7, 4], [8, 8, 8, 1, 3, 5]], [0, 1, 1]),
}
schedule = ["a", "b", "a"]


def gradients(x, y):
    x = np.asarray(x)
    y = np.asarray(y, f32)
    batch = x.shape[0]
    features = np.zeros((batch, dim), f32)
    counts = np.zeros(batch, f32)
    for b in range(batch):
        for t in x[b]:
            if t != 0:
                features[b] += embedding[t]
                counts[b] += 1
        features[b] /= counts[b]
    z = (features @ kernel)[:, 0] + bias[0]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    dz = ((1 / (1 + np.exp(-z))) - y).astype(f32) / f32(batch)
    d_kernel = features.T @ dz[:, None]
    d_bias = np.array([dz.sum()], f32)
    d_features = dz[:, None] @ kernel.T
    d_embedding = np.zeros_like(embedding)
    for b in range(batch):
        for t in x[b]:
            if t != 0:
                d_embedding[t] += d_features[b] / counts[b]
    rows = sorted({int(t) for t in x.flatten() if t != 0})
    return float(loss), d_embedding, rows, d_kernel.astype(f32), d_bias


def adam_step(w, m, v, g, alpha):
    m += (g - m) * (f32(1) - beta1)
    v += (g * g - v) * (f32(1) - beta2)
    w -= alpha * m / (np.sqrt(v) + eps)


moments = {name: (np.zeros_like(w), np.zeros_like(w)) for name, w in
           [("embedding", embedding), ("kernel", kernel), ("bias", bias)]}
out = {"vocab": vocab, "dim": dim, "learning_rate": float(lr), "batches": {k: {"x": v[0], "y": v[1]} for k, v in batches.items()},
       "schedule": schedule,
       "initial": {"embedding/embeddings": embedding.tolist(), "dense/kernel": kernel.tolist(), "dense/bias": bias.tolist()},
       "steps": []}
for step, name in enumerate(schedule, start=1):
    loss, d_embedding, rows, d_kernel, d_bias = gradients(*batches[name])
    t = f32(step)
    alpha = lr * np.sqrt(f32(1) - beta2 ** t) / (f32(1) - beta1 ** t)
    m, v = moments["embedding"]
    for r in rows:  # lazy: only the rows this batch read
        adam_step(embedding[r], m[r], v[r], d_embedding[r], alpha)
    adam_step(kernel, *moments["kernel"], d_kernel, alpha)
    adam_step(bias, *moments["bias"], d_bias, alpha)
    out["steps"].append({"batch": name, "loss": loss, "rows": rows,
                         "embedding/embeddings": embedding.tolist(), "dense/kernel": kernel.tolist(),
                         "dense/bias": bias.tolist()})
print(json.dumps(out, indent=1))
