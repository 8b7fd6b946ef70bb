import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write an HTML report on a model: training curves and, with --test, pictures of its errors.",
            discussion: """
            One self-contained HTML file (inline SVG and CSS; nothing is fetched, so it opens \
            from a file with no network, in a light or dark theme) with the training curves \
            (loss and accuracy per epoch, the kept epoch marked) and, on labelled test texts:
            the headline figures, the confusion matrix as a heat map, precision / recall / F1 \
            per label, ROC and precision-recall curves (one label against the rest), a \
            reliability diagram, the histogram of predicted probabilities, and the most \
            confidently wrong texts with each token's contribution (as textclf explain). \
            With --training, a data check of the training file (against --test): textclf \
            check's repeats, conflicts, overlap, near duplicates and class balance (label \
            errors: textclf check --html). \
            textclf fit --report writes one into the model directory after training.

            Examples:
              textclf report reviews-model --test Data/reviews-test.csv -o reviews-report.html
              textclf report events-model --test events.csv --label-column labels -o events.html
              textclf report topics-model --test Data/thucnews-dev.csv --training Data/thucnews-train.csv -o topics.html
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Option(help: "A labelled file to evaluate on (CSV with text and label columns, or --format fasttext).") var test: String?
        @Option(help: "The labelled training file, to add textclf check's findings (against --test).") var training: String?
        @OptionGroup var columns: ColumnOptions
        @Option(help: "The report's title (default: the model directory's name).") var title: String?
        @Option(name: [.short, .customLong("output")], help: "The HTML file to write (atomically).") var output: String

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let multiLabel = classifier.labels.head == .multiLabel, separator = classifier.labels.separator
                let data = try test.map { try columns.read($0, separator: separator, multiLabel: multiLabel) }
                let name = title ?? URL(fileURLWithPath: modelDirectory).lastPathComponent
                let check = try training.map {
                    let rows = try columns.read($0, separator: separator, multiLabel: multiLabel)
                    let c = classifier.configuration
                    return DataCheck(training: rows, test: data, normalizer: TextNormalizer(form: c.normalization, toSimplified: c.toSimplified),
                                     separator: multiLabel ? separator : nil)
                }
                try writeReport(classifier, test: data, title: name, dataCheck: check, to: output)
            }
        }
    }
}

/// Builds a model's HTML report (test data labels checked against the model's) and writes it
/// atomically: shared by `report`, `fit --report` and `tune --report`.
func writeReport(_ classifier: TextClassifier, test data: LabelledCSV?, title: String, dataCheck: DataCheck? = nil,
                 trials: [Tuner.Trial] = [], bestTrial: Int? = nil, to path: String) throws {
    let labels = classifier.labels
    let test = try data.map { data in
        ModelReport.TestData(texts: data.texts,
                             labelSets: labels.head == .multiLabel ? try labels.labelSets(of: data)
                                                                   : try labels.classIndices(of: data).map { [$0] },
                             source: data.source)
    }
    var report = ModelReport(classifier: classifier, title: "textclf report: \(title)")
    (report.trials, report.bestTrial) = (trials, bestTrial)
    report.footer = "Made by textclf \(TextClf.configuration.version) on \(ISO8601DateFormatter().string(from: Date()))."
    try writeAtomically(try report.html(test: test, dataCheck: dataCheck), to: path)
}

/// Writes `text` to `path` through a temporary file renamed into place: all of it or nothing.
func writeAtomically(_ text: String, to path: String) throws {
    let out = try OutputFile(path: path)
    do {
        try out.write(text)
        try out.commit()
    } catch {
        out.discard()
        throw error
    }
}
