import Foundation
import Testing
@testable import TextClassification

/// How label cells become a classifier's labels: binary, multi-class, multi-label.
@Suite struct LabelSetTests {
    func csv(_ text: String) throws -> LabelledCSV {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try LabelledCSV(url: url, labelColumn: "label")
    }

    @Test func twoLabelsAreBinaryAndNumbersSortNumerically() throws {
        let data = try csv("text,label\na,10\nb,2\nc,10\n")
        let labels = try LabelSet(inferringFrom: data)
        #expect(labels.head == .binary)
        #expect(labels.names == ["2", "10"], "10 is label 1, not 2 (numeric order)")
        #expect(try labels.classIndices(of: data) == [1, 0, 1])
    }

    @Test func moreLabelsAreMultiClassInAlphabeticalOrder() throws {
        let data = try csv("text,label\na,sports\nb,finance\nc,game\nd,sports\n")
        let labels = try LabelSet(inferringFrom: data)
        #expect(labels.head == .multiClass)
        #expect(labels.names == ["finance", "game", "sports"])
        #expect(try labels.classIndices(of: data) == [2, 0, 1, 2])
        #expect(labels.counts(classIndices: try labels.classIndices(of: data)) == [1, 1, 2])
    }

    @Test func multiLabelCellsAreSetsAndEmptyMeansNone() throws {
        let data = try csv("text,label\na,体育|财经\nb,\nc, 财经 |财经\nd,科技\n")
        let labels = try LabelSet(inferringFrom: data, multiLabel: true)
        #expect(labels.head == .multiLabel)
        #expect(labels.names == ["体育", "科技", "财经"])
        #expect(try labels.labelSets(of: data) == [[0, 2], [], [2], [1]], "trimmed, repeats once")
        #expect(labels.counts(labelSets: try labels.labelSets(of: data)) == [1, 1, 2])
    }

    @Test func badCellsNameTheLine() throws {
        let empty = try csv("text,label\na,x\nb,\n")
        #expect(throws: TextClassificationError.malformedData(
            file: empty.source, line: 3,
            reason: "the label is empty; give every row a label (or use --multi-label, where an empty cell means none)")) {
            try LabelSet(inferringFrom: empty)
        }
        #expect { try LabelSet(inferringFrom: try csv("text,label\na,x|y\nb,|\n"), multiLabel: true) } throws: {
            "\($0.localizedDescription)".contains(":3: the label cell \"|\" holds only separators")
        }
        #expect { try LabelSet(inferringFrom: try csv("text,label\na,x\nb,x\n")) } throws: {
            "\($0.localizedDescription)".contains("only the label \"x\"")
        }
    }

    @Test func unknownLabelsAreNamedWithTheirLine() throws {
        let labels = try LabelSet(names: ["neg", "pos"], head: .binary)
        #expect { try labels.classIndices(of: try csv("text,label\na,pos\nb,maybe\n")) } throws: {
            let message = "\($0.localizedDescription)"
            return message.contains(":3:") && message.contains("\"maybe\"") && message.contains("\"neg\", \"pos\"")
        }
    }
}
