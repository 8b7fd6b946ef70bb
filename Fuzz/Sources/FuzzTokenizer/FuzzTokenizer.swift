import Foundation
import TextClassification

let tokenizer = try! ICUTokenizer()
let characters = try! ICUTokenizer(unit: .character)
let wordchar = try! ICUTokenizer(lowercased: false, unit: .wordchar)
let words = try! ICUTokenizer(lowercased: false)

/// Any text through the ICU tokenizer: tokens are never empty and never contain whitespace;
/// `wordchar`'s single characters are every scalar of the text, a run of white space between
/// two of them as one ␣.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let mixed = wordchar.tokens(in: text)
    for token in tokenizer.tokens(in: text) + characters.tokens(in: text) + mixed {
        precondition(!token.isEmpty, "empty token")
        precondition(!token.contains(where: { $0 == " " || $0 == "\n" }), "whitespace in token")
    }
    var expected: [String] = [], space = false
    for scalar in text.unicodeScalars {
        if scalar.properties.isWhitespace { space = true; continue }
        if space && !expected.isEmpty { expected.append("+␣") }
        space = false
        expected.append("+" + String(scalar))
    }
    let wordCount = words.tokens(in: text).count
    let singles = mixed.dropFirst(max(0, 2 * wordCount - 1)).prefix(expected.count)
    precondition(singles.elementsEqual(expected, by: { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }),
                 "wordchar characters \(Array(singles)) are not the text's \(expected)")
    let c = expected.count, pairs = max(0, 2 * wordCount - 1)
    precondition(mixed.count == pairs + c + max(0, c - 1) + max(0, c - 2),
                 "wordchar: \(mixed.count) tokens for \(wordCount) words and \(c) characters")
    return 0
}
