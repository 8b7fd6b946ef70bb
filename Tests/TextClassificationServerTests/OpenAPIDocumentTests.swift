import Foundation
import Testing
@testable import TextClassificationServer

/// The contract served at /openapi.json describes exactly the routes the server has.
@Suite struct OpenAPIDocumentTests {
    static let models = [OpenAPIDocument.Model(name: "reviews", head: .binary, labels: ["neg", "pos"]),
                         OpenAPIDocument.Model(name: "topics", head: .multiClass, labels: ["体育", "财经", "\"quoted\""]),
                         OpenAPIDocument.Model(name: "loading")]

    func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(models: Self.models, maxTexts: 500).utf8))
                     as? [String: Any])
    }

    @Test func theDocumentDescribesEveryRouteAndNoOther() throws {
        let document = try document()
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let described = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        let served = Set(Routes.table.flatMap { route in
            (route.pattern.contains("*") ? Self.models.map(\.name) : [""]).map { name in
                "\(route.method) /" + route.pattern.map { $0 == "*" ? name : $0 }.joined(separator: "/")
            }
        })
        #expect(described == served)
    }

    /// What a model accepts is in its own paths' schemas: top_k only for a multi-class model
    /// and up to its labels, an explain label among its labels.
    @Test func eachModelsSchemasHoldItsRules() throws {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        func properties(_ path: String) throws -> [String: [String: Any]] {
            let post = try #require(paths[path]?["post"] as? [String: Any])
            let body = try #require(post["requestBody"] as? [String: Any])
            let schema = try #require(((body["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any])
            return try #require(schema["properties"] as? [String: [String: Any]])
        }
        let reviews = try properties("/v1/models/reviews/predict"), topics = try properties("/v1/models/topics/predict")
        #expect(reviews["top_k"] == nil && reviews["min_probability"] == nil && reviews["texts"]?["maxItems"] as? Int == 500)
        #expect(topics["top_k"]?["maximum"] as? Int == 3 && topics["min_probability"] != nil)
        let label = try properties("/v1/models/topics/explain")["label"]
        #expect((label?["enum"] as? [Any])?.compactMap { $0 as? String } == ["体育", "财经", "\"quoted\""])
        #expect(try properties("/v1/models/loading/predict")["top_k"]?["maximum"] == nil, "a model loading: no rules yet")
    }

    @Test func aKnownPathWithAnotherMethodIsNotAnUnknownRoute() {
        #expect(Routes.methods(allowedFor: "/v1/models/reviews/predict") == ["POST"])
        #expect(Routes.methods(allowedFor: "/v1/models") == ["GET"])
        #expect(Routes.methods(allowedFor: "/v1/models/reviews") == [])
        #expect(Routes.methods(allowedFor: "/nothing") == [])
    }
}
