// Drawing a bar chart: grid, bars, totals, axes, category labels, legend, titles.

extension BarChart {
    /// Draws the chart on a new `width × height` canvas.
    ///
    /// - Throws: `FigureError` if there are no categories or no groups, a group's value count
    ///   differs from the category count, a value is NaN or infinite, a stacked value is
    ///   negative, a value is not positive on a log scale (or the scale is log with stacked
    ///   bars), a fixed range is empty, the canvas is too small, or no font is available.
    public func render() throws -> Canvas {
        try validate()
        if let horizontal = try horizontalRendering() { return horizontal }
        var layout = try self.layout(legendOutside: legend == .outside)
        var placed = bars(layout)
        var totals = try totalLabels(layout)
        let entries = legendEntries()
        var legendBox: PixelRect?
        if legend != .hidden, !entries.isEmpty {
            let obstacles = placed.map(\.rect) + totals.map(\.rect)
            if !layout.legendOutside, let corner = Legend.freeCorner(size: try Legend.size(entries), plot: layout.plot, samples: [], avoiding: obstacles) {
                legendBox = corner
            } else {
                if !layout.legendOutside {
                    layout = try self.layout(legendOutside: true)
                    placed = bars(layout)
                    totals = try totalLabels(layout)
                }
                legendBox = Legend.outsideBox(size: try Legend.size(entries, layout.legendArrangement), plot: layout.plot,
                                              above: layout.legendAbove, canvasWidth: width)
            }
        }

        var canvas = Canvas(width: width, height: layout.canvasHeight)
        let plot = layout.plot
        canvas.drawHorizontalGrid(plot: plot, yAxis: layout.y, yTicks: layout.yTicks)
        for bar in placed {
            canvas.fillRect(x: bar.rect.x, y: bar.rect.y, width: bar.rect.width, height: bar.rect.height, color: bar.color)
        }
        if yScale == .linear, layout.y.low < 0 {  // the zero line, where negative bars hang from
            let row = Int(layout.y.pixel(0).rounded())
            canvas.fillRect(x: plot.x, y: row, width: plot.width, height: 1, color: FigureStyle.axis)
        }
        for (text, rect) in totals {
            if layout.totalsUpright {
                try canvas.drawText(text, x: Double(rect.x + rect.width / 2), y: Double(rect.bottom), size: layout.totalSize,
                                    color: FigureStyle.text, anchor: .left, rotated: .vertical)
            } else {
                try canvas.drawText(text, x: Double(rect.x), y: Double(rect.y), size: layout.totalSize, color: FigureStyle.text, anchor: .topLeft)
            }
        }
        try canvas.drawChartAxes(plot: plot, yAxis: layout.y, yTicks: layout.yTicks)
        try drawCategoryLabels(on: &canvas, layout)
        if let legendBox { try Legend.draw(entries, in: legendBox, layout.legendArrangement, on: &canvas) }

        try canvas.drawTitle(title, centerX: Double(plot.x + plot.right) / 2, top: FigureStyle.margin)
        try canvas.drawAxisTitles(xLabel: xLabel, yLabel: yLabel, plot: plot)
        return canvas
    }

    /// The category labels centred under their slots, level, at 45° or upright.
    private func drawCategoryLabels(on canvas: inout Canvas, _ layout: BarLayout) throws {
        let plot = layout.plot, labels = layout.labels
        let slot = layout.slot(categories.count)
        let top = Double(plot.bottom + FigureStyle.tickLength + 4)
        for (index, text) in labels.items {
            let x = Double(plot.x) + (Double(index) + 0.5) * slot
            canvas.fillRect(x: Int(x), y: plot.bottom + 1, width: 1, height: FigureStyle.tickLength / 2, color: FigureStyle.axis)
            switch labels.rotation {
            case .none:
                // Wrapped labels (enlarged type) hold their lines separated by "\n".
                let lineHeight = try Canvas.measureText("Ag", size: labels.size).height
                for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    try canvas.drawText(String(line), x: x, y: top + Double(k * lineHeight), size: labels.size, color: FigureStyle.text, anchor: .top)
                }
            case .diagonal:
                // The text's centre line points at the slot centre; its upper corner stays below `top`.
                let lift = Double(try Canvas.measureText("Ag", size: labels.size).height) * 0.3536
                try canvas.drawText(text, x: x - lift, y: top + lift, size: labels.size, color: FigureStyle.text,
                                    anchor: .right, rotated: .diagonal)
            case .vertical:
                try canvas.drawText(text, x: x, y: top, size: labels.size, color: FigureStyle.text, anchor: .right, rotated: .vertical)
            }
        }
    }
}
