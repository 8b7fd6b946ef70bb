import Foundation

extension ModelComparison {
    /// A p-value as people read it: "= 0.0897", or "< 0.0001" below that.
    public static func format(p: Double) -> String {
        p < 0.0001 ? "< 0.0001" : String(format: "= %.3g", p)
    }

    /// The comparison as a self-contained page in the report's style (`textclf diff --html`):
    /// the outcome on labelled texts, then each flip with its counts, the pieces that moved it
    /// and its first texts. `old` and `new` name the models (their directories).
    public func htmlPage(old: String, new: String) -> String {
        func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
        func signed(_ x: Double) -> String { String(format: "%+.4f", x) }
        func answer(_ labels: [String]) -> String { labels.isEmpty ? "(none)" : labels.joined(separator: " | ") }
        var body = "<h1>textclf diff</h1><p class=\"muted\">old: \(HTML.escape(old))<br>new: \(HTML.escape(new))</p>"
        body += "<p>\(changed) of \(count) texts change their answer (\(f(count > 0 ? 100 * Double(changed) / Double(count) : 0, 1))%), "
            + "in \(flips.count) way\(flips.count == 1 ? "" : "s").</p>"
        if let o = outcome {
            body += "<section id=\"outcome\"><h2>On the labelled texts</h2><table>"
                + "<tr><th></th><th>old</th><th>new</th><th>change</th><th>95% interval</th></tr>"
                + "<tr><td>accuracy</td><td>\(f(o.oldAccuracy))</td><td>\(f(o.newAccuracy))</td>"
                + "<td>\(signed(o.accuracyChange.estimate))</td><td>\(signed(o.accuracyChange.low)) … \(signed(o.accuracyChange.high))</td></tr>"
                + "<tr><td>macro F1</td><td>\(f(o.oldMacroF1))</td><td>\(f(o.newMacroF1))</td>"
                + "<td>\(signed(o.macroF1Change.estimate))</td><td>\(signed(o.macroF1Change.low)) … \(signed(o.macroF1Change.high))</td></tr>"
                + "</table><p class=\"muted\">Fixed (old wrong, new right): <b>\(o.fixed)</b>; broken (old right, new wrong): "
                + "<b>\(o.broken)</b>; McNemar's exact test p \(Self.format(p: o.mcNemarP)). Intervals: a paired "
                + "bootstrap over the texts (\(Self.resamples) resamples).</p></section>"
        }
        body += "<section id=\"flips\"><h2>Flips</h2><p class=\"muted legend\">Each flip: the texts that went from the old "
            + "answer to the new, and the pieces that moved them most: each piece's contribution to the new answer's "
            + "log-odds under the new model minus under the old, summed over the texts shown.</p>"
        if let notation { body += "<p class=\"muted legend\">\(HTML.escape(notation))</p>" }
        if flips.isEmpty { body += "<p class=\"note\">No text changes its answer.</p>" }
        let strongest = max(flips.flatMap { $0.pieces.map { abs($0.shift) } }.max() ?? 0, 1e-6)
        for flip in flips {
            body += "<div class=\"explanation\"><div><b>\(HTML.escape(answer(flip.from))) → \(HTML.escape(answer(flip.to)))</b> "
                + "<span class=\"muted\">\(flip.count) text\(flip.count == 1 ? "" : "s")"
                + (outcome != nil ? " · fixed \(flip.fixed), broken \(flip.broken)" : "") + "</span></div>"
            if !flip.pieces.isEmpty {
                body += "<div class=\"muted\">moved by: " + flip.pieces.map { piece in
                    String(format: "<span class=\"tok\" style=\"background: rgba(%@, %.2f)\" title=\"%+.4f\">%@ %+.2f</span>",
                           piece.shift >= 0 ? "var(--pos)" : "var(--neg)", min(1, abs(piece.shift) / strongest) * 0.8,
                           piece.shift, HTML.escape(piece.text), piece.shift)
                }.joined(separator: " ") + "</div>"
            }
            for example in flip.examples {
                body += "<p>\(HTML.escape(example.text))<br><span class=\"muted\">"
                    + String(format: "old p = %.3f, new p = %.3f", example.oldProbability, example.newProbability)
                    + (example.truth.map { " · true: " + HTML.escape(answer($0)) } ?? "") + "</span></p>"
            }
            body += "</div>"
        }
        return HTMLPage(title: "textclf diff", body: body + "</section>").html
    }
}
