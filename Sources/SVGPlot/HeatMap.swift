/// A matrix of counts as coloured cells (stronger for larger shares of the row), each cell
/// labelled with its count: a confusion matrix with label names on both axes.
///
/// ```swift
/// let chart = HeatMap(title: "Confusion", rowTitle: "true", columnTitle: "predicted",
///                     rows: ["neg", "pos"], columns: ["neg", "pos"], values: [[648, 78], [166, 501]])
/// let svg = chart.svg()
/// ```
package struct HeatMap {
    package var title: String
    package var rowTitle: String
    package var columnTitle: String
    package var rows: [String]
    package var columns: [String]
    package var values: [[Double]]

    package init(title: String, rowTitle: String, columnTitle: String, rows: [String], columns: [String],
                 values: [[Double]]) {
        self.title = title
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Sized to fit its cells: up to 30 rows and columns stay readable.
    package func svg(cell: Double = 44) -> String {
        let labelWidth = min(160.0, Double(rows.map(\.count).max() ?? 0) * 8 + 16)
        let columnLabelHeight = min(110.0, Double(columns.map(\.count).max() ?? 0) * 6 + 16)
        let left = labelWidth + 28, top = 48 + columnLabelHeight
        let width = left + cell * Double(columns.count) + 16, height = top + cell * Double(rows.count) + 16
        var canvas = SVGCanvas(width: width, height: height, title: title)
        canvas.text(title, at: (8, 18), className: "title")
        canvas.text(columnTitle, at: (left + cell * Double(columns.count) / 2, 38), anchor: .middle, className: "tick")
        canvas.text(rowTitle, at: (12, top + cell * Double(rows.count) / 2), anchor: .middle, className: "tick", rotated: true)
        for (c, name) in columns.enumerated() {
            let x = left + (Double(c) + 0.5) * cell, y = top - 6
            canvas.text(name, at: (x, y), className: "tick",
                        style: "transform: rotate(-50deg); transform-origin: \(x)px \(y)px; transform-box: view-box")
        }
        for (r, name) in rows.enumerated() {
            let y = top + Double(r) * cell
            canvas.text(name, at: (left - 6, y + cell / 2 + 4), anchor: .end, className: "tick")
            let total = values[r].reduce(0, +)
            for (c, value) in values[r].enumerated() {
                let share = total > 0 ? value / total : 0
                let x = left + Double(c) * cell
                canvas.rect(x: x, y: y, width: cell - 1, height: cell - 1,
                            style: "fill: rgba(var(--heat), \(String(format: "%.3f", 0.06 + 0.94 * share)))",
                            tooltip: "\(name) → \(columns[c]): \(Int(value)) (\(String(format: "%.1f", share * 100))% of the row)")
                canvas.text(String(Int(value)), at: (x + cell / 2, y + cell / 2 + 4), anchor: .middle,
                            style: share > 0.5 ? "fill: #fff" : nil)
            }
        }
        return canvas.svg
    }
}
