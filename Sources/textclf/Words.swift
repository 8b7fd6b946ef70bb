import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Words: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "words",
            abstract: "Discover new words in a corpus: a user dictionary for the vocabulary ICU splits.",
            discussion: """
            Candidates are runs of 2 to 4 adjacent Chinese ICU tokens (性|价|比), kept when they \
            are frequent (--min-count), cohesive (the smallest pointwise mutual information over \
            the ways to cut them in two, --min-cohesion) and free (the entropy of the characters \
            to their left and right, the smaller of the two, --min-freedom); ranked by \
            cohesion × freedom × log(count). Prints the ranked list; -o writes the top ones as a \
            user dictionary for textclf fit --user-dict (jieba's format: word and count).

            Examples:
              textclf words Data/reviews-train.csv --top 20
              textclf words Data/reviews-train.csv -o shop-words.txt
              textclf fit Data/reviews-train.csv -o reviews-model --user-dict shop-words.txt
            """)

        @Argument(help: "A CSV file with a header row and a text column.") var corpus: String
        @Option(help: "The column holding the texts.") var textColumn = "text"
        @Option(help: "Candidates printed (and written with -o).") var top = 50
        @Option(help: "Candidates seen fewer times are left out.") var minCount = 5
        @Option(help: "Smallest cohesion (pointwise mutual information, natural log) kept.") var minCohesion = 3.0
        @Option(help: "Smallest freedom (entropy of neighbouring characters, natural log) kept.") var minFreedom = 1.5
        @Option(help: "Unicode normalisation first: nfkc or none.") var normalization = TextNormalizer.Form.nfkc
        @Flag(help: "Convert Traditional Chinese to Simplified first.") var toSimplified = false
        @Option(name: [.short, .customLong("output")], help: "Write the top words as a user dictionary to this file (atomically).")
        var output: String?

        func validate() throws {
            guard top >= 1 else { throw ValidationError("--top must be at least 1") }
            guard minCount >= 1 else { throw ValidationError("--min-count must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let data = try LabelledCSV(url: URL(fileURLWithPath: corpus), textColumn: textColumn, labelColumn: nil)
                var discovery = WordDiscovery(tokenizer: try ICUTokenizer(),
                                              normalizer: TextNormalizer(form: normalization, toSimplified: toSimplified))
                discovery.minimumCount = minCount
                discovery.minimumCohesion = minCohesion
                discovery.minimumFreedom = minFreedom
                let start = Date()
                let words = Array(discovery.discover(in: data.texts).prefix(top))
                printError(String(format: "%d candidate words in %d texts of %@ (%.1fs)", words.count, data.texts.count,
                                  data.source, Date().timeIntervalSince(start)))
                let out = try OutputFile(path: nil)
                try out.write("word\tcount\tcohesion\tfreedom\tscore\n")
                for w in words {
                    try out.write(String(format: "%@\t%d\t%.2f\t%.2f\t%.1f\n", w.word, w.count, w.cohesion, w.freedom, w.score))
                }
                try out.commit()
                if let output {
                    let file = try OutputFile(path: output)
                    do {
                        try file.write(words.map { "\($0.word) \($0.count)\n" }.joined())
                        try file.commit()
                    } catch {
                        file.discard()
                        throw error
                    }
                    printError("Wrote \(words.count) words to \(output) (use it with textclf fit --user-dict \(output))")
                }
            }
        }
    }
}
