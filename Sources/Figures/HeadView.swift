// One layer's attention as lines between two columns of the same words: from each query word
// on the left to the key words it attends to on the right, one colour per head (the "head view"
// of attention-visualisation tools, as one picture).
// H = heads, N = tokens.

/// The tokens twice, queries on the left and keys on the right, joined by a line for every
/// (head, query, key) whose weight is at least `threshold`; the line's width and opacity grow
/// with the weight, and its colour says which head.
///
///     let view = HeadView(title: "Layer 2", tokens: words, heads: p)   // p[head][i * N + j]
///     try view.writePNG(to: "Output/head_view.png")
///
/// With `query` set, only that word's lines are drawn and its label is bold-coloured: how one
/// word ("it") spreads its attention, head by head.
public struct HeadView: Figure {
    public var title: String
    public var tokens: [String]
    /// heads[h]: N·N weights of head h, query-major, in 0...1.
    public var heads: [[Float]]
    /// Only this query's lines; nil draws every query's.
    public var query: Int?
    /// Lines for weights below this are left out (they would only grey the picture).
    public var threshold: Float

    public init(title: String = "", tokens: [String], heads: [[Float]], query: Int? = nil, threshold: Float = 0.05) {
        self.title = title
        self.tokens = tokens
        self.heads = heads
        self.query = query
        self.threshold = threshold
    }

    /// The pixel width of a line for weight w: thin for small weights, 7 px at w = 1.
    static func lineWidth(_ w: Float) -> Double { 0.75 + 6.25 * Double(w) }

    public func render() throws -> Canvas {
        let n = tokens.count
        guard n > 0, !heads.isEmpty else { throw FigureError("head view: no tokens or no heads to draw") }
        for (h, map) in heads.enumerated() where map.count != n * n {
            throw FigureError("head view: head \(h + 1) has \(map.count) weights for \(n) tokens (needs \(n * n))")
        }
        if let query, !(0..<n).contains(query) { throw FigureError("head view: query \(query) is outside 0..<\(n)") }
        let size = FigureStyle.legendSize + 1, rowHeight = 30
        let probe = Canvas(width: 1, height: 1)
        let labelWidth = try tokens.map { try probe.measureText($0, size: size).width }.max() ?? 0
        let span = 360
        let width = max(2 * FigureStyle.margin + 2 * labelWidth + 2 * 12 + span, 120 * heads.count + 2 * FigureStyle.margin, 560)
        // Under enlarged type the title may wrap onto more lines.
        let titleHeight = FigureStyle.isEnlarged ? try FigureStyle.titleHeight(title, canvasWidth: width) + 2
            : (title.isEmpty ? 0 : FigureStyle.titleSize + 16)
        let legendTop = FigureStyle.margin + titleHeight
        let top = legendTop + FigureStyle.legendSize + 28
        var canvas = Canvas(width: width, height: top + n * rowHeight + FigureStyle.margin)
        try canvas.drawTitle(title, centerX: Double(width) / 2, top: FigureStyle.margin)
        // Legend: one swatch per head.
        let legendStep = Double(width - 2 * FigureStyle.margin) / Double(heads.count)
        for h in heads.indices {
            let x = Double(FigureStyle.margin) + legendStep * (Double(h) + 0.5)
            canvas.fillRect(x: Int(x) - 34, y: legendTop + 4, width: 14, height: 14, color: Color.series(h))
            try canvas.drawText("head \(h + 1)", x: x - 14, y: Double(legendTop + 11), size: FigureStyle.legendSize,
                                color: FigureStyle.text, anchor: .left)
        }
        let center = Double(width) / 2
        let leftX = center - Double(span) / 2, rightX = center + Double(span) / 2
        func y(_ i: Int) -> Double { Double(top + i * rowHeight + rowHeight / 2) }
        // Lines first, weakest first, so the strong ones are drawn on top.
        var lines: [(w: Float, h: Int, i: Int, j: Int)] = []
        for (h, map) in heads.enumerated() {
            for i in 0..<n where query == nil || query == i {
                for j in 0..<n where map[i * n + j] >= threshold { lines.append((min(map[i * n + j], 1), h, i, j)) }
            }
        }
        lines.sort { ($0.w, $0.h, $0.i, $0.j) < ($1.w, $1.h, $1.i, $1.j) }
        for line in lines {
            let alpha = UInt8(min(255, 60 + Int(195 * line.w)))
            canvas.drawLine(from: Point(x: leftX, y: y(line.i)), to: Point(x: rightX, y: y(line.j)),
                            color: Color.series(line.h).withAlpha(alpha), width: Self.lineWidth(line.w))
        }
        for (i, token) in tokens.enumerated() {
            let color = query == i ? Color.black : FigureStyle.text
            try canvas.drawText(token, x: leftX - 12, y: y(i), size: size, color: color, anchor: .right)
            try canvas.drawText(token, x: rightX + 12, y: y(i), size: size, color: FigureStyle.text, anchor: .left)
        }
        return canvas
    }
}
