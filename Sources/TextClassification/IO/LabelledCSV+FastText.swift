import Foundation

extension LabelledCSV {
    /// The prefix that marks a word as a label in fastText's supervised format.
    public static let fastTextLabelPrefix = "__label__"

    /// Texts and labels from a file in fastText's supervised format (`fasttext supervised
    /// -input`): one example a line; its labels are the words (split on white space, as fastText
    /// splits) that begin with `labelPrefix`, anywhere in the line as fastText reads them, and
    /// its text is the other words joined by single spaces. Blank lines are skipped, as fastText
    /// skips them.
    ///
    /// A line with several labels makes the data multi-label: ``labels`` then holds each line's
    /// labels joined by `separator` (each once, in line order), which
    /// ``LabelSet/init(inferringFrom:multiLabel:separator:)`` reads with `multiLabel: true`.
    ///
    /// ```swift
    /// // __label__sports __label__nba 湖人 加时 险胜 勇士
    /// let data = try LabelledCSV(fastTextURL: URL(fileURLWithPath: "train.txt"))
    /// data.labels[0]   // "sports|nba"
    /// data.texts[0]    // "湖人 加时 险胜 勇士"
    /// ```
    ///
    /// - Parameters:
    ///   - url: the file, UTF-8.
    ///   - labelPrefix: what starts a label word (fastText's `-label`).
    ///   - separator: what joins a line's labels in ``labels``.
    ///   - multiLabel: the data is multi-label whatever its lines hold: a line without a label is
    ///     an example of none. Otherwise it is when a line has several labels; when none has,
    ///     a line without a label is an error (fastText would skip it silently).
    /// - Throws: ``TextClassificationError`` for an empty prefix or one with white space, or
    ///   naming the file and line: invalid UTF-8, a line
    ///   longer than ``CSVReader/maxFieldBytes``, an empty label, a label holding `separator`,
    ///   a line with labels but no text, a line without a label (see `multiLabel`), or a file
    ///   without examples.
    public init(fastTextURL url: URL, labelPrefix: String = fastTextLabelPrefix, separator: String = "|",
                multiLabel: Bool = false) throws {
        guard !labelPrefix.isEmpty, !labelPrefix.contains(where: { $0.isWhitespace }) else {
            throw TextClassificationError.invalidArgument(
                name: "labelPrefix", value: "\"\(labelPrefix)\"", expected: "a prefix without white space, e.g. \"__label__\"")
        }
        let input = try ByteInput(url: url)
        source = input.name
        var labelSets: [[String]] = [], number = 0
        while let line = try input.readLine(number: number + 1, maximumBytes: CSVReader.maxFieldBytes) {
            number += 1
            let words = line.split(whereSeparator: Self.isFastTextSpace)
            guard !words.isEmpty else { continue }
            var names: [String] = [], text: [Substring] = []
            for word in words {
                guard word.hasPrefix(labelPrefix) else { text.append(word); continue }
                let name = String(word.dropFirst(labelPrefix.count))
                try Self.checkFastTextLabel(name, word: word, separator: separator, file: source, line: number)
                if !names.contains(name) { names.append(name) }
            }
            guard !text.isEmpty else {
                throw TextClassificationError.malformedData(
                    file: source, line: number, reason: "the line has labels but no text; remove it or add the text after its labels")
            }
            texts.append(text.joined(separator: " "))
            labelSets.append(names)
            lines.append(number)
        }
        guard !texts.isEmpty else {
            throw TextClassificationError.malformedData(
                file: source, line: max(number, 1),
                reason: "no examples: fastText's format holds one a line, e.g. \"\(labelPrefix)sports 湖人 险胜 勇士\"")
        }
        if !multiLabel && !labelSets.contains(where: { $0.count > 1 }), let row = labelSets.firstIndex(where: \.isEmpty) {
            throw TextClassificationError.malformedData(
                file: source, line: lines[row],
                reason: "the line has no label (a word starting with \(labelPrefix)); give it one, or pass --multi-label if a line may have none")
        }
        labels = labelSets.map { $0.joined(separator: separator) }
    }

    /// What fastText splits words on (its `Dictionary::readWord`): space, tab, CR, VT, FF, NUL.
    private static func isFastTextSpace(_ c: Character) -> Bool {
        switch c {
        case " ", "\t", "\r", "\u{0B}", "\u{0C}", "\0": true
        default: false
        }
    }

    /// Refuses a label fastText's format cannot carry here: empty, or holding the separator
    /// that joins a line's labels.
    private static func checkFastTextLabel(_ name: String, word: Substring, separator: String, file: String,
                                           line: Int) throws {
        if name.isEmpty {
            throw TextClassificationError.malformedData(
                file: file, line: line, reason: "\"\(word)\" names no label; write e.g. \(word)sports")
        }
        if name.contains(separator) {
            throw TextClassificationError.malformedData(
                file: file, line: line,
                reason: "the label \"\(name.prefix(80))\" holds \"\(separator)\", which joins a line's labels; choose another --label-separator")
        }
    }
}
