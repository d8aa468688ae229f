// Sizing a heatmap: how big the cells are, which tick labels fit at which size and angle, and
// where the plot, the colorbar and the titles go so that no two of them overlap.

/// The tick labels along one side, as they will be drawn.
import _Support

struct AxisLabels {
    /// Row or column index and its text.
    var items: [(index: Int, text: String)] = []
    var size = FigureStyle.tickSize
    var rotation = TextRotation.none
    /// How far the labels reach away from the plot, in pixels (ticks excluded).
    var depth = 0
    /// How far the first labels reach past the start of the axis (diagonal labels lean left).
    var overhang = 0
}

/// Where everything in a heatmap goes, in canvas pixels.
struct HeatmapLayout {
    var canvasWidth: Int
    var canvasHeight: Int
    var plot: PixelRect
    var x: AxisLabels
    var y: AxisLabels
    var colorbar: PixelRect
    var colorbarTicks: [Tick]
    var valueSize: Int?
    var titleCenter: Double
    var xLabelCenter: Double
    /// The left edge of the rotated y title.
    var yLabelLeft: Int
    /// The axis titles as drawn (wrapped under enlarged type), nil for none.
    var xTitle: TextBlock?
    var yTitle: TextBlock?
    var colorbarTitle: TextBlock?

    /// Pixels per column and per row (fractional when the matrix is down-sampled).
    func cellWidth(_ columns: Int) -> Double { Double(plot.width) / Double(columns) }
    func cellHeight(_ rows: Int) -> Double { Double(plot.height) / Double(rows) }
}

extension Heatmap {
    static let colorbarGap = 28
    static let colorbarWidth = 20
    static let tickLength = 4

    /// The plot's size in pixels: square cells of a whole number of pixels (at most 72) if the
    /// matrix fits in `maximumPlotSize`, else one pixel per block of cells, with the short side
    /// at least half of `maximumPlotSize` for very elongated matrices. A plot thinner
    /// than 160 pixels (a single row, say) is stretched to 160 so that it stays visible.
    func plotSize() -> (width: Int, height: Int) {
        let longest = max(rows, columns)
        var width: Int, height: Int
        if longest <= maximumPlotSize {
            let cell = min(72, maximumPlotSize / longest)
            (width, height) = (columns * cell, rows * cell)
        } else {
            let scale = Double(maximumPlotSize) / Double(longest)
            width = max(1, Int((Double(columns) * scale).rounded()))
            height = max(1, Int((Double(rows) * scale).rounded()))
            // A very tall or wide matrix (8000 positions × 512 dimensions) would become a thin
            // strip; give its short side at least half the plot, cells no longer square.
            let shortest = maximumPlotSize / 2
            if width < shortest { width = min(columns, shortest) }
            if height < shortest { height = min(rows, shortest) }
        }
        // NOTE: under enlarged type, cells grow taller (or wider) when that is what it takes for
        // every text label to fit beside its row (or turned under its column) at the smallest
        // text size, as long as the plot stays within `maximumPlotSize`.
        if FigureStyle.isEnlarged, let line = try? Canvas.measureText("Ag", size: FigureStyle.smallestSize).height {
            if case .labels = yTicks, height < rows * (line - 3), rows * (line - 3) <= maximumPlotSize { height = rows * (line - 3) }
            let column = Int((Double(line - 4) / 0.7071).rounded(.up))
            if case .labels = xTicks, width < columns * column, columns * column <= maximumPlotSize { width = columns * column }
        }
        let thinnest = min(160, maximumPlotSize)
        if width < thinnest { width = columns <= thinnest ? columns * ((thinnest + columns - 1) / columns) : thinnest }
        if height < thinnest { height = rows <= thinnest ? rows * ((thinnest + rows - 1) / rows) : thinnest }
        return (width, height)
    }

    /// Lays the figure out around a plot of `plotSize()`.
    func layout(range: (low: Double, high: Double)) throws -> HeatmapLayout {
        let margin = FigureStyle.margin
        let (plotWidth, plotHeight) = plotSize()
        let cellWidth = Double(plotWidth) / Double(columns), cellHeight = Double(plotHeight) / Double(rows)
        let xLabels = try axisLabels(xTicks, count: columns, cell: cellWidth, alongX: true)
        let yLabels = try axisLabels(yTicks, count: rows, cell: cellHeight, alongX: false)
        let enlarged = FigureStyle.isEnlarged
        let tickSpace = Self.tickLength + 4

        // Left of the plot: y title, y tick labels; or x labels leaning left, if further.
        let yTitle = yLabel.isEmpty ? nil : try FigureStyle.axisTitleBlock(yLabel, room: plotHeight + xLabels.depth)
        let yTitleWidth = yTitle.map { $0.height + 10 } ?? 0
        var left = margin + yTitleWidth + (yLabels.items.isEmpty ? 0 : yLabels.depth + tickSpace)
        left = max(left, margin + xLabels.overhang)
        // Right: the colorbar, its tick labels and its title.
        let colorbarTickSpacing = max(80, try LineChart.tickSpacing())
        var colorbarTicks = AxisTicks.linear(from: range.low, to: range.high, count: max(3, plotHeight / colorbarTickSpacing))
        if colorbarTicks.count < 3 { colorbarTicks = AxisTicks.linear(from: range.low, to: range.high, count: 6) }
        let tickWidth = try colorbarTicks.compactMap(\.label).map { try Canvas.measureText($0, size: FigureStyle.tickSize).width }.max() ?? 0
        var right = left + plotWidth + Self.colorbarGap + Self.colorbarWidth + Self.tickLength + 5 + tickWidth
        let colorbarTitle = colorbarLabel.isEmpty ? nil : try FigureStyle.axisTitleBlock(colorbarLabel, room: plotHeight + xLabels.depth)
        if let colorbarTitle { right += 12 + colorbarTitle.height }

        // Titles centred on the plot, moved inward if they would leave the canvas; the canvas
        // grows if a title is wider than everything else.
        // NOTE: with enlarged type (an export for slides) a long title would widen the figure as
        // fast as the type grows, so it is wrapped to the width of the rest instead.
        var width = right + margin
        let xTitle = xLabel.isEmpty ? nil : try FigureStyle.axisTitleBlock(xLabel, room: width - 2 * margin)
        width = max(width, (xTitle?.width ?? 0) + 2 * margin)
        var titleHeight = 0
        if FigureStyle.showsTitle(title) {
            let block = enlarged ? try FigureStyle.titleBlock(title, canvasWidth: width) : try TextBlock.single(title, size: FigureStyle.titleSize)
            width = max(width, block.width + 2 * margin)
            titleHeight = block.height + 14
        }
        let titleWidth = !FigureStyle.showsTitle(title) ? 0 : try FigureStyle.titleBlock(title, canvasWidth: width).width
        let xTitleWidth = xTitle?.width ?? 0

        let top = margin + titleHeight
        var plot = PixelRect(x: left, y: top, width: plotWidth, height: plotHeight)
        var colorbar = PixelRect(x: plot.right + Self.colorbarGap, y: plot.y, width: Self.colorbarWidth, height: plot.height)
        // Below: x tick labels, then the x title.
        var bottom = plot.bottom + (xLabels.items.isEmpty ? 0 : tickSpace + xLabels.depth)
        if let xTitle { bottom += 10 + xTitle.height }
        let bottomSpace = (try? lineHeight(FigureStyle.tickSize)).map { $0 / 2 } ?? 0
        let height = max(bottom, colorbar.bottom + bottomSpace) + margin
        // A title wider than the rest: the plot, its axes and the colorbar move to the middle
        // rather than leaving the extra width empty on the right.
        let shift = (width - (right + margin)) / 2
        plot.x += shift
        colorbar.x += shift
        let center = Double(plot.x + plot.right) / 2
        func clamped(_ textWidth: Int) -> Double {
            min(max(center, Double(margin) + Double(textWidth) / 2), Double(width - margin) - Double(textWidth) / 2)
        }

        var valueSize: Int?
        if showValues ?? (rows <= 16 && columns <= 16) {
            valueSize = try cellValueSize(cellWidth: cellWidth, cellHeight: cellHeight, forced: showValues == true)
        }
        return HeatmapLayout(canvasWidth: width, canvasHeight: height, plot: plot, x: xLabels, y: yLabels,
                             colorbar: colorbar, colorbarTicks: colorbarTicks, valueSize: valueSize,
                             titleCenter: clamped(titleWidth), xLabelCenter: clamped(xTitleWidth),
                             yLabelLeft: margin + shift, xTitle: xTitle, yTitle: yTitle, colorbarTitle: colorbarTitle)
    }

    func lineHeight(_ size: Int) throws -> Int {
        try Canvas.measureText("Ag", size: size).height
    }

    // MARK: - Tick labels

    /// Chooses which labels to draw along one side, and their size and angle.
    ///
    /// Numbers are thinned to every 1st, 2nd, 5th, 10th… cell until they have room. Text
    /// labels are all kept: under the plot they are written level if each fits its cell, else
    /// at 45°, else at 90°, getting smaller (down to 9 px) before any is dropped.
    func axisLabels(_ ticks: Ticks, count: Int, cell: Double, alongX: Bool) throws -> AxisLabels {
        var result = AxisLabels()
        switch ticks {
        case .hidden:
            return result
        case .automatic:
            result.items = try thinnedNumbers(count: count, cell: cell, alongX: alongX) { fixed(Double($0), decimals: 0) }
        case .numbers(let start, let step):
            let decimals = max(decimalsNeeded(start), decimalsNeeded(step))
            result.items = try thinnedNumbers(count: count, cell: cell, alongX: alongX) {
                typeset(fixed(start + Double($0) * step, decimals: decimals))
            }
        case .labels(let labels):
            return try fittedLabels(labels, cell: cell, alongX: alongX)
        }
        let widths = try result.items.map { try Canvas.measureText($0.text, size: result.size).width }
        result.depth = alongX ? try lineHeight(result.size) : widths.max() ?? 0
        if alongX, let first = result.items.first, let width = widths.first {
            result.overhang = max(0, width / 2 - Int(Double(first.index) * cell + cell / 2))
        }
        return result
    }

    /// Every `step`-th index, with the smallest 1-2-5 step at which the labels do not touch.
    private func thinnedNumbers(count: Int, cell: Double, alongX: Bool, label: (Int) -> String) throws -> [(index: Int, text: String)] {
        let size = FigureStyle.tickSize
        let widest = try [0, count - 1, count / 2].map { try Canvas.measureText(label($0), size: size).width }.max() ?? 0
        let needed = alongX ? Double(max(widest + 16, 40)) : Double(max(2 * (try lineHeight(size)), 40))
        var step = 1
        while Double(step) * cell < needed { step = Int(AxisTicks.niceStep(Double(step) + 0.5)) }
        return stride(from: 0, to: count, by: step).map { ($0, label($0)) }
    }

    /// All the text labels, at the largest size and the most readable angle that fits.
    private func fittedLabels(_ labels: [String], cell: Double, alongX: Bool) throws -> AxisLabels {
        func widths(_ size: Int) throws -> [Int] { try labels.map { try Canvas.measureText($0, size: size).width } }
        let all = labels.enumerated().map { ($0.offset, $0.element) }
        func largestSize(from largest: Int, through smallest: Int, fits: (Int) throws -> Bool) throws -> Int? {
            for size in stride(from: largest, through: smallest, by: -1) where try fits(size) { return size }
            return nil
        }
        let level = try largestSize(from: FigureStyle.tickSize, through: FigureStyle.tickSize - 1) { size in
            Double((try widths(size).max() ?? 0) + 6) <= cell
        }
        // NOTE: a line box is taller than the ink of most words, so neighbouring boxes may
        // overlap by a few pixels before the letters touch.
        // Enlarged type (an export) never sets labels smaller than the smallest text size: it
        // writes every k-th label instead.
        let enlarged = FigureStyle.isEnlarged
        let diagonal = try largestSize(from: FigureStyle.tickSize, through: enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(11)) {
            Double(try lineHeight($0) - 4) <= cell * 0.7071
        }
        let upright = try largestSize(from: FigureStyle.tickSize, through: enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(9)) {
            Double(try lineHeight($0) - 3) <= cell
        }
        if alongX, let size = level {
            let w = try widths(size)
            return AxisLabels(items: all, size: size, rotation: .none, depth: try lineHeight(size),
                              overhang: max(0, (w.first ?? 0) / 2 - Int(cell / 2)))
        }
        // 45° reads more easily than 90°, unless it forces a much smaller font.
        if alongX, let size = diagonal, size >= 13 || size >= (upright ?? 0) {
            let w = try widths(size), h = try lineHeight(size)
            let reach = w.map { Int((Double($0 + h)) * 0.7071) + 1 }
            let overhang = zip(w.indices, reach).map { i, r in r - Int(Double(i) * cell + cell / 2) }.max() ?? 0
            return AxisLabels(items: all, size: size, rotation: .diagonal, depth: reach.max() ?? 0, overhang: max(0, overhang))
        }
        if let size = upright {
            return AxisLabels(items: all, size: size, rotation: alongX ? .vertical : .none, depth: try widths(size).max() ?? 0)
        }
        let smallest = enlarged ? FigureStyle.smallestSize : 9
        let every = Int((Double(try lineHeight(smallest) - 3) / cell).rounded(.up))
        let kept = all.filter { $0.0 % every == 0 }
        let depth = try kept.map { try Canvas.measureText($0.1, size: smallest).width }.max() ?? 0
        return AxisLabels(items: kept, size: smallest, rotation: alongX ? .vertical : .none, depth: depth)
    }

    // MARK: - Values in cells

    /// The font size for values written in the cells, or nil if they do not fit (unless
    /// `forced`, when the user asked for them: then they are drawn at the smallest size).
    private func cellValueSize(cellWidth: Double, cellHeight: Double, forced: Bool) throws -> Int? {
        let longest = values.map { valueFormat.string(Double($0)) }.max { $0.count < $1.count } ?? ""
        var size = min(FigureStyle.tickSize, Int(min(cellWidth, cellHeight * 1.6) * 0.32))
        // NOTE: under enlarged type (an export) numbers that cannot be set at the smallest text
        // size are left out, even when asked for: the data written beside the figure holds them.
        let enlarged = FigureStyle.isEnlarged
        if enlarged { size = FigureStyle.tickSize }
        while size >= (enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(9)) {
            let (w, h) = try Canvas.measureText(typeset(longest), size: size)
            if Double(w + 6) <= cellWidth && Double(h - 4) <= cellHeight { return size }
            size -= 1
        }
        return forced && !enlarged ? FigureStyle.scaled(9) : nil
    }
}
