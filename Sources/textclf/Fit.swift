import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Train a classifier on a CSV file of texts and labels.",
            discussion: """
            The CSV needs a header row; the text and label columns are "text" and "label" \
            unless named. Labels are any values (0/1, neg/pos, 差评/好评, news topics): numbers \
            sort numerically, names alphabetically. Two labels make a binary classifier (the \
            second is label 1, whose probability predict prints); more, a multi-class one \
            (softmax). With --multi-label each cell holds a set of labels joined by "|" (an \
            empty cell: none of them), and the model gives each text any number of labels. \
            --class-weight balanced weights each row's loss by n_rows / (n_classes · \
            n_rows_of_its_class), as Keras's class_weight (multi-label: a label's positive \
            rows by n_rows_without / n_rows_with it) for unbalanced data. With --format \
            fasttext the files are in fastText's training format instead (`__label__sports \
            湖人 险胜` a line; a line with several labels makes a multi-label model; see \
            docs/from-fasttext.md).

            By default the last tenth of the rows is held out for validation, and \
            the model saved is the one of the epoch with the lowest validation \
            loss. The model directory gets config.json, vocabulary.json, \
            vocabulary.table, model.safetensors and history.csv.

            Example:
              textclf fit Data/reviews-train.csv -o reviews-model
              textclf fit Data/seed-example.csv -o seed-model \\
                  --num-words 1000 --validation-split 0
              textclf fit Data/thucnews-train.csv -o topics-model \\
                  --validation Data/thucnews-dev.csv
              textclf fit Data/duee-multilabel.csv -o events-model \\
                  --label-column labels --multi-label
              textclf fit train.txt --format fasttext -o model
            """)

        @Argument(help: "The training file: CSV, or fastText's format with --format fasttext.")
        var trainingFile: String

        @Option(name: [.short, .customLong("output")], help: "The model directory to write. An existing model directory there is replaced in one step (predict and serve see the old model or the new, never a mix); anything else at that path is refused unless --force. A symbolic link is followed.")
        var output: String

        @Flag(help: "Replace whatever is at the -o path (a file, or a directory that is not a model, with all it holds).")
        var force = false

        @OptionGroup var columns: ColumnOptions

        @Option(help: ArgumentHelp("A column of per-row weights (a number ≥ 0; empty: 1), Keras's sample_weight: a row's loss is multiplied by its weight, e.g. 0.3 for labels made by rules or another model, 0 to leave a row out. Validation rows are not weighted.", valueName: "column"))
        var weightColumn: String?

        @OptionGroup(title: "Model (what is not given follows the preset for the labels and encoder)")
        var architecture: ModelOptions

        @OptionGroup(title: "Training")
        var training: TrainingOptions

        @Option(parsing: .unconditional, help: "Fraction of the rows (the last ones) held out for validation; 0 disables. (default: 0.1, or 0 with --validation)")
        var validationSplit: Double?

        @Option(help: "A CSV file to validate on instead of a split of the training file.")
        var validation: String?

        @Option(help: ArgumentHelp("Keep training this saved model on the rows given, --epochs more epochs: its settings, vocabulary (new words are unknown to it) and weights; with its optimizer saved (--save-optimizer), as if training had not stopped. Its labels only.", valueName: "model-directory"))
        var from: String?

        @Flag(help: "With --from: labels the model lacks are added to it (a binary model becomes multi-class) instead of refused.")
        var allowNewLabels = false

        @Flag(help: "Save the optimizer's state with the model (optimizer.safetensors, twice the weights' size), so that fit --from continues exactly.")
        var saveOptimizer = false

        @OptionGroup(title: "Text (the model does the same to every text it later sees)")
        var text: TextOptions

        @Option(help: "ICU locale for word segmentation.")
        var locale = "zh"

        enum TokenUnit: String, ExpressibleByArgument, CaseIterable {
            case word, char, ngrams, ngrams3, wordchar
        }

        @Option(help: "Tokens: ICU words; single characters for Chinese and Japanese (Latin words and numbers stay whole); ngrams: the words, each pair of adjacent words and each pair of adjacent characters; ngrams3: those, each character and each run of three characters; wordchar: the words and their pairs, then every character of the text (punctuation, each digit and letter, a space as ␣) in ones, pairs and threes, the character n-grams of a TF-IDF model (the last three for the bag encoder, which ignores order). (default: \(HelpPresets.recurrent.unit); for the bag: \(HelpPresets.bagBinary.unit))")
        var tokens: TokenUnit?

        @Flag(inversion: .prefixedNo, help: "Lower-case tokens.")
        var lowercase = true

        @Flag(help: "After training, write report.html into the model directory (needs validation data: the report measures it).")
        var report = false

        @Flag(help: "Each label cell holds a set of labels (joined by --label-separator; empty: none).")
        var multiLabel = false

        @Flag(help: "Binary and multi-class: fit a temperature to the validation rows so that the probabilities match how often the model is right (temperature scaling; decisions do not change). Saved with the model; predict, explain, evaluate, serve and the report use it.")
        var calibrate = false

        @Flag(help: "With --multi-label: tune each label's decision threshold to F1 on the validation rows (one shared threshold, and a label's own where it has at least 10 positive validation rows). Saved with the model; predict, explain, evaluate, serve and the report use them unless given --threshold.")
        var tuneThresholds = false

        @Flag(help: "Each label cell is a path in a taxonomy (财经/stocks, levels joined by --label-separator); a cell may name an inner node (财经) for a row known only to that level. The classes are the leaves and a node's probability is the sum of its leaves'; predict answers the most probable leaf, or with --target-precision/--target-recall the deepest node sure enough, backing off to its parent.")
        var taxonomy = false

        @Option(help: "With --multi-label: what joins the labels of one cell (default: |); with --taxonomy: the levels of a path (default: /).")
        var labelSeparator: String?

        /// What joins a cell's labels (multi-label) or levels (taxonomy).
        var separator: String { labelSeparator ?? (taxonomy ? "/" : "|") }

        @Option(parsing: .unconditional, help: ArgumentHelp("After training (and --calibrate), choose per label (per node of a taxonomy) the lowest probability at which the validation rows answered with it are right at least this often; below it predict and serve back off to the parent or answer the unknown label (don't know). Saved with the model; evaluate reports the share answered. Change it later with tune-threshold.", valueName: "share"))
        var targetPrecision: Double?

        @Option(parsing: .unconditional, help: ArgumentHelp("As --target-precision, for the highest probability at which at least this share of the validation rows that have a label are answered with it.", valueName: "share"))
        var targetRecall: Double?

        /// The operating point asked for, if any.
        var target: OperatingPoint.Target? { targetPrecision.map { .precision($0) } ?? targetRecall.map { .recall($0) } }

        @Option(parsing: .unconditional, help: "Read the training file this many rows at a time: one pass counts the vocabulary, then every epoch reads the file again, training on each part in an order shuffled within it, so memory holds a part, not the file (a file of fewer rows trains exactly as in memory). 0 reads the whole file into memory, as do --format fasttext, --from, --embeddings, --validation, --calibrate, --tune-thresholds, --target-precision, --target-recall and --report. Shuffle a file sorted by label first (e.g. shuf).")
        var partRows = 65_536

        func validate() throws {
            guard (validationSplit ?? 0) >= 0 && (validationSplit ?? 0) < 1 else { throw ValidationError("--validation-split must be in [0, 1)") }
            guard separator != "" else { throw ValidationError("--label-separator must not be empty") }
            if taxonomy && multiLabel { throw ValidationError("--taxonomy and --multi-label do not go together: a taxonomy's text has one path") }
            if targetPrecision != nil && targetRecall != nil { throw ValidationError("give --target-precision or --target-recall, not both") }
            if let value = targetPrecision ?? targetRecall, !(value > 0 && value <= 1) {
                throw ValidationError("--target-\(targetPrecision != nil ? "precision" : "recall") must be a share in (0, 1], e.g. 0.95")
            }
            if target != nil && validationSplit == 0 && validation == nil {
                throw ValidationError("--target-\(targetPrecision != nil ? "precision" : "recall") is chosen on validation data: keep --validation-split above 0 or give --validation")
            }
            guard partRows >= 0 else { throw ValidationError("--part-rows must be 0 (the whole file in memory) or more") }
            if weightColumn != nil && columns.format == .fasttext {
                throw ValidationError("--weight-column names a CSV column; fastText's format has no weights (use --format csv)")
            }
            if calibrate && validationSplit == 0 && validation == nil {
                throw ValidationError("--calibrate fits on validation data: keep --validation-split above 0 or give --validation")
            }
            if calibrate && multiLabel { throw ValidationError("--calibrate is for binary and multi-class models, not --multi-label") }
            if tuneThresholds && !multiLabel { throw ValidationError("--tune-thresholds is for --multi-label models (binary and multi-class: --calibrate)") }
            if tuneThresholds && validationSplit == 0 && validation == nil {
                throw ValidationError("--tune-thresholds tunes on validation data: keep --validation-split above 0 or give --validation")
            }
            if report && validationSplit == 0 && validation == nil {
                throw ValidationError("--report measures the model on validation data: keep --validation-split above 0 or give --validation")
            }
        }

        func run() throws {
            try reportingErrors {
                try TextClassifier.checkSaveTarget(URL(fileURLWithPath: output), force: force)  // before hours of training
                if streamingRefusal == nil { return try runStreaming() }
                var data = try columns.read(trainingFile, separator: separator, multiLabel: self.multiLabel,
                                            weightColumn: weightColumn)
                let multiLabel = self.multiLabel || !taxonomy && columns.holdsLabelSets(data, separator: separator)
                let held = try validation.map { try columns.read($0, separator: separator, multiLabel: multiLabel) }
                var base = try from.map { try TextClassifier(contentsOf: URL(fileURLWithPath: $0)) }
                if base != nil { try addNewLabels(to: &base!, from: [data] + (held.map { [$0] } ?? [])) }
                let labels = try base?.labels ?? (taxonomy ? LabelSet(taxonomyOf: data, separator: separator)
                                                          : LabelSet(inferringFrom: data, multiLabel: multiLabel, separator: separator))
                // Every label is mapped (and every unknown one reported) before training starts.
                let multi = labels.head == .multiLabel
                let sets = multi ? try labels.labelSets(of: data) : []
                let classes = multi ? [] : try labels.classIndices(of: data)
                let heldSets = multi ? try held.map { try labels.labelSets(of: $0) } : nil
                let heldClasses = multi ? nil : try held.map { try labels.classIndices(of: $0) }
                var (classifier, pretrained, learningRate) = try base.map { try continued($0) } ?? newClassifier(labels: labels)
                let seed = training.seed ?? classifier.optimizerState?.seed ?? 0
                if validation != nil, let validationSplit, validationSplit > 0 {
                    printError("textclf: warning: --validation-split \(validationSplit) is ignored: --validation \(validation!) gives the validation rows")
                }
                let split = validation == nil ? validationSplit ?? 0.1 : 0
                let heldOut = held?.texts.count ?? TextClassifier.heldOutRows(of: data.texts.count, validationSplit: split)
                describeRows(training: data.texts.count - (validation == nil ? heldOut : 0), heldOut: heldOut,
                             source: data.source, split: split)
                let trainingRows = data.texts.count - (validation == nil ? heldOut : 0)
                describe(labels, counts: multi ? labels.counts(labelSets: Array(sets.prefix(trainingRows)))
                                               : labels.counts(classIndices: Array(classes.prefix(trainingRows))))
                if let weights = data.weights?.prefix(trainingRows) {
                    describeWeights(mean: weights.reduce(0, +) / Float(max(1, weights.count)), zeros: weights.filter { $0 == 0 }.count,
                                    count: weights.count)
                }
                let progress = ProgressLine()
                let history: History
                let weighting: TextClassifier.ClassWeight = training.classWeight == .balanced ? .balanced : .none
                let onEpoch: (EpochReport) -> Bool = { report in
                    progress.finish(report)
                    return true
                }
                // The held-out rows' texts stay for calibration and the report; the rest are
                // handed over to fit, which frees them once tokenized.
                let heldOutTexts = Array(data.texts.suffix(validation == nil ? heldOut : 0))
                let texts = data.texts
                data.texts = []
                // One fit for either kind of label; only the labels' type differs.
                func train<Label: TrainingLabel>(_ texts: consuming [String], _ labels: [Label], held heldLabels: [Label]?) throws -> History {
                    try classifier.fit(
                        texts: consume texts, labels: labels, classWeight: weighting, sampleWeights: data.weights,
                        epochs: training.epochs, batchSize: training.batchSize,
                        seed: seed, learningRate: learningRate, optimizer: training.optimizer,
                        validation: held.map { ($0.texts, heldLabels!) }, validationSplit: split,
                        restoreBestWeights: !training.keepLast, patience: training.patience == 0 ? nil : training.patience,
                        embeddings: pretrained, continuing: base != nil, onBatch: progress.update, onEpoch: onEpoch)
                }
                do {
                    history = multi ? try train(consume texts, sets, held: heldSets) : try train(consume texts, classes, held: heldClasses)
                } catch let error as TextClassificationError {
                    guard case let .nonFiniteLoss(epoch, _) = error, classifier.model != nil else { throw error }
                    // Keep the last good weights, then report the divergence.
                    try classifier.save(to: URL(fileURLWithPath: output), force: force, includingOptimizerState: saveOptimizer)
                    printError("textclf: saved the last good model (epoch \(epoch - 1), or the best validation epoch before it) to \(output)")
                    throw error
                }
                if base == nil { describeTokenLimit(of: classifier) }
                if let before = base?.vocabulary.indexWord.count {
                    let added = classifier.vocabulary.indexWord.count - before
                    printError("Continued \(from!): \(added) new word\(added == 1 ? "" : "s") added to its vocabulary"
                               + (added > 0 ? "" : classifier.hashesRareTokens ? " (past its --token-limit, new tokens share its hashed rows)"
                                  : classifier.configuration.numWords != nil ? " (it holds --num-words already)" : ""))
                }
                describeKeptEpoch(of: history)
                if let coverage = classifier.embeddingCoverage {
                    printError(String(format: "Pretrained embeddings: %d of the %d vocabulary words had a vector (%.1f%%) among %d in %@%@",
                                      coverage.covered, coverage.words, coverage.fraction * 100, coverage.fileWords,
                                      architecture.embeddings!, architecture.freezeEmbeddings ? "; kept frozen" : ""))
                    if let declared = coverage.declaredWords, declared != coverage.fileWords {
                        printError("textclf: warning: \(architecture.embeddings!) declares \(declared) words on its first line but holds \(coverage.fileWords) vectors (truncated or joined?); all \(coverage.fileWords) were read")
                    }
                }
                describeClassWeights(of: classifier)
                // The validation rows: the --validation file, or the last rows fit held out.
                let validationRows = history.heldOutRows ?? heldOut
                let validationTexts = held?.texts ?? Array(heldOutTexts.suffix(validationRows))
                let validationClasses = heldClasses ?? Array(classes.suffix(validationRows))
                let validationSets = heldSets ?? Array(sets.suffix(validationRows))
                if calibrate {
                    let c = try classifier.calibrate(texts: validationTexts, labels: validationClasses)
                    printError(String(format: "Calibrated on the %d validation rows: temperature %.3f; log loss %.4f → %.4f, calibration error (ECE) %.4f → %.4f",
                                      validationTexts.count, c.temperature, c.logLossBefore, c.logLossAfter,
                                      c.calibrationErrorBefore, c.calibrationErrorAfter))
                }
                if tuneThresholds {
                    let t = try classifier.tuneThresholds(texts: validationTexts, labelSets: validationSets)
                    let shared = Dictionary(t.thresholds.map { ($0, 1) }, uniquingKeysWith: +).max { $0.value < $1.value }!.key
                    let own = zip(labels.names, t.thresholds).filter { $0.1 != shared }
                    printError(String(format: "Tuned thresholds on the %d validation rows: %.2f", validationTexts.count, shared)
                               + (own.isEmpty ? " for every label" : " shared, " + own.map { String(format: "%@ %.2f", $0.0, $0.1) }.joined(separator: ", "))
                               + String(format: "; micro F1 %.4f → %.4f", t.microF1Before, t.microF1After))
                }
                if let target {
                    if multi {
                        let r = try classifier.chooseOperatingPoint(target, texts: validationTexts, labelSets: validationSets)
                        describeOperatingPoint(classifier, multiLabel: r, rows: validationTexts.count)
                    } else {
                        let r = try classifier.chooseOperatingPoint(target, texts: validationTexts, labels: validationClasses)
                        describeOperatingPoint(classifier, r, rows: validationTexts.count)
                    }
                }
                try save(&classifier, history: history)
                if report {
                    // The validation rows: the --validation file, or the last rows fit held out.
                    var validationData = held
                    if validationData == nil, let heldOut = history.heldOutRows {
                        var rows = data
                        rows.texts = Array(heldOutTexts.suffix(heldOut))
                        rows.labels = Array(data.labels.suffix(heldOut))
                        rows.lines = Array(data.lines.suffix(heldOut))
                        validationData = rows
                    }
                    let path = output + "/report.html"
                    try writeReport(classifier, test: validationData, title: URL(fileURLWithPath: output).lastPathComponent,
                                    to: path)
                    printError("Wrote the report to \(path)" + (validationData == nil ? " (no validation data: curves only)" : ""))
                }
            }
        }

        /// Prints the labels before training: the binary mapping, or each class's (label's) row count.
        /// What a token limit chose, when the vocabulary went past it.
        func describeTokenLimit(of classifier: TextClassifier) {
            guard classifier.hashesRareTokens, let kept = classifier.configuration.tokenLimit,
                  let buckets = classifier.configuration.buckets else { return }
            let distinct = classifier.countedTokens ?? classifier.vocabulary.words.count
            printError("Vocabulary: \(distinct) distinct tokens; the \(kept) most frequent have rows of their own, "
                       + "the other \(distinct - kept) share \(buckets) hashed rows (--token-limit, --buckets)")
        }

        func describeKeptEpoch(of history: History) {
            guard let restored = history.restoredEpoch, let report = history.epochs.first(where: { $0.epoch == restored }) else { return }
            printError(String(format: "Keeping epoch %d, the lowest validation loss (val_loss %.4f, val_accuracy %.4f)%@",
                              restored, report.validationLoss ?? 0, report.validationAccuracy ?? 0,
                              restored == history.epochs.count ? "" : "; --no-restore-best keeps the last epoch"))
        }

        func describeClassWeights(of classifier: TextClassifier) {
            guard let weights = classifier.classWeights else { return }
            printError("Class weights (balanced" + (classifier.labels.head == .multiLabel ? ", of each label's positive rows" : "")
                       + "): " + zip(classifier.labelNames, weights).map { String(format: "%@ %.3f", $0, $1) }.joined(separator: ", "))
        }

        func save(_ classifier: inout TextClassifier, history: History) throws {
            // Adam's moments are twice the weights: dropped first unless saved, or the save's
            // encoded copy of the weights stacks on them (the peak of a 10M-row fit).
            if !saveOptimizer { classifier.optimizerState = nil }
            try classifier.save(to: URL(fileURLWithPath: output), force: force, includingOptimizerState: saveOptimizer)
            let seconds = history.epochs.reduce(0) { $0 + $1.seconds }
            printError(String(format: "Saved the model to %@ (vocabulary %d words, %.1fs of training); epochs in %@/history.csv",
                              output, min(classifier.vocabulary.indexWord.count, classifier.configuration.numWords ?? .max) - 1,
                              seconds, output))
        }

        func describeRows(training: Int, heldOut: Int, source: String, split: Double) {
            printError("Training on \(training) texts from \(source), "
                       + (heldOut > 0 ? "validating on \(heldOut)" + (validation == nil ? " (the last \(Int(split * 100))%)" : " from \(validation!)")
                                      : "no validation"))
        }

        func describeWeights(mean: Float, zeros: Int, count: Int) {
            printError(String(format: "Row weights from column %@: mean %.3f", weightColumn!, mean)
                       + (zeros > 0 ? ", \(zeros) of \(count) rows at 0 (left out)" : ""))
        }

        func describe(_ labels: LabelSet, counts: [Int]) {
            switch labels.head {
            case .binary:
                printError("Labels: 0 = \(labels.names[0]) (\(counts[0]) rows), 1 = \(labels.names[1]) (\(counts[1]) rows)")
            case .multiClass, .multiLabel:
                let kind = labels.tree.map { "\(labels.names.count) leaves of a taxonomy of \($0.depth) levels, \($0.topLevel.count) at the top (multi-class)" }
                    ?? (labels.head == .multiClass ? "\(labels.names.count) classes (multi-class)"
                                                      : "\(labels.names.count) labels (multi-label, rows holding each)")
                let width = min(30, labels.names.map(\.displayWidth).max() ?? 0)
                printError(kind + ":")
                for (name, count) in zip(labels.names, counts) {
                    printError("  " + name.padded(to: width, left: true) + "  \(count)")
                }
            }
        }
    }
}

extension TextClf.Fit.TokenUnit {
    var unit: ICUTokenizer.Unit {
        switch self {
        case .word: return .word
        case .char: return .character
        case .ngrams: return .ngrams
        case .ngrams3: return .ngrams3
        case .wordchar: return .wordchar
        }
    }
}

extension OptimizerKind: ExpressibleByArgument {}
