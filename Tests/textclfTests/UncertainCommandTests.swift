import Foundation
import Testing

/// `textclf uncertain`: the rows the model is least sure of, from a CSV or lines.
@Suite struct UncertainCommandTests {
    @Test func picksTheLeastCertainRowsWithTheirRowNumbers() throws {
        let model = Command.sharedModel.path
        let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。", "好的", "文本", "另一段", "第三"]
        let all = try Command.run(["predict", model, "--lines"], input: Data(texts.joined(separator: "\n").utf8))
        #expect(all.status == 0)
        // The expected order, from predict's own probabilities: 1 − |2p − 1|, highest first.
        let probabilities = all.stdout.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",").last!)! }
        let expected = probabilities.indices.sorted {
            let a = 1 - abs(2 * probabilities[$0] - 1), b = 1 - abs(2 * probabilities[$1] - 1)
            return a != b ? a > b : $0 < $1
        }.prefix(3).map { $0 + 1 }

        let result = try Command.run(["uncertain", model, "--lines", "--top", "3"], input: Data(texts.joined(separator: "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.first == "rank,row,uncertainty,text,label,probability")
        #expect(rows.count == 4)
        #expect(rows.dropFirst().map { Int($0.split(separator: ",")[1])! } == Array(expected))
        #expect(rows.dropFirst().map { Int($0.split(separator: ",")[0])! } == [1, 2, 3])
        #expect(result.stderr.contains("picked 3 of 7 rows by margin"))
    }

    @Test func refusesABadTopAndNamesAMissingColumn() throws {
        let model = Command.sharedModel.path
        let zero = try Command.run(["uncertain", model, "--lines", "--top", "0"], input: Data("好\n".utf8))
        #expect(zero.status != 0 && zero.stderr.contains("--top must be at least 1"))
        let missing = try Command.run(["uncertain", model], input: Data("words,label\n好,pos\n".utf8))
        #expect(missing.status == 65 && missing.stderr.contains("text"), "\(missing.stderr)")
    }
}
