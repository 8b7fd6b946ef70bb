import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Measure training, prediction or tokenizer speed (used by Scripts/bench.sh).",
            discussion: """
            Training and prediction run on random sequences at the seed example's \
            shapes by default (vocabulary 1000, length 100, embedding 64, LSTM 64); \
            the tokenizer runs on the texts of a CSV file. Prints one JSON object. \
            Build in release for meaningful numbers; the JSON names the kernel path in use \
            (TEXTCLF_KERNEL=generic|avx2|avx512 forces one).

            Example:
              swift build -c release
              .build/release/textclf bench train --batch-size 32
              .build/release/textclf bench train --batch-size 32 --classes 10
              .build/release/textclf bench tokenize Data/reviews-train.csv
            """)

        enum Measurement: String, ExpressibleByArgument, CaseIterable {
            case train, predict, tokenize
        }

        @Argument(help: "What to measure: train, predict or tokenize.") var measurement: Measurement = .train
        @Argument(help: "For tokenize: a CSV file with a text column.") var file: String?
        @Option(help: "Rows per training step, or per prediction call.") var batchSize: Int?
        @Option(help: "Random rows per epoch.") var samples = 8192
        @Option(help: "Epochs (or passes) timed one by one after a warm-up; the median is reported (this machine's speed varies run to run).") var repeats = 5
        @Option(help: "Vocabulary size.") var inputDim = 1000
        @Option(help: "Sequence length.") var length = 100
        @Option(help: "Embedding vector length.") var embeddingDim = 64
        @Option(help: "Recurrent units.") var units = 64
        @Option(help: "The recurrent layer: lstm, gru, bilstm or bigru.") var encoder = SequenceEncoder.Kind.lstm
        @Option(help: "Classes of the model: 2 is binary (sigmoid), more is multi-class (softmax).") var classes = 2
        @Flag(help: "A multi-label head (--classes sigmoid outputs) instead.") var multiLabel = false

        func validate() throws {
            guard classes >= 2 || (multiLabel && classes >= 1) else { throw ValidationError("--classes must be at least 2") }
            for (name, value, minimum) in [("--samples", samples, 1), ("--repeats", repeats, 1), ("--input-dim", inputDim, 2),
                                           ("--length", length, 1), ("--embedding-dim", embeddingDim, 1), ("--units", units, 1)]
                where value < minimum {
                throw ValidationError("\(name) must be at least \(minimum)")
            }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        }

        private var head: ClassificationHead.Kind { multiLabel ? .multiLabel : classes == 2 ? .binary : .multiClass }

        func run() throws {
            try reportingErrors {
                let result: [String: Double]
                switch measurement {
                case .train: result = try train()
                case .predict: result = try predict()
                case .tokenize: result = try tokenize()
                }
                var output: [String: Any] = result
                output["kernel"] = KernelPath.active
                let json = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys])
                try writeStandardOutput(String(decoding: json, as: UTF8.self) + "\n")
            }
        }

        /// Random sequences and targets for the head (class indices, or 0/1 per label).
        private func randomData() -> (IndexMatrix, [Float]) {
            var random = RandomGenerator(seed: 1)
            let indices = IndexMatrix(rows: samples, columns: length,
                                      storage: (0..<samples * length).map { _ in Int32(random.nextInt(below: inputDim)) })
            let targets = head == .multiLabel ? samples * classes : samples
            let range = head == .multiClass ? classes : 2
            return (indices, (0..<targets).map { _ in Float(random.nextInt(below: range)) })
        }

        private func model() -> SequenceClassifier {
            SequenceClassifier(inputDim: inputDim, embeddingDim: embeddingDim, units: units, encoder: encoder, head: head,
                               classes: classes, seed: 1)
        }

        private func train() throws -> [String: Double] {
            let (indices, labels) = randomData()
            let batch = batchSize ?? 32
            var model = model(), adam = Adam()
            try model.fit(indices, labels: labels, epochs: 1, batchSize: batch, optimizer: &adam)  // warm-up
            let seconds = try median((0..<repeats).map { _ in
                let start = Date()
                try model.fit(indices, labels: labels, epochs: 1, batchSize: batch, optimizer: &adam)
                return Date().timeIntervalSince(start)
            })
            return ["batch_size": Double(batch), "classes": Double(classes), "samples_per_second": Double(samples) / seconds,
                    "seconds": seconds]
        }

        private func predict() throws -> [String: Double] {
            let (indices, _) = randomData()
            let batch = batchSize ?? 256
            let model = model()
            func pass() throws {
                for start in stride(from: 0, to: indices.rows, by: batch) {
                    _ = try model.predict(indices.rows(start..<min(indices.rows, start + batch)))
                }
            }
            try pass()  // warm-up
            let seconds = try median((0..<repeats).map { _ in
                let start = Date()
                try pass()
                return Date().timeIntervalSince(start)
            })
            return ["batch_size": Double(batch), "classes": Double(classes), "samples_per_second": Double(samples) / seconds,
                    "seconds": seconds]
        }

        private func median(_ values: [Double]) -> Double {
            values.sorted()[values.count / 2]
        }

        private func tokenize() throws -> [String: Double] {
            guard let file else { throw ValidationError("bench tokenize needs a CSV file with a text column") }
            let texts = try LabelledCSV(url: URL(fileURLWithPath: file), labelColumn: nil).texts
            let bytes = texts.reduce(0) { $0 + $1.utf8.count }
            let tokenizer = try ICUTokenizer()
            var tokens = 0
            for text in texts { tokens += tokenizer.tokens(in: text).count }  // warm-up
            var start = Date()
            for _ in 0..<repeats { for text in texts { tokens += tokenizer.tokens(in: text).count } }
            let oneThread = Double(bytes * repeats) / Date().timeIntervalSince(start) / 1e6
            // The same with the normalisation stage in front: NFKC, and NFKC + Traditional → Simplified.
            func normalizedRate(_ normalizer: TextNormalizer) -> Double {
                for text in texts { tokens += tokenizer.tokens(in: normalizer(text)).count }  // warm-up (builds tables)
                let start = Date()
                for _ in 0..<repeats { for text in texts { tokens += tokenizer.tokens(in: normalizer(text)).count } }
                return Double(bytes * repeats) / Date().timeIntervalSince(start) / 1e6
            }
            let nfkc = normalizedRate(TextNormalizer(form: .nfkc))
            let simplified = normalizedRate(TextNormalizer(form: .nfkc, toSimplified: true))
            // All cores, as predict uses them.
            let classifier = try TextClassifier(configuration: .init(normalization: .none))
            start = Date()
            for _ in 0..<repeats { _ = classifier.tokenize(texts) }
            let allThreads = Double(bytes * repeats) / Date().timeIntervalSince(start) / 1e6
            return ["megabytes_per_second_1_thread": oneThread, "megabytes_per_second_all_threads": allThreads,
                    "megabytes_per_second_1_thread_nfkc": nfkc, "megabytes_per_second_1_thread_nfkc_simplified": simplified,
                    "texts": Double(texts.count), "megabytes": Double(bytes) / 1e6]
        }
    }
}
