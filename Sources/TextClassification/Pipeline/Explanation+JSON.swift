import Foundation

/// An explanation as one JSON object: the form of `textclf explain --format json` and of
/// `textclf serve`'s explain answers.
extension Explanation {
    /// text, label, probability, predicted labels, knownTokens, what the contributions measure
    /// (`scale`: "log-odds" or "probability"; `method`: "exact" or "occlusion"; `value`: the
    /// label's score on that scale; `base`: with the exact method, the part no token carries,
    /// else null), the tokens with their contributions (null for tokens the vocabulary drops),
    /// and with n-gram tokens the characters of the text as read with their shares
    /// (``characterContributions``), keys sorted.
    public func json() -> String {
        struct Token: Encodable {
            var token: String
            var contribution: Float?
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(token, forKey: .token)
                try c.encode(contribution, forKey: .contribution)  // null, not left out, when dropped
            }
            enum CodingKeys: String, CodingKey { case token, contribution }
        }
        struct Character: Encodable {
            var character: String
            var contribution: Float
        }
        struct Object: Encodable {
            var text: String
            var label: String
            var probability: Float
            var scale: String
            var method: String
            var value: Float
            var base: Float?
            var predicted: [String]
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(text, forKey: .text)
                try c.encode(label, forKey: .label)
                try c.encode(probability, forKey: .probability)
                try c.encode(scale, forKey: .scale)
                try c.encode(method, forKey: .method)
                try c.encode(value, forKey: .value)
                try c.encode(base, forKey: .base)  // null with occlusion
                try c.encode(predicted, forKey: .predicted)
                try c.encode(knownTokens, forKey: .knownTokens)
                try c.encode(tokens, forKey: .tokens)
                try c.encodeIfPresent(characters, forKey: .characters)
            }
            enum CodingKeys: String, CodingKey {
                case text, label, probability, scale, method, value, base, predicted, knownTokens, tokens, characters
            }
            var knownTokens: Bool
            var tokens: [Token]
            var characters: [Character]?
        }
        let object = Object(text: text, label: label, probability: probability, scale: scale.rawValue,
                            method: method.rawValue, value: value, base: base, predicted: prediction.labels,
                            knownTokens: hasKnownTokens,
                            tokens: tokens.map { Token(token: $0.text, contribution: $0.contribution) },
                            characters: characterContributions.map { shares in
                                zip(readText, shares).map { Character(character: String($0), contribution: $1) }
                            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and finite floats always encode; "{}" only keeps the signature non-throwing.
        return String(decoding: (try? encoder.encode(object)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
