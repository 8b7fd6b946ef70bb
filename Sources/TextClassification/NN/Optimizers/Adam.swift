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
/// A weight whose gradient comes by rows (the embedding, on the training loop's paths) can
/// step in three ways (``RowSteps``); every other weight steps as in Keras.
///
/// ```swift
/// var adam = Adam()                        // lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7
/// adam.update(&model, along: gradients)    // one step
/// var deferred = Adam(learningRate: 0.002, rowSteps: .deferred)
/// ```
public struct Adam: Sendable {
    /// The step size (Keras's `learning_rate`).
    public var learningRate: Float
    /// The first moment's decay (Keras's `beta_1`).
    public let beta1: Float
    /// The second moment's decay (Keras's `beta_2`).
    public let beta2: Float
    /// Added to the second moment's root (Keras's `epsilon`, 1e-7).
    public let epsilon: Float
    /// How weights given by rows step.
    public enum RowSteps: Sendable {
        /// Every row, every step, as Keras: a row without gradient still moves by its decaying
        /// moments. A step costs the whole table.
        case dense
        /// Keras's arithmetic, with the steps of a row the batch did not read deferred until a
        /// batch reads it (or ``Adam/catchUp(_:)``), then applied at once. With g = 0 over k
        /// missed steps, m and v decay by β₁ᵏ and β₂ᵏ and w moves by Σᵢ uᵢ·m/(cᵢ√v + ε),
        /// uᵢ = αₛ₊ᵢβ₁ⁱ, cᵢ = β₂^(i/2); that sum is taken as U·m/(ĉ√v + ε) with U = Σuᵢ and ĉ
        /// the uᵢ-weighted harmonic mean of cᵢ: exact when √v ≫ ε or √v ≪ ε, and within cᵢ's
        /// 2% spread over the steps that count between. A step costs the batch's tokens; the
        /// weights follow dense Adam's to float rounding (tested).
        case deferred
        /// TensorFlow Addons' `LazyAdam`, PyTorch's `SparseAdam`: only the rows a batch read
        /// step, their moments with the row's summed gradient g (and g², not Keras's
        /// per-position squares); the others stay as they are. Another optimiser than Keras's:
        /// rarely seen rows move less. `Scripts/keras-reference/lazy_adam_reference.py` is the reference.
        case lazy
    }

    /// How weights given by rows step (see ``RowSteps``).
    public let rowSteps: RowSteps
    /// With `lazy` rows, the squared gradients are those of the summed row gradients.
    var lazy: Bool { rowSteps == .lazy }
    /// Deferred rows: α of every step so far (`alphas[t − 1]` is step t's), and for each
    /// weight the step each row is current with.
    var alphas: [Float] = []
    var currentSteps: [String: [Int32]] = [:]
    /// Deferred rows left more than ``CatchUp/window`` steps behind: by the step s they were
    /// left at, the sums U and ĉ of their missed steps (root 0: not summed yet). Past 400
    /// missed steps the sums stop changing (β₁⁴⁰⁰ < 1e-18), so each s is summed once per fit
    /// rather than once per row and call: at a million rows, rare rows miss thousands of steps.
    var tails: [CatchUp.Tail] = []
    /// The last catch-up's factors and the step they bring rows up to (``catchUp(through:)``).
    var catchUpFactors: (target: Int, factors: [CatchUp.Factors])?
    /// Steps taken so far (Keras's `iterations`).
    public internal(set) var step = 0
    /// Each weight's first and second moments, by name.
    var moments: [String: (first: [Float], second: [Float])] = [:]

    /// Keras's `Adam` with its defaults; `rowSteps` says how the embedding's rows are stepped
    /// (``RowSteps``: every row every batch as Keras does, or only the rows a batch reads).
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                rowSteps: RowSteps = .dense) {
        self.learningRate = learningRate
        self.rowSteps = rowSteps
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

    /// Counts the step; returns its step size α.
    mutating func beginStep() -> Float {
        step += 1
        // In Float, as Keras computes it for float32 weights.
        let t = Float(step)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        if rowSteps == .deferred { alphas.append(alpha) }
        return alpha
    }

    /// Weights this large are updated on every core (element ranges; the result does not depend on it).
    static let parallelThreshold = 1 << 14

    mutating func apply(_ name: String, alpha: Float, to weights: inout Tensor, gradient: UnsafePointer<Float>,
                                squaredGradient: UnsafePointer<Float>?) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let count = weights.count
        // Taken out of the dictionary while updated (uniquely referenced: no copy), put back after.
        var (first, second) = moments.removeValue(forKey: name)
            ?? ([Float](largeZeros: count), [Float](largeZeros: count))
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

    /// Adam's step on `count` consecutive elements: 16 lanes at a time, then one by one, the
    /// same arithmetic per element (IEEE sqrt and division are exact in both).
    @inline(__always)
    static func step(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
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
