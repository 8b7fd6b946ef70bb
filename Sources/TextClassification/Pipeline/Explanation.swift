import Foundation

/// Why a classifier gave a text the answer it did: each token's contribution to one label's
/// score, on one of two scales.
///
/// - ``Scale/logOdds`` (the default): the label's log-odds, log(p / (1 − p)), computed from
///   the logits (``ClassificationHead/logOdds(_:label:)``), so that a confident prediction
///   (p = 0.9994, log-odds 7.4) still has contributions to show. For the bag of n-grams the
///   log-odds split exactly into one term per token and a ``base`` (``Method/exact``: one
///   model pass); for the other encoders a token's contribution is the log-odds with the
///   text as it is minus the log-odds with that token removed (``Method/occlusion``: the text
///   and its n variants go through the model as one batch of n + 1 sequences).
/// - ``Scale/probability``: occlusion on the label's probability, for every encoder.
///
/// ```swift
/// let explanation = try classifier.explain(["质量很好，物流也快"])[0][0]
/// explanation.label                         // "1"
/// explanation.method                        // .exact with the bag
/// for token in explanation.tokens { print(token.text, token.contribution ?? "dropped") }
/// ```
public struct Explanation: Equatable, Sendable {
    /// One token of the text and its share of the decision.
    public struct Token: Equatable, Sendable {
        /// The token as the tokenizer gives it (lower-cased if the model lower-cases).
        public var text: String
        /// The token's share of ``Explanation/value``: its own term (exact), or the value with
        /// the text as it is minus the value without this token (occlusion); 0 for a token
        /// outside the window truncation keeps; `nil` when the vocabulary drops the token
        /// (unknown, or beyond `numWords`): it never reaches the model.
        public var contribution: Float?

        /// A token and its contribution (`nil`: dropped by the vocabulary).
        public init(text: String, contribution: Float?) {
            self.text = text
            self.contribution = contribution
        }
    }

    /// What a contribution measures.
    public enum Scale: String, CaseIterable, Sendable {
        /// The label's log-odds (see ``ClassificationHead/logOdds(_:label:)``).
        case logOdds = "log-odds"
        /// The label's probability.
        case probability
    }

    /// How the contributions were found.
    public enum Method: String, Sendable {
        /// Each token's own term of a score that is linear in them (the bag on log-odds):
        /// the contributions and ``Explanation/base`` add up to ``Explanation/value``.
        case exact
        /// The score with the text as it is minus the score with the token removed.
        case occlusion
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
    /// What the contributions measure.
    public var scale: Scale = .probability
    /// How they were found.
    public var method: Method = .occlusion
    /// The label's score on ``scale`` for the text as it is: its log-odds or its probability.
    public var value: Float = 0
    /// With ``Method/exact``: the part of ``value`` no token carries (the head's bias, and
    /// for multi-class the spread of the other classes), so that it and the contributions add
    /// up to ``value``; `nil` with occlusion.
    public var base: Float?
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

    /// A distinct piece of the text and what all its occurrences contribute together.
    public struct Piece: Equatable, Sendable {
        /// The token.
        public var text: String
        /// The sum of its occurrences' contributions.
        public var contribution: Float
        /// How many times the text has it.
        public var occurrences: Int
    }

    /// The `count` distinct pieces of largest total contribution (either sign), largest
    /// first, ties in text order: a piece the text repeats is listed once, with its sum.
    public func strongestPieces(_ count: Int) -> [Piece] {
        var pieces: [Piece] = [], position: [String: Int] = [:]
        for token in tokens {
            guard let c = token.contribution else { continue }
            if let k = position[token.text] {
                pieces[k].contribution += c
                pieces[k].occurrences += 1
            } else {
                position[token.text] = pieces.count
                pieces.append(Piece(text: token.text, contribution: c, occurrences: 1))
            }
        }
        let order = pieces.indices.sorted { a, b in
            abs(pieces[a].contribution) != abs(pieces[b].contribution)
                ? abs(pieces[a].contribution) > abs(pieces[b].contribution) : a < b
        }
        return order.prefix(count).map { pieces[$0] }
    }

    /// Whether any token reaches the model; when none does, the prediction comes from the
    /// padding alone and every contribution is undefined.
    public var hasKnownTokens: Bool { tokens.contains { $0.contribution != nil } }
}

extension TextClassifier {
    /// The model sequences ``explain(_:label:threshold:scale:)`` runs for `texts`: per text,
    /// one for the text and, by occlusion, one per kept token inside the window the model
    /// reads (at most `maxLength`). A server bounds a request's work with it before doing any.
    public func explanationCost(_ texts: [String], scale: Explanation.Scale = .logOdds) -> Int {
        if scale == .logOdds, model?.explainsExactly == true { return texts.count }
        return tokenizeSplit(texts.map(boundedText)).reduce(0) { sum, split in
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
    ///   - scale: what a contribution measures: the label's log-odds (exact for the bag,
    ///     occlusion otherwise) or its probability (occlusion).
    /// - Returns: per text, one explanation per label explained.
    /// - Throws: for a label the model does not have, or an unfitted classifier.
    public func explain(_ texts: [String], label: String? = nil, threshold: Float? = nil,
                        scale: Explanation.Scale = .logOdds) throws -> [[Explanation]] {
        let model = try trainedModel()
        let requested = try label.map { name -> Int in
            guard let index = labelNames.firstIndex(of: name) else {
                throw TextClassificationError.invalidArgument(
                    name: "label", value: "\"\(name)\"",
                    expected: "one of the model's labels (\(labelNames.map { "\"\($0)\"" }.joined(separator: ", ")))")
            }
            return index
        }
        let exact = scale == .logOdds && model.explainsExactly
        // Each text's tokens and the vocabulary index of those it keeps.
        let read = texts.map { normalizer(boundedText($0)) }
        let split = tokenizeSplit(texts.map(boundedText))
        let tokenLists = split.map(\.tokens)
        let encoded = split.map { tokens, words in
            tokens.indices.map { k in indices(ofTokens: [tokens[k]], words: k < words ? 1 : 0).first }
        }
        // One batch: per text, its kept indices, then (occlusion) the same without each kept
        // token in turn. Only tokens inside the window that truncation keeps are removed:
        // removing one outside it leaves the model's input, and so the score, as it was.
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
            sequences.append(Array(kept[window]))
            guard !exact else { continue }
            // Truncation keeps `length` items, so a sequence needs only the window and, once a
            // token is removed, the one item that then slides in beside it: copying the whole
            // text per removed token made a 30,000-character text cost gigabytes.
            let reach = configuration.truncating == .pre ? max(0, window.lowerBound - 1)..<kept.count
                                                         : 0..<min(kept.count, window.upperBound + 1)
            for k in window {
                var without = Array(kept[reach])
                without.remove(at: k - reach.lowerBound)
                sequences.append(without)
            }
        }
        let logits = try model.logits(padding(sequences))
        let head = model.head, outputs = head.outputs
        func row(_ r: Int) -> ArraySlice<Float> { logits[r * outputs ..< (r + 1) * outputs] }
        func probabilities(_ r: Int) -> [Float] {
            var p = Array(row(r))
            head.probabilities(fromLogits: &p)
            return p
        }
        func score(_ r: Int, _ labelIndex: Int) -> Float {
            scale == .logOdds ? head.logOdds(row(r), label: labelIndex)
                              : head.classProbabilities(probabilities(r)[...])[labelIndex]
        }
        return texts.indices.map { t in
            let first = firstRow[t], window = windows[t]
            let full = probabilities(first)
            let prediction = Prediction(probabilities: head.classProbabilities(full[...]),
                                        labelIndices: head.decide(full, threshold: threshold),
                                        labels: labels, unknownLabel: "")
            var explained = requested.map { [$0] } ?? prediction.labelIndices
            if explained.isEmpty {
                let p = prediction.probabilities
                explained = [p.indices.max { p[$0] < p[$1] } ?? 0]
            }
            return explained.map { labelIndex in
                let value = score(first, labelIndex)
                // Per kept token inside the window, its contribution.
                var inWindow: [Float]
                var base: Float?
                if exact {
                    let terms = model.bagContributions(of: sequences[first], form: head.logOddsForm(row(first), label: labelIndex))
                    (inWindow, base) = (terms.contributions, terms.base)
                } else {
                    inWindow = (0..<window.count).map { value - score(first + 1 + $0, labelIndex) }
                }
                var k = -1  // the kept token's position among the kept ones
                let tokens = zip(tokenLists[t], encoded[t]).map { token, index -> Explanation.Token in
                    guard index != nil else { return Explanation.Token(text: token, contribution: nil) }
                    k += 1
                    guard window.contains(k) else { return Explanation.Token(text: token, contribution: 0) }
                    return Explanation.Token(text: token, contribution: inWindow[k - window.lowerBound])
                }
                let unit = configuration.unit
                let spans = [.ngrams, .ngrams3, .wordchar].contains(unit)
                    ? TokenSpans.of(tokenLists[t], words: split[t].words, unit: unit, in: read[t], lowercased: configuration.lowercased)
                    : nil
                var explanation = Explanation(text: texts[t], prediction: prediction, labelIndex: labelIndex,
                                              label: labelNames[labelIndex],
                                              probability: prediction.probabilities[labelIndex], tokens: tokens,
                                              readText: read[t], spans: spans)
                explanation.scale = scale
                explanation.method = exact ? .exact : .occlusion
                explanation.value = value
                explanation.base = base
                return explanation
            }
        }
    }
}
