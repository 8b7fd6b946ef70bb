import Foundation
import Testing

/// The commands end to end, as a user runs them.
@Suite struct CommandTests {
    @Test func fitEvaluatePredictOnTheSeedExample() throws {
        let directory = try Command.temporaryDirectory()
        let model = directory.appendingPathComponent("seed-model")
        let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        let fit = try Command.run(["fit", seed, "-o", model.path, "--epochs", "3", "--num-words", "1000",
                                   "--validation-split", "0"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("Epoch 3 - "))
        #expect(fit.stderr.contains("Saved the model to \(model.path)"))
        for file in ["config.json", "vocabulary.json", "vocabulary.table", "model.safetensors", "history.csv"] {
            #expect(FileManager.default.fileExists(atPath: model.appendingPathComponent(file).path), "\(file)")
        }
        let history = try String(contentsOf: model.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(history.split(separator: "\n").count == 4, "a header and three epochs")

        let evaluate = try Command.run(["evaluate", model.path, seed])
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.contains("texts      3"))
        #expect(evaluate.stdout.contains("ROC-AUC"))
        let json = try Command.run(["evaluate", model.path, seed, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["report"] as? [String: Any])?["count"] as? Int == 3)

        let predict = try Command.run(["predict", model.path, seed])
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.first == "text,label,probability")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("这是一段文本。,"))
    }

    /// In a log (stderr not a terminal), a long epoch reports where it is every
    /// TEXTCLF_PROGRESS_SECONDS: rows/s and the time left, in the epoch and at most in the run.
    @Test func fitLogsProgressWithinLongEpochs() throws {
        let directory = try Command.temporaryDirectory()
        let reviews = Command.repository.appendingPathComponent("Data/reviews-train.csv").path
        let fit = try Command.run(["fit", reviews, "-o", directory.appendingPathComponent("m").path, "--epochs", "2",
                                   "--batch-size", "32"], environment: ["TEXTCLF_PROGRESS_SECONDS": "0.05"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let lines = fit.stderr.split(separator: "\n").filter { $0.hasPrefix("Epoch 1/2 ") }
        #expect(!lines.isEmpty, "\(fit.stderr)")
        let pattern = #/^Epoch 1/2 \d+% \d+/\d+ - \d+ samples/s - ETA \d+:\d\d \(run ≤ \d+:\d\d\) - loss: [\d.]+ - accuracy: [\d.]+$/#
        #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(lines)")
        #expect(fit.stderr.contains("Epoch 2 - "))
    }

    /// fit reads its file a part at a time: a file of fewer rows than a part trains to the
    /// bytes the whole file in memory gives (--part-rows 0); smaller parts train, and say how.
    @Test func fitStreamsItsFileByParts() throws {
        let directory = try Command.temporaryDirectory()
        let topics = Command.repository.appendingPathComponent("Data/thucnews-train.csv").path
        var weights: [Data] = [], profiles: [Any?] = []
        for partRows in ["65536", "0", "2048"] {
            let model = directory.appendingPathComponent("m\(partRows)")
            let fit = try Command.run(["fit", topics, "-o", model.path, "--epochs", "2", "--seed", "3", "--part-rows", partRows])
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stderr.contains("rows at a time") == (partRows != "0"), "\(fit.stderr)")
            #expect(fit.stderr.contains("Training on 9000 texts"), "\(fit.stderr)")
            weights.append(try Data(contentsOf: model.appendingPathComponent("model.safetensors")))
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json")))
            profiles.append((config as? [String: Any])?["profile"])
        }
        #expect(weights[0] == weights[1], "one part trains as in memory")
        let streamed = try #require(profiles[0] as? [String: Any]), inMemory = try #require(profiles[1] as? [String: Any])
        #expect(NSDictionary(dictionary: streamed).isEqual(to: inMemory), "and keeps the same profile of its validation rows")
        #expect(streamed["rows"] as? Int == 1000 && streamed["source"] as? String == "validation rows")
        #expect(weights[2] != weights[0], "parts of 2,048 rows shuffle within each")
    }

    /// quantize writes a smaller model that predicts the same labels; the old model is untouched.
    @Test func quantizeWritesASmallerModelThatPredicts() throws {
        let directory = try Command.temporaryDirectory()
        let model = directory.appendingPathComponent("bag"), small = directory.appendingPathComponent("bag-q")
        let reviews = Command.repository.appendingPathComponent("Data/reviews-test.csv").path
        let fit = try Command.run(["fit", reviews, "-o", model.path, "--epochs", "2", "--validation-split", "0"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let quantize = try Command.run(["quantize", model.path, "-o", small.path, "--rows", "20000"])
        #expect(quantize.status == 0, "\(quantize.stderr)")
        #expect(quantize.stderr.contains("20001 of"), "\(quantize.stderr)")
        let size = { (url: URL) in
            try FileManager.default.contentsOfDirectory(atPath: url.path).reduce(0) {
                $0 + ((try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent($1).path)[.size] as? Int) ?? 0)
            }
        }
        #expect(try size(small) * 4 < size(model), "8 bits and fewer rows")
        #expect(try Command.run(["evaluate", small.path, reviews]).status == 0)
        // 8 bits alone (every row kept) changes the accuracy little.
        let whole = directory.appendingPathComponent("bag-8bit")
        #expect(try Command.run(["quantize", model.path, "-o", whole.path, "--rows", "0"]).status == 0)
        let before = try Command.run(["evaluate", model.path, reviews, "--json"])
        let after = try Command.run(["evaluate", whole.path, reviews, "--json"])
        func accuracy(_ text: String) throws -> Double {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["report"] as? [String: Any])?["accuracy"] as? Double ?? -1
        }
        let change = abs(try accuracy(after.stdout) - accuracy(before.stdout))
        #expect(after.status == 0 && change < 0.01)
        let bad = try Command.run(["quantize", model.path, "-o", small.path, "--rows", "-1"])
        #expect(bad.status == 64)
    }

    @Test func fitStartsFromPretrainedEmbeddings() throws {
        let directory = try Command.temporaryDirectory()
        let vectors = directory.appendingPathComponent("vectors.txt")
        try "3 8\n文本 1 2 3 4 5 6 7 8\n第三 1 1 1 1 1 1 1 1\n没有 0 0 0 0 0 0 0 0\n".write(to: vectors, atomically: true, encoding: .utf8)
        let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        let model = directory.appendingPathComponent("model").path
        let fit = try Command.run(["fit", seed, "-o", model, "--epochs", "2", "--validation-split", "0",
                                   "--embeddings", vectors.path, "--freeze-embeddings"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("Pretrained embeddings: 2 of the 7 vocabulary words had a vector (28.6%) among 3 in \(vectors.path); kept frozen"))
        let config = try String(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"embeddingDim\" : 8"), "the dimension comes from the file")

        let mismatch = try Command.run(["fit", seed, "-o", model, "--embeddings", vectors.path, "--embedding-dim", "64"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("expected the 8 of the vectors in \(vectors.path)"))
        let alone = try Command.run(["fit", seed, "-o", model, "--freeze-embeddings"])
        #expect(alone.status != 0 && alone.stderr.contains("--freeze-embeddings freezes pretrained vectors"))
        let missing = try Command.run(["fit", seed, "-o", model, "--embeddings", directory.appendingPathComponent("no.txt").path])
        #expect(missing.status != 0 && missing.stderr.contains("no.txt"))
    }

    @Test func predictFormatsAndIdColumn() throws {
        let model = Command.sharedModel.path
        let csv = Data("id,text\n7,\"好,很好\"\n8,\n".utf8)
        let out = try Command.run(["predict", model, "-", "--format", "tsv"], input: csv)
        #expect(out.status == 0, "\(out.stderr)")
        let rows = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[0] == "id\tlabel\tprobability")
        #expect(rows[1].hasPrefix("7\t") && rows[2].hasPrefix("8\t"), "an empty text is predicted from padding alone")
        let jsonl = try Command.run(["predict", model, "--lines", "--format", "jsonl"], input: Data("第一\n\"引号\"\n".utf8))
        let objects = jsonl.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 2)
        #expect(objects[1]?["text"] as? String == "\"引号\"")
        #expect(["neg", "pos"].contains(objects[0]?["label"] as? String ?? ""))
    }

    /// CSV output quotes a field with a comma, a quote or a line break, "\r\n" included.
    @Test func predictQuotesCSVFieldsThatNeedIt() throws {
        let model = Command.sharedModel.path
        let csv = Data("text\n\"两行\r\n文本\"\n\"好,很好\"\n\"说\"\"好\"\"\"\n平常\n".utf8)
        let out = try Command.run(["predict", model, "-"], input: csv)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\n\"两行\r\n文本\","), "the CRLF text is quoted")
        #expect(out.stdout.contains("\n\"好,很好\","))
        #expect(out.stdout.contains("\n\"说\"\"好\"\"\","))
        #expect(out.stdout.contains("\n平常,"))
    }

    @Test func predictStopsQuietlyWhenThePipeCloses() throws {
        let script = "yes 好 | head -n 20000 | '\(Command.executable.path)' predict '\(Command.sharedModel.path)' --lines | head -n 2; echo \"status ${PIPESTATUS[2]}\""
        let result = try Command.shell("/bin/bash", ["-c", script])
        #expect(result.stderr.isEmpty, "no message, no stack trace")
        #expect(result.stdout.split(separator: "\n") == ["text,label,probability", result.stdout.split(separator: "\n")[1], "status 0"])
    }

    /// On standard output, the batches labelled before a bad line are written before the
    /// error: a batch of 512 in flight is finished, not dropped.
    @Test func predictWritesTheBatchesBeforeABadLine() throws {
        var input = Data(String(repeating: "好\n", count: 600).utf8)
        input.append(contentsOf: [0xC3, 0x28, 0x0A])  // invalid UTF-8 on line 601
        let failed = try Command.run(["predict", Command.sharedModel.path, "--lines"], input: input)
        #expect(failed.status == 65)
        #expect(failed.stderr.contains("601"), "\(failed.stderr)")
        #expect(failed.stdout.split(separator: "\n").count == 1 + 512, "the header and the first batch")
    }

    @Test func predictToAFileIsAtomic() throws {
        let directory = try Command.temporaryDirectory()
        let output = directory.appendingPathComponent("labels.csv")
        var input = Data("好\n差\n".utf8)
        input.append(contentsOf: [0xC3, 0x28, 0x0A])  // invalid UTF-8 on line 3
        let failed = try Command.run(["predict", Command.sharedModel.path, "--lines", "-o", output.path], input: input)
        #expect(failed.status == 65)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no partial output")
        let ok = try Command.run(["predict", Command.sharedModel.path, "--lines", "-o", output.path], input: Data("好\n".utf8))
        #expect(ok.status == 0)
        #expect(try String(contentsOf: output, encoding: .utf8).hasPrefix("text,label,probability\n好,"))
    }

    @Test func tokenizeShowsTokensAndIndices() throws {
        let plain = try Command.run(["tokenize"], input: Data("iPhone 12很好用！\n这是另一段文本。\n".utf8))
        #expect(plain.stdout == "iphone 12 很好 用\n这 是 另一 段 文本\n")
        let indexed = try Command.run(["tokenize", "--vocab", Command.sharedModel.path], input: Data("文本新词\n".utf8))
        #expect(indexed.stdout == "文本/1 新/- 词/-\n")
    }

    /// With hashed n-grams, words show their vocabulary index and n-grams the row they share.
    @Test func tokenizeShowsBucketRowsOfHashedNGrams() throws {
        let model = try Command.temporaryDirectory().appendingPathComponent("m").path
        let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        #expect(try Command.run(["fit", seed, "-o", model, "--epochs", "1", "--validation-split", "0", "--encoder", "bag",
                                 "--buckets", "64", "--num-words", "0"]).status == 0)
        let shown = try Command.run(["tokenize", "--vocab", model], input: Data("文本\n".utf8)).stdout
        let tokens = shown.split(separator: " ").map(String.init)
        #expect(tokens.first?.hasPrefix("文本/") == true && !tokens[0].hasSuffix("/-"), "\(shown)")
        // Every n-gram lands on a row after the words': #wordRows ..< #wordRows + 64.
        let rows = tokens.dropFirst().compactMap { $0.split(separator: "#").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        #expect(!rows.isEmpty && rows.count == tokens.count - 1, "\(shown)")
        #expect(rows.allSatisfy { $0 > 0 } && Set(rows).count <= 64, "\(shown)")
    }

    @Test func versionAndHelp() throws {
        let version = try Command.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(["avx512", "avx2", "generic"].contains { version == "0.1.0 (development build; kernels: \($0))" }, "\(version)")
        for command in ["fit", "evaluate", "predict", "tokenize", "bench"] {
            let help = try Command.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example"), "\(command) --help shows an example")
        }
    }
}
