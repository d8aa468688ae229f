// Before drawing a line chart: checking the data, choosing axis limits and ticks, and placing
// the plot so that every label fits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One axis of a chart: which values it shows and where they land on the canvas.
struct ChartAxis {
    var scale: LineChart.Scale
    /// The values at the two ends of the axis.
    var low: Double
    var high: Double
    /// The canvas coordinates of `low` and `high` (for y, `start` is the bottom).
    var start: Double
    var end: Double

    /// Value → canvas coordinate; log axes place equal ratios at equal distances.
    func pixel(_ value: Double) -> Double {
        let t = (transform(value) - transform(low)) / (transform(high) - transform(low))
        return start + t * (end - start)
    }

    func transform(_ value: Double) -> Double { scale == .log ? log10(value) : value }

    /// Ticks for about `count` labels.
    func ticks(count: Int) -> [Tick] {
        scale == .log ? AxisTicks.log(from: low, to: high, count: count) : AxisTicks.linear(from: low, to: high, count: count)
    }
}

/// A series reduced to what can be drawn: the runs of consecutive valid points.
struct PreparedSeries {
    var name: String
    var color: Color
    var style: Series.Style
    var symbol: Series.Symbol
    /// Points between invalid ones; the line breaks between runs.
    var runs: [[(x: Double, y: Double)]]
}

/// Where everything goes, in canvas pixels.
struct ChartLayout {
    var plot: PixelRect
    var x: ChartAxis
    var y: ChartAxis
    var xTicks: [Tick]
    var yTicks: [Tick]
    var legendOutside: Bool
    /// The top of an outside legend placed above the plot rather than beside it, or nil.
    var legendAbove: Int? = nil
    /// Columns of the legend above the plot.
    var legendArrangement = Legend.Arrangement()
    /// The canvas height: the chart's own, or taller under enlarged type (see `LineChart.canvasHeight`).
    var canvasHeight: Int
}

// MARK: - Data

extension LineChart {
    /// The series with invalid points removed, or an error saying what cannot be drawn.
    func prepareSeries() throws -> [PreparedSeries] {
        let name = title.isEmpty ? "line chart" : "line chart \"\(title)\""
        guard !series.isEmpty || !annotations.isEmpty else { throw FigureError("\(name): no series to plot") }
        guard width >= 300, height >= 200 else { throw FigureError("\(name): \(width)×\(height) pixels is too small; use at least 300×200") }
        for range in [xRange, yRange].compactMap({ $0 }) where !(range.lowerBound < range.upperBound) || !range.lowerBound.isFinite || !range.upperBound.isFinite {
            throw FigureError("\(name): axis range \(range) is empty or not finite")
        }
        if xScale == .log, let range = xRange, range.lowerBound <= 0 {
            throw FigureError("\(name): xRange \(range) reaches 0 or below, which a log axis cannot show")
        }
        if yScale == .log, let range = yRange, range.lowerBound <= 0 {
            throw FigureError("\(name): yRange \(range) reaches 0 or below, which a log axis cannot show")
        }

        var prepared: [PreparedSeries] = []
        var skippedNonPositive = false
        for (i, s) in series.enumerated() {
            guard s.x.count == s.y.count else {
                throw FigureError("\(name): series \"\(s.name)\" has \(s.x.count) x values but \(s.y.count) y values")
            }
            var runs: [[(x: Double, y: Double)]] = [[]]
            for (x, y) in zip(s.x, s.y) {
                var valid = x.isFinite && y.isFinite
                if valid, (xScale == .log && x <= 0) || (yScale == .log && y <= 0) {
                    valid = false
                    skippedNonPositive = true
                }
                if valid {
                    runs[runs.count - 1].append((x, y))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            runs.removeAll { $0.isEmpty }
            // A scatter without a symbol would be invisible: give it circles.
            let symbol = s.style == .none && s.symbol == .none ? .circle : s.symbol
            prepared.append(PreparedSeries(name: s.name, color: s.color ?? Color.series(i), style: s.style,
                                           symbol: symbol, runs: runs))
        }
        guard prepared.contains(where: { !$0.runs.isEmpty }) || !annotationPoints().isEmpty else {
            if skippedNonPositive {
                let axes = [xScale == .log ? "x" : nil, yScale == .log ? "y" : nil].compactMap { $0 }.joined(separator: " and ")
                throw FigureError("\(name): nothing to plot on a log \(axes) axis: it shows positive values only, and there are none")
            }
            throw FigureError("\(name): nothing to plot: every value is NaN or infinite")
        }
        return prepared
    }

    /// The annotations that can be drawn on these axes: finite, and positive on a log axis.
    func annotationPoints() -> [Annotation] {
        annotations.filter { a in
            a.x.isFinite && a.y.isFinite && (xScale == .linear || a.x > 0) && (yScale == .linear || a.y > 0)
        }
    }

    /// The values an axis shows: the fixed range, or the data's extent with a little room.
    func limits(_ values: [Double], fixed: ClosedRange<Double>?, scale: Scale, padding: Double) -> (Double, Double) {
        if let fixed { return (fixed.lowerBound, fixed.upperBound) }
        let forward = { (v: Double) in scale == .log ? log10(v) : v }
        let backward = { (v: Double) in scale == .log ? pow(10, v) : v }
        let low = forward(values.min()!), high = forward(values.max()!)
        if low == high {
            let room = scale == .log ? 0.5 : max(abs(low) * 0.1, 1)
            return (backward(low - room), backward(high + room))
        }
        let room = (high - low) * padding
        return (backward(low - room), backward(high + room))
    }
}

// MARK: - Layout

extension LineChart {
    /// Places the plot area: title on top, tick labels and axis titles measured so that they
    /// fit beside it, the legend (when outside) on the right.
    func layout(_ data: [PreparedSeries], legendOutside: Bool) throws -> ChartLayout {
        let points = data.flatMap { $0.runs.flatMap { $0 } } + annotationPoints().map { (x: $0.x, y: $0.y) }
        let (xLow, xHigh) = limits(points.map(\.x), fixed: xRange, scale: xScale, padding: 0.02)
        let (yLow, yHigh) = limits(points.map(\.y), fixed: yRange, scale: yScale, padding: 0.05)
        let margin = FigureStyle.margin
        let lineHeight = { (size: Int) throws -> Int in try Canvas.measureText("Ag", size: size).height }

        var top = margin + (try FigureStyle.titleHeight(title, canvasWidth: width))
        var below = margin + FigureStyle.tickLength + 4 + (try lineHeight(FigureStyle.tickSize))
        if !xLabel.isEmpty { below += try FigureStyle.axisTitleBlock(xLabel, room: width - 2 * margin).height + 8 }

        // NOTE: with enlarged type (an export for slides) a wide legend beside the plot would
        // leave the plot a sliver; it goes above the plot, under the title, instead.
        var legendAbove: Int?, legendBeside = 0
        var legendArrangement = Legend.Arrangement()
        if legendOutside {
            let legend = try legendSize(data)
            if FigureStyle.environment.fontScale != 1, (legend.width + 20) * 100 > width * 35 {
                // In as many columns as fit across, so that it takes less height.
                let entries = legendEntries(data)
                legendArrangement = try Legend.arrangement(entries, room: width - 2 * margin)
                legendAbove = top
                top += try Legend.size(entries, legendArrangement).height + 12
            } else {
                legendBeside = legend.width + 20
            }
        }
        // Labelled points need room to keep their labels apart: their plot keeps two thirds.
        let canvasHeight = Self.canvasHeight(width: width, height: height, above: top, below: below,
                                             plotShare: annotationPoints().isEmpty ? 0.5 : 2.0 / 3)
        let bottom = canvasHeight - below
        var y = ChartAxis(scale: yScale, low: yLow, high: yHigh, start: Double(bottom), end: Double(top))
        let yTicks = y.ticks(count: max(2, (bottom - top) / (try Self.tickSpacing())))
        let yTickWidth = try yTicks.compactMap(\.label).map { try Canvas.measureText($0, size: FigureStyle.tickSize).width }.max() ?? 0
        var left = margin + yTickWidth + FigureStyle.tickLength + 6
        if !yLabel.isEmpty {
            let span = try FigureStyle.yTitleSpan(canvasWidth: width, canvasHeight: canvasHeight, plotTop: top, xTitle: xLabel)
            left += try FigureStyle.axisTitleBlock(yLabel, room: span.bottom - span.top).height + 10
        }

        var right = width - margin - 12 - legendBeside
        var x = ChartAxis(scale: xScale, low: xLow, high: xHigh, start: Double(left), end: Double(right))
        var xTicks = try Self.fittingXTicks(x)
        // The last tick label must not hang off the canvas (or into an outside legend).
        if let last = xTicks.last(where: { $0.label != nil }), let label = last.label {
            let overhang = Int(x.pixel(last.value)) + (try Canvas.measureText(label, size: FigureStyle.tickSize).width) / 2 - (right + 12)
            if overhang > 0 {
                right -= overhang
                x.end = Double(right)
                xTicks = try Self.fittingXTicks(x)
            }
        }
        guard right - left >= 50, bottom - top >= 50 else {
            throw FigureError("line chart \"\(title)\": \(width)×\(height) pixels leaves no room for the plot after its labels")
        }
        y.start = Double(bottom)
        return ChartLayout(plot: PixelRect(x: left, y: top, width: right - left, height: bottom - top),
                           x: x, y: y, xTicks: xTicks, yTicks: yTicks, legendOutside: legendOutside, legendAbove: legendAbove,
                           legendArrangement: legendArrangement, canvasHeight: canvasHeight)
    }

    /// The canvas height of a chart `height` tall whose plot has `above` pixels of titles and
    /// legend over it and `below` pixels of labels under it: the chart's own height, except
    /// that under enlarged type the canvas grows (up to square) until the plot is `plotShare`
    /// of the chart's own height.
    static func canvasHeight(width: Int, height: Int, above: Int, below: Int, plotShare: Double = 0.5) -> Int {
        guard FigureStyle.isEnlarged else { return height }
        return min(max(height, above + below + Int(Double(height) * plotShare)), max(height, width))
    }

    /// The least distance between y tick labels: 60 pixels, or more for enlarged type.
    static func tickSpacing() throws -> Int {
        max(60, try Canvas.measureText("Ag", size: FigureStyle.tickSize).height * 5 / 2)
    }

    /// x ticks whose labels do not touch: fewer ticks until each label has room.
    static func fittingXTicks(_ axis: ChartAxis) throws -> [Tick] {
        var count = max(2, Int(axis.end - axis.start) / 110)
        while true {
            let ticks = axis.ticks(count: count)
            let labelled = ticks.filter { $0.label != nil }
            var fits = true
            for (a, b) in zip(labelled, labelled.dropFirst()) {
                let wa = try Canvas.measureText(a.label!, size: FigureStyle.tickSize).width
                let wb = try Canvas.measureText(b.label!, size: FigureStyle.tickSize).width
                if axis.pixel(b.value) - axis.pixel(a.value) < Double(wa + wb) / 2 + 14 { fits = false }
            }
            if fits || count <= 2 { return ticks }
            count -= 1
        }
    }
}
