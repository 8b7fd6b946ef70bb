import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Measure a saved model on a labelled file (CSV, or fastText's format with --format fasttext).",
            discussion: """
            Binary models: accuracy, precision, recall, F1 (label 1 is the positive class), \
            ROC-AUC, log loss (binary cross-entropy), ECE (expected calibration error, \
            10 bins; fit --calibrate lowers it) and the confusion matrix. \
            Multi-class models: accuracy, top-3 accuracy, log loss (categorical \
            cross-entropy), ECE, per-class precision / recall / F1 / support, their macro and \
            weighted averages, and the confusion matrix with label names. \
            Multi-label models (label cells joined by the model's separator): subset \
            accuracy, Hamming loss, micro and macro F1, per-label precision / recall / F1 / \
            support.

            Example:
              textclf evaluate reviews-model Data/reviews-test.csv
              textclf evaluate topics-model Data/thucnews-dev.csv --json
              textclf evaluate events-model Data/duee-multilabel.csv --label-column labels
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "A CSV file with a header row and text and label columns.") var testFile: String
        @OptionGroup var columns: ColumnOptions
        @Option(help: "Binary: a probability above this predicts the second label. Multi-label: labels at or above it are predicted. (default: 0.5, or the model's per-label thresholds from fit --tune-thresholds)")
        var threshold: Float?
        @Flag(help: "Print one JSON object instead of a table.") var json = false

        func validate() throws {
            guard threshold.map({ $0 >= 0 && $0 <= 1 }) ?? true else { throw ValidationError("--threshold must be in [0, 1]") }
        }

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let labels = classifier.labels
                let data = try columns.read(testFile, separator: labels.separator, multiLabel: labels.head == .multiLabel)
                let classes = labels.head == .multiLabel ? [] : try labels.classIndices(of: data)
                let report = labels.head == .multiLabel
                    ? try classifier.report(texts: data.texts, labelSets: try labels.labelSets(of: data), threshold: threshold)
                    : try classifier.report(texts: data.texts, labels: classes, threshold: threshold)
                // A taxonomy's levels, and what an operating point answers (--threshold sets a rule of its own).
                let decisions = labels.head != .multiLabel && threshold == nil
                    && (labels.tree != nil || classifier.operatingPoint != nil)
                    ? try classifier.decisionReport(texts: data.texts, labels: classes) : nil
                try writeStandardOutput(json ? try jsonText(report, decisions: decisions, labels: labels) + "\n"
                                             : table(report, labels: labels.names) + decisionTable(decisions, classifier))
            }
        }

        private func jsonText(_ report: EvaluationReport, decisions: DecisionReport?, labels: LabelSet) throws -> String {
            struct Output<Report: Encodable>: Encodable {
                var head: ClassificationHead.Kind?
                var labels: [String]
                var report: Report
                var decisions: Decisions?
            }
            struct Decisions: Encodable {
                var texts: Int, answered: Int, coverage: Double, precision: Double
                var backedOff: Int?, backOffRate: Double?, levelAccuracy: [Double]?
            }
            let d = decisions.map { d in
                Decisions(texts: d.rows, answered: d.answered, coverage: d.coverage, precision: d.precision,
                          backedOff: labels.tree == nil ? nil : d.backedOff, backOffRate: labels.tree == nil ? nil : d.backOffRate,
                          levelAccuracy: labels.tree == nil ? nil : d.levels.map(\.accuracy))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data: Data
            switch report {
            // Binary output as before this field existed: no "head".
            case let .binary(r): data = try encoder.encode(Output(head: nil, labels: labels.names, report: r, decisions: d))
            case let .multiClass(r): data = try encoder.encode(Output(head: labels.head, labels: labels.names, report: r, decisions: d))
            case let .multiLabel(r): data = try encoder.encode(Output(head: labels.head, labels: labels.names, report: r))
            }
            return String(decoding: data, as: UTF8.self)
        }

        /// What the decisions come to: a taxonomy's levels, an operating point's answered share.
        private func decisionTable(_ decisions: DecisionReport?, _ classifier: TextClassifier) -> String {
            guard let d = decisions else { return "" }
            var out = "\n"
            if let tree = classifier.labels.tree {
                out += "taxonomy (accuracy of the most probable node of each level; the tables above are the leaves')\n"
                for level in d.levels {
                    out += String(format: "  level %d  %.4f   (%d texts, %d nodes)\n", level.depth, level.accuracy, level.rows,
                                  tree.nodes(atDepth: level.depth).count)
                }
            }
            if let point = classifier.operatingPoint {
                out += String(format: "answered   %.4f   (%d of %d texts; the rest are \"don't know\": operating point for %@)\n",
                              d.coverage, d.answered, d.rows, point.target.description)
                out += String(format: "precision  %.4f   (of the answered texts: the label, or a node above it)\n", d.precision)
                if classifier.labels.tree != nil {
                    out += String(format: "backed off %.4f   (of the answered texts: given a parent, not a leaf)\n", d.backOffRate)
                }
            }
            return out
        }

        private func table(_ report: EvaluationReport, labels names: [String]) -> String {
            var out = ""
            func line(_ text: String) { out += text + "\n" }
            let width = max(names.map(\.displayWidth).max() ?? 0, 8) + 2
            func pad(_ s: String, _ w: Int = width) -> String { s.padded(to: w) }
            func scoresTable(_ title: String, _ rows: [(String, LabelScores)], thresholds: [Float]? = nil) {
                line(pad(title) + pad("precision", 11) + pad("recall", 9) + pad("F1", 9) + pad("support", 9)
                     + (thresholds == nil ? "" : pad("threshold", 11)))
                for (k, (name, s)) in rows.enumerated() {
                    line(pad(name) + String(format: "%11.4f%9.4f%9.4f", s.precision, s.recall, s.f1) + pad(String(s.support), 9)
                         + (thresholds.map { String(format: "%11.2f", $0[k]) } ?? ""))
                }
            }
            switch report {
            case let .binary(report):
                line("texts      \(report.count)")
                line(String(format: "accuracy   %.4f", report.accuracy))
                line(String(format: "precision  %.4f   (positive label: %@)", report.precision, names[1]))
                line(String(format: "recall     %.4f", report.recall))
                line(String(format: "F1         %.4f", report.f1))
                line(report.rocAUC.map { String(format: "ROC-AUC    %.4f", $0) } ?? "ROC-AUC    n/a (one class only)")
                line(String(format: "log loss   %.4f", report.logLoss))
                line(String(format: "ECE        %.4f   (calibration error of P(%@), 10 bins)", report.expectedCalibrationError, names[1]))
                line("confusion matrix (rows: true label, columns: predicted)")
                line(pad("") + pad(names[0]) + pad(names[1]))
                for k in 0..<2 {
                    line(pad(names[k]) + pad(String(report.confusion[k][0])) + pad(String(report.confusion[k][1])))
                }
            case let .multiClass(report):
                line("texts           \(report.count)")
                line(String(format: "accuracy        %.4f", report.accuracy))
                line(String(format: "top-3 accuracy  %.4f", report.topThreeAccuracy))
                line(String(format: "log loss        %.4f", report.logLoss))
                line(String(format: "ECE             %.4f   (calibration error of the predicted label's probability)", report.expectedCalibrationError))
                line("")
                scoresTable("class", Array(zip(names, report.classes))
                            + [("macro avg", report.macroAverage), ("weighted avg", report.weightedAverage)])
                line("")
                line("confusion matrix (rows: true label, columns: predicted)")
                let cell = max(6, (report.confusion.joined().max().map { String($0).count } ?? 1) + 2)
                // Column heads are the labels cut to the cell width; rows carry the full names.
                line(pad("") + names.map { pad($0.prefix(columns: cell - 1), cell) }.joined())
                for (k, row) in report.confusion.enumerated() {
                    line(pad(names[k]) + row.map { pad(String($0), cell) }.joined())
                }
            case let .multiLabel(report):
                line("texts            \(report.count)")
                line(String(format: "subset accuracy  %.4f   (every label of the text right)", report.subsetAccuracy))
                line(String(format: "Hamming loss     %.4f   (share of label decisions wrong)", report.hammingLoss))
                line(String(format: "micro F1         %.4f   (precision %.4f, recall %.4f)", report.microF1,
                            report.microPrecision, report.microRecall))
                line(String(format: "macro F1         %.4f", report.macroF1))
                if Set(report.thresholds).count == 1 {
                    line(String(format: "threshold        %.2f", report.thresholds[0]))
                    line("")
                    scoresTable("label", Array(zip(names, report.labels)))
                } else {
                    line("thresholds       per label, tuned by fit --tune-thresholds or an operating point (--threshold overrides; above 1: never)")
                    line("")
                    scoresTable("label", Array(zip(names, report.labels)), thresholds: report.thresholds)
                }
            }
            return out
        }
    }
}
