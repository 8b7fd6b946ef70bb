import Foundation

/// What `textclf check` finds in labelled data before training on it: repeated texts, texts
/// with conflicting labels, rows a test file shares with the training file (exactly, after
/// normalisation, or nearly) and the class balance; with ``findLabelErrors(in:labels:template:folds:epochs:seed:onFold:onEpoch:)``,
/// the rows whose label models trained without them doubt (``LabelIssues``).
///
/// ```swift
/// var check = DataCheck(training: train, test: dev, normalizer: TextNormalizer())
/// check.overlap.count        // test rows whose text the training file also holds
/// try check.findLabelErrors(in: train, labels: labels, template: TextClassifier(configuration: .recommended(for: labels.head), labels: labels))
/// check.suspects?.first?.line
/// ```
public struct DataCheck: Sendable, Encodable {
    /// A row of a file: its line and label as written.
    public struct Row: Equatable, Sendable, Encodable {
        /// The row's line in its file, the header being line 1.
        public var line: Int
        /// The label cell as written (multi-label: the whole cell).
        public var label: String
    }

    /// One text written on several rows of the training file.
    public struct Repeat: Equatable, Sendable, Encodable {
        /// The repeated text.
        public var text: String
        /// Every row holding it, in file order.
        public var rows: [Row]
        /// Whether the rows disagree on the label.
        public var conflicting: Bool

        init(text: String, rows: [Row]) {
            self.text = text
            self.rows = rows
            conflicting = Set(rows.map(\.label)).count > 1
        }
    }

    /// A test row whose text the training file holds too.
    public struct Overlap: Equatable, Sendable, Encodable {
        /// The test row's text.
        public var text: String
        /// The row of the test file.
        public var test: Row
        /// The rows of the training file holding the same text.
        public var training: [Row]
        /// Equal only after normalisation (NFKC, Traditional to Simplified when asked).
        public var normalized: Bool
    }

    /// Two texts nearly the same (``NearDuplicates``).
    public struct NearPair: Equatable, Sendable, Encodable {
        /// Jaccard similarity of the two texts' character bigrams, from 0 to 1.
        public var similarity: Double
        /// The earlier row (or the training row of a training/test pair).
        public var first: Row
        /// The later row (or the test row).
        public var second: Row
        /// The first row's text.
        public var firstText: String
        /// The second row's text.
        public var secondText: String
    }

    /// How many rows of the training file hold a label.
    public struct LabelCount: Equatable, Sendable, Encodable {
        /// The label's name.
        public var label: String
        /// The rows holding it.
        public var rows: Int
    }

    /// A row whose label the out-of-fold models doubt (``LabelIssues/Suspect``, by file line).
    public struct Suspect: Equatable, Sendable, Encodable {
        /// The row's line in the training file.
        public var line: Int
        /// The label the row has.
        public var given: String
        /// The label the out-of-fold model finds most likely.
        public var likely: String
        /// The out-of-fold probability of the given label.
        public var givenProbability: Float
        /// The out-of-fold probability of the likely label.
        public var likelyProbability: Float
        /// The likely label reaches its confident-learning threshold (``LabelIssues``).
        public var confident: Bool
        /// The row's text.
        public var text: String
    }

    /// Near duplicates: character bigrams' Jaccard similarity at or above this.
    public var nearThreshold: Double
    /// Rows of the training file.
    public var trainingRows: Int
    /// Rows of the test file, if one was given.
    public var testRows: Int?
    /// Each label's rows in the training file, most first (multi-label: rows holding it).
    public var labelCounts: [LabelCount]
    /// Texts on more than one row of the training file, by first line.
    public var repeats: [Repeat]
    /// Test rows whose text (exactly or after normalisation) the training file holds, by test line.
    public var overlap: [Overlap]
    /// Pairs within the training file, most similar first.
    public var nearDuplicates: [NearPair]
    /// Pairs of a training and a test row (`first` the training row), most similar first.
    public var nearOverlap: [NearPair]
    /// Texts in crowds of near-identical rows too large to pair (boilerplate), not compared.
    public var uncomparedTexts: Int
    /// Suspected label errors, most suspect first, once searched for.
    public var suspects: [Suspect]?
    /// The folds of the out-of-fold predictions behind ``suspects``, once searched for.
    public var folds: Int?

    /// - Parameters:
    ///   - training: the training file's rows.
    ///   - test: a test file's rows, checked against the training file.
    ///   - normalizer: what the model does to a text first (texts equal after it overlap).
    ///   - separator: multi-label files: what joins a cell's labels (a cell's labels are
    ///     compared as a set); `nil` for one label a row.
    ///   - nearThreshold: the similarity from which two different texts are near duplicates.
    public init(training: LabelledCSV, test: LabelledCSV? = nil, normalizer: TextNormalizer = TextNormalizer(),
                separator: String? = nil, nearThreshold: Double = 0.8) {
        self.nearThreshold = nearThreshold
        trainingRows = training.texts.count
        testRows = test?.texts.count
        func label(_ cell: String) -> String {
            guard let separator else { return cell }
            return cell.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.sorted().joined(separator: separator)
        }
        func row(_ data: LabelledCSV, _ i: Int) -> Row { Row(line: data.lines[i], label: label(data.labels[i])) }

        var counts: [String: Int] = [:]
        for cell in training.labels {
            for name in separator.map({ Set(label(cell).components(separatedBy: $0).filter { !$0.isEmpty }) }) ?? [cell] {
                counts[name, default: 0] += 1
            }
        }
        labelCounts = counts.map { LabelCount(label: $0.key, rows: $0.value) }.sorted { $0.rows != $1.rows ? $0.rows > $1.rows : $0.label < $1.label }

        var byText: [String: [Int]] = [:]
        for (i, text) in training.texts.enumerated() { byText[text, default: []].append(i) }
        repeats = byText.filter { $0.value.count > 1 }
            .map { Repeat(text: $0.key, rows: $0.value.map { row(training, $0) }) }
            .sorted { $0.rows[0].line < $1.rows[0].line }

        let normalized = training.texts.map(normalizer.callAsFunction)
        var byNormalized: [String: [Int]] = [:]
        for (i, text) in normalized.enumerated() { byNormalized[text, default: []].append(i) }
        var overlap: [Overlap] = []
        if let test {
            for (t, text) in test.texts.enumerated() {
                if let rows = byText[text] {
                    overlap.append(Overlap(text: text, test: row(test, t), training: rows.map { row(training, $0) }, normalized: false))
                } else if let rows = byNormalized[normalizer(text)] {
                    overlap.append(Overlap(text: text, test: row(test, t), training: rows.map { row(training, $0) }, normalized: true))
                }
            }
        }
        self.overlap = overlap

        // Near duplicates among distinct normalised texts: equal ones are reported above.
        let firstOf = byNormalized.values.map { $0[0] }.sorted()
        let testTexts = test.map { test in
            test.texts.indices.filter { byText[test.texts[$0]] == nil && byNormalized[normalizer(test.texts[$0])] == nil }
        } ?? []
        var finder = NearDuplicates(texts: firstOf.map { normalized[$0] } + testTexts.map { normalizer(test!.texts[$0]) })
        let pairs = finder.pairs(atLeast: nearThreshold)
        uncomparedTexts = finder.skippedTexts
        func pair(_ p: NearDuplicates.Pair) -> NearPair {
            let a = firstOf[p.first]
            if p.second < firstOf.count {
                let b = firstOf[p.second]
                return NearPair(similarity: p.similarity, first: row(training, a), second: row(training, b),
                                firstText: training.texts[a], secondText: training.texts[b])
            }
            let b = testTexts[p.second - firstOf.count]
            return NearPair(similarity: p.similarity, first: row(training, a), second: row(test!, b),
                            firstText: training.texts[a], secondText: test!.texts[b])
        }
        let bySimilarity = { (x: NearPair, y: NearPair) in
            x.similarity != y.similarity ? x.similarity > y.similarity : (x.first.line, x.second.line) < (y.first.line, y.second.line)
        }
        // Pairs among test rows alone are not the training file's business.
        nearDuplicates = pairs.filter { $0.second < firstOf.count }.map(pair).sorted(by: bySimilarity)
        nearOverlap = pairs.filter { $0.first < firstOf.count && $0.second >= firstOf.count }.map(pair).sorted(by: bySimilarity)
    }

    /// Searches `training` for label errors (binary and multi-class): out-of-fold probabilities
    /// from `folds` models of `template`'s configuration, labels and dictionary, then
    /// ``LabelIssues``; fills ``suspects`` and ``folds``.
    public mutating func findLabelErrors(in training: LabelledCSV, labels: LabelSet, template: TextClassifier, folds: Int = 5,
                                         epochs: Int = 10, seed: UInt64 = 0, onFold: ((Int) -> Void)? = nil,
                                         onEpoch: ((EpochReport) -> Void)? = nil) throws {
        let classes = try labels.classIndices(of: training)
        let probabilities = try template.outOfFoldProbabilities(texts: training.texts, labels: classes, folds: folds, epochs: epochs,
                                                                seed: seed, onFold: onFold, onEpoch: onEpoch)
        suspects = LabelIssues(probabilities: probabilities, labels: classes).suspects.map {
            Suspect(line: training.lines[$0.row], given: labels.names[$0.givenLabel], likely: labels.names[$0.likelyLabel],
                    givenProbability: $0.givenProbability, likelyProbability: $0.likelyProbability, confident: $0.confident,
                    text: training.texts[$0.row])
        }
        self.folds = folds
    }
}
