/// Lazy Adam (TensorFlow Addons' `LazyAdam`, PyTorch's `SparseAdam`): only the rows a batch
/// read step, their moments with the row's summed gradient g (and g², not Keras's per-position
/// squares); the others stay as they are. Another optimiser than Keras's: rarely seen rows move
/// less. `Scripts/keras-reference/lazy_adam_reference.py` is the reference.
public struct LazyAdam: AdamVariant {
    public static let kind = OptimizerKind.lazyAdam
    public var moments: AdamMoments

    public init(moments: AdamMoments) { self.moments = moments }

    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           rowGradients: [String: RowGradient], frozen: Set<String>) {
        let alpha = moments.beginStep(), constants = moments.constants
        self.moments.update(&model, along: gradients, rowGradients: rowGradients, frozen: frozen, alpha: alpha) {
            _, weights, rows, first, second in
            var noSteps: [Int32] = []
            _ = constants.stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows, squares: false,
                              current: &noSteps)
        }
    }
}
