// The LSTM's passes over preallocated memory (``LSTMWorkspace``): the whole sequence's input
// projections in one product, then step by step; and the per-step kernels both paths share.

extension LSTM {
    /// Runs the sequence `x` (time-major `[steps·batch, inputDim]`, row `t·batch + b`) and
    /// leaves every state in `workspace`; h_T is at `workspace.lastHidden(steps:batch:)`. With
    /// `masks`, recurrent dropout's (the workspace made with room for them).
    func forward(_ x: UnsafePointer<Float>, steps: Int, batch: Int, workspace w: LSTMWorkspace,
                 masks: RecurrentMasks? = nil) {
        let g4 = 4 * units, rows = steps * batch
        precondition(batch <= w.capacity && steps <= w.steps, "workspace too small")
        let gates = w.gates.pointer
        // z = x·W + b for every step at once.
        bias.scalars.withUnsafeBufferPointer { b in
            for r in 0..<rows { (gates + r * g4).update(from: b.baseAddress!, count: g4) }
        }
        kernel.scalars.withUnsafeBufferPointer { k in
            GEMM.multiply(m: rows, n: g4, k: inputDim, a: x, lda: inputDim, b: k.baseAddress!, ldb: g4,
                          c: gates, ldc: g4, accumulate: true)
        }
        recur(steps: steps, batch: batch, workspace: w, masks: masks)
    }

    /// The steps of ``forward(_:steps:batch:workspace:)`` once `workspace.gates` holds every
    /// step's input projection `x·W + b` (row `t·batch + b`), or, with `inputs`, reading each
    /// step's projections from rows of a table (`TokenProjection`) as it goes.
    ///
    /// - Parameters:
    ///   - starts: optional, per row (ascending): the step at which the row's own input
    ///     begins; before it the row is known to go through the states of `padding` (a
    ///     one-row workspace that ran at least `starts.last` steps of the same input), which
    ///     are copied into the row's slots instead of computed. Exact: the same arithmetic
    ///     per row either way.
    ///   - masks: recurrent dropout's: each gate's product reads h₋₁ ⊙ m_g (kept in `w.masked`).
    func recur(steps: Int, batch: Int, workspace w: LSTMWorkspace, inputs: InputRows? = nil,
               starts: [Int]? = nil, padding: LSTMWorkspace? = nil, masks: RecurrentMasks? = nil) {
        let u = units, g4 = 4 * units
        precondition(batch <= w.capacity && steps <= w.steps, "workspace too small")
        precondition(starts == nil || (padding != nil && starts!.count == batch), "starts need the padding's states")
        let gates = w.gates.pointer, cells = w.cells.pointer, hidden = w.hidden.pointer, tanhCells = w.tanhCells.pointer
        cells.update(repeating: 0, count: batch * u)    // the zero initial state
        hidden.update(repeating: 0, count: batch * u)
        let recurrent = alignedRecurrentKernel(in: w)
        var active = 0
        for t in 0..<steps {
            let z = gates + t * batch * g4
            active = Self.rowsBegun(by: t, starts: starts, batch: batch, from: active)
            if let padding {
                // The rows not yet begun take step t of the padding's run.
                for b in active..<batch {
                    (z + b * g4).update(from: padding.gates.pointer + t * g4, count: g4)
                    (cells + ((t + 1) * batch + b) * u).update(from: padding.cells.pointer + (t + 1) * u, count: u)
                    (hidden + ((t + 1) * batch + b) * u).update(from: padding.hidden.pointer + (t + 1) * u, count: u)
                    (tanhCells + (t * batch + b) * u).update(from: padding.tanhCells.pointer + t * u, count: u)
                }
            }
            guard active > 0 else { continue }
            // h₀ = 0 contributes nothing.
            if t > 0, let masks {
                for g in 0..<4 {
                    let hm = w.masked.pointer + (g * steps * batch + (t - 1) * batch) * u
                    masks.apply(gate: g, to: hidden + t * batch * u, into: hm, batch: batch)
                    GEMM.multiply(m: batch, n: u, k: u, a: hm, lda: u, b: recurrent + g * u, ldb: g4,
                                  c: z + g * u, ldc: g4, accumulate: true)
                }
            } else if t > 0 {
                GEMM.multiply(m: active, n: g4, k: u, a: hidden + t * batch * u, lda: u,
                              b: recurrent, ldb: g4, c: z, ldc: g4, accumulate: inputs == nil)
            }
            Self.stepForward(z: z, previousCell: cells + t * batch * u, cell: cells + (t + 1) * batch * u,
                             hidden: hidden + (t + 1) * batch * u, tanhCell: tanhCells + t * batch * u,
                             batch: active, units: u,
                             inputs: inputs?.advanced(by: t * batch), readsGates: t > 0 || inputs == nil)
        }
    }

    /// How many rows' own input has begun by step `t`: a prefix, as `starts` ascend (every row
    /// without `starts`); `active` is the count at the step before.
    @inline(__always)
    private static func rowsBegun(by t: Int, starts: [Int]?, batch: Int, from active: Int) -> Int {
        guard let starts else { return batch }
        var active = active
        while active < batch && starts[active] <= t { active += 1 }
        return active
    }

    /// The states after 0, 1, …, `steps` steps of the same input from the zero state:
    /// `[steps + 1, units]` each. `projection` is that input's `x·W + b` (`[4u]`); with the
    /// padding's, these are the states every pre-padded sequence goes through before its
    /// first token.
    func constantInputStates(projection: UnsafePointer<Float>, steps: Int, workspace w: LSTMWorkspace)
        -> (hidden: [Float], cells: [Float]) {
        let u = units
        var hidden = [Float](repeating: 0, count: (steps + 1) * u), cells = hidden
        let rows = [Int32](repeating: 0, count: steps)
        rows.withUnsafeBufferPointer { rows in
            forwardInference(InputRows(table: projection, rows: rows.baseAddress!), steps: steps, batch: 1,
                             workspace: w, recording: { t, h, c in
                for j in 0..<u {
                    hidden[(t + 1) * u + j] = h[j]
                    cells[(t + 1) * u + j] = c[j]
                }
            })
        }
        return (hidden, cells)
    }

    /// Inference only: the outputs of ``forward(_:steps:batch:workspace:)`` without keeping
    /// any step's state. The input projections come precomputed (`inputs`: row `t·batch + b`
    /// names the table row of step t, sequence b; see `TokenProjection`), so a step is one
    /// `[batch, u]·[u, 4u]` product into a `[batch, 4u]` buffer that stays in cache.
    /// Leaves h_T in `workspace.hidden` (first rows).
    ///
    /// - Parameters:
    ///   - starts: optional, per row (ascending): the step at which the row's own input
    ///     begins; before it the row is known to be in state `initial` (h and c rows, from
    ///     ``constantInputStates(projection:steps:workspace:)``, indexed by start step). Rows
    ///     are only computed from their start on, so work follows real tokens, not padding.
    ///   - recording: called after every step with the first row's h and c (used for the
    ///     padding states).
    func forwardInference(_ inputs: InputRows, steps: Int, batch: Int, workspace w: LSTMWorkspace,
                          starts: [Int]? = nil, initial: (hidden: [Float], cells: [Float])? = nil,
                          recording: ((Int, UnsafePointer<Float>, UnsafePointer<Float>) -> Void)? = nil) {
        let u = units, g4 = 4 * units
        precondition(batch <= w.capacity, "workspace too small")
        let z = w.gates.pointer                  // [batch, 4u]
        let cell = w.cells.pointer, hidden = w.hidden.pointer, scratch = w.tanhCells.pointer
        if let starts, let initial {
            for b in 0..<batch {
                let k = starts[b]
                initial.cells.withUnsafeBufferPointer { (cell + b * u).update(from: $0.baseAddress! + k * u, count: u) }
                initial.hidden.withUnsafeBufferPointer { (hidden + b * u).update(from: $0.baseAddress! + k * u, count: u) }
            }
        } else {
            cell.update(repeating: 0, count: batch * u)
            hidden.update(repeating: 0, count: batch * u)
        }
        let recurrent = alignedRecurrentKernel(in: w)
        var active = 0
        for t in 0..<steps {
            active = Self.rowsBegun(by: t, starts: starts, batch: batch, from: active)
            guard active > 0 else { continue }
            // z = h·U (h = 0 gives exactly 0), then + x·W + b inside the step.
            GEMM.multiply(m: active, n: g4, k: u, a: hidden, lda: u, b: recurrent, ldb: g4,
                          c: z, ldc: g4, accumulate: false)
            Self.stepForward(z: z, previousCell: cell, cell: cell, hidden: hidden, tanhCell: scratch,
                             batch: active, units: u, inputs: inputs.advanced(by: t * batch))
            recording?(t, hidden, cell)
        }
    }

    /// The recurrent kernel copied into `w.recurrentKernel` (see there why), for one pass.
    private func alignedRecurrentKernel(in w: LSTMWorkspace) -> UnsafePointer<Float> {
        recurrentKernel.scalars.withUnsafeBufferPointer { w.recurrentKernel.pointer.update(from: $0.baseAddress!, count: $0.count) }
        return UnsafePointer(w.recurrentKernel.pointer)
    }

    /// Where each row's input projection is when it is not in the gates: row `b` of a step
    /// at `table + rows[b]·4u`.
    struct InputRows {
        let table: UnsafePointer<Float>
        let rows: UnsafePointer<Int32>

        func advanced(by n: Int) -> InputRows { InputRows(table: table, rows: rows + n) }
    }

    /// The fused gate arithmetic of one step; replaces z by the activations (i, f, g, o).
    /// The pre-activations are z (`readsGates`) plus the row's input projection (`inputs`).
    @inline(__always)
    static func stepForward(z: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>,
                            cell: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                            tanhCell: UnsafeMutablePointer<Float>, batch: Int, units u: Int,
                            inputs: InputRows? = nil, readsGates: Bool = true) {
        for b in 0..<batch {
            let zb = z + b * 4 * u, offset = b * u
            if let inputs {
                let input = inputs.table + Int(inputs.rows[b]) * 4 * u
                if readsGates {
                    VectorMath.add(input, into: zb, count: 4 * u)
                } else {
                    zb.update(from: input, count: 4 * u)
                }
            }
            // Whole gate blocks at a time (i and f are adjacent): one call each, whose loop
            // keeps the polynomials' constants in registers.
            VectorMath.sigmoid(zb, count: 2 * u)
            VectorMath.tanh(zb + 2 * u, into: zb + 2 * u, count: u)
            VectorMath.sigmoid(zb + 3 * u, count: u)
            var j = 0
            while j < u {
                let n = min(16, u - j)
                let i = load(zb + j, count: n), f = load(zb + u + j, count: n), g = load(zb + 2 * u + j, count: n)
                store(f * load(previousCell + offset + j, count: n) + i * g, cell + offset + j, count: n)
                j += 16
            }
            VectorMath.tanh(cell + offset, into: tanhCell + offset, count: u)
            j = 0
            while j < u {
                let n = min(16, u - j)
                store(load(zb + 3 * u + j, count: n) * load(tanhCell + offset + j, count: n), hidden + offset + j, count: n)
                j += 16
            }
        }
    }

    /// Backpropagation through time after ``forward(_:steps:batch:workspace:)`` on the same
    /// `x` and workspace. Adds the weights' gradients into the given buffers and, if
    /// `inputGradient` is not nil, writes the gradient of `x` there (same layout as `x`).
    /// Overwrites the gates with their gradients. With `x` nil the kernel's and the bias's
    /// gradients (`xᵀ·dz`, `Σ dz`) are left to the caller (`TokenProjection`, which sums dz
    /// by token first) and `kernelGradient`, `biasGradient` untouched.
    ///
    /// With `starts` and `padding` as given to ``recur(steps:batch:workspace:inputs:starts:padding:)``,
    /// the recurrent kernel's gradient takes the rows still in their padding at a step as one
    /// row: they share h₋₁ (the padding's), so `Σ_b h₋₁ᵀ·dz_b = h₋₁ᵀ·Σ_b dz_b`.
    func backward(_ x: UnsafePointer<Float>?, steps: Int, batch: Int, outputGradient: UnsafePointer<Float>,
                  workspace w: LSTMWorkspace, kernelGradient: UnsafeMutablePointer<Float>,
                  recurrentGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, starts: [Int]? = nil, padding: LSTMWorkspace? = nil,
                  masks: RecurrentMasks? = nil) {
        let u = units, g4 = 4 * units, rows = steps * batch
        let gates = w.gates.pointer
        let dh = w.hiddenGradient.pointer, dc = w.cellGradient.pointer
        dh.update(from: outputGradient, count: batch * u)
        dc.update(repeating: 0, count: batch * u)
        recurrentKernel.scalars.withUnsafeBufferPointer {
            GEMM.transpose(rows: u, columns: g4, $0.baseAddress!, into: w.recurrentTransposed.pointer)
        }
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let z = gates + t * batch * g4
            Self.stepBackward(gates: z, previousCell: w.cells.pointer + t * batch * u,
                              tanhCell: w.tanhCells.pointer + t * batch * u,
                              hiddenGradient: dh, cellGradient: dc, batch: batch, units: u)
            // dh₋₁ = dz·Uᵀ, or Σ_g (dz_g·U_gᵀ) ⊙ m_g with masks (not needed before the first step).
            if t > 0, let masks {
                dh.update(repeating: 0, count: batch * u)
                for g in 0..<4 {
                    GEMM.multiply(m: batch, n: u, k: u, a: z + g * u, lda: g4, b: w.recurrentTransposed.pointer + g * u * u,
                                  ldb: u, c: w.maskedShare.pointer, ldc: u, accumulate: false)
                    masks.add(gate: g, w.maskedShare.pointer, into: dh, batch: batch)
                }
            } else if t > 0 {
                GEMM.multiply(m: batch, n: u, k: g4, a: z, lda: g4, b: w.recurrentTransposed.pointer, ldb: u,
                              c: dh, ldc: u, accumulate: false)
            }
        }
        // Weight gradients over all steps at once: dU += Hprevᵀ·dZ, dW += Xᵀ·dZ, db += Σ dZ.
        addRecurrentGradient(steps: steps, batch: batch, workspace: w, into: recurrentGradient, starts: starts,
                             padding: padding, masked: masks != nil)
        if let x {
            addProjectionGradients(x: x, inputDim: inputDim, dz: gates, rows: rows, width: g4, kernel: kernelGradient,
                                   bias: biasGradient)
        }
        if let inputGradient {
            kernel.scalars.withUnsafeBufferPointer {
                GEMM.transpose(rows: inputDim, columns: g4, $0.baseAddress!, into: w.kernelTransposed.pointer)
            }
            GEMM.multiply(m: rows, n: inputDim, k: g4, a: gates, lda: g4, b: w.kernelTransposed.pointer,
                          ldb: inputDim, c: inputGradient, ldc: inputDim, accumulate: false)
        }
    }

    /// `dU += Hprevᵀ·dZ` over every step of the last backward; with `starts` and `padding`, the
    /// rows still in their padding at a step taken as one row (see ``backward``); `masked`,
    /// gate by gate, `dU_g += Σ_t (h_{t-1} ⊙ m_g)ᵀ·dz_{g,t}` (t ≥ 1).
    private func addRecurrentGradient(steps: Int, batch: Int, workspace w: LSTMWorkspace,
                                      into recurrentGradient: UnsafeMutablePointer<Float>, starts: [Int]?,
                                      padding: LSTMWorkspace?, masked: Bool) {
        let u = units, g4 = 4 * units, gates = w.gates.pointer
        if masked {
            for g in 0..<4 where steps > 1 {
                GEMM.multiply(m: u, n: u, k: (steps - 1) * batch, a: w.masked.pointer + g * steps * batch * u, lda: u,
                              transposeA: true, b: gates + batch * g4 + g * u, ldb: g4, c: recurrentGradient + g * u,
                              ldc: g4, accumulate: true)
            }
        } else if let starts, let padding, let longest = starts.last, longest > 0 {
            // Rows of H and dZ gathered: each step's begun rows (a prefix), then one row for
            // those still in padding. Step 0 (h₀ = 0) adds nothing.
            let h = w.compactHidden.pointer, dz = w.compactGates.pointer
            var n = 0, active = 0
            for t in 0..<steps {
                while active < batch && starts[active] <= t { active += 1 }
                guard t > 0 else { continue }
                (h + n * u).update(from: w.hidden.pointer + t * batch * u, count: active * u)
                (dz + n * g4).update(from: gates + t * batch * g4, count: active * g4)
                n += active
                if active < batch {
                    (h + n * u).update(from: padding.hidden.pointer + t * u, count: u)
                    (dz + n * g4).update(from: gates + (t * batch + active) * g4, count: g4)
                    for b in active + 1 ..< batch {
                        VectorMath.add(gates + (t * batch + b) * g4, into: dz + n * g4, count: g4)
                    }
                    n += 1
                }
            }
            GEMM.multiply(m: u, n: g4, k: n, a: h, lda: u, transposeA: true,
                          b: dz, ldb: g4, c: recurrentGradient, ldc: g4, accumulate: true)
        } else {
            GEMM.multiply(m: u, n: g4, k: steps * batch, a: w.hidden.pointer, lda: u, transposeA: true,
                          b: gates, ldb: g4, c: recurrentGradient, ldc: g4, accumulate: true)
        }
    }

    /// One step of the gate gradients; `hiddenGradient` is dh_t in, `cellGradient` carries
    /// dc from step t+1 to t. Overwrites the activations with dz.
    @inline(__always)
    static func stepBackward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>,
                             tanhCell: UnsafePointer<Float>, hiddenGradient: UnsafePointer<Float>,
                             cellGradient: UnsafeMutablePointer<Float>, batch: Int, units u: Int) {
        for b in 0..<batch {
            let zb = gates + b * 4 * u, offset = b * u
            var j = 0
            while j < u {
                let n = min(16, u - j)
                let i = load(zb + j, count: n), f = load(zb + u + j, count: n)
                let g = load(zb + 2 * u + j, count: n), o = load(zb + 3 * u + j, count: n)
                let tc = load(tanhCell + offset + j, count: n)
                let dh = load(hiddenGradient + offset + j, count: n)
                let dc = load(cellGradient + offset + j, count: n) + dh * o * (1 - tc * tc)
                let di = dc * g, df = dc * load(previousCell + offset + j, count: n)
                let dg = dc * i, dout = dh * tc
                store(di * i * (1 - i), zb + j, count: n)
                store(df * f * (1 - f), zb + u + j, count: n)
                store(dg * (1 - g * g), zb + 2 * u + j, count: n)
                store(dout * o * (1 - o), zb + 3 * u + j, count: n)
                store(dc * f, cellGradient + offset + j, count: n)
                j += 16
            }
        }
    }
}
