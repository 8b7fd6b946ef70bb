import TextClassification

/// The presets `--help` quotes: the values themselves, so that help and behaviour cannot disagree.
enum HelpPresets {
    static let recurrent = Preset(encoder: .lstm, head: .binary)
    static let bagBinary = Preset(encoder: .bag, head: .binary)
    static let bagMulti = Preset(encoder: .bag, head: .multiClass)
    static let bagLabelSets = Preset(encoder: .bag, head: .multiLabel)
}
