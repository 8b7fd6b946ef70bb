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
    /// optimizer state of ``SGD`` (`"optimizer": "sgd"`), a name older builds cannot decode.
    /// Version 9: buckets that hold the tokens beyond a `tokenLimit` (any token the vocabulary
    /// lacks), where older builds would hash every n-gram and drop unknown words. Version 10:
    /// an ``OperatingPoint`` (`operatingPoint`), where older builds would answer every text. (A
    /// taxonomy, `taxonomy`, needs no bump: older builds read its leaves as flat labels and
    /// answer the most probable leaf, as this build does without an operating point.) A model is
    /// written with the lowest version that every reader of it understands:
    /// `requiredFormatVersion(savingOptimizerState:)`.
    public static let formatVersion = 10

    /// The oldest format whose readers understand everything this model uses; an older build
    /// refuses the directory with "upgrade textclf" instead of failing to decode it.
    func requiredFormatVersion(savingOptimizerState: Bool) -> Int {
        if operatingPoint != nil { return 10 }
        if hashesRareTokens { return 9 }
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
        /// A taxonomy's separator: `labels` are its leaves' paths (``LabelTree``).
        var taxonomy: String?
        /// Format 10: where the model stops answering.
        var operatingPoint: OperatingPoint?
        /// Saved with `fit --save-optimizer`: the optimiser to continue from (older builds,
        /// which cannot continue, ignore it).
        var optimizer: StoredOptimizer?
        /// The vocabulary as a ``WordTable`` in this file, read in place (models saved before it
        /// was added have only vocabulary.json or vocabulary.txt; older builds read those).
        var wordTable: String?
        /// What the texts of the fit looked like to the model (``DataProfile``), for drift
        /// checks; older builds ignore it, and models saved before it lack it.
        var profile: DataProfile?
        /// Every other file's size and XXH64, checked on load: a file copied in from another
        /// model, or damaged, is refused. Absent in models saved before it was added.
        var files: [String: StoredFile]?
    }

    /// A taxonomy's labels from its stored leaves, which must be the leaves their paths make, in order.
    static func taxonomy(_ leaves: [String], separator: String, head: ClassificationHead.Kind) throws -> LabelSet {
        let tree = try LabelTree(paths: leaves, separator: separator)
        guard head == .multiClass, Array(tree.leafPaths) == leaves else {
            throw TextClassificationError.invalidArgument(name: "taxonomy", value: "labels \(leaves.prefix(5))…",
                                                          expected: "the leaves of a multi-class taxonomy, each once, in path order")
        }
        return try LabelSet(tree: tree)
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
        /// A file over ``chunkBytes``: the XXH64 of each consecutive chunk of that size too, so
        /// a load checks it on every core (one hash is one sequential pass). Older builds, and
        /// people with `xxhsum`, check `xxh64`.
        var chunks: [String]?

        static let chunkBytes = 8 << 20

        init(of data: Data) {
            bytes = data.count
            xxh64 = ContentHash.hex(of: data)
            guard data.count > Self.chunkBytes else { return }
            chunks = data.withUnsafeBytes { all in
                stride(from: 0, to: all.count, by: Self.chunkBytes).map {
                    ContentHash.hex(ContentHash.xxh64(UnsafeRawBufferPointer(rebasing: all[$0 ..< min(all.count, $0 + Self.chunkBytes)])))
                }
            }
        }
    }

    static let wordListFile = "vocabulary.txt"
    static let wordTableFile = "vocabulary.table"
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
    ///
    /// The weights' embedding and the word table are read in place from the files, mapped
    /// into memory (`mmap`): a model opens in milliseconds and processes share its
    /// pages. A file written in place later (not by a textclf save, which replaces the
    /// directory) makes the next answer fail with a named error. `inMemory` copies them
    /// instead, for a process that must keep answering whatever happens to the files (the
    /// server keeps serving its model when a broken one is copied over it).
    public init(contentsOf directory: URL, loadingOptimizerState: Bool = true, inMemory: Bool = false) throws {
        for attempt in 1... {
            let folder = try DirectoryHandle(opening: directory.path)
            do {
                self = try Self(reading: folder, loadingOptimizerState: loadingOptimizerState, inMemory: inMemory)
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

    private init(reading folder: DirectoryHandle, loadingOptimizerState: Bool, inMemory: Bool) throws {
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
        /// Refuses `bytes` of file `name` unless they are the size and hash config.json records.
        let folderPath = path
        /// `hash`: the file's XXH64 when the caller has computed it.
        @Sendable func check(_ name: String, _ bytes: UnsafeRawBufferPointer, hash: UInt64? = nil) throws {
            guard let recorded else { return }
            guard let record = recorded[name] else {
                throw TextClassificationError.invalidModel(
                    path: folderPath + "/" + name, reason: "config.json does not list this file: it is not the one saved with this model; save the model again with textclf fit")
            }
            guard bytes.count >= record.bytes else {
                throw TextClassificationError.invalidModel(
                    path: folderPath + "/" + name,
                    reason: "the file is truncated: \(bytes.count) of the \(record.bytes) bytes config.json records; copy it again, or save the model again with textclf fit")
            }
            guard record.bytes == bytes.count, record.xxh64 == ContentHash.hex(hash ?? ContentHash.xxh64(bytes)) else {
                throw TextClassificationError.invalidModel(
                    path: folderPath + "/" + name,
                    reason: "the file differs from the one saved with this model (\(bytes.count) bytes, config.json records \(record.bytes) and its hash): damaged, or copied from another model; save the model again with textclf fit")
            }
        }
        func tooLarge(_ name: String) -> (Int) -> any Error {
            { size in
                TextClassificationError.invalidModel(
                    path: folder.pathOf(name),
                    reason: "the file differs from the one saved with this model (\(size) bytes, config.json records \(recorded?[name]?.bytes ?? 0) and its hash): damaged, or copied from another model; save the model again with textclf fit")
            }
        }
        func missing(_ name: String) -> TextClassificationError {
            .invalidModel(path: path, reason: "\(name) is missing; save the model again with textclf fit")
        }
        /// A file's bytes, checked against config.json's record when it has one.
        func read(_ name: String) throws -> Data {
            guard folder.contains(name) else { throw missing(name) }
            let data = try folder.read(name, atMost: recorded?[name]?.bytes ?? .max, tooLarge: tooLarge(name))
            try data.withUnsafeBytes { try check(name, $0) }
            return data
        }
        /// A file mapped into memory, checked as ``read(_:)`` checks; with `hashed: false` only
        /// its size, the caller checking its hash.
        func map(_ name: String, hashed: Bool = true) throws -> MappedFile {
            guard folder.contains(name) else { throw missing(name) }
            let file = try folder.map(name, atMost: recorded?[name]?.bytes ?? .max, tooLarge: tooLarge(name))
            if hashed {
                try check(name, file.bytes)
            } else if let record = recorded?[name], record.bytes != file.bytes.count {
                try check(name, file.bytes)  // says how it differs
            }
            return file
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
                          labels: stored.taxonomy.map { try Self.taxonomy(stored.labels, separator: $0, head: head) }
                              ?? LabelSet(names: stored.labels, head: head, separator: stored.labelSeparator ?? "|"),
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
        let c = stored.configuration
        let weightsPath = folder.pathOf(Self.weightsFile)
        let weights = try map(Self.weightsFile, hashed: false)
        let expected = SequenceClassifier.parameterShapes(encoder: c.encoder, inputDim: stored.inputDim, embeddingDim: c.embeddingDim,
                                                          units: c.units, head: head, classes: stored.labels.count)
        /// The weights' layout, once their names and shapes are checked.
        func weightsLayout() throws -> SafeTensors.Layout {
            do {
                let layout = try SafeTensors.Layout(parsing: weights.bytes, source: weightsPath)
                for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
                    guard let entry = layout.entries[name] else {
                        throw TextClassificationError.invalidModel(path: weightsPath, reason: "weight '\(name)' is missing")
                    }
                    guard entry.shape == shape else {
                        throw TextClassificationError.invalidModel(
                            path: weightsPath, reason: "weight '\(name)' has shape \(entry.shape), config.json implies \(shape)")
                    }
                }
                return layout
            } catch {
                try check(Self.weightsFile, weights.bytes)  // a file not this model's says so first
                throw error
            }
        }
        var wordTable: MappedFile?
        if let name = stored.wordTable {
            guard name == Self.wordTableFile else {
                throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                           reason: "wordTable names \(name), not \(Self.wordTableFile)")
            }
            wordTable = try map(name, hashed: false)
        } else if let wordList = stored.wordList {
            guard wordList == Self.wordListFile else {
                throw TextClassificationError.invalidModel(path: path + "/" + Self.configFile,
                                                           reason: "wordList names \(wordList), not \(Self.wordListFile)")
            }
            let text = String(decoding: try read(wordList), as: UTF8.self)
            let words = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            vocabulary = Vocabulary(rankedWords: words, oovToken: c.oovToken)
            guard vocabulary.wordIndex.count == words.count else {
                throw TextClassificationError.invalidModel(path: path + "/" + wordList, reason: "a word is listed twice")
            }
        } else {
            vocabulary = try Vocabulary(kerasJSON: read(Self.vocabularyFile), source: path + "/" + Self.vocabularyFile)
        }
        let layout = try weightsLayout()
        // The hashes of the weights and the word table, and the values of the largest F32
        // tensor, in one pass over their bytes on every core; the other tensors apart.
        let floats = layout.entries.filter { $0.value.dtype == .f32 }
        let largest = floats.max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }.flatMap {
            $0.value.bytes.lowerBound % 4 == 0 ? $0 : nil
        }
        let finite = try Self.verify([(Self.weightsFile, weights, largest?.value.bytes ?? 0..<0)]
                                         + (wordTable.map { [(Self.wordTableFile, $0, 0..<0)] } ?? []),
                                     recorded: recorded, check: check)
        for (name, entry) in floats.sorted(by: { $0.key < $1.key }) where expected[name] != nil {
            guard name == largest?.key ? finite : Self.allFinite(entry, in: weights.bytes) else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "weight '\(name)' holds NaN or infinite values (a diverged training, or a damaged file); train the model again")
            }
        }
        if let wordTable { useVocabulary(of: try WordTable(mapping: wordTable, rows: stored.inputDim, copying: inMemory)) }
        if let buckets = c.buckets, wordRows + buckets != stored.inputDim {
            throw TextClassificationError.invalidModel(
                path: path, reason: "\(wordRows) word rows and \(buckets) n-gram buckets, but the embedding has \(stored.inputDim) rows")
        }
        let indexCount = min(wordEntries, (c.numWords ?? 0) > 0 ? c.numWords! : .max)
        guard indexCount <= stored.inputDim else {
            throw TextClassificationError.invalidModel(
                path: path, reason: "the vocabulary encodes \(indexCount) indices but the embedding has \(stored.inputDim) rows")
        }
        var model = SequenceClassifier(inputDim: 1, embeddingDim: 1, units: 1, encoder: c.encoder, head: head,
                                       classes: stored.labels.count)
        // Shapes checked above; every weight is set by name, the embedding read in place.
        for entry in model.parameterPaths where entry.name != Embedding.weightName {
            model[keyPath: entry.path] = layout.tensor(layout.entries[entry.name]!, in: weights.bytes)
        }
        let table = layout.entries[Embedding.weightName]!
        let tableStart = weights.bytes.baseAddress! + table.bytes.lowerBound
        var rows = MappedRows.Values.f32(tableStart.assumingMemoryBound(to: Float.self))
        if var quantization = stored.quantization {
            guard quantization.bits == 8, table.dtype == .i8, let scales = layout.entries[Self.scalesTensor], scales.dtype == .f32,
                  scales.shape == [stored.inputDim], scales.bytes.lowerBound % 4 == 0 else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "a quantized model needs 8 bits and \(Self.scalesTensor) of \(stored.inputDim) finite scales ≥ 0")
            }
            let values = layout.tensor(scales, in: weights.bytes).scalars
            guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw TextClassificationError.invalidModel(
                    path: weightsPath, reason: "a quantized model needs 8 bits and \(Self.scalesTensor) of \(stored.inputDim) finite scales ≥ 0")
            }
            rows = .i8(tableStart.assumingMemoryBound(to: Int8.self),
                       scales: (weights.bytes.baseAddress! + scales.bytes.lowerBound).assumingMemoryBound(to: Float.self))
            quantization.scales = values
            self.quantization = quantization
        } else if table.dtype != .f32 {
            throw TextClassificationError.invalidModel(path: weightsPath, reason: "weight '\(Embedding.weightName)' is I8 in a model that is not quantized")
        }
        if table.dtype == .f32 && table.bytes.lowerBound % 4 != 0 {
            // Written by another tool, unaligned: read into memory instead.
            model.encoder.embedding = Embedding(embeddings: layout.tensor(table, in: weights.bytes))
        } else {
            let mapped = MappedRows(file: weights, rows: table.shape[0], width: table.shape[1], values: rows)
            model.encoder.embedding = inMemory ? Embedding(embeddings: mapped.tensor()) : Embedding(mapped: mapped)
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
        if let point = stored.operatingPoint {
            let nodes = labels.tree?.paths.count ?? labels.names.count
            guard point.target.value > 0, point.target.value <= 1, point.thresholds.count == nodes,
                  point.thresholds.allSatisfy({ $0.map { $0 >= 0 && $0 <= 1 } ?? true }) else {
                throw TextClassificationError.invalidModel(
                    path: path + "/" + Self.configFile,
                    reason: "operatingPoint must have a target in (0, 1] and one threshold in [0, 1] or null per label (\(nodes)); choose it again with textclf tune-threshold")
            }
            operatingPoint = point
        }
        if let profile = stored.profile {
            guard profile.fits(labels: labels) else {
                throw TextClassificationError.invalidModel(
                    path: path + "/" + Self.configFile,
                    reason: "profile's histograms do not have the bins of this model's labels; save the model again with textclf fit")
            }
            trainingProfile = profile
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
                guard let size = expected[weight]?.reduce(1, *),
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


extension TextClassifier {
    /// Whether every value of F32 tensor `entry` in the file `bytes` is finite.
    static func allFinite(_ entry: SafeTensors.Layout.Entry, in bytes: UnsafeRawBufferPointer) -> Bool {
        let start = bytes.baseAddress! + entry.bytes.lowerBound
        if entry.bytes.lowerBound % 4 == 0 {
            return VectorMath.allFinite(start.assumingMemoryBound(to: Float.self), count: entry.count)
        }
        return (0..<entry.count).allSatisfy { start.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self).isFinite }
    }
}

extension TextClassifier {
    /// Checks each file against its record (size, then the hashes of its chunks or its whole
    /// hash), spreading the chunks over every core, and whether the floats in each file's byte
    /// range are all finite, in the same pass. Returns that for the first file. `check` gives
    /// the error for a file that differs (it hashes the file whole).
    static func verify(_ files: [(name: String, file: MappedFile, floats: Range<Int>)], recorded: [String: StoredFile]?,
                       check: @Sendable (String, UnsafeRawBufferPointer, UInt64?) throws -> Void) throws -> Bool {
        struct Piece {
            var file: Int
            var bytes: Range<Int>
            var floats: Range<Int>
            var hash: String?
        }
        var pieces: [Piece] = []
        for (k, (name, file, floats)) in files.enumerated() {
            let count = file.bytes.count, record = recorded?[name]
            let chunked = record?.chunks.flatMap { $0.count == (count + StoredFile.chunkBytes - 1) / StoredFile.chunkBytes ? $0 : nil }
            guard let chunked, count > StoredFile.chunkBytes else {
                pieces.append(Piece(file: k, bytes: 0..<count, floats: floats, hash: nil))
                continue
            }
            for (c, hash) in chunked.enumerated() {
                let bytes = c * StoredFile.chunkBytes ..< min(count, (c + 1) * StoredFile.chunkBytes)
                let lower = max(floats.lowerBound, bytes.lowerBound), upper = min(floats.upperBound, bytes.upperBound)
                pieces.append(Piece(file: k, bytes: bytes, floats: lower < upper ? lower - bytes.lowerBound ..< upper - bytes.lowerBound : 0..<0,
                                    hash: hash))
            }
        }
        // Per piece: its hash as hex, and whether its floats are finite.
        var results = [(hash: UInt64, finite: Bool)](repeating: (0, true), count: pieces.count)
        let mapped = files.map(\.file)
        results.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!), pieces = pieces
            Parallel.forEach(min(Parallel.threads, pieces.count)) { worker in
                for p in stride(from: worker, to: pieces.count, by: min(Parallel.threads, pieces.count)) {
                    let piece = pieces[p]
                    let bytes = UnsafeRawBufferPointer(rebasing: mapped[piece.file].bytes[piece.bytes])
                    let (hash, finite) = ContentHash.xxh64(bytes, checkingFloatsIn: piece.floats)
                    shared.base[p] = (hash, finite)
                }
            }
        }
        for (k, (name, file, _)) in files.enumerated() {
            let mine = pieces.indices.filter { pieces[$0].file == k }
            if mine.count == 1 && pieces[mine[0]].hash == nil {
                try check(name, file.bytes, results[mine[0]].hash)  // whole: its hash, or no record
            } else if mine.contains(where: { pieces[$0].hash != ContentHash.hex(results[$0].hash) }) {
                try check(name, file.bytes, nil)  // a chunk differs: the whole file's error
            }
        }
        return pieces.indices.filter { pieces[$0].file == 0 }.allSatisfy { results[$0].finite }
    }
}
