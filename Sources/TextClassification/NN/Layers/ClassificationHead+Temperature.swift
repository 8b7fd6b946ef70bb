import Foundation

/// Temperature scaling (Guo et al. 2017): one number T that divides every logit, fitted to
/// the validation rows by minimising their log loss. It makes the probabilities say how often
/// the model is right without changing what it decides.
extension ClassificationHead {
    /// The temperatures searched: a model can be under- as well as overconfident.
    static let temperatureRange: ClosedRange<Double> = 0.05...20

    /// Logits divided by ``temperature``, in place (multi-label heads are left as they are).
    public func scale(_ logits: inout [Float]) {
        guard temperature != 1, kind != .multiLabel else { return }
        let t = temperature
        for k in logits.indices { logits[k] /= t }
    }

    /// The temperature that minimises the mean log loss of rows of raw logits `[n, outputs]`
    /// with their labels (0 or 1 for binary, the class for multi-class): a golden-section
    /// search over log T, which the loss is convex in for a fixed model.
    public func fittedTemperature(logits: [Float], labels: [Int]) -> Float {
        precondition(kind != .multiLabel && logits.count == labels.count * outputs, "one row of logits per label")
        guard !labels.isEmpty else { return 1 }
        func loss(_ logT: Double) -> Double { meanLogLoss(logits: logits, labels: labels, temperature: exp(logT)) }
        var a = log(Self.temperatureRange.lowerBound), b = log(Self.temperatureRange.upperBound)
        let ratio = (sqrt(5.0) - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = loss(c), fd = loss(d)
        for _ in 0..<60 {
            if fc < fd {
                b = d; d = c; fd = fc
                c = b - ratio * (b - a); fc = loss(c)
            } else {
                a = c; c = d; fc = fd
                d = a + ratio * (b - a); fd = loss(d)
            }
        }
        let best = exp((a + b) / 2)
        // No worse than leaving the model as it is.
        return loss(log(best)) < loss(0) ? Float(best) : 1
    }

    /// Mean negative log-likelihood of the labels under the logits divided by `temperature`.
    func meanLogLoss(logits: [Float], labels: [Int], temperature: Double) -> Double {
        var total = 0.0
        let k = outputs
        for (r, y) in labels.enumerated() {
            if kind == .binary {
                let z = Double(logits[r]) / temperature
                // −log σ(z) for label 1, −log σ(−z) for 0, written to stay finite.
                let m = y == 1 ? -z : z
                total += max(m, 0) + log1p(exp(-abs(m)))
            } else {
                var top = -Double.infinity
                for j in 0..<k { top = max(top, Double(logits[r * k + j]) / temperature) }
                var sum = 0.0
                for j in 0..<k { sum += exp(Double(logits[r * k + j]) / temperature - top) }
                total += top + log(sum) - Double(logits[r * k + y]) / temperature
            }
        }
        return total / Double(labels.count)
    }
}
