import ArgumentParser
import Foundation
import TextClassification

/// The classifier `textclf fit` trains: a fresh one of the options and the presets, or the
/// `--from` model to train further.
extension TextClf.Fit {
    /// A fresh classifier for `labels`, with the pretrained vectors to start from and the
    /// learning rate (`nil`: the preset's).
    func newClassifier(labels: LabelSet) throws -> (TextClassifier, TextClassifier.PretrainedEmbeddings?, Float?) {
        let options = architecture
        let pretrained = options.embeddings.map {
            TextClassifier.PretrainedEmbeddings(file: URL(fileURLWithPath: $0), trainable: !options.freezeEmbeddings)
        }
        let vectorDimension = try pretrained.map { try WordVectors.header(ofFileAt: $0.file).dimension }
        if let vectorDimension, let embeddingDim = options.embeddingDim, embeddingDim != vectorDimension {
            throw TextClassificationError.invalidArgument(
                name: "--embedding-dim", value: String(embeddingDim),
                expected: "the \(vectorDimension) of the vectors in \(options.embeddings!) (or leave it out)")
        }
        // Word vectors want word tokens: with --embeddings the default is a recurrent encoder.
        let encoder = options.encoder ?? Preset.encoder(for: labels.head, pretrainedEmbeddings: options.embeddings != nil)
        let preset = Preset(encoder: encoder, head: labels.head)
        let numWords = options.numWords ?? preset.numWords ?? 0
        // --buckets alone keeps fastText's meaning (every n-gram hashed); with a limit they are the rare tokens'.
        let tokenLimit = options.tokenLimit ?? (options.buckets != 0 ? 0 : preset.tokenLimit ?? 0)
        let learningRate = training.learningRate ?? preset.learningRate(for: training.optimizer ?? preset.optimizer)
        let configuration = TextClassifier.Configuration(
            normalization: text.normalization, toSimplified: text.toSimplified,
            locale: locale, lowercased: lowercase, unit: tokens?.unit ?? preset.unit,
            numWords: numWords == 0 ? nil : numWords, maxLength: options.maxLength ?? preset.maxLength,
            embeddingDim: options.embeddingDim ?? vectorDimension ?? 64, units: options.units, encoder: encoder,
            dropout: options.dropout, embeddingDropout: options.embeddingDropout ?? preset.embeddingDropout,
            recurrentDropout: options.recurrentDropout, buckets: options.buckets == 0 ? nil : options.buckets,
            tokenLimit: tokenLimit == 0 || numWords != 0 ? nil : tokenLimit)
        let dictionary = try loadDictionaries(text.userDictionaries)
        let classifier = try TextClassifier(configuration: configuration, labels: labels, dictionary: dictionary)
        return (classifier, pretrained, learningRate)
    }

    /// The `--from` model, after refusing the options that would change it.
    func continued(_ classifier: TextClassifier) throws -> (TextClassifier, TextClassifier.PretrainedEmbeddings?, Float?) {
        let options = architecture
        let modelOptions: [(String, Bool)] = [
            ("--encoder", options.encoder != nil), ("--tokens", tokens != nil), ("--num-words", options.numWords != nil),
            ("--max-length", options.maxLength != nil), ("--embedding-dim", options.embeddingDim != nil),
            ("--embeddings", options.embeddings != nil), ("--embedding-dropout", options.embeddingDropout != nil),
            ("--buckets", options.buckets != 0), ("--token-limit", options.tokenLimit != nil),
            ("--user-dict", !text.userDictionaries.isEmpty),
        ]
        if let given = modelOptions.first(where: \.1)?.0 {
            throw ValidationError("\(given) is set by the --from model (\(from!)); leave it out to keep training it")
        }
        return (classifier, nil, training.learningRate)
    }

    /// With --allow-new-labels, adds the labels of `files` the --from model lacks; without,
    /// refuses the first row holding one, by file and line.
    func addNewLabels(to classifier: inout TextClassifier, from files: [LabelledCSV]) throws {
        let known = Set(classifier.labelNames), separator = classifier.labels.separator
        var found: [String] = [], first: [String: (file: String, line: Int)] = [:]
        for file in files {
            for (cell, line) in zip(file.labels, file.lines) {
                let names = classifier.labels.head == .multiLabel
                    ? cell.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    : [cell]
                for name in names where !known.contains(name) && first[name] == nil {
                    first[name] = (file.source, line)
                    found.append(name)
                }
            }
        }
        guard let name = found.first else { return }
        guard allowNewLabels else {
            throw TextClassificationError.malformedData(
                file: first[name]!.file, line: first[name]!.line,
                reason: "label \"\(name)\" is not one of the --from model's \(known.count) labels; --allow-new-labels adds it")
        }
        // In the order LabelSet gives labels: numbers numerically, names alphabetically.
        let numeric = found.allSatisfy { Double($0) != nil }
        let added = found.sorted { numeric ? Double($0)! < Double($1)! : $0 < $1 }
        let head = classifier.labels.head
        try classifier.addLabels(added)
        printError("Added \(added.count) label\(added.count == 1 ? "" : "s") to the model: " + added.joined(separator: ", ")
                   + (head == .binary ? " (the binary model is now multi-class)" : ""))
    }
}
