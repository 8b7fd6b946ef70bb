import Foundation

/// A fitted ``TextClassifier`` on disk: a directory with
/// - `config.json`: format version, every pipeline setting, label names, the head (binary,
///   multi-class or multi-label), class weights, training history;
/// - `vocabulary.json`: Keras `Tokenizer.to_json()` layout (``Vocabulary/kerasJSON()``);
/// - `model.safetensors`: the weights with Keras's names and shapes;
/// - `history.csv`: the training epochs, when the model was trained here.
///
/// Written into a temporary sibling directory and renamed into place, so an interrupted
/// save never leaves a half-written model under the target name.
extension TextClassifier {
    /// The model-directory format this build writes and the newest it reads. Version 2 added
    /// `head`, `labelSeparator` and `classWeights` (a version 1 directory is a binary model);
    /// version 3 the normalisation settings (`normalization`, `toSimplified`; absent: none);
    /// version 4 encoders other than the LSTM (`encoder`: `gru`, `bilstm`, `bigru`). LSTM
    /// models are still written as version 3, so older textclf builds keep reading them.
    /// Version 5: n-grams hashed into buckets (`buckets`); only such models are written as 5.
    public static let formatVersion = 5

    static let configFile = "config.json"
    static let vocabularyFile = "vocabulary.json"
    static let weightsFile = "model.safetensors"
    static let historyFile = "history.csv"
    static let dictionaryFile = "user-dictionary.txt"

    /// Where the user dictionary is kept, and its size (for people reading config.json).
    struct StoredDictionary: Codable {
        var file: String
        var words: Int
    }

    struct StoredConfig: Codable {
        var format = "textclf-model"
        var formatVersion: Int
        var configuration: Configuration
        var labels: [String]
        /// Absent in version 1: binary.
        var head: ClassificationHead.Kind?
        /// Multi-label: what joins a text's labels.
        var labelSeparator: String?
        /// The class weights of training, by label name.
        var classWeights: [String: Float]?
        /// Format 3: the user dictionary the tokenizer merges with, if any.
        var userDictionary: StoredDictionary?
        var inputDim: Int
        var training: History?
        /// Format 5, quantized models: how (the scales are in the weights file).
        var quantization: Quantization?
        /// Format 5, quantized models: the vocabulary as a word list (one per line, index
        /// order from 1) in this file instead of vocabulary.json.
        var wordList: String?
    }

    static let wordListFile = "vocabulary.txt"
    /// The per-row scales of a quantized embedding, beside its I8 integers.
    static let scalesTensor = "embedding/embeddings_scale"

    /// Saves the fitted pipeline to `directory`, replacing what was there.
    public func save(to directory: URL) throws {
        let model = try trainedModel()
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        Self.recoverInterruptedSave(of: directory)
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).partial-\(UUID().uuidString)")
        func write(_ data: Data, _ name: String) throws {
            let url = temporary.appendingPathComponent(name)
            do { try data.write(to: url) } catch {
                throw TextClassificationError.cannotWrite(file: url.path, reason: error.localizedDescription)
            }
        }
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw TextClassificationError.cannotWrite(file: directory.path, reason: error.localizedDescription)
        }
        do {
            let config = StoredConfig(
                formatVersion: configuration.buckets != nil || quantization != nil ? 5 : configuration.encoder == .lstm ? 3 : 4,
                configuration: configuration, labels: labelNames, head: labels.head,
                labelSeparator: labels.head == .multiLabel ? labels.separator : nil,
                classWeights: classWeights.map { Dictionary(uniqueKeysWithValues: zip(labelNames, $0)) },
                userDictionary: tokenizer.dictionary.map { StoredDictionary(file: Self.dictionaryFile, words: $0.words.count) },
                inputDim: model.encoder.embedding.inputDim, training: history, quantization: quantization,
                wordList: quantization == nil ? nil : Self.wordListFile)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try write(encoder.encode(config), Self.configFile)
            if let quantization {
                if let word = vocabulary.indexWord.first(where: { $0.contains("\n") || $0.contains("\r") }) {
                    throw TextClassificationError.invalidArgument(
                        name: "vocabulary", value: "\"\(word)\"", expected: "words without line breaks in a quantized model's word list")
                }
                try write(Data(vocabulary.indexWord.dropFirst().joined(separator: "\n").utf8), Self.wordListFile)
                // The integers, and each row's scale beside them.
                var parameters = model.namedParameters
                let width = model.encoder.embedding.outputDim
                if let k = parameters.firstIndex(where: { $0.name == "embedding/embeddings" }) {
                    var integers = parameters[k].tensor
                    for (row, scale) in quantization.scales.enumerated() where scale > 0 {
                        for j in row * width ..< (row + 1) * width { integers.scalars[j] = (integers.scalars[j] / scale).rounded() }
                    }
                    parameters[k].tensor = integers
                }
                parameters.append((Self.scalesTensor, Tensor(shape: [quantization.scales.count], scalars: quantization.scales)))
                try write(SafeTensors.encode(parameters, metadata: ["format": "pt", "producer": "textclf"],
                                             int8: ["embedding/embeddings"]), Self.weightsFile)
            } else {
                try write(vocabulary.keepingEncodedWords().kerasJSON(), Self.vocabularyFile)
                try write(SafeTensors.encode(model.namedParameters, metadata: ["format": "pt", "producer": "textclf"]),
                          Self.weightsFile)
            }
            if let history { try write(Data(history.csv.utf8), Self.historyFile) }
            if let dictionary = tokenizer.dictionary { try write(Data(dictionary.text.utf8), Self.dictionaryFile) }
            // Swap into place: the old model (if any) is moved aside first, removed last.
            let aside = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(UUID().uuidString)")
            let replacing = fileManager.fileExists(atPath: directory.path)
            if replacing { try fileManager.moveItem(at: directory, to: aside) }
            do { try fileManager.moveItem(at: temporary, to: directory) } catch {
                if replacing { try? fileManager.moveItem(at: aside, to: directory) }
                throw error
            }
            if replacing { try? fileManager.removeItem(at: aside) }
        } catch {
            try? fileManager.removeItem(at: temporary)
            if let error = error as? TextClassificationError { throw error }
            throw TextClassificationError.cannotWrite(file: directory.path, reason: error.localizedDescription)
        }
    }

    /// Tidies up after a save that was killed: removes half-written `.NAME.partial-*`
    /// directories, and if the model itself is missing but was moved aside (killed between
    /// the two renames of the swap), moves it back.
    static func recoverInterruptedSave(of directory: URL) {
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let name = directory.lastPathComponent
        guard let siblings = try? fileManager.contentsOfDirectory(atPath: parent.path) else { return }
        for sibling in siblings where sibling.hasPrefix(".\(name).partial-") {
            try? fileManager.removeItem(at: parent.appendingPathComponent(sibling))
        }
        let aside = siblings.filter { $0.hasPrefix(".\(name).old-") }
        if !fileManager.fileExists(atPath: directory.path), let previous = aside.first {
            try? fileManager.moveItem(at: parent.appendingPathComponent(previous), to: directory)
        } else {
            for sibling in aside { try? fileManager.removeItem(at: parent.appendingPathComponent(sibling)) }
        }
    }

    /// Loads a model directory written by ``save(to:)``, checking its format
    /// version and every weight's name and shape.
    public init(contentsOf directory: URL) throws {
        let path = directory.path
        func read(_ name: String) throws -> Data {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw TextClassificationError.invalidModel(
                    path: path, reason: "\(name) is missing; save the model again with textclf fit")
            }
            return try ByteInput.readAll(url)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TextClassificationError.cannotRead(file: path, reason: "no such model directory")
        }
        let stored: StoredConfig
        do { stored = try JSONDecoder().decode(StoredConfig.self, from: read(Self.configFile)) } catch let error as TextClassificationError {
            throw error
        } catch {
            throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile, reason: "unreadable config (\(error))")
        }
        guard stored.formatVersion <= Self.formatVersion else {
            throw TextClassificationError.invalidModel(
                path: path, reason: "format version \(stored.formatVersion) is newer than this textclf reads (\(Self.formatVersion)); upgrade textclf")
        }
        let head = stored.head ?? .binary
        let dictionary = try stored.userDictionary.map { record -> UserDictionary in
            guard record.file == Self.dictionaryFile, FileManager.default.fileExists(atPath: path + "/" + record.file) else {
                throw TextClassificationError.invalidModel(
                    path: path, reason: "\(Self.dictionaryFile), named in config.json, is missing; save the model again with textclf fit")
            }
            return try UserDictionary(contentsOf: directory.appendingPathComponent(record.file))
        }
        do {
            try self.init(configuration: stored.configuration,
                          labels: LabelSet(names: stored.labels, head: head, separator: stored.labelSeparator ?? "|"),
                          dictionary: dictionary)
        } catch let error as TextClassificationError {
            throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                       reason: error.errorDescription ?? "\(error)")
        }
        if let weights = stored.classWeights {
            classWeights = try stored.labels.map { name in
                guard let weight = weights[name] else {
                    throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                               reason: "classWeights has no weight for label \"\(name)\"")
                }
                return weight
            }
        }
        if let wordList = stored.wordList {
            guard wordList == Self.wordListFile else {
                throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                           reason: "wordList names \(wordList), not \(Self.wordListFile)")
            }
            let text = String(decoding: try read(wordList), as: UTF8.self)
            let words = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            vocabulary = Vocabulary(rankedWords: words, oovToken: stored.configuration.oovToken)
            guard vocabulary.wordIndex.count == words.count else {
                throw TextClassificationError.invalidModel(path: path + "/" + wordList, reason: "a word is listed twice")
            }
        } else {
            vocabulary = try Vocabulary(kerasJSON: read(Self.vocabularyFile), source: path + "/" + Self.vocabularyFile)
        }
        let weightsPath = path + "/" + Self.weightsFile
        let tensors = try SafeTensors.decode(read(Self.weightsFile), source: weightsPath)
        let c = stored.configuration
        let expected = SequenceClassifier.parameterShapes(encoder: c.encoder, inputDim: stored.inputDim, embeddingDim: c.embeddingDim,
                                                          units: c.units, head: head, classes: stored.labels.count)
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let tensor = tensors[name] else {
                throw TextClassificationError.invalidModel(path: weightsPath, reason: "weight '\(name)' is missing")
            }
            guard tensor.shape == shape else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "weight '\(name)' has shape \(tensor.shape), config.json implies \(shape)")
            }
        }
        if let buckets = c.buckets, wordRows + buckets != stored.inputDim {
            throw TextClassificationError.invalidModel(
                path: path, reason: "\(wordRows) word rows and \(buckets) n-gram buckets, but the embedding has \(stored.inputDim) rows")
        }
        guard vocabulary.indexCount <= stored.inputDim else {
            throw TextClassificationError.invalidModel(
                path: path, reason: "the vocabulary encodes \(vocabulary.indexCount) indices but the embedding has \(stored.inputDim) rows")
        }
        var model = SequenceClassifier(inputDim: 1, embeddingDim: 1, units: 1, encoder: c.encoder, head: head,
                                       classes: stored.labels.count)
        // Shapes checked above; every weight is set by name.
        for entry in model.parameterPaths { model[keyPath: entry.path] = tensors[entry.name]! }
        if var quantization = stored.quantization {
            guard quantization.bits == 8, let scales = tensors[Self.scalesTensor], scales.shape == [stored.inputDim],
                  scales.scalars.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "a quantized model needs 8 bits and \(Self.scalesTensor) of \(stored.inputDim) finite scales ≥ 0")
            }
            let width = c.embeddingDim
            for (row, scale) in scales.scalars.enumerated() {
                for j in row * width ..< (row + 1) * width { model.encoder.embedding.embeddings.scalars[j] *= scale }
            }
            quantization.scales = scales.scalars
            self.quantization = quantization
        }
        self.model = model
        history = stored.training
    }
}
