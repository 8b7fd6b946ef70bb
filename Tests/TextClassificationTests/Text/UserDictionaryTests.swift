import Foundation
import Testing
@testable import TextClassification

/// User dictionaries: ICU's pieces merged into dictionary words, longest match first, never
/// across spaces or punctuation, and the jieba file format with its bad inputs.
@Suite struct UserDictionaryTests {
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dict-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func mergesPiecesIntoDictionaryWords() throws {
        let plain = try ICUTokenizer()
        #expect(plain.tokens(in: "性价比很高") == ["性", "价", "比", "很高"], "ICU splits it (the reason for dictionaries)")
        let tokenizer = try ICUTokenizer(dictionary: UserDictionary(words: ["性价比", "好评", "京东", "客服", "iPhone12"]))
        #expect(tokenizer.tokens(in: "性价比很高，京东客服给好评！") == ["性价比", "很高", "京东", "客服", "给", "好评"])
        // Next to punctuation, Latin and digits; Latin compared lower-cased.
        #expect(tokenizer.tokens(in: "（性价比）IPHONE12性价比99分") == ["性价比", "iphone12", "性价比", "99", "分"])
        // Never across a space or punctuation between pieces.
        #expect(tokenizer.tokens(in: "性价 比，京。东") == ["性", "价", "比", "京", "东"])
    }

    @Test func longestMatchWins() throws {
        let tokenizer = try ICUTokenizer(dictionary: UserDictionary(words: ["性价", "性价比", "性价比高"]))
        #expect(tokenizer.tokens(in: "性价比高") == ["性价比高"])
        #expect(tokenizer.tokens(in: "性价比好") == ["性价比", "好"])
    }

    @Test func jiebaFormatWithFrequenciesTagsBlankLinesAndDuplicates() throws {
        let dictionary = try UserDictionary(contentsOf: file("性价比 3 n\n\n   \n好评 10\n客服\n性价比\nIPhone 5 nz\n"))
        #expect(dictionary.words == ["性价比", "好评", "客服", "iphone"])
        #expect(dictionary.duplicates == 1)
        let merged = dictionary.merging(try UserDictionary(words: ["京东", "客服"]))
        #expect(merged.words.count == 5 && merged.duplicates == 2)
    }

    @Test func badDictionariesNameFileAndLine() throws {
        let spaced = try file("好评\n性价 比 很 高\n")
        #expect { try UserDictionary(contentsOf: spaced) } throws: {
            let message = "\($0.localizedDescription)"
            return message.contains("\(spaced.path):2") && message.contains("cannot contain spaces")
        }
        let gbk = try file("")
        try Data([0xD0, 0xD4, 0xBC, 0xDB, 0x0A]).write(to: gbk)  // 性价 in GBK
        #expect { try UserDictionary(contentsOf: gbk) } throws: { "\($0.localizedDescription)".contains(":1: invalid UTF-8") }
        #expect { try UserDictionary(contentsOf: FileManager.default.temporaryDirectory) } throws: {
            "\($0.localizedDescription)".contains("is a directory")
        }
        #expect(throws: TextClassificationError.self) { try UserDictionary(words: ["性价 比"]) }
    }

    /// A million entries load (0.7–0.8 s for the whole textclf process on this project's
    /// machine, docs/text.md; measured there, not timed here).
    @Test func aMillionWordsLoad() throws {
        var random = RandomGenerator(seed: 3)
        let lines = (0..<1_000_000).map { _ in
            String(String.UnicodeScalarView((0..<3).map { _ in Unicode.Scalar(0x4E00 + UInt32(random.nextInt(below: 20000)))! })) + " 1"
        }
        let url = try file(lines.joined(separator: "\n") + "\n")
        let dictionary = try UserDictionary(contentsOf: url)
        #expect(dictionary.words.count + dictionary.duplicates == 1_000_000)
        #expect(dictionary.words.count == Set(lines.map { String($0.dropLast(2)) }).count)
    }

    @Test func theModelKeepsItsDictionary() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8),
                                            dictionary: UserDictionary(words: ["性价比"]))
        try classifier.fit(texts: ["性价比很高", "性价比很低"], labels: [1, 0], epochs: 1)
        #expect(classifier.vocabulary.wordIndex["性价比"] != nil)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dict-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        #expect(try String(contentsOf: directory.appendingPathComponent("user-dictionary.txt"), encoding: .utf8) == "性价比\n")
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.tokenize(["性价比很高"]) == [["性价比", "很高"]])
        try FileManager.default.removeItem(at: directory.appendingPathComponent("user-dictionary.txt"))
        #expect { try TextClassifier(contentsOf: directory) } throws: {
            "\($0.localizedDescription)".contains("user-dictionary.txt, named in config.json, is missing")
        }
    }
}
