import Foundation
import SVGPlot

/// A self-contained HTML report on a fitted classifier (`textclf report`, `fit --report`):
/// the training curves and, on labelled test texts, the measures of ``EvaluationReport`` as
/// pictures: confusion heat map, per-class precision / recall / F1, ROC and precision–recall
/// curves (one-vs-rest), a reliability diagram, the histogram of predicted probabilities, and
/// the most confidently wrong texts with their token explanations; for single-label models,
/// precision and coverage against the threshold (a taxonomy: per level too). Inline SVG and CSS only:
/// it opens from a file on a machine with no network, in a light or a dark theme.
///
/// ```swift
/// let test = ModelReport.TestData(texts: texts, labelSets: classes.map { [$0] }, source: "test.csv")
/// let html = try ModelReport(classifier: classifier, title: "reviews").html(test: test)
/// ```
public struct ModelReport {
    /// Labelled texts to measure: each row's label indices (one for binary and multi-class).
    public struct TestData: Sendable {
        /// The texts.
        public var texts: [String]
        /// Each text's label indices.
        public var labelSets: [[Int]]
        /// Where they came from, as shown in the report.
        public var source: String

        /// Labelled texts from `source` (a file name, say).
        public init(texts: [String], labelSets: [[Int]], source: String) {
            self.texts = texts
            self.labelSets = labelSets
            self.source = source
        }
    }

    /// The model the report is about.
    public let classifier: TextClassifier
    /// The page's title.
    public var title: String
    /// Classes drawn in the ROC and precision–recall charts at most (those with most test rows).
    public var curveLimit = 10
    /// Confidently wrong texts shown with their explanations.
    public var wrongExamples = 8
    /// Shown at the foot of the page (e.g. the command and version that made it).
    public var footer = "Made by textclf."
    /// The trials of the search that chose this model's settings (`textclf tune --report`),
    /// drawn as a table with the best one, ``Tuner/Trial/number`` `bestTrial`, marked.
    public var trials: [Tuner.Trial] = []
    /// The trial whose model this is.
    public var bestTrial: Int?

    /// A report on `classifier`, rendered by ``html(test:dataCheck:)``.
    public init(classifier: TextClassifier, title: String) {
        self.classifier = classifier
        self.title = title
    }

    /// The page, with `dataCheck`'s section at the end when given (the training data).
    /// - Throws: for an unfitted classifier, or test labels outside the label names.
    public func html(test: TestData? = nil, dataCheck: DataCheck? = nil) throws -> String {
        let model = try classifier.trainedModel()
        var body = "<h1>\(HTML.escape(title))</h1>" + summary(model)
        body += "<h2>Training</h2>" + curves()
        if let test {
            guard test.texts.count == test.labelSets.count, !test.texts.isEmpty else {
                throw TextClassificationError.invalidTrainingData(reason: "\(test.texts.count) test texts and \(test.labelSets.count) label rows")
            }
            // A taxonomy's rows known only to an inner node count in the decisions, not the leaves' figures.
            var leaves = test
            if classifier.labels.tree != nil {
                let kept = test.labelSets.indices.filter { (test.labelSets[$0].first ?? 0) < classifier.labelNames.count }
                leaves.texts = kept.map { test.texts[$0] }
                leaves.labelSets = kept.map { test.labelSets[$0] }
            }
            if !leaves.texts.isEmpty { body += try evaluation(leaves, model: model) }
            if classifier.labels.head != .multiLabel {
                let labels = test.labelSets.map { $0.first ?? -1 }
                _ = try classifier.targets(labels)
                body += decisions(probabilities: try classifier.classProbabilities(test.texts, model), labels: labels)
            }
        } else {
            body += "<h2>Evaluation</h2><p class=\"note\">No test data: give labelled texts (textclf report --test FILE.csv) "
                + "for the confusion matrix, per-class scores, ROC and precision–recall curves, calibration and errors.</p>"
        }
        if !trials.isEmpty {
            body += Tuner.Trial.htmlSection(trials, best: bestTrial,
                                            score: Tuner(labels: classifier.labels, budget: 0).scoreName)
        }
        body += dataCheck?.htmlSection(limit: wrongExamples * 2) ?? ""
        body += "<p class=\"muted\">\(HTML.escape(footer))</p>"
        return HTMLPage(title: title, body: body).html
    }

    // MARK: Sections

    private func summary(_ model: SequenceClassifier) -> String {
        let c = classifier.configuration
        let head = ["binary": "binary (sigmoid)", "multiClass": "multi-class (softmax)",
                    "multiLabel": "multi-label (sigmoid per label)"][classifier.labels.head.rawValue] ?? ""
        // Keras's layer sequence, the training-only Dropout layers included.
        let layers = ["Embedding(\(c.embeddingDim))"] + (c.embeddingDropout > 0 ? ["Dropout(\(c.embeddingDropout))"] : [])
            + [c.encoder.kerasLayers(units: c.units)] + (c.dropout > 0 ? ["Dropout(\(c.dropout))"] : [])
            + ["Dense(\(model.head.outputs))"]
        var rows: [(String, String)] = [
            ("head", head),
            ("labels", classifier.labelNames.count <= 12 ? classifier.labelNames.joined(separator: ", ")
                                                          : "\(classifier.labelNames.count)"),
            ("vocabulary", "\(classifier.vocabulary.indexWord.count - 1) words, embedding rows \(model.encoder.embedding.inputDim)"),
            ("model", layers.joined(separator: " → ") + "; max length \(c.maxLength); tokens: \(c.unit.rawValue)"
                + (c.recurrentDropout > 0 ? "; recurrent_dropout \(c.recurrentDropout)" : "")),
        ]
        if let weights = classifier.classWeights {
            rows.append(("class weights", zip(classifier.labelNames, weights).prefix(12)
                .map { String(format: "%@ %.3f", $0, $1) }.joined(separator: ", ")))
        }
        return table(rows.map { [$0.0, $0.1] }, header: nil, className: "summary")
    }

    private func curves() -> String {
        guard let history = classifier.history, !history.epochs.isEmpty else {
            return "<p class=\"note\">No training curves: the model has no training history (it was not trained "
                + "by textclf fit, or trained for no epoch).</p>"
        }
        let epochs = history.epochs
        let marker = history.restoredEpoch.map { [LineChart.Marker(x: Double($0), label: "kept: epoch \($0)")] } ?? []
        var loss = LineChart(title: "Loss per epoch", xLabel: "epoch", yLabel: "loss")
        loss.series = [.init(name: "loss", points: epochs.map { (Double($0.epoch), Double($0.loss)) }, dots: true)]
        var accuracy = LineChart(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy")
        accuracy.series = [.init(name: "accuracy", points: epochs.map { (Double($0.epoch), Double($0.accuracy)) }, dots: true)]
        if epochs.contains(where: { $0.validationLoss != nil }) {
            loss.series.append(.init(name: "val_loss", points: epochs.compactMap { e in e.validationLoss.map { (Double(e.epoch), Double($0)) } }, dots: true))
            accuracy.series.append(.init(name: "val_accuracy", points: epochs.compactMap { e in e.validationAccuracy.map { (Double(e.epoch), Double($0)) } }, dots: true))
        }
        loss.markers = marker
        accuracy.markers = marker
        loss.integerX = true
        accuracy.integerX = true
        return "<div class=\"grid\">" + figure(loss.svg(), id: "loss") + figure(accuracy.svg(), id: "accuracy") + "</div>"
    }

    private func evaluation(_ test: TestData, model: SequenceClassifier) throws -> String {
        let names = classifier.labelNames, k = names.count, head = model.head
        let targets = classifier.labels.head == .multiLabel ? try classifier.targets(test.labelSets)
                                                              : try classifier.targets(test.labelSets.map { $0.first ?? -1 })
        let logits = try model.logits(classifier.encode(test.texts))
        var probabilities = logits
        head.probabilities(fromLogits: &probabilities)
        let outputs = head.outputs, n = test.texts.count
        // Every class's probability per row ([n, k]) and each row's decided labels.
        let classProbabilities = (0..<n).map { head.classProbabilities(probabilities[$0 * outputs ..< ($0 + 1) * outputs]) }
        let decided = (0..<n).map { head.decide(probabilities[$0 * outputs ..< ($0 + 1) * outputs]) }
        let truth = test.labelSets.map(Set.init)
        var out = "<h2>Evaluation on \(HTML.escape(test.source)) (\(n) texts)</h2>"

        // Headline figures and the per-class scores.
        let scores: [LabelScores]
        var confusion: HeatMap
        switch classifier.labels.head {
        case .binary:
            let r = ClassificationReport(logits: logits, labels: test.labelSets.map { $0[0] })
            out += table([["accuracy", f(r.accuracy)], ["precision (\(HTML.escape(names[1])))", f(r.precision)],
                          ["recall", f(r.recall)], ["F1", f(r.f1)], ["ROC-AUC", r.rocAUC.map { f($0) } ?? "n/a"],
                          ["log loss", f(r.logLoss)]], header: nil)
            scores = (0..<2).map { c in
                LabelScores(truePositives: r.confusion[c][c], falsePositives: r.confusion[1 - c][c],
                            falseNegatives: r.confusion[c][1 - c])
            }
            confusion = HeatMap(title: "Confusion matrix", rowTitle: "true label", columnTitle: "predicted",
                                rows: names, columns: names, values: r.confusion.map { $0.map(Double.init) })
        case .multiClass:
            let r = MultiClassReport(logits: logits, labels: test.labelSets.map { $0[0] }, classes: k)
            out += table([["accuracy", f(r.accuracy)], ["top-3 accuracy", f(r.topThreeAccuracy)], ["log loss", f(r.logLoss)],
                          ["macro F1", f(r.macroAverage.f1)], ["weighted F1", f(r.weightedAverage.f1)]], header: nil)
            scores = r.classes
            confusion = HeatMap(title: "Confusion matrix", rowTitle: "true label", columnTitle: "predicted",
                                rows: names, columns: names, values: r.confusion.map { $0.map(Double.init) })
        case .multiLabel:
            let r = MultiLabelReport(probabilities: probabilities, targets: targets, labels: k,
                                     thresholds: (0..<k).map { head.threshold(ofLabel: $0) })
            out += table([["subset accuracy", f(r.subsetAccuracy)], ["Hamming loss", f(r.hammingLoss)],
                          ["micro F1", f(r.microF1)], ["macro F1", f(r.macroF1)]]
                         + (head.thresholds == nil ? [] : [["micro F1, every label at 0.5",
                                                            f(MultiLabelReport(probabilities: probabilities, targets: targets, labels: k).microF1)]]),
                         header: nil)
            scores = r.labels
            // Per label: the texts that have it (found or missed) and those given it wrongly.
            let counts = (0..<k).map { c -> [Double] in
                let rows = (0..<n).map { (truth[$0].contains(c), decided[$0].contains(c)) }
                return [rows.filter { $0.0 && $0.1 }.count, rows.filter { $0.0 && !$0.1 }.count,
                        rows.filter { !$0.0 && $0.1 }.count].map(Double.init)
            }
            confusion = HeatMap(title: "Decisions per label", rowTitle: "label", columnTitle: "decision",
                                rows: names, columns: ["found", "missed", "wrongly given"], values: counts)
        }
        var bars = BarChart(title: "Precision, recall and F1 per label", yLabel: "score", categories: names, yRange: 0...1)
        bars.series = [.init(name: "precision", values: scores.map(\.precision)),
                       .init(name: "recall", values: scores.map(\.recall)), .init(name: "F1", values: scores.map(\.f1))]
        out += "<div class=\"grid\">" + figure(confusion.svg(cell: k <= 3 ? 90 : k > 12 ? 30 : 44), id: "confusion")
            + figure(bars.svg(width: max(520, Double(k) * 44)), id: "scores") + "</div>"

        // One-vs-rest curves: binary, the second label only; else the classes with most rows.
        let support = (0..<k).map { c in truth.filter { $0.contains(c) }.count }
        let curveClasses = classifier.labels.head == .binary ? [1]
            : Array((0..<k).sorted { support[$0] != support[$1] ? support[$0] > support[$1] : $0 < $1 }.prefix(curveLimit)).sorted()
        var roc = LineChart(title: "ROC curves (one label against the rest)", xLabel: "false positive rate",
                            yLabel: "true positive rate", xRange: 0...1, yRange: 0...1, diagonal: true)
        var pr = LineChart(title: "Precision–recall curves", xLabel: "recall", yLabel: "precision", xRange: 0...1, yRange: 0...1)
        for c in curveClasses {
            let scores = classProbabilities.map { $0[c] }, positives = truth.map { $0.contains(c) }
            let curve = Curves(scores: scores, positives: positives)
            roc.series.append(.init(name: "\(names[c]) (AUC \(curve.auc.map { f($0, 3) } ?? "n/a"))", points: curve.roc))
            pr.series.append(.init(name: "\(names[c]) (AP \(f(curve.averagePrecision, 3)))", points: curve.precisionRecall))
        }
        let curveNote = curveClasses.count < k && classifier.labels.head != .binary
            ? "<p class=\"note\">Curves for the \(curveClasses.count) labels with most test rows of \(k).</p>" : ""
        out += "<div class=\"grid\">" + figure(roc.svg(), id: "roc") + figure(pr.svg(), id: "pr") + "</div>" + curveNote

        // Calibration and the spread of the probabilities, on the score each head decides by.
        let (scoresForCalibration, outcomes, scoreName, outcomeNames): ([Double], [Bool], String, (String, String)) = {
            switch classifier.labels.head {
            case .binary:
                return (classProbabilities.map { Double($0[1]) }, truth.map { $0.contains(1) },
                        "P(\(names[1]))", ("true \(names[0])", "true \(names[1])"))
            case .multiClass:
                return (classProbabilities.map { Double($0.max() ?? 0) }, (0..<n).map { truth[$0].contains(decided[$0][0]) },
                        "probability of the predicted label", ("wrong", "right"))
            case .multiLabel:
                return (classProbabilities.flatMap { $0.map(Double.init) }, truth.flatMap { t in (0..<k).map { t.contains($0) } },
                        "probability of each label", ("label absent", "label present"))
            }
        }()
        // A calibrated model: the same diagram with the raw probabilities too.
        var uncalibrated: [Double]?
        if head.temperature != 1 {
            var raw = head
            raw.temperature = 1
            var p = logits
            raw.probabilities(fromLogits: &p)
            let rows = (0..<n).map { raw.classProbabilities(p[$0 * outputs ..< ($0 + 1) * outputs]) }
            uncalibrated = head.kind == .binary ? rows.map { Double($0[1]) } : rows.map { Double($0.max() ?? 0) }
        }
        out += "<div class=\"grid\">" + figure(reliability(scoresForCalibration, outcomes, scoreName: scoreName,
                                                            uncalibrated: uncalibrated.map { ($0, head.temperature) }), id: "calibration")
            + figure(histogram(scoresForCalibration, outcomes, scoreName: scoreName, names: outcomeNames), id: "histogram")
            + "</div>"
        return out + (try confidentlyWrong(test, probabilities: classProbabilities, decided: decided, truth: truth))
    }

    /// `uncalibrated`: for a model with a temperature, the scores before it, drawn beside.
    private func reliability(_ scores: [Double], _ outcomes: [Bool], scoreName: String,
                             uncalibrated: (scores: [Double], temperature: Float)? = nil) -> String {
        let (points, ece) = ExpectedCalibrationError.binned(scores: scores, outcomes: outcomes)
        var title = "Reliability (calibration), ECE \(f(ece, 3))"
        var series: [LineChart.Series] = [.init(name: "observed", points: points.map { ($0.score, $0.frequency) }, dots: true)]
        if let uncalibrated {
            let before = ExpectedCalibrationError.binned(scores: uncalibrated.scores, outcomes: outcomes)
            title = "Reliability: ECE \(f(before.error, 3)) → \(f(ece, 3)) (temperature \(f(Double(uncalibrated.temperature), 2)))"
            series[0].name = "calibrated"
            series.append(.init(name: "before calibration", points: before.points.map { ($0.score, $0.frequency) }, dots: true))
        }
        var chart = LineChart(title: title, xLabel: "mean \(scoreName) in the bin",
                              yLabel: "observed frequency", xRange: 0...1, yRange: 0...1, diagonal: true)
        chart.series = series
        return chart.svg()
    }

    private func histogram(_ scores: [Double], _ outcomes: [Bool], scoreName: String, names: (String, String)) -> String {
        let bins = 20
        var counts = [[Double]](repeating: [Double](repeating: 0, count: bins), count: 2)
        for (s, o) in zip(scores, outcomes) { counts[o ? 1 : 0][min(bins - 1, max(0, Int(s * Double(bins))))] += 1 }
        var chart = BarChart(title: "Predicted probabilities", xLabel: scoreName, yLabel: "texts",
                             categories: (0..<bins).map { $0 % 4 == 0 ? f(Double($0) / Double(bins), 1) : "" })
        chart.series = [.init(name: names.0, values: counts[0]), .init(name: names.1, values: counts[1])]
        return chart.svg()
    }

    private func confidentlyWrong(_ test: TestData, probabilities: [[Float]], decided: [[Int]],
                                  truth: [Set<Int>]) throws -> String {
        let wrong = (0..<test.texts.count).filter { Set(decided[$0]) != truth[$0] }
        // Most confident first: the probability of what was predicted (or, with nothing predicted, of the top label).
        func confidence(_ r: Int) -> Float { decided[r].map { probabilities[r][$0] }.max() ?? (probabilities[r].max() ?? 0) }
        let shown = Array(wrong.sorted { confidence($0) > confidence($1) }.prefix(wrongExamples))
        var out = "<section id=\"wrong\"><h2>Most confidently wrong</h2>"
        guard !shown.isEmpty else { return out + "<p class=\"note\">Every test text is right.</p></section>" }
        out += "<p class=\"muted\">\(wrong.count) of \(test.texts.count) texts are wrong; the \(shown.count) the model was surest of, "
            + "with each token's contribution to the predicted label.</p>"
        let explanations = try classifier.explain(shown.map { test.texts[$0] })
        out += Explanation.htmlLegend(explanations.compactMap(\.first), notation: classifier.configuration.unit.notation)
        for (row, explained) in zip(shown, explanations) {
            let trueNames = truth[row].sorted().map { classifier.labelNames[$0] }
            out += "<p>\(HTML.escape(test.texts[row]))<br><span class=\"muted\">true: "
                + HTML.escape(trueNames.isEmpty ? "(none)" : trueNames.joined(separator: classifier.labels.separator)) + "</span></p>"
            out += explained.prefix(1).map { $0.html() }.joined()
        }
        return out + "</section>"
    }

    // MARK: Pieces

    func figure(_ svg: String, id: String) -> String {
        "<figure id=\"\(id)\" class=\"chart\">\(svg)</figure>"
    }

    func table(_ rows: [[String]], header: [String]?, className: String? = nil) -> String {
        var out = className.map { "<table class=\"\($0)\">" } ?? "<table>"
        if let header { out += "<tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>" }
        for row in rows { out += "<tr>" + row.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }
        return out + "</table>"
    }

    func f(_ value: Double, _ decimals: Int = 4) -> String { String(format: "%.\(decimals)f", value) }
}

/// ROC and precision–recall curves of one label against the rest, at most ~200 points each.
struct Curves {
    var roc: [(x: Double, y: Double)] = []
    var precisionRecall: [(x: Double, y: Double)] = []
    var auc: Double?
    var averagePrecision = 0.0

    init(scores: [Float], positives: [Bool]) {
        let p = positives.filter { $0 }.count, n = positives.count - p
        auc = ClassificationReport.areaUnderROC(scores: scores, labels: positives.map { $0 ? 1 : 0 })
        guard p > 0 else { return }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0, previousRecall = 0.0
        var rocPoints: [(x: Double, y: Double)] = [(0, 0)], prPoints: [(x: Double, y: Double)] = []
        var k = 0
        while k < order.count {
            // Rows with equal scores move together (one threshold).
            let score = scores[order[k]]
            while k < order.count && scores[order[k]] == score {
                if positives[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            let recall = Double(tp) / Double(p), precision = Double(tp) / Double(tp + fp)
            averagePrecision += (recall - previousRecall) * precision
            previousRecall = recall
            rocPoints.append((n > 0 ? Double(fp) / Double(n) : 0, recall))
            prPoints.append((recall, precision))
        }
        roc = Self.thinned(rocPoints)
        precisionRecall = Self.thinned(prPoints)
    }

    /// About 200 evenly spaced points, the first and last kept: enough on screen, small in the file.
    static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        guard points.count > 200 else { return points }
        let step = Double(points.count - 1) / 199
        return (0..<200).map { points[Int((Double($0) * step).rounded())] }
    }
}
