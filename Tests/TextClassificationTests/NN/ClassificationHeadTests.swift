import Foundation
import Testing
@testable import TextClassification

/// The heads' decision rules and probabilities, each written once in ClassificationHead.
@Suite struct ClassificationHeadTests {
    func head(_ kind: ClassificationHead.Kind, _ classes: Int) -> ClassificationHead {
        var random = RandomGenerator(seed: 1)
        return ClassificationHead(kind: kind, inputDim: 4, classes: classes, using: &random)
    }

    @Test func decisions() {
        #expect(head(.binary, 2).decide([0.5]) == [0], "binary: strictly above the threshold, as Keras")
        #expect(head(.binary, 2).decide([0.51]) == [1])
        #expect(head(.binary, 2).decide([0.3], threshold: 0.2) == [1])
        #expect(head(.multiClass, 3).decide([0.2, 0.5, 0.3]) == [1])
        #expect(head(.multiClass, 3).decide([0.4, 0.2, 0.4]) == [0], "ties: the first, as argmax")
        #expect(head(.multiLabel, 3).decide([0.5, 0.2, 0.9]) == [0, 2], "multi-label: at or above")
        #expect(head(.multiLabel, 3).decide([0.1, 0.2, 0.3]) == [], "possibly none")
    }

    @Test func probabilitiesFromLogits() {
        var softmax: [Float] = [1, 2, 3,   0, 0, 0]
        head(.multiClass, 3).probabilities(fromLogits: &softmax)
        #expect(abs(softmax[2] - Float(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)))) < 1e-6)
        #expect(softmax[3...].allSatisfy { abs($0 - 1 / 3) < 1e-6 })
        var sigmoid: [Float] = [0, 2]
        head(.multiLabel, 2).probabilities(fromLogits: &sigmoid)
        #expect(sigmoid[0] == 0.5 && abs(sigmoid[1] - Float(1 / (1 + exp(-2.0)))) < 1e-6)
        #expect(head(.binary, 2).classProbabilities([0.75]) == [0.25, 0.75])
    }

    @Test func sparseCategoricalCrossEntropyIsStable() {
        // Huge logits: the shifted form stays finite and exact.
        let z: [Float] = [1000, 0, -1000]
        let loss = z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 3, label: 1) }
        #expect(abs(loss - 1000) < 1e-3)
        let right = z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 3, label: 0) }
        #expect(right == 0)
    }
}
