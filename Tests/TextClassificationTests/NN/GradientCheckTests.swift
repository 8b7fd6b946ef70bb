import Foundation
import Testing
@testable import TextClassification

/// Central finite differences against the hand-written backward passes, on small shapes.
/// Shapes include sizes that are not multiples of 16 (the SIMD tail paths) and batches > 1.
@Suite struct GradientCheckTests {
    /// Compares an analytic gradient with a numeric one: the relative error of the whole
    /// vector must be below 1e-3, and no element may be off by more than 1e-3 relative plus
    /// a small absolute floor (Float finite differences cannot resolve tiny entries).
    func expectClose(_ analytic: [Float], _ numeric: [Float], _ what: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(analytic.count == numeric.count, sourceLocation: sourceLocation)
        var difference = 0.0, norm = 0.0
        let scale = Double(numeric.map(abs).max() ?? 0)
        for (a, n) in zip(analytic, numeric) {
            difference += Double(a - n) * Double(a - n)
            norm += max(Double(a * a), Double(n * n))
            let allowed = 1e-3 * max(Double(abs(a)), Double(abs(n))) + 2e-3 * scale
            #expect(abs(Double(a - n)) <= allowed, "\(what): analytic \(a) vs numeric \(n)", sourceLocation: sourceLocation)
        }
        let relative = norm > 0 ? (difference / norm).squareRoot() : 0
        #expect(relative < 1e-3, "\(what): relative error \(relative)", sourceLocation: sourceLocation)
        #expect(scale > 0, "\(what): gradient is all zero, the check proves nothing", sourceLocation: sourceLocation)
    }

    /// d f / d tensor by central differences.
    func numericGradient(of tensor: Tensor, step h: Float = 1e-2, _ f: (Tensor) -> Double) -> [Float] {
        var probe = tensor
        return tensor.scalars.indices.map { k in
            let original = probe.scalars[k]
            probe.scalars[k] = original + h
            let plus = f(probe)
            probe.scalars[k] = original - h
            let minus = f(probe)
            probe.scalars[k] = original
            return Float((plus - minus) / (2 * Double(h)))
        }
    }

    func randomTensor(_ shape: [Int], scale: Float = 1, _ random: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in (random.nextUnitFloat() * 2 - 1) * scale })
    }

    /// Σ output ⊙ weights, in Double: a loss whose gradient with respect to output is `weights`.
    func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
        zip(output.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test func embedding() throws {
        var random = RandomGenerator(seed: 1)
        let embedding = Embedding(inputDim: 6, outputDim: 5, using: &random)
        let indices = IndexMatrix(rows: 2, columns: 4, storage: [0, 3, 3, 5, 1, 0, 2, 3])
        let upstream = randomTensor([2, 4, 5], &random)
        let analytic = embedding.gradient(indices: indices, outputGradient: upstream)
        let numeric = numericGradient(of: embedding.embeddings) { weights in
            weightedSum(try! Embedding(embeddings: weights)(indices), upstream)
        }
        expectClose(analytic.scalars, numeric, "embeddings")
        #expect(analytic.scalars[4 * 5 ..< 5 * 5].allSatisfy { $0 == 0 }, "index 4 is unused: no gradient")
    }

    @Test(arguments: [(3, 5, 7), (2, 16, 4)])
    func lstm(units: Int, inputDim: Int, steps: Int) {
        var random = RandomGenerator(seed: 2)
        checkRecurrent(LSTM(inputDim: inputDim, units: units, using: &random), steps: steps, &random)
    }

    @Test(arguments: [(3, 5, 7), (2, 16, 4), (17, 3, 3)])
    func gru(units: Int, inputDim: Int, steps: Int) {
        var random = RandomGenerator(seed: 4)
        checkRecurrent(GRU(inputDim: inputDim, units: units, using: &random), steps: steps, &random)
    }

    /// Each of a recurrent layer's three weights and its input, on 3 rows of `steps`; its bias
    /// drawn at random (not only Keras's 0 and 1; both of the GRU's rows matter).
    func checkRecurrent<Layer: RecurrentLayer>(_ initial: Layer, steps: Int, _ random: inout RandomGenerator,
                                               sourceLocation: SourceLocation = #_sourceLocation) {
        var layer = initial
        layer.bias = randomTensor(Layer.biasShape(units: layer.units), scale: 0.5, &random)
        let input = randomTensor([3, steps, layer.inputDim], &random)
        let upstream = randomTensor([3, layer.units], &random)
        let (inputGradient, gradient) = layer.appliedForBackpropagation(to: input).backpropagator(upstream)
        let weights: [(String, WritableKeyPath<Layer, Tensor>, Tensor)] = [
            ("kernel", \.kernel, gradient.kernel), ("recurrent_kernel", \.recurrentKernel, gradient.recurrentKernel),
            ("bias", \.bias, gradient.bias)]
        for (name, path, analytic) in weights {
            var probe = layer
            expectClose(analytic.scalars, numericGradient(of: layer[keyPath: path]) {
                probe[keyPath: path] = $0; return weightedSum(probe(input), upstream)
            }, "\(Layer.kerasName)/\(name)", sourceLocation: sourceLocation)
        }
        expectClose(inputGradient.scalars, numericGradient(of: input) { weightedSum(layer($0), upstream) },
                    "\(Layer.kerasName) input", sourceLocation: sourceLocation)
    }

    /// Both directions' weights and the input, for a bidirectional LSTM and GRU.
    @Test func bidirectional() {
        var random = RandomGenerator(seed: 5)
        let input = randomTensor([2, 5, 4], &random)
        checkBidirectional(Bidirectional(forward: LSTM(inputDim: 4, units: 3, using: &random),
                                         backward: LSTM(inputDim: 4, units: 3, using: &random)), input, &random)
        checkBidirectional(Bidirectional(forward: GRU(inputDim: 4, units: 2, using: &random),
                                         backward: GRU(inputDim: 4, units: 2, using: &random)), input, &random)
    }

    /// Every weight of both directions and the input of a bidirectional layer.
    func checkBidirectional<Layer: RecurrentLayer>(_ layer: Bidirectional<Layer>, _ input: Tensor,
                                                   _ random: inout RandomGenerator) {
        let upstream = randomTensor([input.shape[0], layer.units], &random)
        let (inputGradient, gradient) = layer.appliedForBackpropagation(to: input).backpropagator(upstream)
        let weights: [(String, WritableKeyPath<Bidirectional<Layer>, Tensor>, Tensor)] = [
            ("forward kernel", \.forward.kernel, gradient.forward.kernel),
            ("forward recurrent_kernel", \.forward.recurrentKernel, gradient.forward.recurrentKernel),
            ("backward kernel", \.backward.kernel, gradient.backward.kernel),
            ("backward recurrent_kernel", \.backward.recurrentKernel, gradient.backward.recurrentKernel),
            ("backward bias", \.backward.bias, gradient.backward.bias)]
        for (name, path, analytic) in weights {
            var probe = layer
            expectClose(analytic.scalars, numericGradient(of: layer[keyPath: path]) {
                probe[keyPath: path] = $0; return weightedSum(probe(input), upstream)
            }, "bi\(Layer.kerasName) \(name)")
        }
        expectClose(inputGradient.scalars, numericGradient(of: input) { weightedSum(layer($0), upstream) },
                    "bi\(Layer.kerasName) input")
    }

    /// Recurrent dropout (Keras 3's implementation 1: one mask per gate on h₋₁), with the masks
    /// fixed: every weight's and the input's gradient, for the LSTM, the GRU and both
    /// bidirectional; and the masks change the output.
    @Test func recurrentDropout() {
        var random = RandomGenerator(seed: 9)
        let input = randomTensor([3, 5, 4], &random)
        func masks(_ width: Int) -> [Float] {
            (0..<3 * width).map { _ in random.nextUnitFloat() < 0.3 ? 0 : 1 / 0.7 }
        }
        func check<Layer: SequenceLayer>(_ layer: Layer, _ what: String, paths: [(String, WritableKeyPath<Layer, Tensor>)],
                                          sourceLocation: SourceLocation = #_sourceLocation) {
            let m = masks(layer.recurrentMaskWidth)
            let upstream = randomTensor([3, layer.units], &random)
            func f(_ l: Layer, _ x: Tensor) -> Double { weightedSum(l.appliedForBackpropagation(to: x, recurrentMasks: m).output, upstream) }
            let (output, backpropagator) = layer.appliedForBackpropagation(to: input, recurrentMasks: m)
            #expect(output.scalars != layer.appliedForBackpropagation(to: input).output.scalars, "\(what): masks change h",
                    sourceLocation: sourceLocation)
            let (inputGradient, gradient) = backpropagator(upstream)
            _ = gradient
            expectClose(inputGradient.scalars, numericGradient(of: input) { f(layer, $0) }, "\(what) input",
                        sourceLocation: sourceLocation)
            for (name, path) in paths {
                var probe = layer
                let numeric = numericGradient(of: layer[keyPath: path]) { probe[keyPath: path] = $0; return f(probe, input) }
                expectClose(analytic(gradient, name), numeric, "\(what) \(name)", sourceLocation: sourceLocation)
            }
        }
        func analytic<G>(_ g: G, _ name: String) -> [Float] {
            switch g {
            case let g as LSTM.Gradient: return [g.kernel, g.recurrentKernel, g.bias][["kernel", "recurrent", "bias"].firstIndex(of: name)!].scalars
            case let g as GRU.Gradient: return [g.kernel, g.recurrentKernel, g.bias][["kernel", "recurrent", "bias"].firstIndex(of: name)!].scalars
            case let g as Bidirectional<LSTM>.Gradient:
                return name == "forward recurrent" ? g.forward.recurrentKernel.scalars : g.backward.recurrentKernel.scalars
            case let g as Bidirectional<GRU>.Gradient:
                return name == "forward recurrent" ? g.forward.recurrentKernel.scalars : g.backward.recurrentKernel.scalars
            default: preconditionFailure("a gradient type")
            }
        }
        var lstm = LSTM(inputDim: 4, units: 3, using: &random)
        lstm.bias = randomTensor([12], scale: 0.5, &random)
        check(lstm, "lstm", paths: [("kernel", \.kernel), ("recurrent", \.recurrentKernel), ("bias", \.bias)])
        var gru = GRU(inputDim: 4, units: 3, using: &random)
        gru.bias = randomTensor([2, 9], scale: 0.5, &random)
        check(gru, "gru", paths: [("kernel", \.kernel), ("recurrent", \.recurrentKernel), ("bias", \.bias)])
        check(Bidirectional(forward: LSTM(inputDim: 4, units: 2, using: &random), backward: LSTM(inputDim: 4, units: 2, using: &random)),
              "bilstm", paths: [("forward recurrent", \.forward.recurrentKernel), ("backward recurrent", \.backward.recurrentKernel)])
        check(Bidirectional(forward: GRU(inputDim: 4, units: 2, using: &random), backward: GRU(inputDim: 4, units: 2, using: &random)),
              "bigru", paths: [("forward recurrent", \.forward.recurrentKernel), ("backward recurrent", \.backward.recurrentKernel)])
    }

    /// Conv1D + global max pooling; the padding rows give equal windows, whose maxima share the
    /// gradient (as TensorFlow's max does).
    @Test func convolution() {
        var random = RandomGenerator(seed: 12)
        var conv = Conv1D(inputDim: 4, filters: 5, using: &random)
        conv.bias = randomTensor([5], scale: 0.3, &random)
        var input = randomTensor([3, 6, 4], &random)
        for t in 0..<3 { for j in 0..<4 { input.scalars[(2 * 6 + t) * 4 + j] = 0.25 } }  // row 2: equal windows 0 and 1
        let upstream = randomTensor([3, 5], &random)
        let (_, backpropagator) = conv.appliedForBackpropagation(to: input)
        let (inputGradient, gradient) = backpropagator(upstream)
        var probe = conv
        expectClose(gradient.kernel.scalars, numericGradient(of: conv.kernel, step: 1e-3) {
            probe.kernel = $0; return weightedSum(probe(input), upstream)
        }, "conv1d/kernel")
        probe = conv
        expectClose(gradient.bias.scalars, numericGradient(of: conv.bias, step: 1e-3) {
            probe.bias = $0; return weightedSum(probe(input), upstream)
        }, "conv1d/bias")
    }

    /// The bag's masked mean: the input's gradient, padding steps (mask false) getting none.
    @Test func averagePooling() {
        var random = RandomGenerator(seed: 14)
        let pool = GlobalAveragePooling1D(width: 4)
        let input = randomTensor([3, 5, 4], &random)
        let mask = [false, true, true, false, true,  true, true, true, true, true,  false, false, false, false, true]
        let upstream = randomTensor([3, 4], &random)
        let inputGradient = pool.appliedForBackpropagation(to: input, mask: mask).backpropagator(upstream).inputGradient
        expectClose(inputGradient.scalars, numericGradient(of: input) { weightedSum(pool($0, mask: mask), upstream) },
                    "average pooling input")
    }

    @Test func denseWithSigmoid() {
        var random = RandomGenerator(seed: 3)
        let dense = Dense(inputDim: 5, units: 3, activation: .sigmoid, using: &random)
        let input = randomTensor([4, 5], &random)
        let upstream = randomTensor([4, 3], &random)
        let (_, backpropagator) = dense.appliedForBackpropagation(to: input)
        let (inputGradient, gradient) = backpropagator(upstream)
        expectClose(gradient.kernel.scalars, numericGradient(of: dense.kernel) {
            weightedSum(Dense(kernel: $0, bias: dense.bias, activation: .sigmoid)(input), upstream)
        }, "dense/kernel")
        expectClose(gradient.bias.scalars, numericGradient(of: dense.bias) {
            weightedSum(Dense(kernel: dense.kernel, bias: $0, activation: .sigmoid)(input), upstream)
        }, "dense/bias")
        expectClose(inputGradient.scalars, numericGradient(of: input) { weightedSum(dense($0), upstream) }, "dense input")
    }

    @Test func denseWithSoftmax() {
        var random = RandomGenerator(seed: 6)
        let dense = Dense(inputDim: 5, units: 4, activation: .softmax, using: &random)
        let input = randomTensor([3, 5], &random)
        let upstream = randomTensor([3, 4], &random)
        let (output, backpropagator) = dense.appliedForBackpropagation(to: input)
        for r in 0..<3 { #expect(abs(output.scalars[r * 4 ..< r * 4 + 4].reduce(0, +) - 1) < 1e-6, "rows sum to 1") }
        let (inputGradient, gradient) = backpropagator(upstream)
        expectClose(gradient.kernel.scalars, numericGradient(of: dense.kernel) {
            weightedSum(Dense(kernel: $0, bias: dense.bias, activation: .softmax)(input), upstream)
        }, "dense/kernel")
        expectClose(inputGradient.scalars, numericGradient(of: input) { weightedSum(dense($0), upstream) }, "dense input")
    }

    /// The whole classifier, the head's loss from logits included, through the sharded
    /// training path (a batch of 5 splits 3 + 2 over two workspaces), for each head, with
    /// and without class weights.
    @Test(arguments: [
        (ClassificationHead.Kind.binary, 2, [Float]([1, 0, 0, 1, 1]), nil),
        (.binary, 2, [1, 0, 0, 1, 1], [0.7, 2.5]),
        (.multiClass, 4, [3, 0, 2, 1, 3], nil),
        (.multiClass, 4, [3, 0, 2, 1, 3], [1.5, 0.5, 2, 0.25]),
        (.multiLabel, 3, [1, 0, 1,  0, 0, 0,  1, 1, 0,  0, 1, 1,  1, 1, 1], nil),
        (.multiLabel, 3, [1, 0, 1,  0, 0, 0,  1, 1, 0,  0, 1, 1,  1, 1, 1], [3, 0.5, 1.5]),
    ] as [(ClassificationHead.Kind, Int, [Float], [Float]?)])
    func classifierGradients(head: ClassificationHead.Kind, classes: Int, labels: [Float], weights: [Float]?) throws {
        var model = SequenceClassifier(inputDim: 7, embeddingDim: 5, units: 4, head: head, classes: classes, seed: 4)
        // Larger weights than the initialisers give, so every gradient is clearly non-zero.
        var random = RandomGenerator(seed: 5)
        model.encoder.embedding.embeddings = randomTensor([7, 5], scale: 0.8, &random)
        model.encoder[weight: "lstm/bias"] = randomTensor([16], scale: 0.5, &random)
        model.head.dense.bias = randomTensor([model.head.outputs], scale: 0.5, &random)
        let indices = IndexMatrix(rows: 5, columns: 6, storage: (0..<30).map { _ in Int32(random.nextInt(below: 7)) })
        let result = try model.denseGradients(indices, labels: labels, classWeights: weights)

        /// The loss written out independently of the head's code, in Double.
        func meanLoss(_ m: SequenceClassifier) -> Double {
            let z = try! m.logits(indices).map(Double.init)
            let k = m.head.outputs
            var total = 0.0
            for r in 0..<5 {
                let row = Array(z[r * k ..< (r + 1) * k])
                switch head {
                case .binary:
                    let y = Double(labels[r]), p = 1 / (1 + Foundation.exp(-row[0]))
                    total += -(y * Foundation.log(p) + (1 - y) * Foundation.log(1 - p)) * Double(weights?[Int(y)] ?? 1)
                case .multiClass:
                    let y = Int(labels[r]), sum = row.map { Foundation.exp($0) }.reduce(0, +)
                    total += -Foundation.log(Foundation.exp(row[y]) / sum) * Double(weights?[y] ?? 1)
                case .multiLabel:
                    for j in 0..<k {
                        let y = Double(labels[r * k + j]), p = 1 / (1 + Foundation.exp(-row[j]))
                        let w = y == 1 ? Double(weights?[j] ?? 1) : 1
                        total += -(y * Foundation.log(p) + (1 - y) * Foundation.log(1 - p)) * w / Double(k)
                    }
                }
            }
            return total / 5
        }
        #expect(abs(Double(result.loss) - meanLoss(model)) < 1e-5)
        for entry in model.parameterPaths {
            var probe = model
            let numeric = numericGradient(of: model[keyPath: entry.path]) {
                probe[keyPath: entry.path] = $0
                return meanLoss(probe)
            }
            expectClose(result.gradients[entry.name]!.scalars, numeric, "\(head) \(entry.name)")
        }
    }
}

/// Dropout between the encoder and the head (Keras's `Dropout`): gradients consistent with the
/// loss under the same masks, rate 0 the same as none, masks independent of the shard split.
@Suite struct DropoutTests {
    func model() -> (SequenceClassifier, IndexMatrix) {
        var model = SequenceClassifier(inputDim: 7, embeddingDim: 5, units: 4, head: .multiClass, classes: 3, seed: 4)
        var random = RandomGenerator(seed: 5)
        model.encoder.embedding.embeddings = Tensor(shape: [7, 5], scalars: (0..<35).map { _ in random.nextUnitFloat() - 0.5 })
        let indices = IndexMatrix(rows: 5, columns: 6, storage: (0..<30).map { _ in Int32(random.nextInt(below: 7)) })
        return (model, indices)
    }

    @Test func gradientsMatchTheLossUnderTheSameMasks() throws {
        let (model, indices) = model()
        let labels: [Float] = [2, 0, 1, 1, 2]
        let dropout = SequenceClassifier.Dropout(rate: 0.5, seed: 77)
        let result = try model.denseGradients(indices, labels: labels, dropout: dropout)
        let plain = try model.denseGradients(indices, labels: labels)
        #expect(result.loss != plain.loss, "the masks change the loss")
        for entry in model.parameterPaths where entry.name != "embedding/embeddings" {
            var probe = model
            let tensor = model[keyPath: entry.path]
            let numeric = tensor.scalars.indices.map { k -> Float in
                let h: Float = 1e-2
                probe[keyPath: entry.path].scalars[k] = tensor.scalars[k] + h
                let plus = try! probe.denseGradients(indices, labels: labels, dropout: dropout).loss
                probe[keyPath: entry.path].scalars[k] = tensor.scalars[k] - h
                let minus = try! probe.denseGradients(indices, labels: labels, dropout: dropout).loss
                probe[keyPath: entry.path] = tensor
                return (plus - minus) / (2 * h)
            }
            let analytic = result.gradients[entry.name]!.scalars
            let scale = numeric.map(abs).max() ?? 0
            #expect(scale > 0)
            for (a, n) in zip(analytic, numeric) { #expect(abs(a - n) <= 2e-3 * max(abs(a), abs(n)) + 5e-3 * scale, "\(entry.name)") }
        }
    }

    @Test func rateZeroIsNoDropoutAndMasksFollowRowsNotShards() throws {
        let (model, indices) = model()
        let labels: [Float] = [2, 0, 1, 1, 2]
        let two = LSTMTrainingPass(model: model, batchSize: 5, steps: 6)
        #expect(two.workspaces.count == 2)
        let none = try model.denseGradients(indices, labels: labels, pass: two)
        let zero = try model.denseGradients(indices, labels: labels, dropout: .init(rate: 0, seed: 3), pass: two)
        #expect(none.loss == zero.loss && none.gradients == zero.gradients)
        // Five rows in two shards (3 + 2) or in one shard of five: the same masks, the same loss.
        let dropout = SequenceClassifier.Dropout(rate: 0.3, seed: 11)
        let sharded = try model.denseGradients(indices, labels: labels, dropout: dropout, pass: two)
        let single = LSTMTrainingPass(model: model, batchSize: 10, steps: 6, shards: 1)  // room for 5 rows
        let whole = try model.denseGradients(indices, labels: labels, dropout: dropout, pass: single)
        #expect(abs(sharded.loss - whole.loss) < 1e-6)
        #expect(sharded.loss != none.loss)
    }
}
