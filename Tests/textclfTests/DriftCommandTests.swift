import Foundation
import Testing

/// `textclf drift` as a user runs it: a topics model against more headlines (no drift) and
/// against product reviews (drift), from a file and from standard input; the exit status is
/// 0 either way, and a model without a profile or a file without the column say so.
@Suite struct DriftCommandTests {
    @Test func headlinesPassAndReviewsRaiseTheAlarm() throws {
        let directory = try Command.temporaryDirectory()
        let data = Command.repository.appendingPathComponent("Data")
        let model = directory.appendingPathComponent("topics").path
        let fit = try Command.run(["fit", data.appendingPathComponent("thucnews-train.csv").path, "-o", model, "--epochs", "2", "--seed", "1"])
        #expect(fit.status == 0, "\(fit.stderr)")

        let dev = try Command.run(["drift", model, data.appendingPathComponent("thucnews-dev.csv").path])
        #expect(dev.status == 0, "\(dev.stderr)")
        #expect(dev.stdout.contains("10000 texts") && dev.stdout.contains("1000 validation rows"), "\(dev.stdout)")
        #expect(dev.stdout.contains("No drift"), "\(dev.stdout)")

        let reviews = try Command.run(["drift", model, data.appendingPathComponent("reviews-test.csv").path, "--json"])
        #expect(reviews.status == 0, "drift is an answer, not a failure: \(reviews.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reviews.stdout.utf8)) as? [String: Any])
        #expect(object["drifted"] as? Bool == true && object["threshold"] as? Double == 0.25)
        let signals = try #require(object["signals"] as? [[String: Any]])
        #expect(signals.map { $0["signal"] as? String } == ["coverage", "length", "labels", "confidence"])
        #expect(signals.allSatisfy { ($0["psi"] as? Double ?? 0) >= 0.25 }, "\(signals)")

        // One text a line on standard input; few of them, and the output says so.
        let lines = try Command.run(["drift", model, "--lines"], input: Data("央行宣布降准0.5个百分点\n湖人加时险胜勇士\n".utf8))
        #expect(lines.status == 0 && lines.stdout.contains("2 texts from <stdin>") && lines.stdout.contains("noisy"), "\(lines.stdout)")

        let missing = try Command.run(["drift", model, data.appendingPathComponent("duee-multilabel.csv").path, "--text-column", "content"])
        #expect(missing.status != 0 && missing.stderr.contains("duee-multilabel.csv") && missing.stderr.contains("content"), "\(missing.stderr)")

        // A model saved before profiles were kept has none to compare with.
        let config = URL(fileURLWithPath: model).appendingPathComponent("config.json")
        var stored = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        stored["profile"] = nil
        try JSONSerialization.data(withJSONObject: stored).write(to: config)
        let old = try Command.run(["drift", model, data.appendingPathComponent("thucnews-dev.csv").path])
        #expect(old.status != 0 && old.stderr.contains("fit it again"), "\(old.stderr)")
    }
}
