import SVGPlot

/// A self-contained HTML page: inline CSS, no script, nothing fetched, readable in a light
/// and a dark browser theme (colours are CSS variables switched by `prefers-color-scheme`).
/// The charts' SVG uses the same variables (see `SVGChart`).
struct HTMLPage {
    var title: String
    var body: String

    var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static let style = """
    :root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6577; --bg: #ffffff; --panel: #f4f6f9;
      --grid: #d9dee7; --axis: #5b6577; --s0: #2f6fdb; --s1: #e0702b; --s2: #2e9d5b; --s3: #a64fc2; --s4: #c23b4e;
      --s5: #1f9fb0; --s6: #b58a12; --s7: #7a6f5b; --s8: #d14f9c; --s9: #4b5fa8;
      --pos: 46, 160, 90; --neg: 214, 60, 60; --heat: 47, 111, 219; }
    @media (prefers-color-scheme: dark) {
      :root { --fg: #e3e8f0; --muted: #9aa5b8; --bg: #14181f; --panel: #1d232d; --grid: #323b49; --axis: #9aa5b8;
        --s0: #6ea2ff; --s1: #ffa15c; --s2: #5fd08c; --s3: #cf8ae6; --s4: #ff7a8a;
        --s5: #4fd3e3; --s6: #e8c04a; --s7: #c2b8a3; --s8: #f28cc8; --s9: #98a8f0;
        --pos: 70, 200, 120; --neg: 255, 100, 100; --heat: 110, 162, 255; }
    }
    body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
      "WenQuanYi Zen Hei", sans-serif;
      color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1120px; padding: 24px; }
    h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
    .muted { color: var(--muted); } .note { color: var(--muted); font-style: italic; }
    .grid { display: flex; flex-wrap: wrap; gap: 16px; }
    figure { margin: 0; background: var(--panel); border-radius: 8px; padding: 8px; max-width: 100%; overflow-x: auto; }
    figcaption { font-weight: 600; margin-bottom: 4px; }
    table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: right; }
    th { color: var(--muted); font-weight: 600; } td:first-child, th:first-child { text-align: left; }
    table.summary td { text-align: left; } table.summary td:first-child { color: var(--muted); }
    table.check td, table.check th { text-align: left; } h3 { font-size: 15px; margin: 18px 0 4px; }
    table.check tr.kept td { font-weight: 600; }
    .explanation { background: var(--panel); border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
    .tokens { line-height: 2; } .tok { padding: 2px 3px; border-radius: 3px; margin-right: 2px; }
    .ch { padding: 2px 0; border-radius: 2px; }
    .tok.dropped { color: var(--muted); opacity: 0.55; text-decoration: line-through; }
    svg text { fill: var(--fg); font: 12px system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Zen Hei", sans-serif; } svg .title { font-size: 13px; font-weight: 600; }
    svg .axis { stroke: var(--axis); } svg .gridline { stroke: var(--grid); } svg .tick { fill: var(--muted); }
    """
}

/// HTML escaping for text and (double-quoted) attribute values: the SVG writer's XML escaping.
enum HTML {
    static func escape(_ text: String) -> String { SVGCanvas.escape(text) }
}
