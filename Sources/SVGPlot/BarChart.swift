/// Grouped vertical bars: one group per category, one bar per series in each group
/// (per-class precision, recall and F1; a histogram is one series over bins).
///
/// ```swift
/// var chart = BarChart(title: "Per class", yLabel: "score", categories: ["neg", "pos"], yRange: 0...1)
/// chart.series.append(.init(name: "F1", values: [0.81, 0.79]))
/// let svg = chart.svg()
/// ```
package struct BarChart {
    package struct Series {
        package var name: String
        package var values: [Double]
        package init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var categories: [String]
    package var series: [Series] = []
    package var yRange: ClosedRange<Double>?

    package init(title: String, xLabel: String = "", yLabel: String, categories: [String],
                 yRange: ClosedRange<Double>? = nil) {
        (self.title, self.xLabel, self.yLabel) = (title, xLabel, yLabel)
        (self.categories, self.yRange) = (categories, yRange)
    }

    package func svg(width: Double = 520, height: Double = 320) -> String {
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let legendRows = series.count > 1 ? (series.count + 2) / 3 : 0
        // Category names below the bars, slanted when they would not fit side by side.
        let slanted = Double(categories.map(\.count).max() ?? 0) * 7 > (width - 74) / Double(max(1, categories.count))
        let labelSpace = slanted ? min(90.0, Double(categories.map(\.count).max() ?? 0) * 7 + 10) : 18
        let left = 58.0, right = width - 16, top = 30.0
        let bottom = height - 34 - labelSpace - Double(legendRows) * 16
        let yAxis = yRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound, start: bottom, end: top) }
            ?? Axis(covering: series.flatMap(\.values), including: [0], start: bottom, end: top)
        canvas.text(title, at: (left, 18), className: "title")
        Frame.draw(on: &canvas, x: nil, y: yAxis, xLabel: "", yLabel: yLabel)
        let group = (right - left) / Double(max(1, categories.count))
        let bar = group * 0.8 / Double(max(1, series.count))
        for (c, category) in categories.enumerated() {
            let groupLeft = left + Double(c) * group + group * 0.1
            for (k, s) in series.enumerated() where c < s.values.count {
                let value = s.values[c]
                let y = yAxis.position(max(yAxis.lower, min(yAxis.upper, value)))
                canvas.rect(x: groupLeft + Double(k) * bar, y: y, width: bar - 1, height: bottom - y,
                            style: "fill: \(SVGCanvas.colour(k))", tooltip: "\(category) · \(s.name): \(yAxis.label(value))")
            }
            let centre = groupLeft + group * 0.4
            if slanted {
                canvas.text(category, at: (centre, bottom + 12), anchor: .end, className: "tick",
                            style: "transform: rotate(-40deg); transform-origin: \(centre)px \(bottom + 12)px; transform-box: view-box")
            } else {
                canvas.text(category, at: (centre, bottom + 14), anchor: .middle, className: "tick")
            }
        }
        if !xLabel.isEmpty {
            canvas.text(xLabel, at: ((left + right) / 2, bottom + labelSpace + 12), anchor: .middle, style: "font-weight: 600")
        }
        Legend.draw(on: &canvas, names: series.map(\.name), left: left, top: bottom + labelSpace + 32, width: right - left)
        return canvas.svg
    }
}
