import Foundation

/// The sequence encoder `Embedding → LSTM`: padded index sequences to features, the last
/// hidden state of each row (`[batch, units]`). It knows nothing of labels; a
/// ``ClassificationHead`` turns its features into an answer.
///
/// What makes it fast lives here: the LSTM's input projection is computed once per distinct
/// token (`TokenProjection`), leading padding is computed once and shared by every row
/// still in it (exact), and training workspaces are allocated once and reused.
///
/// A view made from the model's weights where a pass or prediction needs it
/// (``SequenceEncoder/lstmEncoder``); it holds no state of its own.
struct LSTMEncoder: Sendable {
    /// The token embedding.
    var embedding: Embedding
    /// The LSTM reading the embedded tokens.
    var lstm: LSTM

    /// The width of the features: the LSTM's units.
    var features: Int { lstm.units }

    /// The encoder of these layers; the LSTM must read the embedding's width.
    init(embedding: Embedding, lstm: LSTM) {
        // A programmer error: shapes read from a model directory are checked with a thrown error first.
        precondition(embedding.outputDim == lstm.inputDim, "layers must chain: embedding → lstm")
        self.embedding = embedding
        self.lstm = lstm
    }

    // MARK: Inference

    /// Rows encoded per worker pass: enough for efficient products, few enough that the
    /// embedded inputs (rows × steps × embeddingDim floats) stay near the cache.
    static let inferenceChunk = 32  // measured: 16–256 all within ±5%, 32 best

    /// What every chunk of an inference call shares: the rows in chunk order, each row's leading
    /// padding, and the padding's states (when skipped).
    struct InferencePlan: Sendable {
        let order: [Int], leading: [Int]
        let padding: (hidden: [Float], cells: [Float])?
    }

    /// Prepares inference on `indices` (already validated): each distinct token's input
    /// projection, once for the whole call (the padding's included), into `projection`; the rows
    /// ordered by their leading padding, so that each chunk of ``inferenceChunk`` holds rows of
    /// similar length with their starts ascending.
    ///
    /// Leading padding is not recomputed: with index 0 fed from the zero state, every row
    /// goes through the same states until its first real token, so those states are computed
    /// once and each row starts at its first token (exact: the same arithmetic per row).
    func planInference(_ indices: IndexMatrix, skippingLeadingPadding: Bool, projection: TokenProjection,
                       workspace: Workspace) -> InferencePlan {
        let steps = indices.columns
        let leading = indices.leadingPadding(of: 0..<indices.rows)
        var order = Array(0..<indices.rows)
        if skippingLeadingPadding {
            order.sort { leading[$0] != leading[$1] ? leading[$0] > leading[$1] : $0 < $1 }
            // Within a chunk, starts must ascend: each chunk of the descending order reversed.
            for start in stride(from: 0, to: order.count, by: Self.inferenceChunk) {
                order[start ..< min(order.count, start + Self.inferenceChunk)].reverse()
            }
        }
        projection.collect(indices.storage, including: 0)
        let parts = projection.count >= 64 ? Parallel.threads : 1
        Parallel.forEach(parts) { projection.project(part: $0, of: parts, embedding: embedding, lstm: lstm) }
        let padding = skippingLeadingPadding
            ? lstm.constantInputStates(projection: projection.table.pointer + Int(projection.slots[0]) * 4 * lstm.units,
                                       steps: steps, workspace: workspace.lstm)
            : nil
        return InferencePlan(order: order, leading: leading, padding: padding)
    }

    /// The features of `rows` (in this order, one chunk of the plan's) into `features`.
    func forwardInference(_ indices: IndexMatrix, rows: ArraySlice<Int>, plan: InferencePlan, projection: TokenProjection,
                          workspace w: Workspace, into features: UnsafeMutablePointer<Float>) {
        let batch = rows.count, steps = indices.columns
        let starts = plan.padding == nil ? nil : rows.map { plan.leading[$0] }
        // Each position's table row; only those each row will read: from its start on.
        indices.storage.withUnsafeBufferPointer { ids in
            for (b, r) in rows.enumerated() {
                let row = ids.baseAddress! + r * steps
                for t in (starts?[b] ?? 0)..<steps { w.tokenRows[t * batch + b] = projection.slots[row[t]] }
            }
        }
        lstm.forwardInference(LSTM.InputRows(table: projection.table.pointer, rows: w.tokenRows), steps: steps,
                              batch: batch, workspace: w.lstm, starts: starts, initial: plan.padding)
        features.update(from: w.lstm.hidden.pointer, count: batch * lstm.units)
    }

    // MARK: Training

    /// Prepares a training batch shared by `workspaces` (one per shard): clears the rows of
    /// the embedding's gradient that the previous batch wrote, finds the batch's distinct
    /// tokens and projects them on every core.
    func beginBatch(_ indices: IndexMatrix, workspaces: [Workspace]) {
        let projection = workspaces[0].projection!
        // The embedding's gradient buffers are zero outside the rows a batch writes (V rows
        // could be 10,000s, a batch's tokens a few hundred): shard 0's rows of the previous
        // batch are cleared here, the other shards' when summed (sumShards).
        let width = embedding.outputDim
        for token in projection.tokens {
            let offset = Int(token) * width
            (workspaces[0].embeddingGradient.pointer + offset).update(repeating: 0, count: width)
            (workspaces[0].embeddingSquares.pointer + offset).update(repeating: 0, count: width)
        }
        projection.collect(indices.storage)
        for w in workspaces { w.reserveGateSums(rows: projection.capacity) }
        let parts = Parallel.trainingShards
        Parallel.forEach(parts) { part in
            projection.project(part: part, of: parts, embedding: embedding, lstm: lstm)
        }
    }

    /// Forward pass of `rows` keeping every step's state for backward; returns the features,
    /// row b being batch row `workspace.order[b]`.
    ///
    /// Rows are taken in order of their leading padding (least first), so that the rows
    /// whose own tokens have begun at step t are a prefix: the others are in the padding's
    /// states, computed once on one row and copied (`skippingLeadingPadding`; exact).
    func forward(_ indices: IndexMatrix, rows: Range<Int>, workspace w: Workspace,
                 skippingLeadingPadding: Bool) -> UnsafePointer<Float> {
        let batch = rows.count, steps = indices.columns, starts = indices.leadingPadding(of: rows)
        w.order = (0..<batch).sorted { starts[$0] != starts[$1] ? starts[$0] < starts[$1] : $0 < $1 }
            .map { rows.lowerBound + $0 }
        indices.storage.withUnsafeBufferPointer { ids in
            // Time-major token order: row t·batch + b.
            for (b, r) in w.order.enumerated() {
                let row = ids.baseAddress! + r * steps
                for t in 0..<steps { w.tokens[t * batch + b] = row[t] }
            }
        }
        let projection = w.projection!
        projection.rows(of: w.tokens, count: steps * batch, into: w.tokenRows)
        let table = projection.table.pointer
        let sortedStarts = w.order.map { starts[$0 - rows.lowerBound] }
        w.starts = sortedStarts
        let paddingSteps = sortedStarts.last ?? 0
        if paddingSteps > 0 {
            // The padding's run, also read by backward (LSTM.backward(starts:padding:)).
            w.paddingRows.update(repeating: projection.slots[0], count: paddingSteps)
            lstm.recur(steps: paddingSteps, batch: 1, workspace: w.padding,
                       inputs: LSTM.InputRows(table: table, rows: w.paddingRows))
        }
        let skipping = skippingLeadingPadding && paddingSteps > 0
        lstm.recur(steps: steps, batch: batch, workspace: w.lstm, inputs: LSTM.InputRows(table: table, rows: w.tokenRows),
                   starts: skipping ? sortedStarts : nil, padding: skipping ? w.padding : nil)
        return UnsafePointer(w.lstm.lastHidden(steps: steps, batch: batch))
    }

    /// Backward from the features' gradient (`workspace.featureGradients`, in the order of
    /// the last ``forward(_:rows:workspace:skippingLeadingPadding:)``): leaves this shard's
    /// gradients in the workspace. The kernel's and bias's are completed per token after the
    /// shards (``sumShards(_:part:of:)``).
    ///
    /// With `scatteringEmbedding` false the input's gradient is left in `workspace.inputs`
    /// (time-major, in the workspace's row order) for the caller to combine and scatter (the
    /// bidirectional LSTM adds both directions' per position first, as Keras squares their sum).
    func backward(steps: Int, batch: Int, workspace w: Workspace, scatteringEmbedding: Bool = true) {
        // The embedding's gradient and its squares are kept zero between batches (see beginBatch).
        w.recurrentKernelGradient.zero()
        w.kernelGradient.zero()
        w.biasGradient.zero()
        lstm.backward(nil, steps: steps, batch: batch, outputGradient: w.featureGradients.pointer,
                      workspace: w.lstm, kernelGradient: w.kernelGradient.pointer,
                      recurrentGradient: w.recurrentKernelGradient.pointer,
                      biasGradient: w.biasGradient.pointer, inputGradient: w.trainsEmbedding ? w.inputs.pointer : nil,
                      starts: w.starts, padding: w.padding)
        w.projection!.sumByRow(w.lstm.gates.pointer, rows: w.tokenRows, count: steps * batch, into: w.gateSums)
        guard w.trainsEmbedding && scatteringEmbedding else { return }  // frozen: its gradient stays zero
        let width = embedding.outputDim
        RowTable(w.embeddingGradient.pointer, width: width)
            .scatterAdd(w.inputs.pointer, indices: w.tokens, count: steps * batch,
                        squares: RowTable(w.embeddingSquares.pointer, width: width))
    }

    /// Part `part` of `parts` of summing the shards' gradients into the first shard's, in
    /// shard order (the same sums with any number of threads), completing the kernel's and
    /// the bias's gradients from the per-token sums of dz. Returns whether that part is finite.
    func sumShards(_ workspaces: [Workspace], part: Int, of parts: Int) -> Bool {
        let total = workspaces[0], projection = total.projection!, width = embedding.outputDim
        var allFinite = true
        // The kernel's and the bias's gradients, by columns, from the per-token sums of dz.
        let g4 = 4 * lstm.units
        let columns = TokenProjection.range(part: part, of: parts, count: g4, multiple: 64)
        RowSums.combine(workspaces.map(\.gateSums), rows: 0..<projection.count, columns: columns)
        projection.addKernelGradient(part: part, of: parts, sums: total.gateSums.sums.base, into: total.kernelGradient.pointer)
        projection.addBiasGradient(sums: total.gateSums.sums.base, columns: columns, into: total.biasGradient.pointer)
        allFinite = allFinite && VectorMath.allFinite(total.biasGradient.pointer + columns.lowerBound, count: columns.count)
        for r in 0..<lstm.inputDim {
            allFinite = allFinite && VectorMath.allFinite(total.kernelGradient.pointer + r * g4 + columns.lowerBound,
                                                          count: columns.count)
        }
        // The embedding's gradient and squares: only the batch's tokens' rows.
        let tokens = projection.tokens  // read once: a computed view of the slot table
        for r in TokenProjection.range(part: part, of: parts, count: tokens.count, multiple: 1) {
            let offset = Int(tokens[r]) * width
            for s in 1..<workspaces.count {
                let gradient = workspaces[s].embeddingGradient.pointer + offset
                let squares = workspaces[s].embeddingSquares.pointer + offset
                VectorMath.add(gradient, into: total.embeddingGradient.pointer + offset, count: width)
                VectorMath.add(squares, into: total.embeddingSquares.pointer + offset, count: width)
                gradient.update(repeating: 0, count: width)
                squares.update(repeating: 0, count: width)
            }
            allFinite = allFinite && VectorMath.allFinite(total.embeddingGradient.pointer + offset, count: width)
        }
        // The recurrent kernel's: plain element ranges.
        return ShardSum.buffers(workspaces.map(\.recurrentKernelGradient), part: part, of: parts) && allFinite
    }

    /// Workspaces for training batches of up to `batchSize` rows of `steps` indices, one per shard.
    func makeTrainingWorkspaces(batchSize: Int, steps: Int) -> [Workspace] {
        let shards = min(Parallel.trainingShards, batchSize)
        let shardSize = (batchSize + shards - 1) / shards
        let projection = TokenProjection(vocabulary: embedding.inputDim, width: embedding.outputDim, units: lstm.units)
        return (0..<shards).map { _ in
            Workspace(encoder: self, batch: shardSize, steps: steps, training: true, projection: projection)
        }
    }

    /// A workspace for inference on chunks of ``inferenceChunk`` rows.
    func makeInferenceWorkspace(steps: Int) -> Workspace {
        Workspace(encoder: self, batch: Self.inferenceChunk, steps: steps, training: false)
    }
}

extension IndexMatrix {
    /// Each of `rows`' leading padding: the steps before its first token (all of them if none).
    func leadingPadding(of rows: Range<Int>) -> [Int] {
        storage.withUnsafeBufferPointer { ids in
            rows.map { r in (0..<columns).first { ids[r * columns + $0] != 0 } ?? columns }
        }
    }
}
