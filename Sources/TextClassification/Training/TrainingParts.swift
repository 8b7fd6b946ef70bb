/// The rows of one fit, a part at a time: rows in memory are one part; a file read again for
/// each epoch comes in parts of a bounded number of rows, so that memory holds one part, not
/// the corpus. Every epoch trains the parts in order, each part's rows in an order shuffled by
/// the seed, the epoch and the part alone (`SequenceClassifier.shuffleSeed(_:epoch:part:)`):
/// the same rows in one part train the same whichever way they came.
public protocol TrainingParts {
    associatedtype Rows: TrainingRows
    /// The rows of each part, in order, known before the first epoch.
    var partSizes: [Int] { get }
    /// The steps of every batch (the padding's length).
    var columns: Int { get }
    /// Part `k`: asked for in order, 0, 1, …, every epoch.
    mutating func part(_ k: Int) throws -> TrainingPart<Rows>
    /// The rows of each part of the validation rows that come with the training rows (a
    /// streamed file's last rows), measured after every epoch; none by default.
    var validationPartSizes: [Int] { get }
    /// Validation part `k`: asked for in order after the epoch's last training part.
    mutating func validationPart(_ k: Int) throws -> TrainingPart<Rows>
}

extension TrainingParts {
    public var validationPartSizes: [Int] { [] }
    public mutating func validationPart(_ k: Int) throws -> TrainingPart<Rows> {
        preconditionFailure("no validation parts: validationPartSizes is empty")
    }
}

/// One part of a fit's rows, with their labels and weights.
public struct TrainingPart<Rows: TrainingRows> {
    /// The rows.
    public var rows: Rows
    /// `head.targetWidth` values per row, as ``SequenceClassifier``'s `fit` takes them.
    public var labels: [Float]
    /// One weight ≥ 0 per row, or `nil` for all 1.
    public var sampleWeights: [Float]?

    /// A part of these rows, labels and weights.
    public init(rows: Rows, labels: [Float], sampleWeights: [Float]? = nil) {
        self.rows = rows
        self.labels = labels
        self.sampleWeights = sampleWeights
    }
}

extension TrainingPart {
    /// Throws unless some row of `weights` counts (a weight above 0): a fit would learn nothing.
    static func checkSomeRowCounts(_ weights: some Collection<Float>) throws {
        guard weights.contains(where: { $0 > 0 }) else {
            throw TextClassificationError.invalidTrainingData(reason: "every sample weight is 0: no row would be learned from")
        }
    }
}

/// Rows already in memory: a single part, and the validation rows, if any, another.
struct RowsInMemory<Rows: TrainingRows>: TrainingParts {
    let whole: TrainingPart<Rows>
    var validation: TrainingPart<Rows>?
    var partSizes: [Int] { [whole.rows.count] }
    var columns: Int { whole.rows.columns }
    func part(_ k: Int) -> TrainingPart<Rows> { whole }
    var validationPartSizes: [Int] { validation.map { [$0.rows.count] } ?? [] }
    func validationPart(_ k: Int) -> TrainingPart<Rows> { validation! }
}
