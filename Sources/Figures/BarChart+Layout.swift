// Before drawing a bar chart: checking the values, choosing the value axis, fitting the
// category labels and the totals, and placing every bar.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support

/// The category labels under the plot, as they will be drawn.
struct CategoryLabels {
    /// Category index and its text; every category unless they are too many to write.
    var items: [(index: Int, text: String)] = []
    var size = FigureStyle.tickSize
    var rotation = TextRotation.none
    /// How far the labels reach below the plot, in pixels.
    var depth = 0
    /// How far the first labels reach left of the plot (diagonal labels lean left).
    var overhang = 0
}

/// One drawn bar (or one piece of a stack), in canvas pixels.
struct PlacedBar {
    var category: Int
    var group: Int
    var rect: PixelRect
    var color: Color
}

/// Where everything in a bar chart goes, in canvas pixels.
struct BarLayout {
    var plot: PixelRect
    var y: ChartAxis
    var yTicks: [Tick]
    var labels: CategoryLabels
    var legendOutside: Bool
    /// Font size of the totals, and whether they are written upright (too wide for their bar).
    var totalSize: Int
    var totalsUpright: Bool
    /// The top of an outside legend placed above the plot rather than beside it, or nil.
    var legendAbove: Int?
    /// How the legend above the plot is set.
    var legendArrangement: Legend.Arrangement
    /// The canvas height: the chart's own, or taller under enlarged type.
    var canvasHeight: Int

    /// Pixels per category.
    func slot(_ count: Int) -> Double { Double(plot.width) / Double(count) }
}

extension BarChart {
    var figureName: String { title.isEmpty ? "bar chart" : "bar chart \"\(title)\"" }

    /// Throws a `FigureError` naming the first thing that cannot be drawn.
    func validate() throws {
        let name = figureName
        guard !categories.isEmpty else { throw FigureError("\(name): no categories to plot") }
        guard !groups.isEmpty else { throw FigureError("\(name): no groups of bars to plot") }
        guard width >= 300, height >= 200 else { throw FigureError("\(name): \(width)×\(height) pixels is too small; use at least 300×200") }
        if yScale == .log, mode == .stacked {
            throw FigureError("\(name): a log scale works for grouped bars only; stacked bars need yScale: .linear")
        }
        if let range = yRange {
            guard range.lowerBound < range.upperBound, range.lowerBound.isFinite, range.upperBound.isFinite else {
                throw FigureError("\(name): yRange \(range) is empty or not finite")
            }
            if yScale == .log, range.lowerBound <= 0 {
                throw FigureError("\(name): yRange \(range) reaches 0 or below, which a log axis cannot show")
            }
        }
        for (g, group) in groups.enumerated() {
            let label = group.name.isEmpty ? "group \(g)" : "group \"\(group.name)\""
            guard group.values.count == categories.count else {
                throw FigureError("\(name): \(label) has \(group.values.count) values for \(categories.count) categories")
            }
            for (value, category) in zip(group.values, categories) {
                guard value.isFinite else {
                    throw FigureError("\(name): \(label) has the value \(value) for category \"\(category)\"; bars need finite values")
                }
                if mode == .stacked, value < 0 {
                    throw FigureError("\(name): \(label) has the negative value \(value) for category \"\(category)\"; stacked bars need values ≥ 0")
                }
                if yScale == .log, value <= 0 {
                    throw FigureError("\(name): \(label) has the value \(value) for category \"\(category)\", which a log axis cannot show")
                }
            }
        }
    }

    /// The values the bars reach to: each stack's total, or every single value.
    func barEnds() -> [Double] {
        switch mode {
        case .stacked: categories.indices.map { c in groups.reduce(0) { $0 + $1.values[c] } }
        case .grouped: groups.flatMap(\.values)
        }
    }

    /// The value axis limits before room is made for the totals: from 0 (linear) or from the
    /// power of ten below the smallest value (log), to a little above the largest.
    func valueLimits() -> (low: Double, high: Double) {
        if let yRange { return (yRange.lowerBound, yRange.upperBound) }
        let ends = barEnds()
        switch yScale {
        case .linear:
            var low = min(0, ends.min()!), high = max(0, ends.max()!)
            if low == high { return (0, 1) }
            let room = (high - low) * 0.05
            if high > 0 { high += room }
            if low < 0 { low -= room }
            return (low, high)
        case .log:
            let smallest = log10(ends.min()!), largest = log10(ends.max()!)
            let low = floor(smallest - 0.15)
            return (pow(10, low), pow(10, largest + max(0.05 * (largest - low), 0.05)))
        }
    }

    // MARK: - Layout

    /// Places the plot: title on top, y tick labels and title on the left, the category labels
    /// (level, 45° or upright) and the x title below, the legend (when outside) on the right;
    /// then raises the top of the value axis so that the totals fit above the bars.
    func layout(legendOutside: Bool) throws -> BarLayout {
        let margin = FigureStyle.margin
        let lineHeight = { (size: Int) throws -> Int in try Canvas.measureText("Ag", size: size).height }
        var top = margin + (try FigureStyle.titleHeight(title, canvasWidth: width))
        var right = width - margin - 12
        var legendAbove: Int?, legendArrangement = Legend.Arrangement()
        if legendOutside {
            let entries = legendEntries()
            let legend = try Legend.size(entries)
            // NOTE: as for line charts, a wide legend under enlarged type goes above the plot.
            if FigureStyle.isEnlarged, (legend.width + 20) * 100 > width * 35 {
                legendArrangement = try Legend.arrangement(entries, room: width - 2 * margin)
                legendAbove = top
                top += try Legend.size(entries, legendArrangement).height + 12
            } else {
                right -= legend.width + 20
            }
        }
        let xTitleHeight = xLabel.isEmpty ? 0 : try FigureStyle.axisTitleBlock(xLabel, room: width - 2 * margin).height + 8

        var labels = CategoryLabels(depth: try lineHeight(FigureStyle.tickSize))
        var plotWidth = right - margin - 80  // a first guess
        var layout: BarLayout?
        // The labels' size depends on the slot width, which depends on the y labels' width,
        // which depends on the plot height, which depends on the labels: settle in a few rounds.
        for _ in 0..<4 {
            let below = margin + labels.depth + FigureStyle.tickLength + 4 + xTitleHeight
            let canvasHeight = LineChart.canvasHeight(width: width, height: height, above: top, below: below)
            let bottom = canvasHeight - below
            let totals = try totalsFit(plotWidth: plotWidth)
            var (low, high) = valueLimits()
            if yRange == nil, showTotals { (low, high) = headroom(low: low, high: high, plotHeight: bottom - top, extent: totals.extent) }
            let axis = ChartAxis(scale: yScale, low: low, high: high, start: Double(bottom), end: Double(top))
            let ticks = axis.ticks(count: max(2, (bottom - top) / (try LineChart.tickSpacing())))
            let yTickWidth = try ticks.compactMap(\.label).map { try Canvas.measureText($0, size: FigureStyle.tickSize).width }.max() ?? 0
            var left = margin + yTickWidth + FigureStyle.tickLength + 6
            if !yLabel.isEmpty {
                let span = try FigureStyle.yTitleSpan(canvasWidth: width, canvasHeight: canvasHeight, plotTop: top, xTitle: xLabel)
                left += try FigureStyle.axisTitleBlock(yLabel, room: span.bottom - span.top).height + 10
            }
            left = max(left, margin + labels.overhang)
            guard right - left >= 50, bottom - top >= 50 else {
                throw FigureError("\(figureName): \(width)×\(height) pixels leaves no room for the plot after its labels")
            }
            let plot = PixelRect(x: left, y: top, width: right - left, height: bottom - top)
            let fitted = try categoryLabels(slot: Double(plot.width) / Double(categories.count))
            let settled = fitted.depth == labels.depth && fitted.overhang == labels.overhang && plot.width == plotWidth
            layout = BarLayout(plot: plot, y: axis, yTicks: ticks, labels: fitted, legendOutside: legendOutside,
                               totalSize: totals.size, totalsUpright: totals.upright, legendAbove: legendAbove,
                               legendArrangement: legendArrangement, canvasHeight: canvasHeight)
            labels = fitted
            plotWidth = plot.width
            if settled { break }
        }
        return layout!
    }

    /// Axis limits widened so that a label `extent` pixels tall fits above the highest bar end
    /// (and below the lowest negative one) in a plot `plotHeight` pixels tall, unless the labels
    /// would take more than `1 / ratio` of the plot.
    func headroom(low: Double, high: Double, plotHeight: Int, extent: Int, ratio: Double = 3) -> (Double, Double) {
        let log = yScale == .log
        let forward = { (v: Double) in log ? log10(v) : v }, backward = { (v: Double) in log ? pow(10, v) : v }
        let h = Double(plotHeight), e = Double(extent + 6)
        guard h > ratio * e else { return (low, high) }
        var newLow = forward(low), newHigh = forward(high)
        let ends = barEnds()
        // A label's far edge stays inside: (T(v) − T(low)) · h / (T(high) − T(low)) ≤ h − e.
        for end in ends where end > 0 {
            newHigh = max(newHigh, forward(low) + (forward(end) - forward(low)) * h / (h - e))
        }
        for end in ends where end < 0 && !log {
            newLow = min(newLow, newHigh - (newHigh - end) * h / (h - e))
        }
        return (backward(newLow), backward(newHigh))
    }

    // MARK: - Category labels

    /// All the category labels at the largest size and the most readable angle that fits a
    /// slot: level, else 45°, else upright (down to 9 px), else only every k-th. Under enlarged
    /// type: level on one or two lines, then turned, never below the smallest text size.
    func categoryLabels(slot: Double) throws -> CategoryLabels {
        func widths(_ size: Int) throws -> [Int] { try categories.map { try Canvas.measureText($0, size: size).width } }
        func lineHeight(_ size: Int) throws -> Int { try Canvas.measureText("Ag", size: size).height }
        let all = categories.enumerated().map { ($0.offset, $0.element) }
        for size in [FigureStyle.tickSize, FigureStyle.tickSize - 1] where Double((try widths(size).max() ?? 0) + 10) <= slot {
            return CategoryLabels(items: all, size: size, rotation: .none, depth: try lineHeight(size), overhang: 0)
        }
        // Enlarged type: never smaller than the smallest text size; two level lines, if they
        // fit, read better than turned text.
        let enlarged = FigureStyle.isEnlarged
        if enlarged {
            let size = FigureStyle.tickSize
            let blocks = try categories.map { try TextBlock.fitted($0, largest: size, room: Int(slot) - 10, maxLines: 2, wrapFirst: true) }
            if blocks.allSatisfy({ $0.size == size && $0.width + 10 <= Int(slot) }) {
                let wrapped = zip(categories.indices, blocks).map { ($0, $1.lines.joined(separator: "\n")) }
                return CategoryLabels(items: wrapped, size: size, rotation: .none,
                                      depth: (blocks.map(\.lines.count).max() ?? 1) * (try lineHeight(size)), overhang: 0)
            }
        }
        let smallestTurned = enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(11)
        let smallestUpright = enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(9)
        // NOTE: a line box is taller than the ink of most words, so neighbouring boxes may
        // overlap by a few pixels before the letters touch.
        for size in stride(from: FigureStyle.tickSize, through: smallestTurned, by: -1) where Double(try lineHeight(size) - 4) <= slot * 0.7071 {
            let w = try widths(size), h = try lineHeight(size)
            let reach = w.map { Int(Double($0 + h) * 0.7071) + 1 }
            let overhang = reach.indices.map { reach[$0] - Int(Double($0) * slot + slot / 2) }.max() ?? 0
            return CategoryLabels(items: all, size: size, rotation: .diagonal, depth: reach.max() ?? 0, overhang: max(0, overhang))
        }
        for size in stride(from: FigureStyle.tickSize, through: smallestUpright, by: -1) where Double(try lineHeight(size) - 3) <= slot {
            return CategoryLabels(items: all, size: size, rotation: .vertical, depth: try widths(size).max() ?? 0)
        }
        let smallest = enlarged ? FigureStyle.smallestSize : 9
        let every = Int((Double(try lineHeight(smallest) - 3) / slot).rounded(.up))
        let kept = all.filter { $0.0 % every == 0 }
        let depth = try kept.map { try Canvas.measureText($0.1, size: smallest).width }.max() ?? 0
        return CategoryLabels(items: kept, size: smallest, rotation: .vertical, depth: depth)
    }

    // MARK: - Bars and totals

    /// The horizontal extent of bar `group` in category `category`: stacks take 64 % of the
    /// slot (at most 140 px), a category's grouped bars 80 % (each at most 100 px).
    func barColumns(category: Int, group: Int, plot: PixelRect) -> (left: Int, right: Int) {
        let slot = Double(plot.width) / Double(categories.count)
        let center = Double(plot.x) + (Double(category) + 0.5) * slot
        switch mode {
        case .stacked:
            let w = min(slot * 0.64, 140)
            return (Int((center - w / 2).rounded()), Int((center + w / 2).rounded()))
        case .grouped:
            let pitch = min(slot * 0.8 / Double(groups.count), 100)
            let gap = groups.count > 1 ? min(2, pitch * 0.15) : 0
            let start = center - pitch * Double(groups.count) / 2 + Double(group) * pitch
            return (Int((start + gap / 2).rounded()), Int((start + pitch - gap / 2).rounded()))
        }
    }

    /// Every bar (every piece of every stack), clipped to the plot; empty pieces left out.
    func bars(_ layout: BarLayout) -> [PlacedBar] {
        let plot = layout.plot, y = layout.y
        let row = { (v: Double) in min(max(Int(y.pixel(v).rounded()), plot.y), plot.bottom) }
        let base = yScale == .log ? y.low : min(max(0, y.low), y.high)
        var result: [PlacedBar] = []
        for c in categories.indices {
            var below = base
            for (g, group) in groups.enumerated() {
                let (x0, x1) = barColumns(category: c, group: g, plot: plot)
                let (from, to) = mode == .stacked ? (below, below + group.values[c]) : (base, group.values[c])
                below = to
                let (r0, r1) = (row(from), row(to))
                let rect = PixelRect(x: x0, y: min(r0, r1), width: x1 - x0, height: abs(r1 - r0))
                if rect.width > 0, rect.height > 0 {
                    result.append(PlacedBar(category: c, group: g, rect: rect, color: groups[g].color ?? Color.series(g)))
                }
            }
        }
        return result
    }

    /// The totals' text, and where each goes: centred above its bar (below, for a negative one).
    func totalLabels(_ layout: BarLayout) throws -> [(text: String, rect: PixelRect)] {
        guard showTotals else { return [] }
        let plot = layout.plot
        var labels: [(String, PixelRect)] = []
        for c in categories.indices {
            let ends: [(group: Int, value: Double)] = mode == .stacked
                ? [(groups.count - 1, groups.reduce(0) { $0 + $1.values[c] })]
                : groups.indices.map { ($0, groups[$0].values[c]) }
            for (g, value) in ends {
                let (x0, x1) = mode == .stacked ? barColumns(category: c, group: 0, plot: plot) : barColumns(category: c, group: g, plot: plot)
                let text = compactNumber(value)
                var (w, h) = try Canvas.measureText(text, size: layout.totalSize)
                if layout.totalsUpright { (w, h) = (h, w) }
                let end = Int(layout.y.pixel(value).rounded())
                let up = value >= 0 || yScale == .log
                let top = up ? end - 4 - h : end + 4
                labels.append((text, PixelRect(x: (x0 + x1) / 2 - w / 2, y: top, width: w, height: h)))
            }
        }
        return labels
    }

    /// The totals' font size: the largest (14 down to 10 px) at which the widest fits over its
    /// bar; if none, upright text at 12 px; and how far the labels reach above the bars.
    private func totalsFit(plotWidth: Int) throws -> (size: Int, upright: Bool, extent: Int) {
        guard showTotals else { return (FigureStyle.annotationSize, false, 0) }
        let (x0, x1) = barColumns(category: 0, group: 0, plot: PixelRect(x: 0, y: 0, width: plotWidth, height: 1))
        let slot = Double(plotWidth) / Double(categories.count)
        let room = mode == .stacked ? Int(slot) - 6 : (x1 - x0) + 1
        let texts = barEnds().map(compactNumber)
        let enlarged = FigureStyle.isEnlarged
        for size in stride(from: FigureStyle.annotationSize, through: enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(10), by: -1) {
            let widest = try texts.map { try Canvas.measureText($0, size: size).width }.max() ?? 0
            if widest <= room { return (size, false, try Canvas.measureText("0", size: size).height) }
        }
        let upright = enlarged ? FigureStyle.smallestSize : FigureStyle.scaled(12)
        let widest = try texts.map { try Canvas.measureText($0, size: upright).width }.max() ?? 0
        return (upright, true, widest)
    }

    /// The legend rows: every named group, with a colour square.
    func legendEntries() -> [LegendEntry] {
        groups.enumerated().filter { !$0.element.name.isEmpty }.map {
            LegendEntry(name: $0.element.name, color: $0.element.color ?? Color.series($0.offset), sample: .swatch)
        }
    }
}

// MARK: - Compact numbers

/// A short label for a bar's value: at most 3 significant digits, trailing zeros dropped,
/// thousands and beyond with k, M, G, T; whole numbers below 10 000 in full.
///
///     compactNumber(12)        // "12"
///     compactNumber(1234)      // "1234"
///     compactNumber(12345)     // "12.3k"
///     compactNumber(0.01234)   // "0.0123"
///     compactNumber(2.5e9)     // "2.5G"
func compactNumber(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : fixed(value, decimals: 0) }
    let magnitude = abs(value)
    let sign = value < 0 ? "\u{2212}" : ""
    func trimmed(_ text: String) -> String {
        guard text.contains("."), !text.contains("e") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
    if magnitude < 1e4 {
        if magnitude >= 1000 || magnitude == magnitude.rounded() { return sign + fixed(magnitude, decimals: 0) }
        return sign + trimmed(significantDigits(magnitude, count: 3))
    }
    let units: [(Double, String)] = [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")]
    for (i, (unit, suffix)) in units.enumerated() {
        let mantissa = Double(significantDigits(magnitude / unit, count: 3)) ?? magnitude / unit
        if mantissa < 1000 || i == units.count - 1 {
            guard mantissa < 1000 else { break }
            return sign + trimmed(significantDigits(mantissa, count: 3)) + suffix
        }
    }
    return typeset(significantDigits(value, count: 3))
}
