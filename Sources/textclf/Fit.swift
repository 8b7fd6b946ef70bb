import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a classifier on a CSV file of texts and labels.",
            discussion: """
            The CSV needs a header row; the text and label columns are "text" and "label"
            unless named. Labels are any two values (0/1, neg/pos, 差评/好评): sorted, the
            first is label 0, the second label 1 (the one whose probability is predicted).
            The model directory gets config.json, vocabulary.json and model.safetensors.

            Example:
              textclf fit Data/seed-example.csv -o seed-model --epochs 10 --num-words 1000
            """)

        @Argument(help: "The training CSV file.")
        var trainingFile: String

        @Option(name: [.short, .customLong("output")], help: "The model directory to write.")
        var output: String

        @Option(help: "The column holding the texts.")
        var textColumn = "text"

        @Option(help: "The column holding the labels.")
        var labelColumn = "label"

        @Option(help: "Passes over the training data.")
        var epochs = 10

        @Option(help: "Rows per training step.")
        var batchSize = 32

        @Option(help: "Tokens per text after padding/truncating (Keras maxlen).")
        var maxLength = 100

        @Option(help: "Keep the numWords - 1 most frequent words (Keras num_words); 0 keeps all.")
        var numWords = 20000

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

        func run() throws {
            try reportingErrors {
                let data = try LabelledCSV(url: URL(fileURLWithPath: trainingFile), textColumn: textColumn,
                                           labelColumn: labelColumn)
                let names = Array(Set(data.labels)).sorted()
                guard names.count == 2 else {
                    throw TextClassificationError.invalidTrainingData(
                        reason: names.count < 2
                            ? "\(data.source) has only the label \(names.map { "\"\($0)\"" }.joined()); a binary classifier needs two"
                            : "\(data.source) has \(names.count) labels (\(names.prefix(5).joined(separator: ", "))…); textclf is binary for now")
                }
                let labels = data.labels.map { $0 == names[1] ? 1 : 0 }
                let configuration = TextClassifier.Configuration(
                    locale: locale, numWords: numWords == 0 ? nil : numWords, maxLength: maxLength,
                    embeddingDim: embeddingDim, units: units)
                var classifier = try TextClassifier(configuration: configuration, labelNames: names)
                printError("Training on \(data.texts.count) texts from \(data.source); labels: 0 = \(names[0]), 1 = \(names[1])")
                let progress = ProgressLine()
                let history = try classifier.fit(
                    texts: data.texts, labels: labels, epochs: epochs, batchSize: batchSize, seed: seed,
                    learningRate: learningRate, onBatch: progress.update,
                    onEpoch: { report in
                        progress.finish(report)
                        return true
                    })
                let evaluation = try classifier.evaluate(texts: data.texts, labels: labels)
                printError(String(format: "Training set: loss %.4f, accuracy %.4f", evaluation.loss, evaluation.accuracy))
                try classifier.save(to: URL(fileURLWithPath: output))
                printError("Saved the model to \(output) (\(history.epochs.count) epochs, vocabulary \(classifier.vocabulary.indexWord.count - 1) words)")
            }
        }
    }
}
