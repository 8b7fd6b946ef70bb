/// Which optimiser trains a model: both are ``Adam`` with Keras's arithmetic; they differ in
/// how the embedding steps.
public enum Optimizer: String, CaseIterable, Codable, Sendable {
    /// Keras's Adam: every embedding row's moments decay and every row moves on every step, so
    /// a step costs the whole vocabulary. Numbers and weights match Keras's.
    case adam
    /// Lazy Adam (TensorFlow Addons' `LazyAdam`, PyTorch's `SparseAdam`): only the rows a
    /// batch read step; a step costs the batch's tokens. The bag's default.
    case lazyAdam = "lazy-adam"

    /// A fresh optimiser of this kind.
    public func make(learningRate: Float) -> Adam {
        Adam(learningRate: learningRate, lazy: self == .lazyAdam)
    }
}
