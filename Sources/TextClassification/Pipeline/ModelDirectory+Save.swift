import Foundation

/// Writing a model directory (``TextClassifier/save(to:force:includingOptimizerState:)``): aside, flushed, then
/// exchanged with the old model in one step; what `-o` may replace; tidying up after a kill.
extension TextClassifier {
    /// Saves the fitted pipeline to `directory`. An existing model directory there is
    /// replaced in one step (readers see the old model or the new one, never a mix); anything
    /// else at that path is refused unless `force` (see ``checkSaveTarget(_:force:)``). A
    /// symbolic link is followed: the model replaces what it points to and the link stays.
    /// `includingOptimizerState` also writes ``optimizerState`` (`optimizer.safetensors`),
    /// so that a fit continued from the directory trains as if it had not stopped.
    public func save(to directory: URL, force: Bool = false, includingOptimizerState: Bool = false) throws {
        let model = try trainedModel()
        let target = try Self.checkSaveTarget(directory, force: force)
        let parent = (target as NSString).deletingLastPathComponent, name = (target as NSString).lastPathComponent
        Self.recoverInterruptedSave(of: URL(fileURLWithPath: target))
        let temporary = parent + "/.\(name).partial-\(getpid())-\(UUID().uuidString)"
        let folder = try DirectoryHandle(creating: temporary)
        var files: [String: StoredFile] = [:]
        func write(_ data: Data, _ file: String) throws {
            try folder.write(data, to: file)
            files[file] = StoredFile(of: data)
        }
        let unsharedFolder = UncheckedSendable(folder)  // each task writes its own file
        do {
            if let quantization {
                if let word = vocabulary.indexWord.first(where: { $0.contains("\n") || $0.contains("\r") }) {
                    throw TextClassificationError.invalidArgument(
                        name: "vocabulary", value: "\"\(word)\"", expected: "words without line breaks in a quantized model's word list")
                }
                try write(Data(vocabulary.indexWord.dropFirst().joined(separator: "\n").utf8), Self.wordListFile)
                try write(WordTable.encode(vocabulary), Self.wordTableFile)
                // The integers, and each row's scale beside them.
                var parameters = model.namedParameters
                let width = model.encoder.embedding.outputDim
                if let k = parameters.firstIndex(where: { $0.name == Embedding.weightName }) {
                    var integers = parameters[k].tensor
                    for (row, scale) in quantization.scales.enumerated() where scale > 0 {
                        for j in row * width ..< (row + 1) * width { integers.scalars[j] = (integers.scalars[j] / scale).rounded() }
                    }
                    parameters[k].tensor = integers
                }
                parameters.append((Self.scalesTensor, Tensor(shape: [quantization.scales.count], scalars: quantization.scales)))
                try write(SafeTensors.encode(parameters, metadata: ["format": "pt", "producer": "textclf"],
                                             int8: [Embedding.weightName]), Self.weightsFile)
            } else {
                // The vocabulary's JSON (tens of megabytes for n-grams) is built while the weights are written.
                let vocabulary = vocabulary
                let (vocabularyFiles, weights) = try Parallel.both({ () throws -> (Data, Data) in
                    let kept = vocabulary.keepingEncodedWords()
                    return (try kept.kerasJSON(), WordTable.encode(kept))
                }, {
                    let data = try SafeTensors.encode(model.namedParameters, metadata: ["format": "pt", "producer": "textclf"])
                    try unsharedFolder.value.write(data, to: Self.weightsFile)
                    return StoredFile(of: data)
                })
                files[Self.weightsFile] = weights
                try write(vocabularyFiles.0, Self.vocabularyFile)
                try write(vocabularyFiles.1, Self.wordTableFile)
            }
            if let history { try write(Data(history.csv.utf8), Self.historyFile) }
            let optimizer = includingOptimizerState ? optimizerState : nil
            if let optimizer {
                try write(SafeTensors.encode(optimizer.state.stateTensors,
                                             metadata: ["producer": "textclf", "optimizer": optimizer.optimizer.rawValue]),
                          Self.optimizerFile)
            }
            if let dictionary = tokenizer.dictionary { try write(Data(dictionary.text.utf8), Self.dictionaryFile) }
            // config.json last: it records the others' sizes and hashes.
            let config = StoredConfig(
                formatVersion: requiredFormatVersion(savingOptimizerState: optimizer != nil),
                configuration: configuration, labels: labelNames, head: labels.head,
                labelSeparator: labels.head == .multiLabel ? labels.separator : nil,
                classWeights: classWeights.map { Dictionary(uniqueKeysWithValues: zip(labelNames, $0)) },
                userDictionary: tokenizer.dictionary.map { StoredDictionary(file: Self.dictionaryFile, words: $0.words.count) },
                inputDim: model.encoder.embedding.inputDim, training: history, quantization: quantization,
                wordList: quantization == nil ? nil : Self.wordListFile,
                temperature: model.head.temperature == 1 ? nil : model.head.temperature,
                thresholds: model.head.thresholds,
                taxonomy: labels.tree?.separator,
                operatingPoint: operatingPoint,
                optimizer: optimizer.map {
                    StoredOptimizer(optimizer: $0.optimizer, learningRate: $0.learningRate, seed: $0.seed, step: $0.step,
                                    file: Self.optimizerFile)
                },
                wordTable: Self.wordTableFile, profile: trainingProfile, files: files)
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

    /// Whether ``save(to:force:includingOptimizerState:)`` may write `directory`, checked before long work (`fit`
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
        // Replacing a directory removes all it holds: never the one we work in, one that
        // holds it, or the home directory, whatever --force says (`-o . --force` once took
        // the training file with it).
        let home = ProcessInfo.processInfo.environment["HOME"].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        if path == working || working.hasPrefix(path + "/") || path == home {
            throw TextClassificationError.cannotWrite(
                file: given, reason: "it is \(path == home ? "the home directory" : path == working ? "the working directory" : "a directory that holds the working directory"), which a model never replaces; name a new directory (e.g. \(given.hasSuffix("/") ? given : given + "/")model)")
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
}
