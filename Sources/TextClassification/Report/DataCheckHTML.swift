import Foundation

/// ``DataCheck``'s findings as HTML: a section of the model report (`fit --report`,
/// `report --training`) and the page `textclf check --html` writes.
extension DataCheck {
    /// The section, each list cut to `limit` rows (the text report's `--top`).
    public func htmlSection(limit: Int = 50) -> String {
        var out = "<section id=\"data-check\"><h2>Data check</h2>"
        func table(_ header: [String], _ rows: [[String]], total: Int) -> String {
            guard !rows.isEmpty else { return "" }
            var html = "<table class=\"check\"><tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
            for row in rows { html += "<tr>" + row.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }
            html += "</table>"
            return html + (total > rows.count ? "<p class=\"muted\">… \(total - rows.count) more (textclf check --json lists all).</p>" : "")
        }
        func p(_ text: String) -> String { "<p>\(HTML.escape(text))</p>" }
        func share(_ rows: Int) -> String { String(format: "%.1f%%", 100 * Double(rows) / Double(max(trainingRows, 1))) }

        out += p("\(trainingRows) training rows" + (testRows.map { ", \($0) test rows" } ?? "") + ".")
        out += "<h3>Class balance</h3>" + table(["label", "rows", "share"], labelCounts.map { [$0.label, String($0.rows), share($0.rows)] },
                                               total: labelCounts.count)
        let conflicts = repeats.filter(\.conflicting)
        out += "<h3>Repeated texts</h3>" + p("\(repeats.count) texts on more than one row, \(conflicts.count) of them with different labels.")
        out += table(["lines (labels)", "text"], (conflicts + repeats.filter { !$0.conflicting }).prefix(limit).map { r in
            [r.rows.map { "\($0.line) (\($0.label))" }.joined(separator: ", ") + (r.conflicting ? " — conflict" : ""), r.text]
        }, total: repeats.count)
        if let testRows {
            out += "<h3>Test rows also in the training file</h3>"
                + p("\(overlap.count) of \(testRows) (\(Set(overlap.map(\.text)).count) distinct texts).")
            out += table(["test line", "training lines", "text"], overlap.prefix(limit).map { o in
                ["\(o.test.line) (\(o.test.label))",
                 o.training.map { "\($0.line) (\($0.label))" }.joined(separator: ", ") + (o.normalized ? " after normalisation" : ""), o.text]
            }, total: overlap.count)
        }
        for (title, pairs, names) in [("within the training file", nearDuplicates, ("line", "line"))]
            + (testRows == nil ? [] : [("between training and test", nearOverlap, ("training line", "test line"))]) {
            out += "<h3>Near duplicates \(title)</h3>"
                + p(String(format: "%d pairs of different texts whose character bigrams overlap by %.2f or more.", pairs.count, nearThreshold))
            out += table(["similarity", names.0, "text", names.1, "text"], pairs.prefix(limit).map { q in
                [String(format: "%.2f", q.similarity), "\(q.first.line) (\(q.first.label))", q.firstText,
                 "\(q.second.line) (\(q.second.label))", q.secondText]
            }, total: pairs.count)
        }
        out += "<h3>Suspected label errors</h3>"
        if let suspects, let folds {
            out += p("\(suspects.count) rows (\(share(suspects.count))) whose most probable class by \(folds)-fold out-of-fold predictions"
                     + " is not their label, least probable given label first; \(suspects.filter(\.confident).count) of them confidently"
                     + " (the likely class at or above its mean over its own rows: confident learning).")
            out += table(["line", "given", "likely", "p(given)", "p(likely)", "confident", "text"], suspects.prefix(limit).map { s in
                [String(s.line), s.given, s.likely, String(format: "%.3f", s.givenProbability),
                 String(format: "%.3f", s.likelyProbability), s.confident ? "yes" : "", s.text]
            }, total: suspects.count)
        } else {
            out += "<p class=\"note\">Not searched: it trains a model per fold (textclf check TRAIN --folds 5).</p>"
        }
        return out + "</section>"
    }

    /// A page of its own: `textclf check --html`.
    public func htmlPage(title: String, limit: Int = 50) -> String {
        HTMLPage(title: title, body: "<h1>\(HTML.escape(title))</h1>" + htmlSection(limit: limit)).html
    }
}
