/// The measures of a multi-class classifier on labelled data (scikit-learn's
/// `classification_report` and Keras's `sparse_top_k_categorical_accuracy`).
///
/// ```swift
/// let report = MultiClassReport(logits: [2, 1, 0,  0, 1, 2], labels: [0, 1], classes: 3)
/// report.accuracy            // 0.5
/// report.topThreeAccuracy    // 1
/// report.confusion[1][2]     // 1: a class-1 row predicted as class 2
/// ```
public struct MultiClassReport: Codable, Equatable, Sendable {
    /// Rows measured.
    public var count: Int
    /// Rows whose most probable class is the true one.
    public var accuracy: Double
    /// Rows whose true class is among the three most probable.
    public var topThreeAccuracy: Double
    /// Mean sparse categorical cross-entropy, −log p(true class), from the logits (no clipping, as the training loss).
    public var logLoss: Double
    /// ``ExpectedCalibrationError`` of the predicted class's probability against being right (10 bins).
    public var expectedCalibrationError: Double
    /// Per class, in label order.
    public var classes: [LabelScores]
    /// The unweighted mean of the classes' scores (support: every row).
    public var macroAverage: LabelScores
    /// The classes' scores weighted by their support.
    public var weightedAverage: LabelScores
    /// `confusion[trueClass][predictedClass]`.
    public var confusion: [[Int]]

    /// - Parameters:
    ///   - logits: `[n, classes]` row-major, the softmax's inputs (``SequenceClassifier/logits(_:)``).
    ///   - labels: the true class of each row.
    ///   - k: the number of classes.
    public init(logits: [Float], labels: [Int], classes k: Int) {
        precondition(logits.count == labels.count * k)
        var probabilities = logits
        count = labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var topThree = 0, loss = 0.0
        probabilities.withUnsafeMutableBufferPointer { p in
            for r in 0..<labels.count { ClassificationHead.softmax(p.baseAddress! + r * k, count: k) }
        }
        for (r, y) in labels.enumerated() {
            let row = probabilities[r * k ..< (r + 1) * k]
            confusion[y][ClassificationHead.argmax(row)] += 1
            let p = row[row.startIndex + y]
            // Ranked by probability, ties broken by class order (as top_k).
            let better = row.indices.filter { row[$0] > p || (row[$0] == p && $0 - row.startIndex < y) }.count
            if better < 3 { topThree += 1 }
            loss += Double(logits.withUnsafeBufferPointer {
                SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress! + r * k, count: k, label: y)
            })
        }
        self.confusion = confusion
        expectedCalibrationError = ExpectedCalibrationError.of(
            scores: (0..<count).map { Double(probabilities[$0 * k ..< ($0 + 1) * k].max() ?? 0) },
            outcomes: labels.enumerated().map { ClassificationHead.argmax(probabilities[$0.offset * k ..< ($0.offset + 1) * k]) == $0.element })
        accuracy = count > 0 ? Double((0..<k).reduce(0) { $0 + confusion[$1][$1] }) / Double(count) : 0
        topThreeAccuracy = count > 0 ? Double(topThree) / Double(count) : 0
        logLoss = count > 0 ? loss / Double(count) : 0
        self.classes = (0..<k).map { c in
            let tp = confusion[c][c]
            let predicted = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            let actual = confusion[c].reduce(0, +)
            return LabelScores(truePositives: tp, falsePositives: predicted - tp, falseNegatives: actual - tp)
        }
        macroAverage = LabelScores.average(self.classes, weighted: false)
        weightedAverage = LabelScores.average(self.classes, weighted: true)
    }
}
