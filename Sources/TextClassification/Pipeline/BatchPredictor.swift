import Foundation

/// Labels a stream of texts with a fitted ``TextClassifier``, batch by batch: what
/// `textclf predict` does, for Swift callers.
///
/// The input is a CSV file with a header row (texts in one column; an `id` column, or the
/// one named, identifies each row) or one text per line. Rows come back in input order,
/// `batchSize` at a time, or sooner when the input pauses (a pipe with nothing more to read
/// yet), so memory stays constant on endless input and interactive use gets answers at once.
///
/// ```swift
/// let predictor = BatchPredictor(classifier: try TextClassifier(contentsOf: modelURL))
/// try predictor.run(ByteInput(url: csvURL), format: .csv(textColumn: "text", idColumn: nil)) { rows in
///     for row in rows { print(row.key, row.prediction.label, row.prediction.probability) }
/// }
/// ```
public struct BatchPredictor: Sendable {
    /// How the input holds its texts.
    public enum InputFormat: Equatable, Sendable {
        /// One text per line; the key is the text.
        case lines
        /// A CSV with a header row: texts in `textColumn`; the key is `idColumn`'s value, or
        /// the `id` column's if the header has one, else the text.
        case csv(textColumn: String, idColumn: String?)
    }

    /// One labelled input row.
    public struct Row: Sendable {
        /// The row's id, or its text when there is no id column.
        public var key: String
        /// The row's labels and probabilities.
        public var prediction: Prediction
    }

    /// Texts per model call: large enough to use both cores, small enough for constant memory.
    public static let defaultBatchSize = 512

    /// The model that labels.
    public let classifier: TextClassifier
    /// Texts per model call.
    public var batchSize: Int
    /// As in ``TextClassifier/predict(texts:threshold:minimumProbability:unknownLabel:)``.
    public var threshold: Float
    /// As in ``TextClassifier/predict(texts:threshold:minimumProbability:unknownLabel:)``.
    public var minimumProbability: Float
    /// As in ``TextClassifier/predict(texts:threshold:minimumProbability:unknownLabel:)``.
    public var unknownLabel: String

    /// A labeller with `classifier`'s decision settings.
    public init(classifier: TextClassifier, batchSize: Int = BatchPredictor.defaultBatchSize, threshold: Float = 0.5,
                minimumProbability: Float = 0, unknownLabel: String = "") {
        self.classifier = classifier
        self.batchSize = max(1, batchSize)
        self.threshold = threshold
        self.minimumProbability = minimumProbability
        self.unknownLabel = unknownLabel
    }

    /// Reads `input` to its end, labelling it batch by batch.
    ///
    /// - Parameters:
    ///   - keyName: called once, before any rows, with the key column's name (`text` for lines).
    ///   - rows: called with each batch of labelled rows, in input order.
    /// - Throws: errors naming the input and line: an empty input, a missing column, a short
    ///   row, invalid UTF-8; and whatever `rows` throws (which stops the run).
    public func run(_ input: ByteInput, format: InputFormat, keyName: (String) throws -> Void = { _ in },
                    rows: ([Row]) throws -> Void) throws {
        var next: () throws -> (key: String, text: String)?
        switch format {
        case .lines:
            var number = 0
            next = {
                number += 1
                return try input.readLine(number: number).map { ($0, $0) }
            }
            try keyName("text")
        case let .csv(textColumn, idColumn):
            let reader = CSVReader(input: input)
            guard let header = try reader.next() else {
                throw TextClassificationError.malformedData(
                    file: input.name, line: 1,
                    reason: "the input is empty; expected a header row with a \"\(textColumn)\" column (or use --lines)")
            }
            let textIndex = try header.column(textColumn, file: input.name)
            let idName = idColumn ?? (header.fields.contains("id") ? "id" : nil)
            let keyIndex = try idName.map { try header.column($0, file: input.name) } ?? textIndex
            let needed = max(textIndex, keyIndex) + 1
            next = {
                guard let record = try reader.next() else { return nil }
                try record.requireFields(needed, headerCount: header.fields.count, file: input.name)
                return (record.fields[keyIndex], record.fields[textIndex])
            }
            try keyName(idName ?? textColumn)
        }
        var pending: [(key: String, text: String)] = []
        pending.reserveCapacity(batchSize)
        func emit() throws {
            guard !pending.isEmpty else { return }
            let predictions = try classifier.predict(texts: pending.map(\.text), threshold: threshold,
                                                     minimumProbability: minimumProbability, unknownLabel: unknownLabel)
            try rows(zip(pending, predictions).map { Row(key: $0.key, prediction: $1) })
            pending.removeAll(keepingCapacity: true)
        }
        while let row = try next() {
            pending.append(row)
            // A full batch, or the input has paused: label what we have now.
            if pending.count >= batchSize || !input.isReady() { try emit() }
        }
        try emit()
    }
}
