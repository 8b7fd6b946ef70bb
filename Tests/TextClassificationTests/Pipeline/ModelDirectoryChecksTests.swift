import Foundation
import Testing
@testable import TextClassification

/// A model directory loads only as the model it was saved as: a file from another model, a
/// damaged header, non-finite weights or an impossible version are refused, naming the file.
@Suite struct ModelDirectoryChecksTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。"]

    func trained(_ texts: [String], dictionary: UserDictionary? = nil) throws -> TextClassifier {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10, encoder: .bag), dictionary: dictionary)
        try classifier.fit(texts: texts, labels: [0, 1, 0], epochs: 1, seed: 1)
        return classifier
    }

    func saved(_ classifier: TextClassifier) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-checks-\(UUID().uuidString)")
        try classifier.save(to: directory)
        return directory
    }

    func loadError(_ directory: URL) -> String {
        do { _ = try TextClassifier(contentsOf: directory); return "" } catch { return error.localizedDescription }
    }

    /// Models saved before config.json listed file hashes: the other checks still hold.
    func forgetHashes(_ directory: URL) throws {
        let url = directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        config["files"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: url)
    }

    @Test func aFileFromAnotherModelIsRefused() throws {
        let mine = try saved(trained(texts)), other = try saved(trained(["完全不同的句子", "别的", "第三句"]))
        try FileManager.default.removeItem(at: mine.appendingPathComponent("vocabulary.table"))
        try FileManager.default.copyItem(at: other.appendingPathComponent("vocabulary.table"),
                                         to: mine.appendingPathComponent("vocabulary.table"))
        let message = loadError(mine)
        #expect(message.contains("\(mine.path)/vocabulary.table") && message.contains("copied from another model"), "\(message)")
    }

    @Test func truncatedFilesSaySo() throws {
        let directory = try saved(trained(texts))
        let weights = directory.appendingPathComponent("model.safetensors")
        try Data(contentsOf: weights).prefix(100).write(to: weights)
        #expect(loadError(directory).contains("model.safetensors: not a usable textclf model: the file is truncated: 100 of the"))
    }

    /// A directory from someone else: what is read is its regular files, at their recorded
    /// sizes, never through a link nor from a FIFO (which would hang the load).
    @Test func linksFIFOsAndOverlongFilesAreRefusedWithoutReadingThem() throws {
        let directory = try saved(trained(texts))
        let weights = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.removeItem(at: weights)
        try FileManager.default.createSymbolicLink(atPath: weights.path, withDestinationPath: "/dev/zero")
        #expect(loadError(directory).contains("model.safetensors: cannot read: it is a symbolic link"), "\(loadError(directory))")

        try FileManager.default.removeItem(at: weights)
        #expect(mkfifo(weights.path, 0o600) == 0)
        #expect(loadError(directory).contains("model.safetensors: cannot read: it is not a regular file"), "\(loadError(directory))")

        try FileManager.default.removeItem(at: weights)
        try Data(count: 1 << 20).write(to: weights)
        #expect(loadError(directory).contains("1048576 bytes, config.json records"), "\(loadError(directory))")
    }

    @Test func theOptimizerFileNameIsFixedAndAServerNeedNotReadIt() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10, encoder: .bag))
        try classifier.fit(texts: texts, labels: [0, 1, 0], epochs: 1, seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-checks-\(UUID().uuidString)")
        try classifier.save(to: directory, includingOptimizerState: true)
        #expect(try TextClassifier(contentsOf: directory).optimizerState != nil)
        #expect(try TextClassifier(contentsOf: directory, loadingOptimizerState: false).optimizerState == nil)

        let url = directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var optimizer = try #require(config["optimizer"] as? [String: Any])
        optimizer["file"] = "../../etc/passwd"
        config["optimizer"] = optimizer
        config["files"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        #expect(loadError(directory).contains("the optimizer file must be optimizer.safetensors"), "\(loadError(directory))")
    }

    @Test func nonFiniteWeightsAreRefused() throws {
        var classifier = try trained(texts)
        classifier.model!.head.dense.bias.scalars[0] = .nan
        let directory = try saved(classifier)
        try forgetHashes(directory)
        let message = loadError(directory)
        #expect(message.contains("model.safetensors") && message.contains("'dense/bias' holds NaN or infinite values"), "\(message)")
    }

    @Test func anEmptiedUserDictionaryIsRefused() throws {
        let directory = try saved(trained(texts, dictionary: try UserDictionary(words: ["一段文本", "另一段"])))
        try forgetHashes(directory)
        try Data().write(to: directory.appendingPathComponent("user-dictionary.txt"))
        let message = loadError(directory)
        #expect(message.contains("user-dictionary.txt") && message.contains("holds 0 words but config.json records 2"), "\(message)")
    }

    @Test(arguments: ["-1", "0"]) func impossibleFormatVersionsAreRefused(version: String) throws {
        let directory = try saved(trained(texts))
        let config = directory.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: #""formatVersion" : \d+"#, with: "\"formatVersion\" : \(version)", options: .regularExpression)
        try text.write(to: config, atomically: true, encoding: .utf8)
        #expect(loadError(directory).contains("config.json: not a usable textclf model: format \"textclf-model\" version \(version) is not"))
    }

    /// A safetensors file whose header is JSON text `header` over `body` bytes of data.
    func safetensors(_ header: String, body: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header.utf8)
        data.append(Data(count: body))
        return data
    }

    @Test func safetensorsHeadersMustNameEachTensorOnceAndTileTheData() throws {
        let one = #""a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}"#
        #expect(try SafeTensors.decode(safetensors("{\(one)}", body: 8), source: "m").keys.sorted() == ["a"])
        func message(_ header: String, body: Int) -> String {
            do { _ = try SafeTensors.decode(safetensors(header, body: body), source: "m"); return "" } catch {
                return error.localizedDescription
            }
        }
        #expect(message(#"{\#(one), "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}"#, body: 16)
            .contains("tensor 'a' is named twice"))
        #expect(message(#"{\#(one), "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, body: 12)
            .contains("overlaps another one's bytes"))
        #expect(message(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, body: 12)
            .contains("bytes 0..<4 before tensor 'a' belong to no tensor"))
        #expect(message("{\(one)}", body: 12).contains("4 bytes after the last tensor"))
    }

    @Test func contentHashIsXXH64() {
        // Reference values from Python's xxhash package (xxhash.xxh64(bytes).hexdigest()).
        #expect(ContentHash.hex(of: Data()) == "ef46db3751d8e999")
        #expect(ContentHash.hex(of: Data("a".utf8)) == "d24ec4f1a98c6e5b")
        #expect(ContentHash.hex(of: Data("abc".utf8)) == "44bc2cf5ad770999")
        #expect(ContentHash.hex(of: Data((0..<3).flatMap { _ in 0..<256 }.map(UInt8.init)) + Data("12345".utf8)) == "ae0a5bd1b9a11ab8")
        #expect(ContentHash.hex(of: Data(String(repeating: "这是一段文本。", count: 5).utf8)) == "41f1be8a6bcf0ae4")
    }

    /// The lowest version whose readers know everything a model uses: an older build then
    /// says "upgrade textclf" instead of failing to decode an unknown token unit.
    @Test(arguments: [(ICUTokenizer.Unit.word, SequenceEncoder.Kind.lstm, 3), (.character, .gru, 4), (.word, .bag, 4),
                      (.wordchar, .lstm, 5), (.ngrams, .gru, 5), (.ngrams3, .bag, 5)])
    func formatVersionIsTheLowestThatUnderstandsTheModel(unit: ICUTokenizer.Unit, encoder: SequenceEncoder.Kind, version: Int) throws {
        var classifier = try TextClassifier(configuration: .init(unit: unit, numWords: 100, maxLength: 10, units: 4, encoder: encoder))
        try classifier.fit(texts: texts, labels: [0, 1, 0], epochs: 1)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: saved(classifier).appendingPathComponent("config.json")))
        #expect((config as? [String: Any])?["formatVersion"] as? Int == version)
    }

    @Test func savingRefusesWhatIsNotAModel() throws {
        let classifier = try trained(texts)
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-checks-\(UUID().uuidString)")
        let notes = parent.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try "keep me".write(to: notes.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        #expect(throws: TextClassificationError.self) { try classifier.save(to: notes) }
        #expect(try String(contentsOf: notes.appendingPathComponent("t.txt"), encoding: .utf8) == "keep me")
        try classifier.save(to: notes, force: true)
        #expect(try TextClassifier(contentsOf: notes).labelNames == classifier.labelNames)
        #expect(throws: TextClassificationError.self) { try classifier.save(to: URL(fileURLWithPath: "/dev/null")) }
    }

    @Test func aSplitThatLeavesAClassWithoutRowsIsRefused() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10, encoder: .bag))
        let texts = ["好", "很好", "不错", "差", "很差", "不好"]
        #expect { try classifier.fit(texts: texts, labels: [1, 1, 1, 0, 0, 0], epochs: 1, validationSplit: 0.5) } throws: {
            "\($0.localizedDescription)".contains("label \"0\" has no rows left to train on: the last 3 rows (validation split 0.5)")
        }
        #expect { try classifier.fit(texts: texts, labels: [1, 0, 1, 0, 1, 0], epochs: 1, validationSplit: 0.9) } throws: {
            "\($0.localizedDescription)".contains("only 1 row is left to train on")
        }
    }

    @Test func aModelTooLargeForMemoryIsRefusedBeforeAllocating() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10, units: 65536, encoder: .lstm))
        #expect { try classifier.fit(texts: texts, labels: [0, 1, 0], epochs: 1) } throws: {
            "\($0.localizedDescription)".contains("training it needs about")
        }
    }
}
