import Foundation

/// What `textclf serve` serves and within which limits. The defaults are the CLI's.
public struct ServerConfiguration: Sendable {
    /// A model to serve: its name in the URL (`/v1/models/{name}/…`), its versions (each a
    /// directory), and how a new version is rolled out, if one is.
    public struct Model: Sendable, Equatable {
        /// The URL's `{name}` (`textclf-serve --model NAME=DIR` takes letters, digits, `-`, `_`, `.`).
        public var name: String
        /// Its versions, each name once; the first answers (is the primary) until a promote
        /// says otherwise.
        public var versions: [Version]
        /// A version answering a share of the requests, or running beside the primary on
        /// every request without answering; `nil`: the primary answers everything.
        public var rollout: Rollout?

        /// Serve the model in `directory` as `name`, one version named ``Version/defaultName``.
        public init(name: String, directory: URL) {
            self.init(name: name, versions: [Version(name: Version.defaultName, directory: directory)])
        }

        /// Serve `versions` of a model as `name`, the first the primary.
        public init(name: String, versions: [Version], rollout: Rollout? = nil) {
            (self.name, self.versions, self.rollout) = (name, versions, rollout)
        }

        /// Where the version named `version` is, if the model has it.
        public func directory(of version: String) -> URL? { versions.first { $0.name == version }?.directory }
    }

    /// One version of a served model: a name (`stable`, `v12`, …) and the directory `textclf
    /// fit` wrote; `/reload` reads it again.
    public struct Version: Sendable, Equatable {
        /// The name of the only version of a model given without versions.
        public static let defaultName = "default"

        public var name: String
        public var directory: URL

        public init(name: String, directory: URL) {
            (self.name, self.directory) = (name, directory)
        }
    }

    /// How a second version of a model meets traffic before it is promoted.
    public enum Rollout: Sendable, Equatable {
        /// `version` answers `share` (0…1) of the requests that name no version: the same
        /// requests whenever they carry the same `X-Request-Key` header, else every
        /// 1/share-th request.
        case canary(version: String, share: Double)
        /// `version` labels the texts of every request the primary answers, in the background,
        /// never delaying an answer; `/metrics` counts where the two agree and where they flip.
        case shadow(version: String)

        /// The version being rolled out.
        public var version: String {
            switch self {
            case .canary(let version, _), .shadow(let version): version
            }
        }
    }

    /// The models served, each under its own name.
    public var models: [Model]
    /// The address to listen on: loopback by default; `0.0.0.0` for every interface.
    public var host = "127.0.0.1"
    /// The TCP port to listen on (0: one the system picks).
    public var port = 8080
    /// The most texts in one model pass; requests that arrive together are gathered up to it.
    public var maxBatch = 256
    /// How long a pass waits for more requests once one is waiting (0: it starts as soon as
    /// the model is free; requests that arrive while it runs form the next pass).
    public var maxWait: Duration = .zero
    /// The largest request body; a larger one is refused (413).
    public var maxBodyBytes = 4 << 20
    /// The most texts in one request (422 above it).
    public var maxTexts = 1_000
    /// The most UTF-8 bytes of one text that reach the model; a longer text is cut, on a
    /// character boundary, at the end its model's truncation drops anyway (the start for
    /// `pre`, the default; the end for `post`).
    public var maxTextBytes = 100_000
    /// The most texts waiting for a model pass, per model (503 above it: the server is
    /// behind, retry later).
    public var maxQueuedTexts = 50_000
    /// A request not answered in this time gets 504, reading its body included.
    public var requestTimeout: Duration = .seconds(10)
    /// The most requests handled at once; one more gets 429.
    public var maxConcurrentRequests = 1_024
    /// On SIGTERM or SIGINT: how long requests in flight may take to finish before the
    /// server exits anyway.
    public var drainTimeout: Duration = .seconds(30)
    /// The most open connections; one more is closed as soon as it is accepted.
    public var maxConnections = 2_048
    /// A connection whose client reads nothing of its answer for this long is closed (the
    /// answer's memory with it).
    public var writeTimeout: Duration = .seconds(10)
    /// The memory budget of the requests in flight: each body counts
    /// ``bytesPerBodyByte`` times its size (the copies decoding makes) from its first byte,
    /// each answer its size until it is written. A request that would exceed it is refused
    /// 503 before its body is read.
    public var maxBytesInFlight = 512 << 20
    /// The largest answer; a request whose answer would be larger is refused 413.
    public var maxAnswerBytes = 32 << 20
    /// Explain: the most UTF-8 bytes of one text kept (cut as ``maxTextBytes`` cuts).
    public var maxExplainTextBytes = 10_000
    /// Explain: the most model sequences one request may cost (a text costs one plus one per
    /// token inside its model's window); 422 above it.
    public var maxExplainSequences = 20_000
    /// Explain: requests computed at once, on threads of their own so that they never hold
    /// up predictions; one more is refused 503.
    public var maxConcurrentExplains = 1
    /// The longest `maxLength` of a model this server loads: every text of a model pass is
    /// padded to it (``maxBatch`` × this × 4 bytes per pass).
    public var maxModelLength = 10_000
    /// The secret that `Authorization: Bearer …` must carry on the admin routes (reload);
    /// `nil` turns them off (403), leaving SIGHUP as the way to reload.
    public var adminToken: String?

    /// The bytes of the request budget a body costs per byte: the buffer it arrives in, the
    /// decoder's copy and its decoded strings, rounded up.
    public static let bytesPerBodyByte = 4

    /// Serve `models` with the CLI's defaults for everything else.
    public init(models: [Model]) {
        self.models = models
    }
}
