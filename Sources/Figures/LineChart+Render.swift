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
        var labels = try markerLabels(layout)
        var notes = try placeAnnotations(data, layout, avoiding: labels.map(\.rect))
        var legendBox: PixelRect?
        let entries = legendEntries(data)
        if legend != .hidden, !entries.isEmpty {
            let obstacles = labels.map(\.rect) + notes.flatMap { [$0.rect, $0.dotRect] }
            if !layout.legendOutside, let corner = try freeCorner(data, layout: layout, avoiding: obstacles) {
                legendBox = corner
            } else {
                if !layout.legendOutside {
                    layout = try self.layout(data, legendOutside: true)
                    labels = try markerLabels(layout)
                    notes = try placeAnnotations(data, layout, avoiding: labels.map(\.rect))
                }
                legendBox = Legend.outsideBox(size: try Legend.size(entries, layout.legendArrangement), plot: layout.plot,
                                              above: layout.legendAbove, canvasWidth: width)
            }
        }

        var canvas = Canvas(width: width, height: layout.canvasHeight)
        let plot = layout.plot
        drawGrid(on: &canvas, layout)
        for marker in markers where isInside(marker.x, layout.x) {
            let px = Double(Int(layout.x.pixel(marker.x))) + 0.5
            canvas.strokePolyline([Point(x: px, y: Double(plot.y)), Point(x: px, y: Double(plot.bottom))],
                                  color: marker.color, width: 1.5, dash: [6, 4], clip: plot)
        }
        canvas.drawAnnotationDots(notes)
        for s in data { drawSeries(s, on: &canvas, layout) }
        for (text, rect, color) in labels {
            canvas.fillRect(x: rect.x - 3, y: rect.y - 1, width: rect.width + 6, height: rect.height + 2, color: Color.white.withAlpha(210))
            try canvas.drawText(text, x: Double(rect.x), y: Double(rect.y), size: FigureStyle.annotationSize, color: color, anchor: .topLeft)
        }
        try canvas.drawAnnotationTexts(notes)
        try canvas.drawChartAxes(plot: plot, yAxis: layout.y, yTicks: layout.yTicks)
        try drawXTicks(on: &canvas, layout)
        if let legendBox { try Legend.draw(entries, in: legendBox, layout.legendArrangement, on: &canvas) }

        try canvas.drawTitle(title, centerX: Double(plot.x + plot.right) / 2, top: FigureStyle.margin)
        try canvas.drawAxisTitles(xLabel: xLabel, yLabel: yLabel, plot: plot)
        return canvas
    }

    func isInside(_ value: Double, _ axis: ChartAxis) -> Bool {
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
        canvas.drawHorizontalGrid(plot: plot, yAxis: layout.y, yTicks: layout.yTicks)
    }

    private func drawXTicks(on canvas: inout Canvas, _ layout: ChartLayout) throws {
        let plot = layout.plot
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
    }

    private func drawSeries(_ s: PreparedSeries, on canvas: inout Canvas, _ layout: ChartLayout) {
        let lineWidth = 2.5
        if s.style != .none {
            for run in s.runs {
                let points = run.map { Point(x: layout.x.pixel($0.x), y: layout.y.pixel($0.y)) }
                canvas.strokePolyline(points, color: s.color, width: lineWidth, dash: Self.dashPattern(s.style, width: lineWidth), clip: layout.plot)
            }
        }
        guard s.symbol != .none else { return }
        // NOTE: on a line, at most ~30 symbols per series; more would merge into a thick smudge.
        // A scatter (no line) shows every point: the symbols are the data.
        let all = s.runs.flatMap { $0 }
        let every = s.style == .none ? 1 : max(1, (all.count + 29) / 30)
        for (i, point) in all.enumerated() where i % every == 0 {
            let center = Point(x: layout.x.pixel(point.x), y: layout.y.pixel(point.y))
            let plot = layout.plot
            guard center.x >= Double(plot.x), center.x <= Double(plot.right), center.y >= Double(plot.y), center.y <= Double(plot.bottom) else { continue }
            canvas.drawSymbol(s.symbol, at: center, color: s.color)
        }
    }

    static func dashPattern(_ style: Series.Style, width: Double) -> [Double] {
        switch style {
        case .solid, .none: []
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

// MARK: - Annotations

/// An annotation as it will be drawn: its dot, and where its text goes.
struct PlacedAnnotation {
    var text: String
    var color: Color
    var dot: Point
    /// The text box; empty (zero width) for an annotation without text.
    var rect: PixelRect
    var dotRect: PixelRect { PixelRect(x: Int(dot.x) - 4, y: Int(dot.y) - 4, width: 9, height: 9) }
}

extension LineChart {
    static let annotationDotRadius = 3.5

    /// Places every annotation's text beside its dot, greedily in the order given: the first of
    /// a few offsets (right, left, above, below, then rows further up and down) that
    /// stays inside the plot and overlaps no earlier text, no dot and no `obstacles`, preferring
    /// among those the one that hides the fewest line samples. If none is free, the offset that
    /// overlaps least.
    func placeAnnotations(_ data: [PreparedSeries], _ layout: ChartLayout, avoiding obstacles: [PixelRect]) throws -> [PlacedAnnotation] {
        let plot = layout.plot
        let visible = annotationPoints().filter { isInside($0.x, layout.x) && isInside($0.y, layout.y) }
        let dots = visible.map { Point(x: layout.x.pixel($0.x), y: layout.y.pixel($0.y)) }
        let samples = visible.isEmpty ? [] : lineSamples(data, layout)
        var taken = obstacles + dots.map { PixelRect(x: Int($0.x) - 5, y: Int($0.y) - 5, width: 11, height: 11) }
        var placed: [PlacedAnnotation] = []
        for (annotation, dot) in zip(visible, dots) {
            let color = annotation.color ?? FigureStyle.text
            guard !annotation.text.isEmpty else {
                placed.append(PlacedAnnotation(text: "", color: color, dot: dot, rect: PixelRect(x: Int(dot.x), y: Int(dot.y), width: 0, height: 0)))
                continue
            }
            let (w, h) = try Canvas.measureText(annotation.text, size: FigureStyle.annotationSize)
            let (px, py) = (Int(dot.x.rounded()), Int(dot.y.rounded()))
            // Beside the dot (on its row, then rows further up and down), above, below, and further out.
            let row = { (k: Int) in py - h / 2 + k * (h + 2) }
            let gap = 7
            let corners = [(px + gap, row(0)), (px - gap - w, row(0)), (px - w / 2, py - gap - h), (px - w / 2, py + gap),
                           (px + gap, row(-1)), (px + gap, row(1)), (px - gap - w, row(-1)), (px - gap - w, row(1)),
                           (px + gap, row(-2)), (px + gap, row(2)), (px - gap - w, row(-2)), (px - gap - w, row(2)),
                           (px - w / 2, py - gap - 2 * h - 2), (px - w / 2, py + gap + h + 2),
                           (px + 3 * gap, row(-3)), (px + 3 * gap, row(3)), (px - 3 * gap - w, row(-3)), (px - 3 * gap - w, row(3))]
            let candidates = corners.map { PixelRect(x: $0.0, y: $0.1, width: w, height: h) }
            // Score: overlap with taken boxes and the area outside the plot first; then hidden line
            // samples plus the distance from the dot, so that a label stays beside its dot and
            // crosses a line (on its light backing) rather than drifting off where it reads as
            // another point's label.
            func score(_ rect: PixelRect) -> (Int, Int) {
                let grown = PixelRect(x: rect.x - 2, y: rect.y - 1, width: rect.width + 4, height: rect.height + 2)
                let overlap = taken.reduce(0) { total, box in
                    let common = box.intersection(grown)
                    return total + common.width * common.height
                }
                let inside = grown.intersection(PixelRect(x: plot.x + 2, y: plot.y + 2, width: plot.width - 4, height: plot.height - 4))
                let outside = grown.width * grown.height - inside.width * inside.height
                let hidden = samples.count { p in
                    p.x >= Double(grown.x) && p.x < Double(grown.right) && p.y >= Double(grown.y) && p.y < Double(grown.bottom)
                }
                return (overlap + 4 * outside, hidden + 2 * distance(from: dot, to: rect))
            }
            let scores = candidates.map(score)
            let best = scores.indices.min { scores[$0] < scores[$1] }!
            let rect = candidates[best]
            taken.append(rect)
            placed.append(PlacedAnnotation(text: annotation.text, color: color, dot: dot, rect: rect))
        }
        return placed
    }

}

/// Pixels from `point` to the nearest point of `rect` (0 inside it).
func distance(from point: Point, to rect: PixelRect) -> Int {
    let dx = max(Double(rect.x) - point.x, 0, point.x - Double(rect.right))
    let dy = max(Double(rect.y) - point.y, 0, point.y - Double(rect.bottom))
    return Int((dx * dx + dy * dy).squareRoot().rounded())
}

extension Canvas {
    /// The annotation dots, drawn under the series: a symbol of a series at the same point (a
    /// scatter of the measured points) stays visible on top.
    mutating func drawAnnotationDots(_ notes: [PlacedAnnotation]) {
        for note in notes {
            fillCircle(center: note.dot, radius: LineChart.annotationDotRadius + 1.2, color: .white)
            fillCircle(center: note.dot, radius: LineChart.annotationDotRadius, color: note.color)
        }
    }

    /// The annotation texts, drawn over the series on a light backing so that lines behind
    /// them do not hide them.
    mutating func drawAnnotationTexts(_ notes: [PlacedAnnotation]) throws {
        for note in notes where !note.text.isEmpty {
            let rect = note.rect
            // NOTE: a label pushed away from its dot gets a thin leader line back to it.
            if distance(from: note.dot, to: rect) > 12 {
                let end = Point(x: min(max(note.dot.x, Double(rect.x)), Double(rect.right)),
                                y: min(max(note.dot.y, Double(rect.y)), Double(rect.bottom)))
                drawLine(from: note.dot, to: end, color: note.color.withAlpha(160), width: 1)
            }
            fillRect(x: rect.x - 2, y: rect.y, width: rect.width + 4, height: rect.height, color: Color.white.withAlpha(200))
            try drawText(note.text, x: Double(rect.x), y: Double(rect.y), size: FigureStyle.annotationSize, color: note.color, anchor: .topLeft)
        }
    }
}

// MARK: - Axes shared by charts

extension Canvas {
    /// Horizontal grid lines at the y ticks, lighter at the unlabelled ones.
    mutating func drawHorizontalGrid(plot: PixelRect, yAxis: ChartAxis, yTicks: [Tick]) {
        for tick in yTicks {
            let row = Int(yAxis.pixel(tick.value))
            guard row >= plot.y, row < plot.bottom else { continue }
            fillRect(x: plot.x, y: row, width: plot.width, height: 1, color: tick.label == nil ? FigureStyle.minorGrid : FigureStyle.grid)
        }
    }

    /// The left and bottom axis lines, and the y ticks with their labels.
    mutating func drawChartAxes(plot: PixelRect, yAxis: ChartAxis, yTicks: [Tick]) throws {
        fillRect(x: plot.x - 1, y: plot.y, width: 1, height: plot.height + 1, color: FigureStyle.axis)
        fillRect(x: plot.x - 1, y: plot.bottom, width: plot.width + 1, height: 1, color: FigureStyle.axis)
        for tick in yTicks {
            let row = Int(yAxis.pixel(tick.value))
            guard row >= plot.y, row <= plot.bottom else { continue }
            let length = tick.label == nil ? FigureStyle.tickLength / 2 : FigureStyle.tickLength
            fillRect(x: plot.x - 1 - length, y: row, width: length, height: 1, color: FigureStyle.axis)
            if let label = tick.label {
                try drawText(label, x: Double(plot.x - FigureStyle.tickLength - 6), y: Double(row) + 0.5,
                             size: FigureStyle.tickSize, color: FigureStyle.text, anchor: .right)
            }
        }
    }

    /// The x title centred under the plot at the bottom margin, the y title upright at the left margin.
    ///
    /// With enlarged type (an export) a title longer than the canvas allows is made smaller, down
    /// to the smallest text size, then wrapped onto more lines (see `FigureStyle.axisTitleBlock`),
    /// and kept inside the canvas.
    mutating func drawAxisTitles(xLabel: String, yLabel: String, plot: PixelRect) throws {
        let span = try FigureStyle.yTitleSpan(canvasWidth: width, canvasHeight: height, plotTop: plot.y, xTitle: xLabel)
        let margin = Double(FigureStyle.margin)
        if !xLabel.isEmpty {
            let block = try FigureStyle.axisTitleBlock(xLabel, room: width - 2 * FigureStyle.margin)
            for (k, line) in block.lines.enumerated() {
                let half = Double(try measureText(line, size: block.size).width) / 2
                var x = Double(plot.x + plot.right) / 2
                if FigureStyle.isEnlarged { x = min(max(x, margin + half), Double(width) - margin - half) }
                try drawText(line, x: x, y: Double(height - FigureStyle.margin - (block.lines.count - 1 - k) * block.lineHeight),
                             size: block.size, color: FigureStyle.text, anchor: .bottom)
            }
        }
        if !yLabel.isEmpty {
            let block = try FigureStyle.axisTitleBlock(yLabel, room: span.bottom - span.top)
            for (k, line) in block.lines.enumerated() {
                let half = Double(try measureText(line, size: block.size).width) / 2
                var y = Double(plot.y + plot.bottom) / 2
                if FigureStyle.isEnlarged { y = min(max(y, Double(span.top) + half), Double(span.bottom) - half) }
                try drawText(line, x: Double(FigureStyle.margin + k * block.lineHeight), y: y,
                             size: block.size, color: FigureStyle.text, anchor: .top, rotated: .vertical)
            }
        }
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
