import Foundation

/// A seeded random search for the settings that fit a task best, within a time budget
/// (`textclf tune`): the ``Preset`` first, then settings drawn from a ``SearchSpace``, each
/// fitted on the training rows and measured on the validation rows (its best epoch, stopped
/// early after 2 epochs without a lower validation loss). The same seed draws the same trials
/// in the same order and each trial trains the same model; how many fit in the budget depends
/// on the machine.
///
/// ```swift
/// let tuner = Tuner(labels: labels, budget: 600, seed: 1)
/// let result = try tuner.run(texts: train.texts, labels: classes, validation: (dev.texts, devClasses))
/// try result.classifier.save(to: URL(fileURLWithPath: "tuned-model"))
/// ```
public struct Tuner: Sendable {
    /// One trial: its settings and what they reached.
    public struct Trial: Sendable, Encodable {
        /// From 1; trial 1 is the preset.
        public var number: Int
        /// What the trial trained.
        public var settings: TrialSettings
        /// What trials are ranked by, of the kept (best) epoch: validation accuracy (binary,
        /// multi-class) or micro F1 (multi-label, at the default threshold of 0.5; see
        /// ``Tuner/scoreName``); `nil` when the trial failed.
        public var validationScore: Float?
        /// Validation loss of the kept epoch; `nil` when the trial failed.
        public var validationLoss: Float?
        /// The epoch whose weights the trial kept (lowest validation loss), from 1.
        public var keptEpoch: Int?
        /// Epochs trained before it stopped (early, at its most, or at the budget).
        public var epochsTrained: Int
        /// Wall time of the trial, tokenizing included.
        public var seconds: Double
        /// Why a trial failed (it diverged, or its model would not fit in memory).
        public var failure: String?
    }

    /// The task's labels.
    public var labels: LabelSet
    /// Seconds: no trial starts once they are spent, and a running one stops after its epoch.
    public var budget: TimeInterval
    /// Seed of the draws and of every trial's fit.
    public var seed: UInt64
    /// Where the settings after the preset are drawn from.
    public var space: SearchSpace = .standard
    /// Trials at most, whatever the budget.
    public var maximumTrials = 1_000

    /// A search for `labels`' task within `budget` seconds.
    public init(labels: LabelSet, budget: TimeInterval, seed: UInt64 = 0) {
        self.labels = labels
        self.budget = budget
        self.seed = seed
    }

    /// The name of ``Trial/validationScore`` for this task: `val_accuracy`, or `val_micro_f1`
    /// for multi-label labels.
    public var scoreName: String { labels.head == .multiLabel ? "val_micro_f1" : "val_accuracy" }

    /// The trials' settings in the order they are tried: the preset, then draws (repeats skipped).
    public func settings(count: Int) -> [TrialSettings] {
        var random = RandomGenerator(seed: seed)
        var out = [TrialSettings(preset: labels.head)]
        var attempts = 0
        while out.count < count && attempts < 100 * count {
            attempts += 1
            let drawn = space.sample(using: &random, head: labels.head)
            if !out.contains(drawn) { out.append(drawn) }
        }
        return out
    }

    /// Runs the search on one-label-a-row data (binary or multi-class), measuring each trial on
    /// `validation`.
    /// - Returns: every trial, the best one's number (highest validation accuracy, then lowest
    ///   loss, then the earliest) and its fitted classifier.
    public func run(texts: [String], labels classes: [Int], validation: (texts: [String], labels: [Int]),
                    onTrial: ((Trial) -> Void)? = nil) throws -> (trials: [Trial], best: Int, classifier: TextClassifier) {
        try checkOneLabelARow()
        let search = try self.search(onTrial: onTrial) { settings, inBudget in
            var classifier = try TextClassifier(configuration: settings.configuration, labels: labels)
            let history = try classifier.fit(
                texts: texts, labels: classes, epochs: settings.epochs, seed: seed, learningRate: settings.learningRate,
                validation: validation, restoreBestWeights: true, patience: 2, onEpoch: { _ in inBudget() })
            return Measurement(kept: Self.keptEpoch(of: history), trained: history.epochs.count, classifier: classifier)
        }
        return (search.trials, search.best.trial, search.best.classifier!)
    }

    /// Runs the search on multi-label data, measuring each trial on `validation` by micro F1
    /// (each label at 0.5) of its kept epoch (the lowest validation loss).
    /// - Returns: every trial, the best one's number (highest micro F1, then lowest loss, then
    ///   the earliest) and its fitted classifier.
    public func run(texts: [String], labelSets: [[Int]], validation: (texts: [String], labelSets: [[Int]]),
                    onTrial: ((Trial) -> Void)? = nil) throws -> (trials: [Trial], best: Int, classifier: TextClassifier) {
        guard labels.head == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "label sets", value: "a \(labels.head) task",
                                                          expected: "multi-label labels (run(texts:labels:validation:))")
        }
        let search = try self.search(onTrial: onTrial) { settings, inBudget in
            var classifier = try TextClassifier(configuration: settings.configuration, labels: labels)
            let history = try classifier.fit(
                texts: texts, labels: labelSets, epochs: settings.epochs, seed: seed, learningRate: settings.learningRate,
                validation: (validation.texts, validation.labelSets), restoreBestWeights: true, patience: 2, onEpoch: { _ in inBudget() })
            let probabilities = try classifier.predict(texts: validation.texts).flatMap(\.probabilities)
            let f1 = MultiLabelReport(probabilities: probabilities, targets: try classifier.targets(validation.labelSets),
                                      labels: labels.names.count).microF1
            let kept = Self.keptEpoch(of: history)
            return Measurement(accuracy: Float(f1), loss: kept?.validationLoss, keptEpoch: kept?.epoch,
                               trained: history.epochs.count, classifier: classifier)
        }
        return (search.trials, search.best.trial, search.best.classifier!)
    }

    /// Runs the search measuring each trial by `folds`-fold cross-validation on the training
    /// rows (the folds of ``TextClassifier/outOfFoldProbabilities(texts:labels:folds:epochs:seed:onFold:onEpoch:)``):
    /// a trial trains one model per fold, stopped early on its held-out fold, and scores its
    /// pooled accuracy and mean loss over the folds. The best settings are then fitted on every
    /// row for the mean of their folds' kept epochs (after the budget).
    /// - Returns: every trial (its `keptEpoch` the folds' mean, `epochsTrained` their sum),
    ///   the best one's number and the classifier fitted on every row with its settings.
    public func run(texts: [String], labels classes: [Int], folds: Int,
                    onTrial: ((Trial) -> Void)? = nil) throws -> (trials: [Trial], best: Int, classifier: TextClassifier) {
        try checkOneLabelARow()
        let splits = try TextClassifier.folds(of: texts.count, folds: folds, seed: seed)
        let search = try self.search(onTrial: onTrial) { settings, inBudget in
            var correct = 0.0, loss = 0.0, kept = 0, trained = 0
            for split in splits {
                var classifier = try TextClassifier(configuration: settings.configuration, labels: labels)
                let history = try classifier.fit(
                    texts: split.kept.map { texts[$0] }, labels: split.kept.map { classes[$0] }, epochs: settings.epochs,
                    seed: seed, learningRate: settings.learningRate,
                    validation: (split.held.map { texts[$0] }, split.held.map { classes[$0] }),
                    restoreBestWeights: true, patience: 2, onEpoch: { _ in inBudget() })
                let epoch = Self.keptEpoch(of: history)
                correct += Double(epoch?.validationAccuracy ?? 0) * Double(split.held.count)
                loss += Double(epoch?.validationLoss ?? .infinity) * Double(split.held.count)
                kept += epoch?.epoch ?? 0
                trained += history.epochs.count
            }
            let n = Double(texts.count)
            return Measurement(accuracy: Float(correct / n), loss: Float(loss / n),
                               keptEpoch: max(1, Int((Double(kept) / Double(splits.count)).rounded())), trained: trained)
        }
        let best = search.trials[search.best.trial - 1]
        var classifier = try TextClassifier(configuration: best.settings.configuration, labels: labels)
        try classifier.fit(texts: texts, labels: classes, epochs: best.keptEpoch ?? best.settings.epochs, seed: seed,
                           learningRate: best.settings.learningRate, validationSplit: 0)
        return (search.trials, best.number, classifier)
    }

    private func checkOneLabelARow() throws {
        guard labels.head != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "tuning with class indices", value: "a multi-label task",
                                                          expected: "label sets (run(texts:labelSets:validation:))")
        }
    }

    /// The epoch whose weights a fit kept (its restored one, else its last).
    private static func keptEpoch(of history: History) -> EpochReport? {
        history.restoredEpoch.flatMap { e in history.epochs.first { $0.epoch == e } } ?? history.epochs.last
    }

    /// What one trial reached.
    private struct Measurement {
        var accuracy: Float?
        var loss: Float?
        var keptEpoch: Int?
        var trained: Int
        var classifier: TextClassifier?

        init(accuracy: Float?, loss: Float?, keptEpoch: Int?, trained: Int, classifier: TextClassifier? = nil) {
            (self.accuracy, self.loss, self.keptEpoch, self.trained, self.classifier) = (accuracy, loss, keptEpoch, trained, classifier)
        }

        init(kept: EpochReport?, trained: Int, classifier: TextClassifier) {
            self.init(accuracy: kept?.validationAccuracy, loss: kept?.validationLoss, keptEpoch: kept?.epoch,
                      trained: trained, classifier: classifier)
        }
    }

    /// Trials in the order of ``settings(count:)`` until the budget is spent. `measure` trains
    /// one trial (calling `inBudget` after each epoch: `false` stops it) and returns its kept
    /// epoch, the epochs it trained and, if it has one, its classifier.
    private func search(onTrial: ((Trial) -> Void)?,
                        measure: (TrialSettings, _ inBudget: @escaping () -> Bool) throws -> Measurement)
        throws -> (trials: [Trial], best: (trial: Int, classifier: TextClassifier?)) {
        let started = Date()
        let budget = self.budget
        var trials: [Trial] = []
        var best: (trial: Int, accuracy: Float, loss: Float, classifier: TextClassifier?)?
        for settings in self.settings(count: maximumTrials) {
            let elapsed = Date().timeIntervalSince(started)
            // Not another trial if the mean one so far would overrun the budget (the first always runs).
            let mean = trials.isEmpty ? 0 : trials.map(\.seconds).reduce(0, +) / Double(trials.count)
            guard trials.isEmpty || elapsed + mean <= budget else { break }
            let trialStart = Date()
            var trial = Trial(number: trials.count + 1, settings: settings, epochsTrained: 0, seconds: 0)
            do {
                let measured = try measure(settings) { Date().timeIntervalSince(started) < budget }
                (trial.validationScore, trial.validationLoss) = (measured.accuracy, measured.loss)
                (trial.keptEpoch, trial.epochsTrained) = (measured.keptEpoch, measured.trained)
                if let accuracy = trial.validationScore, let loss = trial.validationLoss,
                   best.map({ accuracy > $0.accuracy || (accuracy == $0.accuracy && loss < $0.loss) }) ?? true {
                    best = nil  // one classifier in memory at a time
                    best = (trial.number, accuracy, loss, measured.classifier)
                }
            } catch let error as TextClassificationError {
                trial.failure = error.errorDescription ?? "\(error)"  // a sentence for the user, not a Swift value
            }
            trial.seconds = Date().timeIntervalSince(trialStart)
            trials.append(trial)
            onTrial?(trial)
        }
        guard let best else {
            throw TextClassificationError.invalidTrainingData(reason: "no trial trained a model: \(trials.first?.failure ?? "no trial ran")")
        }
        return (trials, (best.trial, best.classifier))
    }
}
