/// A recurrent layer as Keras lays out its weights: `gates` blocks of `units` columns in the
/// input and recurrent kernels (``LSTM`` 4, ``GRU`` 3), from which its sizes follow.
public protocol RecurrentLayer: SequenceLayer where Gradient == RecurrentGradient {
    /// Keras's three weights (its `layer.weights`), as ``kernel``, ``recurrentKernel`` and
    /// ``bias`` also give them.
    var weights: RecurrentWeights { get set }
    /// The gate blocks in each kernel.
    static var gates: Int { get }
    /// The layer's name in Keras's weight paths (`lstm` in `lstm/kernel`).
    static var kerasName: String { get }
    /// The bias's shape for `units` (the GRU keeps two rows: `reset_after`).
    static func biasShape(units: Int) -> [Int]
    /// Keras's initial bias for `units` (zeros, but for the LSTM's forget gate).
    static func initialBias(units: Int) -> Tensor
    /// A layer with these weights, unchecked: ``init(kernel:recurrentKernel:bias:)`` checks them.
    init(uncheckedWeights weights: RecurrentWeights)
}

extension RecurrentLayer {
    /// A fresh layer with Keras's initialisers drawn from `random` in Keras's order: the
    /// Glorot-uniform `kernel`, then the orthogonal `recurrent_kernel`; ``initialBias(units:)``.
    public init(inputDim: Int, units: Int, using random: inout RandomGenerator) {
        let kernel = Initializer.glorotUniform.make(rows: inputDim, columns: Self.gates * units, using: &random)
        let recurrentKernel = Initializer.orthogonal.make(rows: units, columns: Self.gates * units, using: &random)
        self.init(uncheckedWeights: RecurrentWeights(kernel: kernel, recurrentKernel: recurrentKernel,
                                                     bias: Self.initialBias(units: units)))
    }

    /// A layer with these weights (Keras's shapes and gate order). Traps unless the shapes are
    /// Keras's for this layer: a programmer error, not a data error, as weights read from a
    /// model directory are shape-checked (with a thrown, named error) in
    /// `TextClassifier(contentsOf:)` first.
    public init(kernel: Tensor, recurrentKernel: Tensor, bias: Tensor) {
        let units = recurrentKernel.shape[0], width = Self.gates * units
        precondition(kernel.shape.count == 2 && kernel.shape[1] == width
                     && recurrentKernel.shape == [units, width] && bias.shape == Self.biasShape(units: units),
                     "\(Self.self) weights must be kernel [in, \(Self.gates)u], recurrent_kernel [u, \(Self.gates)u], bias \(Self.biasShape(units: units))")
        self.init(uncheckedWeights: RecurrentWeights(kernel: kernel, recurrentKernel: recurrentKernel, bias: bias))
    }

    // Read and written in place (`_modify`): the optimizer steps them through key paths.
    /// `[inputDim, gates·units]`; Keras's `kernel`.
    public var kernel: Tensor { get { weights.kernel } _modify { yield &weights.kernel } }
    /// `[units, gates·units]`; Keras's `recurrent_kernel`.
    public var recurrentKernel: Tensor { get { weights.recurrentKernel } _modify { yield &weights.recurrentKernel } }
    /// Keras's `bias`, of ``biasShape(units:)``.
    public var bias: Tensor { get { weights.bias } _modify { yield &weights.bias } }

    /// The input width.
    public var inputDim: Int { kernel.shape[0] }
    /// The state width (Keras's `units`).
    public var units: Int { recurrentKernel.shape[0] }
    /// Recurrent-dropout mask values per row: one per gate and unit.
    public var recurrentMaskWidth: Int { Self.gates * units }

    /// The output and a function from the output's gradient to the input's and the weights'.
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        appliedForBackpropagation(to: input, recurrentMasks: nil)
    }

    /// `masks` as each gate reads them. Traps unless `input` is `[batch, steps, inputDim]` and
    /// `masks` hold ``recurrentMaskWidth`` values per batch row: programmer errors, as the masks
    /// are made for the layer and weights read from a model directory are shape-checked (with a
    /// thrown, named error) before they get here.
    func checkedMasks(_ masks: [Float]?, for input: Tensor) -> RecurrentMasks? {
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        precondition(masks.map { $0.count == input.shape[0] * recurrentMaskWidth } ?? true,
                     "one mask of \(Self.gates)·units per batch row")
        return masks.map { RecurrentMasks(values: $0, gates: Self.gates, units: units) }
    }
}
