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
/// try result.best.save(to: URL(fileURLWithPath: "tuned-model"))
/// ```
public struct Tuner: Sendable {
    /// One trial: its settings and what they reached.
    public struct Trial: Sendable, Encodable {
        /// From 1; trial 1 is the preset.
        public var number: Int
        public var settings: TrialSettings
        /// Of the kept (best) epoch; `nil` when the trial failed.
        public var validationAccuracy: Float?
        public var validationLoss: Float?
        public var keptEpoch: Int?
        public var epochsTrained: Int
        public var seconds: Double
        /// Why a trial failed (it diverged, or its model would not fit in memory).
        public var failure: String?
    }

    public var labels: LabelSet
    /// Seconds: no trial starts once they are spent, and a running one stops after its epoch.
    public var budget: TimeInterval
    public var seed: UInt64
    public var space: SearchSpace = .standard
    /// Trials at most, whatever the budget.
    public var maximumTrials = 1_000

    public init(labels: LabelSet, budget: TimeInterval, seed: UInt64 = 0) {
        self.labels = labels
        self.budget = budget
        self.seed = seed
    }

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

    /// Runs the search on one-label-a-row data (binary or multi-class).
    /// - Returns: every trial, the best one's number (highest validation accuracy, then lowest
    ///   loss, then the earliest) and its fitted classifier.
    public func run(texts: [String], labels classes: [Int], validation: (texts: [String], labels: [Int]),
                    onTrial: ((Trial) -> Void)? = nil) throws -> (trials: [Trial], best: Int, classifier: TextClassifier) {
        guard labels.head != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "tuning", value: "a multi-label task", expected: "binary or multi-class labels")
        }
        let started = Date()
        var trials: [Trial] = []
        var best: (trial: Int, accuracy: Float, loss: Float, classifier: TextClassifier)?
        for settings in self.settings(count: maximumTrials) {
            let elapsed = Date().timeIntervalSince(started)
            // Not another trial if the mean one so far would overrun the budget (the first always runs).
            let mean = trials.isEmpty ? 0 : trials.map(\.seconds).reduce(0, +) / Double(trials.count)
            guard trials.isEmpty || elapsed + mean <= budget else { break }
            let trialStart = Date()
            var trial = Trial(number: trials.count + 1, settings: settings, epochsTrained: 0, seconds: 0)
            do {
                var classifier = try TextClassifier(configuration: settings.configuration, labels: labels)
                let history = try classifier.fit(
                    texts: texts, labels: classes, epochs: settings.epochs, seed: seed, learningRate: settings.learningRate,
                    validation: validation, restoreBestWeights: true, patience: 2,
                    onEpoch: { _ in Date().timeIntervalSince(started) < budget })
                let kept = history.restoredEpoch.flatMap { e in history.epochs.first { $0.epoch == e } } ?? history.epochs.last
                trial.validationAccuracy = kept?.validationAccuracy
                trial.validationLoss = kept?.validationLoss
                trial.keptEpoch = kept?.epoch
                trial.epochsTrained = history.epochs.count
                if let accuracy = trial.validationAccuracy, let loss = trial.validationLoss,
                   best.map({ accuracy > $0.accuracy || (accuracy == $0.accuracy && loss < $0.loss) }) ?? true {
                    best = nil  // one classifier in memory at a time
                    best = (trial.number, accuracy, loss, classifier)
                }
            } catch let error as TextClassificationError {
                trial.failure = "\(error)"
            }
            trial.seconds = Date().timeIntervalSince(trialStart)
            trials.append(trial)
            onTrial?(trial)
        }
        guard let best else {
            throw TextClassificationError.invalidTrainingData(reason: "no trial trained a model: \(trials.first?.failure ?? "no trial ran")")
        }
        return (trials, best.trial, best.classifier)
    }
}
