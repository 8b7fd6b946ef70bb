/// What ``LSTM`` and ``GRU`` share as encoders: Keras's layer text, weight names and shapes
/// follow from ``RecurrentLayer/kerasName``, ``RecurrentLayer/gates`` and the bias's shape.
extension EncoderLayer where Self: RecurrentLayer {
    static func kerasLayers(units: Int) -> String { "\(kerasName.uppercased())(\(units))" }

    static var readsOrder: Bool { true }

    /// The gates and states kept for the backward pass.
    static func activationsPerToken(units: Int) -> Int { 6 * units }

    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator) {
        self.init(inputDim: embeddingDim, units: units, using: &random)
    }

    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        [("\(kerasName)/kernel", \.kernel), ("\(kerasName)/recurrent_kernel", \.recurrentKernel),
         ("\(kerasName)/bias", \.bias)]
    }

    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]] {
        [[embeddingDim, gates * units], [units, gates * units], biasShape(units: units)]
    }

    static func tensors(of gradient: RecurrentGradient) -> [Tensor] {
        [gradient.kernel, gradient.recurrentKernel, gradient.bias]
    }
}
