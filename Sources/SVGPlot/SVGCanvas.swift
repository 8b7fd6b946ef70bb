import Foundation

/// An SVG document under construction: shapes and text in user units, colours by CSS
/// variable (the page's stylesheet sets them for a light and a dark theme; see the `series`
/// classes) so that the same SVG reads in both.
///
/// ```swift
/// var canvas = SVGCanvas(width: 200, height: 100, title: "Loss")
/// canvas.line(from: (0, 0), to: (200, 100), className: "axis")
/// canvas.text("epoch", at: (100, 95), anchor: .middle)
/// let svg = canvas.svg          // "<svg …>…</svg>"
/// ```
package struct SVGCanvas {
    package enum Anchor: String { case start, middle, end }

    package let width: Double, height: Double
    private var elements: [String] = []

    /// - Parameter title: the chart's accessible name (`<title>`), also its figure caption.
    package init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        elements.append("<title>\(Self.escape(title))</title>")
    }

    /// The colour of series `k` (cycling through ten): a CSS variable of the page.
    package static func colour(_ k: Int) -> String { "var(--s\(k % 10))" }

    package mutating func line(from a: (Double, Double), to b: (Double, Double), className: String? = nil,
                               style: String? = nil) {
        elements.append("<line x1=\"\(f(a.0))\" y1=\"\(f(a.1))\" x2=\"\(f(b.0))\" y2=\"\(f(b.1))\"\(attributes(className, style))/>")
    }

    package mutating func polyline(_ points: [(Double, Double)], style: String, className: String? = nil) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\"\(attributes(className, style))/>")
    }

    package mutating func rect(x: Double, y: Double, width: Double, height: Double, style: String, tooltip: String? = nil) {
        let tip = tooltip.map { "<title>\(Self.escape($0))</title>" } ?? ""
        elements.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, width)))\" height=\"\(f(max(0, height)))\""
                        + " style=\"\(style)\">\(tip)</rect>")
    }

    package mutating func circle(at c: (Double, Double), radius: Double, style: String, tooltip: String? = nil) {
        let tip = tooltip.map { "<title>\(Self.escape($0))</title>" } ?? ""
        elements.append("<circle cx=\"\(f(c.0))\" cy=\"\(f(c.1))\" r=\"\(f(radius))\" style=\"\(style)\">\(tip)</circle>")
    }

    package mutating func text(_ text: String, at p: (Double, Double), anchor: Anchor = .start, className: String? = nil,
                               rotated: Bool = false, style: String? = nil) {
        let rotation = rotated ? " transform=\"rotate(-90 \(f(p.0)) \(f(p.1)))\"" : ""
        elements.append("<text x=\"\(f(p.0))\" y=\"\(f(p.1))\" text-anchor=\"\(anchor.rawValue)\"\(rotation)"
                        + "\(attributes(className, style))>\(Self.escape(text))</text>")
    }

    package var svg: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" "
            + "height=\"\(f(height))\" role=\"img\">" + elements.joined() + "</svg>"
    }

    /// XML escaping for text content and attribute values.
    package static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    private func attributes(_ className: String?, _ style: String?) -> String {
        (className.map { " class=\"\($0)\"" } ?? "") + (style.map { " style=\"\($0)\"" } ?? "")
    }

    /// Coordinates with two decimals: enough on screen, short in the file.
    private func f(_ v: Double) -> String {
        let rounded = (v * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
