import Foundation

/// What turns an encoder's features into an answer: the output `Dense` layer, its
/// activation, the loss, the decision rule and the accuracy, each written once here.
///
/// | kind | output layer | loss (Keras, from the logits) | decision |
/// |---|---|---|---|
/// | `binary` | Dense(1, sigmoid) | binary cross-entropy | σ(z) > threshold → label 1 |
/// | `multiClass` | Dense(K, softmax) | sparse categorical cross-entropy | argmax |
/// | `multiLabel` | Dense(K, sigmoid) | binary cross-entropy, mean over the K outputs | every σ(zₖ) ≥ threshold |
///
/// Targets are floats, `targetWidth` per row: the label 0 or 1 (binary), the class index
/// (multi-class), or K values of 0 or 1 (multi-label).
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let head = ClassificationHead(kind: .multiClass, inputDim: 64, classes: 10, using: &random)
/// head.outputs        // 10
/// head.decide([0.1, 0.7, 0.2], threshold: 0.5)   // [1]
/// ```
public struct ClassificationHead: Sendable {
    /// The task a head decides: one of two labels (one sigmoid output), one of several (softmax), or any number (a sigmoid per label).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case binary, multiClass, multiLabel
    }

    /// The task this head decides.
    public let kind: Kind
    /// Keras's `dense`: kernel `[features, outputs]`, bias `[outputs]`.
    public var dense: Dense
    /// Temperature scaling: ``probabilities(fromLogits:)`` divides the logits by it before σ
    /// or softmax (binary and multi-class heads). 1, Keras's, until fitted by
    /// ``fittedTemperature(logits:labels:)``; training, losses and `evaluate` use the raw
    /// logits, and no decision changes (the sign of a logit and the largest one stay).
    public var temperature: Float = 1
    /// Multi-label: each label's own threshold, tuned on validation rows by
    /// ``tunedThresholds(probabilities:targets:labels:)``; `nil`, every label at 0.5. A threshold
    /// given to ``decide(_:threshold:)`` overrides them.
    public var thresholds: [Float]?
    /// Multi-class, a taxonomy's inner nodes: the classes (leaves) under each. A target
    /// `outputs + i` means "one of the classes in `targetRanges[i]`", whose loss is
    /// −log of their summed probability; class indices below `outputs` are single classes.
    public var targetRanges: [Range<Int>] = []

    /// Output units: 1 for binary, else one per class or label.
    public var outputs: Int { dense.units }
    /// How many labels the head tells apart (2 for binary).
    public var classes: Int { kind == .binary ? 2 : dense.units }
    /// Target values per row.
    public var targetWidth: Int { kind == .multiLabel ? dense.units : 1 }

    /// A fresh head with Keras's initialisers (glorot-uniform kernel, zero bias).
    /// - Parameters:
    ///   - kind: the task.
    ///   - inputDim: the width of the features it reads.
    ///   - classes: 2 for binary; the number of classes or labels otherwise.
    ///   - random: the generator of the initial kernel.
    public init(kind: Kind, inputDim: Int, classes: Int, using random: inout RandomGenerator) {
        self.kind = kind
        dense = Dense(inputDim: inputDim, units: Self.outputs(kind: kind, classes: classes),
                      activation: kind == .multiClass ? .softmax : .sigmoid, using: &random)
    }

    /// A head around an existing layer, e.g. weights read from a model directory; a binary head's layer has one unit.
    public init(kind: Kind, dense: Dense) {
        precondition(kind != .binary || dense.units == 1, "a binary head has one output")
        self.kind = kind
        self.dense = dense
    }

    static func outputs(kind: Kind, classes: Int) -> Int { kind == .binary ? 1 : classes }

    nonisolated(unsafe) public static let parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] = [
        ("dense/kernel", \.dense.kernel),
        ("dense/bias", \.dense.bias),
    ]

    static func parameterShapes(kind: Kind, inputDim: Int, classes: Int) -> [String: [Int]] {
        let outputs = outputs(kind: kind, classes: classes)
        return Dictionary(uniqueKeysWithValues: zip(parameterPaths.map(\.name), [[inputDim, outputs], [outputs]]))
    }

    // MARK: Loss

    /// One row's loss (times its weight) and how much of it is right (1 or 0; for
    /// multi-label the fraction of its K outputs on the right side of 0.5, as Keras's
    /// `binary_accuracy`). With `gradient`, writes d(mean loss)/d(logits) for a batch of
    /// `batchSize` rows.
    ///
    /// - Parameter weights: `nil`, or per class (binary, multi-class: the row's loss is
    ///   multiplied by its class's weight, Keras's `class_weight`), or per label
    ///   (multi-label: the loss of a positive label is multiplied by its weight).
    @inline(__always)
    func loss(logits z: UnsafePointer<Float>, target y: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
              batchSize: Int, gradient: UnsafeMutablePointer<Float>?) -> (loss: Float, correct: Float) {
        switch kind {
        case .binary:
            let label = y[0]
            let weight = weights.map { $0[label > 0.5 ? 1 : 0] } ?? 1
            if let gradient {
                let g = BinaryCrossEntropy.logitGradient(logit: z[0], label: label, count: batchSize)
                gradient[0] = weights == nil ? g : g * weight
            }
            return (BinaryCrossEntropy.loss(logit: z[0], label: label) * weight,
                    (VectorMath.sigmoid(z[0]) > 0.5) == (label > 0.5) ? 1 : 0)
        case .multiClass:
            let k = outputs, label = Int(y[0])
            if label >= k {
                // A row known only to an inner node of a taxonomy; class weights are the leaves'.
                let range = targetRanges[label - k]
                if let gradient {
                    SparseCategoricalCrossEntropy.logitGradient(logits: z, count: k, labels: range, batchSize: batchSize,
                                                                into: gradient)
                }
                return (SparseCategoricalCrossEntropy.loss(logits: z, count: k, labels: range),
                        range.contains(Self.argmax(z, count: k)) ? 1 : 0)
            }
            let weight = weights.map { $0[label] } ?? 1
            let loss = SparseCategoricalCrossEntropy.loss(logits: z, count: k, label: label)
            if let gradient {
                SparseCategoricalCrossEntropy.logitGradient(logits: z, count: k, label: label, batchSize: batchSize,
                                                            into: gradient)
                if weights != nil { for j in 0..<k { gradient[j] *= weight } }
            }
            return (loss * weight, Self.argmax(z, count: k) == label ? 1 : 0)
        case .multiLabel:
            let k = outputs
            var loss: Float = 0, right = 0
            for j in 0..<k {
                let weight = weights.map { y[j] > 0.5 ? $0[j] : 1 } ?? 1
                loss += BinaryCrossEntropy.loss(logit: z[j], label: y[j]) * weight
                // Keras's binary_accuracy (strictly above 0.5), for parity of the training metric.
                if (VectorMath.sigmoid(z[j]) > 0.5) == (y[j] > 0.5) { right += 1 }
                // Mean over the K outputs, then over the batch.
                gradient?[j] = (VectorMath.sigmoid(z[j]) - y[j]) * weight / Float(k) / Float(batchSize)
            }
            return (loss / Float(k), Float(right) / Float(k))
        }
    }

    /// Mean loss and accuracy over rows of logits `[n, outputs]` and targets `[n, targetWidth]`
    /// (no class weights, as Keras's `evaluate`).
    public func evaluate(logits: [Float], targets: [Float]) -> Evaluation {
        let n = logits.count / outputs
        precondition(logits.count == n * outputs && targets.count == n * targetWidth && n > 0)
        var loss: Double = 0, correct: Double = 0
        logits.withUnsafeBufferPointer { z in
            targets.withUnsafeBufferPointer { y in
                for r in 0..<n {
                    let row = self.loss(logits: z.baseAddress! + r * outputs, target: y.baseAddress! + r * targetWidth,
                                        weights: nil, batchSize: n, gradient: nil)
                    loss += Double(row.loss)
                    correct += Double(row.correct)
                }
            }
        }
        return Evaluation(loss: Float(loss / Double(n)), accuracy: Float(correct / Double(n)))
    }

    // MARK: Decisions

    /// Probabilities from logits `[n, outputs]`, in place: σ (binary, multi-label) or softmax per row.
    public func probabilities(fromLogits logits: inout [Float]) {
        scale(&logits)
        logits.withUnsafeMutableBufferPointer { p in
            if kind == .multiClass {
                for r in 0..<p.count / outputs { Self.softmax(p.baseAddress! + r * outputs, count: outputs) }
            } else {
                for k in p.indices { p[k] = VectorMath.sigmoid(p[k]) }
            }
        }
    }

    /// Every class's probability from one row of ``probabilities(fromLogits:)``:
    /// binary rows `[p]` become `[1 − p, p]`.
    public func classProbabilities(_ row: ArraySlice<Float>) -> [Float] {
        kind == .binary ? [1 - row[row.startIndex], row[row.startIndex]] : Array(row)
    }

    /// The labels one row of probabilities decides: binary, the second label when its
    /// probability is above `threshold` (Keras's binary accuracy: strictly above 0.5), else
    /// the first; multi-class, the most probable; multi-label, every label at or above
    /// `threshold` (possibly none). `threshold` `nil`: the head's own (``threshold(ofLabel:)``).
    public func decide(_ row: ArraySlice<Float>, threshold: Float? = nil) -> [Int] {
        switch kind {
        case .binary: return [kind.decides(row[row.startIndex], threshold: threshold ?? 0.5) ? 1 : 0]
        case .multiClass: return [Self.argmax(row)]
        case .multiLabel:
            return row.indices.map { $0 - row.startIndex }.filter {
                kind.decides(row[row.startIndex + $0], threshold: threshold ?? self.threshold(ofLabel: $0))
            }
        }
    }

    /// ``decide(_:threshold:)`` for an array row.
    public func decide(_ row: [Float], threshold: Float? = nil) -> [Int] { decide(row[...], threshold: threshold) }

    /// The threshold a multi-label head decides `label` by when none is given: its tuned one,
    /// else 0.5.
    public func threshold(ofLabel label: Int) -> Float { thresholds?[label] ?? 0.5 }

    /// The index of the largest value, the first of equals (as `argmax`).
    static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for k in row.indices where row[k] > row[best] { best = k }
        return best - row.startIndex
    }

    @inline(__always)
    static func argmax(_ z: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for k in 1..<max(count, 1) where z[k] > z[best] { best = k }
        return best
    }

    /// Softmax of `count` values in place, shifted by their maximum.
    static func softmax(_ z: UnsafeMutablePointer<Float>, count: Int) {
        var top = z[0]
        for k in 1..<count { top = max(top, z[k]) }
        var sum: Float = 0
        for k in 0..<count {
            z[k] = Foundation.exp(z[k] - top)
            sum += z[k]
        }
        for k in 0..<count { z[k] /= sum }
    }
}

extension ClassificationHead.Kind {
    /// The decision rule of one sigmoid output, the one place it is written: binary, the
    /// second label when its probability is above `threshold` (Keras's binary accuracy:
    /// strictly above 0.5); multi-label, a label when its probability is at or above it.
    /// (Multi-class decides by the largest probability: `ClassificationHead.decide(_:threshold:)`.)
    public func decides(_ probability: Float, threshold: Float = 0.5) -> Bool {
        self == .multiLabel ? probability >= threshold : probability > threshold
    }
}
