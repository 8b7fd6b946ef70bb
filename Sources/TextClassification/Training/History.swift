import Foundation

/// What one epoch of training measured: Keras's per-epoch log line.
public struct EpochReport: Codable, Equatable, Sendable {
    /// 1-based.
    public var epoch: Int
    /// Mean training loss over the epoch's samples (as Keras reports it).
    public var loss: Float
    /// Mean training accuracy over the epoch's samples (Keras's metric).
    public var accuracy: Float
    /// Loss on the validation rows after the epoch, when there are any.
    public var validationLoss: Float?
    /// Accuracy on the validation rows after the epoch, when there are any.
    public var validationAccuracy: Float?
    /// Wall time of the epoch, validation included.
    public var seconds: Double
    /// Training samples per second.
    public var samplesPerSecond: Double
}

/// Progress inside an epoch, for progress bars.
public struct BatchProgress: Sendable {
    /// The epoch under way (1-based).
    public var epoch: Int
    /// Epochs asked for.
    public var epochs: Int
    /// Batches done in this epoch, and in all.
    public var batch: Int
    /// Batches in this epoch.
    public var batches: Int
    /// Training rows done in this epoch.
    public var samplesSeen: Int
    /// Mean loss over the epoch so far.
    public var loss: Float
    /// Mean accuracy over the epoch so far.
    public var accuracy: Float
    /// Seconds since the epoch started.
    public var seconds: Double
}

/// The epochs of a training run, in order.
public struct History: Codable, Equatable, Sendable {
    /// The epochs run, in order (fewer than asked when stopped early).
    public var epochs: [EpochReport] = []
    /// The epoch whose weights the model ended with, when the best one was restored.
    public var restoredEpoch: Int?
    /// With a validation split: how many of the last rows given to fit were held out for
    /// validation (Keras's `validation_split`), for whoever measures on them afterwards.
    public var heldOutRows: Int?

    /// A history of `epochs`, ending with `restoredEpoch`'s weights if given.
    public init(epochs: [EpochReport] = [], restoredEpoch: Int? = nil) {
        self.epochs = epochs
        self.restoredEpoch = restoredEpoch
    }

    /// The epochs as CSV: `epoch,loss,accuracy,val_loss,val_accuracy,seconds` (Keras's
    /// CSVLogger columns, plus seconds).
    public var csv: String {
        var lines = ["epoch,loss,accuracy,val_loss,val_accuracy,seconds"]
        for e in epochs {
            let validation = [e.validationLoss, e.validationAccuracy].map { $0.map { "\($0)" } ?? "" }
            lines.append("\(e.epoch),\(e.loss),\(e.accuracy),\(validation[0]),\(validation[1]),\(String(format: "%.3f", e.seconds))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The epoch with the lowest validation loss, if validation was measured.
    public var bestValidationEpoch: EpochReport? {
        epochs.filter { $0.validationLoss != nil }.min { $0.validationLoss! < $1.validationLoss! }
    }
}

/// Loss and accuracy of a model on labelled data.
public struct Evaluation: Codable, Equatable, Sendable {
    /// Mean loss over the rows (no class weights, as Keras's `evaluate`).
    public var loss: Float
    /// Share of rows predicted right (multi-label: of the label decisions, as Keras's binary accuracy).
    public var accuracy: Float
}
