import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Show which words drove a prediction.",
            discussion: """
            For each text: the predicted label and every token's contribution to that label's \
            log-odds, log(p / (1 − p)): unlike the probability it does not saturate, so a \
            prediction made with p = 0.9994 (log-odds 7.4) still shows what drove it. For the \
            bag (the default encoder) the log-odds are linear in the tokens, so each token's \
            contribution is its own term and the contributions plus a base (the bias) add up to \
            the log-odds exactly ("exact", one model pass). For the other encoders a \
            contribution is the log-odds with the text as it is minus the log-odds with that \
            token removed ("occlusion", one pass per token). --scale probability measures the \
            probability instead, by occlusion. Multi-class log-odds are the label against all \
            the others together; calibrated models explain the calibrated probability.

            Positive: the token speaks for the label; negative: against it. Tokens the \
            vocabulary drops never reach the model: shown greyed (or as token(-)). Multi-label \
            models: each predicted label is explained, or the one --label names.

            With n-gram tokens (the bag's wordchar: a 40-character review is ~300 overlapping \
            pieces) the contributions are folded back onto the text: each piece's contribution \
            is shared evenly over the characters it covers, the text is shown once with each \
            character's share, and the strongest pieces are listed after it, with a line saying \
            how pieces are written (文本_分类 two adjacent words, +好 one character, 不+太+好 \
            adjacent characters, ␣ white space). --per-token shows every piece instead.

            On a terminal tokens are coloured (green for the label, red against, stronger for \
            larger contributions); --no-color, the NO_COLOR environment variable or a pipe \
            give plain token(+0.12) text. --format json gives one JSON object per line, \
            --format html a self-contained page.

            Examples:
              textclf explain reviews-model "质量很好，物流也快"
              textclf explain topics-model --label sports "湖人加时险胜勇士"
              textclf explain reviews-model - --format json < texts.txt
              textclf explain reviews-model "房间很脏" --format html -o why.html
            """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json, html
        }

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "Texts to explain; '-' (or nothing) reads one text per line from standard input.")
        var texts: [String] = []
        @Option(help: "Explain this label instead of the predicted one.") var label: String?
        @Option(help: "Binary and multi-label models: the decision threshold (as in predict; default: 0.5 or the model's tuned ones).") var threshold: Float?
        @Option(help: "What a contribution measures: log-odds (exact for the bag) or probability (by occlusion).")
        var scale = Explanation.Scale.logOdds
        @Option(help: "Output: text, json (one object per line) or html (a page).") var format = Format.text
        @Flag(help: "With n-gram tokens: list every token's contribution instead of folding them onto the text's characters.")
        var perToken = false
        @Flag(help: "Plain text even on a terminal.") var noColor = false
        @Option(name: [.short, .customLong("output")], help: "Write to this file (atomically) instead of standard output.")
        var output: String?

        /// Texts explained per model call (each one is n + 1 sequences).
        static let batchSize = 32

        func validate() throws {
            guard threshold.map({ $0 >= 0 && $0 <= 1 }) ?? true else { throw ValidationError("--threshold must be in [0, 1]") }
        }

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let out = try OutputFile(path: output)
                let colour = format == .text && !noColor && output == nil && isatty(STDOUT_FILENO) == 1
                    && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
                var page: [Explanation] = []
                let notation = classifier.configuration.unit.notation
                func explain(_ batch: [String]) throws {
                    guard !batch.isEmpty else { return }
                    for explanations in try classifier.explain(batch, label: label, threshold: threshold, scale: scale) {
                        switch format {
                        case .text:
                            try out.write(explanations.map {
                                Self.text($0, colour: colour, perToken: perToken, notation: notation)
                            }.joined())
                        case .json: try out.write(explanations.map { $0.json() + "\n" }.joined())
                        case .html: page += explanations
                        }
                    }
                    try out.flush()
                }
                do {
                    if texts.isEmpty || texts == ["-"] {
                        let input = ByteInput(standardInputNamed: "<stdin>")
                        var batch: [String] = [], number = 0
                        while true {
                            number += 1
                            guard let line = try input.readLine(number: number) else { break }
                            batch.append(line)
                            if batch.count >= Self.batchSize || !input.isReady() {
                                try explain(batch)
                                batch.removeAll()
                            }
                        }
                        try explain(batch)
                    } else {
                        for start in stride(from: 0, to: texts.count, by: Self.batchSize) {
                            try explain(Array(texts[start ..< min(texts.count, start + Self.batchSize)]))
                        }
                    }
                    if format == .html { try out.write(Explanation.htmlPage(page, perToken: perToken, notation: notation)) }
                    try out.commit()
                } catch {
                    out.discard()
                    throw error
                }
            }
        }

        /// Three lines and a blank one: the text, the label with its probability and what the
        /// contributions measure, the tokens; with n-gram tokens folded, the text's characters,
        /// then the strongest pieces and how pieces are written (`notation`).
        static func text(_ e: Explanation, colour: Bool, perToken: Bool = false, notation: String? = nil) -> String {
            var head = "\(e.label) " + String(format: "%.4f", e.probability) + "  " + measure(e)
            if !e.prediction.labelIndices.contains(e.labelIndex) {
                head += "  (predicted: \(e.prediction.label.isEmpty ? "none" : e.prediction.label))"
            }
            // Log-odds contributions of 2 show at full strength; probabilities of 1.
            let strength: Float = e.scale == .logOdds ? 2 : 1
            let body: String
            if !e.hasKnownTokens {
                body = e.tokens.isEmpty ? "(no tokens: the text is empty; the probability comes from the padding alone)"
                    : e.tokens.map { plain($0) }.joined(separator: " ")
                      + "\n(no token is in the model's vocabulary: the probability comes from the padding alone)"
            } else if !perToken, let shares = e.characterContributions {
                let characters = zip(e.readText, shares).map { character, c in
                    let piece = Explanation.Token(text: String(character), contribution: c)
                    return colour ? coloured(piece, scale: shares.map(abs).max() ?? 0)
                                  : piece.text + String(format: "(%+.3f)", c)
                }
                body = characters.joined(separator: colour ? "" : " ") + "\nstrongest pieces: "
                    + e.strongestPieces(8).map { piece in
                        let token = Explanation.Token(text: piece.text + (piece.occurrences > 1 ? "×\(piece.occurrences)" : ""),
                                                      contribution: piece.contribution)
                        return colour ? coloured(token, scale: strength) : plain(token)
                    }.joined(separator: " ")
                    + (notation.map { "\n" + $0 } ?? "")
            } else {
                body = e.tokens.map { colour ? coloured($0, scale: strength) : plain($0) }.joined(separator: " ")
            }
            return "\(e.text)\n\(head)\n\(body)\n\n"
        }

        /// "log-odds +7.43 = base +0.12 + contributions (exact)", "log-odds +7.43 (occlusion)" or
        /// "probability (occlusion)".
        static func measure(_ e: Explanation) -> String {
            switch (e.scale, e.base) {
            case (.logOdds, let base?): String(format: "log-odds %+.2f = base %+.2f + contributions (exact)", e.value, base)
            case (.logOdds, nil): String(format: "log-odds %+.2f (occlusion)", e.value)
            case (.probability, _): "probability (occlusion)"
            }
        }

        static func plain(_ token: Explanation.Token) -> String {
            token.text + (token.contribution.map { String(format: "(%+.2f)", $0) } ?? "(-)")
        }

        /// Green or red background in four strengths by |contribution| (from 0.02, 0.08, 0.2,
        /// 0.4 of `scale`, 1 by default; below the first uncoloured); dropped tokens in grey.
        static func coloured(_ token: Explanation.Token, scale: Float = 1) -> String {
            guard let c = token.contribution else { return "\u{1B}[90m\(token.text)\u{1B}[0m" }
            let level = [0.02, 0.08, 0.2, 0.4].filter { abs(c) >= Float($0) * scale }.count
            guard level > 0 else { return token.text }
            // xterm-256 greens (22, 28, 34, 40) and reds (52, 88, 124, 160).
            let code = (c > 0 ? [22, 28, 34, 40] : [52, 88, 124, 160])[level - 1]
            return "\u{1B}[48;5;\(code)m\u{1B}[97m\(token.text)\u{1B}[0m"
        }
    }
}

extension Explanation.Scale: ExpressibleByArgument {}
