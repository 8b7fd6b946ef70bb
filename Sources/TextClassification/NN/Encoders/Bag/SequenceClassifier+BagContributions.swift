/// Exact explanations for the bag. Its logits are linear in the mean of the tokens'
/// embeddings, z = Wᵀ(Σᵢ eᵢ / n) + b, so any linear form of them, Σⱼ aⱼ zⱼ + c, is a sum of one
/// term per token, (W a) · eᵢ / n, plus a · b + c: each token's contribution is its own term,
/// read in one pass, and the terms and the base add up to the form's value exactly.
extension SequenceClassifier {
    /// Whether ``bagContributions(of:form:)`` applies: the encoder is the bag.
    var explainsExactly: Bool { encoder.kind == .bag }

    /// Each token's term of `form` (a linear form of the logits, e.g. a label's log-odds) and
    /// the base no token carries.
    ///
    /// - Parameters:
    ///   - tokens: one text's vocabulary indices as the model reads them (inside the window
    ///     truncation keeps; padding, index 0, counts for nothing, as in the mean).
    ///   - form: coefficients per output and an offset.
    /// - Returns: one contribution per entry of `tokens` (0 for padding) and the base; their
    ///   sum is the form's value at the model's logits for `tokens`.
    func bagContributions(of tokens: [Int32], form: ClassificationHead.LogOddsForm)
        -> (contributions: [Float], base: Float) {
        precondition(explainsExactly && form.coefficients.count == head.outputs, "a bag model and one coefficient per output")
        let width = encoder.embedding.outputDim, outputs = head.outputs
        let kernel = head.dense.kernel.scalars, bias = head.dense.bias.scalars
        // v = W a: the direction in embedding space the form reads.
        var direction = [Double](repeating: 0, count: width)
        for f in 0..<width {
            for j in 0..<outputs { direction[f] += Double(kernel[f * outputs + j]) * Double(form.coefficients[j]) }
        }
        var base = Double(form.offset)
        for j in 0..<outputs { base += Double(bias[j]) * Double(form.coefficients[j]) }
        let count = Double(tokens.filter { $0 != 0 }.count)
        let contributions = tokens.map { token -> Float in
            guard token != 0 else { return 0 }
            var dot = 0.0
            let row = encoder.embedding.values(ofRow: Int(token))
            for f in 0..<width { dot += Double(row[f]) * direction[f] }
            return Float(dot / count)
        }
        return (contributions, Float(base))
    }
}
