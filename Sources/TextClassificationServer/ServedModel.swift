import Foundation
import TextClassification

/// A loaded version of a model as the server holds it: the classifier, where it came from,
/// when it was loaded, and the batcher its predictions go through. Immutable: a reload makes
/// a new one.
final class ServedModel: Sendable {
    let name: String
    let version: String
    let directory: URL
    let loadedAt: Date
    let batcher: PredictionBatcher
    /// The texts answered lately against the model's profile; `nil` for a model without one.
    let drift: DriftWindow?
    /// `"model":NAME,"version":VERSION` in JSON, made once: every answer starts with it.
    let jsonHead: String
    /// The longest label name as a JSON string, in bytes (for ``answerBound(texts:topK:allProbabilities:unknownLabel:)``).
    let longestQuotedLabel: Int
    var classifier: TextClassifier { batcher.classifier }

    init(name: String, version: String, directory: URL, classifier: TextClassifier, loadedAt: Date, batcher: PredictionBatcher,
         drift: DriftWindow?) {
        self.name = name
        self.version = version
        self.drift = drift
        self.directory = directory
        self.loadedAt = loadedAt
        self.batcher = batcher
        jsonHead = "\"model\":" + ServiceError.quoted(name) + ",\"version\":" + ServiceError.quoted(version)
        longestQuotedLabel = classifier.labelNames.map { ServiceError.quoted($0).utf8.count }.max() ?? 2
    }

    /// The most bytes an answer of `texts` predictions can take, as ``Prediction/json(topK:allProbabilities:leading:)``
    /// writes them (every label at its longest, every probability at its longest digits).
    func answerBound(texts: Int, topK: Int, allProbabilities: Bool, unknownLabel: String) -> Int {
        let names = classifier.labelNames
        let label = longestQuotedLabel
        // JSON escapes a byte as at most 6 (\u00XX): a bound without encoding it per request.
        let chosen = max(label, unknownLabel.utf8.count * 6 + 2)
        let number = 16  // "-1.17549435e-38"
        var each = 60 + chosen + number  // the members' names, and `,"abstained":true`
        if topK > 1 { each += topK * (label + number + 30) }
        if allProbabilities || classifier.labels.head == .multiLabel { each += names.count * (label + number + 2) + 20 }
        if classifier.labels.head == .multiLabel { each += names.count * (label + 1) }
        return jsonHead.utf8.count + 40 + texts * (each + 1)
    }

    /// The version's entry in `GET /v1/models`, with its part in `routing`. Its directory is
    /// given by its last component only: the server's file system is not the client's business.
    func info(_ routing: ModelStore.Routing) -> ModelInfo {
        let c = classifier.configuration
        var role = "standby", share: Double?
        if routing.primary == version {
            role = "primary"
        } else if let rollout = routing.rollout, rollout.version == version {
            switch rollout {
            case .canary(_, let fraction): (role, share) = ("canary", fraction)
            case .shadow: role = "shadow"
            }
        }
        return ModelInfo(name: name, version: version, role: role, share: share,
                         directory: directory.lastPathComponent, labels: classifier.labelNames,
                         task: classifier.labels.head.rawValue, encoder: c.encoder.rawValue, tokens: c.unit.rawValue,
                         formatVersion: classifier.origin?.formatVersion ?? TextClassifier.formatVersion,
                         contentHash: classifier.origin?.contentHash ?? "",
                         temperature: classifier.model?.head.temperature ?? 1,
                         thresholds: classifier.model?.head.thresholds.map { Dictionary(uniqueKeysWithValues: zip(classifier.labelNames, $0)) },
                         taxonomy: classifier.labels.tree?.separator,
                         operatingPoint: classifier.operatingPoint.map { point in
                             OperatingPointInfo(
                                 target: { if case .precision = point.target { "precision" } else { "recall" } }(),
                                 value: point.target.value,
                                 thresholds: Dictionary(uniqueKeysWithValues: zip(classifier.labels.tree?.paths ?? classifier.labelNames,
                                                                                  point.thresholds)))
                         },
                         loadedAt: ISO8601DateFormatter().string(from: loadedAt))
    }
}

/// What `GET /v1/models` says of one version of a model.
struct ModelInfo: Codable, Equatable, Sendable {
    var name: String
    var version: String
    /// `primary` (answers requests that name no version), `canary` (answers ``share`` of
    /// them), `shadow` (runs beside the primary without answering) or `standby` (answers
    /// only requests that name it).
    var role: String
    var share: Double?
    var directory: String
    var labels: [String]
    /// binary, multiClass or multiLabel.
    var task: String
    var encoder: String
    var tokens: String
    var formatVersion: Int
    /// XXH64 of the directory's config.json (which records every other file's hash).
    var contentHash: String
    /// The head's calibration temperature (1: not calibrated; `textclf fit --calibrate`).
    var temperature: Float
    /// Multi-label, when tuned (`textclf fit --tune-thresholds`): each label's threshold.
    var thresholds: [String: Float]?
    /// A taxonomy (`textclf fit --taxonomy`): what joins the levels of its labels' paths.
    var taxonomy: String?
    /// Where the model abstains or backs off (`textclf tune-threshold`).
    var operatingPoint: OperatingPointInfo?
    /// ISO 8601, UTC.
    var loadedAt: String

    enum CodingKeys: String, CodingKey {
        case name, version, role, share, directory, labels, task, encoder, tokens, taxonomy
        case temperature, thresholds, formatVersion = "format_version", contentHash = "content_hash", loadedAt = "loaded_at"
        case operatingPoint = "operating_point"
    }
}

/// A model's ``OperatingPoint`` as `GET /v1/models` gives it.
struct OperatingPointInfo: Codable, Equatable, Sendable {
    /// `precision` or `recall`.
    var target: String
    var value: Double
    /// Per label (a taxonomy: per node path): the probability it needs; `null`, never given.
    var thresholds: [String: Float?]
}
