import Dispatch
import Foundation
import Hummingbird
import TextClassification

/// The API's handlers (the contract: ``OpenAPIDocument``).
struct Routes: Sendable {
    let server: ClassifierServer
    private var configuration: ServerConfiguration { server.configuration }

    /// `POST /v1/models/{name}/predict` → `{"model": name, "version": version, "predictions":
    /// [...]}`, each prediction the object `textclf predict --format jsonl` prints for the
    /// text, without the key. The version is the one the request names, else the model's
    /// routing's (``ModelStore/route(_:version:requestKey:)``); a shadow labels the same texts
    /// once the answer is made.
    func predict(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        _ = try server.store.routing(of: name)  // 404 before the body is read
        let configuration = configuration
        // A deadline checked while the body arrives and when the pass takes the request, not a
        // timer task per request: that cost a fifth of the throughput of single-text requests.
        let deadline = ContinuousClock.now + configuration.requestTimeout
        let share = BudgetShare(server.bytesInFlight)
        let body = try await RequestBody.decode(PredictRequest.self, from: request, maxBytes: configuration.maxBodyBytes,
                                                deadline: deadline, budget: share)
        let rule = try body.validate(for: server.store.rules(of: name), maxTexts: configuration.maxTexts)
        let route = try server.store.route(name, version: body.version, requestKey: request.headers[Self.requestKey])
        let model = route.answering
        // The answer's size is known before the model runs: refuse one too large before
        // spending a pass on it, and take its bytes from the budget now.
        let bound = model.answerBound(texts: body.texts.count, topK: body.topK ?? 1, allProbabilities: body.probabilities,
                                      unknownLabel: body.unknownLabel)
        guard bound <= configuration.maxAnswerBytes else { throw Self.answerTooLarge(bound, configuration.maxAnswerBytes) }
        try share.take(bound)
        let texts = body.texts.map { model.classifier.truncated($0, toBytes: configuration.maxTextBytes) }
        let predictions = try await model.batcher.predict(texts, rule: rule, deadline: deadline)
        server.metrics.answered(model: name, version: model.version)
        if let shadow = route.shadow {
            server.store.shadows[name]?.offer(texts, rule: rule, answers: predictions, primary: model.version, shadow: shadow)
        }
        var json = "{" + model.jsonHead + ",\"predictions\":["
        json.reserveCapacity(bound)
        for (k, prediction) in predictions.enumerated() {
            if k > 0 { json += "," }
            json += prediction.json(topK: body.topK ?? 1, allProbabilities: body.probabilities)
        }
        return Self.json(json + "]}", holding: share)
    }

    /// `POST /v1/models/{name}/explain` → `{"model": name, "explanations": [...]}`, the objects
    /// `textclf explain --format json` prints, in its order (multi-label: one per predicted label).
    /// Bounded in work (texts cut to ``ServerConfiguration/maxExplainTextBytes``, at most
    /// ``ServerConfiguration/maxExplainSequences`` model sequences), in concurrency (its own
    /// threads, ``ServerConfiguration/maxConcurrentExplains`` at once, 503 beyond) and in the
    /// size of its answer.
    func explain(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        _ = try server.store.routing(of: name)  // 404 before the body is read
        let configuration = configuration
        let share = BudgetShare(server.bytesInFlight)
        let body = try await RequestBody.decode(ExplainRequest.self, from: request, maxBytes: configuration.maxBodyBytes,
                                                deadline: .now + configuration.requestTimeout, budget: share)
        guard body.texts.count <= ClassifierServer.maxExplainTexts else {
            throw ServiceError.invalid("\(body.texts.count) texts; explain takes at most \(ClassifierServer.maxExplainTexts) per request")
        }
        let rules = server.store.rules(of: name)
        if let label = body.label, rules.head != nil, !rules.labels.contains(label) {  // loading: 503 below
            throw ServiceError.invalid("label \"\(label)\" is not one of the model's" + (rules.versions.count > 1 ? " (those every version has)" : "")
                                       + ": \(rules.labels.joined(separator: ", "))")
        }
        let model = try server.store.route(name, version: body.version, requestKey: request.headers[Self.requestKey]).answering
        let texts = body.texts.map { model.classifier.truncated($0, toBytes: configuration.maxExplainTextBytes) }
        let sequences = model.classifier.explanationCost(texts, scale: body.scale)
        guard sequences <= configuration.maxExplainSequences else {
            throw ServiceError.invalid("these texts cost \(sequences) model sequences to explain; a request may cost "
                                       + "\(configuration.maxExplainSequences): send fewer or shorter texts")
        }
        let explanations = try await server.explainers.run(timeout: configuration.requestTimeout) {
            try model.classifier.explain(texts, label: body.label, threshold: body.threshold, scale: body.scale)
        }
        // Each object is bounded by its text (cut above); the answer as a whole by the limit.
        var json = "{" + model.jsonHead + ",\"explanations\":["
        for (k, explanation) in explanations.joined().enumerated() {
            let object = explanation.json()
            guard json.utf8.count + object.utf8.count + 3 <= configuration.maxAnswerBytes else {
                throw Self.answerTooLarge(json.utf8.count + object.utf8.count + 3, configuration.maxAnswerBytes)
            }
            try share.take(object.utf8.count + 1)
            if k > 0 { json += "," }
            json += object
        }
        return Self.json(json + "]}", holding: share)
    }

    /// The header whose value sends a request the same way (canary or not) each time.
    static let requestKey = HTTPFields.Element.Name("X-Request-Key")!

    /// `POST /v1/models/{name}/reload` → the primary's entry of `GET /v1/models`, every
    /// version reloaded. An admin route: off unless the server has an admin token, which the
    /// request must carry.
    func reload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try server.authorizeAdmin(request)
        let name = try context.parameters.require("name")
        let served = try await server.store.reload(name, logger: context.logger)
        return Self.json(try Self.encode(served.info(try server.store.routing(of: name))))
    }

    /// `POST /v1/models/{name}/promote` `{"version": V}` → the model's routing, V its primary.
    func promote(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (name, body) = try await routingChange(PromoteRequest.self, request, context)
        return routed(name, try server.store.promote(name, to: body.version), context)
    }

    /// `POST /v1/models/{name}/rollback` → the model's routing, the primary before the last
    /// promote its primary again.
    func rollback(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try server.authorizeAdmin(request)
        let name = try context.parameters.require("name")
        return routed(name, try server.store.rollback(name), context)
    }

    /// `POST /v1/models/{name}/rollout` `{"canary": {"version": V, "share": S}}`, `{"shadow":
    /// V}` or `{}` → the model's routing with that rollout (`{}`: none).
    func rollout(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (name, body) = try await routingChange(RolloutRequest.self, request, context)
        return routed(name, try server.store.rollOut(name, body.rollout), context)
    }

    /// An admin call on a model's routing: authorized, the model known (404 before the body
    /// is read), its small body decoded.
    private func routingChange<Body: Decodable>(_ type: Body.Type, _ request: Request,
                                                _ context: BasicRequestContext) async throws -> (name: String, body: Body) {
        try server.authorizeAdmin(request)
        let name = try context.parameters.require("name")
        _ = try server.store.routing(of: name)
        let body = try await RequestBody.decode(type, from: request, maxBytes: 4096, deadline: .now + configuration.requestTimeout,
                                                budget: BudgetShare(server.bytesInFlight))
        return (name, body)
    }

    /// The answer to a routing change, logged: who answers model `name` from now on.
    private func routed(_ name: String, _ routing: ModelStore.Routing, _ context: BasicRequestContext) -> Response {
        let json = routing.json(model: name)
        context.logger.notice("routing changed: \(json)")
        return Self.json(json)
    }

    /// Answers up to this size are not held in the budget once made (see ``json(_:holding:)``).
    static let smallAnswerBytes = 64 << 10

    static func answerTooLarge(_ bytes: Int, _ limit: Int) -> ServiceError {
        ServiceError(.contentTooLarge, code: "answer_too_large",
                     "the answer would take up to \(bytes) bytes; answers are at most \(limit): send fewer texts, or ask for less of each")
    }

    /// `GET /v1/models` → `{"models": [...]}`, the loaded models in configuration order.
    func models() throws -> Response {
        struct Models: Encodable { var models: [ModelInfo] }
        let store = server.store
        return Self.json(try Self.encode(Models(models: try store.loaded.map { $0.info(try store.routing(of: $0.name)) })))
    }

    /// `GET /readyz`: 200 once every model is loaded, 503 before.
    func ready() throws -> Response {
        let loading = server.store.loading
        guard loading.isEmpty else {
            throw ServiceError(.serviceUnavailable, code: "not_ready", "still loading: \(loading.joined(separator: ", "))")
        }
        return Self.json("{\"status\":\"ready\"}")
    }

    /// `GET /openapi.json`: the contract for the models as they are now (a reload may change
    /// a model's labels, and with them its rules).
    func contract() -> Response {
        Self.json(OpenAPIDocument.json(models: server.store.names.map(server.store.rules(of:)), maxTexts: server.configuration.maxTexts))
    }

    func metrics() -> Response {
        for shadow in server.store.shadows.values { shadow.publish() }
        for model in server.store.loaded {
            if let (drift, skipped) = model.drift?.current {
                server.metrics.drift(model: model.name, version: model.version, drift, skipped: skipped)
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: server.metrics.exposition())))
    }

    /// The routes, by method and path pattern (`*`: a model's name); ``ClassifierServer``
    /// registers the same ones and a test checks that both agree.
    static let table: [(method: String, pattern: [String])] = [
        ("POST", ["v1", "models", "*", "predict"]), ("POST", ["v1", "models", "*", "explain"]),
        ("POST", ["v1", "models", "*", "reload"]), ("POST", ["v1", "models", "*", "promote"]),
        ("POST", ["v1", "models", "*", "rollback"]), ("POST", ["v1", "models", "*", "rollout"]), ("GET", ["v1", "models"]), ("GET", ["healthz"]),
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

    /// A JSON answer whose bytes stay counted in `share` until they are written (or the
    /// connection is gone): an answer a client does not read still counts. Small answers
    /// (most) give the share back at once: the socket's buffers hold them, and writing
    /// through a closure costs a fifth of the throughput of one-text requests.
    static func json(_ text: String, holding share: BudgetShare) -> Response {
        let buffer = ByteBuffer(string: text)
        guard buffer.readableBytes > smallAnswerBytes else {
            share.releaseAll()
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(contentLength: buffer.readableBytes) { writer in
                            try await writer.write(buffer)
                            try await writer.finish(nil)
                            share.releaseAll()
                        })
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
