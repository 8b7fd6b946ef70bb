import Foundation
import Testing
@testable import TextClassification

@Suite struct LayerTests {
    /// The LSTM step written out from Keras's LSTMCell (keras/src/layers/rnn/lstm.py), in
    /// Double, column blocks i, f, c, o. A swapped gate or a wrong cell update fails here.
    func referenceLSTM(_ lstm: LSTM, _ input: Tensor) -> [Double] {
        let batch = input.shape[0], steps = input.shape[1], n = lstm.inputDim, u = lstm.units
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var output: [Double] = []
        for b in 0..<batch {
            var h = [Double](repeating: 0, count: u), c = h
            for t in 0..<steps {
                var z = (0..<4 * u).map { Double(lstm.bias.scalars[$0]) }
                for j in 0..<4 * u {
                    for k in 0..<n { z[j] += Double(input.scalars[(b * steps + t) * n + k]) * Double(lstm.kernel.scalars[k * 4 * u + j]) }
                    for k in 0..<u { z[j] += h[k] * Double(lstm.recurrentKernel.scalars[k * 4 * u + j]) }
                }
                for j in 0..<u {
                    let i = sigmoid(z[j]), f = sigmoid(z[u + j]), g = Foundation.tanh(z[2 * u + j]), o = sigmoid(z[3 * u + j])
                    c[j] = f * c[j] + i * g
                    h[j] = o * Foundation.tanh(c[j])
                }
            }
            output += h
        }
        return output
    }

    @Test(arguments: [3, 16, 20])
    func lstmForwardMatchesKerasStepByStep(units: Int) {
        var random = RandomGenerator(seed: 7)
        let lstm = LSTM(inputDim: 6, units: units, using: &random)
        let input = Tensor(shape: [5, 9, 6], scalars: (0..<270).map { _ in random.nextUnitFloat() * 2 - 1 })
        let output = lstm(input)
        #expect(output.shape == [5, units])
        for (ours, reference) in zip(output.scalars, referenceLSTM(lstm, input)) {
            #expect(abs(Double(ours) - reference) < 2e-6)
        }
    }

    @Test func initializersFollowKeras() {
        var random = RandomGenerator(seed: 8)
        let lstm = LSTM(inputDim: 64, units: 64, using: &random)
        // Bias: zeros, forget block (the second quarter) ones.
        #expect(lstm.bias.scalars == [Float](repeating: 0, count: 64) + [Float](repeating: 1, count: 64)
                + [Float](repeating: 0, count: 128))
        // Glorot uniform: limit √(6 / (64 + 256)) = 0.1369.
        let limit = Float((6.0 / 320.0).squareRoot())
        #expect(lstm.kernel.scalars.allSatisfy { abs($0) <= limit })
        #expect(lstm.kernel.scalars.map(abs).max()! > 0.9 * limit)
        // Orthogonal [64, 256]: one matrix with orthonormal rows (W·Wᵀ = I), not per gate.
        let w = lstm.recurrentKernel.scalars
        for r in 0..<64 {
            for s in r..<64 {
                var dot: Float = 0
                for j in 0..<256 { dot += w[r * 256 + j] * w[s * 256 + j] }
                #expect(abs(dot - (r == s ? 1 : 0)) < 1e-4)
            }
        }
        let embedding = Embedding(inputDim: 1000, outputDim: 64, using: &random)
        #expect(embedding.embeddings.scalars.allSatisfy { abs($0) <= 0.05 })
        let dense = Dense(inputDim: 64, units: 1, using: &random)
        #expect(dense.kernel.scalars.allSatisfy { abs($0) <= Float((6.0 / 65.0).squareRoot()) })
        #expect(dense.bias.scalars == [0])
    }

    @Test func embeddingRejectsIndicesOutsideItsRows() {
        var random = RandomGenerator(seed: 9)
        let embedding = Embedding(inputDim: 10, outputDim: 2, using: &random)
        #expect(throws: TextClassificationError.indexOutOfRange(index: 10, inputDim: 10)) {
            try embedding(IndexMatrix(rows: 1, columns: 2, storage: [3, 10]))
        }
    }

    @Test func binaryCrossEntropyIsTheStableLogitForm() {
        // -[y log σ(z) + (1-y) log(1-σ(z))], worked by hand.
        #expect(abs(BinaryCrossEntropy.loss(logit: 0, label: 1) - Float(Foundation.log(2.0))) < 1e-7)
        #expect(abs(BinaryCrossEntropy.loss(logit: 2, label: 0) - Float(2 + Foundation.log(1 + Foundation.exp(-2.0)))) < 1e-6)
        // No clipping: a confident wrong answer costs its full logit.
        #expect(abs(BinaryCrossEntropy.loss(logit: -40, label: 1) - 40) < 1e-5)
        #expect(BinaryCrossEntropy.loss(logit: 40, label: 1) < 1e-17)
    }

    @Test func adamStepsAsKerasWritesThem() {
        struct Scalar: ParameterizedModel {
            var w = Tensor(shape: [2], scalars: [1, -1])
            var parameterPaths: [(name: String, path: WritableKeyPath<Scalar, Tensor>)] { [("w", \.w)] }
        }
        var model = Scalar()
        var adam = Adam()
        let g = Tensor(shape: [2], scalars: [0.5, -2])
        // Step 1: m = 0.1g, v = 0.001g², α = 0.001·√0.001/0.1; w -= α·m/(√v + 1e-7).
        adam.update(&model, along: ["w": g])
        for j in 0..<2 {
            let gj = Double(g.scalars[j])
            let alpha = 0.001 * (1 - 0.999).squareRoot() / (1 - 0.9)
            let expected = Double([1, -1][j]) - alpha * (0.1 * gj) / ((0.001 * gj * gj).squareRoot() + 1e-7)
            #expect(abs(Double(model.w.scalars[j]) - expected) < 1e-7)
        }
        // Step 2 with a zero gradient still moves (momentum) and uses t = 2 bias correction.
        let before = model.w.scalars
        adam.update(&model, along: ["w": Tensor(zeros: [2])])
        for j in 0..<2 {
            let gj = Double(g.scalars[j])
            let m = 0.9 * 0.1 * gj, v = 0.999 * 0.001 * gj * gj
            let alpha = 0.001 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
            #expect(abs(Double(model.w.scalars[j]) - (Double(before[j]) - alpha * m / (v.squareRoot() + 1e-7))) < 1e-7)
        }
        #expect(adam.step == 2)
    }

    /// An embedding's gradient given by rows (what a batch touched) takes the same step, to the
    /// bit, as the whole table with zeros elsewhere: untouched rows still decay and move.
    @Test func adamRowGradientsStepLikeTheWholeTable() {
        struct Table: ParameterizedModel {
            var e = Tensor(shape: [40, 18], scalars: (0..<720).map { Float($0 % 13) * 0.01 - 0.06 })
            var parameterPaths: [(name: String, path: WritableKeyPath<Table, Tensor>)] { [("e", \.e)] }
        }
        var dense = Table(), sparse = Table()
        var denseAdam = Adam(learningRate: 0.01), sparseAdam = Adam(learningRate: 0.01)
        for step in 0..<3 {
            let rows: [Int32] = step == 1 ? [7] : [31, 2, 7]
            var rowGradient = RowGradient(rows: rows)
            var gradient = Tensor(zeros: [40, 18]), squares = gradient
            for (k, row) in rows.enumerated() {
                for j in 0..<18 {
                    let g = Float(k + 1) * 0.1 - Float(j) * 0.02 + Float(step) * 0.03
                    rowGradient.gradient.append(g)
                    rowGradient.squares.append(g * g * 0.7)
                    gradient.scalars[Int(row) * 18 + j] = g
                    squares.scalars[Int(row) * 18 + j] = g * g * 0.7
                }
            }
            let before = sparse.e.scalars[2 * 18]
            denseAdam.update(&dense, along: ["e": gradient], squaredGradients: ["e": squares])
            sparseAdam.update(&sparse, along: [:], rowGradients: ["e": rowGradient])
            #expect(dense.e.scalars == sparse.e.scalars, "step \(step + 1)")
            #expect(sparse.e.scalars[2 * 18] != before, "row 2 moves, by momentum alone in step 2")
        }
        #expect(sparse.e.scalars[0] == Table().e.scalars[0], "a row never read keeps its value")
    }
}

@Suite struct PaddingSkipTests {
    /// Starting each row at its first real token from the shared padding states gives the
    /// same logits, bit for bit, as running every padding step.
    @Test func skippingLeadingPaddingIsExact() throws {
        var random = RandomGenerator(seed: 11)
        let model = SequenceClassifier(inputDim: 50, embeddingDim: 8, units: 20, seed: 12)
        let steps = 30
        // 100 rows of every padding length from 0 (full) to 30 (all padding).
        let sequences: [[Int32]] = (0..<100).map { r in
            (0..<(r % (steps + 1))).map { _ in Int32(1 + random.nextInt(below: 49)) }
        }
        let indices = try Padding(length: steps)(sequences)
        let skipped = try model.logits(indices, skippingLeadingPadding: true)
        let full = try model.logits(indices, skippingLeadingPadding: false)
        #expect(skipped == full)
        // And both agree with the training path's forward pass (different product grouping).
        let labels = [Float](repeating: 1, count: 100)
        let loss = try model.gradients(TrainingBatch(indices: indices, labels: labels)).loss
        let lossFromLogits = skipped.reduce(Float(0)) { $0 + BinaryCrossEntropy.loss(logit: $1, label: 1) } / 100
        #expect(abs(loss - lossFromLogits) < 1e-5)
    }

    /// Training copies the padding's states into the rows still in their leading padding
    /// instead of computing them: the same loss and gradients, bit for bit.
    @Test func skippingLeadingPaddingInTrainingIsExact() throws {
        var random = RandomGenerator(seed: 13)
        let model = SequenceClassifier(inputDim: 50, embeddingDim: 8, units: 20, seed: 14)
        let steps = 30
        let sequences: [[Int32]] = (0..<40).map { r in
            (0..<(r * 7 % (steps + 1))).map { _ in Int32(1 + random.nextInt(below: 49)) }
        }
        let indices = try Padding(length: steps)(sequences)
        let labels = (0..<40).map { Float($0 % 3 == 0 ? 1 : 0) }
        func run(skipping: Bool) throws -> (loss: Float, gradients: [[Float]]) {
            var pass = LSTMTrainingPass(model: model, batchSize: 40, steps: steps)
            pass.skipsLeadingPadding = skipping
            let result = try model.denseGradients(indices, labels: labels, pass: pass)
            return (result.loss, model.parameterPaths.map { result.gradients[$0.name]!.scalars } + [result.embeddingSquares.scalars])
        }
        let skipped = try run(skipping: true), full = try run(skipping: false)
        #expect(skipped.loss == full.loss)
        #expect(skipped.gradients == full.gradients)
        #expect(skipped.gradients[0].contains { $0 != 0 })
    }
}

@Suite struct GlobalAveragePooling1DTests {
    /// Keras's masked mean: padding steps neither count nor get a gradient; a row of padding
    /// only gives zeros (Keras: 0/0).
    @Test func averagesOnlyTheMaskedStepsAndSplitsTheGradient() {
        let pool = GlobalAveragePooling1D(width: 2)
        let x = Tensor(shape: [2, 3, 2], scalars: [9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        let mask = [false, true, true, false, false, false]
        let (output, backpropagator) = pool.appliedForBackpropagation(to: x, mask: mask)
        #expect(output.scalars == [2, 3, 0, 0])
        let dx = backpropagator(Tensor(shape: [2, 2], scalars: [1, -4, 5, 5])).inputGradient
        #expect(dx.scalars == [0, 0, 0.5, -2, 0.5, -2, 0, 0, 0, 0, 0, 0])
        #expect(pool(x).scalars == [13.0 / 3, 5, 7, 8], "no mask: every step counts")
    }
}
