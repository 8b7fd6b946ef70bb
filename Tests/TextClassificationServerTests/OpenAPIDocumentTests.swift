import Foundation
import Testing
@testable import TextClassificationServer

/// The contract served at /openapi.json describes exactly the routes the server has.
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentDescribesEveryRouteAndNoOther() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let described = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        let served = Set(Routes.table.map { route in
            "\(route.method) /" + route.pattern.map { $0 == "*" ? "{name}" : $0 }.joined(separator: "/")
        })
        #expect(described == served)
    }

    @Test func aKnownPathWithAnotherMethodIsNotAnUnknownRoute() {
        #expect(Routes.methods(allowedFor: "/v1/models/reviews/predict") == ["POST"])
        #expect(Routes.methods(allowedFor: "/v1/models") == ["GET"])
        #expect(Routes.methods(allowedFor: "/v1/models/reviews") == [])
        #expect(Routes.methods(allowedFor: "/nothing") == [])
    }
}
