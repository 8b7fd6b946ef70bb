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
}

/// `textclf report` and `fit --report` end to end, with the bad inputs of the report.
@Suite struct ReportCommandTests {
    @Test func reportFromFitAndFromTheCommand() throws {
        let directory = try Command.temporaryDirectory()
        let train = directory.appendingPathComponent("train.csv")
        try ("text,label\n" + (0..<40).map { $0 % 2 == 0 ? "质量很好 推荐\($0),pos" : "太差 退货\($0),neg" }.joined(separator: "\n") + "\n")
            .write(to: train, atomically: true, encoding: .utf8)
        let model = directory.appendingPathComponent("model").path
        let fit = try Command.run(["fit", train.path, "-o", model, "--epochs", "2", "--report"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try String(contentsOfFile: model + "/report.html", encoding: .utf8)
        #expect(report.contains("id=\"confusion\"") && report.contains("id=\"wrong\""), "measured on the validation rows")
        #expect(try Command.run(["fit", train.path, "-o", model, "--report", "--validation-split", "0"]).status == 64)

        let out = directory.appendingPathComponent("r.html").path
        let made = try Command.run(["report", model, "--test", train.path, "-o", out])
        #expect(made.status == 0 && FileManager.default.fileExists(atPath: out), "\(made.stderr)")
        // A label the model does not know, named with its line; an unwritable path: exit 73.
        let bad = directory.appendingPathComponent("bad.csv")
        try "text,label\n好,pos\n差,maybe\n".write(to: bad, atomically: true, encoding: .utf8)
        let unknown = try Command.run(["report", model, "--test", bad.path, "-o", directory.appendingPathComponent("x.html").path])
        #expect(unknown.status == 65 && unknown.stderr.contains("\(bad.path):3") && unknown.stderr.contains("\"maybe\""))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.html").path))
        let unwritable = try Command.run(["report", model, "-o", "/nonexistent/r.html"])
        #expect(unwritable.status == 73 && unwritable.stderr.contains("/nonexistent/r.html"))
    }
}

/// `textclf words` and the tokenizer's text options end to end.
@Suite struct WordsCommandTests {
    @Test func discoversShopWordsAndWritesADictionary() throws {
        let reviews = Command.repository.appendingPathComponent("Data/reviews-train.csv").path
        let output = try Command.temporaryDirectory().appendingPathComponent("words.txt").path
        let result = try Command.run(["words", reviews, "--top", "2000", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.first == "word\tcount\tcohesion\tfreedom\tscore")
        let words = rows.dropFirst().map { String($0.split(separator: "\t")[0]) }
        for word in ["性价比", "好评", "客服", "京东", "入住"] { #expect(words.contains(word), "\(word)") }
        let dictionary = try String(contentsOfFile: output, encoding: .utf8)
        #expect(dictionary.split(separator: "\n").count == words.count && dictionary.contains("性价比 359\n"))
        // The dictionary, given back to the tokenizer, keeps those words whole.
        let tokens = try Command.run(["tokenize", "--user-dict", output], input: Data("性价比，给好评\n".utf8))
        #expect(tokens.stdout == "性价比 给 好评\n")
    }

    @Test func normalisationAndTraditionalChineseOnTheCommandLine() throws {
        let text = Data("ｉＰｈｏｎｅ１２很好用，這家餐廳\n".utf8)
        #expect(try Command.run(["tokenize"], input: text).stdout == "iphone12 很好 用 這家 餐廳\n")
        #expect(try Command.run(["tokenize", "--to-simplified"], input: text).stdout == "iphone12 很好 用 这 家 餐厅\n")
        #expect(try Command.run(["tokenize", "--normalization", "none"], input: text).stdout == "ｉｐｈｏｎｅ１２ 很好 用 這家 餐廳\n")
        let bad = try Command.run(["tokenize", "--user-dict", "/nonexistent/dict.txt"], input: text)
        #expect(bad.status == 66 && bad.stderr.contains("/nonexistent/dict.txt"))
    }
}
