import Foundation

extension Explanation {
    /// The explanation as an HTML block (for a page body): the text's label and
    /// probability, then each token on a background whose colour says the sign (green for the
    /// label, red against) and whose strength says the size of its contribution; dropped
    /// tokens greyed and struck through. `strength` is the contribution shown at full strength
    /// (`nil`: 2 on the log-odds scale, 0.5 on probabilities).
    /// With n-gram tokens (unless `perToken`), the text once instead, each character coloured
    /// by its share (``characterContributions``, the text's largest at full strength), and the
    /// strongest tokens beside it.
    public func html(strength: Float? = nil, perToken: Bool = false) -> String {
        let scale = strength ?? (self.scale == .logOdds ? 2 : 0.5)
        var out = "<div class=\"explanation\"><div><b>\(HTML.escape(label))</b> "
        out += String(format: "<span class=\"muted\">p = %.4f", probability)
        switch (self.scale, base) {
        case (.logOdds, let base?):
            out += String(format: " · log-odds %+.2f = base %+.2f + contributions (exact)", value, base)
        case (.logOdds, nil): out += String(format: " · log-odds %+.2f (occlusion)", value)
        case (.probability, _): out += " · contributions to the probability (occlusion)"
        }
        if !prediction.labelIndices.contains(labelIndex) {
            out += " · predicted: " + HTML.escape(prediction.label.isEmpty ? "(none)" : prediction.label)
        }
        out += "</span></div>"
        if !hasKnownTokens {
            out += "<div class=\"note\">No token of this text is in the model's vocabulary: the probability comes from the padding alone.</div>"
        }
        if !perToken, hasKnownTokens, let shares = characterContributions {
            let strongest = max(shares.map(abs).max() ?? 0, 1e-6)
            out += "<div class=\"tokens\">"
            for (character, c) in zip(readText, shares) {
                out += String(format: "<span class=\"ch\" style=\"background: rgba(%@, %.2f)\" title=\"%+.4f\">",
                              c >= 0 ? "var(--pos)" : "var(--neg)", abs(c) / strongest * 0.8, c)
                out += HTML.escape(String(character)) + "</span>"
            }
            out += "</div><div class=\"muted\">strongest pieces: "
            out += strongestPieces(8).map { piece in
                let times = piece.occurrences > 1 ? " ×\(piece.occurrences)" : ""
                return String(format: "<span class=\"tok\" style=\"background: rgba(%@, %.2f)\">%@%@ %+.3f</span>",
                              piece.contribution >= 0 ? "var(--pos)" : "var(--neg)",
                              min(1, abs(piece.contribution) / max(scale, 1e-6)) * 0.8, HTML.escape(piece.text), times,
                              piece.contribution)
            }.joined(separator: " ")
            return out + "</div></div>"
        }
        out += "<div class=\"tokens\">"
        for token in tokens {
            guard let c = token.contribution else {
                out += "<span class=\"tok dropped\" title=\"not in the vocabulary\">\(HTML.escape(token.text))</span>"
                continue
            }
            let alpha = min(1, abs(c) / max(scale, 1e-6)) * 0.8
            let colour = c >= 0 ? "var(--pos)" : "var(--neg)"
            out += String(format: "<span class=\"tok\" style=\"background: rgba(%@, %.2f)\" title=\"%+.4f\">", colour, alpha, c)
            out += HTML.escape(token.text) + "</span>"
        }
        return out + "</div></div>"
    }

    /// What the contributions of `explanations` measure and how a page shows them, in a
    /// sentence or two; with n-gram tokens, `notation` (``ICUTokenizer/Unit/notation``) follows.
    static func htmlLegend(_ explanations: [Explanation], notation: String?) -> String {
        let scales = Set(explanations.map(\.scale)), methods = Set(explanations.map(\.method))
        var legend = "<p class=\"muted legend\">"
        if scales == [.probability] {
            legend += "Each token's contribution to the label's probability: the probability with the text as it is "
                + "minus the probability without that token."
        } else {
            legend += "Each token's contribution to the label's log-odds, log(p / (1 − p)), which, unlike the "
                + "probability, does not flatten out when the model is sure"
            if methods.contains(.exact) {
                legend += "; exact for the bag of n-grams: the log-odds are a sum of one term per token and a base"
            }
            if methods.contains(.occlusion) {
                legend += "; by occlusion for the other encoders: the log-odds with the text as it is minus without the token"
            }
            legend += "."
        }
        legend += " Green speaks for the label, red against, strongest for the text's largest; hover for the value; "
            + "struck-through tokens are not in the vocabulary. With n-gram tokens each character carries an even "
            + "share of the contributions of the pieces covering it, and the strongest pieces are listed.</p>"
        return legend + (notation.map { "<p class=\"muted legend\">\(HTML.escape($0))</p>" } ?? "")
    }

    /// A page of explanations (`textclf explain --format html`); `notation`: how the model's
    /// pieces are written (``ICUTokenizer/Unit/notation``), shown under the legend.
    public static func htmlPage(_ explanations: [Explanation], title: String = "textclf explain", perToken: Bool = false,
                                notation: String? = nil) -> String {
        var body = "<h1>\(HTML.escape(title))</h1>" + htmlLegend(explanations, notation: notation)
        for explanation in explanations {
            body += "<p>\(HTML.escape(explanation.text))</p>" + explanation.html(perToken: perToken)
        }
        return HTMLPage(title: title, body: body).html
    }
}
