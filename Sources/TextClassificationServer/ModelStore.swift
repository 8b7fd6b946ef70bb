import Dispatch
import Foundation
import Logging
import Synchronization
import TextClassification

/// The served models by name. A model is loaded (and checked) aside, then swapped in at
/// once: a request holds the ``ServedModel`` it started with, so requests in flight finish on
/// the old model while new ones get the new. A load that fails leaves the old model serving.
final class ModelStore: Sendable {
    enum Slot: Sendable {
        case loading
        case ready(ServedModel)
    }

    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let slots: Mutex<[String: Slot]>
    /// One reload of a model at a time: two reloads racing could swap in the older directory last.
    private let reloading = Mutex<Set<String>>([])

    init(configuration: ServerConfiguration, metrics: ServerMetrics) {
        self.configuration = configuration
        self.metrics = metrics
        slots = Mutex(Dictionary(uniqueKeysWithValues: configuration.models.map { ($0.name, Slot.loading) }))
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

    /// Loads `name`'s directory again and swaps it in; on failure the model that was serving
    /// goes on serving and the error says why (422).
    @discardableResult
    func reload(_ name: String, logger: Logger) async throws -> ServedModel {
        guard let source = configuration.models.first(where: { $0.name == name }) else {
            throw ServiceError.unknownModel(name, known: names)
        }
        guard reloading.withLock({ $0.insert(name).inserted }) else {
            throw ServiceError(.conflict, code: "reload_in_progress", "model \"\(name)\" is being reloaded; retry when it is done")
        }
        defer { _ = reloading.withLock { $0.remove(name) } }
        let started = ContinuousClock.now
        let classifier: TextClassifier
        do {
            classifier = try await Self.load(source.directory)
        } catch {
            metrics.reloaded(model: name, succeeded: false)
            let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            logger.error("model \(name) not loaded: \(reason)")
            let serving = (try? model(named: name)) != nil
            throw ServiceError(.unprocessableContent, code: "model_not_loaded",
                               "\(source.directory.path) was not loaded" + (serving ? " (the model loaded before keeps serving)" : "")
                                   + ": \(reason)")
        }
        let served = ServedModel(
            name: name, directory: source.directory, classifier: classifier, loadedAt: Date(),
            batcher: PredictionBatcher(classifier: classifier, maxBatch: configuration.maxBatch, maxWait: configuration.maxWait,
                                       maxQueuedTexts: configuration.maxQueuedTexts,
                                       onPass: { [metrics] in metrics.modelPass(model: name, texts: $0) }))
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

    /// Reads a model directory on a thread of its own: a load takes up to seconds and must
    /// not hold an event loop or the cooperative pool.
    static func load(_ directory: URL) async throws -> TextClassifier {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try TextClassifier(contentsOf: directory) })
            }
        }
    }
}
