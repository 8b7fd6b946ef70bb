import Testing
@testable import TextClassification

/// Training reuses its workspaces batch after batch: the token table grows when a batch has
/// more distinct tokens, and the embedding's gradient rows are cleared lazily. A batch must
/// give the same loss and gradients whatever ran in the workspaces before it.
@Suite struct TokenProjectionTests {
    let model = SequenceClassifier(inputDim: 40, embeddingDim: 6, units: 5, seed: 3)

    func batch(tokens: Range<Int32>, seed: UInt64) -> (IndexMatrix, [Float]) {
        var random = RandomGenerator(seed: seed)
        let storage = (0..<7 * 9).map { _ in tokens.lowerBound + Int32(random.nextInt(below: tokens.count)) }
        return (IndexMatrix(rows: 7, columns: 9, storage: storage), (0..<7).map { Float($0 % 2) })
    }

    func result(_ batch: (IndexMatrix, [Float]), _ pass: LSTMTrainingPass) throws -> DenseGradients {
        try model.denseGradients(batch.0, labels: batch.1, pass: pass)
    }

    func pass() -> LSTMTrainingPass { LSTMTrainingPass(model: model, batchSize: 7, steps: 9) }

    func expectSame(_ a: DenseGradients, _ b: DenseGradients) {
        #expect(a.loss == b.loss)
        #expect(a.correct == b.correct)
        #expect(a.gradients == b.gradients)
        #expect(a.embeddingSquares.scalars == b.embeddingSquares.scalars)
    }

    @Test func reusedWorkspacesGiveWhatFreshOnesGive() throws {
        let few = batch(tokens: 1..<4, seed: 1)     // 3 distinct tokens
        let many = batch(tokens: 4..<40, seed: 2)   // up to 36 others: the table grows
        let reused = pass()
        let first = try result(few, reused)
        let afterFew = try result(many, reused)
        let afterMany = try result(few, reused)
        expectSame(afterFew, try result(many, pass()))
        expectSame(afterMany, first)
        // Rows of tokens not in the batch carry no gradient.
        let width = model.encoder.embedding.outputDim
        for token in 4..<40 {
            #expect(afterMany.gradients["embedding/embeddings"]!.scalars[token * width ..< (token + 1) * width].allSatisfy { $0 == 0 })
            #expect(afterMany.embeddingSquares.scalars[token * width ..< (token + 1) * width].allSatisfy { $0 == 0 })
        }
    }

    /// Prediction reuses its scratch memory between calls (and across copies of a model):
    /// a call gives what a fresh model gives, whatever ran before it.
    @Test func predictionAfterOtherPredictionsIsUnchanged() throws {
        let few = batch(tokens: 1..<4, seed: 5).0, many = batch(tokens: 0..<40, seed: 6).0
        let fresh = SequenceClassifier(inputDim: 40, embeddingDim: 6, units: 5, seed: 3)
        let expectedFew = try fresh.logits(few)
        let expectedMany = try SequenceClassifier(inputDim: 40, embeddingDim: 6, units: 5, seed: 3).logits(many)
        #expect(try model.logits(few) == expectedFew)
        #expect(try model.logits(many) == expectedMany)
        #expect(try model.logits(few) == expectedFew)
        // Another length reallocates; then back.
        let longer = IndexMatrix(rows: 2, columns: 12, storage: (0..<24).map { Int32($0 % 40) })
        _ = try model.logits(longer)
        #expect(try model.logits(many) == expectedMany)
    }

    /// Copies of a model used from several threads at once share the scratch memory safely.
    @Test func concurrentPredictionsGiveSequentialResults() async throws {
        let inputs = (0..<8).map { batch(tokens: 0..<40, seed: UInt64(10 + $0)).0 }
        let model = self.model
        let expected = try inputs.map { try model.logits($0) }
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (k, input) in inputs.enumerated() {
                group.addTask { (k, try model.logits(input)) }
            }
            var results = [[Float]](repeating: [], count: inputs.count)
            for try await (k, logits) in group { results[k] = logits }
            return results
        }
        #expect(results == expected)
    }

    /// The regrouped gradients (kernel and bias by token, the recurrent kernel with the rows
    /// still in padding as one) equal the per-position sums that the plain LSTM layer
    /// computes from the embedded sequence.
    @Test(arguments: [false, true])
    func lstmGradientsMatchThePerPositionForm(padded: Bool) throws {
        var (indices, labels) = batch(tokens: 1..<40, seed: 4)
        if padded {
            // Rows with 0, 2, 4, … 9 leading padding steps.
            var storage = indices.storage
            for r in 0..<7 { for t in 0..<min(9, 2 * r) { storage[r * 9 + t] = 0 } }
            indices = IndexMatrix(rows: 7, columns: 9, storage: storage)
        }
        let ours = try model.denseGradients(indices, labels: labels)
        // The same loss through the layers one by one.
        let embedded = try model.encoder.embedding(indices)
        let (last, lstmBackward) = try #require(model.encoder.layer(as: LSTM.self)).appliedForBackpropagation(to: embedded)
        let logits = model.head.dense.preactivation(last)
        let units = model.encoder.features
        // d loss / d last[b, j] = d loss / d logit_b · W[j].
        let lastGradient = Tensor(shape: [7, units], scalars: (0..<7 * units).map { k in
            BinaryCrossEntropy.logitGradient(logit: logits.scalars[k / units], label: labels[k / units], count: 7)
                * model.head.dense.kernel.scalars[k % units]
        })
        let (_, lstmGradient) = lstmBackward(lastGradient)
        for (name, a, b) in [("kernel", ours.gradients["lstm/kernel"]!, lstmGradient.kernel), ("bias", ours.gradients["lstm/bias"]!, lstmGradient.bias),
                             ("recurrent kernel", ours.gradients["lstm/recurrent_kernel"]!, lstmGradient.recurrentKernel)] {
            let scale = b.scalars.map(abs).max()!
            #expect(scale > 0)
            for (x, y) in zip(a.scalars, b.scalars) {
                #expect(abs(x - y) <= 1e-5 * scale, "\(name)")
            }
        }
    }
}
