/// What the training loop asks of an optimizer (in the spirit of mlx-swift's `Optimizer`): one
/// step from a batch's gradients, with the hooks around it. The training passes know nothing of
/// it; they hand over a batch's gradients (the embedding's by rows, ``RowGradient``) and compute the
/// embedding's per-position squares only when ``readsPositionSquares`` asks.
///
/// | type | `--optimizer` | embedding rows a batch did not read |
/// |---|---|---|
/// | ``Adam`` | `adam` | step on their moments, every batch (Keras) |
/// | ``DeferredAdam`` | `deferred-adam` | step later, when read, in closed form |
/// | ``LazyAdam`` | `lazy-adam` | do not step (TF Addons' `LazyAdam`) |
/// | ``SGD`` | `sgd` | do not move (g = 0); the rate decays linearly (fastText) |
///
/// ```swift
/// var sgd = SGD(learningRate: 0.5)
/// try model.fit(padded, labels: labels, epochs: 5, optimizer: &sgd)
/// ```
public protocol Optimizer: Sendable {
    /// Its name in `--optimizer`, `config.json` and the saved state.
    static var kind: OptimizerKind { get }
    /// The step size (Keras's `learning_rate`; SGD's rate before it decays).
    var learningRate: Float { get set }
    /// Steps taken so far (Keras's `iterations`).
    var step: Int { get }

    /// A fresh optimizer with its defaults but the rate.
    static func make(learningRate: Float) -> Self
    /// The optimizer after `step` steps, from its ``stateTensors``; `rows`: the row count of
    /// each weight stepped by rows (the embedding).
    init(learningRate: Float, step: Int, tensors: [String: Tensor], rows: [String: Int]) throws

    /// Called once before a fit's first batch with the number of steps the fit will take.
    mutating func begin(steps: Int)
    /// Called before a batch reads the rows `rows()` gives (each once) of the weight `name`
    /// (asked only by an optimizer that needs them).
    mutating func prepare<Model: ParameterizedModel>(_ model: inout Model, rows: () -> [Int32], of name: String)
    /// One step on every weight of `model` but `frozen`: `gradients` by name, the weights in
    /// `rowGradients` by rows (the others' rows have no gradient).
    mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                    rowGradients: [String: RowGradient], frozen: Set<String>)
    /// Brings every weight up to date before it is read (evaluated, saved).
    mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model)

    /// Its state as named tensors (`fit --save-optimizer`), read after ``catchUp(_:)``.
    var stateTensors: [(name: String, tensor: Tensor)] { get }
    /// Room for `added` new rows of `width` at the end of weight `name` (a grown embedding).
    mutating func appendRows(_ added: Int, width: Int, to name: String)
    /// Forgets what it keeps for weight `name` (a head that grew starts its moments afresh).
    mutating func forget(_ name: String)
}

extension Optimizer {
    public mutating func begin(steps: Int) {}
    public mutating func prepare<Model: ParameterizedModel>(_ model: inout Model, rows: () -> [Int32], of name: String) {}
    public mutating func catchUp<Model: ParameterizedModel>(_ model: inout Model) {}
    /// One step on every weight (none frozen).
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [String: Tensor],
                                                           rowGradients: [String: RowGradient]) {
        update(&model, along: gradients, rowGradients: rowGradients, frozen: [])
    }

    /// Its name, as `--optimizer` spells it.
    public var kind: OptimizerKind { Self.kind }
    /// Whether a batch's embedding gradient must carry its per-position squares summed by row
    /// (Keras's Adam squares each position's gradient; see ``Adam``).
    public var readsPositionSquares: Bool {
        switch Self.kind {
        case .adam, .deferredAdam: true
        case .lazyAdam, .sgd: false
        }
    }
    /// Whether every embedding row steps on every batch (Keras's Adam): passes may then keep
    /// vocabulary-sized tables (the LSTM's per-token projections).
    public var stepsEveryRow: Bool { Self.kind == .adam }
}

/// An optimizer by name (`--optimizer`, `config.json`): one of the four ``Optimizer`` types.
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// ``Adam``: Keras's, numbers and weights as Keras's.
    case adam
    /// ``DeferredAdam``: Keras's arithmetic, unread rows' steps applied when read. The bag's default.
    case deferredAdam = "deferred-adam"
    /// ``LazyAdam``: only the rows a batch read step.
    case lazyAdam = "lazy-adam"
    /// ``SGD``: plain gradient descent, the rate decaying linearly to 0 over the fit (fastText's).
    case sgd

    /// The type of this name.
    public var type: any Optimizer.Type {
        switch self {
        case .adam: Adam.self
        case .deferredAdam: DeferredAdam.self
        case .lazyAdam: LazyAdam.self
        case .sgd: SGD.self
        }
    }

    /// A fresh optimizer of this kind.
    public func make(learningRate: Float) -> any Optimizer { type.make(learningRate: learningRate) }
}

/// A model whose weights an optimiser can walk: each with its Keras name.
public protocol ParameterizedModel {
    /// The weights in a fixed order, with Keras's names (e.g. `"lstm/kernel"`).
    var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] { get }
}
