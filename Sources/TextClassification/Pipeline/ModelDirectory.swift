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
    /// bump. A model is written with the lowest version that every reader of it understands:
    /// ``requiredFormatVersion``.
    public static let formatVersion = 5

    /// The oldest format whose readers understand everything this model uses; an older build
    /// refuses the directory with "upgrade textclf" instead of failing to decode it.
    var requiredFormatVersion: Int {
        let c = configuration
        if c.buckets != nil || quantization != nil || ![.word, .character].contains(c.unit) { return 5 }
        return c.encoder == .lstm ? 3 : 4
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
        /// Every other file's size and XXH64, checked on load: a file copied in from another
        /// model, or damaged, is refused. Absent in models saved before it was added.
        var files: [String: StoredFile]?
    }

    struct StoredFile: Codable {
        var bytes: Int
        var xxh64: String
    }

    static let wordListFile = "vocabulary.txt"
    /// The per-row scales of a quantized embedding, beside its I8 integers.
    static let scalesTensor = "embedding/embeddings_scale"

    /// Saves the fitted pipeline to `directory`. An existing model directory there is
    /// replaced in one step (readers see the old model or the new one, never a mix); anything
    /// else at that path is refused unless `force` (see ``checkSaveTarget(_:force:)``). A
    /// symbolic link is followed: the model replaces what it points to and the link stays.
    public func save(to directory: URL, force: Bool = false) throws {
        let model = try trainedModel()
        let target = try Self.checkSaveTarget(directory, force: force)
        let parent = (target as NSString).deletingLastPathComponent, name = (target as NSString).lastPathComponent
        Self.recoverInterruptedSave(of: URL(fileURLWithPath: target))
        let temporary = parent + "/.\(name).partial-\(getpid())-\(UUID().uuidString)"
        let folder = try DirectoryHandle(creating: temporary)
        var files: [String: StoredFile] = [:]
        func write(_ data: Data, _ file: String) throws {
            try folder.write(data, to: file)
            files[file] = StoredFile(bytes: data.count, xxh64: ContentHash.hex(of: data))
        }
        do {
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
            // config.json last: it records the others' sizes and hashes.
            let config = StoredConfig(
                formatVersion: requiredFormatVersion,
                configuration: configuration, labels: labelNames, head: labels.head,
                labelSeparator: labels.head == .multiLabel ? labels.separator : nil,
                classWeights: classWeights.map { Dictionary(uniqueKeysWithValues: zip(labelNames, $0)) },
                userDictionary: tokenizer.dictionary.map { StoredDictionary(file: Self.dictionaryFile, words: $0.words.count) },
                inputDim: model.encoder.embedding.inputDim, training: history, quantization: quantization,
                wordList: quantization == nil ? nil : Self.wordListFile, files: files)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try folder.write(encoder.encode(config), to: Self.configFile)
            folder.synchronize()
            // Swap into place; the old model (if any) comes back at a hidden name, removed last.
            let old = try PathSwap.replace(target, with: temporary, aside: parent + "/.\(name).old-\(UUID().uuidString)")
            if let parentFolder = try? DirectoryHandle(opening: parent) { parentFolder.synchronize() }
            if let old { try? FileManager.default.removeItem(atPath: old) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let error = error as? TextClassificationError { throw error }
            throw TextClassificationError.cannotWrite(file: target, reason: error.localizedDescription)
        }
    }

    /// Whether ``save(to:force:)`` may write `directory`, checked before long work (`fit`
    /// calls it before training): a new path, or an existing textclf model directory (it has
    /// config.json) are fine; an existing file or other directory only with `force`; a device,
    /// FIFO or socket, or the root directory, never. Returns the path written, symbolic links
    /// followed.
    @discardableResult
    public static func checkSaveTarget(_ directory: URL, force: Bool = false) throws -> String {
        let given = directory.path
        let path = directory.standardizedFileURL.resolvingSymlinksInPath().path
        let name = (path as NSString).lastPathComponent
        guard path != "/", !name.isEmpty, name != ".", name != ".." else {
            throw TextClassificationError.cannotWrite(file: given, reason: "a model is a directory of its own; name a new one (e.g. \(given.hasSuffix("/") ? given : given + "/")model)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return path }  // nothing there yet
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if force || access(path + "/" + configFile, F_OK) == 0 { return path }
            throw TextClassificationError.cannotWrite(
                file: given, reason: "it is a directory but not a textclf model (no \(configFile)), so it is not replaced; choose a new path, or replace it and all it holds on purpose (textclf: --force)")
        case S_IFREG:
            if force { return path }
            throw TextClassificationError.cannotWrite(
                file: given, reason: "it is a file, not a textclf model directory, so it is not replaced; choose a new path, or replace it on purpose (textclf: --force)")
        case S_IFLNK:
            throw TextClassificationError.cannotWrite(file: given, reason: "it is a symbolic link to a missing path; remove the link or create what it points to")
        default:
            throw TextClassificationError.cannotWrite(file: given, reason: "it is a device, FIFO or socket, not a place for a model directory")
        }
    }

    /// Tidies up after a save that was killed: removes half-written `.NAME.partial-PID-*`
    /// directories of processes no longer running (a save running beside this one keeps its
    /// own), and if the model itself is missing but was moved aside (killed between the two
    /// renames of the fallback swap), moves it back.
    static func recoverInterruptedSave(of directory: URL) {
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let name = directory.lastPathComponent
        guard let siblings = try? fileManager.contentsOfDirectory(atPath: parent.path) else { return }
        for sibling in siblings where sibling.hasPrefix(".\(name).partial-") {
            let owner = sibling.dropFirst(".\(name).partial-".count).split(separator: "-").first.flatMap { pid_t($0) }
            if let owner, owner != getpid(), kill(owner, 0) == 0 || errno == EPERM { continue }  // still being written
            try? fileManager.removeItem(at: parent.appendingPathComponent(sibling))
        }
        let aside = siblings.filter { $0.hasPrefix(".\(name).old-") }
        if !fileManager.fileExists(atPath: directory.path), let previous = aside.first {
            try? fileManager.moveItem(at: parent.appendingPathComponent(previous), to: directory)
        } else {
            for sibling in aside { try? fileManager.removeItem(at: parent.appendingPathComponent(sibling)) }
        }
    }

    /// Loads a model directory written by ``save(to:force:)``, checking its format version,
    /// each file against the size and hash config.json records, and every weight's name,
    /// shape and finiteness. All files are read through one open handle of the directory; if
    /// the model was replaced during the load (its old files removed under the reader), the
    /// load starts again on the new one.
    public init(contentsOf directory: URL) throws {
        for attempt in 1... {
            let folder = try DirectoryHandle(opening: directory.path)
            do {
                self = try Self(reading: folder)
                return
            } catch where attempt < 5 && !folder.isStillAtItsPath {
                continue  // swapped while we read: read the new model
            }
        }
        fatalError("unreachable")
    }

    private init(reading folder: DirectoryHandle) throws {
        let path = folder.path
        let stored: StoredConfig
        do { stored = try JSONDecoder().decode(StoredConfig.self, from: folder.read(Self.configFile)) } catch let error as TextClassificationError {
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
            let data = try folder.read(name)
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
        self.model = model
        history = stored.training
    }
}
