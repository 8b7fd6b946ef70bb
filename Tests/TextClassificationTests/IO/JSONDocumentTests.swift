import Testing
@testable import TextClassification

@Suite struct JSONDocumentTests {
    @Test func keepsKeyOrderAndReadsEveryKind() throws {
        let value = try JSONValue.parse(Array(#" {"z": 1, "a": [true, false, null], "m": {"x": -2.5e1}} "#.utf8))
        #expect(value.members?.map(\.key) == ["z", "a", "m"])
        #expect(value["z"]?.int == 1)
        #expect(value["a"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["m"]?["x"] == .number(-25))
    }

    @Test func unescapesStringsIncludingSurrogatePairs() throws {
        let value = try JSONValue.parse(Array(#"["a\"b\\c\/d\n", "\u6587\u672c", "\ud83d\ude00", "文本"]"#.utf8))
        #expect(value == .array([.string("a\"b\\c/d\n"), .string("文本"), .string("😀"), .string("文本")]))
    }

    @Test(arguments: [#"{"a": 1"#, #"{"a" 1}"#, #"["\ud83d"]"#, #"[1,]"#, #"{"a": 1} x"#, #""\q""#, "[tru]"])
    func rejectsMalformedJSON(text: String) {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }
}

/// The writer's text reads back as what was written: escapes, nesting, JSON held in a string.
@Test func jsonWriterRoundTripsThroughTheReader() throws {
    var inner = JSONWriter()
    inner.object { json in
        json.key("引号\"\\"); json.integer(-3)
        json.key("控制\u{01}\n\t\r"); json.string("/斜/")
    }
    var json = JSONWriter()
    json.object { json in
        json.key("nested"); json.string(utf8: inner.bytes)
        json.key("flag"); json.bool(true)
        json.key("none"); json.null()
        json.key("object"); json.object { json in json.key("k"); json.integer(1) }
    }
    let value = try JSONValue.parse(json.bytes)
    #expect(value["flag"] == .bool(true) && value["none"] == .null)
    #expect(value["object"]?["k"]?.int == 1)
    let nested = try JSONValue.parse(value["nested"]!.string!.utf8)
    #expect(nested.members?.map(\.key) == ["引号\"\\", "控制\u{01}\n\t\r"])
    #expect(nested["引号\"\\"]?.int == -3 && nested["控制\u{01}\n\t\r"]?.string == "/斜/")
}
