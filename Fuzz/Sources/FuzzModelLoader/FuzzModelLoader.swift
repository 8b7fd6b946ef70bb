import Foundation
import TextClassification

/// A model directory made of fuzzed bytes: the input is cut at the first two 0xFF bytes into
/// config.json, vocabulary.json and model.safetensors (a valid model's files seed the corpus).
/// Loading must fail with an error, or succeed and predict, never crash.
let directory: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-model-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: 0xFF, maxSplits: 2, omittingEmptySubsequences: false)
    let names = ["config.json", "vocabulary.json", "model.safetensors"]
    for (k, name) in names.enumerated() {
        let url = directory.appendingPathComponent(name)
        if k < parts.count { try? Data(parts[k]).write(to: url) } else { try? FileManager.default.removeItem(at: url) }
    }
    if let classifier = try? TextClassifier(contentsOf: directory) {
        _ = try? classifier.predict(texts: ["好", ""])
    }
    _ = try? Vocabulary(kerasJSON: Data(bytes))
    return 0
}

