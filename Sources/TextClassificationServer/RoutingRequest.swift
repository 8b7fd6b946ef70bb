/// `POST /v1/models/{name}/promote`: the version to make the primary.
struct PromoteRequest: Decodable, Sendable {
    var version: String

    enum CodingKeys: String, CodingKey, CaseIterable { case version }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownMembers(CodingKeys.allCases.map(\.rawValue))
        version = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .version)
    }
}

/// `POST /v1/models/{name}/rollout`: `{"canary": {"version": V, "share": S}}`, `{"shadow": V}`,
/// or `{}` to end the rollout.
struct RolloutRequest: Decodable, Sendable {
    var rollout: ServerConfiguration.Rollout?

    enum CodingKeys: String, CodingKey, CaseIterable { case canary, shadow }

    struct Canary: Decodable {
        var version: String
        var share: Double

        enum CodingKeys: String, CodingKey, CaseIterable { case version, share }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownMembers(CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            version = try c.decode(String.self, forKey: .version)
            share = try c.decode(Double.self, forKey: .share)
        }
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownMembers(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let canary = try c.decodeIfPresent(Canary.self, forKey: .canary)
        let shadow = try c.decodeIfPresent(String.self, forKey: .shadow)
        switch (canary, shadow) {
        case (let canary?, nil): rollout = .canary(version: canary.version, share: canary.share)
        case (nil, let shadow?): rollout = .shadow(version: shadow)
        case (nil, nil): rollout = nil
        case (.some, .some): throw ServiceError.invalid("a rollout is a canary or a shadow, not both")
        }
    }
}

extension ModelStore.Routing {
    /// `{"model", "primary", "rollout": {"mode", "version", "share"} or null, "previous"}`.
    func json(model: String) -> String {
        let rollout: String
        switch self.rollout {
        case nil: rollout = "null"
        case .canary(let version, let share)?:
            rollout = #"{"mode":"canary","version":\#(ServiceError.quoted(version)),"share":\#(share)}"#
        case .shadow(let version)?:
            rollout = #"{"mode":"shadow","version":\#(ServiceError.quoted(version))}"#
        }
        return #"{"model":\#(ServiceError.quoted(model)),"primary":\#(ServiceError.quoted(primary)),"rollout":\#(rollout),"previous":\#(previous.map(ServiceError.quoted) ?? "null")}"#
    }
}
