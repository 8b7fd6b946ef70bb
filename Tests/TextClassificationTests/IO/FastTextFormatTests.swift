import Foundation
import Testing
import TextClassification

/// fastText's supervised format (`__label__x text…` a line), read as fastText reads it.
@Suite struct FastTextFormatTests {
    func read(_ text: String, multiLabel: Bool = false) throws -> LabelledCSV {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fasttext-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try LabelledCSV(fastTextURL: url, multiLabel: multiLabel)
    }

    /// The error's message for `text`, or a recorded issue when it reads.
    func failure(_ text: String, multiLabel: Bool = false) -> String {
        do {
            _ = try read(text, multiLabel: multiLabel)
            Issue.record("read without an error: \(text.debugDescription)")
            return ""
        } catch {
            return (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
    }

    @Test func labelsAnywhereInTheLineTextJoinedBySingleSpaces() throws {
        let data = try read("__label__sports 湖人  加时\t险胜 勇士\r\n\n体育 __label__nba 新闻\n")
        #expect(data.texts == ["湖人 加时 险胜 勇士", "体育 新闻"])
        #expect(data.labels == ["sports", "nba"])
        #expect(data.lines == [1, 3], "blank lines are skipped but counted")
        #expect(data.weights == nil)
    }

    @Test func severalLabelsOnALineMakeSetsAndAnUnlabelledLineThenHoldsNone() throws {
        let data = try read("__label__a __label__b __label__a 文本一\n文本二\n__label__c 文本三\n")
        #expect(data.labels == ["a|b", "", "c"], "each label once, in line order; none on line 2")
        let labels = try LabelSet(inferringFrom: data, multiLabel: true)
        #expect(labels.names.sorted() == ["a", "b", "c"])
    }

    @Test func aLineWithoutALabelIsAnErrorUnlessMultiLabel() throws {
        let message = failure("__label__a 好\n没有标签\n")
        #expect(message.contains(":2:") && message.contains("no label"), "\(message)")
        #expect(try read("__label__a 好\n没有标签\n", multiLabel: true).labels == ["a", ""])
    }

    @Test func badLinesNameTheirLineAndWhatToDo() {
        #expect(failure("__label__a 好\n__label__b\n").contains("no text"))
        #expect(failure("__label__ 好\n").contains("names no label"))
        #expect(failure("__label__a|b 好\n").contains("--label-separator"))
        #expect(failure("\n\n").contains("no examples"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fasttext-\(UUID().uuidString).txt")
        try? Data(Array("__label__a 好\n__label__b ".utf8) + [0xFF] + Array("\n".utf8)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try LabelledCSV(fastTextURL: url)
            Issue.record("invalid UTF-8 was read")
        } catch {
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            #expect(message.contains(":2:") && message.contains("UTF-8"), "\(message)")
        }
    }
}
