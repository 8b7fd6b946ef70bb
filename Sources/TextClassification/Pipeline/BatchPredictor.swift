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
        /// The row's text.
        public var text: String
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
    public var threshold: Float?
    /// As in ``TextClassifier/predict(texts:threshold:minimumProbability:unknownLabel:)``.
    public var minimumProbability: Float
    /// As in ``TextClassifier/predict(texts:threshold:minimumProbability:unknownLabel:)``.
    public var unknownLabel: String

    /// A labeller with `classifier`'s decision settings.
    public init(classifier: TextClassifier, batchSize: Int = BatchPredictor.defaultBatchSize, threshold: Float? = nil,
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
    ///   - input: the file or stream to read.
    ///   - format: CSV with a header, or one text per line.
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
        // One batch is labelled on the worker threads while the caller reads the next and
        // writes the one before: reading and writing are serial, and took a quarter of the
        // wall time when they waited for the labelling.
        var pending: [(key: String, text: String)] = []
        pending.reserveCapacity(batchSize)
        var inFlight: (rows: [(key: String, text: String)], labelling: Labelling)?
        var writingFailed = false
        func write(_ batch: [(key: String, text: String)], _ labelling: Labelling) throws {
            do { try rows(zip(batch, try labelling.wait()).map { Row(key: $0.key, text: $0.text, prediction: $1) }) } catch {
                writingFailed = true  // a later batch must not be written after a missing one
                throw error
            }
        }
        func finishInFlight() throws {
            guard let (batch, labelling) = inFlight else { return }
            inFlight = nil
            try write(batch, labelling)
        }
        func emit(waiting: Bool) throws {
            guard !pending.isEmpty else { return try finishInFlight() }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let previous = inFlight
            inFlight = (batch, Labelling(classifier: classifier, texts: batch.map(\.text), threshold: threshold,
                                         minimumProbability: minimumProbability, unknownLabel: unknownLabel))
            if let (rowsBefore, before) = previous { try write(rowsBefore, before) }
            if waiting { try finishInFlight() }
        }
        do {
            while let row = try next() {
                pending.append(row)
                // A full batch, or the input has paused: label what we have now (and, when
                // paused, write it before reading on).
                let paused = !input.isReady()
                if pending.count >= batchSize || paused { try emit(waiting: paused) }
            }
            try emit(waiting: true)
        } catch {
            // After a reading error, what was read before it is still labelled and written (as
            // when batches were labelled one after another); after a labelling or writing error
            // nothing more is written. Either way no labelling is left running.
            if writingFailed { _ = try? inFlight?.labelling.wait() } else { try? finishInFlight() }
            throw error
        }
    }
}

/// One batch's labelling, started on a thread of its own at once.
private final class Labelling: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<[Prediction], any Error>?

    init(classifier: TextClassifier, texts: [String], threshold: Float?, minimumProbability: Float, unknownLabel: String) {
        Thread.detachNewThread { [self] in
            result = Result {
                try classifier.predict(texts: texts, threshold: threshold, minimumProbability: minimumProbability,
                                       unknownLabel: unknownLabel)
            }
            done.signal()
        }
    }

    /// The predictions, once they are made (or the error).
    func wait() throws -> [Prediction] {
        done.wait()
        done.signal()  // a second wait returns at once
        return try result!.get()
    }
}
