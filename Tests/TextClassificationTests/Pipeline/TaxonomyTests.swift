import Foundation
import Testing
@testable import TextClassification

/// Taxonomy labels (`财经/stocks`) and operating points: a softmax over the leaves whose
/// inner nodes are sums, answers that back off to the parent when a leaf is unsure, and
/// "don't know" below a threshold chosen for a target precision.
@Suite struct TaxonomyTests {
    let tree = try! LabelTree(paths: ["财经/stocks", "财经/realty", "娱乐/game", "娱乐/entertainment", "体育", "财经"], separator: "/")

    @Test func leavesAreInPathOrderAndEachNodeHoldsARangeOfThem() throws {
        #expect(Array(tree.leafPaths) == ["体育", "娱乐/entertainment", "娱乐/game", "财经/realty", "财经/stocks"])
        #expect(tree.paths[tree.leafCount...] == ["娱乐", "财经"])
        let finance = try #require(tree.node(ofPath: " 财经 "))
        #expect(tree.leaves[finance] == 3..<5)
        #expect(tree.children[finance] == [3, 4])
        #expect(tree.topLevel.map { tree.paths[$0] } == ["体育", "娱乐", "财经"])
        #expect(tree.probabilities(ofLeaves: [0.1, 0.2, 0.3, 0.15, 0.25]) == [0.1, 0.2, 0.3, 0.15, 0.25, 0.5, 0.4])
        #expect(tree.node(ofPath: "财经/stocks/x") == nil)
        #expect(throws: TextClassificationError.self) { try LabelTree(paths: ["a//b", "c", "d"], separator: "/") }
        #expect(throws: TextClassificationError.self) { try LabelTree(paths: ["a/b", "a/c"], separator: "/") }
    }

    @Test func aParentThatIsSureWhileItsLeavesAreNotIsTheAnswer() {
        // Every threshold 0.9: 财经 holds 0.95 but neither of its leaves reaches 0.9.
        let point = OperatingPoint(target: .precision(0.9), thresholds: [Float?](repeating: 0.9, count: tree.paths.count))
        let answer = point.answer([0.01, 0.02, 0.02, 0.45, 0.50][...], tree: tree)
        #expect(answer.map { tree.paths[$0.node] } == "财经")
        #expect(abs((answer?.probability ?? 0) - 0.95) < 1e-6)
        // A sure leaf is answered; nothing sure at the top is "don't know".
        #expect(point.answer([0.01, 0.02, 0.02, 0.01, 0.94][...], tree: tree).map { tree.paths[$0.node] } == "财经/stocks")
        #expect(point.answer([0.3, 0.3, 0.1, 0.2, 0.1][...], tree: tree) == nil)
    }

    @Test func theLossOfARowKnownOnlyToAnInnerNodeIsMinusTheLogOfItsLeavesSumWithItsGradient() {
        let z: [Float] = [0.3, -1.2, 2.0, 0.5, -0.1], range = 2..<4
        let probabilities = z.map { exp($0) / z.map { exp($0) }.reduce(0, +) }
        let loss = z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 5, labels: range) }
        #expect(abs(loss - -log(probabilities[2] + probabilities[3])) < 1e-5)
        var gradient = [Float](repeating: 0, count: 5)
        z.withUnsafeBufferPointer { zp in
            gradient.withUnsafeMutableBufferPointer {
                SparseCategoricalCrossEntropy.logitGradient(logits: zp.baseAddress!, count: 5, labels: range, batchSize: 1, into: $0.baseAddress!)
            }
        }
        for k in 0..<5 {
            var up = z, down = z
            up[k] += 1e-2
            down[k] -= 1e-2
            let numeric = (up.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 5, labels: range) }
                - down.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 5, labels: range) }) / 2e-2
            #expect(abs(numeric - gradient[k]) < 2e-3, "logit \(k): \(numeric) vs \(gradient[k])")
        }
        // One leaf: the usual sparse categorical cross-entropy.
        let single = z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 5, labels: 2..<3) }
        #expect(abs(single - z.withUnsafeBufferPointer { SparseCategoricalCrossEntropy.loss(logits: $0.baseAddress!, count: 5, label: 2) }) < 1e-6)
    }

    /// News-like rows: stocks and realty headlines share every word (their leaves cannot be
    /// told apart), games and sports are distinct; a few rows are known only as 财经.
    func rows() -> (texts: [String], labels: [String]) {
        var texts = [String](), labels = [String]()
        for i in 0..<40 {
            texts += ["股市 楼市 行情 \(i % 5)", "股市 楼市 行情 \(i % 5)", "游戏 玩家 电竞 \(i % 7)", "足球 比赛 进球 \(i % 6)"]
            labels += ["财经/stocks", "财经/realty", "娱乐/game", "体育/sports"]
        }
        texts += ["股市 楼市 上涨", "楼市 股市 下跌"]
        labels += ["财经", "财经"]
        return (texts, labels)
    }

    func fitted() throws -> (TextClassifier, [String], [Int]) {
        let (texts, cells) = rows()
        var data = LabelledCSV(source: "news.csv", weights: nil)
        (data.texts, data.labels, data.lines) = (texts, cells, Array(2...texts.count + 1))
        let labels = try LabelSet(taxonomyOf: data)
        var classifier = try TextClassifier(configuration: .init(unit: .word, maxLength: 8, embeddingDim: 8, encoder: .bag), labels: labels)
        let classes = try labels.classIndices(of: data)
        try classifier.fit(texts: texts, labels: classes, epochs: 30, learningRate: 0.05)
        return (classifier, texts, classes)
    }

    @Test func aFittedTaxonomyBacksOffToTheParentWhereItsLeavesCannotBeToldApart() throws {
        var (classifier, texts, classes) = try fitted()
        #expect(classifier.labelNames == ["体育/sports", "娱乐/game", "财经/realty", "财经/stocks"])
        // Without an operating point: the most probable leaf, as a flat model.
        let plain = try classifier.predict(texts: ["股市 楼市 行情 1"])[0]
        #expect(plain.label.hasPrefix("财经/") && !plain.abstained)

        let chosen = try classifier.chooseOperatingPoint(.precision(0.95), texts: texts, labels: classes)
        #expect(chosen.precision >= 0.95)
        let finance = try classifier.predict(texts: ["股市 楼市 行情 1"])[0]
        #expect(finance.label == "财经" && finance.labelIndices.isEmpty && !finance.abstained)
        #expect(finance.probability > 0.95)
        #expect(try classifier.predict(texts: ["游戏 玩家 电竞 2"])[0].label == "娱乐/game")
        // Half the 财经 rows land on the wrong leaf without the parent; with it, none are wrong.
        let report = try classifier.decisionReport(texts: texts, labels: classes)
        #expect(report.backedOff >= 80 && report.right == report.answered)
        #expect(report.levels.map(\.depth) == [1, 2])
        #expect(report.levels[0].accuracy == 1)
        #expect(report.levels[1].rows == texts.count - 2, "the rows known only as 财经 have no leaf to check")
    }

    /// Rows known only to a parent, among the training and the validation rows: the file read
    /// in one part trains the in-memory model.
    @Test func aStreamedTaxonomyWithRowsKnownOnlyToAParentTrainsTheInMemoryModel() throws {
        var (texts, cells) = rows()
        // Two at the start (trained on) beside the two at the end (validation rows).
        texts = ["楼市 股市 行情", "股市 上涨 楼市"] + texts
        cells = ["财经", "财经"] + cells
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try (["text,label"] + zip(texts, cells).map { "\($0),\($1)" }).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let data = try LabelledCSV(url: file)
        let labels = try LabelSet(taxonomyOf: data)
        let streamedLabels = try LabelSet(inferringFrom: LabelledCSV.Blocks(url: file), separator: "/", taxonomy: true)
        #expect(streamedLabels == labels)
        var inMemory = try TextClassifier(configuration: .init(unit: .word, maxLength: 8, embeddingDim: 8, encoder: .bag), labels: labels)
        var streamed = inMemory
        try inMemory.fit(texts: data.texts, labels: labels.classIndices(of: data), epochs: 3, seed: 5, validationSplit: 0.1)
        try streamed.fit(streaming: file, partRows: 1000, epochs: 3, seed: 5, validationSplit: 0.1)
        #expect(streamed.model!.namedParameters.map(\.tensor) == inMemory.model!.namedParameters.map(\.tensor))
        #expect(streamed.history?.epochs.map(\.validationLoss) == inMemory.history?.epochs.map(\.validationLoss))
    }

    @Test func theReportGivesLevelsAndTheOperatingPointWithRowsKnownOnlyToAParent() throws {
        var (classifier, texts, classes) = try fitted()
        try classifier.chooseOperatingPoint(.precision(0.95), texts: texts, labels: classes)
        let html = try ModelReport(classifier: classifier, title: "news")
            .html(test: .init(texts: texts, labelSets: classes.map { [$0] }, source: "news.csv"))
        for part in ["level 1 accuracy (3 nodes)", "level 2 accuracy (4 nodes)", "answered at a parent", "id=\"decisions\"",
                     "Evaluation on news.csv (\(texts.count - 2) texts)"] {
            #expect(html.contains(part), "\(part)")
        }
    }

    @Test func theOperatingPointIsSavedAsFormat10AndReadBack() throws {
        var (classifier, texts, classes) = try fitted()
        try classifier.chooseOperatingPoint(.precision(0.95), texts: texts, labels: classes)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxonomy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.origin?.formatVersion == 10, "older builds would answer every text: refused")
        #expect(loaded.operatingPoint == classifier.operatingPoint)
        #expect(loaded.labels.tree == classifier.labels.tree)
        #expect(try loaded.predict(texts: texts) == classifier.predict(texts: texts))
    }

    @Test func evaluatingCountsTheTextsLeftUnanswered() throws {
        // Binary, flat: P(label 1) of three rows; thresholds 0.8 for either label.
        let point = OperatingPoint(target: .precision(0.9), thresholds: [0.8, 0.8])
        let report = DecisionReport(probabilities: [0.1, 0.9, 0.4, 0.6, 0.95, 0.05, 0.15, 0.85], classes: 2, labels: [1, 1, 0, 0],
                                    tree: nil, point: point)
        #expect(report.rows == 4 && report.answered == 3 && report.right == 2)
        #expect(report.coverage == 0.75 && abs(report.precision - 2.0 / 3) < 1e-12)
        let everyRow = DecisionReport(probabilities: [0.1, 0.9, 0.4, 0.6], classes: 2, labels: [1, 1], tree: nil, point: nil)
        #expect(everyRow.answered == 2 && everyRow.right == 2)
    }

    @Test func thresholdsReachTheirTargetOnTheRowsTheyWereChosenOn() {
        // Class 0 right above 0.7 only; class 1 always right.
        let probabilities: [Float] = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.55, 0.45, 0.2, 0.8, 0.1, 0.9]
        let labels = [0, 0, 0, 1, 1, 1, 1]
        let precision = OperatingPoint.chosen(for: .precision(1), probabilities: probabilities, classes: 2, labels: labels, tree: nil)
        // Fewer than 30 rows a class: both take the threshold of the level, pooled.
        #expect(precision.thresholds == [0.7, 0.7])
        let own = OperatingPoint.threshold(for: .precision(1), [(0.9, true), (0.8, true), (0.7, true), (0.6, false), (0.55, false)], having: 3)
        #expect(own == 0.7)
        let recall = OperatingPoint.threshold(for: .recall(0.5), [(0.9, true), (0.8, false), (0.7, true), (0.6, true)], having: 4)
        #expect(recall == 0.7, "two of the four rows with the label are answered from 0.7 down")
    }

    @Test func aMultiLabelOperatingPointGivesOnlyTheLabelsThatReachTheirThreshold() throws {
        let texts = ["股市 上涨", "球赛 夺冠", "股市 球赛", "银行 股市", "足球 球赛", "股市 足球"]
        let sets = [[0], [1], [0, 1], [0], [1], [0, 1]]
        var classifier = try TextClassifier(configuration: .init(unit: .word, maxLength: 8, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["finance", "sports"], head: .multiLabel)
        try classifier.fit(texts: texts, labels: sets, epochs: 40, learningRate: 0.05)
        try classifier.chooseOperatingPoint(.precision(1), texts: texts, labelSets: sets)
        let thresholds = try #require(classifier.operatingPoint?.thresholds)
        #expect(thresholds.count == 2)
        for (prediction, set) in zip(try classifier.predict(texts: texts), sets) {
            // Precision 1 on these rows: every label given is right.
            #expect(Set(prediction.labelIndices).isSubset(of: Set(set)), "\(prediction.labels) for \(set)")
            for j in prediction.labelIndices { #expect(prediction.probabilities[j] >= thresholds[j] ?? 2) }
        }
        // A threshold given with the request decides instead.
        #expect(try classifier.predict(texts: ["股市"], threshold: 0)[0].labelIndices == [0, 1])
    }

    @Test func aFlatModelSavesAsBeforeWithoutTaxonomyOrOperatingPoint() throws {
        let texts = ["质量很好", "太差了", "物流很快", "不会再买"], labels = [1, 0, 1, 0]
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 20, embeddingDim: 8, encoder: .bag))
        try classifier.fit(texts: texts, labels: labels, epochs: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let config = try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(!config.contains("taxonomy") && !config.contains("operatingPoint"))
        #expect(try TextClassifier(contentsOf: directory).origin?.formatVersion == 5)
    }
}
