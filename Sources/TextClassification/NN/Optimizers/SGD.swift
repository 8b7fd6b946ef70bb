/// Plain stochastic gradient descent with fastText's schedule: `w −= rate·g`, the rate falling
/// linearly from ``learningRate`` to 0 over the fit's steps (fastText's `lr·(1 − progress)`).
/// No moments, so no state beyond the step; a weight given by rows moves only at the rows a
/// batch read (the others' gradient is 0), so a step costs the batch's tokens.
///
/// fastText updates after every text with the text's own gradient; a batch's loss here is the
/// mean over its rows, so the same pull per text takes a rate `batchSize` times larger (the
/// bag's preset for SGD is measured in docs/accuracy.md). A continued fit (`fit --from`)
/// starts its own decay.
///
/// ```swift
/// var sgd = SGD(learningRate: 0.5)
/// try model.fit(padded, labels: labels, epochs: 5, optimizer: &sgd)
/// ```
public struct SGD: Optimizer {
    public static let kind = OptimizerKind.sgd
    public var learningRate: Float
    public private(set) var step = 0
    /// The step this fit's decay started at, and the steps it decays over.
    private var start = 0, steps = 0

    /// SGD starting at `learningRate`.
    public init(learningRate: Float = 0.1) {
        self.learningRate = learningRate
    }

    public static func make(learningRate: Float) -> SGD { SGD(learningRate: learningRate) }

    public init(learningRate: Float, step: Int, tensors: [String: Tensor], rows: [String: Int]) throws {
        self.init(learningRate: learningRate)
        self.step = step
    }

    public mutating func begin(steps: Int) {
        start = step
        self.steps = steps
    }

    /// The rate of the next step: `learningRate` until ``begin(steps:)`` says how many there
    /// are, then falling linearly to 0 by the last.
    var currentRate: Float {
        guard steps > 0 else { return learningRate }
        return learningRate * max(0, 1 - Float(step - start) / Float(steps))
    }

    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           rowGradients: [String: RowGradient], frozen: Set<String>) {
        let rate = currentRate
        step += 1
        for entry in model.parameterPaths where !frozen.contains(entry.name) {
            if let rows = rowGradients[entry.name] {
                let width = model[keyPath: entry.path].shape[1]
                precondition(rows.gradient.count == rows.rows.count * width, "row gradient \(entry.name) has the wrong size")
                model[keyPath: entry.path].scalars.withUnsafeMutableBufferPointer { w in
                    for (k, row) in rows.rows.enumerated() {
                        for j in 0..<width { w[Int(row) * width + j] -= rate * rows.gradient[k * width + j] }
                    }
                }
                continue
            }
            guard let gradient = gradients[entry.name] else { preconditionFailure("gradient \(entry.name) is missing") }
            precondition(gradient.count == model[keyPath: entry.path].count, "gradient \(entry.name) has the wrong size")
            model[keyPath: entry.path].scalars.withUnsafeMutableBufferPointer { w in
                for j in 0..<gradient.count { w[j] -= rate * gradient.scalars[j] }
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] { [] }
    public mutating func appendRows(_ added: Int, width: Int, to name: String) {}
    public mutating func forget(_ name: String) {}
}
