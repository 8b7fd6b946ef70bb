import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each input line's ICU tokens, separated by spaces.",
            discussion: """
            Shows what the model sees. Reads one text per line from FILE, or from standard
            input when FILE is omitted or "-".

            Example:
              echo "iPhone 12很好用！" | textclf tokenize      # iphone 12 很好 用
            """)

        @Argument(help: "A text file, one text per line; '-' or nothing for standard input.")
        var file: String?

        @Option(help: "ICU locale for word segmentation.")
        var locale = "zh"

        @Flag(inversion: .prefixedNo, help: "Lower-case tokens.")
        var lowercase = true

        @Flag(help: "One token per Chinese character instead of per word.")
        var characters = false

        func run() throws {
            try reportingErrors {
                let tokenizer = try ICUTokenizer(locale: locale, lowercased: lowercase,
                                                 unit: characters ? .character : .word)
                if let file, file != "-" {
                    guard let stream = fopen(file, "r") else {
                        throw TextClassificationError.cannotRead(file: file, reason: "no such file or not readable")
                    }
                    defer { fclose(stream) }
                    while let line = readLine(from: stream) { emit(tokenizer.tokens(in: line)) }
                } else {
                    while let line = Swift.readLine(strippingNewline: true) { emit(tokenizer.tokens(in: line)) }
                }
            }
        }

        private func emit(_ tokens: [String]) {
            print(tokens.joined(separator: " "))
        }

        private func readLine(from stream: UnsafeMutablePointer<FILE>) -> String? {
            var buffer: UnsafeMutablePointer<CChar>? = nil
            var capacity = 0
            defer { free(buffer) }
            let length = getline(&buffer, &capacity, stream)
            guard length >= 0, let buffer else { return nil }
            var bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: length)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
