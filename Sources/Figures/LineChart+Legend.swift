// The legend of a line chart: its size, the corner where it hides no data, and drawing it.

extension LineChart {
    private var legendSampleLength: Int { 40 }
    private var legendPadding: Int { 12 }

    /// The legend's size: a line sample and the name for each named series.
    func legendSize(_ data: [PreparedSeries]) throws -> (width: Int, height: Int) {
        let named = data.filter { !$0.name.isEmpty }
        let nameWidth = try named.map { try Canvas.measureText($0.name, size: FigureStyle.legendSize).width }.max() ?? 0
        let row = try legendRowHeight()
        return (legendPadding + legendSampleLength + 10 + nameWidth + legendPadding, 8 + named.count * row + 8)
    }

    private func legendRowHeight() throws -> Int {
        try Canvas.measureText("Ag", size: FigureStyle.legendSize).height + 6
    }

    /// The first plot corner (top right, top left, bottom right, bottom left) where the legend
    /// covers no data and no marker label; nil if every corner would hide something.
    func freeCorner(_ data: [PreparedSeries], layout: ChartLayout, avoiding obstacles: [PixelRect]) throws -> PixelRect? {
        let (w, h) = try legendSize(data)
        let plot = layout.plot
        let inset = 10
        guard w + 2 * inset <= plot.width, h + 2 * inset <= plot.height else { return nil }
        let corners = [
            PixelRect(x: plot.right - inset - w, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.right - inset - w, y: plot.bottom - inset - h, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.bottom - inset - h, width: w, height: h),
        ]
        // Sample every line every 2 pixels; a corner is free if no sample falls in it.
        var samples: [Point] = []
        for s in data {
            for run in s.runs {
                let points = run.map { Point(x: layout.x.pixel($0.x), y: layout.y.pixel($0.y)) }
                samples.append(contentsOf: points)
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
        return corners.first { corner in
            let grown = PixelRect(x: corner.x - 6, y: corner.y - 6, width: corner.width + 12, height: corner.height + 12)
            let hidesData = samples.contains { p in
                p.x >= Double(grown.x) && p.x < Double(grown.right) && p.y >= Double(grown.y) && p.y < Double(grown.bottom)
            }
            return !hidesData && !obstacles.contains { $0.intersects(grown) }
        }
    }

    /// Draws the legend box: a line sample (with its dash and symbol) and the name per series.
    func drawLegend(_ data: [PreparedSeries], in box: PixelRect, on canvas: inout Canvas) throws {
        canvas.fillRect(x: box.x, y: box.y, width: box.width, height: box.height, color: Color.white.withAlpha(235))
        canvas.strokeRect(x: box.x, y: box.y, width: box.width, height: box.height, color: Color(r: 210, g: 210, b: 210))
        let row = try legendRowHeight()
        for (i, s) in data.filter({ !$0.name.isEmpty }).enumerated() {
            let centerY = Double(box.y + 8 + i * row) + Double(row) / 2
            let x0 = Double(box.x + legendPadding), x1 = x0 + Double(legendSampleLength)
            canvas.strokePolyline([Point(x: x0, y: centerY), Point(x: x1, y: centerY)], color: s.color, width: 2.5,
                                  dash: dashPattern(s.style, width: 2.5), clip: box)
            canvas.drawSymbol(s.symbol, at: Point(x: (x0 + x1) / 2, y: centerY), color: s.color)
            try canvas.drawText(s.name, x: x1 + 10, y: centerY, size: FigureStyle.legendSize, color: FigureStyle.text, anchor: .left)
        }
    }
}
