import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure training and prediction speed on random sequences.",
            discussion: """
            The seed example's shapes by default: vocabulary 1000, length 100, embedding 64,
            LSTM 64. Build in release for the target CPU for meaningful numbers.

            Example:
              swift build -c release -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DTEXTCLF_FMA
              .build/release/textclf bench --batch-size 32
            """)

        @Option(help: "Rows per training step.") var batchSize = 32
        @Option(help: "Random training rows per epoch.") var samples = 4096
        @Option(help: "Epochs to time (after one warm-up epoch).") var epochs = 2
        @Option(help: "Vocabulary size.") var inputDim = 1000
        @Option(help: "Sequence length.") var length = 100
        @Option(help: "Embedding vector length.") var embeddingDim = 64
        @Option(help: "LSTM units.") var units = 64

        func run() throws {
            try reportingErrors {
                var random = RandomGenerator(seed: 1)
                let indices = IndexMatrix(rows: samples, columns: length,
                                          storage: (0..<samples * length).map { _ in Int32(random.nextInt(below: inputDim)) })
                let labels = (0..<samples).map { _ in Float(random.nextInt(below: 2)) }
                var model = SequenceClassifier(inputDim: inputDim, embeddingDim: embeddingDim, units: units, seed: 1)
                try model.fit(indices, labels: labels, epochs: 1, batchSize: batchSize)  // warm-up
                let start = Date()
                try model.fit(indices, labels: labels, epochs: epochs, batchSize: batchSize)
                let trainingRate = Double(samples * epochs) / Date().timeIntervalSince(start)
                let predictStart = Date()
                _ = try model.predict(indices)
                let predictionRate = Double(samples) / Date().timeIntervalSince(predictStart)
                print(String(format: "training, batch %d: %.0f samples/s", batchSize, trainingRate))
                print(String(format: "prediction (model only): %.0f samples/s", predictionRate))
            }
        }
    }
}
