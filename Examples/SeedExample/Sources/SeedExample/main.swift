import Foundation
import TextClassification

// The Keras example textclf started from, through the library as a dependency.
let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。"]
var classifier = try TextClassifier(configuration: .init(numWords: 1000, maxLength: 100))
let history = try classifier.fit(texts: texts, labels: [0, 1, 0], epochs: 10, seed: 1)
print("kernel path: \(KernelPath.active) (available: \(KernelPath.available.joined(separator: ", ")))")
print(String(format: "loss %.4f after %d epochs", history.epochs.last!.loss, history.epochs.count))
for prediction in try classifier.predict(texts: texts) {
    print(prediction.label, String(format: "%.4f", prediction.probability))
}
