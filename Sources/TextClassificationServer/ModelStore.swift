import Dispatch
import Foundation
import Logging
import Synchronization
import TextClassification

/// The served models by name, each with its versions. A version is loaded (and checked)
/// aside, then swapped in at once: a request holds the ``ServedModel`` it started with, so
/// requests in flight finish on the old one while new ones get the new. A load that fails
/// leaves the old one serving.
///
/// Loads of one version are coalesced, never refused: a reload asked for while a load of the
/// same version runs (the first load at startup included, and however it was asked: SIGHUP
/// or HTTP) is answered by one more load that starts once the running one ends, so it reads
/// the directory as it is after the request. Any number of requests during one load cost one
/// more load, and none is lost.
///
/// Which version answers a request is the model's ``Routing``: its primary, and the version
/// being rolled out beside it (canary or shadow), changed at once by promote, rollback and
/// rollout; requests in flight keep the version they were routed to.
final class ModelStore: Sendable {
    enum Slot: Sendable {
        case loading
        case ready(ServedModel)
    }

    /// A version of a model.
    struct Key: Hashable, Sendable {
        var model: String
        var version: String
    }

    /// Who answers a model's requests.
    struct Routing: Sendable, Equatable {
        var primary: String
        var rollout: ServerConfiguration.Rollout?
        /// The primary before the last promote: where a rollback returns.
        var previous: String?
    }

    /// Where one request goes: the version that answers it and the one that shadows it.
    struct Route: Sendable {
        let answering: ServedModel
        let shadow: ServedModel?
    }

    /// One version's loads: whether one runs, and who waits for the next.
    private struct Loads {
        var running = false
        var waiting: [CheckedContinuation<ServedModel, any Error>] = []
    }

    private struct Routes {
        var routing: Routing
        /// Canary requests without a key, counted to give the canary its exact share.
        var unkeyed: UInt64 = 0
    }

    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let slots: Mutex<[Key: Slot]>
    private let loads: Mutex<[Key: Loads]>
    private let routes: Mutex<[String: Routes]>
    /// Each model's rules (``rules(of:)``), made again at each load.
    private let contracts: Mutex<[String: OpenAPIDocument.Model]>
    /// Each model's comparison of its shadow with its primary (idle without a shadow).
    let shadows: [String: ShadowComparison]

    init(configuration: ServerConfiguration, metrics: ServerMetrics) {
        self.configuration = configuration
        self.metrics = metrics
        let keys = configuration.models.flatMap { model in model.versions.map { Key(model: model.name, version: $0.name) } }
        slots = Mutex(Dictionary(uniqueKeysWithValues: keys.map { ($0, Slot.loading) }))
        loads = Mutex(Dictionary(uniqueKeysWithValues: keys.map { ($0, Loads()) }))
        routes = Mutex(Dictionary(uniqueKeysWithValues: configuration.models.map {
            ($0.name, Routes(routing: Routing(primary: $0.versions[0].name, rollout: $0.rollout)))
        }))
        contracts = Mutex(Dictionary(uniqueKeysWithValues: configuration.models.map {
            ($0.name, OpenAPIDocument.Model(name: $0.name, versions: $0.versions.map(\.name)))
        }))
        shadows = Dictionary(uniqueKeysWithValues: configuration.models.map {
            ($0.name, ShadowComparison(model: $0.name, metrics: metrics))
        })
    }

    var names: [String] { configuration.models.map(\.name) }

    private func source(_ name: String) throws -> ServerConfiguration.Model {
        guard let source = configuration.models.first(where: { $0.name == name }) else {
            throw ServiceError.unknownModel(name, known: names)
        }
        return source
    }

    /// The version `version` of model `name`: 404 for a model this server does not have, 422
    /// for a version it does not have, 503 while it loads.
    func model(named name: String, version: String) throws -> ServedModel {
        let source = try source(name)
        guard source.directory(of: version) != nil else {
            throw ServiceError.invalid("model \"\(name)\" has no version \"\(version)\"; it has "
                                       + source.versions.map { "\"\($0.name)\"" }.joined(separator: ", "))
        }
        switch slots.withLock({ $0[Key(model: name, version: version)] }) {
        case .ready(let model)?: return model
        default:
            let described = source.versions.count > 1 ? "version \"\(version)\" of model \"\(name)\"" : "model \"\(name)\""
            throw ServiceError(.serviceUnavailable, code: "not_ready", "\(described) is still loading")
        }
    }

    /// The primary version of model `name`.
    func model(named name: String) throws -> ServedModel {
        try model(named: name, version: try routing(of: name).primary)
    }

    /// Where a request for model `name` goes: to `version` if it names one; else to the
    /// canary for its share of requests (by `requestKey`, the same key always the same way;
    /// without one, every 1/share-th request), else to the primary, shadowed if a shadow is
    /// loaded.
    func route(_ name: String, version: String?, requestKey: String?) throws -> Route {
        if let version { return Route(answering: try model(named: name, version: version), shadow: nil) }
        _ = try source(name)
        let (answering, shadow): (String, String?) = routes.withLock { routes in
            let routing = routes[name]!.routing
            switch routing.rollout {
            case nil: return (routing.primary, nil)
            case .shadow(let version)?: return (routing.primary, version)
            case .canary(let version, let share)?:
                let canary: Bool
                if let requestKey {
                    canary = Self.unitInterval(requestKey) < share
                } else {
                    routes[name]!.unkeyed &+= 1
                    let n = Double(routes[name]!.unkeyed)
                    canary = (n * share).rounded(.down) > ((n - 1) * share).rounded(.down)
                }
                return (canary ? version : routing.primary, nil)
            }
        }
        // A shadow still loading, or that failed its load, shadows nothing meanwhile.
        return Route(answering: try model(named: name, version: answering),
                     shadow: shadow.flatMap { try? model(named: name, version: $0) })
    }

    /// A request key as a number in [0, 1): FNV-1a, then SplitMix64's finaliser to spread
    /// keys that differ in their last bytes. Fixed, so a key goes the same way after a restart.
    static func unitInterval(_ key: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Double(hash >> 11) / Double(1 << 53)
    }

    func routing(of name: String) throws -> Routing {
        _ = try source(name)
        return routes.withLock { $0[name]!.routing }
    }

    /// Makes `version` the primary of model `name`, ending any rollout; the primary it
    /// replaces is where ``rollback(_:)`` returns. The version must be loaded.
    func promote(_ name: String, to version: String) throws -> Routing {
        _ = try model(named: name, version: version)
        return routes.withLock { routes in
            let routing = routes[name]!.routing
            if routing.primary != version { routes[name]!.routing.previous = routing.primary }
            routes[name]!.routing.primary = version
            routes[name]!.routing.rollout = nil
            return routes[name]!.routing
        }
    }

    /// Makes the primary before the last promote the primary again, ending any rollout;
    /// 422 when nothing was promoted.
    func rollback(_ name: String) throws -> Routing {
        let routing = try routing(of: name)
        guard let previous = routing.previous else {
            throw ServiceError.invalid("model \"\(name)\" has no earlier primary to roll back to (nothing was promoted)")
        }
        _ = try model(named: name, version: previous)
        return routes.withLock { routes in
            routes[name]!.routing = Routing(primary: previous, rollout: nil, previous: routing.primary)
            return routes[name]!.routing
        }
    }

    /// Starts, changes or (with `nil`) ends the rollout of model `name`. Its version must be
    /// one of the model's other than the primary.
    func rollOut(_ name: String, _ rollout: ServerConfiguration.Rollout?) throws -> Routing {
        let source = try source(name)
        if let rollout {
            guard source.directory(of: rollout.version) != nil else {
                throw ServiceError.invalid("model \"\(name)\" has no version \"\(rollout.version)\"; it has "
                                           + source.versions.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
            if case .canary(_, let share) = rollout, !(0...1).contains(share) {
                throw ServiceError.invalid("a canary's share must be in [0, 1]")
            }
        }
        return try routes.withLock { routes in
            if let rollout, rollout.version == routes[name]!.routing.primary {
                throw ServiceError.invalid("version \"\(rollout.version)\" is the primary of model \"\(name)\"; roll out another")
            }
            routes[name]!.routing.rollout = rollout
            routes[name]!.unkeyed = 0
            return routes[name]!.routing
        }
    }

    /// What requests for model `name` must respect, stated by its contract: its task and the
    /// labels every loaded version has (in the first loaded version's order), so that a
    /// request valid for one version is valid for all.
    func rules(of name: String) -> OpenAPIDocument.Model {
        contracts.withLock { $0[name] } ?? OpenAPIDocument.Model(name: name)
    }

    private func makeRules(of name: String) -> OpenAPIDocument.Model {
        let source = configuration.models.first { $0.name == name }
        var rules = OpenAPIDocument.Model(name: name, versions: source?.versions.map(\.name) ?? [])
        let versions = loaded.filter { $0.name == name }.map(\.classifier)
        guard let first = versions.first else { return rules }
        rules.head = first.labels.head
        rules.labels = first.labelNames.filter { label in versions.allSatisfy { $0.labelNames.contains(label) } }
        return rules
    }

    /// Every version loaded: models in configuration order, each model's versions in its order.
    var loaded: [ServedModel] {
        slots.withLock { slots in
            configuration.models.flatMap { model in
                model.versions.compactMap {
                    if case .ready(let m)? = slots[Key(model: model.name, version: $0.name)] { m } else { nil }
                }
            }
        }
    }

    /// The versions not loaded yet: `name`, or `name (version)` for a model with versions.
    var loading: [String] {
        slots.withLock { slots in
            configuration.models.flatMap { model in
                model.versions.compactMap { version in
                    guard case .loading? = slots[Key(model: model.name, version: version.name)] else { return nil }
                    return model.versions.count > 1 ? "\(model.name) (\(version.name))" : model.name
                }
            }
        }
    }

    /// Loads every version that is not loaded yet, one after another (each load uses every core).
    func loadAll(logger: Logger) async throws {
        for model in configuration.models {
            for version in model.versions where slots.withLock({ if case .loading? = $0[Key(model: model.name, version: version.name)] { true } else { false } }) {
                _ = try await reload(Key(model: model.name, version: version.name), logger: logger)
            }
        }
    }

    /// Every version of model `name` as a load that starts after this call reads it from its
    /// directory; returns the primary. On failure the versions that were serving go on
    /// serving and the error says why (422).
    @discardableResult
    func reload(_ name: String, logger: Logger) async throws -> ServedModel {
        let source = try source(name)
        var failure: (any Error)?
        for version in source.versions {
            do { _ = try await reload(Key(model: name, version: version.name), logger: logger) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        return try model(named: name)
    }

    private func reload(_ key: Key, logger: Logger) async throws -> ServedModel {
        guard let source = configuration.models.first(where: { $0.name == key.model }),
              let directory = source.directory(of: key.version) else {
            throw ServiceError.unknownModel(key.model, known: names)
        }
        return try await withCheckedThrowingContinuation { continuation in
            let start = loads.withLock { loads in
                loads[key, default: Loads()].waiting.append(continuation)
                guard !loads[key, default: Loads()].running else { return false }
                loads[key]?.running = true
                return true
            }
            // The loop runs on its own: a waiter that goes away (a client that hung up) must
            // not stop the load the others wait for.
            if start {
                let described = source.versions.count > 1 ? "\(key.model) (\(key.version))" : key.model
                Task.detached { await self.loadWhileAsked(key, from: directory, described: described, logger: logger) }
            }
        }
    }

    /// Loads `key` while anyone waits for a load, each load answering everyone who asked
    /// before it started.
    private func loadWhileAsked(_ key: Key, from directory: URL, described: String, logger: Logger) async {
        while true {
            let waiting = loads.withLock { loads in
                let waiting = loads[key]?.waiting ?? []
                loads[key]?.waiting = []
                if waiting.isEmpty { loads[key]?.running = false }
                return waiting
            }
            guard !waiting.isEmpty else { return }
            let result = await Result(catching: { try await loadOnce(key, from: directory, described: described, logger: logger) })
            for continuation in waiting { continuation.resume(with: result) }
        }
    }

    private func loadOnce(_ key: Key, from directory: URL, described: String, logger: Logger) async throws -> ServedModel {
        let name = key.model
        let started = ContinuousClock.now
        let classifier: TextClassifier
        do {
            classifier = try await Self.load(directory, maxLength: configuration.maxModelLength)
        } catch {
            metrics.reloaded(model: name, version: key.version, succeeded: false)
            let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            logger.error("model \(described) not loaded: \(reason)")
            let serving = slots.withLock { if case .ready? = $0[key] { true } else { false } }
            throw ServiceError(.unprocessableContent, code: "model_not_loaded",
                               "model \(ServiceError.quoted(described)) was not loaded" + (serving ? " (the one loaded before keeps serving)" : "")
                                   + ": " + Self.publicReason(error) + "; the server's log has the details")
        }
        // Versions answer the same question: a request valid for one must be for the others.
        if let other = loaded.first(where: { $0.name == name && $0.version != key.version }),
           other.classifier.labels.head != classifier.labels.head {
            metrics.reloaded(model: name, version: key.version, succeeded: false)
            throw ServiceError(.unprocessableContent, code: "model_not_loaded",
                               "model \(ServiceError.quoted(described)) was not loaded: it is \(classifier.labels.head.rawValue) and version "
                                   + "\(ServiceError.quoted(other.version)) \(other.classifier.labels.head.rawValue); the versions of a model share "
                                   + "their task (serve it under another name)")
        }
        let drift = DriftWindow(classifier: classifier)
        let served = ServedModel(
            name: name, version: key.version, directory: directory, classifier: classifier, loadedAt: Date(),
            batcher: PredictionBatcher(classifier: classifier, maxBatch: configuration.maxBatch, maxWait: configuration.maxWait,
                                       maxQueuedTexts: configuration.maxQueuedTexts,
                                       onPass: { [metrics] in metrics.modelPass(model: name, version: key.version, texts: $0) },
                                       onAnswers: drift.map { window in { @Sendable texts, predictions in window.offer(texts, predictions) } }),
            drift: drift)
        slots.withLock { $0[key] = .ready(served) }
        let rules = makeRules(of: name)
        contracts.withLock { $0[name] = rules }
        // A load reads every file whole and decodes it; hand the freed pages back to the
        // system, or the server holds its peak (~40 MB more with the topics model) for good.
        FreedMemory.returnToSystem()
        metrics.reloaded(model: name, version: key.version, succeeded: true)
        metrics.setModelsLoaded(loaded.count)
        logger.info("model \(described) loaded from \(directory.path) in \(ContinuousClock.now - started)",
                    metadata: ["content_hash": "\(classifier.origin?.contentHash ?? "")"])
        return served
    }

    /// Why a load failed, for a client: the file within the model directory and the kind of
    /// fault, without the server's paths, sizes or hashes (those go to the log).
    static func publicReason(_ error: any Error) -> String {
        func firstClause(_ text: String) -> String {
            String(text.prefix { $0 != ":" && $0 != "(" && $0 != "\n" }).trimmingCharacters(in: .whitespaces)
        }
        switch error as? TextClassificationError {
        case .invalidModel(let path, let reason)?:
            return URL(fileURLWithPath: path).lastPathComponent + ": " + firstClause(reason)
        case .cannotRead(let file, let reason)?:
            return URL(fileURLWithPath: file).lastPathComponent + ": " + firstClause(reason)
        default:
            return "the directory does not hold a model this server reads"
        }
    }

    /// Reads a model directory on a thread of its own: a load takes up to seconds and must
    /// not hold an event loop or the cooperative pool. The optimizer state some models carry
    /// (`fit --save-optimizer`) is for training on; the server never reads it.
    static func load(_ directory: URL, maxLength: Int) async throws -> TextClassifier {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    // In memory, not mapped: the model keeps serving whatever is later written over its files.
                    let classifier = try TextClassifier(contentsOf: directory, loadingOptimizerState: false, inMemory: true)
                    // Every text of a pass is padded to it: bound what one pass can allocate.
                    guard classifier.configuration.maxLength <= maxLength else {
                        throw TextClassificationError.invalidModel(
                            path: directory.appendingPathComponent("config.json").path,
                            reason: "maxLength \(classifier.configuration.maxLength) is more than this server pads texts to (\(maxLength)); "
                                + "serve it with a larger --max-model-length, or train with a smaller --max-length")
                    }
                    return classifier
                })
            }
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
