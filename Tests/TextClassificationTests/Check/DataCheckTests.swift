import Foundation
import Testing
@testable import TextClassification

/// `textclf check`'s findings: repeated and conflicting rows, train/test overlap, near
/// duplicates, and label errors from out-of-fold predictions.
@Suite struct DataCheckTests {
    /// A CSV file of `rows` (text, label) in a temporary directory, read back.
    func csv(_ rows: [(String, String)]) throws -> LabelledCSV {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try ("text,label\n" + rows.map { "\($0.0),\($0.1)\n" }.joined()).write(to: url, atomically: true, encoding: .utf8)
        return try LabelledCSV(url: url)
    }

    @Test func nearDuplicatesAreMeasuredExactly() {
        var finder = NearDuplicates(texts: ["房山中粮万科长阳半岛1月16日已开盘当日售罄", "房山中粮万科长阳半岛16日已开盘当日售罄",
                                            "男子冒名顶替上学工作长达12年", "球队夺冠"])
        let pairs = finder.pairs(atLeast: 0.8)
        #expect(pairs.map { [$0.first, $0.second] } == [[0, 1]])
        // 21 and 19 distinct bigrams, all of the second's shared (only "1月" and "月1" are gone): 19 / 21.
        #expect(abs(pairs[0].similarity - 19.0 / 21) < 1e-12, "\(pairs)")
        #expect(finder.pairs(atLeast: 0.8, across: 1).count == 1 && finder.pairs(atLeast: 0.8, across: 2).isEmpty)
    }

    @Test func repeatsConflictsOverlapAndNearDuplicatesWithTheirLines() throws {
        let training = try csv([("股市大涨", "stocks"), ("球队夺冠", "sports"), ("股市大涨", "stocks"), ("球队夺冠", "society"),
                                ("２０１１年考研政治每日一题", "education"), ("新基金岁末建仓 849亿元有望激活股市", "finance")])
        let test = try csv([("球队夺冠", "sports"), ("2011年考研政治每日一题", "education"), ("新基金岁末建仓 849亿有望激活股市", "finance"),
                            ("明日股市三大猜想", "stocks")])
        let check = DataCheck(training: training, test: test)
        #expect(check.labelCounts.map(\.rows) == [2, 1, 1, 1, 1])
        #expect(check.repeats.map(\.text) == ["股市大涨", "球队夺冠"])
        #expect(check.repeats.map(\.conflicting) == [false, true])
        #expect(check.repeats[1].rows == [.init(line: 3, label: "sports"), .init(line: 5, label: "society")])
        // Exactly, and after NFKC (full-width digits).
        #expect(check.overlap.map(\.test.line) == [2, 3] && check.overlap.map(\.normalized) == [false, true])
        #expect(check.overlap[0].training.map(\.line) == [3, 5])
        #expect(check.nearDuplicates.isEmpty)
        #expect(check.nearOverlap.map { [$0.first.line, $0.second.line] } == [[7, 4]])
        // Without normalisation the full-width row is no overlap.
        #expect(DataCheck(training: training, test: test, normalizer: .identity).overlap.count == 1)
        // The same findings in HTML, text escaped: a section of the model report.
        let html = check.htmlSection()
        #expect(html.hasPrefix("<section id=\"data-check\">") && html.contains("<td>3 (sports), 5 (society) — conflict</td>"))
        #expect(html.contains("2 of 4 (2 distinct texts).") && html.contains("Not searched"))
    }

    @Test func multiLabelCellsAreComparedAsSets() throws {
        let training = try csv([("地震", "灾害|人生"), ("地震", "人生|灾害"), ("求婚", "人生")])
        let check = DataCheck(training: training, separator: "|")
        #expect(check.repeats.count == 1 && !check.repeats[0].conflicting)
        #expect(check.labelCounts.map(\.label) == ["人生", "灾害"] && check.labelCounts.map(\.rows) == [3, 2])
    }

    @Test func rowsPredictedInAnotherClassAreSuspectsLeastSureOfTheirLabelFirst() {
        let issues = LabelIssues(probabilities: [[0.8, 0.2], [0.7, 0.3], [0.1, 0.9], [0.2, 0.8]], labels: [0, 0, 0, 1])
        #expect(issues.thresholds.map { $0 ?? -1 }.map { ($0 * 1000).rounded() } == [533, 800])
        #expect(issues.suspects == [.init(row: 2, givenLabel: 0, likelyLabel: 1, givenProbability: 0.1, likelyProbability: 0.9,
                                          confident: true)])
        // Three classes: row 3 is predicted 2 but below class 2's mean over its rows (0.7): a suspect,
        // not a confident one; row 4 is both, and less sure of its label, so first.
        let three = LabelIssues(probabilities: [[0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.2, 0.1, 0.7], [0.4, 0.1, 0.5], [0.1, 0.1, 0.8]],
                                labels: [0, 2, 2, 0, 1])
        #expect(three.suspects.map(\.row) == [4, 3])
        #expect(three.suspects.map(\.confident) == [true, false])
    }

    @Test func outOfFoldPredictionsFindAWrongLabel() throws {
        var texts: [String] = [], labels: [Int] = []
        for k in 0..<30 {
            texts += ["质量很好 非常满意 \(k)", "太差了 很失望 \(k)"]
            labels += [1, 0]
        }
        texts.append("质量很好 非常满意 好评")
        labels.append(0)  // wrong
        let template = try TextClassifier(configuration: .recommended(for: .binary))
        var folds: [Int] = []
        let probabilities = try template.outOfFoldProbabilities(texts: texts, labels: labels, folds: 3, epochs: 5,
                                                                onFold: { folds.append($0) })
        #expect(folds == [0, 1, 2] && probabilities.allSatisfy { $0.count == 2 })
        let issues = LabelIssues(probabilities: probabilities, labels: labels)
        #expect(issues.suspects.first?.row == 60, "\(issues.suspects.prefix(3))")
        #expect(issues.suspects.first?.likelyLabel == 1)
    }
}
