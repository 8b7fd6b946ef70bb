import Testing
@testable import TextClassification

/// New-word discovery: frequent, cohesive and free runs of ICU pieces, on a made-up corpus.
@Suite struct WordDiscoveryTests {
    @Test func findsCohesiveFreeRunsAndNotFixedPhrases() throws {
        // 性价比 (split by ICU into 性|价|比) after and before many different characters;
        // the pieces 京|东 only ever inside the same fixed context "在京东买".
        let befores = ["这个", "手机", "电脑", "总体", "酒店", "书的", "衣服", "价格"]
        let afters = ["很高", "一般", "不错", "太低", "还行", "超值", "满分", "极好"]
        var texts: [String] = []
        for (k, before) in befores.enumerated() {
            for (j, after) in afters.enumerated() where (k + j) % 2 == 0 {
                texts.append("\(before)性价比\(after)。")
            }
        }
        texts += Array(repeating: "我在京东买的。", count: 30)
        var discovery = WordDiscovery(tokenizer: try ICUTokenizer(), normalizer: .identity)
        discovery.minimumCount = 5
        discovery.minimumCohesion = 1
        discovery.minimumFreedom = 1
        let words = discovery.discover(in: texts)
        let found = words.first { $0.word == "性价比" }
        #expect(found?.count == 32)
        #expect((found?.freedom ?? 0) > 1.5, "many different neighbours")
        #expect(!words.contains { $0.word == "京东" }, "always between 在 and 买: no freedom")
        #expect(words == words.sorted { $0.score >= $1.score }, "ranked by score")
    }
}
