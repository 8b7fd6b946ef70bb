/// The optimiser a fit ended with, so that training can go on as if it had not stopped.
extension TextClassifier {
    /// The optimizer's state (Adam's moments) and step count after the last fit (set by every fit; `nil` for a model
    /// loaded without it). A fit with `continuing: true` resumes from it; ``save(to:force:includingOptimizerState:)``
    /// writes it with the model (`optimizer.safetensors`: twice the weights' size). Set it to
    /// `nil` to free that memory.
    public struct OptimizerState: Sendable {
        /// Which optimizer (``OptimizerKind``).
        public var optimizer: OptimizerKind
        /// The learning rate the state was trained with.
        public var learningRate: Float
        /// The fit's seed: its shuffles go on from the epochs trained.
        public var seed: UInt64
        /// The optimizer itself, its moments and step.
        var state: any Optimizer
        /// Steps taken so far.
        public var step: Int { state.step }
    }
}
