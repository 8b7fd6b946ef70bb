import Foundation

/// The Adam optimiser with Keras's defaults and arithmetic (keras/src/optimizers/adam.py):
/// at step t, `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, `m += (g−m)(1−β₁)`, `v += (g²−v)(1−β₂)`,
/// `w −= α·m/(√v + ε)` — ε added to √v, not to the bias-corrected √v̂. Every weight's
/// moments decay every step, embedding rows without gradient included (Keras densifies).
///
/// One quirk of Keras on TensorFlow is kept on purpose: an embedding's gradient arrives as
/// `IndexedSlices` with one slice per token position, `ops.square` squares the slices before
/// they are summed by row, so `v` moves by Σ g_i² rather than (Σ g_i)² for a row used at
/// several positions (measured against Keras in KerasParityTests). Pass those sums as
/// `squaredGradients` to match it.
///
/// ```swift
/// var adam = Adam()                        // lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7
/// adam.update(&model, along: gradients)    // one step
/// ```
public struct Adam: Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Steps taken so far (Keras's `iterations`).
    public private(set) var step = 0
    private var firstMoments: [[Float]] = []
    private var secondMoments: [[Float]] = []

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One step on every weight of `model`; `gradients` are in the order of
    /// ``ParameterizedModel/parameterPaths``. `squaredGradients[k]`, when given, replaces
    /// `g²` in the update of `v` for weight k (see the type's note on embeddings).
    public mutating func update<Model: ParameterizedModel>(_ model: inout Model, along gradients: [Tensor],
                                                           squaredGradients: [Int: Tensor] = [:]) {
        let paths = Model.parameterPaths
        precondition(gradients.count == paths.count, "one gradient per weight")
        if firstMoments.isEmpty {
            firstMoments = gradients.map { [Float](repeating: 0, count: $0.count) }
            secondMoments = firstMoments
        }
        step += 1
        // In Float, as Keras computes it for float32 weights.
        let t = Float(step)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon
        for (k, entry) in paths.enumerated() {
            let gradient = gradients[k]
            precondition(gradient.count == model[keyPath: entry.path].count, "gradient \(entry.name) has the wrong size")
            let squares = squaredGradients[k]
            precondition(squares == nil || squares!.count == gradient.count, "squared gradient \(entry.name) has the wrong size")
            firstMoments[k].withUnsafeMutableBufferPointer { m in
                secondMoments[k].withUnsafeMutableBufferPointer { v in
                    model[keyPath: entry.path].scalars.withUnsafeMutableBufferPointer { w in
                        gradient.scalars.withUnsafeBufferPointer { g in
                            if let squares {
                                squares.scalars.withUnsafeBufferPointer { g2 in
                                    for j in 0..<g.count {
                                        m[j] += (g[j] - m[j]) * oneMinusBeta1
                                        v[j] += (g2[j] - v[j]) * oneMinusBeta2
                                        w[j] -= alpha * m[j] / (v[j].squareRoot() + epsilon)
                                    }
                                }
                            } else {
                                for j in 0..<g.count {
                                    m[j] += (g[j] - m[j]) * oneMinusBeta1
                                    v[j] += (g[j] * g[j] - v[j]) * oneMinusBeta2
                                    w[j] -= alpha * m[j] / (v[j].squareRoot() + epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A model whose weights an optimiser can walk: each with its Keras name.
public protocol ParameterizedModel {
    /// The weights in a fixed order, with Keras's names (e.g. `"lstm/kernel"`).
    static var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] { get }
}
