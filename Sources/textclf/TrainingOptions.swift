import ArgumentParser
import TextClassification

/// How `fit` trains: epochs, batches, the optimizer, the seed, early stopping and class weights.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Passes over the training data.")
    var epochs = 10

    @Option(parsing: .unconditional, help: "Rows per training step.")
    var batchSize = 32

    @Option(parsing: .unconditional, help: "The learning rate: Adam's step, SGD's starting rate. (default: \(HelpPresets.recurrent.learningRate), Keras's; \(HelpPresets.bagBinary.learningRate) with the bag encoder, \(HelpPresets.bagLabelSets.learningRate) with the bag and --multi-label; with --optimizer sgd, \(HelpPresets.bagBinary.learningRate(for: .sgd)) with the bag, \(HelpPresets.recurrent.learningRate(for: .sgd)) otherwise)")
    var learningRate: Float?

    @Option(help: "adam: Keras's Adam, every embedding row steps on every batch (a step costs the whole vocabulary); deferred-adam: the same arithmetic, but a row's steps wait until a batch reads it and are then applied at once, ε left out of them (a step costs the batch's tokens); lazy-adam: only the rows a batch read step (TensorFlow Addons' LazyAdam; rare rows move less). sgd: plain gradient descent, the rate falling linearly to 0 over the fit (fastText's schedule; only the rows a batch read move; its own default rate, see --learning-rate). (default: \(HelpPresets.bagBinary.optimizer.rawValue) for the bag, \(HelpPresets.recurrent.optimizer.rawValue) otherwise)")
    var optimizer: OptimizerKind?

    @Option(parsing: .unconditional, help: "Seed for weights and shuffling: the same seed and data give the same model. (default: 0, or the --from model's)")
    var seed: UInt64?

    @Flag(name: .customLong("no-restore-best"), help: "Save the last epoch's weights, not the best validation epoch's.")
    var keepLast = false

    @Option(parsing: .unconditional, help: "Stop after this many epochs without a lower validation loss; 0 never stops early.")
    var patience = 3

    enum ClassWeightOption: String, ExpressibleByArgument, CaseIterable {
        case none, balanced
    }

    @Option(help: "none, or balanced: weight rows by the inverse of their class's frequency (Keras class_weight).")
    var classWeight = ClassWeightOption.none

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard learningRate.map({ $0 > 0 && $0.isFinite }) ?? true else { throw ValidationError("--learning-rate must be positive") }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 (off) or more") }
    }
}
