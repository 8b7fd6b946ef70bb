/// Keras's Adam arithmetic (``AdamMoments``) with the steps of embedding rows a batch did not
/// read deferred until a batch reads them (or ``catchUp(_:)``), then applied at once. With g = 0
/// over k missed steps, m and v decay by β₁ᵏ and β₂ᵏ and w moves by Σᵢ uᵢ·m/(cᵢ√v + ε),
/// uᵢ = αₛ₊ᵢβ₁ⁱ, cᵢ = β₂^(i/2); that sum is taken as U·m/(ĉ√v + ε) with U = Σuᵢ and ĉ the
/// uᵢ-weighted harmonic mean of cᵢ: exact when √v ≫ ε or √v ≪ ε, and within cᵢ's 2% spread
/// over the steps that count between. A step costs the batch's tokens, not the vocabulary;
/// the weights follow ``Adam``'s to float rounding (DeferredAdamTests). The bag's default.
public struct DeferredAdam: AdamVariant {
    public static let kind = OptimizerKind.deferredAdam
    public var moments: AdamMoments

    public init(moments: AdamMoments) { self.moments = moments }
    /// α of every step so far (`alphas[t − 1]` is step t's), and for each weight stepped by
    /// rows the step each row is current with.
    var alphas: [Float] = []
    var currentSteps: [String: [Int32]] = [:]
    /// Rows left more than ``CatchUp/window`` steps behind: by the step s they were left at, the
    /// sums U and ĉ of their missed steps (root 0: not summed yet). Past 400 missed steps the
    /// sums stop changing (β₁⁴⁰⁰ < 1e-18), so each s is summed once per fit rather than once per
    /// row and call: at a million rows, rare rows miss thousands of steps.
    var tails: [CatchUp.Tail] = []
    /// The last catch-up's factors and the step they bring rows up to (``catchUp(through:)``).
    var catchUpFactors: (target: Int, factors: [CatchUp.Factors])?

    /// Every row is current after a fit (it ends with ``catchUp(_:)``), which the state assumes.
    public init(learningRate: Float, step: Int, tensors: [String: Tensor], rows: [String: Int]) throws {
        self.init(learningRate: learningRate)
        try moments.restore(step: step, tensors: tensors)
        guard let alphas = tensors["alphas"], alphas.count == step else {
            throw TextClassificationError.invalidArgument(name: "optimizer state", value: "alphas",
                                                          expected: "one step size per step (\(step))")
        }
        self.alphas = alphas.scalars
        for (name, count) in rows where moments.moments[name] != nil {
            currentSteps[name] = [Int32](repeating: Int32(step), count: count)
        }
    }


    /// The rows a batch reads take the steps they missed before it reads them.
    public mutating func prepare<Model: ParameterizedModel>(_ model: inout Model, rows: () -> [Int32], of name: String) {
        catchUp(&model, rows: rows(), of: name)
    }

    /// Each row read is brought up to the last step (``prepare(_:rows:of:)`` has done so before
    /// the batch), then takes this step as Keras takes it (per-position squares); it is then current.
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           rowGradients: [String: RowGradient], frozen: Set<String>) {
        let alpha = moments.beginStep()
        alphas.append(alpha)
        var currentSteps = currentSteps, summed: [CatchUp.SummedTails] = []
        self.currentSteps = [:]
        do {  // the catch-up (which shares the tails) is gone before they are kept
            let constants = moments.constants, catchUp = catchUp(through: step - 1)
            moments.update(&model, along: gradients, rowGradients: rowGradients, frozen: frozen, alpha: alpha) {
                name, weights, rows, first, second in
                precondition(rows.squares.count == rows.gradient.count, "row gradient \(name) lacks its squares")
                var current = currentSteps.removeValue(forKey: name) ?? [Int32](repeating: 0, count: weights.shape[0])
                summed.append(constants.stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows,
                                                 squares: true, catchUp: catchUp, current: &current))
                currentSteps[name] = current
            }
        }
        self.currentSteps = currentSteps
        for tails in summed { keep(tails) }
    }

    /// Brings every row of every weight stepped by rows up to the last step (the weights dense
    /// Adam would hold now). Call before reading the weights (evaluating, saving).
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model) {
        for entry in model.parameterPaths {
            guard let current = currentSteps[entry.name] else { continue }
            let stale = current.indices.filter { current[$0] < Int32(step) }.map(Int32.init)
            catchUp(&model, rows: stale, of: entry.name)
        }
    }

    /// Brings `rows` (each once) of the weight named `name` up to the last step, as a batch that
    /// reads them needs before its forward pass (their values then are dense Adam's).
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model, rows: [Int32], of name: String) {
        guard var current = currentSteps.removeValue(forKey: name),
              let entry = model.parameterPaths.first(where: { $0.name == name }) else { return }
        defer { currentSteps[name] = current }
        guard var (first, second) = moments.moments.removeValue(forKey: name) else { return }
        defer { moments.moments[name] = (first, second) }
        let target = catchUp(through: step)  // rows only: no gradient, no step
        let summed = moments.constants.stepRows(alpha: 0, weights: &model[keyPath: entry.path], first: &first, second: &second,
                                                RowGradient(rows: rows), squares: false, catchUp: target, current: &current)
        keep(summed)
    }

    /// The moments, and the step sizes so far as `alphas`.
    public var stateTensors: [(name: String, tensor: Tensor)] {
        moments.stateTensors + [("alphas", Tensor(shape: [alphas.count], scalars: alphas))]
    }

    public mutating func appendRows(_ added: Int, width: Int, to name: String) {
        moments.appendRows(added, width: width, to: name)
        if added > 0, var current = currentSteps.removeValue(forKey: name) {
            current += [Int32](repeating: Int32(step), count: added)
            currentSteps[name] = current
        }
    }

    public mutating func forget(_ name: String) {
        moments.moments[name] = nil
        currentSteps[name] = nil
    }
}
