import Foundation

/// A label's log-odds, log(p / (1 − p)) of the probability the head gives it, computed from
/// the logits so that it does not saturate where p rounds to 1: the scale explanations use.
/// With calibration the logits are divided by the temperature first, so the log-odds are
/// those of the calibrated probability.
///
/// | head | log-odds of label c |
/// |---|---|
/// | binary | z / T for the second label, −z / T for the first |
/// | multi-class | z_c / T − log Σ_{j≠c} exp(z_j / T): the class against all the others together |
/// | multi-label | z_c (each label is its own sigmoid) |
///
/// Multi-class uses the class against the rest rather than log p_c: log p_c saturates at 0
/// exactly as p_c does at 1, and with two classes this is the binary head's value.
extension ClassificationHead {
    /// A linear form of the log-odds around one row of logits: L = Σ_j coefficients[j] · z_j + offset,
    /// exactly, at those logits. Binary and multi-label heads are linear already (offset 0).
    /// For multi-class, the others' log-sum-exp is written as their mean under q (the
    /// softmax over the others, at this row) plus q's entropy:
    /// log Σ_{j≠c} e^{y_j} = Σ_{j≠c} q_j y_j + H(q), so L = y_c − Σ_{j≠c} q_j y_j − H(q).
    /// A model whose logits are linear in its features (the bag) then splits L exactly.
    public struct LogOddsForm: Equatable, Sendable {
        /// d L / d z_j at the row, one per output.
        public var coefficients: [Float]
        /// What the logits do not carry: −H(q) for multi-class, 0 otherwise.
        public var offset: Float
    }

    /// Label `label`'s log-odds for one row of raw logits.
    /// - Parameters:
    ///   - logits: one row of the head's raw logits (`outputs` values).
    ///   - label: a class index (binary: 0 or 1) or, multi-label, a label index.
    public func logOdds(_ logits: ArraySlice<Float>, label: Int) -> Float {
        logOddsForm(logits, label: label).value(at: logits)
    }

    /// The linear form of label `label`'s log-odds at one row of raw logits (see ``LogOddsForm``).
    public func logOddsForm(_ logits: ArraySlice<Float>, label: Int) -> LogOddsForm {
        let z = Array(logits)
        switch kind {
        case .binary:
            return LogOddsForm(coefficients: [(label == 1 ? 1 : -1) / temperature], offset: 0)
        case .multiLabel:
            var coefficients = [Float](repeating: 0, count: z.count)
            coefficients[label] = 1
            return LogOddsForm(coefficients: coefficients, offset: 0)
        case .multiClass:
            // q: the softmax of the others' scaled logits, in Double (it feeds an entropy).
            let t = Double(temperature)
            let others = z.indices.filter { $0 != label }
            let top = others.map { Double(z[$0]) / t }.max() ?? 0
            var q = [Double](repeating: 0, count: z.count)
            var sum = 0.0
            for j in others { q[j] = exp(Double(z[j]) / t - top); sum += q[j] }
            var entropy = 0.0
            for j in others {
                q[j] /= sum
                if q[j] > 0 { entropy -= q[j] * log(q[j]) }
            }
            var coefficients = q.map { Float(-$0 / t) }
            coefficients[label] = Float(1 / t)
            return LogOddsForm(coefficients: coefficients, offset: Float(-entropy))
        }
    }
}

extension ClassificationHead.LogOddsForm {
    /// Σ_j coefficients[j] · logits[j] + offset.
    public func value(at logits: ArraySlice<Float>) -> Float {
        var sum = Double(offset)
        for (a, z) in zip(coefficients, logits) { sum += Double(a) * Double(z) }
        return Float(sum)
    }
}
