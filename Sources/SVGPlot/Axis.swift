import Foundation

/// A linear scale from data values to positions, with "nice" tick values (1, 2 or 5 × 10ⁿ).
package struct Axis {
    package let lower: Double, upper: Double
    /// Positions of `lower` and `upper` (for a y axis, the bottom and the top).
    package let start: Double, end: Double
    /// The smallest tick step (1 for whole numbers only); 0: any.
    package var minimumStep = 0.0

    package init(lower: Double, upper: Double, start: Double, end: Double) {
        self.lower = lower
        self.upper = upper > lower ? upper : lower + 1
        self.start = start
        self.end = end
    }

    /// An axis covering `values` (and `including`), widened to nice tick values.
    package init(covering values: [Double], including: [Double] = [], start: Double, end: Double) {
        let all = (values + including).filter(\.isFinite)
        var low = all.min() ?? 0, high = all.max() ?? 1
        if low == high { low -= 0.5; high += 0.5 }
        let step = Self.niceStep((high - low) / 5)
        self.init(lower: (low / step).rounded(.down) * step, upper: (high / step).rounded(.up) * step,
                  start: start, end: end)
    }

    package func position(_ value: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    /// About `count` tick values between the ends.
    package func ticks(count: Int = 5) -> [Double] {
        let step = max(minimumStep, Self.niceStep((upper - lower) / Double(max(1, count))))
        var ticks: [Double] = []
        var v = (lower / step).rounded(.up) * step
        while v <= upper + step * 1e-9 {
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return ticks
    }

    /// A tick's label: as few decimals as the step needs.
    package func label(_ value: Double, count: Int = 5) -> String {
        let step = max(minimumStep, Self.niceStep((upper - lower) / Double(max(1, count))))
        let decimals = max(0, -Int(floor(log10(step))))
        return String(format: "%.\(decimals)f", value)
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }
}
