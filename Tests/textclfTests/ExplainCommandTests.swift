import Foundation
import Testing

/// `textclf explain` as a user runs it: plain text in pipes, colours on a terminal only.
@Suite struct ExplainCommandTests {
    let model = Command.sharedModel.path

    @Test func plainTextInPipesAndWithNoColor() throws {
        let piped = try Command.run(["explain", model, "这是一段文本。", "完全陌生"])
        #expect(piped.status == 0, "\(piped.stderr)")
        let blocks = piped.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(blocks.count == 2)
        let lines = blocks[0].split(separator: "\n")
        #expect(lines[0] == "这是一段文本。")
        #expect(lines[2].contains("文本(") && !piped.stdout.contains("\u{1B}["), "token(+0.12), no escapes")
        #expect(blocks[1].contains("完全(-)") && blocks[1].contains("padding alone"))
        // On a terminal (script gives one): colours (the unknown word in grey), unless
        // NO_COLOR or --no-color. (The test runner may set NO_COLOR itself: cleared here.)
        let tty = "script -qec \"'\(Command.executable.path)' explain '\(model)' 这是一段文本zzz\" /dev/null"
        let coloured = try Command.shell("/usr/bin/env", ["-u", "NO_COLOR", "/bin/bash", "-c", tty])
        #expect(coloured.stdout.contains("\u{1B}[90mzzz"), "\(coloured.stdout.debugDescription)")
        #expect(!(try Command.shell("/bin/bash", ["-c", tty], environment: ["NO_COLOR": "1"]).stdout.contains("\u{1B}[")))
        let noColor = "script -qec \"'\(Command.executable.path)' explain --no-color '\(model)' 这是一段文本zzz\" /dev/null"
        #expect(!(try Command.shell("/usr/bin/env", ["-u", "NO_COLOR", "/bin/bash", "-c", noColor]).stdout.contains("\u{1B}[")))
    }

    @Test func jsonLinesFromStandardInputAndHTML() throws {
        let json = try Command.run(["explain", model, "-", "--format", "json"], input: Data("这是文本\n\n".utf8))
        let objects = json.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 2, "\(json.stdout)")
        let tokens = objects[0]?["tokens"] as? [[String: Any]]
        #expect(tokens?.count == 3 && tokens?.allSatisfy { $0.keys.contains("contribution") } == true)
        #expect(objects[1]?["knownTokens"] as? Bool == false, "an empty line has no known tokens")
        let html = try Command.run(["explain", model, "这是文本", "--format", "html"])
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.contains("class=\"tok"))
    }

    @Test func unknownLabelAndUnwritableOutput() throws {
        let label = try Command.run(["explain", model, "文本", "--label", "maybe"])
        #expect(label.status == 64 && label.stderr.contains("\"maybe\"") && label.stderr.contains("\"neg\", \"pos\""))
        let unwritable = try Command.run(["explain", model, "文本", "--format", "html", "-o", "/nonexistent/why.html"])
        #expect(unwritable.status == 73 && unwritable.stderr.contains("/nonexistent/why.html"))
    }

    @Test func nGramContributionsAreFoldedOntoTheText() throws {
        let train = try Command.temporaryDirectory().appendingPathComponent("reviews.csv")
        let rows = try String(contentsOf: Command.repository.appendingPathComponent("Data/reviews-train.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(801)
        try (rows.joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        let model = train.deletingLastPathComponent().appendingPathComponent("bag").path
        #expect(try Command.run(["fit", train.path, "-o", model, "--epochs", "2"]).status == 0)
        let folded = try Command.run(["explain", model, "房间很干净"])
        let lines = folded.stdout.split(separator: "\n")
        // The label with its log-odds split exactly, the text's five characters, each with its
        // share, the strongest pieces, and how pieces are written.
        #expect(lines.count == 5 && lines[2].split(separator: " ").count == 5 && lines[2].hasPrefix("房("), "\(folded.stdout)")
        #expect(lines[1].contains("log-odds") && lines[1].contains("= base") && lines[1].hasSuffix("(exact)"))
        #expect(lines[3].hasPrefix("strongest pieces: ") && lines[4].hasPrefix("pieces: ") && lines[4].contains("+好 one character"))
        let byProbability = try Command.run(["explain", model, "房间很干净", "--scale", "probability"])
        #expect(byProbability.stdout.split(separator: "\n")[1].hasSuffix("probability (occlusion)"))
        let badScale = try Command.run(["explain", model, "房间很干净", "--scale", "logit"])
        #expect(badScale.status != 0 && badScale.stderr.contains("log-odds"))
        let perToken = try Command.run(["explain", model, "房间很干净", "--per-token"])
        #expect(perToken.stdout.contains("房间_很(") && !perToken.stdout.contains("strongest pieces"))
    }
}
