import Foundation

/// What `textclf serve` serves and within which limits. The defaults are the CLI's.
public struct ServerConfiguration: Sendable {
    /// A model to serve: its name in the URL (`/v1/models/{name}/…`) and its directory.
    public struct Model: Sendable, Equatable {
        /// The URL's `{name}` (`textclf-serve --model NAME=DIR` takes letters, digits, `-`, `_`, `.`).
        public var name: String
        /// The model directory `textclf fit` wrote; `/reload` reads it again.
        public var directory: URL

        /// Serve the model in `directory` as `name`.
        public init(name: String, directory: URL) {
            (self.name, self.directory) = (name, directory)
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

    /// Serve `models` with the CLI's defaults for everything else.
    public init(models: [Model]) {
        self.models = models
    }
}
