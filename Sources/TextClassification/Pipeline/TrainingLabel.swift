/// A text's label for ``TextClassifier/fit(texts:labels:classWeight:sampleWeights:epochs:batchSize:seed:learningRate:optimizer:validation:validationSplit:restoreBestWeights:patience:embeddings:continuing:onBatch:onEpoch:)``:
/// a class index (`Int`) for a binary or multi-class classifier, the indices of its labels
/// (`[Int]`, empty for none) for a multi-label one; indices into ``TextClassifier/labelNames``.
///
/// ```swift
/// try topics.fit(texts: texts, labels: [0, 2, 1])                    // one class a text
/// try events.fit(texts: texts, labels: [[0, 1], [2], []])            // label sets
/// ```
public protocol TrainingLabel: Sendable {
    /// The model's targets for these labels: one value a text, or one 0/1 value a label a text
    /// for a multi-label `classifier`. Throws for the other kind of label than the classifier's
    /// head takes, or an index outside its labels.
    static func targets(_ labels: [Self], for classifier: TextClassifier) throws -> [Float]
}

extension Int: TrainingLabel {
    public static func targets(_ labels: [Int], for classifier: TextClassifier) throws -> [Float] {
        guard classifier.labels.head != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "one class per text",
                                                          expected: "label sets ([[Int]]) for a multi-label classifier")
        }
        return try classifier.targets(labels)
    }
}

extension Array: TrainingLabel where Element == Int {
    public static func targets(_ labels: [[Int]], for classifier: TextClassifier) throws -> [Float] {
        guard classifier.labels.head == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "label sets",
                                                          expected: "one class per text ([Int]) for a \(classifier.labels.head) classifier")
        }
        return try classifier.targets(labels)
    }
}
