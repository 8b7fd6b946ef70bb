import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokenize",
            abstract: "Print each input line's ICU tokens, separated by spaces.",
            discussion: """
            Shows what the model sees. Reads one text per line from FILE, or from standard \
            input when FILE is omitted or "-". With --vocab, the text goes through that model's \
            normalisation and tokenizer, and each token is followed by its index in the model's \
            vocabulary: 文本/1, or /- for a word the model drops (unknown, or cut by \
            num-words), or /OOV:1 where it has an OOV token; in a model with hashed n-gram \
            buckets (fit --buckets) an n-gram shows the embedding row it shares: 文+本/#10231.

            Examples:
              echo "iPhone 12很好用！" | textclf tokenize          # iphone 12 很好 用
              echo "这是另一段文本。" | textclf tokenize --vocab seed-model
            """)

        @Argument(help: "A text file, one text per line; '-' or nothing for standard input.")
        var file: String?

        @Option(help: "Show indices in this model's vocabulary (and use its tokenizer settings).")
        var vocab: String?

        @Option(help: "ICU locale for word segmentation (ignored with --vocab).")
        var locale = "zh"

        @Flag(inversion: .prefixedNo, help: "Lower-case tokens (ignored with --vocab).")
        var lowercase = true

        @Flag(help: "One token per Chinese character instead of per word (ignored with --vocab).")
        var characters = false

        @Flag(help: "The words, each pair of adjacent words (a_b) and each pair of adjacent characters (a+b), as fit --tokens ngrams (ignored with --vocab).")
        var ngrams = false

        @Flag(help: "As --ngrams, plus each character (+a) and each run of three characters (a+b+c), as fit --tokens ngrams3 (ignored with --vocab).")
        var ngrams3 = false

        @Option(help: "Tokens as fit --tokens makes them: word, char, ngrams, ngrams3 or wordchar (ignored with --vocab; overrides the flags above).")
        var tokens: TextClf.Fit.TokenUnit?

        @OptionGroup(title: "Text (ignored with --vocab, which uses the model's)")
        var text: TextOptions

        func run() throws {
            try reportingErrors {
                let model = try vocab.map { try TextClassifier(contentsOf: URL(fileURLWithPath: $0)) }
                let tokenizer = try model?.tokenizer
                    ?? ICUTokenizer(locale: locale, lowercased: lowercase, unit: tokens?.unit ?? (ngrams3 ? .ngrams3 : ngrams ? .ngrams : characters ? .character : .word),
                                    dictionary: loadDictionaries(text.userDictionaries))
                let normalizer = model?.normalizer ?? text.normalizer
                let input = try file.flatMap { $0 == "-" ? nil : $0 }.map { try ByteInput(url: URL(fileURLWithPath: $0)) }
                    ?? ByteInput(standardInputNamed: "<stdin>")
                let out = try OutputFile(path: nil)
                var number = 0
                while true {
                    number += 1
                    guard let line = try input.readLine(number: number) else { break }
                    let shown: [String]
                    if let model, let buckets = model.buckets, model.hashesRareTokens {
                        // Tokens the vocabulary keeps through it; the others hashed to a row after the kept ones.
                        shown = tokenizer.tokens(in: normalizer(line)).map { token in
                            let index = model.vocabulary.wordIndex[token].flatMap { $0 < model.wordRows ? $0 : nil }
                            return index.map { "\(token)/\($0)" } ?? "\(token)/#\(model.wordRows + buckets.bucket(of: token))"
                        }
                    } else if let model, let buckets = model.buckets {
                        // Words through the vocabulary; n-grams hashed to a row after the words'.
                        let (tokens, words) = tokenizer.wordsAndNGrams(in: normalizer(line))
                        shown = tokens.enumerated().map { k, token in
                            k < words ? annotate(token, model.vocabulary) : "\(token)/#\(model.wordRows + buckets.bucket(of: token))"
                        }
                    } else {
                        let tokens = tokenizer.tokens(in: normalizer(line))
                        shown = model.map { model in tokens.map { annotate($0, model.vocabulary) } } ?? tokens
                    }
                    try out.write(shown.joined(separator: " ") + "\n")
                    if !input.isReady() { try out.flush() }
                }
                try out.commit()
            }
        }

        private func annotate(_ token: String, _ vocabulary: Vocabulary) -> String {
            let encoded = vocabulary.encode([token])
            guard let index = encoded.first else { return token + "/-" }
            if let oov = vocabulary.oovIndex, Int(index) == oov, token != vocabulary.oovToken {
                return "\(token)/OOV:\(index)"
            }
            return "\(token)/\(index)"
        }
    }
}
