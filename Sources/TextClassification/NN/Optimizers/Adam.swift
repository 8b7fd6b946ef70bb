import Foundation

/// The Adam optimiser with Keras's defaults and arithmetic (``AdamMoments``): every weight's
/// moments decay every step, embedding rows without gradient included (Keras densifies). A
/// step costs the whole vocabulary; numbers and weights match Keras's (KerasParityTests).
///
/// One quirk of Keras on TensorFlow is kept on purpose: an embedding's gradient arrives as
/// `IndexedSlices` with one slice per token position, `ops.square` squares the slices before
/// they are summed by row, so `v` moves by Σ g_i² rather than (Σ g_i)² for a row used at
/// several positions (measured against Keras in KerasParityTests). Pass those sums as
/// `squaredGradients` (or a ``RowGradient``'s `squares`) to match it.
///
/// ```swift
/// var adam = Adam()                        // lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7
/// adam.update(&model, along: gradients)    // one step
/// ```
public struct Adam: AdamVariant {
    public static let kind = OptimizerKind.adam
    public var moments: AdamMoments

    public init(moments: AdamMoments) { self.moments = moments }

    /// One step on every weight of `model` from whole gradients, as Keras's `apply_gradients`;
    /// `gradients` by the weights' names (``ParameterizedModel/parameterPaths``).
    /// `squaredGradients[name]`, when given, replaces `g²` in the update of that weight's `v`
    /// (see the type's note on embeddings).
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           squaredGradients: [String: Tensor] = [:],
                                                           frozen: Set<String> = []) {
        let paths = model.parameterPaths.filter { !frozen.contains($0.name) }
        for entry in paths {
            let count = model[keyPath: entry.path].count
            precondition(gradients[entry.name]?.count == count, "gradient \(entry.name) is missing or has the wrong size")
            precondition(squaredGradients[entry.name].map { $0.count == count } ?? true,
                         "squared gradient \(entry.name) has the wrong size")
        }
        let alpha = moments.beginStep()
        for entry in paths {
            moments.apply(entry.name, alpha: alpha, to: &model[keyPath: entry.path], gradient: gradients[entry.name]!.scalars,
                          squaredGradient: squaredGradients[entry.name]?.scalars)
        }
    }

    /// One step; a weight given by rows steps every row, those without a gradient on their
    /// moments alone: the same arithmetic as a whole gradient with zero rows, so the same
    /// weights to the bit, without a vocabulary-sized gradient per batch.
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           rowGradients: [String: RowGradient], frozen: Set<String>) {
        let alpha = moments.beginStep()
        let (oneMinusBeta1, oneMinusBeta2, epsilon) = (1 - moments.beta1, 1 - moments.beta2, moments.epsilon)
        moments.update(&model, along: gradients, rowGradients: rowGradients, frozen: frozen, alpha: alpha) {
            name, weights, rows, first, second in
            precondition(rows.squares.count == rows.gradient.count, "row gradient \(name) lacks its squares")
            let height = weights.shape[0], width = weights.shape[1], zero = [Float](repeating: 0, count: width)
            let slots = TokenSlots(vocabulary: height)  // the rows are distinct: slot k is rows.rows[k]
            slots.assign(rows.rows)
            let parts = height * width >= AdamMoments.parallelThreshold ? Parallel.threads : 1
            func loop(_ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
                      _ g: UnsafePointer<Float>, _ g2: UnsafePointer<Float>, _ zero: UnsafePointer<Float>) {
                let (m, v, w) = (SharedPointer(base: m), SharedPointer(base: v), SharedPointer(base: w))
                let (g, g2, zero) = (UncheckedSendable(g), UncheckedSendable(g2), UncheckedSendable(zero))
                Parallel.forEach(parts) { part in
                    for row in height * part / parts ..< height * (part + 1) / parts {
                        let k = Int(slots[Int32(row)]), offset = row * width
                        AdamMoments.step(m.base + offset, v.base + offset, w.base + offset,
                                         gradient: k < 0 ? zero.value : g.value + k * width,
                                         squaredGradient: k < 0 ? zero.value : g2.value + k * width, count: width,
                                         alpha: alpha, oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2,
                                         epsilon: epsilon)
                    }
                }
            }
            loop(&first, &second, &weights.scalars, rows.gradient, rows.squares, zero)
        }
    }
}
