import Foundation

/// What changes when one model replaces another, on the same texts: the texts whose answer
/// flips, grouped by (old answer → new answer) with the pieces that moved them, and, when the
/// texts are labelled, how many flips fix an error and how many make one, with the change in
/// accuracy and macro F1 and a 95% interval for each (a paired bootstrap over the texts) and
/// McNemar's exact test of fixed against broken. `textclf diff`.
///
/// The pieces behind a flip come from ``TextClassifier/explain(_:label:threshold:scale:)`` on
/// the log-odds scale: each piece's contribution to the new answer under the new model minus
/// its contribution to that answer under the old one, summed over the group's examples.
///
/// ```swift
/// let comparison = try ModelComparison(old: stable, new: candidate, texts: dev.texts,
///                                      labels: dev.labels.map { [$0] })
/// comparison.changed                       // texts whose answer differs
/// comparison.flips.first?.from             // ["finance"]
/// comparison.outcome?.accuracyChange       // estimate and 95% interval
/// ```
public struct ModelComparison: Sendable, Encodable {
    /// A piece of text and how far the change of model moved it toward the new answer.
    public struct Piece: Equatable, Sendable, Encodable {
        /// The token (``ICUTokenizer/Unit/notation`` says how pieces are written).
        public var text: String
        /// Its contribution to the new answer's log-odds under the new model minus under the
        /// old one, summed over the group's examples.
        public var shift: Float
    }

    /// One text of a flip: where it is and what each model gave it.
    public struct Example: Equatable, Sendable, Encodable {
        /// Its row among the texts compared (0-based).
        public var row: Int
        /// The text.
        public var text: String
        /// The old model's probability of its answer, and the new model's of its own
        /// (multi-label: of the least probable label answered; none answered: of the most
        /// probable label).
        public var oldProbability: Float, newProbability: Float
        /// The true labels, when the texts are labelled.
        public var truth: [String]?
    }

    /// The texts that went from one answer to another.
    public struct Flip: Equatable, Sendable, Encodable {
        /// The old model's answer (multi-label: the set; empty: none).
        public var from: [String]
        /// The new model's answer.
        public var to: [String]
        /// How many texts flipped this way.
        public var count: Int
        /// With labels: how many of them the new answer fixes (old wrong, new right) and breaks.
        public var fixed: Int, broken: Int
        /// The first texts of the group.
        public var examples: [Example]
        /// The pieces that moved the examples most toward the new answer, largest first.
        public var pieces: [Piece]
    }

    /// An estimate and its 95% interval.
    public struct Interval: Equatable, Sendable, Encodable {
        public var estimate: Double, low: Double, high: Double
    }

    /// What the change does to the labelled texts.
    public struct Outcome: Equatable, Sendable, Encodable {
        /// Texts the new model gets right and the old got wrong, and the reverse.
        public var fixed: Int, broken: Int
        /// Share of texts answered exactly right (multi-label: the whole set).
        public var oldAccuracy: Double, newAccuracy: Double
        /// New minus old accuracy, with a paired bootstrap interval.
        public var accuracyChange: Interval
        /// Macro F1 over the labels (per label: answered and true as the positive class).
        public var oldMacroF1: Double, newMacroF1: Double
        /// New minus old macro F1, with a paired bootstrap interval.
        public var macroF1Change: Interval
        /// McNemar's exact two-sided p-value for fixed against broken: how likely a split at
        /// least this uneven is if the models were equally good.
        public var mcNemarP: Double
    }

    /// Texts compared.
    public var count: Int
    /// Texts whose answer differs.
    public var changed: Int
    /// The flips, most frequent first (ties by old, then new answer).
    public var flips: [Flip]
    /// With labelled texts, what the change does to them.
    public var outcome: Outcome?
    /// How the models' pieces are written (the new model's token unit), for a legend.
    public var notation: String?

    /// Bootstrap resamples behind each interval.
    public static let resamples = 1000

    /// Compares two classifiers on `texts`.
    ///
    /// - Parameters:
    ///   - old: the model in use.
    ///   - new: the model that would replace it (its labels may differ).
    ///   - texts: the texts both answer.
    ///   - labels: per text, its true label names (one for binary and multi-class, a set for
    ///     multi-label), or `nil` for unlabelled texts.
    ///   - examples: texts kept (and explained) per flip.
    ///   - explainedFlips: how many of the most frequent flips get their pieces.
    ///   - seed: the bootstrap's draws.
    /// - Throws: ``TextClassificationError`` for an unfitted classifier or labels that do not
    ///   match the texts.
    public init(old: TextClassifier, new: TextClassifier, texts: [String], labels: [[String]]? = nil,
                examples: Int = 3, explainedFlips: Int = 20, seed: UInt64 = 0) throws {
        if let labels, labels.count != texts.count {
            throw TextClassificationError.invalidArgument(name: "labels", value: "\(labels.count) label sets",
                                                          expected: "one per text (\(texts.count))")
        }
        let before = try old.predict(texts: texts), after = try new.predict(texts: texts)
        count = texts.count
        notation = new.configuration.unit.notation
        var groups: [[[String]]: [Int]] = [:]
        for row in texts.indices where Set(before[row].labels) != Set(after[row].labels) {
            groups[[before[row].labels.sorted(), after[row].labels.sorted()], default: []].append(row)
        }
        changed = groups.values.reduce(0) { $0 + $1.count }
        let right = labels.map { truth in
            texts.indices.map { (Set(before[$0].labels) == Set(truth[$0]), Set(after[$0].labels) == Set(truth[$0])) }
        }
        let ordered = groups.sorted { a, b in
            a.value.count != b.value.count ? a.value.count > b.value.count
                : (a.key[0].joined(separator: "|"), a.key[1].joined(separator: "|"))
                    < (b.key[0].joined(separator: "|"), b.key[1].joined(separator: "|"))
        }
        flips = try ordered.enumerated().map { rank, group in
            let shown = Array(group.value.prefix(examples))
            let (from, to) = (group.key[0], group.key[1])
            return Flip(from: from, to: to, count: group.value.count,
                        fixed: right.map { r in group.value.filter { !r[$0].0 && r[$0].1 }.count } ?? 0,
                        broken: right.map { r in group.value.filter { r[$0].0 && !r[$0].1 }.count } ?? 0,
                        examples: shown.map { row in
                            Example(row: row, text: texts[row], oldProbability: Self.confidence(before[row]),
                                    newProbability: Self.confidence(after[row]), truth: labels?[row])
                        },
                        pieces: rank < explainedFlips
                            ? try Self.pieces(old: old, new: new, texts: shown.map { texts[$0] }, from: from, to: to) : [])
        }
        outcome = labels.map { Self.outcome(before: before, after: after, truth: $0, seed: seed) }
    }

    /// The probability of a prediction's answer (see ``Example/oldProbability``).
    static func confidence(_ prediction: Prediction) -> Float {
        prediction.labelIndices.map { prediction.probabilities[$0] }.min() ?? (prediction.probabilities.max() ?? 0)
    }

    /// The pieces that moved `texts` from `from` to `to`: for the label the flip gained (or,
    /// when it only lost labels, the one it lost, with the sign turned), each piece's log-odds
    /// contribution under the new model minus under the old, summed by piece over the texts.
    static func pieces(old: TextClassifier, new: TextClassifier, texts: [String], from: [String], to: [String],
                       count: Int = 8) throws -> [Piece] {
        let gained = to.first { !from.contains($0) }, lost = from.first { !to.contains($0) }
        guard let label = gained ?? lost, !texts.isEmpty else { return [] }
        let sign: Float = gained != nil ? 1 : -1
        func contributions(_ model: TextClassifier) throws -> [[Explanation.Token]] {
            // A label the model does not have contributes nothing under it.
            guard model.labelNames.contains(label) else { return texts.map { _ in [] } }
            return try model.explain(texts, label: label).map { $0.first?.tokens ?? [] }
        }
        var shift: [String: Float] = [:], order: [String] = []
        for (tokens, weight) in [(try contributions(new), sign), (try contributions(old), -sign)] {
            for token in tokens.joined() {
                guard let c = token.contribution else { continue }
                if shift[token.text] == nil { order.append(token.text) }
                shift[token.text, default: 0] += weight * c
            }
        }
        return Array(order.map { Piece(text: $0, shift: shift[$0]!) }
            .enumerated().sorted { ($0.element.shift, -$0.offset) > ($1.element.shift, -$1.offset) }
            .prefix(count).map(\.element))
    }

    static func outcome(before: [Prediction], after: [Prediction], truth: [[String]], seed: UInt64) -> Outcome {
        let n = truth.count
        let truthSets = truth.map(Set.init), oldSets = before.map { Set($0.labels) }, newSets = after.map { Set($0.labels) }
        let names = Array(Set(truth.joined()).union(oldSets.joined()).union(newSets.joined())).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        // Per row, per model: right or not, and the label indices answered and true.
        let oldRight = (0..<n).map { oldSets[$0] == truthSets[$0] }, newRight = (0..<n).map { newSets[$0] == truthSets[$0] }
        let trueIndices = truthSets.map { $0.map { index[$0]! } }
        let oldIndices = oldSets.map { $0.map { index[$0]! } }, newIndices = newSets.map { $0.map { index[$0]! } }

        /// Accuracy and macro F1 of one model over rows drawn with these multiplicities.
        func figures(_ right: [Bool], _ answered: [[Int]], _ weight: (Int) -> Int) -> (Double, Double) {
            var correct = 0, total = 0
            var tp = [Int](repeating: 0, count: names.count), fp = tp, fn = tp
            for row in 0..<n {
                let w = weight(row)
                guard w > 0 else { continue }
                total += w
                if right[row] { correct += w }
                let truthRow = trueIndices[row], answer = answered[row]
                for k in answer { if truthRow.contains(k) { tp[k] += w } else { fp[k] += w } }
                for k in truthRow where !answer.contains(k) { fn[k] += w }
            }
            // Labels with neither a true nor an answered row are left out of the mean.
            let present = names.indices.filter { tp[$0] + fp[$0] + fn[$0] > 0 }
            let f1 = present.map { k in Double(2 * tp[k]) / Double(2 * tp[k] + fp[k] + fn[k]) }
            return (total > 0 ? Double(correct) / Double(total) : 0, f1.isEmpty ? 0 : f1.reduce(0, +) / Double(f1.count))
        }
        let (oldAccuracy, oldF1) = figures(oldRight, oldIndices) { _ in 1 }
        let (newAccuracy, newF1) = figures(newRight, newIndices) { _ in 1 }
        var random = RandomGenerator(seed: seed)
        var accuracyChanges: [Double] = [], f1Changes: [Double] = []
        var draws = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for k in draws.indices { draws[k] = 0 }
            for _ in 0..<n { draws[random.nextInt(below: n)] += 1 }
            let a = figures(oldRight, oldIndices) { draws[$0] }, b = figures(newRight, newIndices) { draws[$0] }
            accuracyChanges.append(b.0 - a.0)
            f1Changes.append(b.1 - a.1)
        }
        func interval(_ estimate: Double, _ samples: [Double]) -> Interval {
            let sorted = samples.sorted()
            return Interval(estimate: estimate, low: sorted[Int(0.025 * Double(sorted.count - 1))],
                            high: sorted[Int((0.975 * Double(sorted.count - 1)).rounded(.up))])
        }
        let fixed = (0..<n).filter { !oldRight[$0] && newRight[$0] }.count
        let broken = (0..<n).filter { oldRight[$0] && !newRight[$0] }.count
        return Outcome(fixed: fixed, broken: broken, oldAccuracy: oldAccuracy, newAccuracy: newAccuracy,
                       accuracyChange: interval(newAccuracy - oldAccuracy, accuracyChanges),
                       oldMacroF1: oldF1, newMacroF1: newF1, macroF1Change: interval(newF1 - oldF1, f1Changes),
                       mcNemarP: mcNemarExact(fixed, broken))
    }

    /// McNemar's exact test: two-sided binomial p-value of `b` against `c` discordant pairs.
    static func mcNemarExact(_ b: Int, _ c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        // P(X ≤ min(b, c)) for X ~ Binomial(n, 1/2), in logs to stay finite for large n.
        var tail = 0.0
        for k in 0...min(b, c) {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) - Double(n) * log(2))
        }
        return min(1, 2 * tail)
    }
}
