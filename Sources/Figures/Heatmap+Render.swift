// Drawing a heatmap: the cells (down-sampled if need be), values, ticks, colorbar and titles.

extension Heatmap {
    /// Draws the heatmap on a canvas sized to fit it (about 1000 pixels for large matrices).
    ///
    /// - Throws: `FigureError` if the number of values or of tick labels does not match the
    ///   matrix, the colour range is empty, or no font is available.
    public func render() throws -> Canvas {
        try validate()
        let range = colorRange()
        let layout = try self.layout(range: range)
        var canvas = Canvas(width: layout.canvasWidth, height: layout.canvasHeight)
        let cells = blockAverages(width: layout.plot.width, height: layout.plot.height)

        // Cells: one colour per plot pixel, from the average of the cells it covers.
        let plot = layout.plot
        let colors = cells.map { colormap.color(position(Double($0), in: range)) }
        canvas.keepingColors { $0.drawPixels(colors, x: plot.x, y: plot.y, width: plot.width, height: plot.height) }
        if let size = layout.valueSize {
            try canvas.keepingColors { try drawValues(on: &$0, layout, range: range, size: size) }
        }
        try drawTickLabels(on: &canvas, layout)
        try drawColorbar(on: &canvas, layout, range: range)

        try canvas.drawTitle(title, centerX: layout.titleCenter, top: FigureStyle.margin)
        if let block = layout.xTitle {
            for (k, line) in block.lines.enumerated() {
                var x = layout.xLabelCenter
                if block.lines.count > 1 {  // each wrapped line centred on the plot, kept inside the canvas
                    let half = Double(try Canvas.measureText(line, size: block.size).width) / 2, margin = Double(FigureStyle.margin)
                    x = min(max(Double(plot.x + plot.right) / 2, margin + half), Double(layout.canvasWidth) - margin - half)
                }
                try canvas.drawText(line, x: x, y: Double(layout.canvasHeight - FigureStyle.margin - (block.lines.count - 1 - k) * block.lineHeight),
                                    size: block.size, color: FigureStyle.text, anchor: .bottom)
            }
        }
        if let block = layout.yTitle {
            try canvas.drawVerticalTitle(block, left: layout.yLabelLeft, beside: plot.y...plot.bottom)
        }
        return canvas
    }

    /// The value shown by each plot pixel: the mean of the finite cells in its block
    /// (NaN if there are none). [height, width]
    ///
    /// Pixel column `p` of `width` covers columns `p·C/width ..< (p+1)·C/width` (integer
    /// division, at least one): whole cells when enlarging, equal blocks when shrinking, the
    /// same every run.
    func blockAverages(width: Int, height: Int) -> [Float] {
        func block(_ p: Int, _ pixels: Int, _ cells: Int) -> Range<Int> {
            let first = p * cells / pixels
            return first..<max(first + 1, (p + 1) * cells / pixels)
        }
        var result = [Float](repeating: .nan, count: width * height)
        for py in 0..<height {
            let rowBlock = block(py, height, rows)
            for px in 0..<width {
                let columnBlock = block(px, width, columns)
                var sum = 0.0, count = 0
                for r in rowBlock {
                    for c in columnBlock where values[r * columns + c].isFinite {
                        sum += Double(values[r * columns + c])
                        count += 1
                    }
                }
                if count > 0 { result[py * width + px] = Float(sum / Double(count)) }
            }
        }
        return result
    }

    // MARK: - Labels

    /// Each value written in its cell, in black or white, whichever stands out from the cell.
    private func drawValues(on canvas: inout Canvas, _ layout: HeatmapLayout, range: (low: Double, high: Double), size: Int) throws {
        let w = layout.cellWidth(columns), h = layout.cellHeight(rows)
        for r in 0..<rows {
            for c in 0..<columns {
                let value = Double(values[r * columns + c])
                guard !value.isNaN else { continue }   // a grey cell says "no value" without text
                let background = colormap.color(position(value, in: range))
                let ink = OKLab(background).L > 0.62 ? Color(r: 20, g: 20, b: 20) : .white
                try canvas.drawText(typeset(valueFormat.string(value)),
                                    x: Double(layout.plot.x) + (Double(c) + 0.5) * w,
                                    y: Double(layout.plot.y) + (Double(r) + 0.5) * h,
                                    size: size, color: ink, anchor: .center)
            }
        }
    }

    private func drawTickLabels(on canvas: inout Canvas, _ layout: HeatmapLayout) throws {
        let plot = layout.plot
        let w = layout.cellWidth(columns), h = layout.cellHeight(rows)
        for (index, text) in layout.x.items {
            let x = Double(plot.x) + (Double(index) + 0.5) * w
            canvas.fillRect(x: Int(x), y: plot.bottom, width: 1, height: Self.tickLength, color: FigureStyle.axis)
            let top = Double(plot.bottom + Self.tickLength + 4)
            switch layout.x.rotation {
            case .none:
                try canvas.drawText(text, x: x, y: top, size: layout.x.size, color: FigureStyle.text, anchor: .top)
            case .diagonal:
                // The text's centre line points at the tick, and its upper corner stays below `top`.
                let lift = Double(try lineHeight(layout.x.size)) * 0.3536
                try canvas.drawText(text, x: x - lift, y: top + lift, size: layout.x.size, color: FigureStyle.text,
                                    anchor: .right, rotated: .diagonal)
            case .vertical:
                try canvas.drawText(text, x: x, y: top, size: layout.x.size, color: FigureStyle.text,
                                    anchor: .right, rotated: .vertical)
            }
        }
        for (index, text) in layout.y.items {
            let y = Double(plot.y) + (Double(index) + 0.5) * h
            canvas.fillRect(x: plot.x - Self.tickLength, y: Int(y), width: Self.tickLength, height: 1, color: FigureStyle.axis)
            try canvas.drawText(text, x: Double(plot.x - Self.tickLength - 4), y: y, size: layout.y.size,
                                color: FigureStyle.text, anchor: .right)
        }
    }

    // MARK: - Colorbar

    /// The colour scale beside the plot: a vertical gradient from `range.low` (bottom) to
    /// `range.high` (top), with numbered ticks and an optional title.
    private func drawColorbar(on canvas: inout Canvas, _ layout: HeatmapLayout, range: (low: Double, high: Double)) throws {
        let bar = layout.colorbar
        var gradient: [Color] = []
        for row in 0..<bar.height {
            let color = colormap.color(1 - (Double(row) + 0.5) / Double(bar.height))
            gradient += [Color](repeating: color, count: bar.width)
        }
        canvas.keepingColors { $0.drawPixels(gradient, x: bar.x, y: bar.y, width: bar.width, height: bar.height) }
        canvas.strokeRect(x: bar.x - 1, y: bar.y - 1, width: bar.width + 2, height: bar.height + 2, color: FigureStyle.axis)
        var labelsRight = bar.right
        for tick in layout.colorbarTicks {
            guard let label = tick.label else { continue }
            let y = Double(bar.bottom) - position(tick.value, in: range) * Double(bar.height)
            let row = min(max(Int(y), bar.y), bar.bottom - 1)
            canvas.fillRect(x: bar.right + 1, y: row, width: Self.tickLength, height: 1, color: FigureStyle.axis)
            try canvas.drawText(label, x: Double(bar.right + Self.tickLength + 5), y: Double(row) + 0.5,
                                size: FigureStyle.tickSize, color: FigureStyle.text, anchor: .left)
            labelsRight = max(labelsRight, bar.right + Self.tickLength + 5 + (try Canvas.measureText(label, size: FigureStyle.tickSize).width))
        }
        if let block = layout.colorbarTitle {
            try canvas.drawVerticalTitle(block, left: labelsRight + 12, beside: bar.y...bar.bottom)
        }
    }
}

extension Canvas {
    /// Draws a wrapped title turned a quarter left, its lines side by side from `left`, each
    /// centred on the rows `beside`; enlarged type (an export) keeps each line inside the canvas.
    mutating func drawVerticalTitle(_ block: TextBlock, left: Int, beside rows: ClosedRange<Int>) throws {
        for (k, line) in block.lines.enumerated() {
            var y = Double(rows.lowerBound + rows.upperBound) / 2
            if FigureStyle.isEnlarged {
                let half = Double(try Canvas.measureText(line, size: block.size).width) / 2, margin = Double(FigureStyle.margin)
                y = min(max(y, Double(rows.lowerBound) + half), Double(height) - margin - half)
            }
            try drawText(line, x: Double(left + k * block.lineHeight), y: y,
                         size: block.size, color: FigureStyle.text, anchor: .top, rotated: .vertical)
        }
    }
}
