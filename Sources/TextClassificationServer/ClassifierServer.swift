import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import ServiceLifecycle
import TextClassification
import UnixSignals

/// `textclf serve`: models behind an HTTP API (docs/serve.md; the contract is
/// ``OpenAPIDocument``, served at `/openapi.json`).
///
/// ```swift
/// let server = ClassifierServer(configuration: ServerConfiguration(models: [
///     .init(name: "reviews", directory: URL(fileURLWithPath: "reviews-model")),
/// ]))
/// try await server.run()   // until SIGTERM or SIGINT; SIGHUP reloads every model
/// ```
public struct ClassifierServer: Sendable {
    /// What it serves and within which limits.
    public let configuration: ServerConfiguration
    /// Where it logs model loads and reloads.
    public let logger: Logger
    let metrics: ServerMetrics
    let store: ModelStore
    let inFlight = InFlightCount()

    /// The most texts one explain request takes: each text costs one model pass per token.
    public static let maxExplainTexts = 100

    /// A server for `configuration`, logging to `logger`; ``run()`` loads the models.
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "textclf.serve")) {
        self.configuration = configuration
        self.logger = logger
        metrics = ServerMetrics()
        store = ModelStore(configuration: configuration, metrics: metrics)
    }

    /// Loads every model not loaded yet (``run()`` does it once listening; tests call it first).
    public func loadModels() async throws {
        try await store.loadAll(logger: logger)
    }

    /// Reloads every model, each swapped in only if its directory loads; returns the failures.
    @discardableResult
    public func reloadModels() async -> [String: String] {
        var failures: [String: String] = [:]
        for name in store.names {
            do { try await store.reload(name, logger: logger) } catch let error as ServiceError {
                failures[name] = error.message
            } catch {
                failures[name] = "\(error)"
            }
        }
        return failures
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets the requests in flight finish
    /// (at most ``ServerConfiguration/drainTimeout``) and returns. Models load once the port
    /// is open (`/readyz` says when they are); a model that fails its first load stops the
    /// server with the reason. SIGHUP reloads every model.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let loader = ModelLoader(server: self)
        let app = application(services: [loader], onListening: onListening)
        var group = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                                              logger: logger)
        group.maximumGracefulShutdownDuration = configuration.drainTimeout
        try await ServiceGroup(configuration: group).run()
    }

    /// The Hummingbird application: routes, middleware, and `services` run beside the server.
    public func application(services: [any Service] = [],
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let server = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .nanoseconds(
            Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000
                + configuration.requestTimeout.components.attoseconds / 1_000_000_000)))
        return Application(router: router(), server: server,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "textclf"),
                           services: services,
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ServingMiddleware(metrics: metrics, maxConcurrentRequests: configuration.maxConcurrentRequests,
                                                 timeout: configuration.requestTimeout, inFlight: inFlight))
        let routes = Routes(server: self)
        router.post("/v1/models/:name/predict") { request, context in try await routes.predict(request, context) }
        router.post("/v1/models/:name/explain") { request, context in try await routes.explain(request, context) }
        router.post("/v1/models/:name/reload") { request, context in try await routes.reload(request, context) }
        router.get("/v1/models") { _, _ in try routes.models() }
        router.get("/healthz") { _, _ in Routes.json("{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in try routes.ready() }
        router.get("/metrics") { _, _ in routes.metrics() }
        router.get("/openapi.json") { _, _ in Routes.json(OpenAPIDocument.json) }
        return router
    }
}

/// Loads the models once the server listens, reloads them on SIGHUP, and ends on shutdown.
struct ModelLoader: Service {
    let server: ClassifierServer

    func run() async throws {
        try await server.loadModels()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            server.logger.info("SIGHUP: reloading every model")
            let failures = await server.reloadModels()
            for (name, reason) in failures.sorted(by: { $0.key < $1.key }) {
                server.logger.error("SIGHUP: model \(name) kept its previous version: \(reason)")
            }
        }
    }
}
