import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct TuneThreshold: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tune-threshold",
            abstract: "Set a saved model's operating point from labelled data: where it stops answering, for a target precision or recall.",
            discussion: """
            Per label (per node of a taxonomy), the lowest calibrated probability at which the \
            file's rows answered with that label are right at least --target-precision of the \
            time (the most answered), or the highest at which --target-recall of the rows that \
            have it are answered with it. A label with fewer than 30 such rows takes the \
            threshold chosen over every label of its level. From then on predict, explain, \
            evaluate and serve answer a text whose label falls short with its parent (a \
            taxonomy) or the unknown label (don't know); multi-label models give only the labels \
            that reach theirs. Choose on rows the model was not trained on, and measure on yet \
            others: the rows it was chosen on flatter it. Calibrate first (fit --calibrate): \
            the thresholds are probabilities.

            Example:
              textclf tune-threshold topics-model dev.csv --target-precision 0.95
              textclf evaluate topics-model test.csv
              textclf tune-threshold topics-model --none
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "A labelled file (CSV, or fastText's format with --format fasttext) the model was not trained on.")
        var file: String?
        @OptionGroup var columns: ColumnOptions

        @Option(parsing: .unconditional, help: ArgumentHelp("The share of a label's answers that must be right.", valueName: "share"))
        var targetPrecision: Double?
        @Option(parsing: .unconditional, help: ArgumentHelp("The share of a label's texts that must be answered with it.", valueName: "share"))
        var targetRecall: Double?
        @Flag(help: "Remove the operating point: the model answers every text again.") var none = false

        @Option(name: [.short, .customLong("output")], help: "Write the model here instead of replacing the model directory (replaced in one step either way).")
        var output: String?
        @Flag(help: "Replace whatever is at the -o path (a file, or a directory that is not a model, with all it holds).")
        var force = false

        func validate() throws {
            let given = [targetPrecision != nil, targetRecall != nil, none].filter { $0 }.count
            guard given == 1 else { throw ValidationError("give one of --target-precision, --target-recall or --none") }
            if let value = targetPrecision ?? targetRecall, !(value > 0 && value <= 1) {
                throw ValidationError("--target-\(targetPrecision != nil ? "precision" : "recall") must be a share in (0, 1], e.g. 0.95")
            }
            if !none && file == nil { throw ValidationError("name the labelled file to choose the thresholds on") }
        }

        func run() throws {
            try reportingErrors {
                let target = URL(fileURLWithPath: output ?? modelDirectory)
                if output != nil { try TextClassifier.checkSaveTarget(target, force: force) }
                var classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                if none {
                    classifier.removeOperatingPoint()
                } else {
                    let labels = classifier.labels
                    let data = try columns.read(file!, separator: labels.separator, multiLabel: labels.head == .multiLabel)
                    let goal: OperatingPoint.Target = targetPrecision.map { .precision($0) } ?? .recall(targetRecall!)
                    if labels.head == .multiLabel {
                        let report = try classifier.chooseOperatingPoint(goal, texts: data.texts, labelSets: labels.labelSets(of: data))
                        describeOperatingPoint(classifier, multiLabel: report, rows: data.texts.count, source: file!)
                    } else {
                        let report = try classifier.chooseOperatingPoint(goal, texts: data.texts, labels: labels.classIndices(of: data))
                        describeOperatingPoint(classifier, report, rows: data.texts.count, source: file!)
                    }
                }
                try classifier.save(to: target, force: force, includingOptimizerState: classifier.optimizerState != nil)
                printError(none ? "Removed the operating point; wrote \(target.path)" : "Wrote \(target.path)")
            }
        }
    }
}

/// The line after an operating point was chosen (fit and tune-threshold).
func describeOperatingPoint(_ classifier: TextClassifier, _ report: DecisionReport, rows: Int, source: String = "validation") {
    guard let point = classifier.operatingPoint else { return }
    let never = classifier.labelNames.indices.filter { point.thresholds[$0] == nil }.map { classifier.labelNames[$0] }
    printError(String(format: "Operating point for %@ on the %d %@ rows: answers %.1f%% of them, %.4f right",
                      point.target.description, rows, source, report.coverage * 100, report.precision)
               + (classifier.labels.tree != nil ? String(format: "; %.1f%% of the answers at a parent", report.backOffRate * 100) : "")
               + neverGiven(never, "answered"))
}

/// The line after a multi-label model's operating point was chosen.
func describeOperatingPoint(_ classifier: TextClassifier, multiLabel report: EvaluationReport, rows: Int, source: String = "validation") {
    guard let point = classifier.operatingPoint, case let .multiLabel(r) = report else { return }
    let never = zip(classifier.labelNames, point.thresholds).filter { $0.1 == nil }.map(\.0)
    printError(String(format: "Operating point for %@ on the %d %@ rows: micro precision %.4f, recall %.4f",
                      point.target.description, rows, source, r.microPrecision, r.microRecall)
               + neverGiven(never, "given"))
}

/// "; never answered (short of the target): a, b, …" for the labels an operating point never gives.
private func neverGiven(_ labels: [String], _ verb: String) -> String {
    labels.isEmpty ? "" : "; never \(verb) (short of the target): " + labels.prefix(8).joined(separator: ", ") + (labels.count > 8 ? ", …" : "")
}
