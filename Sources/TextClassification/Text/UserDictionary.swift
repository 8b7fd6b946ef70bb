import Foundation

/// Words that must come out of the tokenizer whole: shop and domain vocabulary that ICU's
/// dictionary lacks (性价比, 好评, 客服, 京东 come out in pieces otherwise). Given to an
/// ``ICUTokenizer``, adjacent ICU tokens are merged when their concatenation is a word of the
/// dictionary, the longest match first; nothing is ever split, and no merge crosses a space
/// or punctuation between tokens.
///
/// The file format is jieba's user dictionary: UTF-8, one entry a line, `word [frequency]
/// [tag]` separated by spaces (frequency and tag are accepted and ignored).
///
/// ```swift
/// let dictionary = try UserDictionary(words: ["性价比", "好评"])
/// let tokenizer = try ICUTokenizer(dictionary: dictionary)
/// tokenizer.tokens(in: "性价比很高，给好评")   // ["性价比", "很高", "给", "好评"]
/// ```
public struct UserDictionary: Equatable, Sendable {
    /// The distinct words, lower-cased (tokens are compared after the tokenizer lower-cases
    /// them), in the order first given.
    public let words: [String]
    /// Entries given more than once (ignored after the first).
    public let duplicates: Int
    /// Each word's 128-bit key (two hashes of its UTF-8 bytes): candidates are tested without
    /// making strings, and a million words load in well under a second (a `Set<String>` of
    /// Chinese words spends most of its time normalising them for hashing).
    let keys: Set<WordKey>
    /// The longest word's UTF-8 length: no merge is tried beyond it.
    let maximumBytes: Int

    /// Two dictionaries are equal when they hold the same words, whatever their order.
    public static func == (a: UserDictionary, b: UserDictionary) -> Bool { a.keys == b.keys }

    /// A dictionary of `words`; throws on an empty word or one holding white space.
    public init(words: [String]) throws {
        var builder = Builder()
        for word in words {
            guard !word.isEmpty, !word.contains(where: \.isWhitespace) else {
                throw TextClassificationError.invalidArgument(name: "dictionary word", value: "\"\(word)\"",
                                                              expected: "a word without spaces")
            }
            builder.add(word)
        }
        self.init(builder)
    }

    /// Reads a jieba-format dictionary file; several files are merged with ``merging(_:)``.
    /// - Throws: naming the file and line: invalid UTF-8, a word with inner spaces (a second
    ///   field that is not a frequency, or more than three fields); or a missing file or a directory.
    public init(contentsOf url: URL) throws {
        try self.init(reading: ByteInput(url: url))
    }

    /// Reads a jieba-format dictionary from `input` (a model directory's copy).
    init(reading input: ByteInput) throws {
        var builder = Builder(), number = 0
        while let line = try input.readLine(number: number + 1) {
            number += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let word = fields.first else { continue }  // empty, or only spaces
            guard fields.count <= 3 else {
                throw TextClassificationError.malformedData(
                    file: input.name, line: number,
                    reason: "\"\(line)\" has \(fields.count) fields, not `word [frequency] [tag]`: a word cannot contain spaces (join its parts, or put one word a line)")
            }
            if fields.count >= 2, Double(fields[1]) == nil {
                throw TextClassificationError.malformedData(
                    file: input.name, line: number,
                    reason: "in \"\(line)\" the second field \"\(fields[1])\" is not a frequency (a number), as `word [frequency] [tag]` needs; a word cannot contain spaces")
            }
            builder.add(word)
        }
        self.init(builder)
    }

    private init(_ builder: Builder) {
        words = builder.words
        duplicates = builder.duplicates
        keys = builder.keys
        maximumBytes = builder.maximumBytes
    }

    /// This dictionary and `other` as one (words in both count as duplicates).
    public func merging(_ other: UserDictionary) -> UserDictionary {
        var builder = Builder()
        for word in words + other.words { builder.add(word) }
        builder.duplicates += duplicates + other.duplicates
        return UserDictionary(builder)
    }

    /// The words one a line, sorted (the model directory's `user-dictionary.txt`).
    public var text: String { words.sorted().map { $0 + "\n" }.joined() }

    /// Collects distinct words and their keys.
    private struct Builder {
        var words: [String] = [], keys = Set<WordKey>(), duplicates = 0, maximumBytes = 0

        mutating func add<S: StringProtocol>(_ word: S) {
            var text = String(word)
            let cased = text.withUTF8 { ICUTokenizer.mayHaveUpperCase($0) }
            if cased { text = text.lowercased() }
            let key = text.withUTF8 { bytes -> WordKey in
                maximumBytes = max(maximumBytes, bytes.count)
                return WordKey().adding(bytes)
            }
            if keys.insert(key).inserted { words.append(text) } else { duplicates += 1 }
        }
    }
}

/// Two 64-bit hashes of a word's UTF-8 bytes (FNV-1a and a multiplicative one), ASCII capitals
/// folded to lower case as the tokenizer's tokens are; extended piece by piece while the
/// tokenizer tries longer merges. A false match needs both to collide (about 2⁻¹²⁸).
struct WordKey: Hashable, Sendable {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x9E37_79B9_7F4A_7C15

    func adding(_ bytes: UnsafeBufferPointer<UInt8>) -> WordKey {
        var key = self
        for byte in bytes {
            let folded = UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            key.a = (key.a ^ folded) &* 0x0000_0100_0000_01B3
            key.b = (key.b &+ folded &+ 1) &* 0xFF51_AFD7_ED55_8CCD
            key.b ^= key.b >> 29
        }
        return key
    }
}
