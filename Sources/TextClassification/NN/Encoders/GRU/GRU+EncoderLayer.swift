/// `--encoder gru`: Keras's `GRU(units)` (`reset_after=True`), on the general path; its names
/// and shapes come from ``RecurrentLayer`` (`RecurrentLayer+EncoderLayer.swift`).
extension GRU: EncoderLayer {
    static let kind = SequenceEncoder.Kind.gru
    static let help = "gru (Keras GRU, reset_after)"
    static let firstFormatVersion = 4
}
