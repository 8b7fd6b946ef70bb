import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TextClassification
@testable import TextClassificationServer

/// A model served with versions: requests that name one, a canary's share, a shadow's
/// comparison in `/metrics`, and promote, rollback and rollout as admin calls.
@Suite struct VersionTests {
    static let texts = ServerTests.texts

    /// Versions of the reviews model: `stable` (ServerTests' reviews) and `next`, trained on
    /// the opposite labels, so that the two disagree on most texts; and a topics model whose
    /// labels differ from ServerTests' topics in one.
    static let models: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-version-tests-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            var next = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 8, encoder: .bag),
                                          labelNames: ["neg", "pos"])
            try next.fit(texts: texts, labels: [0, 1, 0, 1, 0, 1], epochs: 30)
            try next.save(to: root.appendingPathComponent("next"))
            var topics = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["a", "b", "d"])
            try topics.fit(texts: texts, labels: [0, 1, 2, 0, 1, 2], epochs: 3)
            try topics.save(to: root.appendingPathComponent("topics-abd"))
        } catch {
            Issue.record("could not make the test models: \(error)")
        }
        return root
    }()

    static var stable: URL { ServerTests.models.appendingPathComponent("reviews") }
    static var next: URL { models.appendingPathComponent("next") }

    func server(rollout: ServerConfiguration.Rollout? = nil, _ change: (inout ServerConfiguration) -> Void = { _ in }) -> ClassifierServer {
        var configuration = ServerConfiguration(models: [
            .init(name: "reviews", versions: [.init(name: "stable", directory: Self.stable), .init(name: "next", directory: Self.next)],
                  rollout: rollout),
        ])
        configuration.port = 0
        configuration.adminToken = ServerTests.adminToken
        change(&configuration)
        return ClassifierServer(configuration: configuration)
    }

    func withServer(_ server: ClassifierServer, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await server.loadModels()
        try await server.application().test(.router) { client in try await test(client) }
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    /// The version that answered a predict of `body`, sent with `key` as X-Request-Key if given.
    static func version(_ client: any TestClientProtocol, _ body: String = #"{"texts": ["物流很快"]}"#, key: String? = nil) async throws -> String {
        let headers: HTTPFields = key.map { [Routes.requestKey: $0] } ?? [:]
        let response = try await client.execute(uri: "/v1/models/reviews/predict", method: .post, headers: headers,
                                                body: ByteBuffer(string: body))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try #require(try json(response)["version"] as? String)
    }

    static func metrics(_ client: any TestClientProtocol) async throws -> String {
        String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
    }

    @Test func aRequestNamesItsVersionOrGetsThePrimary() async throws {
        let next = try TextClassifier(contentsOf: Self.next)
        try await withServer(server()) { client in
            #expect(try await Self.version(client) == "stable")
            let named = try await ServerTests.post(client, "/v1/models/reviews/predict", #"{"texts": ["物流很快"], "version": "next"}"#)
            #expect(String(buffer: named.body)
                == #"{"model":"reviews","version":"next","predictions":["# + (try next.predict(texts: ["物流很快"])[0].json()) + "]}")
            let unknown = try await ServerTests.post(client, "/v1/models/reviews/predict", #"{"texts": ["物流很快"], "version": "v9"}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(String(buffer: unknown.body).contains(#"has no version \"v9\"; it has \"stable\", \"next\""#))
            let explained = try await ServerTests.post(client, "/v1/models/reviews/explain", #"{"texts": ["物流很快"], "version": "next"}"#)
            #expect(try Self.json(explained)["version"] as? String == "next")

            let entries = try #require(try Self.json(try await client.execute(uri: "/v1/models", method: .get))["models"] as? [[String: Any]])
            #expect(entries.map { $0["version"] as? String } == ["stable", "next"])
            #expect(entries.map { $0["role"] as? String } == ["primary", "standby"])
        }
    }

    @Test func aCanaryAnswersItsShareAndAKeyAlwaysGoesOneWay() async throws {
        try await withServer(server(rollout: .canary(version: "next", share: 0.2))) { client in
            // Without keys, every fifth request: exactly the share.
            var unkeyed = 0
            for _ in 0..<200 where try await Self.version(client) == "next" { unkeyed += 1 }
            #expect(unkeyed == 40)
            // With keys, by their hash: near the share, and the same key the same way each time.
            var keyed = 0
            for k in 0..<1_000 where try await Self.version(client, key: "user-\(k)") == "next" { keyed += 1 }
            #expect((150...250).contains(keyed), "\(keyed) of 1,000 keyed requests went to the canary")
            var again = 0
            for k in 0..<20 {
                let first = try await Self.version(client, key: "user-\(k)")
                for _ in 0..<3 { #expect(try await Self.version(client, key: "user-\(k)") == first) }
                if first == "next" { again += 4 }
            }
            let metrics = try await Self.metrics(client)
            let next = unkeyed + keyed + again
            #expect(metrics.contains(#"textclf_answered_requests_total{model="reviews",version="next"} \#(next)"#), "\(metrics)")
            #expect(metrics.contains(#"textclf_answered_requests_total{model="reviews",version="stable"} \#(1_280 - next)"#))
            let entries = try #require(try Self.json(try await client.execute(uri: "/v1/models", method: .get))["models"] as? [[String: Any]])
            #expect(entries.map { $0["role"] as? String } == ["primary", "canary"])
            #expect(entries[1]["share"] as? Double == 0.2)
        }
    }

    @Test func aShadowLabelsTheAnsweredTextsAndCountsWhereTheyDisagree() async throws {
        let (stable, next) = (try TextClassifier(contentsOf: Self.stable), try TextClassifier(contentsOf: Self.next))
        let pairs = zip(try stable.predict(texts: Self.texts), try next.predict(texts: Self.texts)).map { ($0.label, $1.label) }
        let flips = pairs.filter { $0.0 != $0.1 }
        #expect(!flips.isEmpty, "the two versions must disagree somewhere for this test to mean anything")
        try await withServer(server(rollout: .shadow(version: "next"))) { client in
            let body = #"{"texts": ["# + Self.texts.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
            #expect(try await Self.version(client, body) == "stable", "the primary answers; the shadow never does")
            let agree = #"textclf_shadow_texts_total{model="reviews",primary="stable",shadow="next",result="agree"} \#(pairs.count - flips.count)"#
            var metrics = ""
            for _ in 0..<300 {
                metrics = try await Self.metrics(client)
                if metrics.contains(agree) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(metrics.contains(agree), "\(metrics)")
            #expect(metrics.contains(#"textclf_shadow_texts_total{model="reviews",primary="stable",shadow="next",result="flip"} \#(flips.count)"#))
            for (from, to) in Set(flips.map { [$0.0, $0.1] }).map({ ($0[0], $0[1]) }) {
                let count = flips.filter { $0 == (from, to) }.count
                #expect(metrics.contains(#"textclf_shadow_flips_total{model="reviews",primary="stable",shadow="next",from="\#(from)",to="\#(to)"} \#(count)"#))
            }
        }
    }

    @Test func promoteRollbackAndRolloutChangeWhoAnswersAtOnce() async throws {
        try await withServer(server()) { client in
            func post(_ action: String, _ body: String? = nil, headers: HTTPFields = ServerTests.admin) async throws -> TestResponse {
                try await client.execute(uri: "/v1/models/reviews/\(action)", method: .post, headers: headers,
                                         body: body.map { ByteBuffer(string: $0) })
            }
            #expect(try await post("promote", #"{"version": "next"}"#, headers: [:]).status == .unauthorized)
            let promoted = try await post("promote", #"{"version": "next"}"#)
            #expect(String(buffer: promoted.body) == #"{"model":"reviews","primary":"next","rollout":null,"previous":"stable"}"#)
            #expect(try await Self.version(client) == "next")
            let back = try await post("rollback")
            #expect(String(buffer: back.body) == #"{"model":"reviews","primary":"stable","rollout":null,"previous":"next"}"#)
            #expect(try await Self.version(client) == "stable")

            let all = try await post("rollout", #"{"canary": {"version": "next", "share": 1}}"#)
            #expect(String(buffer: all.body).contains(#""rollout":{"mode":"canary","version":"next","share":1.0}"#))
            #expect(try await Self.version(client) == "next")
            #expect(try await post("rollout", "{}").status == .ok)
            #expect(try await Self.version(client) == "stable")
            for refused in [#"{"shadow": "stable"}"#, #"{"shadow": "v9"}"#, #"{"canary": {"version": "next", "share": 2}}"#,
                            #"{"canary": {"version": "next", "share": 0.5}, "shadow": "next"}"#] {
                let response = try await post("rollout", refused)
                #expect(response.status == .unprocessableContent, "\(refused): \(String(buffer: response.body))")
            }
            #expect(try await post("promote", #"{"version": "v9"}"#).status == .unprocessableContent)
        }
        try await withServer(server()) { client in
            let nothing = try await client.execute(uri: "/v1/models/reviews/rollback", method: .post, headers: ServerTests.admin)
            #expect(nothing.status == .unprocessableContent, "nothing was promoted")
        }
    }

    @Test func versionsShareTheirTaskAndRequestsMeetTheLabelsTheyShare() async throws {
        let mixed = server { $0.models = [.init(name: "m", versions: [
            .init(name: "binary", directory: Self.stable), .init(name: "topics", directory: ServerTests.models.appendingPathComponent("topics")),
        ])] }
        await #expect(throws: ServiceError.self) { try await mixed.loadModels() }

        let topics = server { $0.models = [.init(name: "topics", versions: [
            .init(name: "abc", directory: ServerTests.models.appendingPathComponent("topics")),
            .init(name: "abd", directory: Self.models.appendingPathComponent("topics-abd")),
        ])] }
        try await withServer(topics) { client in
            #expect(topics.store.rules(of: "topics") == OpenAPIDocument.Model(name: "topics", versions: ["abc", "abd"],
                                                                              head: .multiClass, labels: ["a", "b"]))
            let two = try await ServerTests.post(client, "/v1/models/topics/predict", #"{"texts": ["好"], "top_k": 2, "version": "abd"}"#)
            #expect(two.status == .ok)
            let three = try await ServerTests.post(client, "/v1/models/topics/predict", #"{"texts": ["好"], "top_k": 3, "version": "abc"}"#)
            #expect(three.status == .unprocessableContent, "top_k up to the labels every version has")
            let c = try await ServerTests.post(client, "/v1/models/topics/explain", #"{"texts": ["好"], "label": "c", "version": "abc"}"#)
            #expect(c.status == .unprocessableContent)
            let contract = String(buffer: try await client.execute(uri: "/openapi.json", method: .get).body)
            #expect(contract.contains(#""version": {"nullable": true, "type": "string", "enum": ["abc", "abd", null]"#))
            #expect(contract.contains("/v1/models/topics/promote"))
        }
    }
}
