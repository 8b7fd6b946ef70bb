import Foundation

extension Explanation {
    /// The explanation as an HTML block (for a page body): the text's label and
    /// probability, then each token on a background whose colour says the sign (green for the
    /// label, red against) and whose strength says the size of its contribution; dropped
    /// tokens greyed and struck through. `scale` is the contribution shown at full strength.
    /// With n-gram tokens (unless `perToken`), the text once instead, each character coloured
    /// by its share (``characterContributions``, the text's largest at full strength), and the
    /// strongest tokens beside it.
    public func html(scale: Float = 0.5, perToken: Bool = false) -> String {
        var out = "<div class=\"explanation\"><div><b>\(HTML.escape(label))</b> "
        out += String(format: "<span class=\"muted\">p = %.4f", probability)
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
            out += strongestTokens(8).map { token in
                String(format: "<span class=\"tok\" style=\"background: rgba(%@, %.2f)\">%@ %+.3f</span>",
                       token.contribution! >= 0 ? "var(--pos)" : "var(--neg)",
                       min(1, abs(token.contribution!) / max(scale, 1e-6)) * 0.8, HTML.escape(token.text), token.contribution!)
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

    /// A page of explanations (`textclf explain --format html`).
    public static func htmlPage(_ explanations: [Explanation], title: String = "textclf explain", perToken: Bool = false) -> String {
        var body = "<h1>\(HTML.escape(title))</h1><p class=\"muted\">Each token's contribution to the label's "
            + "probability: the probability with the text as it is minus the probability without that token "
            + "(green for the label, red against, strongest for the text's largest; hover for the value; "
            + "struck-through tokens are not in the vocabulary). With n-gram tokens each character carries an even "
            + "share of the contributions of the pieces covering it, and the strongest pieces are listed.</p>"
        for explanation in explanations {
            body += "<p>\(HTML.escape(explanation.text))</p>" + explanation.html(perToken: perToken)
        }
        return HTMLPage(title: title, body: body).html
    }
}
