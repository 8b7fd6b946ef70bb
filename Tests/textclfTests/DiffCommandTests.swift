import Foundation
import Testing

/// `textclf diff` as a user runs it: two fits of a reviews model compared on labelled and on
/// unlabelled texts, the JSON and the page, and a file it cannot read.
@Suite struct DiffCommandTests {
    @Test func twoFitsComparedOnLabelledAndUnlabelledTexts() throws {
        let directory = try Command.temporaryDirectory()
        let rows = try String(contentsOf: Command.repository.appendingPathComponent("Data/reviews-train.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let train = directory.appendingPathComponent("train.csv"), test = directory.appendingPathComponent("test.csv")
        try (rows.prefix(1201).joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        try ([rows[0]] + rows[1201..<1601]).joined(separator: "\n").appending("\n").write(to: test, atomically: true, encoding: .utf8)
        let old = directory.appendingPathComponent("old").path, new = directory.appendingPathComponent("new").path
        #expect(try Command.run(["fit", train.path, "-o", old, "--epochs", "1", "--seed", "1"]).status == 0)
        #expect(try Command.run(["fit", train.path, "-o", new, "--epochs", "4", "--seed", "2"]).status == 0)

        let page = directory.appendingPathComponent("diff.html").path
        let labelled = try Command.run(["diff", old, new, test.path, "--html", page])
        #expect(labelled.status == 0, "\(labelled.stderr)")
        #expect(labelled.stdout.contains("of 400 texts change their answer") && labelled.stdout.contains("95% interval"))
        #expect(labelled.stdout.contains("McNemar's exact test p"), "\(labelled.stdout)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("On the labelled texts") && !html.contains("<script"))

        let json = try Command.run(["diff", old, new, test.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["count"] as? Int == 400 && object["outcome"] is [String: Any])
        let flips = try #require(object["flips"] as? [[String: Any]])
        #expect(flips.map { $0["count"] as? Int ?? 0 }.reduce(0, +) == object["changed"] as? Int)

        // Texts without labels: the flips only.
        let texts = directory.appendingPathComponent("texts.csv")
        try "content\n质量很好\n房间很脏\n一般般吧\n".write(to: texts, atomically: true, encoding: .utf8)
        let unlabelled = try Command.run(["diff", old, new, texts.path, "--text-column", "content"])
        #expect(unlabelled.status == 0 && unlabelled.stdout.contains("of 3 texts") && !unlabelled.stdout.contains("accuracy"))
        #expect(unlabelled.stderr.contains("no label column"))

        let missing = try Command.run(["diff", old, new, texts.path])
        #expect(missing.status != 0 && missing.stderr.contains("texts.csv") && missing.stderr.contains("no column \"text\""))
    }
}
