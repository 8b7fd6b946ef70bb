import Dispatch
import Foundation
import Logging
import Synchronization
import TextClassification

/// The served models by name. A model is loaded (and checked) aside, then swapped in at
/// once: a request holds the ``ServedModel`` it started with, so requests in flight finish on
/// the old model while new ones get the new. A load that fails leaves the old model serving.
///
/// Loads of one model are coalesced, never refused: a reload asked for while a load of the
/// same model runs (the first load at startup included, and however it was asked: SIGHUP or
/// HTTP) is answered by one more load that starts once the running one ends, so it reads the
/// directory as it is after the request. Any number of requests during one load cost one
/// more load, and none is lost.
final class ModelStore: Sendable {
    enum Slot: Sendable {
        case loading
        case ready(ServedModel)
    }

    /// One model's loads: whether one runs, and who waits for the next.
    private struct Loads {
        var running = false
        var waiting: [CheckedContinuation<ServedModel, any Error>] = []
    }

    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let slots: Mutex<[String: Slot]>
    private let loads: Mutex<[String: Loads]>

    init(configuration: ServerConfiguration, metrics: ServerMetrics) {
        self.configuration = configuration
        self.metrics = metrics
        slots = Mutex(Dictionary(uniqueKeysWithValues: configuration.models.map { ($0.name, Slot.loading) }))
        loads = Mutex(Dictionary(uniqueKeysWithValues: configuration.models.map { ($0.name, Loads()) }))
    }

    var names: [String] { configuration.models.map(\.name) }

    /// The model named `name`: 404 for a name this server does not have, 503 while loading.
    func model(named name: String) throws -> ServedModel {
        switch slots.withLock({ $0[name] }) {
        case nil: throw ServiceError.unknownModel(name, known: names)
        case .loading?: throw ServiceError(.serviceUnavailable, code: "not_ready", "model \"\(name)\" is still loading")
        case .ready(let model)?: return model
        }
    }

    /// Every model loaded, in configuration order.
    var loaded: [ServedModel] {
        slots.withLock { slots in
            configuration.models.compactMap { if case .ready(let m)? = slots[$0.name] { m } else { nil } }
        }
    }

    /// The names of the models not loaded yet.
    var loading: [String] { names.filter { name in slots.withLock { if case .loading? = $0[name] { true } else { false } } } }

    /// Loads every model that is not loaded yet, one after another (each load uses every core).
    func loadAll(logger: Logger) async throws {
        for model in configuration.models where loading.contains(model.name) {
            _ = try await reload(model.name, logger: logger)
        }
    }

    /// The model `name` as a load that starts after this call reads it from its directory.
    /// On failure the model that was serving goes on serving and the error says why (422).
    @discardableResult
    func reload(_ name: String, logger: Logger) async throws -> ServedModel {
        guard let source = configuration.models.first(where: { $0.name == name }) else {
            throw ServiceError.unknownModel(name, known: names)
        }
        return try await withCheckedThrowingContinuation { continuation in
            let start = loads.withLock { loads in
                loads[name, default: Loads()].waiting.append(continuation)
                guard !loads[name, default: Loads()].running else { return false }
                loads[name]?.running = true
                return true
            }
            // The loop runs on its own: a waiter that goes away (a client that hung up) must
            // not stop the load the others wait for.
            if start { Task.detached { await self.loadWhileAsked(source, logger: logger) } }
        }
    }

    /// Loads `source` while anyone waits for a load, each load answering everyone who asked
    /// before it started.
    private func loadWhileAsked(_ source: ServerConfiguration.Model, logger: Logger) async {
        while true {
            let waiting = loads.withLock { loads in
                let waiting = loads[source.name]?.waiting ?? []
                loads[source.name]?.waiting = []
                if waiting.isEmpty { loads[source.name]?.running = false }
                return waiting
            }
            guard !waiting.isEmpty else { return }
            let result = await Result(catching: { try await loadOnce(source, logger: logger) })
            for continuation in waiting { continuation.resume(with: result) }
        }
    }

    private func loadOnce(_ source: ServerConfiguration.Model, logger: Logger) async throws -> ServedModel {
        let name = source.name
        let started = ContinuousClock.now
        let classifier: TextClassifier
        do {
            classifier = try await Self.load(source.directory, maxLength: configuration.maxModelLength)
        } catch {
            metrics.reloaded(model: name, succeeded: false)
            let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            logger.error("model \(name) not loaded: \(reason)")
            let serving = (try? model(named: name)) != nil
            throw ServiceError(.unprocessableContent, code: "model_not_loaded",
                               "model \"\(name)\" was not loaded" + (serving ? " (the model loaded before keeps serving)" : "")
                                   + ": " + Self.publicReason(error) + "; the server's log has the details")
        }
        let drift = DriftWindow(classifier: classifier)
        let served = ServedModel(
            name: name, directory: source.directory, classifier: classifier, loadedAt: Date(),
            batcher: PredictionBatcher(classifier: classifier, maxBatch: configuration.maxBatch, maxWait: configuration.maxWait,
                                       maxQueuedTexts: configuration.maxQueuedTexts,
                                       onPass: { [metrics] in metrics.modelPass(model: name, texts: $0) },
                                       onAnswers: drift.map { window in { @Sendable texts, predictions in window.offer(texts, predictions) } }),
            drift: drift)
        slots.withLock { $0[name] = .ready(served) }
        // A load reads every file whole and decodes it; hand the freed pages back to the
        // system, or the server holds its peak (~40 MB more with the topics model) for good.
        FreedMemory.returnToSystem()
        metrics.reloaded(model: name, succeeded: true)
        metrics.setModelsLoaded(loaded.count)
        logger.info("model \(name) loaded from \(source.directory.path) in \(ContinuousClock.now - started)",
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
