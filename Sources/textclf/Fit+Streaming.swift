import ArgumentParser
import Foundation
import TextClassification

/// `fit` reading its CSV file a part at a time (`TextClassifier.fit(streaming:)`): what it
/// streams, and the run.
extension TextClf.Fit {
    /// Whether this fit streams its file, and if not why: the options that need every row in
    /// memory (`--part-rows 0` asks for memory).
    var streamingRefusal: String? {
        if partRows == 0 { return "--part-rows 0" }
        if columns.format != .csv { return "--format \(columns.format.rawValue)" }
        let inMemory: [(String, Bool)] = [
            ("--from", from != nil), ("--embeddings", architecture.embeddings != nil), ("--validation", validation != nil),
            ("--calibrate", calibrate), ("--tune-thresholds", tuneThresholds), ("--report", report),
            ("--target-precision", targetPrecision != nil), ("--target-recall", targetRecall != nil),
        ]
        return inMemory.first(where: \.1)?.0
    }

    /// Trains a fresh model on the training file read `partRows` rows at a time, and saves it.
    func runStreaming() throws {
        let url = URL(fileURLWithPath: trainingFile)
        guard columns.labelPrefix == LabelledCSV.fastTextLabelPrefix else {
            throw ValidationError("--label-prefix applies to --format fasttext; a CSV names its label column with --label-column")
        }
        let open = { try LabelledCSV.Blocks(url: url, textColumn: columns.textColumn, labelColumn: columns.labelColumn,
                                            weightColumn: weightColumn) }
        let progress = ProgressLine()
        let labels = try LabelSet(inferringFrom: open(), rows: partRows, multiLabel: multiLabel, separator: separator,
                                  taxonomy: taxonomy, onBlock: progress.update)
        progress.finishPass()
        var (classifier, _, learningRate) = try newClassifier(labels: labels)
        let split = validationSplit ?? 0.1, seed = training.seed ?? 0
        let weighting: TextClassifier.ClassWeight = training.classWeight == .balanced ? .balanced : .none
        let history = try classifier.fit(
            streaming: url, textColumn: columns.textColumn, labelColumn: columns.labelColumn, weightColumn: weightColumn,
            partRows: partRows, classWeight: weighting, epochs: training.epochs, batchSize: training.batchSize, seed: seed,
            learningRate: learningRate, optimizer: training.optimizer, validationSplit: split,
            restoreBestWeights: !training.keepLast, patience: training.patience == 0 ? nil : training.patience,
            onRead: progress.update,
            onCounted: { summary in
                progress.finishPass()
                describeRows(training: summary.rows - summary.heldOutRows, heldOut: summary.heldOutRows, source: trainingFile, split: split)
                describe(labels, counts: summary.labelCounts)
                if let mean = summary.weightMean, let zeros = summary.zeroWeights {
                    describeWeights(mean: mean, zeros: zeros, count: summary.rows - summary.heldOutRows)
                }
                printError("Reading \(trainingFile) \(partRows) rows at a time: one pass for the vocabulary, then one every epoch")
            },
            onBatch: progress.update,
            onEpoch: { report in
                progress.finish(report)
                return true
            })
        describeTokenLimit(of: classifier)
        describeKeptEpoch(of: history)
        describeClassWeights(of: classifier)
        try save(&classifier, history: history)
    }
}
