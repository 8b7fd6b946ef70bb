import Foundation
import Testing
@testable import TextClassification

/// The encoders other than the LSTM, through the whole pipeline: fit, save, load, predict.
@Suite struct SequenceEncoderTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。", "很好的文本", "不好的文本"]
    let labels = [0, 1, 0, 1, 0]

    /// What each registered encoder declares (its name, its weights' names and shapes, its
    /// width) is what the layer it builds holds: the model directory checks files against the
    /// declaration, the optimizer and the saver walk the layer.
    @Test(arguments: SequenceEncoder.Kind.allCases)
    func everyEncoderDeclaresWhatItBuilds(kind: SequenceEncoder.Kind) throws {
        #expect(SequenceEncoder.Kind(rawValue: kind.rawValue) == kind)
        var random = RandomGenerator(seed: 3)
        var encoder = SequenceEncoder(kind: kind, inputDim: 7, embeddingDim: 5, units: 3, using: &random)
        let built = Dictionary(uniqueKeysWithValues: encoder.parameterPaths.map { ($0.name, encoder[keyPath: $0.path].shape) })
        #expect(built == SequenceEncoder.parameterShapes(kind: kind, inputDim: 7, embeddingDim: 5, units: 3))
        #expect(encoder.features == kind.features(embeddingDim: 5, units: 3))
        // Each weight is read and written by its name.
        for entry in encoder.parameterPaths {
            let replaced = Tensor(shape: encoder[weight: entry.name].shape, scalars: encoder[weight: entry.name].scalars.map { $0 + 1 })
            encoder[weight: entry.name] = replaced
            #expect(encoder[keyPath: entry.path].scalars == replaced.scalars)
        }
    }

    /// What the rest of the package asks of an encoder comes from its declaration: the help,
    /// the preset (words for those that read order), the memory per token, the format version.
    @Test func theDescriptorIsWhatTheHelpPresetMemoryAndFormatRead() throws {
        #expect(SequenceEncoder.Kind.help.hasPrefix("lstm (Keras LSTM), gru (Keras GRU, reset_after), bilstm (Keras Bidirectional(lstm)"))
        #expect(SequenceEncoder.Kind.help.contains(", or bag (the mean of the embedded tokens"))
        for kind in SequenceEncoder.Kind.allCases {
            #expect(SequenceEncoder.Kind.help.contains(kind.rawValue + " ("), "\(kind)")
            #expect((Preset(encoder: kind, head: .binary).unit == .word) == kind.readsOrder, "\(kind)")
        }
        #expect(SequenceEncoder.Kind.allCases.filter { !$0.readsOrder } == [.bag])
        let perToken = SequenceEncoder.Kind.allCases.map { $0.layerType.activationsPerToken(units: 10) }
        #expect(perToken == [60, 60, 120, 120, 60, 0], "the estimate as it was before the descriptor")
        #expect(SequenceEncoder.Kind.allCases.map { $0.layerType.firstFormatVersion } == [3, 4, 4, 4, 4, 4])
    }

    @Test func unknownEncoderNamesAreRefused() throws {
        #expect(SequenceEncoder.Kind(rawValue: "transformer") == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SequenceEncoder.Kind.self, from: Data("\"transformer\"".utf8)) }
        #expect(SequenceEncoder.Kind.allCases.map(\.rawValue) == ["lstm", "gru", "bilstm", "bigru", "cnn", "bag"])
    }

    @Test(arguments: SequenceEncoder.Kind.allCases)
    func fitsSavesAndLoadsEveryEncoder(kind: SequenceEncoder.Kind) throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 12, embeddingDim: 8, units: 6,
                                                                 encoder: kind))
        // The bag has no layer of its own between the embedding and the head: it needs larger steps.
        let history = try classifier.fit(texts: texts, labels: labels, epochs: 30, seed: 3, learningRate: kind == .bag ? 0.05 : 0.01)
        let model = try #require(classifier.model)
        #expect(model.encoder.kind == kind)
        #expect(model.head.dense.inputDim == (kind == .bilstm || kind == .bigru ? 12 : kind == .bag ? 8 : 6))
        #expect(history.epochs.last!.loss < history.epochs.first!.loss / 2, "\(kind) learns the five texts")
        #expect(history.epochs.last!.accuracy == 1)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encoder-\(UUID().uuidString)")
        try classifier.save(to: directory)
        let config = try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"encoder\" : \"\(kind.rawValue)\""))
        #expect(config.contains("\"formatVersion\" : \(kind == .lstm ? 3 : 4)"), "LSTM models stay readable by older builds")
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.model!.encoder.kind == kind)
        let before = try classifier.predict(texts: texts + ["没见过的字"]).map(\.probabilities)
        let after = try loaded.predict(texts: texts + ["没见过的字"]).map(\.probabilities)
        #expect(before == after, "the loaded model predicts the same numbers")
        let names = Set(model.namedParameters.map(\.name))
        #expect(names.contains("embedding/embeddings") && names.contains("dense/kernel") && names.count == (kind.rawValue.hasPrefix("bi") ? 9 : kind == .cnn ? 5 : kind == .bag ? 3 : 6))
    }

    /// The general path run on an LSTM gives the fast path's loss and gradients (to rounding):
    /// the head, dropout, class weights and the embedding's squared gradients agree.
    @Test func generalPathAgreesWithTheLSTMFastPath() throws {
        var model = SequenceClassifier(inputDim: 7, embeddingDim: 5, units: 4, head: .multiClass, classes: 3, seed: 2)
        model.encoder[weight: "lstm/bias"] = Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 5) * 0.1 - 0.2 })
        let indices = IndexMatrix(rows: 5, columns: 6, storage: [0, 0, 3, 1, 4, 1, 5, 6, 2, 6, 5, 3, 0, 0, 0, 0, 6, 2,
                                                                  0, 0, 0, 0, 0, 0, 0, 1, 6, 2, 6, 1])
        let labels: [Float] = [2, 0, 1, 1, 2], weights: [Float] = [2, 0.5, 1.25]
        let dropout = SequenceClassifier.Dropout(rate: 0.4, seed: 11)
        let fast = try model.denseGradients(indices, labels: labels, classWeights: weights, dropout: dropout)
        let dense = try model.generalGradients(indices, labels: labels, classWeights: weights, dropout: dropout)
        let general = dense
        #expect(abs(fast.loss - general.loss) < 1e-6)
        for (name, gradient) in fast.gradients {
            let other = try #require(dense.gradients[name])
            let worst = zip(gradient.scalars, other.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-6, "\(name): differs by \(worst)")
        }
        let squares = zip(fast.embeddingSquares.scalars, dense.embeddingSquares.scalars).map { abs($0 - $1) }.max()!
        #expect(squares < 1e-7)
    }

    /// The bidirectional LSTM's fast path (two LSTM encoders, the backward one on reversed
    /// rows) against the layers' general path: loss, every gradient, the embedding's squared
    /// gradients and the logits, with dropout, class weights, an all-padding row and two shards.
    @Test func bidirectionalFastPathAgreesWithTheGeneralPath() throws {
        var model = SequenceClassifier(inputDim: 7, embeddingDim: 5, units: 4, encoder: .bilstm, head: .multiClass,
                                       classes: 3, seed: 4)
        model.encoder[weight: "bidirectional/backward_lstm/bias"] = Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 3) * 0.2 - 0.1 })
        let indices = IndexMatrix(rows: 5, columns: 6, storage: [0, 0, 3, 1, 4, 1, 5, 6, 2, 6, 5, 3, 0, 0, 0, 0, 6, 2,
                                                                  0, 0, 0, 0, 0, 0, 0, 1, 6, 2, 6, 1])
        let labels: [Float] = [2, 0, 1, 1, 2], weights: [Float] = [2, 0.5, 1.25]
        let dropout = SequenceClassifier.Dropout(rate: 0.3, seed: 5)
        let pass = model.makeTrainingPass(batchSize: 5, steps: 6)
        #expect(pass is BidirectionalLSTMTrainingPass)
        for _ in 0..<2 {  // twice: the pass's buffers are reset between batches
            let fast = try model.denseGradients(indices, labels: labels, classWeights: weights, dropout: dropout, pass: pass)
            let general = try model.generalGradients(indices, labels: labels, classWeights: weights, dropout: dropout)
            #expect(abs(fast.loss - general.loss) < 1e-6 && fast.correct == general.correct)
            for entry in model.parameterPaths {
                let worst = zip(fast.gradients[entry.name]!.scalars, general.gradients[entry.name]!.scalars)
                    .map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-6, "\(entry.name): differs by \(worst)")
            }
            #expect(zip(fast.embeddingSquares.scalars, general.embeddingSquares.scalars).map { abs($0 - $1) }.max()! < 1e-7)
        }
        let fastLogits = try model.logits(indices), generalLogits = model.layerLogits(indices)
        #expect(zip(fastLogits, generalLogits).map { abs($0 - $1) }.max()! < 1e-6)
    }

    /// Embedding dropout (Keras's `Dropout` after the embedding): with the masks fixed by the
    /// seed, every gradient — the embedding's included — is the loss's derivative, and the
    /// masks change the loss.
    /// …and recurrent dropout (one mask per gate on h₋₁), alone and with embedding dropout;
    /// and the bag (its masked mean; a row repeats a token).
    @Test(arguments: [(SequenceEncoder.Kind.lstm, Float(0.4), Float(0)), (.bigru, 0.4, 0), (.lstm, 0, 0.3),
                      (.gru, 0.2, 0.3), (.bilstm, 0, 0.3), (.bag, 0.3, 0)])
    func dropoutGradientsMatchTheLossUnderTheSameMasks(kind: SequenceEncoder.Kind, embeddingRate: Float,
                                                       recurrentRate: Float) throws {
        let model = SequenceClassifier(inputDim: 6, embeddingDim: 3, units: 2, encoder: kind, head: .binary, seed: 8)
        let indices = IndexMatrix(rows: 3, columns: 4, storage: [0, 2, 5, 1, 3, 3, 4, 2, 0, 0, 0, 1])
        let labels: [Float] = [1, 0, 1]
        let masks = SequenceClassifier.Dropout(rate: embeddingRate, seed: 21)
        let recurrent = SequenceClassifier.Dropout(rate: recurrentRate, seed: 22)
        let result = try model.generalGradients(indices, labels: labels, embeddingDropout: masks, recurrentDropout: recurrent)
        let plain = try model.generalGradients(indices, labels: labels)
        #expect(result.loss != plain.loss, "the masks change the loss")
        for entry in model.parameterPaths {
            var probe = model
            let tensor = model[keyPath: entry.path]
            let numeric = tensor.scalars.indices.map { k -> Float in
                let h: Float = 1e-2
                probe[keyPath: entry.path].scalars[k] = tensor.scalars[k] + h
                let plus = try! probe.generalGradients(indices, labels: labels, embeddingDropout: masks,
                                                       recurrentDropout: recurrent).loss
                probe[keyPath: entry.path].scalars[k] = tensor.scalars[k] - h
                let minus = try! probe.generalGradients(indices, labels: labels, embeddingDropout: masks,
                                                        recurrentDropout: recurrent).loss
                probe[keyPath: entry.path] = tensor
                return (plus - minus) / (2 * h)
            }
            let analytic = result.gradients[entry.name]!.scalars
            let scale = numeric.map(abs).max() ?? 0
            #expect(scale > 0, "\(entry.name): all zero proves nothing")
            for (a, n) in zip(analytic, numeric) {
                // Float losses differenced over 2h resolve about 3e-6: that much absolute slack.
                #expect(abs(a - n) <= 2e-3 * max(abs(a), abs(n)) + 5e-3 * scale + 1e-5, "\(entry.name): \(a) vs \(n)")
            }
        }
    }

    /// A model directory whose config names another encoder than its weights, or one this
    /// build does not know, is refused with a thrown error naming the file: the layers'
    /// shape preconditions are never reached from a file.
    @Test func configAndWeightsOfDifferentEncodersAreRefused() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 8, embeddingDim: 4, units: 3,
                                                                 encoder: .gru))
        try classifier.fit(texts: texts, labels: labels, epochs: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try classifier.save(to: directory)
        let config = directory.appendingPathComponent("config.json")
        let original = try String(contentsOf: config, encoding: .utf8)
        for (encoder, expected) in [("bilstm", "model.safetensors"), ("cnn", "model.safetensors"), ("lstm", "model.safetensors"),
                                    ("transformer", "config.json")] {
            try original.replacingOccurrences(of: "\"encoder\" : \"gru\"", with: "\"encoder\" : \"\(encoder)\"")
                .write(to: config, atomically: true, encoding: .utf8)
            #expect(throws: TextClassificationError.self, "\(encoder)") { try TextClassifier(contentsOf: directory) }
            do { _ = try TextClassifier(contentsOf: directory) } catch {
                #expect("\(error.localizedDescription)".contains(expected), "\(encoder): \(error.localizedDescription)")
            }
        }
    }
}
