// Every head of every layer at once: a grid of small attention maps, layers down, heads across
// (the "model view" of attention-visualisation tools, as one picture).
// L = layers, H = heads, N = tokens.

/// A layers × heads grid of attention maps over the same tokens.
///
/// Each small map is one head's attention: row i = query token i, column j = key token j, colour
/// = weight (0 white … 1 darkest). The query tokens label the rows of the first column, the key
/// tokens the columns of the bottom row.
///
///     let gallery = AttentionGallery(title: "Every head", tokens: words, maps: p)   // p[layer][head][i * N + j]
///     try gallery.writePNG(to: "Output/gallery.png")
public struct AttentionGallery: Figure {
    public var title: String
    /// The N tokens, queries and keys alike.
    public var tokens: [String]
    /// maps[ℓ][h]: N·N weights, row-major (query-major), in 0...1.
    public var maps: [[[Float]]]
    /// The side of one cell in pixels; nil picks one from N (smaller for longer sentences).
    public var cellSize: Int?

    public init(title: String = "", tokens: [String], maps: [[[Float]]], cellSize: Int? = nil) {
        self.title = title
        self.tokens = tokens
        self.maps = maps
        self.cellSize = cellSize
    }

    public func render() throws -> Canvas {
        let n = tokens.count
        guard n > 0, !maps.isEmpty, !maps[0].isEmpty else { throw FigureError("attention gallery: no tokens or no maps to draw") }
        let heads = maps[0].count
        for (l, layer) in maps.enumerated() {
            guard layer.count == heads else { throw FigureError("attention gallery: layer \(l + 1) has \(layer.count) heads, layer 1 has \(heads)") }
            for (h, map) in layer.enumerated() where map.count != n * n {
                throw FigureError("attention gallery: layer \(l + 1) head \(h + 1) has \(map.count) weights for \(n) tokens (needs \(n * n))")
            }
        }
        let cell = cellSize ?? max(6, min(22, 260 / n))
        let side = cell * n, gap = 18, tick = FigureStyle.annotationSize
        let probe = Canvas(width: 1, height: 1)
        let labelWidth = try tokens.map { try probe.measureText($0, size: tick).width }.max() ?? 0
        let rowTitle = try probe.measureText("layer \(maps.count)", size: FigureStyle.legendSize).width
        let left = FigureStyle.margin + rowTitle + 12 + labelWidth + 6
        let gridWidth = heads * side + (heads - 1) * gap, gridHeight = maps.count * side + (maps.count - 1) * gap
        let width = max(left + gridWidth + FigureStyle.margin, 400)
        // Under enlarged type the title may wrap onto more lines; and labels too tall for their
        // cells are written for every k-th token only, rather than on top of each other.
        let titleHeight = FigureStyle.isEnlarged ? try FigureStyle.titleHeight(title, canvasWidth: width) + 2
            : (title.isEmpty ? 0 : FigureStyle.titleSize + 16)
        let top = FigureStyle.margin + titleHeight + FigureStyle.legendSize + 8
        let every = FigureStyle.isEnlarged ? max(1, Int((Double(try probe.measureText("Ag", size: tick).height - 3) / Double(cell)).rounded(.up)))
            : (cell >= 10 ? 1 : 2)
        let bottomLabels = labelWidth + 12
        var canvas = Canvas(width: width, height: top + gridHeight + bottomLabels + FigureStyle.margin)
        try canvas.drawTitle(title, centerX: Double(canvas.width) / 2, top: FigureStyle.margin)
        for h in 0..<heads {
            let x = left + h * (side + gap)
            try canvas.drawText("head \(h + 1)", x: Double(x + side / 2), y: Double(top - 6), size: FigureStyle.legendSize,
                                color: FigureStyle.text, anchor: .bottom)
        }
        for (l, layer) in maps.enumerated() {
            let y = top + l * (side + gap)
            try canvas.drawText("layer \(l + 1)", x: Double(FigureStyle.margin), y: Double(y + side / 2), size: FigureStyle.legendSize,
                                color: FigureStyle.text, anchor: .left)
            for (i, token) in tokens.enumerated() where i % every == 0 {
                try canvas.drawText(token, x: Double(left - 6), y: Double(y + i * cell) + Double(cell) / 2, size: tick,
                                    color: FigureStyle.text, anchor: .right)
            }
            for (h, map) in layer.enumerated() {
                let x = left + h * (side + gap)
                for i in 0..<n {
                    for j in 0..<n {
                        let w = Double(min(max(map[i * n + j], 0), 1))
                        canvas.fillRect(x: x + j * cell, y: y + i * cell, width: cell, height: cell, color: Colormap.sequential.color(w))
                    }
                }
                canvas.strokeRect(x: x, y: y, width: side, height: side, color: FigureStyle.axis)
            }
        }
        let bottom = top + gridHeight + 6
        for h in 0..<heads {
            let x = left + h * (side + gap)
            for (j, token) in tokens.enumerated() where j % every == 0 {
                try canvas.drawText(token, x: Double(x + j * cell) + Double(cell) / 2, y: Double(bottom), size: tick,
                                    color: FigureStyle.text, anchor: .right, rotated: .vertical)
            }
        }
        return canvas
    }
}
