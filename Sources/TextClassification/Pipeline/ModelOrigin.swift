/// What a loaded model directory was: its format version and a hash of its content.
public struct ModelOrigin: Equatable, Sendable {
    /// The `formatVersion` of its config.json.
    public var formatVersion: Int
    /// XXH64 of its config.json, which records every other file's size and hash: two loads
    /// with the same hash read the same model.
    public var contentHash: String
}
