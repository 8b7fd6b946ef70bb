import Testing
@testable import TextClassification

struct TokenSequencesTests {
    /// A batch read from ragged rows is the matrix pad_sequences gives for those rows, for
    /// every padding and truncating side.
    @Test(arguments: [(Padding.Side.pre, Padding.Side.pre), (.pre, .post), (.post, .pre), (.post, .post)])
    func batchesAreWhatPaddingAllRowsGives(padding side: Padding.Side, truncating: Padding.Side) throws {
        let rows: [[Int32]] = [[1, 2], [3, 4, 5, 6, 7], [], [8, 9, 10, 11]]
        let padding = try Padding(length: 4, padding: side, truncating: truncating)
        var sequences = TokenSequences(padding: padding)
        for row in rows { sequences.append(row) }
        let whole = padding(rows)
        #expect(sequences.batch([3, 0, 1, 2]) == whole.rows([3, 0, 1, 2]))
        #expect(sequences.tokens.count == 2 + 4 + 0 + 4, "rows cut when appended, never padded")
    }

    /// Mapping drops and rewrites indices in place, then cuts to the new padding: the same
    /// as encoding first and padding after.
    @Test func mapDropsRewritesAndCuts() throws {
        var sequences = TokenSequences(padding: try Padding(length: nil))
        for row: [Int32] in [[0, 1, 2, 3, 4, 5], [5, 5, 1], [2]] { sequences.append(row) }
        let padding = try Padding(length: 3, truncating: .pre)
        sequences.map(cuttingTo: padding) { $0 == 2 ? nil : $0 + 10 }
        #expect(sequences.count == 3 && sequences.columns == 3)
        #expect(Array(sequences[0]) == [13, 14, 15] && Array(sequences[1]) == [15, 15, 11] && sequences[2].isEmpty)
        #expect(sequences.batch(0..<3) == padding([[10, 11, 13, 14, 15], [15, 15, 11], []]))
    }

    /// The builder ranks as fit does and hands back positions that become the same indices
    /// encode gives, with and without an OOV token.
    @Test(arguments: [nil, "<oov>"])
    func builderPositionsBecomeEncodeIndices(oov: String?) {
        let documents = [["b", "a", "a"], ["c", "a", "b", "d"], ["b"]]
        var fitted = Vocabulary(numWords: 3, oovToken: oov)
        fitted.fit(documents)
        var builder = Vocabulary.Builder(Vocabulary(numWords: 3, oovToken: oov))
        var positions: [[Int32]] = []
        for document in documents {
            var row: [Int32] = []
            builder.add(document, positions: &row)
            positions.append(row)
        }
        let (built, index) = builder.finish()
        #expect(built == fitted)
        for (document, row) in zip(documents, positions) {
            let encoded = row.compactMap { p -> Int32? in index[Int(p)] < 3 ? index[Int(p)] : built.oovIndex.map(Int32.init) }
            #expect(encoded == fitted.encode(document))
        }
    }
}
