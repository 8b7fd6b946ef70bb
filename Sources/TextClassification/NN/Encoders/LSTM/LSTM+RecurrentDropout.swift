/// Keras's `LSTM(recurrent_dropout=rate)` in training. A non-zero `recurrent_dropout` makes
/// Keras 3 use the cell's "implementation 1": every gate (i, f, c, o) multiplies h₋₁ by a mask
/// of its own before its recurrent product, `z_g = x·W_g + (h₋₁ ⊙ m_g)·U_g + b_g`, each mask
/// drawn once per sequence (the same at every step). The cell state and the output are not
/// masked; at inference there are no masks.
extension LSTM {
    /// Forward and backward with per-gate recurrent masks: `masks[b·4u + g·u + j]` multiplies
    /// unit j of h₋₁ for gate g of batch row b (0, or 1 / (1 − rate)).
    func appliedForBackpropagation(to input: Tensor, maskingRecurrentState masks: [Float])
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        let batch = input.shape[0], steps = input.shape[1], u = units, g4 = 4 * units, rows = steps * batch
        // Programmer errors: the masks are made for this layer, and weights read from a model
        // directory are shape-checked (with a thrown, named error) before they get here.
        precondition(masks.count == batch * g4, "one mask of 4·units per batch row")
        let perGate = RecurrentMasks(values: masks, gates: 4, units: u)
        let x = FloatBuffer(count: rows * inputDim)
        timeMajor(input.scalars, batch: batch, steps: steps, width: inputDim, into: x.pointer)
        // Each gate's masked h₋₁ for every step: [gate][steps·batch, u] (row t·batch + b holds
        // h_t ⊙ m_g, the input of step t + 1).
        let gates = FloatBuffer(count: rows * g4), cells = FloatBuffer(count: (steps + 1) * batch * u)
        let hidden = FloatBuffer(count: (steps + 1) * batch * u), tanhCells = FloatBuffer(count: rows * u)
        let masked = FloatBuffer(count: 4 * rows * u)
        let recurrent = FloatBuffer(count: u * g4)
        recurrentKernel.scalars.withUnsafeBufferPointer { recurrent.pointer.update(from: $0.baseAddress!, count: u * g4) }
        bias.scalars.withUnsafeBufferPointer { b in
            for r in 0..<rows { (gates.pointer + r * g4).update(from: b.baseAddress!, count: g4) }
        }
        kernel.scalars.withUnsafeBufferPointer { k in
            GEMM.multiply(m: rows, n: g4, k: inputDim, a: x.pointer, lda: inputDim, b: k.baseAddress!, ldb: g4,
                          c: gates.pointer, ldc: g4, accumulate: true)
        }
        func maskedState(_ t: Int, gate g: Int) -> UnsafeMutablePointer<Float> { masked.pointer + (g * rows + t * batch) * u }
        for t in 0..<steps {
            let z = gates.pointer + t * batch * g4
            if t > 0 {  // h₀ = 0 contributes nothing
                for g in 0..<4 {
                    let hm = maskedState(t - 1, gate: g)
                    perGate.apply(gate: g, to: hidden.pointer + t * batch * u, into: hm, batch: batch)
                    GEMM.multiply(m: batch, n: u, k: u, a: hm, lda: u, b: recurrent.pointer + g * u, ldb: g4,
                                  c: z + g * u, ldc: g4, accumulate: true)
                }
            }
            Self.stepForward(z: z, previousCell: cells.pointer + t * batch * u, cell: cells.pointer + (t + 1) * batch * u,
                             hidden: hidden.pointer + (t + 1) * batch * u, tanhCell: tanhCells.pointer + t * batch * u,
                             batch: batch, units: u)
        }
        var output = Tensor(zeros: [batch, units])
        output.scalars.withUnsafeMutableBufferPointer {
            $0.baseAddress!.update(from: hidden.pointer + steps * batch * u, count: batch * u)
        }
        let tape = MaskedTape(batch: batch, steps: steps, x: x, gates: gates, cells: cells,
                              tanhCells: tanhCells, masked: masked, recurrent: recurrent, perGate: perGate)
        return (output, { backward($0, tape: tape) })
    }

    /// What the masked forward pass keeps for the backward one: the input time-major, every
    /// step's gates, cells and tanh(cell), each gate's masked h₋₁ per step, the
    /// recurrent kernel and the masks.
    private struct MaskedTape {
        let batch: Int, steps: Int
        let x: FloatBuffer, gates: FloatBuffer, cells: FloatBuffer, tanhCells: FloatBuffer
        let masked: FloatBuffer, recurrent: FloatBuffer
        let perGate: RecurrentMasks
    }

    private func backward(_ outputGradient: Tensor, tape: MaskedTape) -> (inputGradient: Tensor, gradient: Gradient) {
        let (batch, steps, perGate) = (tape.batch, tape.steps, tape.perGate)
        let (x, gates, cells, tanhCells, masked, recurrent) = (tape.x, tape.gates, tape.cells, tape.tanhCells, tape.masked,
                                                               tape.recurrent)
        let u = units, g4 = 4 * units, rows = steps * batch
        var gradient = Gradient(kernel: Tensor(zeros: kernel.shape), recurrentKernel: Tensor(zeros: recurrentKernel.shape),
                                bias: Tensor(zeros: bias.shape))
        let dh = FloatBuffer(count: batch * u), dc = FloatBuffer(count: batch * u), share = FloatBuffer(count: batch * u)
        let transposed = FloatBuffer(count: g4 * u)  // Uᵀ: gate g's block is rows g·u ..< (g+1)·u
        GEMM.transpose(rows: u, columns: g4, recurrent.pointer, into: transposed.pointer)
        outputGradient.scalars.withUnsafeBufferPointer { dh.pointer.update(from: $0.baseAddress!, count: batch * u) }
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let z = gates.pointer + t * batch * g4
            Self.stepBackward(gates: z, previousCell: cells.pointer + t * batch * u,
                              tanhCell: tanhCells.pointer + t * batch * u, hiddenGradient: dh.pointer,
                              cellGradient: dc.pointer, batch: batch, units: u)
            guard t > 0 else { continue }
            // dh₋₁ = Σ_g (dz_g·U_gᵀ) ⊙ m_g.
            dh.zero()
            for g in 0..<4 {
                GEMM.multiply(m: batch, n: u, k: u, a: z + g * u, lda: g4, b: transposed.pointer + g * u * u, ldb: u,
                              c: share.pointer, ldc: u, accumulate: false)
                perGate.add(gate: g, share.pointer, into: dh.pointer, batch: batch)
            }
        }
        // dU_g = Σ_t (h_{t-1} ⊙ m_g)ᵀ·dz_{g,t} (t ≥ 1), dW = Xᵀ·dZ, db = Σ dZ, dX = dZ·Wᵀ.
        gradient.recurrentKernel.scalars.withUnsafeMutableBufferPointer { dr in
            for g in 0..<4 where steps > 1 {
                GEMM.multiply(m: u, n: u, k: (steps - 1) * batch, a: masked.pointer + g * rows * u, lda: u, transposeA: true,
                              b: gates.pointer + batch * g4 + g * u, ldb: g4, c: dr.baseAddress! + g * u, ldc: g4,
                              accumulate: false)
            }
        }
        gradient.kernel.scalars.withUnsafeMutableBufferPointer { dk in
            GEMM.multiply(m: inputDim, n: g4, k: rows, a: x.pointer, lda: inputDim, transposeA: true,
                          b: gates.pointer, ldb: g4, c: dk.baseAddress!, ldc: g4, accumulate: false)
        }
        gradient.bias.scalars.withUnsafeMutableBufferPointer { db in
            for r in 0..<rows { VectorMath.add(gates.pointer + r * g4, into: db.baseAddress!, count: g4) }
        }
        return (inputGradient(of: kernel, projectionGradient: gates.pointer, batch: batch, steps: steps), gradient)
    }
}
