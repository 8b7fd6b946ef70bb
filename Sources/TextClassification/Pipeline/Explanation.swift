import Foundation

/// Why a classifier gave a text the probability it did: each token's contribution to one
/// label's probability, by occlusion. A token's contribution is the label's probability for
/// the text as it is minus its probability with that token removed; the text and its n
/// variants go through the model as one batch of n + 1 sequences. Exact (no gradients, no
/// sampling) and the same for every head.
///
/// ```swift
/// let explanation = try classifier.explain(["质量很好，物流也快"])[0][0]
/// explanation.label                         // "1"
/// for token in explanation.tokens { print(token.text, token.contribution ?? "dropped") }
/// ```
public struct Explanation: Equatable, Sendable {
    /// One token of the text and its share of the decision.
    public struct Token: Equatable, Sendable {
        /// The token as the tokenizer gives it (lower-cased if the model lower-cases).
        public var text: String
        /// P(label) with the text as it is minus P(label) without this token; `nil` when the
        /// vocabulary drops the token (unknown, or beyond `numWords`): it never reaches the model.
        public var contribution: Float?

        /// A token and its contribution (`nil`: dropped by the vocabulary).
        public init(text: String, contribution: Float?) {
            self.text = text
            self.contribution = contribution
        }
    }

    /// The text explained, as given.
    public var text: String
    /// The whole prediction for the text.
    public var prediction: Prediction
    /// The label explained: its index in the classifier's labels, and its name.
    public var labelIndex: Int
    /// The explained label's name.
    public var label: String
    /// P(label) for the text as it is.
    public var probability: Float
    /// Every token of the text, in order, dropped ones included.
    public var tokens: [Token]
    /// The text as the model read it (normalised), which ``spans`` index.
    public var readText: String = ""
    /// With n-gram tokens (`ngrams`, `ngrams3`, `wordchar`): where each token lies in
    /// ``readText``, in Characters (``TokenSpans``); `nil` for word and character tokens,
    /// which are the text already.
    public var spans: [Range<Int>?]?

    /// With n-gram tokens, each Character of ``readText`` with its share of the contributions
    /// of the tokens covering it (a token's contribution divided evenly over its characters):
    /// the ~300 overlapping pieces of a 40-character review folded back onto the text, their
    /// sum kept. `nil` with word or character tokens.
    public var characterContributions: [Float]? {
        guard let spans else { return nil }
        var shares = [Float](repeating: 0, count: readText.count)
        for (token, span) in zip(tokens, spans) {
            guard let c = token.contribution, let span, !span.isEmpty else { continue }
            for k in span where k < shares.count { shares[k] += c / Float(span.count) }
        }
        return shares
    }

    /// The `count` tokens of largest contribution (either sign), largest first.
    public func strongestTokens(_ count: Int) -> [Token] {
        Array(tokens.filter { $0.contribution != nil }
            .sorted { abs($0.contribution!) > abs($1.contribution!) }.prefix(count))
    }

    /// Whether any token reaches the model; when none does, the prediction comes from the
    /// padding alone and every contribution is undefined.
    public var hasKnownTokens: Bool { tokens.contains { $0.contribution != nil } }
}

extension TextClassifier {
    /// The model sequences ``explain(_:label:threshold:)`` runs for `texts`: per text, one for
    /// the text and one per kept token inside the window the model reads (at most `maxLength`).
    /// A server bounds a request's work with it before doing any.
    public func explanationCost(_ texts: [String]) -> Int {
        tokenizeSplit(texts.map(boundedText)).reduce(0) { sum, split in
            let kept = split.tokens.indices.reduce(0) { count, k in
                count + (indices(ofTokens: [split.tokens[k]], words: k < split.words ? 1 : 0).first == nil ? 0 : 1)
            }
            return sum + 1 + min(kept, configuration.maxLength)
        }
    }

    /// Explains each text's prediction (see ``Explanation``).
    ///
    /// - Parameters:
    ///   - texts: the texts to explain.
    ///   - label: the label to explain, by name; `nil` explains the predicted one (binary and
    ///     multi-class: the decided label; multi-label: each label at or above `threshold`,
    ///     or the most probable one when none is).
    ///   - threshold: as in ``predict(texts:threshold:minimumProbability:unknownLabel:)``.
    /// - Returns: per text, one explanation per label explained.
    /// - Throws: for a label the model does not have, or an unfitted classifier.
    public func explain(_ texts: [String], label: String? = nil, threshold: Float? = nil) throws -> [[Explanation]] {
        let model = try trainedModel()
        let requested = try label.map { name -> Int in
            guard let index = labelNames.firstIndex(of: name) else {
                throw TextClassificationError.invalidArgument(
                    name: "label", value: "\"\(name)\"",
                    expected: "one of the model's labels (\(labelNames.map { "\"\($0)\"" }.joined(separator: ", ")))")
            }
            return index
        }
        // Each text's tokens and the vocabulary index of those it keeps.
        let read = texts.map { normalizer(boundedText($0)) }
        let split = tokenizeSplit(texts.map(boundedText))
        let tokenLists = split.map(\.tokens)
        let encoded = split.map { tokens, words in
            tokens.indices.map { k in indices(ofTokens: [tokens[k]], words: k < words ? 1 : 0).first }
        }
        // One batch: per text, its kept indices, then the same without each kept token in turn.
        // Only tokens inside the window that truncation keeps are removed: removing one outside
        // it leaves the model's input, and so the probability, exactly as it was.
        let length = configuration.maxLength
        var sequences: [[Int32]] = []
        var firstRow: [Int] = []
        var windows: [Range<Int>] = []
        for indices in encoded {
            firstRow.append(sequences.count)
            let kept = indices.compactMap { $0 }
            let window = configuration.truncating == .pre ? max(0, kept.count - length)..<kept.count
                                                          : 0..<min(kept.count, length)
            windows.append(window)
            // Truncation keeps `length` items, so a sequence needs only the window and, once a
            // token is removed, the one item that then slides in beside it: copying the whole
            // text per removed token made a 30,000-character text cost gigabytes.
            let reach = configuration.truncating == .pre ? max(0, window.lowerBound - 1)..<kept.count
                                                         : 0..<min(kept.count, window.upperBound + 1)
            sequences.append(Array(kept[window]))
            for k in window {
                var without = Array(kept[reach])
                without.remove(at: k - reach.lowerBound)
                sequences.append(without)
            }
        }
        let probabilities = try model.predict(padding(sequences))
        let outputs = model.head.outputs
        func classProbabilities(_ row: Int) -> [Float] {
            model.head.classProbabilities(probabilities[row * outputs ..< (row + 1) * outputs])
        }
        return texts.indices.map { t in
            let row = firstRow[t]
            let full = classProbabilities(row)
            let prediction = Prediction(probabilities: full,
                                        labelIndices: model.head.decide(probabilities[row * outputs ..< (row + 1) * outputs],
                                                                        threshold: threshold),
                                        labels: labels, unknownLabel: "")
            var explained = requested.map { [$0] } ?? prediction.labelIndices
            if explained.isEmpty { explained = [full.indices.max { full[$0] < full[$1] } ?? 0] }
            return explained.map { labelIndex in
                var k = -1  // the kept token's position among the kept ones
                let tokens = zip(tokenLists[t], encoded[t]).map { token, index -> Explanation.Token in
                    guard index != nil else { return Explanation.Token(text: token, contribution: nil) }
                    k += 1
                    guard windows[t].contains(k) else { return Explanation.Token(text: token, contribution: 0) }
                    let without = classProbabilities(row + 1 + k - windows[t].lowerBound)[labelIndex]
                    return Explanation.Token(text: token, contribution: full[labelIndex] - without)
                }
                let unit = configuration.unit
                let spans = [.ngrams, .ngrams3, .wordchar].contains(unit)
                    ? TokenSpans.of(tokenLists[t], words: split[t].words, unit: unit, in: read[t], lowercased: configuration.lowercased)
                    : nil
                return Explanation(text: texts[t], prediction: prediction, labelIndex: labelIndex,
                                   label: labelNames[labelIndex], probability: full[labelIndex], tokens: tokens,
                                   readText: read[t], spans: spans)
            }
        }
    }
}
