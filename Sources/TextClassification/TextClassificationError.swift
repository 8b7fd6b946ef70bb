import Foundation

/// Everything that can go wrong in textclf because of its input: data files, models,
/// settings. Each message says what is wrong, where, and what to do.
public enum TextClassificationError: Error, LocalizedError, Equatable, Sendable {
    /// ICU could not open a word break iterator.
    case tokenizerUnavailable(locale: String, reason: String)
    /// A setting is out of its range (e.g. `maxlen` < 1).
    case invalidArgument(name: String, value: String, expected: String)
    /// A token index is outside the embedding's rows.
    case indexOutOfRange(index: Int, inputDim: Int)
    /// Texts and labels differ in count, or there is nothing to train on.
    case invalidTrainingData(reason: String)
    /// A file could not be read.
    case cannotRead(file: String, reason: String)
    /// A file could not be written.
    case cannotWrite(file: String, reason: String)
    /// The contents of a data file are unusable at a given place.
    case malformedData(file: String, line: Int, reason: String)
    /// A model directory is incomplete, damaged or from a newer textclf.
    case invalidModel(path: String, reason: String)
    /// Training diverged (loss became NaN or infinite).
    case nonFiniteLoss(epoch: Int, batch: Int)

    /// The message for the user: what is wrong, where, and what to do.
    public var errorDescription: String? {
        switch self {
        case let .tokenizerUnavailable(locale, reason):
            return "ICU cannot segment words for locale '\(locale)' (\(reason)); check the locale name and that libicu is installed."
        case let .invalidArgument(name, value, expected):
            return "Invalid \(name) \(value): expected \(expected)."
        case let .indexOutOfRange(index, inputDim):
            return "Token index \(index) is outside the embedding's \(inputDim) rows (0..<\(inputDim)); encode with the vocabulary the model was built for, or raise numWords/inputDim."
        case let .invalidTrainingData(reason):
            return "Cannot train: \(reason)."
        case let .cannotRead(file, reason):
            return "\(file): cannot read: \(reason)."
        case let .cannotWrite(file, reason):
            return "\(file): cannot write: \(reason)."
        case let .malformedData(file, line, reason):
            return "\(file):\(line): \(reason)."
        case let .invalidModel(path, reason):
            return "\(path): not a usable textclf model: \(reason)."
        case let .nonFiniteLoss(epoch, batch):
            return "Training diverged at epoch \(epoch), batch \(batch): the loss is not finite; lower the learning rate."
        }
    }
}
