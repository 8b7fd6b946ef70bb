/// A fully connected layer `y = activation(x·W + b)`, as Keras's `Dense(units)`:
/// kernel `[inputDim, units]` glorot-uniform, bias zeros.
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let dense = Dense(inputDim: 64, units: 1, activation: .sigmoid, using: &random)
/// let probabilities = dense(Tensor(zeros: [8, 64]))   // [8, 1], all 0.5
/// ```
public struct Dense: Sendable {
    /// What the layer applies to `x·W + b`.
    public enum Activation: String, Codable, Sendable {
        case linear
        case sigmoid
        /// Over each row's `units` outputs.
        case softmax
    }

    /// `[inputDim, units]`; Keras's `kernel`.
    public var kernel: Tensor
    /// `[units]`; Keras's `bias`.
    public var bias: Tensor
    /// The activation after the affine map.
    public let activation: Activation

    /// The input width (the kernel's rows).
    public var inputDim: Int { kernel.shape[0] }
    /// The output width.
    public var units: Int { kernel.shape[1] }

    /// Glorot-uniform kernel and zero bias, as Keras's `Dense` initialises them.
    public init(inputDim: Int, units: Int, activation: Activation = .linear, using random: inout RandomGenerator) {
        kernel = Initializer.glorotUniform.make(rows: inputDim, columns: units, using: &random)
        bias = Tensor(zeros: [units])
        self.activation = activation
    }

    /// A layer with these weights (`kernel` `[inputDim, units]`, `bias` `[units]`).
    public init(kernel: Tensor, bias: Tensor, activation: Activation = .linear) {
        // A programmer error, not a data error: weights read from a model directory are
        // shape-checked (with a thrown, named error) in TextClassifier(contentsOf:) first.
        precondition(kernel.shape.count == 2 && bias.shape == [kernel.shape[1]],
                     "Dense weights must be kernel [in, units], bias [units]")
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
    }

    /// The loss's gradient with respect to each weight, same shapes.
    public struct Gradient: Sendable {
        /// d loss / d kernel.
        public var kernel: Tensor
        /// d loss / d bias.
        public var bias: Tensor
    }

    /// `activation(x·W + b)` for `x` of shape `[batch, inputDim]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var output = preactivation(input)
        switch activation {
        case .linear: break
        case .sigmoid:
            for k in output.scalars.indices { output.scalars[k] = VectorMath.sigmoid(output.scalars[k]) }
        case .softmax:
            output.scalars.withUnsafeMutableBufferPointer { y in
                for r in 0..<input.shape[0] { ClassificationHead.softmax(y.baseAddress! + r * units, count: units) }
            }
        }
        return output
    }

    /// `x·W + b`, before the activation: the logits of a sigmoid layer.
    public func preactivation(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 2 && input.shape[1] == inputDim, "input must be [batch, \(inputDim)]")
        var output = Tensor(zeros: [input.shape[0], units])
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                forward(x.baseAddress!, rows: input.shape[0], into: y.baseAddress!)
            }
        }
        return output
    }

    /// The output and a function from the output's gradient to the input's and the weights'.
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        let z = preactivation(input)
        let output = activation == .linear ? z : self(input)
        return (output, { outputGradient in
            var dz = outputGradient
            switch activation {
            case .linear: break
            case .sigmoid:
                for k in dz.scalars.indices {
                    let y = output.scalars[k]
                    dz.scalars[k] *= y * (1 - y)
                }
            case .softmax:
                // dz = y ⊙ (g − Σ g⊙y), row by row.
                for r in 0..<input.shape[0] {
                    let row = r * units ..< (r + 1) * units
                    let dot = row.reduce(Float(0)) { $0 + outputGradient.scalars[$1] * output.scalars[$1] }
                    for k in row { dz.scalars[k] = output.scalars[k] * (outputGradient.scalars[k] - dot) }
                }
            }
            var gradient = Gradient(kernel: Tensor(zeros: kernel.shape), bias: Tensor(zeros: bias.shape))
            var inputGradient = Tensor(zeros: input.shape)
            input.scalars.withUnsafeBufferPointer { x in
                dz.scalars.withUnsafeBufferPointer { dzp in
                    gradient.kernel.scalars.withUnsafeMutableBufferPointer { dk in
                        gradient.bias.scalars.withUnsafeMutableBufferPointer { db in
                            inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                                backward(x.baseAddress!, rows: input.shape[0], outputGradient: dzp.baseAddress!,
                                         kernelGradient: dk.baseAddress!, biasGradient: db.baseAddress!,
                                         inputGradient: dx.baseAddress!)
                            }
                        }
                    }
                }
            }
            return (inputGradient, gradient)
        })
    }

    // MARK: Kernels

    /// `y = x·W + b` (no activation) for `rows` rows.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        bias.scalars.withUnsafeBufferPointer { b in
            for r in 0..<rows { (y + r * units).update(from: b.baseAddress!, count: units) }
        }
        kernel.scalars.withUnsafeBufferPointer { k in
            GEMM.multiply(m: rows, n: units, k: inputDim, a: x, lda: inputDim, b: k.baseAddress!, ldb: units,
                          c: y, ldc: units, accumulate: true)
        }
    }

    /// Given dz (gradient of `x·W + b`), adds dW and db and writes dx.
    func backward(_ x: UnsafePointer<Float>, rows: Int, outputGradient dz: UnsafePointer<Float>,
                  kernelGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>) {
        GEMM.multiply(m: inputDim, n: units, k: rows, a: x, lda: inputDim, transposeA: true,
                      b: dz, ldb: units, c: kernelGradient, ldc: units, accumulate: true)
        for r in 0..<rows {
            for j in 0..<units { biasGradient[j] += dz[r * units + j] }
        }
        // dx = dz·Wᵀ, small (units is 1 for a binary classifier): plain loops.
        kernel.scalars.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                for i in 0..<inputDim {
                    var sum: Float = 0
                    for j in 0..<units { sum += dz[r * units + j] * w[i * units + j] }
                    inputGradient[r * inputDim + i] = sum
                }
            }
        }
    }
}
