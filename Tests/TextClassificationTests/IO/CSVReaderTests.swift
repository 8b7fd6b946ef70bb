import Foundation
import Testing
import TextClassification

@Suite struct CSVReaderTests {
    func records(_ bytes: [UInt8]) throws -> [CSVRecord] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try CSVReader(url: url)
        var all: [CSVRecord] = []
        while let record = try reader.next() { all.append(record) }
        return all
    }

    func records(_ text: String) throws -> [CSVRecord] { try records(Array(text.utf8)) }

    @Test func rfc4180QuotingCommasQuotesAndNewlines() throws {
        let parsed = try records("text,label\r\n\"好,很好\",1\r\n\"他说\"\"不错\"\"\",0\n\"两\n行\",1\n")
        #expect(parsed.map(\.fields) == [["text", "label"], ["好,很好", "1"], ["他说\"不错\"", "0"], ["两\n行", "1"]])
        #expect(parsed.map(\.line) == [1, 2, 3, 4])
    }

    @Test func aStrayQuoteIsAnErrorOnceTheFieldPassesTheLimitNotTheRestOfTheFile() throws {
        // A quote opened on line 2 and never closed, then more than the limit of lines.
        let line = Array("文本,1\n".utf8)
        var bytes = Array("text,label\n\"oops,1\n".utf8)
        for _ in 0 ... CSVReader.maxFieldBytes / line.count { bytes += line }
        do {
            _ = try records(bytes)
            Issue.record("a field past the limit was read")
        } catch let error as TextClassificationError {
            let message = error.errorDescription ?? ""
            #expect(message.contains(":2:") || message.contains("line 2"), "\(message)")
            #expect(message.contains("never closed"), "\(message)")
        }
    }

    @Test func byteOrderMarkBlankLinesAndNoFinalNewline() throws {
        let parsed = try records([0xEF, 0xBB, 0xBF] + Array("text,label\n\n文本,1".utf8))
        #expect(parsed.map(\.fields) == [["text", "label"], ["文本", "1"]])
        #expect(parsed.last?.line == 3)
    }

    @Test func invalidUTF8NamesLineAndByteOffset() throws {
        let bytes = Array("text,label\n好,1\nab".utf8) + [0xFF] + Array(",0\n".utf8)
        #expect { try records(bytes) } throws: { error in
            // 0-based: line 3 starts at byte 17 ("text,label\n" is 11 bytes, "好,1\n" 6), so a = 17,
            // b = 18 and 0xFF = 19.
            error.localizedDescription.contains(":3:") && error.localizedDescription.contains("byte offset 19")
        }
    }

    @Test func unterminatedQuoteIsAnError() throws {
        #expect { try records("text,label\n\"never closed,1\n") } throws: { error in
            error.localizedDescription.contains(":2:") && error.localizedDescription.contains("never closed")
        }
    }
}
