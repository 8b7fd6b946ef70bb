/// A gated recurrent unit layer that reads a sequence and returns its last hidden state, as
/// Keras 3's `GRU(units)` with its defaults (`reset_after=True`, the variant cuDNN uses).
///
/// Per step, with the input projection `x·W + b_in` and the recurrent one `h·U + b_rec`, each
/// split into column blocks **z, r, h** (Keras's order):
/// `z = σ(x_z + r_z)`, `r = σ(x_r + r_r)`, `ĥ = tanh(x_h + r ⊙ (h₋₁·U_h + b_rec,h))`,
/// `h = z ⊙ h₋₁ + (1 − z) ⊙ ĥ`; σ is the exact logistic, the initial state is zero.
/// Initialisers: kernel glorot-uniform, recurrent kernel orthogonal, bias zeros; the bias is
/// `[2, 3·units]`: row 0 the input bias, row 1 the recurrent bias (Keras's layout).
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let gru = GRU(inputDim: 64, units: 64, using: &random)
/// let last = gru(Tensor(zeros: [8, 100, 64]))   // [8, 64]
/// ```
///
/// Forward and backward are written by hand: every step's input projection is one matrix
/// product, then one `[batch, units]·[units, 3·units]` product and the gate arithmetic per step.
public struct GRU: RecurrentLayer {
    /// Keras's `kernel`, `recurrent_kernel` and `bias` (input bias, then recurrent bias).
    public var weights: RecurrentWeights

    /// Gate blocks in the kernels: update, reset, candidate (Keras's order).
    public static let gates = 3
    /// `gru`, as in `gru/kernel`.
    public static let kerasName = "gru"
    /// `[2, 3·units]`: the input bias, then the recurrent bias (`reset_after`).
    public static func biasShape(units: Int) -> [Int] { [2, 3 * units] }
    /// Zeros.
    public static func initialBias(units: Int) -> Tensor { Tensor(zeros: biasShape(units: units)) }

    /// A layer with these weights, unchecked (``RecurrentLayer/init(kernel:recurrentKernel:bias:)`` checks).
    public init(uncheckedWeights weights: RecurrentWeights) { self.weights = weights }

    /// The same with Keras's `recurrent_dropout` in training, which makes Keras 3 use the
    /// cell's "implementation 1": each gate (z, r, h) multiplies h₋₁ by a mask of its own
    /// before its recurrent product; the blend `z ⊙ h₋₁` uses h₋₁ unmasked.
    /// `masks[b·3u + g·u + j]` multiplies unit j for gate g of batch row b.
    public func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        let batch = input.shape[0], u = units
        let tape = forward(input, masks: checkedMasks(masks, for: input))
        var output = Tensor(zeros: [batch, units])
        output.scalars.withUnsafeMutableBufferPointer {
            $0.baseAddress!.update(from: tape.hidden.pointer + tape.steps * batch * u, count: batch * u)
        }
        return (output, { backward(tape, $0) })
    }

    /// What the forward pass keeps for the backward one: the input time-major (rows
    /// `t·batch + b`), every step's gates (z, r, ĥ), its recurrent h-block product
    /// (h₋₁·U_h + b_rec,h), every state h₀ … h_T (h₀ = 0) and, with recurrent dropout, each
    /// gate's masked h₋₁ per step (`[gate][steps·batch, u]`).
    private struct Tape {
        let batch: Int, steps: Int
        let x: FloatBuffer, gates: FloatBuffer, recurrentH: FloatBuffer, hidden: FloatBuffer, masked: FloatBuffer
        let masks: RecurrentMasks?
    }

    private func forward(_ input: Tensor, masks: RecurrentMasks?) -> Tape {
        let batch = input.shape[0], steps = input.shape[1], u = units, g3 = 3 * units, rows = steps * batch
        // With masks, each gate's masked h₋₁ per step: [gate][steps·batch, u].
        let masked = FloatBuffer(count: masks == nil ? 0 : 3 * rows * u)
        let x = FloatBuffer(count: rows * inputDim)
        timeMajor(input.scalars, batch: batch, steps: steps, width: inputDim, into: x.pointer)
        // Kept for backward: every step's gates (z, r, ĥ), its recurrent h-block product
        // (h₋₁·U_h + b_rec,h) and every state h₀ … h_T (h₀ = 0).
        let gates = FloatBuffer(count: rows * g3)
        let recurrentH = FloatBuffer(count: rows * u)
        let hidden = FloatBuffer(count: (steps + 1) * batch * u)
        let inner = FloatBuffer(count: batch * g3)
        // x·W + b_in for every step at once.
        bias.scalars.withUnsafeBufferPointer { b in
            for r in 0..<rows { (gates.pointer + r * g3).update(from: b.baseAddress!, count: g3) }
        }
        kernel.scalars.withUnsafeBufferPointer { k in
            GEMM.multiply(m: rows, n: g3, k: inputDim, a: x.pointer, lda: inputDim, b: k.baseAddress!, ldb: g3,
                          c: gates.pointer, ldc: g3, accumulate: true)
        }
        recurrentKernel.scalars.withUnsafeBufferPointer { recurrent in
            bias.scalars.withUnsafeBufferPointer { b in
                let recurrentBias = b.baseAddress! + g3
                for t in 0..<steps {
                    let previous = hidden.pointer + t * batch * u, next = hidden.pointer + (t + 1) * batch * u
                    // inner = h₋₁·U + b_rec (each gate's h₋₁ masked with recurrent dropout).
                    for row in 0..<batch { (inner.pointer + row * g3).update(from: recurrentBias, count: g3) }
                    if let masks {
                        for g in 0..<3 {
                            let hm = masked.pointer + (g * rows + t * batch) * u
                            masks.apply(gate: g, to: previous, into: hm, batch: batch)
                            GEMM.multiply(m: batch, n: u, k: u, a: hm, lda: u, b: recurrent.baseAddress! + g * u, ldb: g3,
                                          c: inner.pointer + g * u, ldc: g3, accumulate: true)
                        }
                    } else {
                        GEMM.multiply(m: batch, n: g3, k: u, a: previous, lda: u, b: recurrent.baseAddress!, ldb: g3,
                                      c: inner.pointer, ldc: g3, accumulate: true)
                    }
                    for row in 0..<batch {
                        let g = gates.pointer + (t * batch + row) * g3, i = inner.pointer + row * g3
                        let keptH = recurrentH.pointer + (t * batch + row) * u
                        VectorMath.add(i, into: g, count: 2 * u)          // z and r pre-activations
                        VectorMath.sigmoid(g, count: 2 * u)
                        keptH.update(from: i + 2 * u, count: u)
                        for j in 0..<u { g[2 * u + j] += g[u + j] * i[2 * u + j] }  // x_h + r ⊙ (h₋₁·U_h + b)
                        VectorMath.tanh(g + 2 * u, into: g + 2 * u, count: u)
                        let h0 = previous + row * u, h1 = next + row * u
                        for j in 0..<u { h1[j] = g[j] * h0[j] + (1 - g[j]) * g[2 * u + j] }
                    }
                }
            }
        }
        return Tape(batch: batch, steps: steps, x: x, gates: gates, recurrentH: recurrentH, hidden: hidden, masked: masked,
                    masks: masks)
    }

    private func backward(_ tape: Tape, _ outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) {
        let (batch, steps, masks) = (tape.batch, tape.steps, tape.masks)
        let (gates, recurrentH, hidden) = (tape.gates, tape.recurrentH, tape.hidden)
        let u = units, g3 = 3 * units, rows = steps * batch
        // dX_t (the input projection's gradient, [rows, 3u]) and dR_t (the recurrent one's).
        let inputGates = FloatBuffer(count: rows * g3), recurrentGates = FloatBuffer(count: rows * g3)
        let dh = FloatBuffer(count: batch * u)
        let share = FloatBuffer(count: masks == nil ? 0 : batch * u)
        let recurrentTransposed = FloatBuffer(count: g3 * u)
        recurrentKernel.scalars.withUnsafeBufferPointer {
            GEMM.transpose(rows: u, columns: g3, $0.baseAddress!, into: recurrentTransposed.pointer)
        }
        outputGradient.scalars.withUnsafeBufferPointer { dh.pointer.update(from: $0.baseAddress!, count: batch * u) }
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for row in 0..<batch {
                let g = gates.pointer + (t * batch + row) * g3, keptH = recurrentH.pointer + (t * batch + row) * u
                let h0 = hidden.pointer + (t * batch + row) * u, d = dh.pointer + row * u
                let dX = inputGates.pointer + (t * batch + row) * g3, dR = recurrentGates.pointer + (t * batch + row) * g3
                for j in 0..<u {
                    let z = g[j], r = g[u + j], hh = g[2 * u + j], dhj = d[j]
                    let dA = dhj * (1 - z) * (1 - hh * hh)   // through ĥ's tanh
                    let dZ = dhj * (h0[j] - hh) * z * (1 - z)
                    let dRr = dA * keptH[j] * r * (1 - r)
                    dX[j] = dZ; dX[u + j] = dRr; dX[2 * u + j] = dA
                    dR[j] = dZ; dR[u + j] = dRr; dR[2 * u + j] = dA * r
                    d[j] = dhj * z                            // h₋₁'s direct share
                }
            }
            // dh₋₁ += dR·Uᵀ (per gate, times its mask, with recurrent dropout).
            if let masks {
                for g in 0..<3 {
                    GEMM.multiply(m: batch, n: u, k: u, a: recurrentGates.pointer + t * batch * g3 + g * u, lda: g3,
                                  b: recurrentTransposed.pointer + g * u * u, ldb: u, c: share.pointer, ldc: u,
                                  accumulate: false)
                    masks.add(gate: g, share.pointer, into: dh.pointer, batch: batch)
                }
            } else {
                GEMM.multiply(m: batch, n: u, k: g3, a: recurrentGates.pointer + t * batch * g3, lda: g3,
                              b: recurrentTransposed.pointer, ldb: u, c: dh.pointer, ldc: u, accumulate: true)
            }
        }
        let gradient = weightGradients(tape, inputGates: inputGates, recurrentGates: recurrentGates)
        return (inputGradient(of: kernel, projectionGradient: inputGates.pointer, batch: batch, steps: steps), gradient)
    }

    /// The weights' gradients from the gates' (`[steps·batch, 3u]`, time-major): the kernel's
    /// `xᵀ·dX`, the recurrent kernel's `Σ_t h₋₁ᵀ·dR` (each gate's h₋₁ masked under recurrent
    /// dropout) and the bias's sums of both.
    private func weightGradients(_ tape: Tape, inputGates: FloatBuffer, recurrentGates: FloatBuffer) -> Gradient {
        let (x, hidden, masked, masks) = (tape.x, tape.hidden, tape.masked, tape.masks)
        let u = units, g3 = 3 * units, rows = tape.steps * tape.batch
        var gradient = Gradient(zerosLike: weights)
        gradient.withPointers { dk, dr, db in
            if masks != nil {
                for g in 0..<3 {  // Σ_t (h₋₁ ⊙ m_g)ᵀ·dR_g
                    GEMM.multiply(m: u, n: u, k: rows, a: masked.pointer + g * rows * u, lda: u, transposeA: true,
                                  b: recurrentGates.pointer + g * u, ldb: g3, c: dr + g * u, ldc: g3, accumulate: false)
                }
            } else {
                GEMM.multiply(m: u, n: g3, k: rows, a: hidden.pointer, lda: u, transposeA: true,
                              b: recurrentGates.pointer, ldb: g3, c: dr, ldc: g3, accumulate: false)
            }
            addProjectionGradients(x: x.pointer, inputDim: inputDim, dz: inputGates.pointer, rows: rows, width: g3, kernel: dk,
                                   bias: db)
            for r in 0..<rows { VectorMath.add(recurrentGates.pointer + r * g3, into: db + g3, count: g3) }
        }
        return gradient
    }
}
