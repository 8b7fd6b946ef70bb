import Foundation
import Testing

/// `textclf words` and the tokenizer's text options end to end.
@Suite struct WordsCommandTests {
    @Test func discoversShopWordsAndWritesADictionary() throws {
        let reviews = Command.repository.appendingPathComponent("Data/reviews-train.csv").path
        let output = try Command.temporaryDirectory().appendingPathComponent("words.txt").path
        let result = try Command.run(["words", reviews, "--top", "2000", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.first == "word\tcount\tcohesion\tfreedom\tscore")
        let words = rows.dropFirst().map { String($0.split(separator: "\t")[0]) }
        for word in ["性价比", "好评", "客服", "京东", "入住"] { #expect(words.contains(word), "\(word)") }
        let dictionary = try String(contentsOfFile: output, encoding: .utf8)
        #expect(dictionary.split(separator: "\n").count == words.count && dictionary.contains("性价比 359\n"))
        // The dictionary, given back to the tokenizer, keeps those words whole.
        let tokens = try Command.run(["tokenize", "--user-dict", output], input: Data("性价比，给好评\n".utf8))
        #expect(tokens.stdout == "性价比 给 好评\n")
    }

    @Test func normalisationAndTraditionalChineseOnTheCommandLine() throws {
        let text = Data("ｉＰｈｏｎｅ１２很好用，這家餐廳\n".utf8)
        #expect(try Command.run(["tokenize"], input: text).stdout == "iphone12 很好 用 這家 餐廳\n")
        #expect(try Command.run(["tokenize", "--to-simplified"], input: text).stdout == "iphone12 很好 用 这 家 餐厅\n")
        #expect(try Command.run(["tokenize", "--normalization", "none"], input: text).stdout == "ｉｐｈｏｎｅ１２ 很好 用 這家 餐廳\n")
        let bad = try Command.run(["tokenize", "--user-dict", "/nonexistent/dict.txt"], input: text)
        #expect(bad.status == 66 && bad.stderr.contains("/nonexistent/dict.txt"))
    }
}
