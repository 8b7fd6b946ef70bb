import Testing
import TextClassification

// Keras's pad_sequences (keras/src/utils/sequence_utils.py): "pre" truncating keeps the last
// maxlen items, "post" the first; an empty sequence becomes a row of `value`.
@Suite struct PaddingTests {
    let sequences: [[Int32]] = [[1, 2, 3, 4, 5], [6, 7], []]

    func rows(_ matrix: IndexMatrix) -> [[Int32]] {
        (0..<matrix.rows).map { Array(matrix[row: $0]) }
    }

    @Test(arguments: [
        (Padding.Side.pre, Padding.Side.pre, [[3, 4, 5], [0, 6, 7], [0, 0, 0]] as [[Int32]]),
        (.pre, .post, [[1, 2, 3], [0, 6, 7], [0, 0, 0]]),
        (.post, .pre, [[3, 4, 5], [6, 7, 0], [0, 0, 0]]),
        (.post, .post, [[1, 2, 3], [6, 7, 0], [0, 0, 0]]),
    ])
    func shorterLengthCutsAndPads(padding: Padding.Side, truncating: Padding.Side, expected: [[Int32]]) throws {
        let pad = try Padding(length: 3, padding: padding, truncating: truncating)
        let matrix = pad(sequences)
        #expect(matrix.rows == 3 && matrix.columns == 3)
        #expect(rows(matrix) == expected)
    }

    @Test(arguments: [Padding.Side.pre, .post])
    func longerLengthOnlyPads(truncating: Padding.Side) throws {
        let pre = try Padding(length: 6, padding: .pre, truncating: truncating)
        #expect(rows(pre(sequences)) == [[0, 1, 2, 3, 4, 5], [0, 0, 0, 0, 6, 7], [0, 0, 0, 0, 0, 0]])
        let post = try Padding(length: 6, padding: .post, truncating: truncating)
        #expect(rows(post(sequences)) == [[1, 2, 3, 4, 5, 0], [6, 7, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    }

    @Test func defaultsArePreAndZeroAndStorageIsContiguous() throws {
        let matrix = try Padding(length: 4)(sequences)
        #expect(matrix.storage == [2, 3, 4, 5, 0, 0, 6, 7, 0, 0, 0, 0])
    }

    @Test func noLengthUsesTheLongestSequence() throws {
        let matrix = try Padding(length: nil)(sequences)
        #expect(matrix.columns == 5)
        #expect(rows(matrix)[1] == [0, 0, 0, 6, 7])
    }

    @Test func customValue() throws {
        let matrix = try Padding(length: 3, padding: .post, value: -1)([[9]])
        #expect(matrix.storage == [9, -1, -1])
    }

    @Test func lengthBelowOneIsRejected() {
        #expect(throws: TextClassificationError.self) { try Padding(length: 0) }
    }
}
