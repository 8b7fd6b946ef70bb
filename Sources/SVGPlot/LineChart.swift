/// Lines over a shared x axis, with axis labels, a legend, optional marked x positions
/// (e.g. the epoch whose weights were kept) and an optional dashed y = x diagonal (ROC and
/// calibration plots).
///
/// ```swift
/// var chart = LineChart(title: "Loss", xLabel: "epoch", yLabel: "loss")
/// chart.series.append(.init(name: "loss", points: [(1, 0.5), (2, 0.3)]))
/// chart.markers.append(.init(x: 2, label: "kept"))
/// let svg = chart.svg()
/// ```
package struct LineChart {
    package struct Series {
        package var name: String
        package var points: [(x: Double, y: Double)]
        /// Draw a dot at each point too (few points, e.g. per epoch or per bin).
        package var dots: Bool

        package init(name: String, points: [(x: Double, y: Double)], dots: Bool = false) {
            self.name = name
            self.points = points
            self.dots = dots
        }
    }

    package struct Marker {
        package var x: Double
        package var label: String
        package init(x: Double, label: String) {
            self.x = x
            self.label = label
        }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var series: [Series] = []
    package var markers: [Marker] = []
    /// Fixed axis ranges (e.g. 0…1 for probabilities); `nil` fits the data.
    package var xRange: ClosedRange<Double>?
    package var yRange: ClosedRange<Double>?
    package var diagonal = false
    /// Whole-number x ticks only (epochs).
    package var integerX = false

    package init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>? = nil,
                 yRange: ClosedRange<Double>? = nil, diagonal: Bool = false) {
        (self.title, self.xLabel, self.yLabel) = (title, xLabel, yLabel)
        (self.xRange, self.yRange, self.diagonal) = (xRange, yRange, diagonal)
    }

    package func svg(width: Double = 520, height: Double = 320) -> String {
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let legendRows = series.count > 1 ? (series.count + 2) / 3 : 0
        let left = 58.0, right = width - 16, top = 30.0, bottom = height - 52 - Double(legendRows) * 16
        let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) }
        var xAxis = xRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound, start: left, end: right) }
            ?? Axis(covering: xs, start: left, end: right)
        xAxis.minimumStep = integerX ? 1 : 0
        let yAxis = yRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound, start: bottom, end: top) }
            ?? Axis(covering: ys, start: bottom, end: top)
        canvas.text(title, at: (left, 18), className: "title")
        Frame.draw(on: &canvas, x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel)
        if diagonal {
            canvas.line(from: (xAxis.position(xAxis.lower), yAxis.position(yAxis.lower)),
                        to: (xAxis.position(xAxis.upper), yAxis.position(yAxis.upper)),
                        className: "gridline", style: "stroke-dasharray: 5 4")
        }
        for marker in markers {
            let x = xAxis.position(marker.x)
            canvas.line(from: (x, top), to: (x, bottom), className: "axis", style: "stroke-dasharray: 3 3")
            canvas.text(marker.label, at: (x + 4, top + 12), className: "tick")
        }
        for (k, s) in series.enumerated() {
            let points = s.points.map { (xAxis.position($0.x), yAxis.position($0.y)) }
            canvas.polyline(points, style: "stroke: \(SVGCanvas.colour(k)); stroke-width: 2", className: "series")
            if s.dots {
                for (p, value) in zip(points, s.points) {
                    canvas.circle(at: p, radius: 3, style: "fill: \(SVGCanvas.colour(k))",
                                  tooltip: "\(s.name): (\(xAxis.label(value.x, count: 8)), \(yAxis.label(value.y)))")
                }
            }
        }
        if series.allSatisfy({ $0.points.isEmpty }) {
            canvas.text("no data", at: ((left + right) / 2, (top + bottom) / 2), anchor: .middle, className: "tick")
        }
        Legend.draw(on: &canvas, names: series.map(\.name), left: left, top: bottom + 50, width: right - left)
        return canvas.svg
    }
}

/// Axes, grid lines, tick labels and axis titles of a plotting area.
enum Frame {
    static func draw(on canvas: inout SVGCanvas, x: Axis?, y: Axis, xLabel: String, yLabel: String) {
        let left = x?.start ?? 58, right = x?.end ?? canvas.width - 16
        for tick in y.ticks() {
            let p = y.position(tick)
            canvas.line(from: (left, p), to: (right, p), className: "gridline")
            canvas.text(y.label(tick), at: (left - 6, p + 4), anchor: .end, className: "tick")
        }
        if let x {
            for tick in x.ticks(count: 8) {
                let p = x.position(tick)
                canvas.line(from: (p, y.start), to: (p, y.start + 4), className: "axis")
                canvas.text(x.label(tick, count: 8), at: (p, y.start + 16), anchor: .middle, className: "tick")
            }
        }
        canvas.line(from: (left, y.start), to: (right, y.start), className: "axis")
        canvas.line(from: (left, y.start), to: (left, y.end), className: "axis")
        canvas.text(xLabel, at: ((left + right) / 2, y.start + 32), anchor: .middle, style: "font-weight: 600")
        canvas.text(yLabel, at: (14, (y.start + y.end) / 2), anchor: .middle, rotated: true, style: "font-weight: 600")
    }
}

/// Series names with their colours, three to a row.
enum Legend {
    static func draw(on canvas: inout SVGCanvas, names: [String], left: Double, top: Double, width: Double) {
        guard names.count > 1 else { return }
        let column = width / 3
        for (k, name) in names.enumerated() {
            let x = left + Double(k % 3) * column, y = top + Double(k / 3) * 16
            canvas.rect(x: x, y: y - 9, width: 12, height: 10, style: "fill: \(SVGCanvas.colour(k))")
            canvas.text(name, at: (x + 17, y), className: "tick")
        }
    }
}
