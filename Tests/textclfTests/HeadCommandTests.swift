import Foundation
import Testing

/// fit, evaluate and predict end to end for the multi-class and multi-label heads, as a user
/// runs them on the shipped data.
@Suite struct HeadCommandTests {
    static let data = Command.repository.appendingPathComponent("Data")

    /// The first `rows` rows of a shipped CSV file, in a temporary directory.
    func head(of name: String, rows: Int) throws -> String {
        let text = try String(contentsOf: Self.data.appendingPathComponent(name), encoding: .utf8)
        let url = try Command.temporaryDirectory().appendingPathComponent(name)
        try (text.split(separator: "\n", omittingEmptySubsequences: false).prefix(rows + 1).joined(separator: "\n") + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func topicsFitEvaluatePredict() throws {
        let train = try head(of: "thucnews-train.csv", rows: 3000), dev = try head(of: "thucnews-dev.csv", rows: 300)
        let model = try Command.temporaryDirectory().appendingPathComponent("topics").path
        let fit = try Command.run(["fit", train, "-o", model, "--epochs", "2", "--max-length", "30",
                                   "--class-weight", "balanced"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("10 classes (multi-class):"))
        #expect(fit.stderr.contains("  stocks"), "each class's row count")
        #expect(fit.stderr.contains("Class weights (balanced): education "))
        #expect(fit.stderr.contains("val_accuracy"))
        let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
        #expect(config.contains("\"head\" : \"multiClass\"") && config.contains("\"classWeights\""))
        // More than two labels: the bag of n-grams by default, every n-gram kept, the given length.
        #expect(config.contains("\"encoder\" : \"bag\"") && config.contains("\"unit\" : \"wordchar\""), "\(config)")
        #expect(config.contains("\"maxLength\" : 30") && !config.contains("\"numWords\""), "\(config)")
        let vocabulary = try String(contentsOfFile: model + "/vocabulary.json", encoding: .utf8)
        #expect(vocabulary.contains("_") && vocabulary.contains("+"), "word and character pairs are in the vocabulary")

        let evaluate = try Command.run(["evaluate", model, dev])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        for part in ["top-3 accuracy", "macro avg", "weighted avg", "confusion matrix", "  entertainment"] {
            #expect(evaluate.stdout.contains(part), "\(part) in: \(evaluate.stdout)")
        }
        let json = try Command.run(["evaluate", model, dev, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let report = object?["report"] as? [String: Any]
        #expect(object?["head"] as? String == "multiClass")
        #expect((report?["confusion"] as? [[Int]])?.count == 10 && (report?["classes"] as? [Any])?.count == 10)
        #expect(report?["topThreeAccuracy"] is Double && report?["macroAverage"] is [String: Any])

        let csv = try Command.run(["predict", model, dev, "--top-k", "3", "--probabilities"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows[0] == "text,label,probability,label_2,probability_2,label_3,probability_3,p_education,"
                + "p_entertainment,p_finance,p_game,p_politics,p_realty,p_science,p_society,p_sports,p_stocks")
        #expect(rows.count == 301)
        let jsonl = try Command.run(["predict", model, "--lines", "--format", "jsonl", "--top-k", "2"],
                                    input: Data("股市大涨 银行股领涨\n".utf8))
        let line = try JSONSerialization.jsonObject(with: Data(jsonl.stdout.utf8)) as? [String: Any]
        let top = line?["top"] as? [[String: Any]]
        #expect(top?.count == 2 && top?[0]["label"] as? String == line?["label"] as? String)
        // None of the above: nothing is 100% sure.
        let unknown = try Command.run(["predict", model, "--lines", "--min-probability", "1", "--unknown-label", "other"],
                                      input: Data("股市大涨\n".utf8))
        #expect(unknown.stdout.split(separator: "\n").last?.hasPrefix("股市大涨,other,") == true, "\(unknown.stdout)")
        // --top-k beyond the classes is a usage error.
        let tooMany = try Command.run(["predict", model, "--lines", "--top-k", "11"], input: Data("股市\n".utf8))
        #expect(tooMany.status == 64 && tooMany.stderr.contains("at most the model's 10 labels"), "\(tooMany.stderr)")
    }

    /// Two labels: the bag over words, word pairs and the text's characters in ones, pairs and
    /// threes, the 100,000 most frequent kept, 700 steps, dropout 0.3 after the embedding; an
    /// explicit encoder brings its own settings back.
    @Test func binaryDefaultsAndExplicitEncoder() throws {
        let train = try head(of: "reviews-train.csv", rows: 300)
        let bag = try Command.temporaryDirectory().appendingPathComponent("bag").path
        #expect(try Command.run(["fit", train, "-o", bag, "--epochs", "1"]).status == 0)
        let config = try String(contentsOfFile: bag + "/config.json", encoding: .utf8)
        for part in ["\"encoder\" : \"bag\"", "\"unit\" : \"wordchar\"", "\"numWords\" : 100000", "\"maxLength\" : 700", "\"embeddingDropout\" : 0.3"] {
            #expect(config.contains(part), "\(part) in \(config)")
        }
        let lstm = try Command.temporaryDirectory().appendingPathComponent("lstm").path
        #expect(try Command.run(["fit", train, "-o", lstm, "--epochs", "1", "--encoder", "lstm"]).status == 0)
        let words = try String(contentsOfFile: lstm + "/config.json", encoding: .utf8)
        for part in ["\"encoder\" : \"lstm\"", "\"unit\" : \"word\"", "\"numWords\" : 10000", "\"maxLength\" : 100"] {
            #expect(words.contains(part), "\(part) in \(words)")
        }
    }

    @Test func eventTagsFitEvaluatePredict() throws {
        let events = Self.data.appendingPathComponent("duee-multilabel.csv").path
        let model = try Command.temporaryDirectory().appendingPathComponent("events").path
        let fit = try Command.run(["fit", events, "-o", model, "--label-column", "labels", "--multi-label",
                                   "--epochs", "2", "--validation-split", "0.2", "--tune-thresholds"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("labels (multi-label, rows holding each):"))
        #expect(fit.stderr.contains("Tuned thresholds on the 111 validation rows: "), "\(fit.stderr)")
        let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
        #expect(config.contains("\"thresholds\" : [") && config.contains("\"formatVersion\" : 7"))
        let evaluate = try Command.run(["evaluate", model, events, "--label-column", "labels"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        for part in ["subset accuracy", "Hamming loss", "micro F1", "macro F1", "人生##死亡", "threshold"] {
            #expect(evaluate.stdout.contains(part), "\(part) in: \(evaluate.stdout)")
        }
        let predict = try Command.run(["predict", model, "--lines", "--threshold", "0.05"],
                                      input: Data("昨晚一辆货车与轿车相撞，造成两人死亡。\n".utf8))
        let rows = predict.stdout.split(separator: "\n")
        #expect(rows[0].hasPrefix("text,labels,p_"))
        let fields = rows[1].split(separator: ",", omittingEmptySubsequences: false)
        let labels = fields[1].split(separator: "|").map(String.init)
        let header = rows[0].split(separator: ",").map(String.init)
        // The labels column holds exactly the labels whose probability is at or above the threshold.
        let chosen = zip(header.dropFirst(2), fields.dropFirst(2)).filter { Float($0.1)! >= 0.05 }.map { String($0.0.dropFirst(2)) }
        #expect(labels == chosen && !labels.isEmpty)
        // Multi-class options are refused for a multi-label model.
        let refused = try Command.run(["predict", model, "--lines", "--top-k", "2"], input: Data("好\n".utf8))
        #expect(refused.status == 64 && refused.stderr.contains("multi-class"), "\(refused.stderr)")
        let notMultiLabel = try Command.run(["fit", events, "-o", model + "-2", "--label-column", "labels", "--tune-thresholds"])
        #expect(notMultiLabel.status == 64 && notMultiLabel.stderr.contains("--tune-thresholds is for --multi-label models"))
    }
}
