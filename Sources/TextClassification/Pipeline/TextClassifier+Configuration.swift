import Foundation

extension TextClassifier {
    /// Every setting of every stage, with Keras's defaults where Keras has one.
    public struct Configuration: Codable, Equatable, Sendable {
        /// Unicode normalisation before tokenizing (``TextNormalizer``): NFKC for new models.
        public var normalization = TextNormalizer.Form.nfkc
        /// Convert Traditional Chinese to Simplified before tokenizing.
        public var toSimplified = false
        /// ICU locale for word breaking.
        public var locale = "zh"
        /// Lower-case tokens (Keras `lower=True`).
        public var lowercased = true
        /// What the tokenizer emits (``ICUTokenizer/Unit``): words by default.
        public var unit = ICUTokenizer.Unit.word
        /// Keep only the `numWords − 1` most frequent words (Keras `num_words`); `nil` keeps all.
        public var numWords: Int? = nil
        /// The token for unknown words (Keras `oov_token`); `nil` drops them.
        public var oovToken: String? = nil
        /// Sequence length after padding (the seed's `maxlen=100`).
        public var maxLength = 100
        /// Where short texts are padded (Keras's `padding`, `pre` by default).
        public var padding = Padding.Side.pre
        /// Which end of a long text is cut (Keras's `truncating`, `pre` by default).
        public var truncating = Padding.Side.pre
        /// The embedding vector's length (Keras's `output_dim`).
        public var embeddingDim = 64
        /// The encoder's units (per direction for the bidirectional ones; the bag has none).
        public var units = 64
        /// The recurrent layer after the embedding (``SequenceEncoder/Kind``).
        public var encoder = SequenceEncoder.Kind.lstm
        /// Keras's `Dropout(rate)` between the encoder and the output layer, in training only.
        public var dropout: Float = 0
        /// Keras's `Dropout(rate)` between the embedding and the recurrent layer, in training only.
        public var embeddingDropout: Float = 0
        /// The recurrent layer's `recurrent_dropout`, in training only.
        public var recurrentDropout: Float = 0
        /// With n-gram tokens: hash the n-grams into this many embedding rows after the words
        /// (``NGramBuckets``, fastText's `-bucket`), so that no dictionary of n-grams is kept;
        /// `nil` gives every n-gram a vocabulary entry (Keras's Tokenizer). With ``tokenLimit``,
        /// the rows that the tokens beyond the limit share instead.
        public var buckets: Int? = nil
        /// The most tokens (words and n-grams alike, the most frequent first) that get embedding
        /// rows of their own, so that the model's size is bounded whatever the corpus. A fit on
        /// more distinct tokens keeps this many, sets ``numWords`` to match, and hashes the rest
        /// into ``buckets`` rows after them (chosen from the count of the rest when not set)
        /// instead of dropping them as `numWords` alone does; on fewer, nothing changes. `nil`:
        /// no limit (Keras's Tokenizer). Applies only when ``numWords`` is not set.
        public var tokenLimit: Int? = nil

        /// Every setting, with Keras's defaults where Keras has one (``Preset`` for the study's).
        public init(normalization: TextNormalizer.Form = .nfkc, toSimplified: Bool = false,
                    locale: String = "zh", lowercased: Bool = true, unit: ICUTokenizer.Unit = .word,
                    numWords: Int? = nil, oovToken: String? = nil, maxLength: Int = 100,
                    padding: Padding.Side = .pre, truncating: Padding.Side = .pre,
                    embeddingDim: Int = 64, units: Int = 64, encoder: SequenceEncoder.Kind = .lstm, dropout: Float = 0,
                    embeddingDropout: Float = 0, recurrentDropout: Float = 0, buckets: Int? = nil,
                    tokenLimit: Int? = nil) {
            self.encoder = encoder
            self.buckets = buckets
            self.tokenLimit = tokenLimit
            self.embeddingDropout = embeddingDropout
            self.recurrentDropout = recurrentDropout
            self.dropout = dropout
            self.normalization = normalization
            self.toSimplified = toSimplified
            self.locale = locale
            self.lowercased = lowercased
            self.unit = unit
            self.numWords = numWords
            self.oovToken = oovToken
            self.maxLength = maxLength
            self.padding = padding
            self.truncating = truncating
            self.embeddingDim = embeddingDim
            self.units = units
        }

        /// Settings a model directory does not name keep the behaviour of the textclf that
        /// wrote it: no normalisation (format 1 and 2 models predate it).
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            normalization = try c.decodeIfPresent(TextNormalizer.Form.self, forKey: .normalization) ?? .none
            toSimplified = try c.decodeIfPresent(Bool.self, forKey: .toSimplified) ?? false
            locale = try c.decode(String.self, forKey: .locale)
            lowercased = try c.decode(Bool.self, forKey: .lowercased)
            unit = try c.decode(ICUTokenizer.Unit.self, forKey: .unit)
            numWords = try c.decodeIfPresent(Int.self, forKey: .numWords)
            oovToken = try c.decodeIfPresent(String.self, forKey: .oovToken)
            maxLength = try c.decode(Int.self, forKey: .maxLength)
            padding = try c.decode(Padding.Side.self, forKey: .padding)
            truncating = try c.decode(Padding.Side.self, forKey: .truncating)
            embeddingDim = try c.decode(Int.self, forKey: .embeddingDim)
            units = try c.decode(Int.self, forKey: .units)
            dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
            encoder = try c.decodeIfPresent(SequenceEncoder.Kind.self, forKey: .encoder) ?? .lstm
            embeddingDropout = try c.decodeIfPresent(Float.self, forKey: .embeddingDropout) ?? 0
            recurrentDropout = try c.decodeIfPresent(Float.self, forKey: .recurrentDropout) ?? 0
            buckets = try c.decodeIfPresent(Int.self, forKey: .buckets)
            tokenLimit = try c.decodeIfPresent(Int.self, forKey: .tokenLimit)
        }
    }
}
