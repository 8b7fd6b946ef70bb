import SVGPlot

/// The report's "Decisions" section for a single-label model: how much it would answer, and how
/// precisely, at each threshold; a taxonomy's accuracy per level; its own operating point.
extension ModelReport {
    /// Thresholds drawn in the precision–coverage chart.
    static let decisionThresholds = (0...50).map { Float($0) / 50 }

    /// The section, from every row's class probabilities (`[n, classes]`) and label (a
    /// taxonomy: node index).
    func decisions(probabilities flat: [Float], labels: [Int]) -> String {
        let tree = classifier.labels.tree, classes = flat.count / max(labels.count, 1)
        let nodes = tree?.paths.count ?? classes
        // One threshold for every label (node): where a model with that operating point would stand.
        let sweep = Self.decisionThresholds.map { t in
            (t, DecisionReport(probabilities: flat, classes: classes, labels: labels, tree: tree,
                               point: OperatingPoint(target: .precision(1), thresholds: [Float?](repeating: t, count: nodes))))
        }
        var chart = LineChart(title: "Precision and coverage by threshold",
                              xLabel: "threshold (the same for every label)", yLabel: "share",
                              xRange: 0...1, yRange: 0...1)
        chart.series = [.init(name: "precision", points: sweep.map { (Double($0.0), $0.1.precision) }),
                        .init(name: "answered", points: sweep.map { (Double($0.0), $0.1.coverage) })]
        if tree != nil {
            chart.series.append(.init(name: "at a parent", points: sweep.map { (Double($0.0), $0.1.backOffRate) }))
        }
        var out = "<h2>Decisions</h2><p class=\"note\">Below its threshold a text is answered "
            + (tree == nil ? "with the unknown label (don't know)" : "with its parent, or the unknown label at the top")
            + "; an answer is right when it is the text's label"
            + (tree == nil ? "" : " or a node above it") + ". textclf tune-threshold sets a threshold per label for a target precision or recall.</p>"
        let plain = DecisionReport(probabilities: flat, classes: classes, labels: labels, tree: tree, point: nil)
        var rows = [[String]]()
        if let tree {
            rows += plain.levels.map { ["level \($0.depth) accuracy (\(tree.nodes(atDepth: $0.depth).count) nodes)", f($0.accuracy)] }
        }
        if let point = classifier.operatingPoint {
            let own = DecisionReport(probabilities: flat, classes: classes, labels: labels, tree: tree, point: point)
            rows += [["operating point", HTML.escape(point.target.description)], ["answered", f(own.coverage)],
                     ["precision of the answers", f(own.precision)]]
            if tree != nil { rows.append(["answered at a parent", f(own.backOffRate)]) }
        }
        if !rows.isEmpty { out += table(rows, header: nil) }
        return out + "<div class=\"grid\">" + figure(chart.svg(), id: "decisions") + "</div>"
    }
}
