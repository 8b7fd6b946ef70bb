import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a saved model on a labelled CSV file.",
            discussion: """
            Prints accuracy, precision, recall, F1 (label 1 is the positive class), ROC-AUC,
            log loss (binary cross-entropy) and the confusion matrix.

            Example:
              textclf evaluate reviews-model Data/reviews-test.csv
              textclf evaluate reviews-model Data/reviews-test.csv --json
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "A CSV file with a header row and text and label columns.") var testFile: String
        @OptionGroup var columns: ColumnOptions
        @Option(help: "A probability above this predicts the second label.") var threshold: Float = 0.5
        @Flag(help: "Print one JSON object instead of a table.") var json = false

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let data = try LabelledCSV(url: URL(fileURLWithPath: testFile), textColumn: columns.textColumn,
                                           labelColumn: columns.labelColumn)
                let labels = try labelIndices(data, names: classifier.labelNames)
                let report = try classifier.report(texts: data.texts, labels: labels, threshold: threshold)
                if json {
                    struct Output: Encodable {
                        var labels: [String]
                        var report: ClassificationReport
                    }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(Output(labels: classifier.labelNames, report: report)), as: UTF8.self))
                    return
                }
                let names = classifier.labelNames
                let width = max(names.map(\.count).max() ?? 0, 8) + 2
                func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
                print("texts      \(report.count)")
                print(String(format: "accuracy   %.4f", report.accuracy))
                print(String(format: "precision  %.4f   (positive label: %@)", report.precision, names[1]))
                print(String(format: "recall     %.4f", report.recall))
                print(String(format: "F1         %.4f", report.f1))
                print(report.rocAUC.map { String(format: "ROC-AUC    %.4f", $0) } ?? "ROC-AUC    n/a (one class only)")
                print(String(format: "log loss   %.4f", report.logLoss))
                print("confusion matrix (rows: true label, columns: predicted)")
                print(pad("") + pad(names[0]) + pad(names[1]))
                for k in 0..<2 {
                    print(pad(names[k]) + pad(String(report.confusion[k][0])) + pad(String(report.confusion[k][1])))
                }
            }
        }
    }
}
