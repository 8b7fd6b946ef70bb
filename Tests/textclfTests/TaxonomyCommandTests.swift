import Foundation
import Testing

/// A taxonomy and an operating point end to end, as a user runs them: fit on the shipped
/// two-level topics with a target precision, predict paths and abstentions, evaluate per
/// level, move the operating point with tune-threshold.
@Suite struct TaxonomyCommandTests {
    @Test func aTaxonomyFitsPredictsPathsAbstainsAndEvaluatesPerLevel() throws {
        let train = try HeadCommandTests().head(of: "thucnews-tree-train.csv", rows: 3000),
            dev = try HeadCommandTests().head(of: "thucnews-tree-dev.csv", rows: 600)
        let model = try Command.temporaryDirectory().appendingPathComponent("tree").path
        let fit = try Command.run(["fit", train, "--taxonomy", "-o", model, "--epochs", "3", "--calibrate", "--target-precision", "0.95"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("10 leaves of a taxonomy of 2 levels, 4 at the top (multi-class):"), "\(fit.stderr)")
        #expect(fit.stderr.contains("Operating point for precision 0.95 on the 300 validation rows: answers "), "\(fit.stderr)")
        let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
        #expect(config.contains("\"taxonomy\" : \"/\"") && config.contains("\"operatingPoint\""))
        #expect(config.contains("\"formatVersion\" : 10"))

        let evaluate = try Command.run(["evaluate", model, dev])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        for part in ["  level 1  ", "  level 2  ", "answered   ", "precision  ", "backed off "] {
            #expect(evaluate.stdout.contains(part), "\(part) in: \(evaluate.stdout)")
        }
        let json = try Command.run(["evaluate", model, dev, "--json"])
        let decisions = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["decisions"] as? [String: Any]
        let answered = try #require(decisions?["answered"] as? Int)
        #expect(answered > 0 && answered < 600, "some texts answered, some not: \(json.stdout)")
        #expect((decisions?["levelAccuracy"] as? [Double])?.count == 2)

        // Every answer is a node of the tree or the unknown label, marked as abstained.
        let predict = try Command.run(["predict", model, dev, "--format", "jsonl", "--unknown-label", "?"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let answers = try predict.stdout.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let nodes: Set<String> = ["财经", "文娱", "时政", "科教", "财经/finance", "财经/stocks", "财经/realty", "文娱/entertainment",
                                  "文娱/game", "文娱/sports", "时政/politics", "时政/society", "科教/education", "科教/science"]
        for answer in answers {
            let label = try #require(answer["label"] as? String)
            #expect(nodes.contains(label) || label == "?" && answer["abstained"] as? Bool == true, "\(answer)")
        }
        #expect(answers.filter { $0["abstained"] != nil }.count == 600 - answered, "evaluate counts what predict leaves out")

        // A lower target answers more; --none answers everything with a leaf again.
        let lower = try Command.run(["tune-threshold", model, dev, "--target-precision", "0.8", "-o", model + "-80"])
        #expect(lower.status == 0, "\(lower.stderr)")
        #expect(lower.stderr.contains("Operating point for precision 0.8 on the 600 "), "\(lower.stderr)")
        let lowerJSON = try Command.run(["evaluate", model + "-80", dev, "--json"])
        let lowerAnswered = ((try JSONSerialization.jsonObject(with: Data(lowerJSON.stdout.utf8)) as? [String: Any])?["decisions"] as? [String: Any])?["answered"] as? Int
        #expect((lowerAnswered ?? 0) > answered)
        #expect(try Command.run(["tune-threshold", model, "--none"]).status == 0)
        let plain = try Command.run(["predict", model, dev, "--format", "jsonl"])
        #expect(!plain.stdout.contains("abstained") && plain.stdout.split(separator: "\n").allSatisfy { $0.contains("/") })
    }

    @Test func badTaxonomyInputGetsAnErrorNamingWhatToDo() throws {
        let directory = try Command.temporaryDirectory()
        let file = directory.appendingPathComponent("bad.csv")
        try "text,label\n股市,财经/stocks\n楼市,财经//realty\n游戏,文娱/game\n".write(to: file, atomically: true, encoding: .utf8)
        let fit = try Command.run(["fit", file.path, "--taxonomy", "-o", directory.appendingPathComponent("m").path])
        #expect(fit.status == 65 && fit.stderr.contains("bad.csv:3") && fit.stderr.contains("parent/child"), "\(fit.stderr)")
        let both = try Command.run(["fit", file.path, "--taxonomy", "--multi-label", "-o", directory.appendingPathComponent("m").path])
        #expect(both.status == 64 && both.stderr.contains("--taxonomy and --multi-label"), "\(both.stderr)")
        let range = try Command.run(["fit", file.path, "--target-precision", "1.5", "-o", directory.appendingPathComponent("m").path])
        #expect(range.status == 64 && range.stderr.contains("(0, 1]"), "\(range.stderr)")
        let noFile = try Command.run(["tune-threshold", directory.path, "--target-precision", "0.9"])
        #expect(noFile.status == 64 && noFile.stderr.contains("labelled file"), "\(noFile.stderr)")
    }
}
