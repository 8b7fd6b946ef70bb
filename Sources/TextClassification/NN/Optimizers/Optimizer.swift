/// Which optimiser trains a model: all are ``Adam`` with Keras's arithmetic; they differ in
/// how the embedding steps (``Adam/RowSteps``).
public enum Optimizer: String, CaseIterable, Codable, Sendable {
    /// Keras's Adam: every embedding row's moments decay and every row moves on every step, so
    /// a step costs the whole vocabulary. Numbers and weights match Keras's.
    case adam
    /// Keras's Adam with the steps of rows a batch did not read deferred until they are read,
    /// then applied in closed form (ε left out of those missed steps): a step costs the batch's
    /// tokens, and rows keep moving on their momentum as in Keras. The bag's default.
    case deferredAdam = "deferred-adam"
    /// Lazy Adam (TensorFlow Addons' `LazyAdam`, PyTorch's `SparseAdam`): only the rows a
    /// batch read step; rarely seen rows move less than with Keras's Adam.
    case lazyAdam = "lazy-adam"

    /// A fresh optimiser of this kind.
    public func make(learningRate: Float) -> Adam {
        switch self {
        case .adam: return Adam(learningRate: learningRate)
        case .deferredAdam: return Adam(learningRate: learningRate, rowSteps: .deferred)
        case .lazyAdam: return Adam(learningRate: learningRate, rowSteps: .lazy)
        }
    }
}
