/// A stage that splits text into tokens: the first stage of a ``TextClassifier``.
///
/// Implementations must be safe to call from several threads at once.
public protocol Tokenizer: Sendable {
    /// The tokens of `text`, in order.
    func tokens(in text: String) -> [String]
}
