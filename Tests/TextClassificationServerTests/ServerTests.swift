import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TextClassification
@testable import TextClassificationServer

/// `textclf serve` through Hummingbird's test client: every route, and every refusal with its
/// status and error code.
@Suite struct ServerTests {
    static let texts = ["质量很好，推荐购买", "太差了，退货", "物流很快", "不会再买了", "非常满意", "包装破损"]

    /// Small models of each kind, saved once for the suite.
    static let models: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-serve-tests-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            var binary = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["neg", "pos"])
            try binary.fit(texts: texts, labels: [1, 0, 1, 0, 1, 0], epochs: 3)
            try binary.save(to: root.appendingPathComponent("reviews"))
            var topics = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["a", "b", "c"])
            try topics.fit(texts: texts, labels: [0, 1, 2, 0, 1, 2], epochs: 3)
            try topics.save(to: root.appendingPathComponent("topics"))
            var tags = try TextClassifier(configuration: .init(numWords: 50, maxLength: 20),
                                          labelNames: ["x", "y", "z"], head: .multiLabel)
            try tags.fit(texts: texts, labels: [[0], [1, 2], [0, 2], [], [0, 1], [2]], epochs: 2)
            try tags.save(to: root.appendingPathComponent("tags"))
        } catch {
            Issue.record("could not make the test models: \(error)")
        }
        return root
    }()

    func server(_ change: (inout ServerConfiguration) -> Void = { _ in }) -> ClassifierServer {
        var configuration = ServerConfiguration(models: ["reviews", "topics", "tags"].map {
            .init(name: $0, directory: Self.models.appendingPathComponent($0))
        })
        configuration.port = 0
        change(&configuration)
        return ClassifierServer(configuration: configuration)
    }

    /// Loads the models and runs `test` against the router.
    func withServer(_ server: ClassifierServer, load: Bool = true,
                    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        if load { try await server.loadModels() }
        try await server.application().test(.router) { client in try await test(client) }
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
    }

    static func errorCode(_ response: TestResponse) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any])
        #expect(error["message"] is String)
        return try #require(error["code"] as? String)
    }

    // MARK: Answers

    @Test func predictAnswersWhatTheLibraryPredictsWithTheSameDigits() async throws {
        let reviews = try TextClassifier(contentsOf: Self.models.appendingPathComponent("reviews"))
        let topics = try TextClassifier(contentsOf: Self.models.appendingPathComponent("topics"))
        let tags = try TextClassifier(contentsOf: Self.models.appendingPathComponent("tags"))
        try await withServer(server()) { client in
            let body = try JSONSerialization.data(withJSONObject: ["texts": Self.texts])
            let binary = try await Self.post(client, "/v1/models/reviews/predict", String(decoding: body, as: UTF8.self))
            #expect(binary.status == .ok)
            let expected = try reviews.predict(texts: Self.texts).map { $0.json() }.joined(separator: ",")
            #expect(String(buffer: binary.body) == "{\"model\":\"reviews\",\"version\":\"default\",\"predictions\":[\(expected)]}")

            let top = try await Self.post(client, "/v1/models/topics/predict",
                                          #"{"texts": ["质量很好", "退货"], "top_k": 2, "probabilities": true, "min_probability": 0.9, "unknown_label": "?"}"#)
            let topExpected = try topics.predict(texts: ["质量很好", "退货"], minimumProbability: 0.9, unknownLabel: "?")
                .map { $0.json(topK: 2, allProbabilities: true) }.joined(separator: ",")
            #expect(String(buffer: top.body) == "{\"model\":\"topics\",\"version\":\"default\",\"predictions\":[\(topExpected)]}")

            let sets = try await Self.post(client, "/v1/models/tags/predict", #"{"texts": ["质量很好"], "threshold": 0.3}"#)
            let setsExpected = try tags.predict(texts: ["质量很好"], threshold: 0.3)[0].json()
            #expect(String(buffer: sets.body) == "{\"model\":\"tags\",\"version\":\"default\",\"predictions\":[\(setsExpected)]}")
            #expect(setsExpected.contains("\"labels\":["), "multi-label answers are label sets")
        }
    }

    @Test func explainAnswersTheObjectsOfExplainFormatJSON() async throws {
        let topics = try TextClassifier(contentsOf: Self.models.appendingPathComponent("topics"))
        try await withServer(server()) { client in
            let response = try await Self.post(client, "/v1/models/topics/explain", #"{"texts": ["质量很好", "包装破损"], "label": "b"}"#)
            #expect(response.status == .ok)
            let expected = try topics.explain(["质量很好", "包装破损"], label: "b").joined().map { $0.json() }
            #expect(String(buffer: response.body) == "{\"model\":\"topics\",\"version\":\"default\",\"explanations\":[\(expected.joined(separator: ","))]}")
        }
    }

    @Test func modelsHealthReadinessMetricsAndTheContract() async throws {
        try await withServer(server()) { client in
            let models = try await client.execute(uri: "/v1/models", method: .get)
            let list = try JSONSerialization.jsonObject(with: Data(String(buffer: models.body).utf8)) as? [String: [[String: Any]]]
            let entries = try #require(list?["models"])
            #expect(entries.map { $0["name"] as? String } == ["reviews", "topics", "tags"])
            #expect(entries.map { $0["task"] as? String } == ["binary", "multiClass", "multiLabel"])
            #expect(entries[0]["labels"] as? [String] == ["neg", "pos"])
            #expect((entries[0]["content_hash"] as? String)?.count == 16)
            #expect(entries[0]["format_version"] as? Int == 5)
            for key in ["directory", "encoder", "tokens", "loaded_at"] { #expect(entries[0][key] is String, "\(key)") }

            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            _ = try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["好"]}"#)
            _ = try await Self.post(client, "/v1/models/nope/predict", #"{"texts": ["好"]}"#)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"textclf_http_requests_total{route="/v1/models/{name}/predict",method="POST",status="200"} 1"#))
            #expect(metrics.contains(#"textclf_http_request_errors_total{route="/v1/models/{name}/predict",status="404"} 1"#))
            #expect(metrics.contains("textclf_http_request_duration_seconds_bucket"))
            #expect(metrics.contains(#"textclf_model_pass_texts_count{model="reviews",version="default"} 1"#))
            #expect(metrics.contains("textclf_models_loaded 3"))

            let contract = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(String(buffer: contract.body) == OpenAPIDocument.json(
                models: [.init(name: "reviews", head: .binary, labels: ["neg", "pos"]),
                         .init(name: "topics", head: .multiClass, labels: ["a", "b", "c"]),
                         .init(name: "tags", head: .multiLabel, labels: ["x", "y", "z"])],
                maxTexts: 1000))
        }
    }

    /// Answered texts are profiled in the background into the drift window, scored at each
    /// scrape; fewer than 500 are too few to call drift.
    @Test func driftMetricsFollowTheAnsweredTexts() async throws {
        try await withServer(server()) { client in
            let before = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(before.contains(#"textclf_drift_window_texts{model="topics",version="default"} 0.0"#), "\(before)")
            #expect(!before.contains("textclf_drift_psi"), "no texts, no scores")
            let texts = Self.texts.map { "\"\($0)\"" }.joined(separator: ",")
            _ = try await Self.post(client, "/v1/models/topics/predict", #"{"texts": ["# + texts + "]}")
            var metrics = ""
            for _ in 0..<200 {
                metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                if metrics.contains(#"textclf_drift_window_texts{model="topics",version="default"} 6.0"#) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(metrics.contains(#"textclf_drift_window_texts{model="topics",version="default"} 6.0"#), "\(metrics)")
            for signal in ["coverage", "length", "labels", "confidence"] {
                #expect(metrics.contains(#"textclf_drift_psi{model="topics",version="default",signal="\#(signal)"}"#), "\(signal)")
            }
            #expect(metrics.contains(#"textclf_drift_drifted{model="topics",version="default"} 0.0"#))
            #expect(metrics.contains(#"textclf_drift_window_texts{model="reviews",version="default"} 0.0"#), "each model has its own window")
        }
    }

    @Test func notReadyUntilEveryModelIsLoaded() async throws {
        try await withServer(server(), load: false) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(try Self.errorCode(ready) == "not_ready")
            // Options its rules would judge wait for them too: not ready, not invalid.
            for body in [#"{"texts": ["好"]}"#, #"{"texts": ["好"], "top_k": 2}"#] {
                let predict = try await Self.post(client, "/v1/models/topics/predict", body)
                #expect(predict.status == .serviceUnavailable, "\(body)")
            }
            let explain = try await Self.post(client, "/v1/models/topics/explain", #"{"texts": ["好"], "label": "a"}"#)
            #expect(explain.status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok, "alive while loading")
        }
    }

    // MARK: Refusals

    @Test func badRequestsAreRefusedWithTheirStatusAndCode() async throws {
        let cases: [(body: String, status: HTTPResponse.Status, code: String)] = [
            ("not json", .badRequest, "invalid_json"),
            ("{\"texts\": [\"a\"", .badRequest, "invalid_json"),
            ("[]", .badRequest, "invalid_field"),
            ("{}", .badRequest, "invalid_field"),
            (#"{"texts": "a"}"#, .badRequest, "invalid_field"),
            (#"{"texts": [1]}"#, .badRequest, "invalid_field"),
            (#"{"texts": ["a"], "top_k": "2"}"#, .badRequest, "invalid_field"),
            (#"{"texts": ["a"], "topk": 2}"#, .badRequest, "unknown_field"),
            (#"{"texts": ["a"], "top_k": 2}"#, .unprocessableContent, "invalid_request"),
            (#"{"texts": ["a"], "min_probability": 0.5}"#, .unprocessableContent, "invalid_request"),
            (#"{"texts": ["a"], "threshold": 1.5}"#, .unprocessableContent, "invalid_request"),
            // Out of [0, 1] as JSON numbers, though narrowed to Float they would be -0 and 1.
            (#"{"texts": ["a"], "threshold": -3.170013410588982e-301}"#, .unprocessableContent, "invalid_request"),
            (#"{"texts": ["a"], "threshold": 1.0000000001}"#, .unprocessableContent, "invalid_request"),
            (#"{"texts": ["a", "b", "c", "d"]}"#, .unprocessableContent, "invalid_request"),
        ]
        try await withServer(server { $0.maxTexts = 3 }) { client in
            for (body, status, code) in cases {
                let response = try await Self.post(client, "/v1/models/reviews/predict", body)
                #expect(response.status == status, "\(body)")
                #expect(try Self.errorCode(response) == code, "\(body)")
            }
            let invalidUTF8 = try await client.execute(uri: "/v1/models/reviews/predict", method: .post,
                                                       body: ByteBuffer(bytes: Array(#"{"texts": [""#.utf8) + [0xFF, 0xFE] + Array(#""]}"#.utf8)))
            #expect(invalidUTF8.status == .badRequest)
            #expect(try Self.errorCode(invalidUTF8) == "invalid_utf8")
            let topK = try await Self.post(client, "/v1/models/topics/predict", #"{"texts": ["a"], "top_k": 4}"#)
            #expect(topK.status == .unprocessableContent, "more than the model's 3 labels")
            let unknownModel = try await Self.post(client, "/v1/models/nope/predict", #"{"texts": ["a"]}"#)
            #expect(unknownModel.status == .notFound)
            #expect(try Self.errorCode(unknownModel) == "unknown_model")
            let unknownRoute = try await client.execute(uri: "/v2/anything", method: .get)
            #expect(unknownRoute.status == .notFound)
            #expect(try Self.errorCode(unknownRoute) == "not_found")
            let wrongMethod = try await client.execute(uri: "/v1/models/reviews/predict", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            let tiny = try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["a"], "threshold": 1.1125369292536007e-308}"#)
            #expect(tiny.status == .ok, "a valid JSON number, however small")
            let negative = try await Self.post(client, "/v1/models/topics/explain", #"{"texts": ["."], "threshold": -3.170013410588982e-301}"#)
            #expect(negative.status == .unprocessableContent, "schemathesis found it accepted once")
            let unknownLabel = try await Self.post(client, "/v1/models/topics/explain", #"{"texts": ["a"], "label": "q"}"#)
            #expect(unknownLabel.status == .unprocessableContent)
            // The server still answers after all of that.
            #expect(try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["a"]}"#).status == .ok)
        }
    }

    @Test func limitsAnswer413_429_503And504() async throws {
        try await withServer(server { $0.maxBodyBytes = 64 }) { client in
            let large = try await Self.post(client, "/v1/models/reviews/predict", "{\"texts\": [\"\(String(repeating: "好", count: 40))\"]}")
            #expect(large.status == .contentTooLarge)
            #expect(try Self.errorCode(large) == "body_too_large")
        }
        try await withServer(server { $0.maxConcurrentRequests = 0 }) { client in
            let busy = try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["a"]}"#)
            #expect(busy.status == .tooManyRequests)
            #expect(busy.headers[.retryAfter] == "1")
            // Probes are outside the limit: a full server is not a dead one.
            for probe in ["/healthz", "/readyz", "/metrics"] {
                #expect(try await client.execute(uri: probe, method: .get).status == .ok, "\(probe)")
            }
        }
        try await withServer(server { $0.maxQueuedTexts = 2 }) { client in
            let queued = try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["a", "b", "c"]}"#)
            #expect(queued.status == .serviceUnavailable)
            #expect(try Self.errorCode(queued) == "overloaded")
        }
        // A pass that waits a second for company, a request that may wait 50 ms.
        try await withServer(server { $0.maxWait = .seconds(1); $0.requestTimeout = .milliseconds(50) }) { client in
            let slow = try await Self.post(client, "/v1/models/reviews/predict", #"{"texts": ["a"]}"#)
            #expect(slow.status == .gatewayTimeout)
            #expect(try Self.errorCode(slow) == "timeout")
        }
    }

    @Test func longTextsAreCutAtTheEndTheModelDrops() async throws {
        let reviews = try TextClassifier(contentsOf: Self.models.appendingPathComponent("reviews"))
        let long = String(repeating: "太差了", count: 50) + "非常满意"
        try await withServer(server { $0.maxTextBytes = 30 }) { client in
            let response = try await Self.post(client, "/v1/models/reviews/predict", "{\"texts\": [\"\(long)\"]}")
            let cut = reviews.truncated(long, toBytes: 30)
            #expect(cut.hasSuffix("非常满意") && cut.utf8.count <= 30)
            #expect(String(buffer: response.body) == "{\"model\":\"reviews\",\"version\":\"default\",\"predictions\":[\(try reviews.predict(texts: [cut])[0].json())]}")
        }
    }

    @Test func oneRequestCannotMakeAnAnswerLargerThanTheLimit() async throws {
        try await withServer(server()) { client in
            // 1,000 abstentions each repeating a 4 MB label would be a 4 GB answer.
            let huge = "{\"texts\": [" + Array(repeating: "\"\"", count: 1_000).joined(separator: ",")
                + "], \"min_probability\": 1, \"unknown_label\": \"" + String(repeating: "x", count: 4_000_000) + "\"}"
            let refused = try await Self.post(client, "/v1/models/topics/predict", huge)
            #expect(refused.status == .unprocessableContent)
            #expect(String(buffer: refused.body).contains("unknown_label"))
        }
        try await withServer(server { $0.maxAnswerBytes = 2_000 }) { client in
            let texts = Array(repeating: "\"好\"", count: 100).joined(separator: ",")
            let large = try await Self.post(client, "/v1/models/topics/predict", "{\"texts\": [\(texts)], \"probabilities\": true}")
            #expect(large.status == .contentTooLarge)
            #expect(try Self.errorCode(large) == "answer_too_large")
            #expect(try await Self.post(client, "/v1/models/topics/predict", #"{"texts": ["好"]}"#).status == .ok)
        }
    }

    @Test func answerBoundHoldsForEveryKindOfAnswer() async throws {
        let loaded = server()
        try await loaded.loadModels()
        let texts = ["质量很好", "", String(repeating: "太差了", count: 30)]
        for name in ["reviews", "topics", "tags"] {
            let model = try loaded.store.model(named: name)
            for (topK, all) in [(1, false), (1, true), (model.classifier.labelNames.count, true)] where topK == 1 || name == "topics" {
                let predictions = try model.classifier.predict(texts: texts, minimumProbability: name == "topics" ? 1 : 0,
                                                               unknownLabel: "不知道\u{0001}\"")
                let answer = "{\(model.jsonHead),\"predictions\":[" + predictions.map { $0.json(topK: topK, allProbabilities: all) }
                    .joined(separator: ",") + "]}"
                #expect(answer.utf8.count <= model.answerBound(texts: texts.count, topK: topK, allProbabilities: all,
                                                               unknownLabel: "不知道\u{0001}\""), "\(name) top \(topK) all \(all)")
            }
        }
    }

    @Test func bodiesInFlightShareOneByteBudget() async throws {
        // 4 bytes of budget per body byte: a 300-byte body needs 1,200.
        let body = "{\"texts\": [\"" + String(repeating: "a", count: 280) + "\"]}"
        try await withServer(server { $0.maxBytesInFlight = 1_000 }) { client in
            let refused = try await Self.post(client, "/v1/models/reviews/predict", body)
            #expect(refused.status == .serviceUnavailable)
            #expect(try Self.errorCode(refused) == "overloaded")
            #expect(refused.headers[.retryAfter] == "1")
        }
        let budgeted = server { $0.maxBytesInFlight = 100_000 }
        try await withServer(budgeted) { client in
            for _ in 0..<20 {
                let answered = try await Self.post(client, "/v1/models/reviews/predict", body)
                #expect(answered.status == .ok)
            }
        }
        let inUse = budgeted.bytesInFlight.inUse
        #expect(inUse == 0, "every request gave its share back")
    }

    @Test func explainIsBoundedInWorkAndAnswersWithinIt() async throws {
        let long = String(repeating: "质量很好物流很快", count: 2_000)  // 48,000 bytes
        try await withServer(server { $0.maxExplainSequences = 20 }) { client in
            // By occlusion a text costs a sequence per token; the bag's exact log-odds one.
            let refused = try await Self.post(client, "/v1/models/reviews/explain",
                                              "{\"texts\": [\"\(long)\"], \"scale\": \"probability\"}")
            #expect(refused.status == .unprocessableContent)
            #expect(String(buffer: refused.body).contains("model sequences"))
            let exact = try await Self.post(client, "/v1/models/reviews/explain", "{\"texts\": [\"\(long)\"], \"scale\": null}")
            #expect(exact.status == .ok && String(buffer: exact.body).contains("\"method\":\"exact\""))
            let unknown = try await Self.post(client, "/v1/models/reviews/explain", #"{"texts": ["a"], "scale": "logit"}"#)
            #expect(unknown.status == .unprocessableContent && String(buffer: unknown.body).contains("log-odds"))
        }
        let reviews = try TextClassifier(contentsOf: Self.models.appendingPathComponent("reviews"))
        try await withServer(server { $0.maxExplainTextBytes = 300 }) { client in
            let response = try await Self.post(client, "/v1/models/reviews/explain", "{\"texts\": [\"\(long)\"]}")
            #expect(response.status == .ok)
            let expected = try reviews.explain([reviews.truncated(long, toBytes: 300)])[0][0].json()
            #expect(String(buffer: response.body) == "{\"model\":\"reviews\",\"version\":\"default\",\"explanations\":[\(expected)]}")
        }
    }

    @Test func aModelPaddedBeyondTheServersLimitIsNotLoaded() async throws {
        let refusing = server { $0.maxModelLength = 20 }  // the test models pad to 50 tokens
        do {
            try await refusing.loadModels()
            Issue.record("a model of maxLength 50 loaded with a limit of 20")
        } catch let error as ServiceError {
            #expect(error.code == "model_not_loaded")
            #expect(error.message.contains("config.json: maxLength 50 is more than this server pads texts to"), "\(error.message)")
        }
    }

    @Test func answersNameNoServerPathAndFailuresNoInternals() async throws {
        try await withServer(server()) { client in
            let models = String(buffer: try await client.execute(uri: "/v1/models", method: .get).body)
            #expect(models.contains("\"directory\":\"reviews\""))
            #expect(!models.contains(Self.models.path))
        }
    }

    // MARK: Reload

    static let adminToken = "0123456789abcdef0123"
    static let admin: HTTPFields = [.authorization: "Bearer " + adminToken]

    @Test func reloadIsAnAdminRouteOffUnlessATokenIsConfigured() async throws {
        try await withServer(server()) { client in
            let off = try await client.execute(uri: "/v1/models/reviews/reload", method: .post)
            #expect(off.status == .forbidden)
            #expect(try Self.errorCode(off) == "admin_disabled")
        }
        try await withServer(server { $0.adminToken = Self.adminToken }) { client in
            let none = try await client.execute(uri: "/v1/models/reviews/reload", method: .post)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.execute(uri: "/v1/models/reviews/reload", method: .post,
                                                 headers: [.authorization: "Bearer 0123456789abcdef0124"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/v1/models/reviews/reload", method: .post,
                                                 headers: [.authorization: "Bearer " + Self.adminToken])
            #expect(right.status == .ok)
        }
    }

    @Test func reloadsDuringTheFirstLoadJoinItInsteadOfFailingIt() async throws {
        let starting = server { $0.adminToken = Self.adminToken }
        try await withServer(starting, load: false) { client in
            async let first: Void = starting.loadModels()
            // Asked while the first load runs (or just before): answered by a load after it.
            let reloads = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.execute(uri: "/v1/models/topics/reload", method: .post,
                                                 headers: [.authorization: "Bearer " + Self.adminToken]).status
                    }
                }
                group.addTask { _ = await starting.reloadModels(); return .ok }  // what SIGHUP does
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await first
            #expect(reloads.allSatisfy { $0 == .ok }, "\(reloads)")
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            // Nine requests, coalesced: far fewer loads than requests, and at least one after the first.
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let loads = metrics.split(separator: "\n").first { $0.hasPrefix(#"textclf_model_loads_total{model="topics",version="default",result="ok"}"#) }
            let count = Int(loads?.split(separator: " ").last ?? "") ?? 0
            #expect((2...4).contains(count), "\(loads ?? "no loads line")")
        }
    }


    @Test func reloadSwapsInANewModelAndKeepsTheOldOneWhenTheNewIsBroken() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.models.appendingPathComponent("reviews"), to: directory)
        var configuration = ServerConfiguration(models: [.init(name: "m", directory: directory)])
        configuration.port = 0
        configuration.adminToken = Self.adminToken
        try await withServer(ClassifierServer(configuration: configuration)) { client in
            let before = String(buffer: try await Self.post(client, "/v1/models/m/predict", #"{"texts": ["非常满意"]}"#).body)
            // Replaced by the topics model: the reload answers with its entry, predictions follow it.
            try FileManager.default.removeItem(at: directory)
            try FileManager.default.copyItem(at: Self.models.appendingPathComponent("topics"), to: directory)
            let reloaded = try await client.execute(uri: "/v1/models/m/reload", method: .post, headers: Self.admin)
            #expect(reloaded.status == .ok)
            #expect(String(buffer: reloaded.body).contains("\"task\":\"multiClass\""))
            let after = String(buffer: try await Self.post(client, "/v1/models/m/predict", #"{"texts": ["非常满意"]}"#).body)
            #expect(after != before)
            // A truncated weights file: refused with the reason, the topics model keeps serving.
            let weights = directory.appendingPathComponent("model.safetensors")
            let bytes = try Data(contentsOf: weights)
            try bytes.prefix(bytes.count / 2).write(to: weights)
            let broken = try await client.execute(uri: "/v1/models/m/reload", method: .post, headers: Self.admin)
            #expect(broken.status == .unprocessableContent)
            #expect(try Self.errorCode(broken) == "model_not_loaded")
            #expect(String(buffer: broken.body).contains("model.safetensors: the file is truncated"))
            #expect(!String(buffer: broken.body).contains(root.path), "no server path in an answer")
            #expect(String(buffer: try await Self.post(client, "/v1/models/m/predict", #"{"texts": ["非常满意"]}"#).body) == after)
            let unknown = try await client.execute(uri: "/v1/models/nope/reload", method: .post, headers: Self.admin)
            #expect(unknown.status == .notFound)
        }
    }
}
