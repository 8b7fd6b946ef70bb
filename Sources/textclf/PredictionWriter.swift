import Foundation
import TextClassification

/// Formats predict's output rows: CSV, TSV or JSON Lines, with the columns the model's head
/// calls for (see `textclf predict --help`).
struct PredictionWriter {
    let format: TextClf.Predict.Format
    let keyName: String
    let labels: LabelSet
    /// Multi-class: labels printed per row, most probable first.
    let topK: Int
    /// Every label's probability (always, for multi-label).
    let allProbabilities: Bool

    init(format: TextClf.Predict.Format, keyName: String, labels: LabelSet, topK: Int, allProbabilities: Bool) {
        self.format = format
        self.keyName = keyName
        self.labels = labels
        self.topK = topK
        self.allProbabilities = allProbabilities || labels.head == .multiLabel
    }

    private var columns: [String] {
        var columns = [keyName]
        if labels.head == .multiLabel {
            columns.append("labels")
        } else {
            columns += ["label", "probability"]
            for k in stride(from: 2, through: topK, by: 1) { columns += ["label_\(k)", "probability_\(k)"] }
        }
        if allProbabilities { columns += labels.names.map { "p_" + $0 } }
        return columns
    }

    var header: String {
        switch format {
        case .csv: return columns.map(csvField).joined(separator: ",") + "\n"
        case .tsv: return columns.map(tsvField).joined(separator: "\t") + "\n"
        case .jsonl: return ""
        }
    }

    func row(key: String, _ prediction: Prediction) -> String {
        if format == .jsonl {
            return prediction.json(topK: topK, allProbabilities: allProbabilities, leading: [(keyName, key)]) + "\n"
        }
        let top = topK > 1 ? prediction.top(topK) : []
        var values = [key]
        if labels.head == .multiLabel {
            values.append(prediction.label)
        } else {
            values += [prediction.label, "\(prediction.probability)"]
            for entry in top.dropFirst() { values += [entry.label, "\(entry.probability)"] }
        }
        if allProbabilities { values += prediction.probabilities.map { "\($0)" } }
        return format == .csv ? values.map(csvField).joined(separator: ",") + "\n"
                              : values.map(tsvField).joined(separator: "\t") + "\n"
    }

    private func csvField(_ s: String) -> String {
        // Bytes, not Characters: a scan by grapheme cluster cost a tenth of `predict`, and
        // "\r\n" is one Character equal to neither "\r" nor "\n" (such a field went unquoted).
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// TSV has no quoting: tabs and line breaks inside a field become spaces.
    private func tsvField(_ s: String) -> String {
        String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
