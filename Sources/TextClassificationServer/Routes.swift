import Dispatch
import Foundation
import Hummingbird
import TextClassification

/// The API's handlers (the contract: ``OpenAPIDocument``).
struct Routes: Sendable {
    let server: ClassifierServer
    private var configuration: ServerConfiguration { server.configuration }

    /// `POST /v1/models/{name}/predict` → `{"model": name, "predictions": [...]}`, each
    /// prediction the object `textclf predict --format jsonl` prints for the text, without
    /// the key.
    func predict(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let model = try server.store.model(named: try context.parameters.require("name"))
        let configuration = configuration
        // A deadline checked while the body arrives and when the pass takes the request, not a
        // timer task per request: that cost a fifth of the throughput of single-text requests.
        let deadline = ContinuousClock.now + configuration.requestTimeout
        let body = try await RequestBody.decode(PredictRequest.self, from: request, maxBytes: configuration.maxBodyBytes,
                                                deadline: deadline)
        let rule = try body.validate(for: model.classifier, maxTexts: configuration.maxTexts)
        let texts = body.texts.map { model.classifier.truncated($0, toBytes: configuration.maxTextBytes) }
        let predictions = try await model.batcher.predict(texts, rule: rule, deadline: deadline)
        var json = "{\"model\":" + model.jsonName + ",\"predictions\":["
        for (k, prediction) in predictions.enumerated() {
            if k > 0 { json += "," }
            json += prediction.json(topK: body.topK ?? 1, allProbabilities: body.probabilities)
        }
        return Self.json(json + "]}")
    }

    /// `POST /v1/models/{name}/explain` → `{"model": name, "explanations": [...]}`, the objects
    /// `textclf explain --format json` prints, in its order (multi-label: one per predicted label).
    func explain(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let model = try server.store.model(named: try context.parameters.require("name"))
        let configuration = configuration
        return try await withTimeout(configuration.requestTimeout) {
            let body = try await RequestBody.decode(ExplainRequest.self, from: request, maxBytes: configuration.maxBodyBytes,
                                                    deadline: .now + configuration.requestTimeout)
            guard body.texts.count <= ClassifierServer.maxExplainTexts else {
                throw ServiceError.invalid("\(body.texts.count) texts; explain takes at most \(ClassifierServer.maxExplainTexts) per request")
            }
            guard body.threshold.map({ $0 >= 0 && $0 <= 1 }) ?? true else { throw ServiceError.invalid("threshold must be in [0, 1]") }
            if let label = body.label, !model.classifier.labelNames.contains(label) {
                throw ServiceError.invalid("label \"\(label)\" is not one of the model's: \(model.classifier.labelNames.joined(separator: ", "))")
            }
            let texts = body.texts.map { model.classifier.truncated($0, toBytes: configuration.maxTextBytes) }
            let explanations = try await offEventLoop {
                try model.classifier.explain(texts, label: body.label, threshold: body.threshold)
            }
            let objects = explanations.joined().map { $0.json() }
            return Self.json("{\"model\":" + model.jsonName + ",\"explanations\":[" + objects.joined(separator: ",") + "]}")
        }
    }

    /// `POST /v1/models/{name}/reload` → the reloaded model's entry of `GET /v1/models`.
    func reload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        let served = try await server.store.reload(name, logger: context.logger)
        return Self.json(try Self.encode(served.info))
    }

    /// `GET /v1/models` → `{"models": [...]}`, the loaded models in configuration order.
    func models() throws -> Response {
        struct Models: Encodable { var models: [ModelInfo] }
        return Self.json(try Self.encode(Models(models: server.store.loaded.map(\.info))))
    }

    /// `GET /readyz`: 200 once every model is loaded, 503 before.
    func ready() throws -> Response {
        let loading = server.store.loading
        guard loading.isEmpty else {
            throw ServiceError(.serviceUnavailable, code: "not_ready", "still loading: \(loading.joined(separator: ", "))")
        }
        return Self.json("{\"status\":\"ready\"}")
    }

    func metrics() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: server.metrics.exposition())))
    }

    /// The routes, by method and path pattern (`*`: a model's name); ``ClassifierServer``
    /// registers the same ones and a test checks that both agree.
    static let table: [(method: String, pattern: [String])] = [
        ("POST", ["v1", "models", "*", "predict"]), ("POST", ["v1", "models", "*", "explain"]),
        ("POST", ["v1", "models", "*", "reload"]), ("GET", ["v1", "models"]), ("GET", ["healthz"]),
        ("GET", ["readyz"]), ("GET", ["metrics"]), ("GET", ["openapi.json"]),
    ]

    /// The methods `path` answers to (none: no such route), for 405's `Allow`.
    static func methods(allowedFor path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        return table.filter { route in
            route.pattern.count == parts.count && zip(route.pattern, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }.map(\.method)
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Runs `work` on a global queue: model work takes milliseconds to seconds and must not hold
/// an event loop or a thread of the cooperative pool.
func offEventLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

