// Drawing a line chart: grid, reference lines, series, axes, legend, titles.

extension LineChart {
    /// Draws the chart on a new `width × height` canvas.
    ///
    /// - Throws: `FigureError` if a series' x and y counts differ, nothing can be plotted (for
    ///   example a log axis with no positive values), a fixed range is empty or not positive
    ///   on a log axis, or no font is available. Non-positive values on a log axis are left out.
    public func render() throws -> Canvas {
        let data = try prepareSeries()
        var layout = try self.layout(data, legendOutside: legend == .outside)
        var legendBox: PixelRect?
        let labels = try markerLabels(layout)
        if legend != .hidden, data.contains(where: { !$0.name.isEmpty }) {
            if !layout.legendOutside, let corner = try freeCorner(data, layout: layout, avoiding: labels.map(\.rect)) {
                legendBox = corner
            } else {
                if !layout.legendOutside { layout = try self.layout(data, legendOutside: true) }
                let size = try legendSize(data)
                legendBox = PixelRect(x: layout.plot.right + 20, y: layout.plot.y, width: size.width, height: size.height)
            }
        }
        let markerText = layout.legendOutside ? try markerLabels(layout) : labels

        var canvas = Canvas(width: width, height: height)
        let plot = layout.plot
        drawGrid(on: &canvas, layout)
        for marker in markers where isInside(marker.x, layout.x) {
            let px = Double(Int(layout.x.pixel(marker.x))) + 0.5
            canvas.strokePolyline([Point(x: px, y: Double(plot.y)), Point(x: px, y: Double(plot.bottom))],
                                  color: marker.color, width: 1.5, dash: [6, 4], clip: plot)
        }
        for s in data { drawSeries(s, on: &canvas, layout) }
        for (text, rect, color) in markerText {
            canvas.fillRect(x: rect.x - 3, y: rect.y - 1, width: rect.width + 6, height: rect.height + 2, color: Color.white.withAlpha(210))
            try canvas.drawText(text, x: Double(rect.x), y: Double(rect.y), size: FigureStyle.annotationSize, color: color, anchor: .topLeft)
        }
        try drawAxes(on: &canvas, layout)
        if let legendBox { try drawLegend(data, in: legendBox, on: &canvas) }

        try canvas.drawTitle(title, centerX: Double(plot.x + plot.right) / 2, top: FigureStyle.margin)
        if !xLabel.isEmpty {
            try canvas.drawText(xLabel, x: Double(plot.x + plot.right) / 2, y: Double(height - FigureStyle.margin),
                                size: FigureStyle.axisTitleSize, color: FigureStyle.text, anchor: .bottom)
        }
        if !yLabel.isEmpty {
            try canvas.drawText(yLabel, x: Double(FigureStyle.margin), y: Double(plot.y + plot.bottom) / 2,
                                size: FigureStyle.axisTitleSize, color: FigureStyle.text, anchor: .top, rotated: .vertical)
        }
        return canvas
    }

    private func isInside(_ value: Double, _ axis: ChartAxis) -> Bool {
        value.isFinite && value >= min(axis.low, axis.high) && value <= max(axis.low, axis.high) && (axis.scale == .linear || value > 0)
    }

    // MARK: - Grid, axes, series

    private func drawGrid(on canvas: inout Canvas, _ layout: ChartLayout) {
        let plot = layout.plot
        for tick in layout.xTicks {
            let column = Int(layout.x.pixel(tick.value))
            guard column >= plot.x, column < plot.right else { continue }
            canvas.fillRect(x: column, y: plot.y, width: 1, height: plot.height, color: tick.label == nil ? FigureStyle.minorGrid : FigureStyle.grid)
        }
        for tick in layout.yTicks {
            let row = Int(layout.y.pixel(tick.value))
            guard row >= plot.y, row < plot.bottom else { continue }
            canvas.fillRect(x: plot.x, y: row, width: plot.width, height: 1, color: tick.label == nil ? FigureStyle.minorGrid : FigureStyle.grid)
        }
    }

    private func drawAxes(on canvas: inout Canvas, _ layout: ChartLayout) throws {
        let plot = layout.plot
        canvas.fillRect(x: plot.x - 1, y: plot.y, width: 1, height: plot.height + 1, color: FigureStyle.axis)
        canvas.fillRect(x: plot.x - 1, y: plot.bottom, width: plot.width + 1, height: 1, color: FigureStyle.axis)
        for tick in layout.xTicks {
            let column = Int(layout.x.pixel(tick.value))
            guard column >= plot.x - 1, column <= plot.right else { continue }
            let length = tick.label == nil ? FigureStyle.tickLength / 2 : FigureStyle.tickLength
            canvas.fillRect(x: column, y: plot.bottom + 1, width: 1, height: length, color: FigureStyle.axis)
            if let label = tick.label {
                try canvas.drawText(label, x: Double(column) + 0.5, y: Double(plot.bottom + FigureStyle.tickLength + 4),
                                    size: FigureStyle.tickSize, color: FigureStyle.text, anchor: .top)
            }
        }
        for tick in layout.yTicks {
            let row = Int(layout.y.pixel(tick.value))
            guard row >= plot.y, row <= plot.bottom else { continue }
            let length = tick.label == nil ? FigureStyle.tickLength / 2 : FigureStyle.tickLength
            canvas.fillRect(x: plot.x - 1 - length, y: row, width: length, height: 1, color: FigureStyle.axis)
            if let label = tick.label {
                try canvas.drawText(label, x: Double(plot.x - FigureStyle.tickLength - 6), y: Double(row) + 0.5,
                                    size: FigureStyle.tickSize, color: FigureStyle.text, anchor: .right)
            }
        }
    }

    private func drawSeries(_ s: PreparedSeries, on canvas: inout Canvas, _ layout: ChartLayout) {
        let lineWidth = 2.5
        for run in s.runs {
            let points = run.map { Point(x: layout.x.pixel($0.x), y: layout.y.pixel($0.y)) }
            canvas.strokePolyline(points, color: s.color, width: lineWidth, dash: dashPattern(s.style, width: lineWidth), clip: layout.plot)
        }
        guard s.symbol != .none else { return }
        // NOTE: at most ~30 symbols per series; more would merge into a thick smudge.
        let all = s.runs.flatMap { $0 }
        let every = max(1, (all.count + 29) / 30)
        for (i, point) in all.enumerated() where i % every == 0 {
            let center = Point(x: layout.x.pixel(point.x), y: layout.y.pixel(point.y))
            let plot = layout.plot
            guard center.x >= Double(plot.x), center.x <= Double(plot.right), center.y >= Double(plot.y), center.y <= Double(plot.bottom) else { continue }
            canvas.drawSymbol(s.symbol, at: center, color: s.color)
        }
    }

    func dashPattern(_ style: Series.Style, width: Double) -> [Double] {
        switch style {
        case .solid: []
        case .dashed: [3.2 * width, 2.2 * width]
        case .dotted: [0, 2.2 * width]
        }
    }

    // MARK: - Markers

    /// Labels of the reference lines at the top of the plot: right of their line if there is
    /// room, else left of it, else one row lower, so that no two overlap.
    private func markerLabels(_ layout: ChartLayout) throws -> [(text: String, rect: PixelRect, color: Color)] {
        let plot = layout.plot
        var placed: [(text: String, rect: PixelRect, color: Color)] = []
        for marker in markers where !marker.label.isEmpty && isInside(marker.x, layout.x) {
            let (w, h) = try Canvas.measureText(marker.label, size: FigureStyle.annotationSize)
            let px = Int(layout.x.pixel(marker.x))
            var chosen: PixelRect?
            search: for row in 0..<6 {
                let y = plot.y + 6 + row * (h + 4)
                for x in [px + 6, px - 6 - w] where x >= plot.x + 2 && x + w <= plot.right - 2 {
                    let rect = PixelRect(x: x, y: y, width: w, height: h)
                    if !placed.contains(where: { $0.rect.intersects(PixelRect(x: rect.x - 6, y: rect.y - 2, width: rect.width + 12, height: rect.height + 4)) }) {
                        chosen = rect
                        break search
                    }
                }
            }
            if let chosen { placed.append((marker.label, chosen, marker.color)) }
        }
        return placed
    }
}

// MARK: - Symbols

extension Canvas {
    /// Draws a data-point symbol centred at `center`, about 9 pixels across.
    mutating func drawSymbol(_ symbol: Series.Symbol, at center: Point, color: Color) {
        let r = 4.5
        let (x, y) = (center.x, center.y)
        switch symbol {
        case .none:
            return
        case .circle:
            fillCircle(center: center, radius: r, color: color)
        case .square:
            let s = r * 0.88
            fillPolygon([Point(x: x - s, y: y - s), Point(x: x + s, y: y - s), Point(x: x + s, y: y + s), Point(x: x - s, y: y + s)], color: color)
        case .triangle:
            let s = r * 1.25
            fillPolygon([Point(x: x, y: y - s), Point(x: x + s * 0.866, y: y + s * 0.5), Point(x: x - s * 0.866, y: y + s * 0.5)], color: color)
        case .diamond:
            let s = r * 1.25
            fillPolygon([Point(x: x, y: y - s), Point(x: x + s, y: y), Point(x: x, y: y + s), Point(x: x - s, y: y)], color: color)
        }
    }
}
