import Testing
@testable import TextClassification

/// The byte-keyed table the vocabulary counts with: first-seen positions, through growth and
/// pruning, tokens told apart by their bytes as Keras's Python dict tells them.
@Suite struct TokenPositionsTests {
    @Test func givesEachTokenItsFirstSeenPositionThroughGrowth() {
        var table = TokenPositions()
        let tokens = (0 ..< 1000).map { "词\($0)" } + ["", "a"]
        for (k, token) in tokens.enumerated() {
            var token = token
            #expect(table.position(of: &token) == (k, true))
        }
        for (k, token) in tokens.enumerated().reversed() {
            var token = token
            #expect(table.position(of: &token) == (k, false))
        }
        #expect(table.count == 1002)
    }

    @Test func keepingSomeTokensNumbersThemAfresh() {
        var table = TokenPositions()
        for token in ["甲", "乙", "丙", "丁"] { var token = token; _ = table.position(of: &token) }
        table.keep([1, 3])
        var (b, d, a) = ("乙", "丁", "甲")
        #expect(table.position(of: &b) == (0, false))
        #expect(table.position(of: &d) == (1, false))
        #expect(table.position(of: &a) == (2, true))
    }

    /// "é" precomposed and as e + combining accent: one key to a Swift `[String: Int]`, two to
    /// Python (and to the model's own lookup, ``WordLookup``).
    @Test func canonicallyEquivalentSpellingsAreTwoTokens() {
        var table = TokenPositions()
        var (composed, decomposed) = ("caf\u{E9}", "cafe\u{301}")
        #expect(composed == decomposed)
        #expect(table.position(of: &composed) == (0, true))
        #expect(table.position(of: &decomposed) == (1, true))
    }
}
