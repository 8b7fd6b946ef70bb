/// The LSTM's per-batch memory, allocated once for a largest batch and reused.
final class LSTMWorkspace: @unchecked Sendable {
    let capacity: Int, steps: Int, inputDim: Int, units: Int
    /// Gate pre-activations, then activations (i, f, tanh g, o), then their gradients: [steps·batch, 4u].
    let gates: FloatBuffer
    /// c₀ … c_T: [(steps + 1)·batch, u]; c₀ = 0.
    let cells: FloatBuffer
    /// h₀ … h_T: [(steps + 1)·batch, u]; h₀ = 0.
    let hidden: FloatBuffer
    /// tanh(c₁) … tanh(c_T), kept for backward: [steps·batch, u].
    let tanhCells: FloatBuffer
    let hiddenGradient: FloatBuffer
    /// Training with padding skipped: the rows of H and dZ the recurrent kernel's gradient
    /// reads, gathered ([steps·batch, u] and [steps·batch, 4u] at most).
    let compactHidden: FloatBuffer
    let compactGates: FloatBuffer
    let cellGradient: FloatBuffer
    let recurrentTransposed: FloatBuffer
    let kernelTransposed: FloatBuffer
    /// The recurrent kernel, copied here (64-byte aligned) by every forward pass: read from
    /// the weights' own array, whose alignment depends on where malloc put it, the step's
    /// product ran up to 10% slower in some processes than in others (measured: binary
    /// prediction 62,000 vs 68,500 samples/s with the same weights and inputs).
    let recurrentKernel: FloatBuffer
    /// With recurrent dropout: each gate's masked h₋₁ for every step, `[gate][steps·batch, u]`
    /// (row t·batch + b holds h_t ⊙ m_g, the input of step t + 1), and one gate's share of dh₋₁.
    let masked: FloatBuffer, maskedShare: FloatBuffer

    /// - Parameters:
    ///   - training: keep every step's state for backward; without it, room for one step
    ///     (``LSTM/forwardInference(_:steps:batch:workspace:)``).
    ///   - recurrentMasks: room for recurrent dropout's masked states.
    init(batch: Int, steps: Int, inputDim: Int, units: Int, training: Bool = true, recurrentMasks: Bool = false) {
        capacity = batch
        self.steps = training ? steps : 0
        self.inputDim = inputDim
        self.units = units
        let kept = training ? steps : 1
        gates = FloatBuffer(count: kept * batch * 4 * units)
        cells = FloatBuffer(count: (kept + 1) * batch * units)
        hidden = FloatBuffer(count: (kept + 1) * batch * units)
        tanhCells = FloatBuffer(count: kept * batch * units)
        hiddenGradient = FloatBuffer(count: batch * units)
        compactHidden = FloatBuffer(count: training ? steps * batch * units : 0)
        compactGates = FloatBuffer(count: training ? steps * batch * 4 * units : 0)
        cellGradient = FloatBuffer(count: batch * units)
        recurrentTransposed = FloatBuffer(count: 4 * units * units)
        kernelTransposed = FloatBuffer(count: 4 * units * inputDim)
        recurrentKernel = FloatBuffer(count: 4 * units * units)
        masked = FloatBuffer(count: recurrentMasks ? 4 * steps * batch * units : 0)
        maskedShare = FloatBuffer(count: recurrentMasks ? batch * units : 0)
    }

    func lastHidden(steps: Int, batch: Int) -> UnsafeMutablePointer<Float> {
        hidden.pointer + steps * batch * units
    }
}
