import ArgumentParser
import CBuildInfo
import Foundation
import TextClassification

@main
struct TextClf: ParsableCommand {
    // Every command names itself: the name ArgumentParser would derive from the type costs a
    // runtime type lookup (String(describing:)) at every start, ~1 ms of a one-line predict.
    static let configuration = CommandConfiguration(
        commandName: "textclf",
        abstract: "Train and run text classifiers, first of all for Chinese.",
        discussion: """
        A pipeline of text normalisation, ICU word segmentation, a Keras-style vocabulary and \
        padding, and an Embedding → encoder (by default a bag of word and character n-grams; \
        LSTM, GRU, their bidirectional forms or a convolution on request) with a binary, \
        multi-class or multi-label head, trained with Adam.

        Example:
          textclf fit Data/seed-example.csv -o seed-model --epochs 10
          textclf fit Data/thucnews-train.csv -o topics-model
          textclf explain topics-model "央行宣布下调存款准备金率"
          echo 这是另一段文本。 | textclf tokenize
        """,
        version: "0.1.0 (\(String(cString: textclf_build_commit())); kernels: \(KernelPath.active))",
        subcommands: [Check.self, Fit.self, Evaluate.self, Predict.self, Uncertain.self, Tune.self, TuneThreshold.self, Explain.self, Diff.self, Drift.self, Serve.self, Report.self, Quantize.self, Tokenize.self, Words.self, Bench.self]
    )
}

/// Library errors carry their own message; the exit code says what kind of failure it was
/// (sysexits: 65 bad data, 66 missing input, 73 cannot write).
func exitCode(for error: TextClassificationError) -> Int32 {
    switch error {
    case .cannotRead: return 66
    case .cannotWrite: return 73
    case .invalidArgument: return 64
    default: return 65
    }
}

/// Prints `error` as a one-line message on stderr and exits with its code.
func fail(_ error: TextClassificationError) -> Never {
    FileHandle.standardError.write(Data("textclf: error: \(error.errorDescription ?? "\(error)")\n".utf8))
    exit(exitCode(for: error))
}

/// Runs `body`, turning library errors into a message and an exit code, and a closed output
/// pipe into a quiet exit 0 (after `body`'s locals, the model among them, are released).
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as TextClassificationError { fail(error) } catch is ReaderWentAway { exit(0) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes `text` to standard output, failing (exit 73, not 0) if it cannot be written: a full
/// disk behind a redirection, say. `print` would drop the error.
func writeStandardOutput(_ text: String) throws {
    let out = try OutputFile(path: nil)
    try out.write(text)
    try out.commit()
}
