import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SVGPlot

/// The SVG writer: well-formed XML, the elements each chart promises, escaping, empty data.
@Suite struct SVGPlotTests {
    /// Element names and their counts, parsed with an XML parser (fails on malformed XML).
    func elements(_ svg: String) throws -> [String: Int] {
        final class Counter: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            var texts: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                counts[name, default: 0] += 1
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        try #require(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        return counter.counts
    }

    @Test func lineChartHasAPolylinePerSeriesAndMarkers() throws {
        var chart = LineChart(title: "Loss <train & val>", xLabel: "epoch", yLabel: "loss")
        chart.series = [.init(name: "loss", points: [(1, 0.5), (2, 0.3), (3, 0.2)], dots: true),
                        .init(name: "val_loss", points: [(1, 0.4), (2, 0.35), (3, 0.38)], dots: true)]
        chart.markers = [.init(x: 2, label: "kept")]
        let svg = chart.svg()
        let counts = try elements(svg)
        #expect(counts["polyline"] == 2 && counts["circle"] == 6)
        #expect(svg.contains("Loss &lt;train &amp; val&gt;"), "text is escaped")
        #expect(svg.contains(">epoch<") && svg.contains(">loss<") && svg.contains(">kept<"))
        #expect(svg.contains("var(--s0)") && svg.contains("var(--s1)"), "colours by theme variable")
    }

    @Test func axesChooseNiceTicks() {
        let axis = Axis(covering: [0.13, 0.87], start: 0, end: 100)
        #expect(axis.lower == 0 && axis.upper == 1)
        let ticks = axis.ticks()
        #expect(ticks.count == 6 && zip(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(ticks.map { axis.label($0) } == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(axis.position(0.5) == 50)
        #expect(Axis(covering: [3, 3], start: 0, end: 1).upper > Axis(covering: [3, 3], start: 0, end: 1).lower,
                "one value still gives a range")
    }

    @Test func barChartDrawsEveryBarAndHeatMapEveryCell() throws {
        var bars = BarChart(title: "Per class", yLabel: "score", categories: ["a", "b", "c"], yRange: 0...1)
        bars.series = [.init(name: "precision", values: [0.5, 0.7, 1]), .init(name: "recall", values: [0.2, 0.9, 0.4])]
        #expect(try elements(bars.svg())["rect"] == 6 + 2, "six bars and two legend swatches")
        let heat = HeatMap(title: "Confusion", rowTitle: "true", columnTitle: "predicted",
                           rows: ["neg", "pos"], columns: ["neg", "pos"], values: [[648, 78], [166, 501]])
        let svg = heat.svg()
        #expect(try elements(svg)["rect"] == 4)
        #expect(svg.contains(">648<") && svg.contains(">501<"))
    }

    @Test func emptySeriesSaySo() throws {
        let svg = LineChart(title: "Nothing", xLabel: "x", yLabel: "y").svg()
        _ = try elements(svg)
        #expect(svg.contains(">no data<"))
    }
}
