import Foundation

/// Sparse categorical cross-entropy of a softmax output, computed as Keras's TensorFlow
/// backend does when it sees the softmax's logits (`sparse_softmax_cross_entropy_with_logits`):
/// `log Σ exp(z − max z) − (z_y − max z)`, with no clipping, averaged over the batch. Its
/// gradient with respect to the logits is `(softmax(z) − onehot(y)) / n`.
///
/// ```swift
/// let z: [Float] = [2, 0, -1]
/// z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 3, label: 0) }
/// // −log softmax(z)₀ ≈ 0.1698
/// ```
public enum SparseCategoricalCrossEntropy {
    /// The loss of one row of `count` logits against the class index `label`.
    @inline(__always)
    public static func loss(logits z: UnsafePointer<Float>, count: Int, label: Int) -> Float {
        var top = z[0]
        for k in 1..<count { top = max(top, z[k]) }
        var sum: Float = 0
        for k in 0..<count { sum += exp(z[k] - top) }
        return log(sum) - (z[label] - top)
    }

    /// d(mean loss)/d(logits) of one row in a batch of `batchSize` rows, into `gradient`.
    @inline(__always)
    public static func logitGradient(logits z: UnsafePointer<Float>, count: Int, label: Int, batchSize: Int,
                                     into gradient: UnsafeMutablePointer<Float>) {
        gradient.update(from: z, count: count)
        ClassificationHead.softmax(gradient, count: count)
        gradient[label] -= 1
        for k in 0..<count { gradient[k] /= Float(batchSize) }
    }

    /// The loss of one row against any class of `labels` (a taxonomy's inner node):
    /// `−log Σ_{y ∈ labels} softmax(z)_y`; for one class, ``loss(logits:count:label:)``.
    @inline(__always)
    public static func loss(logits z: UnsafePointer<Float>, count: Int, labels: Range<Int>) -> Float {
        logSumExp(z, 0 ..< count) - logSumExp(z, labels)
    }

    /// d(mean loss)/d(logits) of ``loss(logits:count:labels:)``: `softmax(z) − q`, where `q`
    /// is the softmax of the logits of `labels` alone (0 elsewhere).
    @inline(__always)
    public static func logitGradient(logits z: UnsafePointer<Float>, count: Int, labels: Range<Int>, batchSize: Int,
                                     into gradient: UnsafeMutablePointer<Float>) {
        gradient.update(from: z, count: count)
        ClassificationHead.softmax(gradient, count: count)
        let inside = logSumExp(z, labels)
        for k in labels { gradient[k] -= exp(z[k] - inside) }
        for k in 0..<count { gradient[k] /= Float(batchSize) }
    }

    @inline(__always)
    static func logSumExp(_ z: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        var top = z[range.lowerBound]
        for k in range { top = max(top, z[k]) }
        var sum: Float = 0
        for k in range { sum += exp(z[k] - top) }
        return top + log(sum)
    }
}
