import Foundation
import TextClassification

let tokenizer = try! ICUTokenizer()
let characters = try! ICUTokenizer(unit: .character)

/// Any text through the ICU tokenizer: tokens are never empty and never contain whitespace.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for token in tokenizer.tokens(in: text) + characters.tokens(in: text) {
        precondition(!token.isEmpty, "empty token")
        precondition(!token.contains(where: { $0 == " " || $0 == "\n" }), "whitespace in token")
    }
    return 0
}

