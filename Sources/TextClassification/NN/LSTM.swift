/// A long short-term memory layer that reads a sequence and returns its last hidden state,
/// as Keras's `LSTM(units)` with its defaults.
///
/// Per step, with `z = x·W + h·U + b` split into column blocks **i, f, c, o** (Keras's order):
/// `i = σ(z₀)`, `f = σ(z₁)`, `c = f⊙c₋₁ + i⊙tanh(z₂)`, `o = σ(z₃)`, `h = o⊙tanh(c)`;
/// σ is the exact logistic, the initial state is zero. Initialisers: kernel glorot-uniform,
/// recurrent kernel orthogonal, bias zeros with the forget block set to 1 (`unit_forget_bias`).
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let lstm = LSTM(inputDim: 64, units: 64, using: &random)
/// let last = lstm(Tensor(zeros: [8, 100, 64]))   // [8, 64]
/// ```
///
/// Forward and backward (backpropagation through time) are written by hand: the input
/// projection of every step is one matrix product, then one `[batch, units]·[units, 4·units]`
/// product and fused gate arithmetic per step.
public struct LSTM: Sendable {
    /// `[inputDim, 4·units]`; Keras's `kernel`.
    public var kernel: Tensor
    /// `[units, 4·units]`; Keras's `recurrent_kernel`.
    public var recurrentKernel: Tensor
    /// `[4·units]`; Keras's `bias`.
    public var bias: Tensor

    /// The input width.
    public var inputDim: Int { kernel.shape[0] }
    /// The state width (Keras's `units`).
    public var units: Int { recurrentKernel.shape[0] }

    /// Keras's initialisers: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias with the forget gate's at 1.
    public init(inputDim: Int, units: Int, using random: inout RandomGenerator) {
        kernel = Initializer.glorotUniform.make(rows: inputDim, columns: 4 * units, using: &random)
        recurrentKernel = Initializer.orthogonal.make(rows: units, columns: 4 * units, using: &random)
        var bias = Tensor(zeros: [4 * units])
        for k in units..<2 * units { bias.scalars[k] = 1 }
        self.bias = bias
    }

    /// A layer with these weights (Keras's shapes and gate order i, f, c, o).
    public init(kernel: Tensor, recurrentKernel: Tensor, bias: Tensor) {
        // A programmer error, not a data error: weights read from a model directory are
        // shape-checked (with a thrown, named error) in TextClassifier(contentsOf:) first.
        let units = recurrentKernel.shape[0]
        precondition(kernel.shape.count == 2 && kernel.shape[1] == 4 * units
                     && recurrentKernel.shape == [units, 4 * units] && bias.shape == [4 * units],
                     "LSTM weights must be kernel [in, 4u], recurrent_kernel [u, 4u], bias [4u]")
        self.kernel = kernel
        self.recurrentKernel = recurrentKernel
        self.bias = bias
    }

    /// The gradient of each weight, shaped like it.
    public struct Gradient: Sendable {
        /// d loss / d kernel.
        public var kernel: Tensor
        /// d loss / d recurrent kernel.
        public var recurrentKernel: Tensor
        /// d loss / d bias.
        public var bias: Tensor
    }

    /// The last hidden state for each sequence of `input` (`[batch, steps, inputDim]`):
    /// `[batch, units]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        appliedForBackpropagation(to: input).output
    }

    /// The output and a function from the output's gradient to the input's and the weights'.
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        let batch = input.shape[0], steps = input.shape[1]
        let workspace = LSTMWorkspace(batch: batch, steps: steps, inputDim: inputDim, units: units)
        // Batch-major in, time-major inside: row t·batch + b.
        let x = FloatBuffer(count: steps * batch * inputDim)
        input.scalars.withUnsafeBufferPointer { source in
            for b in 0..<batch {
                for t in 0..<steps {
                    (x.pointer + (t * batch + b) * inputDim)
                        .update(from: source.baseAddress! + (b * steps + t) * inputDim, count: inputDim)
                }
            }
        }
        forward(x.pointer, steps: steps, batch: batch, workspace: workspace)
        var output = Tensor(zeros: [batch, units])
        output.scalars.withUnsafeMutableBufferPointer {
            $0.baseAddress!.update(from: workspace.lastHidden(steps: steps, batch: batch), count: batch * units)
        }
        let backpropagator = { (outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) in
            var gradient = Gradient(kernel: Tensor(zeros: kernel.shape),
                                    recurrentKernel: Tensor(zeros: recurrentKernel.shape),
                                    bias: Tensor(zeros: bias.shape))
            let dx = FloatBuffer(count: steps * batch * inputDim)
            outputGradient.scalars.withUnsafeBufferPointer { dh in
                gradient.kernel.scalars.withUnsafeMutableBufferPointer { dk in
                    gradient.recurrentKernel.scalars.withUnsafeMutableBufferPointer { dr in
                        gradient.bias.scalars.withUnsafeMutableBufferPointer { db in
                            backward(x.pointer, steps: steps, batch: batch, outputGradient: dh.baseAddress!,
                                     workspace: workspace, kernelGradient: dk.baseAddress!,
                                     recurrentGradient: dr.baseAddress!, biasGradient: db.baseAddress!,
                                     inputGradient: dx.pointer)
                        }
                    }
                }
            }
            var inputGradient = Tensor(zeros: input.shape)
            inputGradient.scalars.withUnsafeMutableBufferPointer { out in
                for b in 0..<batch {
                    for t in 0..<steps {
                        (out.baseAddress! + (b * steps + t) * inputDim)
                            .update(from: dx.pointer + (t * batch + b) * inputDim, count: inputDim)
                    }
                }
            }
            return (inputGradient, gradient)
        }
        return (output, backpropagator)
    }
}

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

    /// - Parameter training: keep every step's state for backward; without it, room for
    ///   one step (``LSTM/forwardInference(_:steps:batch:workspace:)``).
    init(batch: Int, steps: Int, inputDim: Int, units: Int, training: Bool = true) {
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
    }

    func lastHidden(steps: Int, batch: Int) -> UnsafeMutablePointer<Float> {
        hidden.pointer + steps * batch * units
    }
}

extension LSTM {
    /// Runs the sequence `x` (time-major `[steps·batch, inputDim]`, row `t·batch + b`) and
    /// leaves every state in `workspace`; h_T is at `workspace.lastHidden(steps:batch:)`.
    func forward(_ x: UnsafePointer<Float>, steps: Int, batch: Int, workspace w: LSTMWorkspace) {
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
        recur(steps: steps, batch: batch, workspace: w)
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
    func recur(steps: Int, batch: Int, workspace w: LSTMWorkspace, inputs: InputRows? = nil,
               starts: [Int]? = nil, padding: LSTMWorkspace? = nil) {
        let u = units, g4 = 4 * units
        precondition(batch <= w.capacity && steps <= w.steps, "workspace too small")
        precondition(starts == nil || (padding != nil && starts!.count == batch), "starts need the padding's states")
        let gates = w.gates.pointer, cells = w.cells.pointer, hidden = w.hidden.pointer, tanhCells = w.tanhCells.pointer
        cells.update(repeating: 0, count: batch * u)
        hidden.update(repeating: 0, count: batch * u)
        var active = 0
        let recurrent = alignedRecurrentKernel(in: w)
        do {
            for t in 0..<steps {
                let z = gates + t * batch * g4
                if let starts, let padding {
                    // Rows whose input has begun are a prefix (starts ascend); the others
                    // take step t of the padding's run.
                    while active < batch && starts[active] <= t { active += 1 }
                    for b in active..<batch {
                        (z + b * g4).update(from: padding.gates.pointer + t * g4, count: g4)
                        (cells + ((t + 1) * batch + b) * u).update(from: padding.cells.pointer + (t + 1) * u, count: u)
                        (hidden + ((t + 1) * batch + b) * u).update(from: padding.hidden.pointer + (t + 1) * u, count: u)
                        (tanhCells + (t * batch + b) * u).update(from: padding.tanhCells.pointer + t * u, count: u)
                    }
                } else {
                    active = batch
                }
                guard active > 0 else { continue }
                // h₀ = 0 contributes nothing.
                if t > 0 {
                    GEMM.multiply(m: active, n: g4, k: u, a: hidden + t * batch * u, lda: u,
                                  b: recurrent, ldb: g4, c: z, ldc: g4, accumulate: inputs == nil)
                }
                Self.stepForward(z: z, previousCell: cells + t * batch * u, cell: cells + (t + 1) * batch * u,
                                 hidden: hidden + (t + 1) * batch * u, tanhCell: tanhCells + t * batch * u,
                                 batch: active, units: u,
                                 inputs: inputs?.advanced(by: t * batch), readsGates: t > 0 || inputs == nil)
            }
        }
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
        var active = 0
        let recurrent = alignedRecurrentKernel(in: w)
        do {
            for t in 0..<steps {
                // Rows whose input has begun: a prefix, as starts ascend.
                if let starts {
                    while active < batch && starts[active] <= t { active += 1 }
                } else {
                    active = batch
                }
                guard active > 0 else { continue }
                // z = h·U (h = 0 gives exactly 0), then + x·W + b inside the step.
                GEMM.multiply(m: active, n: g4, k: u, a: hidden, lda: u, b: recurrent, ldb: g4,
                              c: z, ldc: g4, accumulate: false)
                Self.stepForward(z: z, previousCell: cell, cell: cell, hidden: hidden, tanhCell: scratch,
                                 batch: active, units: u, inputs: inputs.advanced(by: t * batch))
                recording?(t, hidden, cell)
            }
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
                  inputGradient: UnsafeMutablePointer<Float>?, starts: [Int]? = nil, padding: LSTMWorkspace? = nil) {
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
            // dh₋₁ = dz·Uᵀ (not needed before the first step).
            if t > 0 {
                GEMM.multiply(m: batch, n: u, k: g4, a: z, lda: g4, b: w.recurrentTransposed.pointer, ldb: u,
                              c: dh, ldc: u, accumulate: false)
            }
        }
        // Weight gradients over all steps at once: dU += Hprevᵀ·dZ, dW += Xᵀ·dZ, db += Σ dZ.
        if let starts, let padding, let longest = starts.last, longest > 0 {
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
            GEMM.multiply(m: u, n: g4, k: rows, a: w.hidden.pointer, lda: u, transposeA: true,
                          b: gates, ldb: g4, c: recurrentGradient, ldc: g4, accumulate: true)
        }
        if let x {
            GEMM.multiply(m: inputDim, n: g4, k: rows, a: x, lda: inputDim, transposeA: true,
                          b: gates, ldb: g4, c: kernelGradient, ldc: g4, accumulate: true)
            for r in 0..<rows { VectorMath.add(gates + r * g4, into: biasGradient, count: g4) }
        }
        if let inputGradient {
            kernel.scalars.withUnsafeBufferPointer {
                GEMM.transpose(rows: inputDim, columns: g4, $0.baseAddress!, into: w.kernelTransposed.pointer)
            }
            GEMM.multiply(m: rows, n: inputDim, k: g4, a: gates, lda: g4, b: w.kernelTransposed.pointer,
                          ldb: inputDim, c: inputGradient, ldc: inputDim, accumulate: false)
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
