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
    let inFlight: BoundedCount
    /// The memory the requests in flight may hold (``ServerConfiguration/maxBytesInFlight``).
    let bytesInFlight: ByteBudget
    /// Where explanations are computed (``ServerConfiguration/maxConcurrentExplains``).
    let explainers: ExplainPool
    let connections: BoundedCount

    /// The most texts one explain request takes: each text costs one model pass per token.
    public static let maxExplainTexts = 100

    /// A server for `configuration`, logging to `logger`; ``run()`` loads the models.
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "textclf.serve")) {
        self.configuration = configuration
        self.logger = logger
        metrics = ServerMetrics()
        store = ModelStore(configuration: configuration, metrics: metrics)
        bytesInFlight = ByteBudget(limit: configuration.maxBytesInFlight)
        explainers = ExplainPool(limit: configuration.maxConcurrentExplains)
        connections = BoundedCount(limit: configuration.maxConnections)
        inFlight = BoundedCount(limit: configuration.maxConcurrentRequests)
    }

    /// Lets an admin request through, or refuses it: 403 when the server has no admin token
    /// (admin routes are off), 401 when the request does not carry it.
    func authorizeAdmin(_ request: Request) throws {
        guard let token = configuration.adminToken else {
            throw ServiceError(.forbidden, code: "admin_disabled",
                               "admin routes are off; start the server with --admin-token-file (docs/serve.md, Deploying), or send it SIGHUP to reload every model")
        }
        let given = request.headers[.authorization] ?? ""
        guard Self.constantTimeEqual(given, "Bearer " + token) else {
            throw ServiceError(.unauthorized, code: "unauthorized", "this route needs the header Authorization: Bearer <admin token>",
                               headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    /// Compares without stopping at the first difference, so that the time taken does not
    /// tell an attacker how much of a guess was right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for k in 0..<max(x.count, y.count) {
            difference |= (k < x.count ? x[k] : 0) ^ (k < y.count ? y[k] : 0)
        }
        return difference == 0
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
        let (connections, writeTimeout) = (connections, TimeAmount(configuration.writeTimeout))
        let server = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [ConnectionGuard(count: connections, writeTimeout: writeTimeout)],
            idleTimeout: TimeAmount(configuration.requestTimeout)))
        return Application(router: router(), server: server,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "textclf"),
                           services: services,
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ServingMiddleware(metrics: metrics, timeout: configuration.requestTimeout, inFlight: inFlight))
        let routes = Routes(server: self)
        router.post("/v1/models/:name/predict") { request, context in try await routes.predict(request, context) }
        router.post("/v1/models/:name/explain") { request, context in try await routes.explain(request, context) }
        router.post("/v1/models/:name/reload") { request, context in try await routes.reload(request, context) }
        router.post("/v1/models/:name/promote") { request, context in try await routes.promote(request, context) }
        router.post("/v1/models/:name/rollback") { request, context in try await routes.rollback(request, context) }
        router.post("/v1/models/:name/rollout") { request, context in try await routes.rollout(request, context) }
        router.get("/v1/models") { _, _ in try routes.models() }
        router.get("/healthz") { _, _ in Routes.json("{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in try routes.ready() }
        router.get("/metrics") { _, _ in routes.metrics() }
        router.get("/openapi.json") { _, _ in routes.contract() }
        return router
    }
}

/// Loads the models once the server listens, reloads them on SIGHUP, and ends on shutdown.
/// SIGHUP is trapped before the first load starts, and a SIGHUP during a load asks for one
/// more load after it (``ModelStore``), so a deploy script's HUP right after a restart is
/// never fatal nor lost.
struct ModelLoader: Service {
    let server: ClassifierServer

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.loadModels() }
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() {
                    server.logger.info("SIGHUP: reloading every model")
                    // Not awaited here: HUPs that arrive during these loads coalesce into one more.
                    Task {
                        let failures = await server.reloadModels()
                        for (name, reason) in failures.sorted(by: { $0.key < $1.key }) {
                            server.logger.error("SIGHUP: model \(name) kept its previous version: \(reason)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int.max` instead of trapping on huge values: the one
    /// conversion for NIO's and Dispatch's time types.
    var saturatingNanoseconds: Int {
        let (seconds, attoseconds) = components
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflowAgain) = whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000))
        return overflow || overflowAgain ? .max : max(0, sum)
    }
}

extension TimeAmount {
    /// `duration` in NIO's terms.
    init(_ duration: Duration) { self = .nanoseconds(Int64(duration.saturatingNanoseconds)) }
}
