import CKernels
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
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
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
    private var alphas: [Float] = []
    private var currentSteps: [String: [Int32]] = [:]
    /// Deferred rows left more than ``CatchUp/window`` steps behind: by the step s they were
    /// left at, the sums U and ĉ of their missed steps (root 0: not summed yet). Past 400
    /// missed steps the sums stop changing (β₁⁴⁰⁰ < 1e-18), so each s is summed once per fit
    /// rather than once per row and call: at a million rows, rare rows miss thousands of steps.
    private var tails: [CatchUp.Tail] = []
    /// Steps taken so far (Keras's `iterations`).
    public private(set) var step = 0
    /// Each weight's first and second moments, by name.
    private var moments: [String: (first: [Float], second: [Float])] = [:]

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
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        if rowSteps == .deferred { alphas.append(alpha) }
        return alpha
    }

    /// Weights this large are updated on every core (element ranges; the result does not depend on it).
    private static let parallelThreshold = 1 << 14

    private mutating func apply(_ name: String, alpha: Float, to weights: inout Tensor, gradient: UnsafePointer<Float>,
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
            ?? ([Float](largeZeros: count), [Float](largeZeros: count))
        defer { moments[name] = (first, second) }
        precondition(first.count == count, "weight \(name) changed size between steps")
        if lazy {
            stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows, squares: false)
            return
        }
        if rowSteps == .deferred {
            var current = currentSteps.removeValue(forKey: name) ?? [Int32](repeating: 0, count: height)
            defer { currentSteps[name] = current }
            catchUp(rows.rows, current: &current, weights: &weights, first: &first, second: &second, through: step - 1)
            // This step, as Keras takes it (per-position squares), on the rows read; they are then current.
            stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows, squares: true)
            for row in rows.rows { current[Int(row)] = Int32(step) }
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

    /// Deferred rows: brings every row of every row-wise weight up to the last step (the
    /// weights dense Adam would hold now). Call before reading the weights (evaluating,
    /// saving); a no-op for the other kinds of steps.
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model) {
        guard rowSteps == .deferred else { return }
        for entry in model.parameterPaths {
            guard var current = currentSteps.removeValue(forKey: entry.name),
                  var (first, second) = moments.removeValue(forKey: entry.name) else { continue }
            let stale = current.indices.filter { current[$0] < Int32(step) }.map(Int32.init)
            catchUp(stale, current: &current, weights: &model[keyPath: entry.path], first: &first, second: &second,
                    through: step)
            currentSteps[entry.name] = current
            moments[entry.name] = (first, second)
        }
    }

    /// Deferred rows: brings `rows` of the weight named `name` up to the last step, as a
    /// batch that reads them needs before its forward pass (their values then are dense
    /// Adam's). A no-op for the other kinds of steps.
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model, rows: [Int32], of name: String) {
        guard rowSteps == .deferred, var current = currentSteps.removeValue(forKey: name),
              let entry = model.parameterPaths.first(where: { $0.name == name }) else { return }
        guard var (first, second) = moments.removeValue(forKey: name) else {
            currentSteps[name] = current
            return
        }
        catchUp(rows, current: &current, weights: &model[keyPath: entry.path], first: &first, second: &second,
                through: step)
        currentSteps[name] = current
        moments[name] = (first, second)
    }

    /// Brings `rows` (each once) from their current step up to step `target`, first summing the
    /// factors of any step s a row was left at long ago that no row needed before (``tails``).
    private mutating func catchUp(_ rows: [Int32], current: inout [Int32], weights: inout Tensor, first: inout [Float],
                                  second: inout [Float], through target: Int) {
        let window = min(target, CatchUp.window)
        if tails.count < target { tails += repeatElement(CatchUp.Tail(step: 0, root: 0), count: target - tails.count) }
        var sums: CatchUp?
        for row in rows {
            let s = Int(current[Int(row)])
            if target - s > window && tails[s].root == 0 {
                sums = sums ?? CatchUp(adam: self)
                tails[s] = sums!.tail(from: s)
            }
        }
        CatchUp(adam: self).apply(rows, current: &current, weights: &weights, first: &first, second: &second,
                                  through: target)
    }

    /// The closed form of the steps a deferred row missed (see ``RowSteps/deferred``).
    private struct CatchUp {
        let alphas: [Float]
        let beta1: Double, beta2: Double
        let epsilon: Float

        /// Steps missed that the factor table of each call covers; older rows read ``Adam/tails``.
        static let window = 1024
        let tails: [Tail]

        init(adam: Adam) {
            alphas = adam.alphas
            tails = adam.tails
            beta1 = Double(adam.beta1)
            beta2 = Double(adam.beta2)
            epsilon = adam.epsilon
        }

        /// U and ĉ for a row left at step s that missed more than 400 steps: U = Σᵢ uᵢ with
        /// uᵢ = αₛ₊ᵢβ₁ⁱ and ĉ = U / Σᵢ uᵢ/cᵢ, cᵢ = β₂^(i/2), i = 1…400 (the terms past 400 are
        /// below 1e-18 of the first).
        func tail(from s: Int) -> Tail {
            var sum = 0.0, harmonic = 0.0, first = 1.0, root = 1.0
            let rootBeta2 = beta2.squareRoot()
            for i in 1...400 {
                first *= beta1
                root *= rootBeta2
                let u = Double(alphas[s + i - 1]) * first
                sum += u
                harmonic += u / root
            }
            return Tail(step: Float(sum), root: Float(sum / harmonic))
        }

        struct Tail {
            var step: Float, root: Float
        }

        struct Factors {
            var step: Float, root: Float, first: Float, second: Float
        }

        /// Brings `rows` (each once) from their current step up to step `target`.
        func apply(_ rows: [Int32], current: inout [Int32], weights: inout Tensor, first: inout [Float],
                   second: inout [Float], through target: Int) {
            let width = weights.shape[1], stale = Int32(target)
            // The training loop catches a batch's rows up before the batch: nothing left to do.
            guard rows.contains(where: { current[Int($0)] < stale }) else { return }
            // The factors of every s in the last `window` steps at once, from the recurrences
            // U(s) = β₁(αₛ₊₁ + U(s+1)) and Σuᵢ/cᵢ (s) = r(αₛ₊₁ + …(s+1)), r = β₁/√β₂, both 0 at
            // s = target; older rows (k beyond the window) read their sums from `tails`.
            let window = min(target, Self.window)
            var table = [Factors](repeating: Factors(step: 0, root: 1, first: 1, second: 1), count: window)
            var sum = 0.0, harmonic = 0.0, decay1 = 1.0, decay2 = 1.0
            let r = beta1 / beta2.squareRoot()
            for k in stride(from: 1, through: window, by: 1) {
                let alpha = Double(alphas[target - k])  // α of step target − k + 1
                sum = beta1 * (alpha + sum)
                harmonic = r * (alpha + harmonic)
                decay1 *= beta1
                decay2 *= beta2
                table[k - 1] = Factors(step: Float(sum), root: Float(sum / harmonic), first: Float(decay1), second: Float(decay2))
            }
            // Rows are distinct, so the parts write apart.
            let parts = rows.count * width >= Adam.parallelThreshold ? Parallel.threads : 1
            current.withUnsafeMutableBufferPointer { current in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        weights.scalars.withUnsafeMutableBufferPointer { w in
                            rows.withUnsafeBufferPointer { rows in
                                let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                let w = SharedPointer(base: w.baseAddress!), current = SharedPointer(base: current.baseAddress!)
                                let rows = UncheckedSendable(rows), table = table
                                Parallel.forEach(parts) { part in
                                    let end = rows.value.count * (part + 1) / parts
                                    for k in rows.value.count * part / parts ..< end {
                                        if k + Adam.prefetchDistance < end {
                                            Adam.prefetch(row: Int(rows.value[k + Adam.prefetchDistance]), width: width, m.base, v.base, w.base)
                                        }
                                        let row = Int(rows.value[k])
                                        let s = current.base[row], missed = target - Int(s)
                                        guard missed > 0 else { continue }
                                        current.base[row] = Int32(target)
                                        let f: Factors
                                        if missed <= window {
                                            f = table[missed - 1]
                                        } else {
                                            let tail = tails[Int(s)]
                                            f = Factors(step: tail.step, root: tail.root, first: Float(pow(beta1, Double(missed))),
                                                        second: Float(pow(beta2, Double(missed))))
                                        }
                                        catchUp(row * width, width, m.base, v.base, w.base, f)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        /// One row's k missed updates Σᵢ uᵢ·m/(cᵢ√v + ε) as U·m/(ĉ√v + ε): exact when √v ≫ ε
        /// and when √v ≪ ε, within cᵢ's spread (≤ 2% over the ~40 steps that carry β₁ⁱ) between.
        private func catchUp(_ start: Int, _ width: Int, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                             _ w: UnsafeMutablePointer<Float>, _ f: Factors) {
            let step = SIMD16<Float>(repeating: f.step), root = SIMD16<Float>(repeating: f.root)
            let decay1 = SIMD16<Float>(repeating: f.first), decay2 = SIMD16<Float>(repeating: f.second)
            let epsilon16 = SIMD16<Float>(repeating: epsilon)
            var j = start
            let end = start + width
            while j + 16 <= end {
                let mj = load(m + j), vj = load(v + j)
                store(load(w + j) - step * mj / (root * vj.squareRoot() + epsilon16), w + j)
                store(mj * decay1, m + j)
                store(vj * decay2, v + j)
                j += 16
            }
            while j < end {
                w[j] -= f.step * m[j] / (f.root * v[j].squareRoot() + epsilon)
                m[j] *= f.first
                v[j] *= f.second
                j += 1
            }
        }
    }

    /// Adam's step on `rows.rows` only, each with its summed gradient and, with `squares`, its
    /// per-position squares (deferred Adam, as Keras) or else g² (lazy Adam); the rows are
    /// distinct, so the cores' parts write apart.
    private func stepRows(alpha: Float, weights: inout Tensor, first: inout [Float], second: inout [Float],
                          _ rows: RowGradient, squares: Bool) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let width = weights.shape[1], count = rows.rows.count
        guard count > 0 else { return }  // a batch of texts with no known token
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    rows.gradient.withUnsafeBufferPointer { g in
                        rows.squares.withUnsafeBufferPointer { g2 in
                            rows.rows.withUnsafeBufferPointer { ids in
                                let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                let w = SharedPointer(base: w.baseAddress!), ids = UncheckedSendable(ids.baseAddress!)
                                let g = UncheckedSendable(g.baseAddress!)
                                let g2 = UncheckedSendable(squares ? g2.baseAddress : nil)
                                let parts = count * width >= Self.parallelThreshold ? Parallel.threads : 1
                                Parallel.forEach(parts) { part in
                                    let end = count * (part + 1) / parts
                                    for k in count * part / parts ..< end {
                                        if k + Self.prefetchDistance < end {
                                            Self.prefetch(row: Int(ids.value[k + Self.prefetchDistance]), width: width, m.base, v.base, w.base)
                                        }
                                        let offset = Int(ids.value[k]) * width
                                        Self.step(m.base + offset, v.base + offset, w.base + offset,
                                                  gradient: g.value + k * width, squaredGradient: g2.value.map { $0 + k * width },
                                                  count: width, alpha: alpha, oneMinusBeta1: oneMinusBeta1,
                                                  oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// How many rows ahead the row loops name the rows they will step next (``prefetch(row:width:_:_:_:)``).
    static let prefetchDistance = 6

    /// Starts loading row `row` of a `[rows, width]` weight and its two moments (rows are
    /// read at random from tables far larger than the caches).
    @inline(__always)
    static func prefetch(row: Int, width: Int, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ w: UnsafeMutablePointer<Float>) {
        let offset = row * width, bytes = Int64(width * MemoryLayout<Float>.stride)
        textclf_prefetch(w + offset, bytes)
        textclf_prefetch(m + offset, bytes)
        textclf_prefetch(v + offset, bytes)
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
