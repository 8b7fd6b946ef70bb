/// A recurrent layer as Keras lays out its weights: `gates` blocks of `units` columns in the
/// input and recurrent kernels (``LSTM`` 4, ``GRU`` 3), from which its sizes follow.
public protocol RecurrentLayer: SequenceLayer {
    /// `[inputDim, gates·units]`; Keras's `kernel`.
    var kernel: Tensor { get }
    /// `[units, gates·units]`; Keras's `recurrent_kernel`.
    var recurrentKernel: Tensor { get }
    /// The gate blocks in each kernel.
    static var gates: Int { get }
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
}
