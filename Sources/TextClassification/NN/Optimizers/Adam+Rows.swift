import CKernels

// Weights whose gradient comes by rows (the embedding): Keras's dense step without a dense
// gradient, and the deferred and lazy steps (``Adam/RowSteps``).
extension Adam {
    /// One step like ``update(_:along:squaredGradients:frozen:)``, with the gradients of the
    /// weights in `rowGradients` given by rows. The same arithmetic as a dense gradient with
    /// zero rows, so the same weights to the bit.
    mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                    rowGradients: [String: RowGradient], frozen: Set<String> = []) {
        let alpha = beginStep()
        for entry in model.parameterPaths where !frozen.contains(entry.name) {
            if let rows = rowGradients[entry.name] {
                applyRows(entry.name, alpha: alpha, to: &model[keyPath: entry.path], rows)
                continue
            }
            guard let gradient = gradients[entry.name] else { preconditionFailure("gradient \(entry.name) is missing") }
            precondition(gradient.count == model[keyPath: entry.path].count, "gradient \(entry.name) has the wrong size")
            gradient.scalars.withUnsafeBufferPointer {
                apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: $0.baseAddress!, squaredGradient: nil)
            }
        }
    }

    private mutating func applyRows(_ name: String, alpha: Float, to weights: inout Tensor, _ rows: RowGradient) {
        precondition(weights.shape.count == 2, "row gradients are for [rows, width] weights")
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        let count = weights.count, height = weights.shape[0], width = weights.shape[1]
        precondition(rows.gradient.count == rows.rows.count * width && (lazy || rows.squares.count == rows.gradient.count),
                     "row gradient \(name) has the wrong size")
        var (first, second) = moments.removeValue(forKey: name)
            ?? ([Float](largeZeros: count), [Float](largeZeros: count))
        defer { moments[name] = (first, second) }
        precondition(first.count == count, "weight \(name) changed size between steps")
        if lazy {
            var noSteps: [Int32] = []
            _ = stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows, squares: false,
                         current: &noSteps)
            return
        }
        if rowSteps == .deferred {
            var current = currentSteps.removeValue(forKey: name) ?? [Int32](repeating: 0, count: height)
            defer { currentSteps[name] = current }
            // Each row read brought up to the last step (the training loop has done so before
            // the batch), then this step as Keras takes it (per-position squares); it is then current.
            let summed = stepRows(alpha: alpha, weights: &weights, first: &first, second: &second, rows, squares: true,
                                  catchUp: catchUp(through: step - 1), current: &current)
            keep(summed)
            return
        }
        var slot = [Int32](repeating: -1, count: height)
        for (k, row) in rows.rows.enumerated() { slot[Int(row)] = Int32(k) }
        let zeros = [Float](repeating: 0, count: width)
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    rows.gradient.withUnsafeBufferPointer { g in
                        rows.squares.withUnsafeBufferPointer { g2 in
                            zeros.withUnsafeBufferPointer { zero in
                                let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                let w = SharedPointer(base: w.baseAddress!)
                                let g = UncheckedSendable(g.baseAddress), g2 = UncheckedSendable(g2.baseAddress)
                                let zero = UncheckedSendable(zero.baseAddress!), slot = slot
                                let parts = count >= Self.parallelThreshold ? Parallel.threads : 1
                                Parallel.forEach(parts) { part in
                                    for row in height * part / parts ..< height * (part + 1) / parts {
                                        let k = Int(slot[row]), offset = row * width
                                        let gradient = k < 0 ? zero.value : g.value! + k * width
                                        let squares = k < 0 ? zero.value : g2.value! + k * width
                                        Self.step(m.base + offset, v.base + offset, w.base + offset, gradient: gradient,
                                                  squaredGradient: squares, count: width, alpha: alpha,
                                                  oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Deferred rows: brings every row of every row-wise weight up to the last step (the
    /// weights dense Adam would hold now). Call before reading the weights (evaluating,
    /// saving); a no-op for the other kinds of steps.
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model) {
        guard rowSteps == .deferred else { return }
        for entry in model.parameterPaths {
            guard let current = currentSteps[entry.name] else { continue }
            let stale = current.indices.filter { current[$0] < Int32(step) }.map(Int32.init)
            catchUp(&model, rows: stale, of: entry.name)
        }
    }

    /// Deferred rows: brings `rows` (each once) of the weight named `name` up to the last step,
    /// as a batch that reads them needs before its forward pass (their values then are dense
    /// Adam's). A no-op for the other kinds of steps.
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model, rows: [Int32], of name: String) {
        guard rowSteps == .deferred, var current = currentSteps.removeValue(forKey: name),
              let entry = model.parameterPaths.first(where: { $0.name == name }) else { return }
        defer { currentSteps[name] = current }
        guard var (first, second) = moments.removeValue(forKey: name) else { return }
        defer { moments[name] = (first, second) }
        let summed = catchUp(through: step).apply(rows, current: &current, weights: &model[keyPath: entry.path],
                                                  first: &first, second: &second)
        keep(summed)
    }

    /// Adam's step on `rows.rows` only, each with its summed gradient and, with `squares`, its
    /// per-position squares (deferred Adam, as Keras) or else g² (lazy Adam); the rows are
    /// distinct, so the cores' parts write apart. With `catchUp`, each row is first brought up
    /// to its target and, once stepped, said in `current` to be current with this step;
    /// returns the tails that catch-up summed.
    private func stepRows(alpha: Float, weights: inout Tensor, first: inout [Float], second: inout [Float],
                          _ rows: RowGradient, squares: Bool, catchUp: CatchUp? = nil,
                          current: inout [Int32]) -> CatchUp.SummedTails {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon, step = Int32(step)
        let width = weights.shape[1], count = rows.rows.count
        guard count > 0 else { return [:] }  // a batch of texts with no known token
        let parts = count * width >= Self.parallelThreshold ? Parallel.threads : 1
        var summed = [CatchUp.SummedTails](repeating: [:], count: parts)
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                weights.scalars.withUnsafeMutableBufferPointer { w in
                    current.withUnsafeMutableBufferPointer { current in
                        summed.withUnsafeMutableBufferPointer { summed in
                            rows.gradient.withUnsafeBufferPointer { g in
                                rows.squares.withUnsafeBufferPointer { g2 in
                                    rows.rows.withUnsafeBufferPointer { ids in
                                        let m = SharedPointer(base: m.baseAddress!), v = SharedPointer(base: v.baseAddress!)
                                        let w = SharedPointer(base: w.baseAddress!), ids = UncheckedSendable(ids.baseAddress!)
                                        let current = UncheckedSendable(catchUp != nil ? current.baseAddress : nil)
                                        let summed = SharedPointer(base: summed.baseAddress!)
                                        let g = UncheckedSendable(g.baseAddress!)
                                        let g2 = UncheckedSendable(squares ? g2.baseAddress : nil)
                                        Parallel.forEach(parts) { part in
                                            let end = count * (part + 1) / parts
                                            for k in count * part / parts ..< end {
                                                if k + Self.prefetchDistance < end {
                                                    Self.prefetch(row: Int(ids.value[k + Self.prefetchDistance]), width: width,
                                                                  m.base, v.base, w.base, current: current.value)
                                                }
                                                let row = Int(ids.value[k]), offset = row * width
                                                if let catchUp, let current = current.value {
                                                    catchUp.bringUp(row, width: width, current: current, m.base, v.base, w.base,
                                                                    summed: &summed.base[part])
                                                    current[row] = step
                                                }
                                                Self.step(m.base + offset, v.base + offset, w.base + offset,
                                                          gradient: g.value + k * width, squaredGradient: g2.value.map { $0 + k * width },
                                                          count: width, alpha: alpha, oneMinusBeta1: oneMinusBeta1,
                                                          oneMinusBeta2: oneMinusBeta2, epsilon: epsilon)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return summed.reduce(into: [:]) { all, part in all.merge(part) { kept, _ in kept } }
    }

    /// How many rows ahead the row loops name the rows they will step next (``prefetch(row:width:_:_:_:)``).
    static let prefetchDistance = 6

    /// Starts loading row `row` of a `[rows, width]` weight and its two moments (rows are
    /// read at random from tables far larger than the caches).
    @inline(__always)
    static func prefetch(row: Int, width: Int, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ w: UnsafeMutablePointer<Float>, current: UnsafeMutablePointer<Int32>? = nil) {
        let offset = row * width, bytes = Int64(width * MemoryLayout<Float>.stride)
        textclf_prefetch(w + offset, bytes)
        textclf_prefetch(m + offset, bytes)
        textclf_prefetch(v + offset, bytes)
        if let current { textclf_prefetch(current + row, 4) }
    }
}
