import Foundation
import TextClassification

/// Training progress on stderr: a redrawn bar on a terminal, one plain line per epoch
/// otherwise (logs, CI), in the spirit of Keras's fit log.
final class ProgressLine {
    private let interactive = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast

    func update(_ p: BatchProgress) {
        guard interactive, Date().timeIntervalSince(lastDraw) > 0.1 || p.batch == p.batches else { return }
        lastDraw = Date()
        let width = 24, done = width * p.batch / p.batches
        let bar = String(repeating: "━", count: done) + String(repeating: "─", count: width - done)
        let rate = Double(p.samplesSeen) / max(p.seconds, 1e-9)
        let line = String(format: "\rEpoch %d/%d %@ %d/%d - %.0f samples/s - loss: %.4f - accuracy: %.4f",
                          p.epoch, p.epochs, bar, p.batch, p.batches, rate, p.loss, p.accuracy)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish(_ report: EpochReport) {
        var line = String(format: "Epoch %d - %.2fs - %.0f samples/s - loss: %.4f - accuracy: %.4f",
                          report.epoch, report.seconds, report.samplesPerSecond, report.loss, report.accuracy)
        if let loss = report.validationLoss, let accuracy = report.validationAccuracy {
            line += String(format: " - val_loss: %.4f - val_accuracy: %.4f", loss, accuracy)
        }
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }
}
