import Foundation

/// Pretrained word vectors in word2vec's text format, the one the Tencent AI Lab and Sogou
/// Chinese embeddings ship in: a first line `count dimension`, then one line per word,
/// `word v₁ … v_dimension`, separated by spaces. Only the vectors of the words asked for are
/// kept, so a file of millions of words costs one pass and the memory of a vocabulary.
///
/// ```swift
/// let vectors = try WordVectors(contentsOf: URL(fileURLWithPath: "tencent-d200.txt"),
///                               keeping: Set(classifier.vocabulary.wordIndex.keys))
/// vectors.dimension          // 200
/// vectors["手机"]             // [Float] of 200, or nil
/// ```
///
/// Words are compared after `key` (the classifier's normalisation and lower-casing, so that
/// the file's `iPhone` meets the vocabulary's `iphone`); when several of the file's words map
/// to the same key, the first wins (word2vec files list the most frequent first).
public struct WordVectors: Sendable {
    /// The length of every vector.
    public let dimension: Int
    /// The word count the file's first line declares.
    public let declaredCount: Int
    /// The vector lines the file holds.
    public let lineCount: Int
    /// The kept vectors, by (keyed) word.
    public let vectors: [String: [Float]]

    /// The vector of a (keyed) word, if the file has it.
    public subscript(word: String) -> [Float]? { vectors[word] }

    /// Vectors given in memory (each `dimension` long), as if read from a file holding exactly these.
    public init(dimension: Int, vectors: [String: [Float]]) {
        self.dimension = dimension
        self.vectors = vectors
        declaredCount = vectors.count
        lineCount = vectors.count
    }

    /// The first line's `count` and `dimension`, without reading further (e.g. to size an
    /// embedding before the vocabulary exists).
    public static func header(ofFileAt url: URL) throws -> (count: Int, dimension: Int) {
        try readHeader(try ByteInput(url: url))
    }

    private static func readHeader(_ input: ByteInput) throws -> (count: Int, dimension: Int) {
        guard let header = try input.readLine(number: 1) else {
            throw TextClassificationError.malformedData(file: input.name, line: 1,
                                                        reason: "the file is empty; expected word2vec text: `count dimension`, then `word v1 … vN` lines")
        }
        let sizes = header.split(whereSeparator: { $0 == " " || $0 == "\r" })
        guard sizes.count == 2, let count = Int(sizes[0]), let dimension = Int(sizes[1]), count >= 0, dimension > 0,
              dimension <= 1 << 16 else {
            throw TextClassificationError.malformedData(
                file: input.name, line: 1,
                reason: "\"\(header.prefix(80))\" is not word2vec's first line `count dimension` (is this a word2vec text file? binary .bin files are not read)")
        }
        return (count, dimension)
    }

    /// Reads the file, keeping the vectors of `words` (after `key`).
    /// - Throws: naming the file and line: a first line that is not `count dimension`, a line
    ///   with another number of values than the dimension, a value that is not a finite
    ///   number, invalid UTF-8; or a missing or unreadable file.
    public init(contentsOf url: URL, keeping words: Set<String>, key: (String) -> String = { $0 }) throws {
        let input = try ByteInput(url: url)
        let (count, dimension) = try Self.readHeader(input)
        var vectors: [String: [Float]] = [:], number = 1, lines = 0
        while let line = try input.readLine(number: number + 1) {
            number += 1
            if line.allSatisfy({ $0 == " " || $0 == "\r" }) { continue }
            // The word is everything before the first space; the values follow.
            guard let space = line.firstIndex(of: " ") else {
                throw TextClassificationError.malformedData(file: input.name, line: number,
                                                            reason: "no values after the word; expected `word` and \(dimension) numbers")
            }
            lines += 1
            let word = key(String(line[..<space]))
            let fields = line[line.index(after: space)...].split(whereSeparator: { $0 == " " || $0 == "\r" })
            guard fields.count == dimension else {
                throw TextClassificationError.malformedData(
                    file: input.name, line: number,
                    reason: "\(fields.count) values after the word, but the first line says \(dimension)")
            }
            guard words.contains(word), vectors[word] == nil else { continue }
            var vector = [Float](repeating: 0, count: dimension)
            for (j, field) in fields.enumerated() {
                guard let value = Float(field), value.isFinite else {
                    throw TextClassificationError.malformedData(file: input.name, line: number,
                                                                reason: "value \(j + 1), \"\(field)\", is not a finite number")
                }
                vector[j] = value
            }
            vectors[word] = vector
        }
        self.dimension = dimension
        self.declaredCount = count
        self.lineCount = lines
        self.vectors = vectors
    }
}
