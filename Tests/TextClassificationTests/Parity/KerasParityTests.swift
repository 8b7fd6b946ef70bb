import Foundation
import Testing
@testable import TextClassification

/// Compares textclf with golden fixtures written by Keras 3.15 / TensorFlow 2.21
/// (Scripts/keras-reference/make_fixtures.py): exact for the tokenizer and padding; for the
/// model within 1e-5 relative, with an absolute floor of 1e-7 for entries near zero (float32
/// sums of terms of both signs cannot promise a relative bound there).
@Suite struct KerasParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtures.appendingPathComponent(name + ".json")))
    }

    // MARK: Tokenizer

    struct TokenizerFixture: Decodable {
        struct Case: Decodable {
            var num_words: Int?
            var oov_token: String?
            var word_index: [String: Int]
            var word_counts: [[WordOrCount]]
            var word_docs: [String: Int]
            var document_count: Int
            var sequences: [[Int32]]
            var texts: [String]
        }
        enum WordOrCount: Decodable {
            case word(String), count(Int)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let n = try? c.decode(Int.self) { self = .count(n) } else { self = .word(try c.decode(String.self)) }
            }
        }
        var corpus: [String]
        var probes: [String]
        var cases: [Case]
    }

    /// Keras splits on single spaces and drops empty strings (the corpus has no punctuation).
    func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    @Test func vocabularyMatchesKerasTokenizer() throws {
        let fixture = try Self.load("tokenizer", as: TokenizerFixture.self)
        #expect(fixture.cases.count == 4)
        for expected in fixture.cases {
            var vocabulary = Vocabulary(numWords: expected.num_words, oovToken: expected.oov_token)
            vocabulary.fit(fixture.corpus.map(words))
            let label = "num_words \(String(describing: expected.num_words)), oov \(String(describing: expected.oov_token))"
            #expect(vocabulary.wordIndex == expected.word_index, "\(label)")
            let counts = expected.word_counts.map { pair -> (String, Int) in
                guard case let .word(w) = pair[0], case let .count(n) = pair[1] else { return ("", -1) }
                return (w, n)
            }
            #expect(vocabulary.words == counts.map(\.0), "first-seen order, \(label)")
            #expect(counts.allSatisfy { vocabulary.wordCounts[$0.0] == $0.1 }, "\(label)")
            #expect(vocabulary.wordDocumentCounts == expected.word_docs, "\(label)")
            #expect(vocabulary.documentCount == expected.document_count)
            #expect((fixture.corpus + fixture.probes).map { vocabulary.encode(words($0)) } == expected.sequences, "\(label)")
            #expect([vocabulary.decode([0, 1, 2, 3, 4, 5, 6, 99]).joined(separator: " ")] == expected.texts, "\(label)")
        }
    }

    // MARK: Padding

    struct PaddingFixture: Decodable {
        struct Case: Decodable {
            var maxlen: Int?
            var padding: String
            var truncating: String
            var value: Int32
            var output: [[Int32]]
        }
        var sequences: [[Int32]]
        var cases: [Case]
    }

    @Test func paddingMatchesKerasPadSequences() throws {
        let fixture = try Self.load("padding", as: PaddingFixture.self)
        #expect(fixture.cases.count == 32)
        for c in fixture.cases {
            let padding = try Padding(length: c.maxlen, padding: Padding.Side(rawValue: c.padding)!,
                                      truncating: Padding.Side(rawValue: c.truncating)!, value: c.value)
            let matrix = padding(fixture.sequences)
            let rows = (0..<matrix.rows).map { Array(matrix[row: $0]) }
            #expect(rows == c.output, "maxlen \(String(describing: c.maxlen)) \(c.padding)/\(c.truncating) value \(c.value)")
        }
    }

    // MARK: Model

    struct ModelFixture: Decodable {
        struct Shapes: Decodable { var outputs: Int }
        var shapes: Shapes
        var class_weight: [Float]?
        var weights: [String: FlexibleArray]
        var x: [[Int32]]
        var y: [Float]
        var probabilities: [Float]
        var loss: Float
        var gradients: [String: FlexibleArray]
        var after_adam_steps: [String: [String: FlexibleArray]]
    }

    /// A 1-, 2- or 3-D JSON array of numbers, flattened row-major.
    struct FlexibleArray: Decodable {
        var values: [Float]
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let flat = try? c.decode([Float].self) {
                values = flat
            } else if let matrix = try? c.decode([[Float]].self) {
                values = matrix.flatMap { $0 }
            } else {
                values = try c.decode([[[Float]]].self).flatMap { $0.flatMap { $0 } }
            }
        }
    }

    static func model(from weights: [String: FlexibleArray], head: ClassificationHead.Kind = .binary,
                      outputs: Int = 1, encoder: SequenceEncoder.Kind = .lstm) -> SequenceClassifier {
        var model = SequenceClassifier(inputDim: 9, embeddingDim: 5, units: 4, encoder: encoder, head: head,
                                       classes: head == .binary ? 2 : outputs)
        for entry in model.parameterPaths {
            let shape = model[keyPath: entry.path].shape
            model[keyPath: entry.path] = Tensor(shape: shape, scalars: weights[entry.name]!.values)
        }
        return model
    }

    func expectClose(_ ours: [Float], _ keras: [Float], _ what: String, worst: inout Float,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours.count == keras.count, "\(what): size", sourceLocation: sourceLocation)
        for (a, b) in zip(ours, keras) {
            let difference = abs(a - b)
            worst = max(worst, difference / max(abs(b), 1e-2))
            #expect(difference <= max(1e-5 * max(abs(a), abs(b)), 1e-7), "\(what): \(a) vs Keras \(b)",
                    sourceLocation: sourceLocation)
        }
    }

    /// Each head against its fixture: Dense(1, sigmoid) + binary cross-entropy; Dense(3,
    /// softmax) + sparse categorical cross-entropy with class weights (Keras's
    /// `class_weight`); Dense(3, sigmoid) + binary cross-entropy averaged over the outputs.
    /// Then each other encoder (the layers' general path) with one of the heads: GRU,
    /// Bidirectional LSTM and GRU, Conv1D + global max pooling, and the bag (masked global
    /// average pooling; a row repeats tokens, so Keras's per-position squares matter).
    @Test(arguments: [("model", ClassificationHead.Kind.binary, SequenceEncoder.Kind.lstm),
                      ("model-multiclass", .multiClass, .lstm), ("model-multilabel", .multiLabel, .lstm),
                      ("model-gru", .binary, .gru), ("model-bilstm", .multiClass, .bilstm),
                      ("model-bigru", .multiLabel, .bigru), ("model-cnn", .multiClass, .cnn),
                      ("model-bag", .binary, .bag)])
    func forwardLossGradientsAndAdamMatchKeras(fixtureName: String, head: ClassificationHead.Kind,
                                               encoder: SequenceEncoder.Kind) throws {
        let fixture = try Self.load(fixtureName, as: ModelFixture.self)
        var model = Self.model(from: fixture.weights, head: head, outputs: fixture.shapes.outputs, encoder: encoder)
        let x = IndexMatrix(rows: fixture.x.count, columns: fixture.x[0].count, storage: fixture.x.flatMap { $0 })
        var worst: Float = 0

        expectClose(try model.predict(x), fixture.probabilities, "probabilities", worst: &worst)
        // Through the pass fit uses for this encoder (its fast path, if it has one).
        let pass = model.makeTrainingPass(batchSize: x.rows, steps: x.columns)
        let result = try model.denseGradients(x, labels: fixture.y, classWeights: fixture.class_weight, pass: pass)
        expectClose([result.loss], [fixture.loss], "loss", worst: &worst)
        for entry in model.parameterPaths {
            expectClose(result.gradients[entry.name]!.scalars, fixture.gradients[entry.name]!.values,
                        "gradient of \(entry.name)", worst: &worst)
        }

        // Three Adam steps as train_on_batch takes them: gradients recomputed every step.
        var adam = Adam()
        for step in 1...3 {
            let result = try model.denseGradients(x, labels: fixture.y, classWeights: fixture.class_weight, pass: pass)
            adam.update(&model, along: result.gradients, squaredGradients: ["embedding/embeddings": result.embeddingSquares])
            if let expected = fixture.after_adam_steps[String(step)] {
                for entry in model.parameterPaths {
                    expectClose(model[keyPath: entry.path].scalars, expected[entry.name]!.values,
                                "\(entry.name) after \(step) Adam step(s)", worst: &worst)
                }
            }
        }
        #expect(worst < 1e-5)
    }
}
