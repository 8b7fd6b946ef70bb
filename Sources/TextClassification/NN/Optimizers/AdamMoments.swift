import CKernels
import Foundation

/// Adam's arithmetic, shared by the three Adams (``Adam``, ``DeferredAdam``, ``LazyAdam``):
/// Keras's defaults and update (keras/src/optimizers/adam.py): at step t,
/// `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, `m += (g−m)(1−β₁)`, `v += (g²−v)(1−β₂)`, `w −= α·m/(√v + ε)` —
/// ε added to √v, not to the bias-corrected √v̂. The Adams differ only in how a weight given by
/// rows (the embedding) steps. Opaque outside the package: each Adam's state.
public struct AdamMoments: Sendable {
    var learningRate: Float
    let beta1: Float, beta2: Float, epsilon: Float
    /// Steps taken so far (Keras's `iterations`).
    var step = 0
    /// Each weight's first and second moments, by name.
    var moments: [String: (first: [Float], second: [Float])] = [:]

    init(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Counts the step; returns its step size α.
    mutating func beginStep() -> Float {
        step += 1
        // In Float, as Keras computes it for float32 weights.
        let t = Float(step)
        return learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
    }

    /// One step of size `alpha` on every weight of `model` but `frozen`: the dense ones as
    /// Keras, those in `rowGradients` by `stepRows(name, weights, rows, m, v)`.
    mutating func update<Model: ParameterizedModel>(
        _ model: inout Model, along gradients: [String: Tensor], rowGradients: [String: RowGradient], frozen: Set<String>,
        alpha: Float, stepRows: (String, inout Tensor, RowGradient, inout [Float], inout [Float]) -> Void
    ) {
        for entry in model.parameterPaths where !frozen.contains(entry.name) {
            if let rows = rowGradients[entry.name] {
                let weights = model[keyPath: entry.path]
                precondition(weights.shape.count == 2 && rows.gradient.count == rows.rows.count * weights.shape[1],
                             "row gradient \(entry.name) has the wrong size")
                var (first, second) = take(entry.name, count: weights.count)
                stepRows(entry.name, &model[keyPath: entry.path], rows, &first, &second)
                moments[entry.name] = (first, second)
                continue
            }
            guard let gradient = gradients[entry.name] else { preconditionFailure("gradient \(entry.name) is missing") }
            precondition(gradient.count == model[keyPath: entry.path].count, "gradient \(entry.name) has the wrong size")
            apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: gradient.scalars)
        }
    }

    /// Weight `name`'s moments taken out (zeros the first time), to be put back after the step:
    /// uniquely referenced meanwhile, so updated without a copy.
    mutating func take(_ name: String, count: Int) -> (first: [Float], second: [Float]) {
        let taken = moments.removeValue(forKey: name) ?? ([Float](largeZeros: count), [Float](largeZeros: count))
        precondition(taken.first.count == count, "weight \(name) changed size between steps")
        return taken
    }

    /// Weights this large are updated on every core (element ranges; the result does not depend on it).
    static let parallelThreshold = 1 << 14

    /// One step of weight `name` from its whole gradient; `squaredGradient`, when given, in
    /// place of g² (see ``Adam``).
    mutating func apply(_ name: String, alpha: Float, to weights: inout Tensor, gradient: [Float],
                        squaredGradient: [Float]? = nil) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let count = weights.count, squares = squaredGradient != nil
        // Taken out of the dictionary while updated (uniquely referenced: no copy), put back after.
        var (first, second) = take(name, count: count)
        defer { moments[name] = (first, second) }
        func loop(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
                  _ g: UnsafePointer<Float>, _ g2: UnsafePointer<Float>) {
            let (m, v, w) = (SharedPointer(base: m), SharedPointer(base: v), SharedPointer(base: w))
            let g = UncheckedSendable(g), g2 = UncheckedSendable(squares ? g2 : nil)
            let parts = count >= Self.parallelThreshold ? Parallel.threads : 1
            Parallel.forEach(parts) { part in
                let start = count * part / parts, end = count * (part + 1) / parts
                Self.step(m.base + start, v.base + start, w.base + start, gradient: g.value + start,
                          squaredGradient: g2.value.map { $0 + start }, count: end - start, alpha: alpha,
                          oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
            }
        }
        loop(&first, &second, &weights.scalars, gradient, squaredGradient ?? gradient)
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

    /// How many rows ahead the row loops name the rows they will step next (``prefetch(row:width:_:_:_:)``).
    static let prefetchDistance = 6

    /// Starts loading row `row` of a `[rows, width]` weight and its two moments (rows are
    /// read at random from tables far larger than the caches).
    @inline(__always)
    static func prefetch(row: Int, width: Int, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ w: UnsafeMutablePointer<Float>, current: UnsafeMutablePointer<Int32>? = nil) {
        let offset = row * width, bytes = Int64(width * MemoryLayout<Float>.stride)
        textclf_prefetch(w + offset, bytes)
        textclf_prefetch(m + offset, bytes)
        textclf_prefetch(v + offset, bytes)
        if let current { textclf_prefetch(current + row, 4) }
    }

    /// The moments as `NAME/m` and `NAME/v` (flat).
    var stateTensors: [(name: String, tensor: Tensor)] {
        moments.keys.sorted().flatMap { name -> [(name: String, tensor: Tensor)] in
            let (m, v) = moments[name]!
            return [("\(name)/m", Tensor(shape: [m.count], scalars: m)), ("\(name)/v", Tensor(shape: [v.count], scalars: v))]
        }
    }

    /// Resumes after `step` steps from ``stateTensors``.
    mutating func restore(step: Int, tensors: [String: Tensor]) throws {
        self.step = step
        for (name, first) in tensors where name.hasSuffix("/m") {
            let weight = String(name.dropLast(2))
            guard let second = tensors[weight + "/v"], second.count == first.count else {
                throw TextClassificationError.invalidArgument(name: "optimizer state", value: weight, expected: "both moments, of one size")
            }
            moments[weight] = (first.scalars, second.scalars)
        }
    }

    /// Zero moments for `added` new rows of `width` at the end of weight `name`, as a fresh
    /// Adam would start them.
    mutating func appendRows(_ added: Int, width: Int, to name: String) {
        guard added > 0, var (first, second) = moments.removeValue(forKey: name) else { return }
        first += [Float](repeating: 0, count: added * width)
        second += [Float](repeating: 0, count: added * width)
        moments[name] = (first, second)
    }
}

extension AdamMoments {
    /// What a step's row loop reads of the optimizer: copied into the Adams' row closures
    /// instead of the optimizer (whose moments the loop is updating, uniquely referenced).
    struct Constants: Sendable {
        let beta1: Float, beta2: Float, epsilon: Float, step: Int

    /// Adam's step on `rows.rows` only, each with its summed gradient and, with `squares`, its
    /// per-position squares (deferred Adam, as Keras) or else g² (lazy Adam); the rows are
    /// distinct, so the cores' parts write apart. With `catchUp`, each row is first brought up
    /// to its target (and with no gradient, only that) and said in `current` to be current;
    /// returns the tails catch-up summed. The loop deferred Adam's catch-up before a batch shares.
    func stepRows(alpha: Float, weights: inout Tensor, first: inout [Float], second: inout [Float],
                  _ rows: RowGradient, squares: Bool, catchUp: DeferredAdam.CatchUp? = nil,
                  current: inout [Int32]) -> DeferredAdam.CatchUp.SummedTails {
        let width = weights.shape[1], count = rows.rows.count, steps = !rows.gradient.isEmpty
        guard count > 0 else { return [:] }  // a batch of texts with no known token
        let parts = count * width >= AdamMoments.parallelThreshold ? Parallel.threads : 1
        let step = Int32(self.step), oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        var summed = [DeferredAdam.CatchUp.SummedTails](repeating: [:], count: parts)
        func loop(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
                  _ current: UnsafeMutablePointer<Int32>, _ summed: UnsafeMutablePointer<DeferredAdam.CatchUp.SummedTails>,
                  _ g: UnsafePointer<Float>, _ g2: UnsafePointer<Float>, _ ids: UnsafePointer<Int32>) {
            let (m, v, w) = (SharedPointer(base: m), SharedPointer(base: v), SharedPointer(base: w))
            let current = SharedPointer(base: current), summed = SharedPointer(base: summed)
            let (g, g2, ids) = (UncheckedSendable(g), UncheckedSendable(squares ? g2 : nil), UncheckedSendable(ids))
            Parallel.forEach(parts) { part in
                let end = count * (part + 1) / parts, ahead = AdamMoments.prefetchDistance
                for k in count * part / parts ..< end {
                    if k + ahead < end {
                        AdamMoments.prefetch(row: Int(ids.value[k + ahead]), width: width, m.base, v.base, w.base,
                                             current: catchUp == nil ? nil : current.base)
                    }
                    let row = Int(ids.value[k]), offset = row * width
                    catchUp?.bringUp(row, width: width, current: current.base, m.base, v.base, w.base,
                                     summed: &summed.base[part])
                    guard steps else { continue }
                    if catchUp != nil { current.base[row] = step }
                    AdamMoments.step(m.base + offset, v.base + offset, w.base + offset, gradient: g.value + k * width,
                                     squaredGradient: g2.value.map { $0 + k * width }, count: width, alpha: alpha,
                                     oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                }
            }
        }
        loop(&first, &second, &weights.scalars, &current, &summed, rows.gradient, rows.squares, rows.rows)
        return summed.reduce(into: [:]) { all, part in all.merge(part) { kept, _ in kept } }
    }
    }

    var constants: Constants { Constants(beta1: beta1, beta2: beta2, epsilon: epsilon, step: step) }
}

/// The three Adams: one ``AdamMoments`` each, and everything but their row step in common.
public protocol AdamVariant: Optimizer {
    /// Its hyper-parameters, step and moments.
    var moments: AdamMoments { get set }
    /// An optimizer of these moments.
    init(moments: AdamMoments)
}

extension AdamVariant {
    /// Keras's `Adam` defaults: `learning_rate` 0.001, `beta_1` 0.9, `beta_2` 0.999, `epsilon` 1e-7.
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.init(moments: AdamMoments(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon))
    }

    public static func make(learningRate: Float) -> Self { Self(learningRate: learningRate) }

    public init(learningRate: Float, step: Int, tensors: [String: Tensor], rows: [String: Int]) throws {
        self.init(learningRate: learningRate)
        try moments.restore(step: step, tensors: tensors)
    }

    public var learningRate: Float {
        get { moments.learningRate }
        set { moments.learningRate = newValue }
    }
    public var step: Int { moments.step }
    /// The first moment's decay (Keras's `beta_1`).
    public var beta1: Float { moments.beta1 }
    /// The second moment's decay (Keras's `beta_2`).
    public var beta2: Float { moments.beta2 }
    /// Added to the second moment's root (Keras's `epsilon`, 1e-7).
    public var epsilon: Float { moments.epsilon }
    /// The moments as `NAME/m` and `NAME/v` (flat).
    public var stateTensors: [(name: String, tensor: Tensor)] { moments.stateTensors }
    public mutating func appendRows(_ added: Int, width: Int, to name: String) { moments.appendRows(added, width: width, to: name) }
    public mutating func forget(_ name: String) { moments.moments[name] = nil }
}
