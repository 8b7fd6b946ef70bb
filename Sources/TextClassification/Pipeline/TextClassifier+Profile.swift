import Foundation

/// The profile of texts as the model sees them (``DataProfile``), and the one a fit keeps.
extension TextClassifier {
    /// The most rows a fit profiles: enough for stable histograms (a bin of 1% holds 200),
    /// a second or two of predicting.
    public static let profileRows = 20_000

    /// What `texts` look like to this model: their words' coverage and length, the labels it
    /// decides and how sure it is, predicted on all cores a block at a time.
    public func profile<Texts: Collection<String>>(of texts: Texts, source: String) throws -> DataProfile {
        _ = try trainedModel()
        var profile = DataProfile(source: source, labelBins: DataProfile.labelBins(labels: labels))
        var start = texts.startIndex
        while start != texts.endIndex {
            let end = texts.index(start, offsetBy: Self.tokenizingBlock, limitedBy: texts.endIndex) ?? texts.endIndex
            let block = Array(texts[start ..< end])
            add(block, predictions: try predict(texts: block), to: &profile)
            start = end
        }
        return profile
    }

    /// Adds texts this model has labelled (`predictions`, one per text) to `profile`, their
    /// coverage measured on all cores: for a caller that predicts anyway (`textclf drift`, a server).
    public func add(_ texts: [String], predictions: [Prediction], to profile: inout DataProfile) {
        let coverage = Parallel.map(texts.count) { wordCoverage(of: texts[$0]) }
        for (row, prediction) in zip(coverage, predictions) {
            profile.add(words: row.words, covered: row.covered, prediction: prediction)
        }
    }

    /// Keeps the profile of `texts` (at most their last ``profileRows``) as ``trainingProfile``.
    mutating func keepProfile<Texts: BidirectionalCollection<String>>(of texts: Texts, source: String) throws {
        trainingProfile = try profile(of: texts.suffix(Self.profileRows), source: source)
    }
}
