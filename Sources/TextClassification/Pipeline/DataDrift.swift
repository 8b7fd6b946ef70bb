import Foundation

/// How far new texts have moved from those a model was fitted on, one score per signal of
/// their ``DataProfile``s: the population stability index (PSI) of the signal's histogram,
/// Σ (live − reference) · ln(live / reference) over the bins' shares.
///
/// PSI is what credit scoring and model monitoring use for exactly this: below 0.1 the
/// populations are alike, 0.1–0.25 moved, 0.25 and more a different population. textclf calls
/// drift at ``threshold`` (0.25) on any signal. Shares are smoothed by half a row per bin, so an
/// empty bin does not make a score infinite; below ``fewRows`` rows the scores are noisy.
public struct DataDrift: Equatable, Sendable {
    /// What a profile measures.
    public enum Signal: String, CaseIterable, Codable, Sendable {
        /// The share of a text's words the vocabulary knows: new words, another language.
        case coverage
        /// Words per text: another kind of text (titles vs articles, chat vs reviews).
        case length
        /// The labels the model decides: the mix of topics has changed, or the model is lost.
        case labels
        /// How sure the model is: texts unlike any it learnt from.
        case confidence
    }

    /// One signal's comparison.
    public struct Score: Equatable, Sendable {
        public var signal: Signal
        /// The population stability index of the signal's histogram.
        public var psi: Double
        /// The signal's mean in the reference and in the live texts (``DataProfile/mean(_:)``).
        public var referenceMean: Double, liveMean: Double
        /// Whether this score reaches the threshold.
        public var drifted: Bool
    }

    /// The score from which a signal has drifted: the usual "significant shift" of PSI.
    public static let threshold = 0.25
    /// Below this many live rows the scores are reported but noisy.
    public static let fewRows = 500

    /// The model's profile and the new texts'.
    public var reference: DataProfile, live: DataProfile
    /// One score per signal, in ``Signal`` order.
    public var scores: [Score]
    /// Whether any signal reaches ``threshold``.
    public var drifted: Bool { scores.contains(where: \.drifted) }

    /// Compares `live` with `reference` (profiles of the same model).
    public init(reference: DataProfile, live: DataProfile) {
        self.reference = reference
        self.live = live
        scores = Signal.allCases.map { signal in
            let psi = Self.stabilityIndex(reference: reference.histogram(signal), live: live.histogram(signal))
            return Score(signal: signal, psi: psi, referenceMean: reference.mean(signal), liveMean: live.mean(signal),
                         drifted: psi >= Self.threshold)
        }
    }

    /// Σ (l − r) · ln(l / r) over the bins' shares, each bin given half a row more.
    public static func stabilityIndex(reference: [Int], live: [Int]) -> Double {
        let bins = max(reference.count, live.count)
        guard bins > 0 else { return 0 }
        func shares(_ counts: [Int]) -> [Double] {
            let total = Double(counts.reduce(0, +)) + 0.5 * Double(bins)
            return (0 ..< bins).map { (Double($0 < counts.count ? counts[$0] : 0) + 0.5) / total }
        }
        let r = shares(reference), l = shares(live)
        return zip(r, l).reduce(0) { $0 + ($1.1 - $1.0) * log($1.1 / $1.0) }
    }
}
