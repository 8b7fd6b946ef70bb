import Foundation
import TextClassification

/// Training progress on stderr, in the spirit of Keras's fit log (and, before a streamed fit
/// trains, its passes over the file: ``update(_:)-(FilePassProgress)``). On a terminal, one line
/// redrawn ten times a second: the epoch, a bar, samples/s, the time left in the epoch and at
/// most in the run. Elsewhere (a log, CI), the same as a plain line every 30 seconds of a long
/// epoch (`TEXTCLF_PROGRESS_SECONDS` sets the interval), and one line per epoch either way.
final class ProgressLine {
    private let interactive = isatty(STDERR_FILENO) == 1
    private let logInterval = ProcessInfo.processInfo.environment["TEXTCLF_PROGRESS_SECONDS"].flatMap(Double.init) ?? 30
    private var lastDraw = Date.distantPast
    /// When, in the epoch's seconds, the last plain line was written.
    private var lastLogged = 0.0
    /// The finished epochs' durations: what the rest of the run will take.
    private var epochSeconds: [Double] = []

    /// The pass over the file under way before training, until it is finished.
    private var filePass: FilePassProgress?

    func update(_ p: BatchProgress) {
        finishPass()
        if interactive {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || p.batch == p.batches else { return }
            lastDraw = Date()
            let width = 24, done = width * p.batch / p.batches
            let bar = String(repeating: "━", count: done) + String(repeating: "─", count: width - done)
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + describe(p, bar: bar)).utf8))
        } else {
            guard p.seconds - lastLogged >= logInterval, p.batch < p.batches else { return }
            lastLogged = p.seconds
            FileHandle.standardError.write(Data((describe(p, bar: nil) + "\n").utf8))
        }
    }

    /// "Epoch 2/10 ━━──── 41% 512/1250 - 81234 samples/s - ETA 0:41 (run ≤ 5:10) - loss: … - accuracy: …"
    private func describe(_ p: BatchProgress, bar: String?) -> String {
        let rate = Double(p.samplesSeen) / max(p.seconds, 1e-9)
        let perBatch = p.seconds / Double(max(p.batch, 1))
        let epochLeft = perBatch * Double(p.batches - p.batch)
        // Early stopping may end the run sooner: "at most".
        let epochTime = epochSeconds.isEmpty ? perBatch * Double(p.batches) : epochSeconds.reduce(0, +) / Double(epochSeconds.count)
        let runLeft = epochLeft + epochTime * Double(p.epochs - p.epoch)
        let percent = 100 * p.batch / max(p.batches, 1)
        var line = "Epoch \(p.epoch)/\(p.epochs) " + (bar.map { $0 + " " } ?? "")
            + String(format: "%d%% %d/%d - %.0f samples/s - ETA %@", percent, p.batch, p.batches, rate, Self.duration(epochLeft))
        if p.epoch < p.epochs { line += " (run ≤ \(Self.duration(runLeft)))" }
        return line + String(format: " - loss: %.4f - accuracy: %.4f", p.loss, p.accuracy)
    }

    /// A pass over the training file: the same line as an epoch's, in rows.
    func update(_ p: FilePassProgress) {
        if let filePass, filePass.pass != p.pass { finishPass() }
        let first = filePass == nil
        filePass = p
        if interactive {
            guard Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + describe(p)).utf8))
        } else {
            if first { lastLogged = 0 }
            guard p.seconds - lastLogged >= logInterval else { return }
            lastLogged = p.seconds
            FileHandle.standardError.write(Data((describe(p) + "\n").utf8))
        }
    }

    /// Ends the pass under way with a line of what it read (before what follows is printed).
    func finishPass() {
        guard let p = filePass else { return }
        filePass = nil
        lastLogged = 0
        let line = "\(Self.passNames[p.pass]!) \(p.file): \(p.rows) rows in \(Self.duration(p.seconds))"
            + String(format: " (%.0f rows/s)", Double(p.rows) / max(p.seconds, 1e-9))
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }

    private static let passTitles: [FilePassProgress.Pass: String] = [
        .labels: "Reading the labels", .counting: "Counting rows", .vocabulary: "Fitting the vocabulary",
    ]
    private static let passNames: [FilePassProgress.Pass: String] = [
        .labels: "Read the labels of", .counting: "Counted and checked", .vocabulary: "Fitted the vocabulary on",
    ]

    /// "Fitting the vocabulary - 3690000/9000000 rows ━━──── 41% - ETA 1:50 - 48210 rows/s"
    private func describe(_ p: FilePassProgress) -> String {
        let rate = Double(p.rows) / max(p.seconds, 1e-9)
        var line = Self.passTitles[p.pass]! + " - \(p.rows)" + (p.totalRows.map { "/\($0)" } ?? "") + " rows"
        if let fraction = p.fraction {
            let width = 24, done = min(width, Int(Double(width) * fraction))
            if interactive { line += " " + String(repeating: "━", count: done) + String(repeating: "─", count: width - done) }
            line += String(format: " %d%%", Int(100 * fraction))
            if fraction > 0 { line += " - ETA " + Self.duration(p.seconds * (1 - fraction) / fraction) }
        }
        return line + String(format: " - %.0f rows/s", rate)
    }

    /// 0:41, 12:05, 1:02:09.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    func finish(_ report: EpochReport) {
        epochSeconds.append(report.seconds)
        lastLogged = 0
        var line = String(format: "Epoch %d - %.2fs - %.0f samples/s - loss: %.4f - accuracy: %.4f",
                          report.epoch, report.seconds, report.samplesPerSecond, report.loss, report.accuracy)
        if let loss = report.validationLoss, let accuracy = report.validationAccuracy {
            line += String(format: " - val_loss: %.4f - val_accuracy: %.4f", loss, accuracy)
        }
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }
}
