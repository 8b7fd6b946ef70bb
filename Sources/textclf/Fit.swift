import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a classifier on a CSV file of texts and labels.",
            discussion: """
            The CSV needs a header row; the text and label columns are "text" and "label"
            unless named. Labels are any two values (0/1, neg/pos, 差评/好评); numbers sort
            numerically, names alphabetically, and the second is label 1 (the one whose
            probability predict prints).

            By default the last tenth of the rows is held out for validation, and
            the model saved is the one of the epoch with the lowest validation
            loss. The model directory gets config.json, vocabulary.json,
            model.safetensors and history.csv.

            Example:
              textclf fit Data/reviews-train.csv -o reviews-model
              textclf fit Data/seed-example.csv -o seed-model \\
                  --num-words 1000 --validation-split 0
            """)

        @Argument(help: "The training CSV file.")
        var trainingFile: String

        @Option(name: [.short, .customLong("output")], help: "The model directory to write (replaced if it exists).")
        var output: String

        @OptionGroup var columns: ColumnOptions

        @Option(help: "Fraction of the rows (the last ones) held out for validation; 0 disables.")
        var validationSplit = 0.1

        @Option(help: "A CSV file to validate on instead of a split of the training file.")
        var validation: String?

        @Option(help: "Passes over the training data.")
        var epochs = 10

        @Option(help: "Rows per training step.")
        var batchSize = 32

        @Option(help: "Tokens per text after padding/truncating (Keras maxlen).")
        var maxLength = 100

        @Option(help: "Keep the num-words - 1 most frequent words (Keras num_words); 0 keeps all. On the shipped reviews 10000 is as accurate as all ~21,000 words and trains ~35% faster.")
        var numWords = 10000

        @Option(help: "Embedding vector length.")
        var embeddingDim = 64

        @Option(help: "LSTM units.")
        var units = 64

        @Option(help: "Adam's learning rate.")
        var learningRate: Float = 0.001

        @Option(help: "Seed for weights and shuffling: the same seed and data give the same model.")
        var seed: UInt64 = 0

        @Option(help: "ICU locale for word segmentation.")
        var locale = "zh"

        @Flag(inversion: .prefixedNo, help: "Lower-case tokens.")
        var lowercase = true

        @Flag(name: .customLong("no-restore-best"), help: "Save the last epoch's weights, not the best validation epoch's.")
        var keepLast = false

        @Option(help: "Stop after this many epochs without a lower validation loss; 0 never stops early.")
        var patience = 3

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            guard maxLength >= 1 else { throw ValidationError("--max-length must be at least 1") }
            guard numWords == 0 || numWords >= 2 else { throw ValidationError("--num-words must be 0 (all) or at least 2") }
            guard validationSplit >= 0 && validationSplit < 1 else { throw ValidationError("--validation-split must be in [0, 1)") }
            guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
            guard patience >= 0 else { throw ValidationError("--patience must be 0 (off) or more") }
        }

        func run() throws {
            try reportingErrors {
                let data = try LabelledCSV(url: URL(fileURLWithPath: trainingFile), textColumn: columns.textColumn,
                                           labelColumn: columns.labelColumn)
                let names = try labelNames(of: data)
                let labels = try labelIndices(data, names: names)
                var validationSet: (texts: [String], labels: [Int])?
                if let validation {
                    let held = try LabelledCSV(url: URL(fileURLWithPath: validation), textColumn: columns.textColumn,
                                               labelColumn: columns.labelColumn)
                    validationSet = (held.texts, try labelIndices(held, names: names))
                }
                let configuration = TextClassifier.Configuration(
                    locale: locale, lowercased: lowercase, numWords: numWords == 0 ? nil : numWords,
                    maxLength: maxLength, embeddingDim: embeddingDim, units: units)
                var classifier = try TextClassifier(configuration: configuration, labelNames: names)
                let split = validation == nil ? validationSplit : 0
                let heldOut = validationSet?.texts.count ?? Int(Double(data.texts.count) * split)
                printError("Training on \(data.texts.count - (validation == nil ? heldOut : 0)) texts from \(data.source), "
                           + (heldOut > 0 ? "validating on \(heldOut)" + (validation == nil ? " (the last \(Int(split * 100))%)" : " from \(validation!)")
                                          : "no validation")
                           + "; labels: 0 = \(names[0]), 1 = \(names[1])")
                let progress = ProgressLine()
                let history: History
                do {
                    history = try classifier.fit(
                    texts: data.texts, labels: labels, epochs: epochs, batchSize: batchSize, seed: seed,
                    learningRate: learningRate, validation: validationSet, validationSplit: split,
                    restoreBestWeights: !keepLast, patience: patience == 0 ? nil : patience,
                    onBatch: progress.update, onEpoch: { report in
                        progress.finish(report)
                        return true
                    })
                } catch let error as TextClassificationError {
                    guard case let .nonFiniteLoss(epoch, _) = error, classifier.model != nil else { throw error }
                    // Keep the last good weights, then report the divergence.
                    try classifier.save(to: URL(fileURLWithPath: output))
                    printError("textclf: saved the last good model (epoch \(epoch - 1), or the best validation epoch before it) to \(output)")
                    throw error
                }
                if let restored = history.restoredEpoch, let report = history.epochs.first(where: { $0.epoch == restored }) {
                    printError(String(format: "Keeping epoch %d, the lowest validation loss (val_loss %.4f, val_accuracy %.4f)%@",
                                      restored, report.validationLoss ?? 0, report.validationAccuracy ?? 0,
                                      restored == history.epochs.count ? "" : "; --no-restore-best keeps the last epoch"))
                }
                try classifier.save(to: URL(fileURLWithPath: output))
                let seconds = history.epochs.reduce(0) { $0 + $1.seconds }
                printError(String(format: "Saved the model to %@ (vocabulary %d words, %.1fs of training); epochs in %@/history.csv",
                                  output, classifier.vocabulary.indexWord.count - 1, seconds, output))
            }
        }
    }
}
