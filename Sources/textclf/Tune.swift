import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Tune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tune",
            abstract: "Search for the fit settings that do best on validation data, within a time budget.",
            discussion: """
            A seeded random search: trial 1 trains textclf fit's defaults, the next ones settings \
            drawn from encoder (bag twice as often as lstm or cnn), tokens (the bag: wordchar, \
            ngrams3, ngrams or word; the others word), embedding size (32, 64, 128), learning \
            rate (the bag 0.001 to 0.02, the others a fifth of that, log-uniform), epochs (10, \
            20, 30; each trial stops after 2 without a lower validation loss and keeps its best), dropout (0, 0.2, 0.5), embedding dropout (0, 0.1, 0.3) and num-words (all, \
            100,000, 10,000). Each trial is measured on the --validation file, on the last \
            --validation-split of TRAIN, or with --folds K by K-fold cross-validation on TRAIN \
            (K models a trial; their pooled accuracy); the best (validation accuracy, then loss) \
            is saved to -o (with --folds, fitted on all of TRAIN for its folds' mean kept \
            epoch, after the budget). No trial starts once --budget is spent and a running one \
            stops after its epoch. \
            The same --seed draws the same trials in the same order; how many fit depends on the \
            machine. A line per trial on standard error; --trials writes them all as CSV; \
            --report writes the best model's report.html with the trials' table. Binary, \
            multi-class and (--multi-label, ranked by micro F1 at 0.5; not with --folds) \
            multi-label data.

            Examples:
              textclf tune Data/thucnews-train.csv --validation Data/thucnews-dev.csv --budget 10m -o topics-tuned
              textclf tune Data/reviews-train.csv --budget 30m --seed 7 -o reviews-tuned --trials trials.csv
              textclf tune Data/reviews-train.csv --folds 5 --budget 1h -o reviews-tuned --report
            """)

        @Argument(help: "The labelled training file (CSV with a header row).") var trainingFile: String
        @Option(name: [.short, .customLong("output")], help: "The model directory to write the best trial's model to.")
        var output: String
        @Option(help: "Time for the search: 90s, 10m, 1h (or seconds).") var budget = "10m"
        @Option(help: "A labelled file to measure each trial on.") var validation: String?
        @Option(parsing: .unconditional, help: "Without --validation: the fraction of TRAIN's last rows to measure on.")
        var validationSplit = 0.1
        @Option(help: "Measure each trial by K-fold cross-validation on TRAIN instead (K models a trial).")
        var folds: Int?
        @Option(parsing: .unconditional, help: "Seed of the draws and of every trial's fit.") var seed: UInt64 = 0
        @Option(help: "Write every trial (settings, validation accuracy or micro F1 and loss, epochs, seconds) to this CSV file.")
        var trials: String?
        @Flag(help: "Write report.html into -o: the best model measured on the validation rows (with --folds: curves only), and every trial.")
        var report = false
        @Flag(help: "Each label cell holds a set of labels (joined by --label-separator; empty: none); trials are ranked by validation micro F1.")
        var multiLabel = false
        @Option(help: "With --multi-label: what joins the labels of a cell.") var labelSeparator = "|"
        @OptionGroup var columns: ColumnOptions
        @Flag(help: "Replace what is at -o even if it is not a textclf model directory.") var force = false

        /// The budget in seconds.
        var seconds: Double? {
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
            if let unit = budget.last.flatMap({ units[$0] }) { return Double(budget.dropLast()).map { $0 * unit } }
            return Double(budget)
        }

        func validate() throws {
            guard let seconds, seconds > 0 else { throw ValidationError("--budget must be a time such as 90s, 10m or 1h") }
            guard validationSplit > 0 && validationSplit < 1 else { throw ValidationError("--validation-split must be in (0, 1)") }
            if let folds {
                guard folds >= 2 else { throw ValidationError("--folds must be 2 or more") }
                guard validation == nil else { throw ValidationError("give --validation or --folds, not both") }
                guard !multiLabel else { throw ValidationError("--folds is for binary and multi-class data; give --multi-label data --validation or --validation-split") }
            }
        }

        func run() throws {
            try reportingErrors {
                try TextClassifier.checkSaveTarget(URL(fileURLWithPath: output), force: force)
                var data = try columns.read(trainingFile, separator: labelSeparator, multiLabel: self.multiLabel)
                let multiLabel = self.multiLabel || columns.holdsLabelSets(data, separator: labelSeparator)
                let labels = try LabelSet(inferringFrom: data, multiLabel: multiLabel, separator: labelSeparator)
                var held: LabelledCSV?
                if let validation {
                    held = try columns.read(validation, separator: labelSeparator, multiLabel: multiLabel)
                } else if folds == nil {
                    let rows = TextClassifier.heldOutRows(of: data.texts.count, validationSplit: validationSplit)
                    var last = data
                    (last.texts, last.labels, last.lines) = (data.texts.suffix(rows), data.labels.suffix(rows), data.lines.suffix(rows))
                    (data.texts, data.labels, data.lines) = (data.texts.dropLast(rows), data.labels.dropLast(rows), data.lines.dropLast(rows))
                    held = last
                }
                if let held, held.texts.isEmpty || data.texts.isEmpty {
                    let needed = Int((1 / validationSplit).rounded(.up)) + 1
                    throw TextClassificationError.invalidTrainingData(reason: validation != nil && held.texts.isEmpty
                        ? "\(validation!) has no rows to measure the trials on"
                        : "\(trainingFile) has \(data.texts.count + held.texts.count) rows, too few to train on some and measure trials on the last \(Int(validationSplit * 100))%; tune needs at least \(needed) rows, or a --validation file")
                }
                let tuner = Tuner(labels: labels, budget: seconds!, seed: seed)
                let onTrial: (Tuner.Trial) -> Void = { trial in
                    printError(String(format: "Trial %d (%.0fs): %@ → ", trial.number, trial.seconds, trial.settings.summary)
                               + (trial.validationScore.map { "\(tuner.scoreName) " + String(format: "%.4f (epoch %d)", $0, trial.keptEpoch ?? 0) }
                                  ?? "failed: \(trial.failure ?? "")"))
                }
                let result: (trials: [Tuner.Trial], best: Int, classifier: TextClassifier)
                if let held {
                    printError("Tuning on \(data.texts.count) texts, measuring on \(held.texts.count)"
                               + " from \(validation ?? "the last \(Int(validationSplit * 100))% of \(trainingFile)"), for \(budget)")
                    if multiLabel {
                        result = try tuner.run(texts: data.texts, labelSets: try labels.labelSets(of: data),
                                               validation: (held.texts, try labels.labelSets(of: held)), onTrial: onTrial)
                    } else {
                        result = try tuner.run(texts: data.texts, labels: try labels.classIndices(of: data),
                                               validation: (held.texts, try labels.classIndices(of: held)), onTrial: onTrial)
                    }
                } else {
                    printError("Tuning on \(data.texts.count) texts by \(folds!)-fold cross-validation, for \(budget)")
                    result = try tuner.run(texts: data.texts, labels: try labels.classIndices(of: data), folds: folds!, onTrial: onTrial)
                }
                if let trials { try writeTrials(result.trials, scoreName: tuner.scoreName, to: trials) }
                try result.classifier.save(to: URL(fileURLWithPath: output), force: force)
                let best = result.trials[result.best - 1]
                printError("Best: trial \(best.number), \(tuner.scoreName) " + String(format: "%.4f", best.validationScore ?? 0)
                           + " (the defaults, trial 1: \(result.trials[0].validationScore.map { String(format: "%.4f", $0) } ?? "failed"));"
                           + " saved to \(output)")
                printError("  " + best.settings.summary)
                if report {
                    let path = output + "/report.html"
                    try writeReport(result.classifier, test: held, title: URL(fileURLWithPath: output).lastPathComponent,
                                    trials: result.trials, bestTrial: result.best, to: path)
                    printError("Wrote the report to \(path)")
                }
            }
        }

        private func writeTrials(_ trials: [Tuner.Trial], scoreName: String, to path: String) throws {
            var csv = "trial,encoder,tokens,embedding_dim,learning_rate,epochs,dropout,embedding_dropout,num_words,max_length,"
                + "\(scoreName),val_loss,kept_epoch,epochs_trained,seconds,failure\n"
            for t in trials {
                let s = t.settings
                let fields: [String] = [
                    String(t.number), s.encoder.rawValue, s.unit.rawValue, String(s.embeddingDim), String(s.learningRate),
                    String(s.epochs), String(s.dropout), String(s.embeddingDropout), String(s.numWords ?? 0), String(s.maxLength),
                    t.validationScore.map { String($0) } ?? "", t.validationLoss.map { String($0) } ?? "",
                    t.keptEpoch.map(String.init) ?? "", String(t.epochsTrained), String(format: "%.1f", t.seconds),
                    "\"" + (t.failure ?? "").replacingOccurrences(of: "\"", with: "\"\"") + "\"",
                ]
                csv += fields.joined(separator: ",") + "\n"
            }
            try writeAtomically(csv, to: path)
        }
    }
}
