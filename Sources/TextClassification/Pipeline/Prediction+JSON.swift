/// A prediction as one JSON object: the form of `textclf predict --format jsonl` and of
/// `textclf serve`'s answers, written in one place so that both print the same digits.
extension Prediction {
    /// The JSON object of this prediction:
    /// - binary and multi-class: `"label"` and `"probability"` (and `"abstained": true` when
    ///   the model declined: the label is the unknown label); multi-label: `"labels"`, an array;
    /// - `topK` > 1: `"top"`, the `topK` most probable labels with their probabilities;
    /// - `allProbabilities` (always for multi-label): `"probabilities"`, every label's.
    ///
    /// `leading` members come first (predict's row key). Probabilities are written in
    /// Swift's shortest form that reads back as the same `Float`.
    ///
    /// ```swift
    /// prediction.json()   // {"label":"1","probability":0.93}
    /// ```
    public func json(topK: Int = 1, allProbabilities: Bool = false, leading: [(key: String, value: String)] = []) -> String {
        var json = JSONWriter()
        json.object { json in
            for member in leading {
                json.key(member.key)
                json.string(member.value)
            }
            if labelSet.head == .multiLabel {
                json.key("labels")
                json.array { json in for label in labels { json.string(label) } }
            } else {
                json.key("label"); json.string(label)
                json.key("probability"); json.float(probability)
                if abstained { json.key("abstained"); json.bool(true) }
            }
            if topK > 1 {
                json.key("top")
                json.array { json in
                    for entry in top(topK) {
                        json.object { json in
                            json.key("label"); json.string(entry.label)
                            json.key("probability"); json.float(entry.probability)
                        }
                    }
                }
            }
            if allProbabilities || labelSet.head == .multiLabel {
                json.key("probabilities")
                json.object { json in
                    for (name, p) in zip(labelSet.names, probabilities) {
                        json.key(name); json.float(p)
                    }
                }
            }
        }
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
