import TextClassification

/// `POST /v1/models/{name}/predict`: texts and how to decide, as `textclf predict`'s options.
struct PredictRequest: Decodable, Sendable {
    var texts: [String]
    /// Multi-class: the K most probable labels with their probabilities (`--top-k`).
    var topK: Int?
    /// Every label's probability (`--probabilities`; always for multi-label).
    var probabilities: Bool
    /// Binary and multi-label (`--threshold`); absent, the model's (0.5 or tuned per label).
    var threshold: Float?
    /// Multi-class (`--min-probability`, `--unknown-label`).
    var minProbability: Float?
    var unknownLabel: String
    /// The version to answer (`nil`: the model's routing chooses).
    var version: String?

    /// The longest `unknown_label`, in Unicode scalars (a label, not a text): what JSON
    /// Schema's `maxLength` counts, so the contract says it exactly; at most 256 UTF-8 bytes.
    static let maxUnknownLabelScalars = 64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case texts, topK = "top_k", probabilities, threshold
        case minProbability = "min_probability", unknownLabel = "unknown_label", version
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownMembers(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode([String].self, forKey: .texts)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        probabilities = try c.decodeIfPresent(Bool.self, forKey: .probabilities) ?? false
        threshold = try c.decodeProbability(forKey: .threshold)
        minProbability = try c.decodeProbability(forKey: .minProbability)
        unknownLabel = try c.decodeIfPresent(String.self, forKey: .unknownLabel) ?? ""
        version = try c.decodeIfPresent(String.self, forKey: .version)
    }

    /// The checks `textclf predict` makes of its options, against the model's rules: the
    /// task and the labels every loaded version of it has (what its contract states).
    func validate(for rules: OpenAPIDocument.Model, maxTexts: Int) throws -> DecisionRule {
        guard texts.count <= maxTexts else {
            throw ServiceError.invalid("\(texts.count) texts; a request takes at most \(maxTexts)")
        }
        if let head = rules.head, head != .multiClass, topK != nil || minProbability != nil {
            throw ServiceError.invalid("\(topK != nil ? "top_k" : "min_probability") needs a multi-class model; this one is \(head)")
        }
        // A model still loading has no rules yet: its route answers 503 (not_ready).
        if let topK, rules.head != nil, !(1...max(1, rules.labels.count)).contains(topK) {
            throw ServiceError.invalid("top_k must be from 1 to the model's \(rules.labels.count) labels"
                                       + (rules.versions.count > 1 ? " (those every version has)" : ""))
        }
        // Repeated in every abstaining prediction: a long one multiplies the answer.
        guard unknownLabel.unicodeScalars.count <= Self.maxUnknownLabelScalars else {
            throw ServiceError.invalid("unknown_label is \(unknownLabel.unicodeScalars.count) characters; at most \(Self.maxUnknownLabelScalars)")
        }
        return DecisionRule(threshold: threshold, minimumProbability: minProbability ?? 0, unknownLabel: unknownLabel)
    }
}

/// `POST /v1/models/{name}/explain`: texts, and optionally the label to explain and the
/// scale (`textclf explain`'s `--label` and `--scale`).
struct ExplainRequest: Decodable, Sendable {
    var texts: [String]
    var label: String?
    var threshold: Float?
    var scale = Explanation.Scale.logOdds
    /// The version to explain (`nil`: the one the model's routing chooses).
    var version: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case texts, label, threshold, scale, version }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownMembers(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode([String].self, forKey: .texts)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        threshold = try c.decodeProbability(forKey: .threshold)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        if let name = try c.decodeIfPresent(String.self, forKey: .scale) {
            guard let scale = Explanation.Scale(rawValue: name) else {
                throw ServiceError.invalid("scale must be one of "
                    + Explanation.Scale.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
            }
            self.scale = scale
        }
    }
}

extension KeyedDecodingContainer {
    /// A probability in [0, 1], read as a Double (Foundation's decoder refuses a Float member
    /// such as 1e-308 as "not valid JSON") and checked before it is narrowed: narrowed first,
    /// -1e-301 would be -0 and 1 + 1e-9 would be 1, both accepted against the contract.
    func decodeProbability(forKey key: Key) throws -> Float? {
        guard let value = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard value >= 0 && value <= 1 else { throw ServiceError.invalid("\(key.stringValue) must be in [0, 1]") }
        return Float(value)
    }
}
