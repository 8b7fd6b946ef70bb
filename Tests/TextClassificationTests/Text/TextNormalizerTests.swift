import Foundation
import Testing
@testable import TextClassification

/// The normalisation stage: NFKC and Traditional → Simplified through per-character tables,
/// checked against ICU itself (its NFKC, its Traditional-Simplified transliterator).
@Suite struct TextNormalizerTests {
    /// Traditional Chinese as written in Taiwan and Hong Kong, with Latin, digits and punctuation.
    static let traditional = [
        "這家餐廳的服務很好，價錢也合理。",
        "軟體更新後滑鼠常常沒反應，客服電話一直打不通！",
        "價效比很高，推薦給大家，下次還會再來買。",
        "房間乾淨、早餐豐富，離捷運站只要走五分鐘。",
        "這本書寫得太囉嗦了，翻譯也有很多錯誤。",
        "iPhone 12 的電池續航力比我想像中還要差。",
        "颱風過後，臺北的鐵路與機場都恢復正常營運。",
        "學習機器學習需要數學、統計與程式設計的基礎。",
        "她說這部電影的劇情雖然簡單，但是演員的表演非常動人。",
        "網購的衣服顏色跟照片差很多，尺寸也不對，要退貨。",
    ]

    @Test func nfkcFoldsFullWidthAndCompatibilityForms() {
        let nfkc = TextNormalizer(form: .nfkc)
        #expect(nfkc("ｉＰｈｏｎｅ１２！！") == "iPhone12!!")
        #expect(nfkc("①②③ ㈱ ﬁne ＡＢＣ") == "123 (株) fine ABC")
        #expect(nfkc("　全角空格") == " 全角空格", "ideographic space")
        #expect(nfkc("café") == "café" && nfkc("cafe\u{301}") == "café", "a combining mark composes (through ICU)")
        #expect(nfkc("ｶﾞｷﾞ") == "ガギ", "half-width kana with a voicing mark compose")
        #expect(nfkc("这是一段文本。") == "这是一段文本。", "Chinese is already NFKC")
        #expect(TextNormalizer.identity("ｉＰｈｏｎｅ") == "ｉＰｈｏｎｅ")
    }

    /// The table gives ICU's own NFKC on every shipped review and headline, and on mixtures of
    /// the characters most likely to interact (combining marks, jamo, kana, full-width forms).
    @Test func nfkcTableEqualsICU() throws {
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Data")
        var texts = try LabelledCSV(url: data.appendingPathComponent("reviews-test.csv")).texts
        texts += try LabelledCSV(url: data.appendingPathComponent("thucnews-dev.csv")).texts.prefix(3000)
        let tricky: [Character] = ["Ａ", "\u{301}", "\u{308}", "ｶ", "ﾞ", "ﾟ", "ᄀ", "ᅡ", "ᆨ", "가", "①", "ﬁ", "。", "，", "e", "字", "㍻", "¼", "\u{FF9E}", "Å"]
        var random = RandomGenerator(seed: 9)
        for _ in 0..<2000 { texts.append(String((0..<8).map { _ in tricky[random.nextInt(below: tricky.count)] })) }
        for text in texts {
            #expect(NormalizationTable.nfkcOnly.apply(text) == TextNormalizer.nfkcWithICU(text), "\(text.debugDescription)")
        }
    }

    /// The table gives ICU's Traditional-Simplified transliterator's result on whole real sentences.
    @Test func traditionalToSimplifiedEqualsTheTransliterator() throws {
        #expect(TraditionalToSimplified.shared.count > 2000, "the table holds the transliterator's mapping")
        for sentence in Self.traditional {
            let expected = try TraditionalToSimplified.transliterate(sentence)
            #expect(TraditionalToSimplified.shared.convert(sentence) == expected)
            #expect(TextNormalizer(form: .none, toSimplified: true)(sentence) == expected)
            #expect(TextNormalizer(form: .nfkc, toSimplified: true)(sentence)
                    == TextNormalizer.nfkcWithICU(expected), "NFKC then Traditional → Simplified")
        }
        #expect(TraditionalToSimplified.shared.convert("這家餐廳的服務很好") == "这家餐厅的服务很好")
        #expect(TraditionalToSimplified.shared.convert("简体字不变") == "简体字不变")
    }

    /// Model directories written before the stage existed keep their behaviour: no normalisation.
    @Test func olderConfigurationsDecodeWithoutNormalisation() throws {
        let old = #"{"locale":"zh","lowercased":true,"unit":"word","numWords":100,"maxLength":10,"padding":"pre","truncating":"pre","embeddingDim":8,"units":8}"#
        let configuration = try JSONDecoder().decode(TextClassifier.Configuration.self, from: Data(old.utf8))
        #expect(configuration.normalization == .none && !configuration.toSimplified)
        #expect(TextClassifier.Configuration().normalization == .nfkc, "on by default for new models")
        let roundTrip = try JSONDecoder().decode(TextClassifier.Configuration.self,
                                                 from: JSONEncoder().encode(TextClassifier.Configuration(toSimplified: true)))
        #expect(roundTrip.normalization == .nfkc && roundTrip.toSimplified)
    }
}
