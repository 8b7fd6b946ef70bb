import ArgumentParser
import TextClassification

/// The model `fit` builds: the embedding, the encoder and the dropout between the layers.
/// Options left out take the library's preset for the labels and encoder (``Preset``).
struct ModelOptions: ParsableArguments {
    // Numbers parse `.unconditional`ly: `--max-length -1` then reaches validate() and its
    // range message, instead of "Missing value" (a leading '-' reads as an option otherwise).
    @Option(parsing: .unconditional, help: "Tokens per text after padding/truncating (Keras maxlen). (default: \(HelpPresets.recurrent.maxLength); for the bag, whose n-grams outnumber words 3-5 times: \(HelpPresets.bagBinary.maxLength) for two labels, \(HelpPresets.bagMulti.maxLength) for more, \(HelpPresets.bagLabelSets.maxLength) for --multi-label)")
    var maxLength: Int?

    @Option(parsing: .unconditional, help: "Keep the num-words - 1 most frequent words (Keras num_words); 0 keeps all. (default: \(HelpPresets.recurrent.numWords ?? 0), as accurate as all ~21,000 words on the shipped reviews and ~35% faster; for the bag: \(HelpPresets.bagBinary.numWords ?? 0) for two labels, \(HelpPresets.bagMulti.numWords ?? 0) for more)")
    var numWords: Int?

    @Option(parsing: .unconditional, help: "With n-gram tokens (ngrams, ngrams3, wordchar): hash the n-grams into this many embedding rows after the words, as fastText's -bucket (words keep exact vocabulary entries; colliding n-grams share a row), so memory stays bounded on any corpus; 0 gives every n-gram its own vocabulary entry (Keras's Tokenizer). With --token-limit: the rows the tokens beyond the limit share.")
    var buckets = 0

    @Option(parsing: .unconditional, help: "Without --num-words: on a corpus of more distinct tokens, keep this many (the most frequent words and n-grams) with rows of their own and hash the rest into --buckets rows (as many as the rest, rounded up to a power of two from 1,024 to 262,144, unless given) instead of dropping them, so that the model's size is bounded whatever the corpus; fit says what it chose. 0 turns it off. (default: \(HelpPresets.bagMulti.tokenLimit ?? 0) for the bag with more than two labels or --multi-label, above the shipped topics' 294,108 tokens; off otherwise, and with --buckets alone)")
    var tokenLimit: Int?

    @Option(parsing: .unconditional, help: "Embedding vector length. (default: 64, or the --embeddings file's)")
    var embeddingDim: Int?

    @Option(help: ArgumentHelp("Pretrained word vectors (word2vec text format, as the Tencent and Sogou Chinese vectors ship) to start the embedding from: vocabulary words with a vector take it, the others start at random.", valueName: "file"))
    var embeddings: String?

    @Flag(help: "With --embeddings: do not train the embedding (Keras trainable=False).")
    var freezeEmbeddings = false

    @Option(parsing: .unconditional, help: "Recurrent units (per direction for bilstm and bigru).")
    var units = 64

    @Option(help: "The encoder after the embedding: \(SequenceEncoder.Kind.help). (default, from the accuracy study, docs/accuracy.md: bag; with --embeddings, whose vectors are of words: bilstm for two labels, lstm otherwise)")
    var encoder: SequenceEncoder.Kind?

    @Option(parsing: .unconditional, help: "Dropout rate between the encoder and the output layer in training (Keras Dropout); 0 turns it off.")
    var dropout: Float = 0

    @Option(parsing: .unconditional, help: "Dropout rate between the embedding and the encoder in training (Keras Dropout, every value on its own); trains on the layers' general path, ~3x slower for the LSTM. 0 turns it off. (default: \(HelpPresets.recurrent.embeddingDropout); \(HelpPresets.bagBinary.embeddingDropout) for the bag with two labels, from the accuracy study, docs/accuracy.md)")
    var embeddingDropout: Float?

    @Option(parsing: .unconditional, help: "The encoder's recurrent_dropout in training (Keras: one mask per gate on the previous state, fixed per text); trains on the layers' general path. 0 turns it off.")
    var recurrentDropout: Float = 0

    func validate() throws {
        guard buckets >= 0 && buckets <= 1 << 28 else { throw ValidationError("--buckets must be 0 (off) to \(1 << 28)") }
        guard tokenLimit.map({ $0 >= 0 && $0 <= 1 << 28 }) ?? true else { throw ValidationError("--token-limit must be 0 (off) to \(1 << 28)") }
        guard (maxLength ?? 1) >= 1 else { throw ValidationError("--max-length must be at least 1") }
        guard numWords.map({ $0 == 0 || $0 >= 2 }) ?? true else { throw ValidationError("--num-words must be 0 (all) or at least 2") }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
        guard embeddingDropout.map({ $0 >= 0 && $0 < 1 }) ?? true else { throw ValidationError("--embedding-dropout must be in [0, 1)") }
        guard recurrentDropout >= 0 && recurrentDropout < 1 else { throw ValidationError("--recurrent-dropout must be in [0, 1)") }
        if freezeEmbeddings && embeddings == nil {
            throw ValidationError("--freeze-embeddings freezes pretrained vectors: give them with --embeddings FILE")
        }
    }
}
