import Foundation
import Testing

/// `textclf check` on the shipped data, as a user runs it before training.
@Suite struct CheckCommandTests {
    static let data = Command.repository.appendingPathComponent("Data")

    @Test func theTopicsDevFileSharesEightRowsWithTheTrainingFile() throws {
        let train = Self.data.appendingPathComponent("thucnews-train.csv").path
        let dev = Self.data.appendingPathComponent("thucnews-dev.csv").path
        let page = try Command.temporaryDirectory().appendingPathComponent("check.html")
        let check = try Command.run(["check", train, "--test", dev, "--folds", "0", "--html", page.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("Test rows also in the training file: 8 of 10000 (7 distinct texts)"), "\(check.stdout)")
        // One headline is in the dev file twice.
        #expect(check.stdout.contains("test line 4505 (stocks) = training line 832 (stocks)"))
        #expect(check.stdout.contains("test line 9255 (stocks) = training line 832 (stocks)"))
        #expect(check.stdout.contains("Near duplicates within the training file (bigram similarity ≥ 0.80)"))
        #expect(check.stdout.contains("Suspected label errors: not searched (--folds 0)"))
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("<section id=\"data-check\">") && html.contains("8 of 10000 (7 distinct texts)."))
        #expect(html.contains("<td>4505 (stocks)</td><td>832 (stocks)</td><td>明日股市三大猜想及应对策略</td>"))

        let json = try Command.run(["check", train, "--test", dev, "--folds", "0", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let overlap = object?["overlap"] as? [[String: Any]]
        #expect(overlap?.count == 8 && Set(overlap?.compactMap { $0["text"] as? String } ?? []).count == 7)
        #expect((object?["labelCounts"] as? [Any])?.count == 10 && object?["suspects"] == nil)
    }

    @Test func outOfFoldModelsRankSuspectedLabelErrors() throws {
        // 2,000 reviews, with the labels of the first 100 turned over.
        let lines = try String(contentsOf: Self.data.appendingPathComponent("reviews-train.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(2001)
        let flipped = lines.enumerated().map { k, line -> String in
            guard k >= 1 && k <= 100 else { return String(line) }
            let label = line.last == "1" ? "0" : "1"
            return line.dropLast() + label
        }
        let file = try Command.temporaryDirectory().appendingPathComponent("flipped.csv")
        try (flipped.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let check = try Command.run(["check", file.path, "--folds", "3", "--epochs", "3", "--json"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr.contains("Label errors: fold 3 of 3"))
        let object = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        let suspects = try #require(object?["suspects"] as? [[String: Any]])
        let probabilities = suspects.compactMap { $0["givenProbability"] as? Double }
        #expect(probabilities == probabilities.sorted(), "least probable given label first")
        // The first 200 suspects (a tenth of the rows) hold over three times the turned-over rows
        // (lines 2–101) that 200 rows drawn at random would (10): 42 when written.
        let found = suspects.prefix(200).compactMap { $0["line"] as? Int }.filter { (2...101).contains($0) }
        #expect(found.count >= 30, "\(found.count) of 100 found")
    }

    @Test func badOptionsAreRefused() throws {
        let train = Self.data.appendingPathComponent("seed-example.csv").path
        let folds = try Command.run(["check", train, "--folds", "1"])
        #expect(folds.status == 64 && folds.stderr.contains("--folds must be 0"))
        let column = try Command.run(["check", train, "--label-column", "topic"])
        #expect(column.status != 0 && column.stderr.contains("topic"), "\(column.stderr)")
    }
}
