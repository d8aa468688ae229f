// The legend of a chart: its size, the corner where it hides no data, and drawing it.
// Line charts and bar charts share it; only the sample drawn beside each name differs.

/// One row of a legend: a sample of how the data is drawn, and its name.
struct LegendEntry {
    enum Sample {
        /// A stretch of line with its dash pattern and point symbol.
        case line(Series.Style, Series.Symbol)
        /// A filled square, as for a bar.
        case swatch
    }

    var name: String
    var color: Color
    var sample: Sample
}

/// Measuring, placing and drawing a legend box.
enum Legend {
    static let sampleLength = 40
    static let padding = 12

    static func rowHeight() throws -> Int {
        try Canvas.measureText("Ag", size: FigureStyle.legendSize).height + 6
    }

    static let columnGap = 24

    /// How the entries are set: in `columns` columns filled row by row, and with names wrapped
    /// onto two lines to fit `nameRoom` pixels (under enlarged type, when one column is too wide).
    struct Arrangement: Equatable {
        var columns = 1
        var nameRoom: Int?
    }

    /// The most columns (at most one per entry) in which the legend fits `room` pixels across;
    /// with one column still too wide, names wrapped to fit.
    static func arrangement(_ entries: [LegendEntry], room: Int) throws -> Arrangement {
        var columns = max(1, entries.count)
        while columns > 1, try size(entries, Arrangement(columns: columns)).width > room { columns -= 1 }
        var arrangement = Arrangement(columns: columns)
        if try size(entries, arrangement).width > room { arrangement.nameRoom = room - 2 * padding - sampleLength - 10 }
        return arrangement
    }

    /// Each entry's name as set.
    static func names(_ entries: [LegendEntry], _ arrangement: Arrangement) throws -> [TextBlock] {
        try entries.map { entry in
            guard let room = arrangement.nameRoom else { return try TextBlock.single(entry.name, size: FigureStyle.legendSize) }
            return try TextBlock.fitted(entry.name, largest: FigureStyle.legendSize, room: room, maxLines: 2, wrapFirst: true)
        }
    }

    /// The height of each row of entries: its tallest name and a gap.
    static func rowHeights(_ names: [TextBlock], columns: Int) -> [Int] {
        stride(from: 0, to: names.count, by: columns).map { start in
            (names[start..<min(start + columns, names.count)].map(\.height).max() ?? 0) + 6
        }
    }

    /// The legend's size: a sample and the name for each entry.
    /// Where a legend of `size` goes when it does not fit inside the plot: centred above the plot
    /// (kept within the canvas's margins) when the layout left a band at `above`, else to the
    /// right of the plot, level with its top.
    static func outsideBox(size: (width: Int, height: Int), plot: PixelRect, above: Int?, canvasWidth: Int) -> PixelRect {
        if let top = above {
            let x = max(FigureStyle.margin, min((plot.x + plot.right - size.width) / 2, canvasWidth - FigureStyle.margin - size.width))
            return PixelRect(x: x, y: top, width: size.width, height: size.height)
        }
        return PixelRect(x: plot.right + 20, y: plot.y, width: size.width, height: size.height)
    }

    static func size(_ entries: [LegendEntry], _ arrangement: Arrangement = Arrangement()) throws -> (width: Int, height: Int) {
        let names = try names(entries, arrangement)
        let columns = arrangement.columns
        let column = sampleLength + 10 + (names.map(\.width).max() ?? 0)
        return (padding + columns * column + (columns - 1) * columnGap + padding, 8 + rowHeights(names, columns: columns).reduce(0, +) + 8)
    }

    /// The first plot corner (top right, top left, bottom right, bottom left) where a legend of
    /// `size` covers none of the `samples` (data points in canvas pixels) and no obstacle; nil
    /// if every corner would hide something.
    static func freeCorner(size: (width: Int, height: Int), plot: PixelRect, samples: [Point], avoiding obstacles: [PixelRect]) -> PixelRect? {
        let (w, h) = size
        let inset = 10
        guard w + 2 * inset <= plot.width, h + 2 * inset <= plot.height else { return nil }
        let corners = [
            PixelRect(x: plot.right - inset - w, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.right - inset - w, y: plot.bottom - inset - h, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.bottom - inset - h, width: w, height: h),
        ]
        return corners.first { corner in
            let grown = PixelRect(x: corner.x - 6, y: corner.y - 6, width: corner.width + 12, height: corner.height + 12)
            let hidesData = samples.contains { p in
                p.x >= Double(grown.x) && p.x < Double(grown.right) && p.y >= Double(grown.y) && p.y < Double(grown.bottom)
            }
            return !hidesData && !obstacles.contains { $0.intersects(grown) }
        }
    }

    /// Draws the legend box: a sample and the name per entry.
    static func draw(_ entries: [LegendEntry], in box: PixelRect, _ arrangement: Arrangement = Arrangement(), on canvas: inout Canvas) throws {
        canvas.fillRect(x: box.x, y: box.y, width: box.width, height: box.height, color: Color.white.withAlpha(235))
        canvas.strokeRect(x: box.x, y: box.y, width: box.width, height: box.height, color: Color(r: 210, g: 210, b: 210))
        let row = try rowHeight()
        let names = try names(entries, arrangement), columns = arrangement.columns
        let column = sampleLength + 10 + (names.map(\.width).max() ?? 0) + columnGap
        let rowTops = rowHeights(names, columns: columns).reduce(into: [box.y + 8]) { $0.append($0.last! + $1) }
        for (i, entry) in entries.enumerated() {
            // The sample sits beside the name's first line.
            let centerY = Double(rowTops[i / columns]) + Double(row) / 2
            let x0 = Double(box.x + padding + (i % columns) * column), x1 = x0 + Double(sampleLength)
            switch entry.sample {
            case .line(let style, let symbol):
                if style != .none {
                    canvas.strokePolyline([Point(x: x0, y: centerY), Point(x: x1, y: centerY)], color: entry.color, width: 2.5,
                                          dash: LineChart.dashPattern(style, width: 2.5), clip: box)
                }
                canvas.drawSymbol(symbol, at: Point(x: (x0 + x1) / 2, y: centerY), color: entry.color)
            case .swatch:
                let side = min(row - 8, sampleLength - 4)  // a square no wider than the sample's room
                canvas.fillRect(x: Int(x0) + (sampleLength - side) / 2, y: Int(centerY) - side / 2, width: side, height: side, color: entry.color)
            }
            let name = names[i]
            for (k, line) in name.lines.enumerated() {
                try canvas.drawText(line, x: x1 + 10, y: centerY + Double(k * name.lineHeight), size: name.size, color: FigureStyle.text, anchor: .left)
            }
        }
    }
}

extension LineChart {
    /// The legend rows: every named series.
    func legendEntries(_ data: [PreparedSeries]) -> [LegendEntry] {
        data.filter { !$0.name.isEmpty }.map { LegendEntry(name: $0.name, color: $0.color, sample: .line($0.style, $0.symbol)) }
    }

    /// The legend's size: a line sample and the name for each named series.
    func legendSize(_ data: [PreparedSeries]) throws -> (width: Int, height: Int) {
        try Legend.size(legendEntries(data))
    }

    /// The first plot corner where the legend covers no line, no annotation and no obstacle
    /// (marker and annotation labels); nil if every corner would hide something.
    func freeCorner(_ data: [PreparedSeries], layout: ChartLayout, avoiding obstacles: [PixelRect]) throws -> PixelRect? {
        Legend.freeCorner(size: try legendSize(data), plot: layout.plot, samples: lineSamples(data, layout), avoiding: obstacles)
    }

    /// Points along every line, 2 pixels apart, and every data point, in canvas pixels: what a
    /// legend or a label should not hide.
    func lineSamples(_ data: [PreparedSeries], _ layout: ChartLayout) -> [Point] {
        var samples: [Point] = []
        for s in data {
            for run in s.runs {
                let points = run.map { Point(x: layout.x.pixel($0.x), y: layout.y.pixel($0.y)) }
                samples.append(contentsOf: points)
                guard s.style != .none else { continue }
                for (a, b) in zip(points, points.dropFirst()) {
                    let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                    let steps = min(Int(length / 2), 4000)
                    guard steps > 1 else { continue }
                    for k in 1..<steps {
                        let t = Double(k) / Double(steps)
                        samples.append(Point(x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y)))
                    }
                }
            }
        }
        return samples
    }
}
