/// A recurrent layer as Keras lays out its weights: `gates` blocks of `units` columns in the
/// input and recurrent kernels (``LSTM`` 4, ``GRU`` 3), from which its sizes follow.
public protocol RecurrentLayer: SequenceLayer where Gradient == RecurrentGradient {
    /// `[inputDim, gates·units]`; Keras's `kernel`.
    var kernel: Tensor { get set }
    /// `[units, gates·units]`; Keras's `recurrent_kernel`.
    var recurrentKernel: Tensor { get set }
    /// Keras's `bias`, of ``biasShape(units:)``.
    var bias: Tensor { get set }
    /// The gate blocks in each kernel.
    static var gates: Int { get }
    /// The layer's name in Keras's weight paths (`lstm` in `lstm/kernel`).
    static var kerasName: String { get }
    /// The bias's shape for `units` (the GRU keeps two rows: `reset_after`).
    static func biasShape(units: Int) -> [Int]
    /// A fresh layer with Keras's initialisers drawn from `random` in Keras's order.
    init(inputDim: Int, units: Int, using random: inout RandomGenerator)
}

extension RecurrentLayer {
    /// The input width.
    public var inputDim: Int { kernel.shape[0] }
    /// The state width (Keras's `units`).
    public var units: Int { recurrentKernel.shape[0] }
    /// Recurrent-dropout mask values per row: one per gate and unit.
    public var recurrentMaskWidth: Int { Self.gates * units }

    /// Keras's initial kernels, drawn in its order: Glorot-uniform `kernel`, then orthogonal
    /// `recurrent_kernel`.
    static func initialKernels(inputDim: Int, units: Int, using random: inout RandomGenerator)
        -> (kernel: Tensor, recurrentKernel: Tensor) {
        let kernel = Initializer.glorotUniform.make(rows: inputDim, columns: gates * units, using: &random)
        return (kernel, Initializer.orthogonal.make(rows: units, columns: gates * units, using: &random))
    }

    /// Traps unless the weights have Keras's shapes for this layer. A programmer error, not a
    /// data error: weights read from a model directory are shape-checked (with a thrown, named
    /// error) in `TextClassifier(contentsOf:)` first.
    static func checkShapes(kernel: Tensor, recurrentKernel: Tensor, bias: Tensor) {
        let units = recurrentKernel.shape[0], width = gates * units
        precondition(kernel.shape.count == 2 && kernel.shape[1] == width
                     && recurrentKernel.shape == [units, width] && bias.shape == biasShape(units: units),
                     "\(Self.self) weights must be kernel [in, \(gates)u], recurrent_kernel [u, \(gates)u], bias \(biasShape(units: units))")
    }
}
