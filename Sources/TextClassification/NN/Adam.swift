import Foundation

/// The Adam optimiser with Keras's defaults and arithmetic (keras/src/optimizers/adam.py):
/// at step t, `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, `m += (g−m)(1−β₁)`, `v += (g²−v)(1−β₂)`,
/// `w −= α·m/(√v + ε)` — ε added to √v, not to the bias-corrected √v̂. Every weight's
/// moments decay every step, embedding rows without gradient included (Keras densifies).
///
/// One quirk of Keras on TensorFlow is kept on purpose: an embedding's gradient arrives as
/// `IndexedSlices` with one slice per token position, `ops.square` squares the slices before
/// they are summed by row, so `v` moves by Σ g_i² rather than (Σ g_i)² for a row used at
/// several positions (measured against Keras in KerasParityTests). Pass those sums as
/// `squaredGradients` to match it.
///
/// **Lazy Adam** (`lazy: true`; TensorFlow Addons' `LazyAdam`, PyTorch's `SparseAdam`): a weight
/// whose gradient comes by rows (the embedding on the training loop's paths) steps only the
/// rows the batch read: their moments move with the row's summed gradient g (and g², not the
/// per-position squares), the other rows' weights and moments stay as they are; α uses the
/// global step count. A step then costs the batch's tokens, not the vocabulary. Every other
/// weight steps as in Keras. `Scripts/keras-reference/lazy_adam_reference.py` is the reference.
///
/// ```swift
/// var adam = Adam()                        // lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7
/// adam.update(&model, along: gradients)    // one step
/// var lazy = Adam(learningRate: 0.002, lazy: true)
/// ```
public struct Adam: Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Row-wise weights step only the rows with a gradient (see the type's note).
    public let lazy: Bool
    /// Steps taken so far (Keras's `iterations`).
    public private(set) var step = 0
    /// Each weight's first and second moments, by name.
    private var moments: [String: (first: [Float], second: [Float])] = [:]

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                lazy: Bool = false) {
        self.learningRate = learningRate
        self.lazy = lazy
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One step on every weight of `model`; `gradients` by the weights' names
    /// (``ParameterizedModel/parameterPaths``). `squaredGradients[name]`, when given,
    /// replaces `g²` in the update of that weight's `v` (see the type's note on embeddings).
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           squaredGradients: [String: Tensor] = [:],
                                                           frozen: Set<String> = []) {
        let paths = model.parameterPaths.filter { !frozen.contains($0.name) }
        for entry in paths {
            let count = model[keyPath: entry.path].count
            precondition(gradients[entry.name]?.count == count, "gradient \(entry.name) is missing or has the wrong size")
            precondition(squaredGradients[entry.name].map { $0.count == count } ?? true,
                         "squared gradient \(entry.name) has the wrong size")
        }
        let alpha = beginStep()
        for entry in paths {
            gradients[entry.name]!.scalars.withUnsafeBufferPointer { g in
                if let squares = squaredGradients[entry.name] {
                    squares.scalars.withUnsafeBufferPointer { g2 in
                        apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: g.baseAddress!,
                              squaredGradient: g2.baseAddress!)
                    }
                } else {
                    apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: g.baseAddress!,
                          squaredGradient: nil)
                }
            }
        }
    }

    /// The same step from gradients in scratch memory (the training loop's path: no copies),
    /// `gradient(name)` giving each weight's.
    mutating func update<Model: ParameterizedModel>(_ model: inout Model, gradient: (String) -> UnsafePointer<Float>,
                                                    squaredGradients: [String: UnsafePointer<Float>],
                                                    frozen: Set<String> = []) {
        let alpha = beginStep()
        for entry in model.parameterPaths where !frozen.contains(entry.name) {
            apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: gradient(entry.name),
                  squaredGradient: squaredGradients[entry.name])
        }
    }

    /// Counts the step; returns its step size α.
    private mutating func beginStep() -> Float {
        step += 1
        // In Float, as Keras computes it for float32 weights.
        let t = Float(step)
        return learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
    }

    /// Weights this large are updated on every core (element ranges; the result does not depend on it).
    private static let parallelThreshold = 1 << 14

    private mutating func apply(_ name: String, alpha: Float, to weights: inout Tensor, gradient: UnsafePointer<Float>,
                                squaredGradient: UnsafePointer<Float>?) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let count = weights.count
        // Taken out of the dictionary while updated (uniquely referenced: no copy), put back after.
        var (first, second) = moments.removeValue(forKey: name)
            ?? ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
        defer { moments[name] = (first, second) }
        precondition(first.count == count, "weight \(name) changed size between steps")
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                    let w = SharedPointer(base: w.baseAddress!)
                    let g = UncheckedSendable(gradient), g2 = UncheckedSendable(squaredGradient)
                    let parts = count >= Self.parallelThreshold ? Parallel.threads : 1
                    Parallel.forEach(parts) { part in
                        let start = count * part / parts, end = count * (part + 1) / parts
                        Self.step(m.base + start, v.base + start, w.base + start, gradient: g.value + start,
                                  squaredGradient: g2.value.map { $0 + start }, count: end - start, alpha: alpha,
                                  oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                    }
                }
            }
        }
    }

    /// A weight's gradient given by rows, the others zero: an embedding's after a batch that
    /// read only some of its rows. Every row still takes the step (Keras's Adam is dense), but
    /// no vocabulary-sized gradient table is built per batch.
    struct RowGradient {
        /// The rows that have a gradient, each once.
        var rows: [Int32] = []
        /// `[rows.count, width]`: each row's gradient, in the order of `rows`.
        var gradient: [Float] = []
        /// Its per-position squares summed by row (see the type's note on embeddings).
        var squares: [Float] = []
    }

    /// One step like ``update(_:along:squaredGradients:frozen:)``, with the gradients of the
    /// weights in `rowGradients` given by rows. The same arithmetic as a dense gradient with
    /// zero rows, so the same weights to the bit.
    mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                    rowGradients: [String: RowGradient], frozen: Set<String> = []) {
        let alpha = beginStep()
        for entry in model.parameterPaths where !frozen.contains(entry.name) {
            if let rows = rowGradients[entry.name] {
                applyRows(entry.name, alpha: alpha, to: &model[keyPath: entry.path], rows)
                continue
            }
            guard let gradient = gradients[entry.name] else { preconditionFailure("gradient \(entry.name) is missing") }
            precondition(gradient.count == model[keyPath: entry.path].count, "gradient \(entry.name) has the wrong size")
            gradient.scalars.withUnsafeBufferPointer {
                apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: $0.baseAddress!, squaredGradient: nil)
            }
        }
    }

    private mutating func applyRows(_ name: String, alpha: Float, to weights: inout Tensor, _ rows: RowGradient) {
        precondition(weights.shape.count == 2, "row gradients are for [rows, width] weights")
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let count = weights.count, height = weights.shape[0], width = weights.shape[1]
        precondition(rows.gradient.count == rows.rows.count * width && (lazy || rows.squares.count == rows.gradient.count),
                     "row gradient \(name) has the wrong size")
        var (first, second) = moments.removeValue(forKey: name)
            ?? ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
        defer { moments[name] = (first, second) }
        precondition(first.count == count, "weight \(name) changed size between steps")
        if lazy {
            applyLazyRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows)
            return
        }
        var slot = [Int32](repeating: -1, count: height)
        for (k, row) in rows.rows.enumerated() { slot[Int(row)] = Int32(k) }
        let zeros = [Float](repeating: 0, count: width)
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    rows.gradient.withUnsafeBufferPointer { g in
                        rows.squares.withUnsafeBufferPointer { g2 in
                            zeros.withUnsafeBufferPointer { zero in
                                let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                let w = SharedPointer(base: w.baseAddress!)
                                let g = UncheckedSendable(g.baseAddress), g2 = UncheckedSendable(g2.baseAddress)
                                let zero = UncheckedSendable(zero.baseAddress!), slot = slot
                                let parts = count >= Self.parallelThreshold ? Parallel.threads : 1
                                Parallel.forEach(parts) { part in
                                    for row in height * part / parts ..< height * (part + 1) / parts {
                                        let k = Int(slot[row]), offset = row * width
                                        let gradient = k < 0 ? zero.value : g.value! + k * width
                                        let squares = k < 0 ? zero.value : g2.value! + k * width
                                        Self.step(m.base + offset, v.base + offset, w.base + offset, gradient: gradient,
                                                  squaredGradient: squares, count: width, alpha: alpha,
                                                  oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Lazy Adam's step: only `rows.rows`, with their summed gradients (squares unused).
    private func applyLazyRows(alpha: Float, weights: inout Tensor, first: inout [Float], second: inout [Float],
                               _ rows: RowGradient) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let width = weights.shape[1], count = rows.rows.count
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    rows.gradient.withUnsafeBufferPointer { g in
                        rows.rows.withUnsafeBufferPointer { ids in
                            let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                            let w = SharedPointer(base: w.baseAddress!)
                            let g = UncheckedSendable(g.baseAddress!), ids = UncheckedSendable(ids.baseAddress!)
                            // Rows are distinct, so the parts write disjoint memory.
                            let parts = count * width >= Self.parallelThreshold ? Parallel.threads : 1
                            Parallel.forEach(parts) { part in
                                for k in count * part / parts ..< count * (part + 1) / parts {
                                    let offset = Int(ids.value[k]) * width
                                    Self.step(m.base + offset, v.base + offset, w.base + offset,
                                              gradient: g.value + k * width, squaredGradient: nil, count: width,
                                              alpha: alpha, oneMinusBeta1: oneMinusBeta1,
                                              oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adam's step on `count` consecutive elements: 16 lanes at a time, then one by one, the
    /// same arithmetic per element (IEEE sqrt and division are exact in both).
    @inline(__always)
    private static func step(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
                             gradient g: UnsafePointer<Float>, squaredGradient g2: UnsafePointer<Float>?, count: Int,
                             alpha: Float, oneMinusBeta1: Float, oneMinusBeta2: Float, epsilon: Float) {
        var j = 0
        while j + 16 <= count {
            let gj = load(g + j)
            let g2j = g2.map { load($0 + j) } ?? gj * gj
            var mj = load(m + j), vj = load(v + j)
            mj += (gj - mj) * oneMinusBeta1
            vj += (g2j - vj) * oneMinusBeta2
            store(mj, m + j)
            store(vj, v + j)
            store(load(w + j) - alpha * mj / (vj.squareRoot() + epsilon), w + j)
            j += 16
        }
        while j < count {
            m[j] += (g[j] - m[j]) * oneMinusBeta1
            v[j] += ((g2?[j] ?? g[j] * g[j]) - v[j]) * oneMinusBeta2
            w[j] -= alpha * m[j] / (v[j].squareRoot() + epsilon)
            j += 1
        }
    }
}

/// A model whose weights an optimiser can walk: each with its Keras name.
public protocol ParameterizedModel {
    /// The weights in a fixed order, with Keras's names (e.g. `"lstm/kernel"`).
    var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] { get }
}
