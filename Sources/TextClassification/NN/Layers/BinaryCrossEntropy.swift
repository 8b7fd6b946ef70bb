import Foundation

/// Binary cross-entropy of a sigmoid output, computed as Keras's TensorFlow backend does
/// when it sees the sigmoid's logits: `max(z, 0) − z·y + log(1 + e^−|z|)`, with no clipping,
/// averaged over the batch. Its gradient with respect to the logit is `(σ(z) − y) / n`.
///
/// ```swift
/// BinaryCrossEntropy.loss(logits: [0, 2], labels: [1, 1])   // (log 2 + log(1 + e⁻²)) / 2
/// ```
public enum BinaryCrossEntropy {
    /// The loss of one logit against a label in [0, 1].
    @inline(__always)
    public static func loss(logit z: Float, label y: Float) -> Float {
        max(z, 0) - z * y + log1p(exp(-abs(z)))
    }

    /// The mean loss over a batch.
    public static func loss(logits: [Float], labels: [Float]) -> Float {
        precondition(logits.count == labels.count && !logits.isEmpty)
        var sum: Float = 0
        for k in logits.indices { sum += loss(logit: logits[k], label: labels[k]) }
        return sum / Float(logits.count)
    }

    /// d(mean loss)/d(logit) for each logit, where `count` is the batch size of the mean.
    @inline(__always)
    public static func logitGradient(logit z: Float, label y: Float, count: Int) -> Float {
        (VectorMath.sigmoid(z) - y) / Float(count)
    }
}
