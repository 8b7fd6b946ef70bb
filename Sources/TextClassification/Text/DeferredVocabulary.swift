import Foundation

/// A ``Vocabulary`` made when first read, once, whichever thread reads it first: a model
/// opened from its word table predicts without one (decoding a 300,000-word vocabulary takes
/// longer than opening the model), and reports, `quantize` or `fit --from` read it.
final class DeferredVocabulary: @unchecked Sendable {
    private let lock = NSLock()
    private var made: Vocabulary?
    private var make: (@Sendable () -> Vocabulary)?

    init(_ vocabulary: Vocabulary) { made = vocabulary }

    init(_ make: @escaping @Sendable () -> Vocabulary) { self.make = make }

    var value: Vocabulary {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let vocabulary = make!()
        made = vocabulary
        make = nil
        return vocabulary
    }
}
