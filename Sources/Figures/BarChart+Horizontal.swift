// Bars laid horizontally, for enlarged type: when the category labels would have to be turned
// under upright bars, they are written level beside horizontal bars instead (wrapped onto two
// lines if need be), and the figure grows taller rather than squeezing the bars.

extension BarChart {
    /// Under enlarged type, the chart with horizontal bars when the category labels do not fit
    /// level (on one or two lines) under upright bars and the horizontal chart is at most a
    /// tenth taller than wide; else nil (upright bars with turned labels).
    func horizontalRendering() throws -> Canvas? {
        guard FigureStyle.isEnlarged, try layout(legendOutside: legend == .outside).labels.rotation != .none else { return nil }
        let canvas = try renderHorizontally()
        return canvas.height * 10 <= width * 11 ? canvas : nil
    }

    /// Draws the chart with a bar per category and group running left to right from the value
    /// axis' base, the categories top to bottom, each value (or stack total) written at its
    /// bar's end, and the legend above the plot.
    func renderHorizontally() throws -> Canvas {
        let margin = FigureStyle.margin
        let lineHeight = { (size: Int) throws -> Int in try Canvas.measureText("Ag", size: size).height }
        let entries = legend == .hidden ? [] : legendEntries()
        var top = margin + (try FigureStyle.titleHeight(title, canvasWidth: width))
        var legendArrangement = Legend.Arrangement(), legendSize = (width: 0, height: 0), legendTop = top
        if !entries.isEmpty {
            legendArrangement = try Legend.arrangement(entries, room: width - 2 * margin)
            legendSize = try Legend.size(entries, legendArrangement)
            top += legendSize.height + 12
        }

        // The labels beside the bars: level, wrapped onto two lines before they are made smaller.
        let labels = try categories.map {
            try TextBlock.fitted($0, largest: FigureStyle.tickSize, room: width * 2 / 5, maxLines: 2, wrapFirst: true)
        }
        let labelWidth = labels.map(\.width).max() ?? 0
        // Each bar is as thick as its value's text, so that the value can be written beside it.
        // NOTE: bars of many groups in many categories make a very tall chart; the caller then
        // keeps upright bars.
        let barThickness = showTotals ? try lineHeight(FigureStyle.annotationSize) + 4 : try lineHeight(FigureStyle.annotationSize) / 2
        let barsPerSlot = mode == .stacked ? 1.0 / 0.64 * 0.8 : Double(groups.count)
        let labelHeight = (labels.map(\.height).max() ?? 0) + 8
        let slot = max(Double(labelHeight), Double(barThickness) * barsPerSlot / 0.8)

        var below = margin + FigureStyle.tickLength + 4 + (try lineHeight(FigureStyle.tickSize))
        if !yLabel.isEmpty { below += try FigureStyle.axisTitleBlock(yLabel, room: width - 2 * margin).height + 8 }
        let canvasHeight = max(height, top + Int((slot * Double(categories.count)).rounded(.up)) + below)
        let bottom = canvasHeight - below

        var left = margin + labelWidth + FigureStyle.tickLength + 6
        if !xLabel.isEmpty {
            let span = try FigureStyle.yTitleSpan(canvasWidth: width, canvasHeight: canvasHeight, plotTop: top, xTitle: yLabel)
            left += try FigureStyle.axisTitleBlock(xLabel, room: span.bottom - span.top).height + 10
        }
        var right = width - margin - 12
        guard right - left >= 50, bottom - top >= 50 else {
            throw FigureError("\(figureName): \(width)×\(height) pixels leaves no room for the plot after its labels")
        }

        // The value axis along the bottom, with room at the bars' ends for their values.
        let texts = barEnds().map(compactNumber)
        let extent = showTotals ? try texts.map { try Canvas.measureText($0, size: FigureStyle.annotationSize).width }.max() ?? 0 : 0
        var (low, high) = valueLimits()
        if yRange == nil, showTotals { (low, high) = headroom(low: low, high: high, plotHeight: right - left, extent: extent, ratio: 1.5) }
        var axis = ChartAxis(scale: yScale, low: low, high: high, start: Double(left), end: Double(right))
        var ticks = try LineChart.fittingXTicks(axis)
        if let last = ticks.last(where: { $0.label != nil }), let label = last.label {
            let overhang = Int(axis.pixel(last.value)) + (try Canvas.measureText(label, size: FigureStyle.tickSize).width) / 2 - (right + 12)
            if overhang > 0 {
                right -= overhang
                axis.end = Double(right)
                ticks = try LineChart.fittingXTicks(axis)
            }
        }
        let plot = PixelRect(x: left, y: top, width: right - left, height: bottom - top)
        let band = Double(plot.height) / Double(categories.count)

        var canvas = Canvas(width: width, height: canvasHeight)
        for tick in ticks {
            let column = Int(axis.pixel(tick.value))
            guard column >= plot.x, column < plot.right else { continue }
            canvas.fillRect(x: column, y: plot.y, width: 1, height: plot.height, color: tick.label == nil ? FigureStyle.minorGrid : FigureStyle.grid)
        }
        // Bars: the slot's rows come from the same split as upright bars' columns.
        let rows = PixelRect(x: plot.y, y: 0, width: plot.height, height: 1)
        let column = { (v: Double) in min(max(Int(axis.pixel(v).rounded()), plot.x), plot.right) }
        let base = yScale == .log ? axis.low : min(max(0, axis.low), axis.high)
        var ends: [(text: String, y: Double, x: Int, forward: Bool)] = []
        for c in categories.indices {
            var before = base
            for (g, group) in groups.enumerated() {
                let (y0, y1) = barColumns(category: c, group: mode == .stacked ? 0 : g, plot: rows)
                let (from, to) = mode == .stacked ? (before, before + group.values[c]) : (base, group.values[c])
                before = to
                let (x0, x1) = (column(from), column(to))
                if abs(x1 - x0) > 0, y1 > y0 {
                    canvas.fillRect(x: min(x0, x1), y: y0, width: abs(x1 - x0), height: y1 - y0, color: group.color ?? Color.series(g))
                }
                if showTotals, mode == .grouped || g == groups.count - 1 {
                    let value = mode == .stacked ? to : group.values[c]
                    ends.append((compactNumber(value), Double(y0 + y1) / 2, x1, value >= 0 || yScale == .log))
                }
            }
        }
        if yScale == .linear, axis.low < 0 {  // the zero line, where negative bars hang from
            canvas.fillRect(x: Int(axis.pixel(0).rounded()), y: plot.y, width: 1, height: plot.height, color: FigureStyle.axis)
        }
        for end in ends {
            try canvas.drawText(end.text, x: Double(end.x + (end.forward ? 6 : -6)), y: end.y, size: FigureStyle.annotationSize,
                                color: FigureStyle.text, anchor: end.forward ? .left : .right)
        }

        // Axes: the value ticks below, the category labels on the left.
        canvas.fillRect(x: plot.x - 1, y: plot.y, width: 1, height: plot.height + 1, color: FigureStyle.axis)
        canvas.fillRect(x: plot.x - 1, y: plot.bottom, width: plot.width + 1, height: 1, color: FigureStyle.axis)
        for tick in ticks {
            let x = Int(axis.pixel(tick.value))
            guard x >= plot.x - 1, x <= plot.right else { continue }
            canvas.fillRect(x: x, y: plot.bottom + 1, width: 1, height: tick.label == nil ? FigureStyle.tickLength / 2 : FigureStyle.tickLength,
                            color: FigureStyle.axis)
            if let label = tick.label {
                try canvas.drawText(label, x: Double(x) + 0.5, y: Double(plot.bottom + FigureStyle.tickLength + 4),
                                    size: FigureStyle.tickSize, color: FigureStyle.text, anchor: .top)
            }
        }
        for (c, block) in labels.enumerated() {
            let center = Double(plot.y) + (Double(c) + 0.5) * band
            canvas.fillRect(x: plot.x - 1 - FigureStyle.tickLength / 2, y: Int(center), width: FigureStyle.tickLength / 2, height: 1, color: FigureStyle.axis)
            let firstTop = center - Double(block.height) / 2
            for (k, line) in block.lines.enumerated() {
                try canvas.drawText(line, x: Double(plot.x - FigureStyle.tickLength - 6), y: firstTop + Double(k * block.lineHeight),
                                    size: block.size, color: FigureStyle.text, anchor: .topRight)
            }
        }
        if !entries.isEmpty {
            let x = min(max(margin, (plot.x + plot.right - legendSize.width) / 2), width - margin - legendSize.width)
            try Legend.draw(entries, in: PixelRect(x: max(margin, x), y: legendTop, width: legendSize.width, height: legendSize.height),
                            legendArrangement, on: &canvas)
        }
        try canvas.drawTitle(title, centerX: Double(plot.x + plot.right) / 2, top: margin)
        // The value title goes under the value axis, the category title beside the categories.
        try canvas.drawAxisTitles(xLabel: yLabel, yLabel: xLabel, plot: plot)
        return canvas
    }
}
