import Foundation

/// A fitted ``TextClassifier`` on disk: a directory with
/// - `config.json`: format version, every pipeline setting, label names, the head (binary,
///   multi-class or multi-label), class weights, training history;
/// - `vocabulary.json`: Keras `Tokenizer.to_json()` layout (``Vocabulary/kerasJSON()``);
/// - `model.safetensors`: the weights with Keras's names and shapes;
/// - `history.csv`: the training epochs, when the model was trained here.
///
/// Written into a temporary sibling directory and swapped into place in one step, so an
/// interrupted save never leaves a half-written model under the target name and a reader sees
/// one model, old or new; a load reads every file through one open handle of the directory
/// and checks them against the sizes and hashes config.json records (docs/reliability.md).
extension TextClassifier {
    /// The model-directory format this build writes and the newest it reads. Version 2 added
    /// `head`, `labelSeparator` and `classWeights` (a version 1 directory is a binary model);
    /// version 3 the normalisation settings (`normalization`, `toSimplified`; absent: none);
    /// version 4 encoders other than the LSTM (`encoder`: `gru`, `bilstm`, `bigru`). LSTM
    /// models are still written as version 3, so older textclf builds keep reading them.
    /// Version 5: n-grams hashed into buckets (`buckets`), quantized models, and the n-gram
    /// token units (`ngrams`, `ngrams3`, `wordchar`), which came after version 4 without a
    /// bump. Version 6: a calibrated head (`temperature`), which older builds would ignore and
    /// so print uncalibrated probabilities. Version 7: a multi-label head's tuned per-label
    /// `thresholds`, which older builds would ignore and so decide at 0.5. Version 8: a saved
    /// optimizer state of ``SGD`` (`"optimizer": "sgd"`), a name older builds cannot decode. A
    /// model is written with the lowest version that every reader of it understands:
    /// `requiredFormatVersion(savingOptimizerState:)`.
    public static let formatVersion = 8

    /// The oldest format whose readers understand everything this model uses; an older build
    /// refuses the directory with "upgrade textclf" instead of failing to decode it.
    func requiredFormatVersion(savingOptimizerState: Bool) -> Int {
        if savingOptimizerState, let state = optimizerState, state.optimizer == .sgd { return 8 }
        let c = configuration
        if let model, model.head.thresholds != nil { return 7 }
        if let model, model.head.temperature != 1 { return 6 }
        if c.buckets != nil || quantization != nil || ![.word, .character].contains(c.unit) { return 5 }
        return c.encoder.layerType.firstFormatVersion
    }

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
        /// Format 6: the head's temperature (absent: 1, uncalibrated).
        var temperature: Float?
        /// Format 7: a multi-label head's per-label thresholds, in label order (absent: 0.5).
        var thresholds: [Float]?
        /// Saved with `fit --save-optimizer`: the optimiser to continue from (older builds,
        /// which cannot continue, ignore it).
        var optimizer: StoredOptimizer?
        /// Every other file's size and XXH64, checked on load: a file copied in from another
        /// model, or damaged, is refused. Absent in models saved before it was added.
        var files: [String: StoredFile]?
    }

    struct StoredOptimizer: Codable {
        var optimizer: OptimizerKind
        var learningRate: Float
        var seed: UInt64
        var step: Int
        /// Its moments (and deferred Adam's step sizes) as safetensors.
        var file: String
    }

    struct StoredFile: Codable {
        var bytes: Int
        var xxh64: String
    }

    static let wordListFile = "vocabulary.txt"
    static let optimizerFile = "optimizer.safetensors"
    /// The per-row scales of a quantized embedding, beside its I8 integers.
    static let scalesTensor = Embedding.weightName + "_scale"

    /// Loads a model directory written by ``save(to:force:includingOptimizerState:)``, checking its format version,
    /// each file against the size and hash config.json records, and every weight's name,
    /// shape and finiteness. All files are read through one open handle of the directory; if
    /// the model was replaced during the load (its old files removed under the reader), the
    /// load starts again on the new one.
    ///
    /// Every file is opened as a regular file, never through a symbolic link, and read only up
    /// to the size config.json records for it. `loadingOptimizerState: false` skips the
    /// optimizer state of a model saved with `--save-optimizer` (a server never trains; the
    /// state is about twice the weights).
    public init(contentsOf directory: URL, loadingOptimizerState: Bool = true) throws {
        for attempt in 1... {
            let folder = try DirectoryHandle(opening: directory.path)
            do {
                self = try Self(reading: folder, loadingOptimizerState: loadingOptimizerState)
                return
            } catch where attempt < 5 && !folder.isStillAtItsPath {
                continue  // swapped while we read: read the new model
            }
        }
        fatalError("unreachable")
    }

    /// The largest config.json read (it holds the settings, the label names and the training
    /// history: kilobytes to a few megabytes).
    static let maxConfigBytes = 64 << 20

    private init(reading folder: DirectoryHandle, loadingOptimizerState: Bool) throws {
        let path = folder.path
        let stored: StoredConfig
        var configBytes = Data()
        do {
            configBytes = try folder.read(Self.configFile, atMost: Self.maxConfigBytes)
            stored = try JSONDecoder().decode(StoredConfig.self, from: configBytes)
        } catch let error as TextClassificationError {
            if case .cannotRead = error, !folder.contains(Self.configFile) {
                throw TextClassificationError.invalidModel(
                    path: path, reason: "\(Self.configFile) is missing; save the model again with textclf fit")
            }
            throw error
        } catch {
            throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile, reason: "unreadable config (\(error))")
        }
        guard stored.format == "textclf-model", stored.formatVersion >= 1 else {
            throw TextClassificationError.invalidModel(
                path: path + "/" + Self.configFile,
                reason: "format \"\(stored.format)\" version \(stored.formatVersion) is not a textclf model's (\"textclf-model\", version 1 to \(Self.formatVersion))")
        }
        guard stored.formatVersion <= Self.formatVersion else {
            throw TextClassificationError.invalidModel(
                path: path, reason: "format version \(stored.formatVersion) is newer than this textclf reads (\(Self.formatVersion)); upgrade textclf")
        }
        let recorded = stored.files
        /// A file's bytes, checked against config.json's record when it has one.
        func read(_ name: String) throws -> Data {
            guard folder.contains(name) else {
                throw TextClassificationError.invalidModel(
                    path: path, reason: "\(name) is missing; save the model again with textclf fit")
            }
            let data = try folder.read(name, atMost: recorded?[name]?.bytes ?? .max) { size in
                TextClassificationError.invalidModel(
                    path: folder.pathOf(name),
                    reason: "the file differs from the one saved with this model (\(size) bytes, config.json records \(recorded?[name]?.bytes ?? 0) and its hash): damaged, or copied from another model; save the model again with textclf fit")
            }
            if let recorded {
                guard let record = recorded[name] else {
                    throw TextClassificationError.invalidModel(
                        path: folder.pathOf(name), reason: "config.json does not list this file: it is not the one saved with this model; save the model again with textclf fit")
                }
                guard data.count >= record.bytes else {
                    throw TextClassificationError.invalidModel(
                        path: folder.pathOf(name),
                        reason: "the file is truncated: \(data.count) of the \(record.bytes) bytes config.json records; copy it again, or save the model again with textclf fit")
                }
                guard record.bytes == data.count, record.xxh64 == ContentHash.hex(of: data) else {
                    throw TextClassificationError.invalidModel(
                        path: folder.pathOf(name),
                        reason: "the file differs from the one saved with this model (\(data.count) bytes, config.json records \(record.bytes) and its hash): damaged, or copied from another model; save the model again with textclf fit")
                }
            }
            return data
        }
        let head = stored.head ?? .binary
        let dictionary = try stored.userDictionary.map { record -> UserDictionary in
            guard record.file == Self.dictionaryFile, folder.contains(record.file) else {
                throw TextClassificationError.invalidModel(
                    path: path, reason: "\(Self.dictionaryFile), named in config.json, is missing; save the model again with textclf fit")
            }
            let text = try read(record.file)
            let dictionary = try UserDictionary(reading: ByteInput(bytes: Array(text), name: folder.pathOf(record.file)))
            guard dictionary.words.count == record.words else {
                throw TextClassificationError.invalidModel(
                    path: folder.pathOf(record.file),
                    reason: "it holds \(dictionary.words.count) words but config.json records \(record.words); save the model again with textclf fit")
            }
            return dictionary
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
        let weightsPath = folder.pathOf(Self.weightsFile)
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
            guard tensor.scalars.allSatisfy(\.isFinite) else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "weight '\(name)' holds NaN or infinite values (a diverged training, or a damaged file); train the model again")
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
        if let temperature = stored.temperature {
            guard temperature.isFinite, temperature > 0, head != .multiLabel else {
                throw TextClassificationError.invalidModel(
                    path: path + "/" + Self.configFile, reason: "temperature \(temperature) is not a positive number of a binary or multi-class head")
            }
            model.head.temperature = temperature
        }
        if let thresholds = stored.thresholds {
            guard head == .multiLabel, thresholds.count == stored.labels.count, thresholds.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw TextClassificationError.invalidModel(
                    path: path + "/" + Self.configFile,
                    reason: "thresholds must be one number in [0, 1] per label (\(stored.labels.count)) of a multi-label head")
            }
            model.head.thresholds = thresholds
        }
        if let saved = stored.optimizer, loadingOptimizerState {
            // Its name is fixed: config.json must not send the reader to another path.
            guard saved.file == Self.optimizerFile else {
                throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                           reason: "the optimizer file must be \(Self.optimizerFile), not \(saved.file)")
            }
            let file = folder.pathOf(saved.file)
            let tensors = try SafeTensors.decode(read(saved.file), source: file)
            // One pair of moments per weight, of its size.
            for (name, tensor) in tensors where name != "alphas" {
                let weight = String(name.dropLast(2))
                guard let size = model.parameterPaths.first(where: { $0.name == weight }).map({ model[keyPath: $0.path].count }),
                      tensor.count == size, tensor.scalars.allSatisfy(\.isFinite) else {
                    throw TextClassificationError.invalidModel(path: file, reason: "'\(name)' is not finite moments of one of the model's weights")
                }
            }
            do {
                let state = try saved.optimizer.type.init(learningRate: saved.learningRate, step: saved.step, tensors: tensors,
                                                          rows: [Embedding.weightName: stored.inputDim])
                optimizerState = OptimizerState(optimizer: saved.optimizer, learningRate: saved.learningRate, seed: saved.seed,
                                                state: state)
            } catch {
                throw TextClassificationError.invalidModel(path: file, reason: "\(error)")
            }
        }
        self.model = model
        history = stored.training
        origin = ModelOrigin(formatVersion: stored.formatVersion, contentHash: ContentHash.hex(of: configBytes))
    }
}

