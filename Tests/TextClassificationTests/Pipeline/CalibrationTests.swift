import Foundation
import Testing
@testable import TextClassification

/// Temperature scaling: a model whose logits are too large (overconfident) gets T > 1, one
/// whose logits are too small T < 1; decisions never change, and the temperature is saved.
@Suite struct CalibrationTests {
    /// Rows whose label is drawn from σ(z) (binary) or softmax(z) (multi-class), then the
    /// logits multiplied by `scale`: the right temperature is `scale`.
    func rows(binary: Bool, scale: Float, count: Int = 4000) -> (logits: [Float], labels: [Int]) {
        var random = RandomGenerator(seed: 7)
        var logits: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            if binary {
                let z = uniform(&random, -4, 4)
                labels.append(uniform(&random, 0, 1) < VectorMath.sigmoid(z) ? 1 : 0)
                logits.append(z * scale)
            } else {
                let z = (0..<3).map { _ in uniform(&random, -3, 3) }
                let e = z.map { exp($0) }, total = e.reduce(0, +)
                let u = uniform(&random, 0, 1) * total
                labels.append(u < e[0] ? 0 : u < e[0] + e[1] ? 1 : 2)
                logits += z.map { $0 * scale }
            }
        }
        return (logits, labels)
    }

    func uniform(_ random: inout RandomGenerator, _ low: Float, _ high: Float) -> Float {
        low + (high - low) * random.nextUnitFloat()
    }

    func head(_ kind: ClassificationHead.Kind) -> ClassificationHead {
        var random = RandomGenerator(seed: 1)
        return ClassificationHead(kind: kind, inputDim: 2, classes: kind == .binary ? 2 : 3, using: &random)
    }

    @Test func theFittedTemperatureUndoesAScaleOfTheLogits() {
        for (kind, scale) in [(ClassificationHead.Kind.binary, Float(3)), (.binary, 0.5), (.multiClass, 2.5), (.multiClass, 0.6)] {
            let data = rows(binary: kind == .binary, scale: scale)
            let t = head(kind).fittedTemperature(logits: data.logits, labels: data.labels)
            #expect(abs(t - scale) / scale < 0.12, "\(kind), logits ×\(scale): T = \(t)")
        }
    }

    @Test func theExpectedCalibrationErrorWeighsEachBinByItsRows() {
        // Bin 0.9: two rows, one right → gap 0.4; bin 0.2: one row, wrong → gap 0.2.
        let ece = ExpectedCalibrationError.of(scores: [0.9, 0.9, 0.2], outcomes: [true, false, false])
        #expect(abs(ece - (0.4 * 2 + 0.2) / 3) < 1e-12)
        #expect(ExpectedCalibrationError.of(scores: [0.25, 0.25, 0.25, 0.25], outcomes: [true, false, false, false]) == 0)
    }

    @Test func calibratingKeepsDecisionsLowersTheErrorAndIsSavedAsFormat6() throws {
        let texts = ["质量很好", "太差了", "物流很快", "不会再买", "非常满意", "包装破损", "很好用", "很失望"]
        let labels = [1, 0, 1, 0, 1, 0, 1, 0]
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 20, embeddingDim: 8, encoder: .bag))
        try classifier.fit(texts: texts, labels: labels, epochs: 30, learningRate: 0.05)
        let before = try classifier.predict(texts: texts)
        let calibration = try classifier.calibrate(texts: texts, labels: labels)
        let after = try classifier.predict(texts: texts)
        #expect(before.map(\.labelIndices) == after.map(\.labelIndices), "decisions unchanged")
        #expect(calibration.logLossAfter <= calibration.logLossBefore)
        #expect(calibration.temperature != 1)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("calibrated-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.origin?.formatVersion == 6, "older builds would print uncalibrated probabilities: refused")
        #expect(loaded.model?.head.temperature == calibration.temperature)
        #expect(try loaded.predict(texts: texts) == after)
        guard case let .binary(report) = try loaded.report(texts: texts, labels: labels) else { Issue.record("binary"); return }
        #expect(abs(report.expectedCalibrationError - calibration.calibrationErrorAfter) < 1e-9)
    }

    @Test func multiLabelModelsAreNotCalibratedByTemperature() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 6), labelNames: ["a", "b"], head: .multiLabel)
        try classifier.fit(texts: ["x y", "y z"], labels: [[0], [1]], epochs: 1)
        #expect(throws: TextClassificationError.self) { try classifier.calibrate(texts: ["x"], labels: [0]) }
    }
}
