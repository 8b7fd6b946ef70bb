import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a saved model on a labelled CSV file.",
            discussion: """
            Prints the loss (binary cross-entropy) and accuracy, as Keras's model.evaluate.

            Example:
              textclf evaluate seed-model Data/seed-example.csv
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "A CSV file with a header row and text and label columns.") var testFile: String
        @Option(help: "The column holding the texts.") var textColumn = "text"
        @Option(help: "The column holding the labels.") var labelColumn = "label"

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let data = try LabelledCSV(url: URL(fileURLWithPath: testFile), textColumn: textColumn,
                                           labelColumn: labelColumn)
                var labels: [Int] = []
                for (label, line) in zip(data.labels, data.lines) {
                    guard let index = classifier.labelNames.firstIndex(of: label) else {
                        throw TextClassificationError.malformedData(
                            file: data.source, line: line,
                            reason: "label \"\(label)\" is not one the model was trained on (\(classifier.labelNames.joined(separator: ", ")))")
                    }
                    labels.append(index)
                }
                let evaluation = try classifier.evaluate(texts: data.texts, labels: labels)
                print(String(format: "texts: %d\nloss: %.4f\naccuracy: %.4f", data.texts.count, evaluation.loss, evaluation.accuracy))
            }
        }
    }
}
