import Foundation

/// A search's trials as HTML: the section of the model report `textclf tune --report` writes.
extension Tuner.Trial {
    /// The section: what the search tried and reached, best validation accuracy first, the
    /// kept trial and the preset (trial 1) marked; at most `limit` rows. `score` names
    /// ``validationScore`` (``Tuner/scoreName``: accuracy, or micro F1 for multi-label).
    public static func htmlSection(_ trials: [Tuner.Trial], best: Int?, limit: Int = 50, score: String = "val_accuracy") -> String {
        let scoreTitle = score.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "f1", with: "F1")
        let ranked = trials.sorted {
            ($0.validationScore ?? -1, -($0.validationLoss ?? .infinity), -$0.number)
                > ($1.validationScore ?? -1, -($1.validationLoss ?? .infinity), -$1.number)
        }
        let seconds = trials.reduce(0) { $0 + $1.seconds }
        var out = "<section id=\"tuning\"><h2>Tuning</h2><p>"
            + HTML.escape("\(trials.count) trials in " + String(format: "%.0f", seconds) + " s, best \(scoreTitle) first")
        if let preset = trials.first, preset.number == 1, let best, let kept = trials.first(where: { $0.number == best }),
           let a = kept.validationScore, let b = preset.validationScore {
            out += HTML.escape(best == 1 ? String(format: "; the defaults (trial 1, %.4f) were kept", b)
                                         : String(format: "; the kept trial %d reached %.4f, the defaults (trial 1) %.4f", best, a, b))
        }
        out += ".</p><table class=\"check\"><tr>"
        let header = ["trial", "encoder", "tokens", "dim", "learning rate", "epochs ≤", "dropout", "embedding dropout",
                      "num words", "length", scoreTitle, "val loss", "kept epoch", "seconds"]
        out += header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for t in ranked.prefix(limit) {
            let s = t.settings
            let mark = t.number == best ? " (kept)" : t.number == 1 ? " (defaults)" : ""
            let numWords: String = s.numWords.map { String($0) } ?? "all"
            let accuracy: String = t.validationScore.map { String(format: "%.4f", $0) } ?? "failed"
            let loss: String = t.validationLoss.map { String(format: "%.4f", $0) } ?? (t.failure ?? "")
            let kept: String = t.keptEpoch.map { String($0) } ?? ""
            var cells: [String] = ["\(t.number)\(mark)", s.encoder.rawValue, s.unit.rawValue, String(s.embeddingDim)]
            cells += [String(s.learningRate), String(s.epochs), String(s.dropout), String(s.embeddingDropout), numWords]
            cells += [String(s.maxLength), accuracy, loss, kept, String(format: "%.1f", t.seconds)]
            out += (t.number == best ? "<tr class=\"kept\">" : "<tr>") + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>"
        }
        out += "</table>"
        if ranked.count > limit {
            out += "<p class=\"muted\">… \(ranked.count - limit) more (textclf tune --trials FILE.csv lists all).</p>"
        }
        return out + "</section>"
    }
}
