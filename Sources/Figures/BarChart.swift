// Bar charts: a value per category for one or more groups, side by side or stacked.

/// A bar chart: categories along the x axis, one bar per group in each, grouped or stacked.
///
/// Like `LineChart`, the chart is a value describing what to draw; `render()` lays it out at
/// `width × height` pixels (1000 × 650 by default) with the same fonts, ticks, grid and legend.
/// Category labels turn 45° (or upright) when they would collide; `showTotals` writes each
/// bar's value (grouped) or each stack's total (stacked) above it.
///
///     let chart = BarChart(
///         title: "Time per layer", xLabel: "sequence length", yLabel: "time (ms)",
///         categories: ["N=512", "N=1024", "N=2048"],
///         groups: [BarChart.Group(name: "attention", values: [1.2, 4.1, 15.8]),
///                  BarChart.Group(name: "MLP", values: [2.0, 4.0, 8.1])],
///         mode: .stacked, showTotals: true)
///     try chart.writePNG(to: "Output/layers/time.png")
///
/// A histogram is one unnamed group (no legend) over the bins:
///
///     BarChart(xLabel: "‖x‖", yLabel: "count", categories: ["0–2", "2–4", "4–6"],
///              groups: [BarChart.Group(name: "", values: [12, 40, 7])])
public struct BarChart: Figure, Sendable {
    /// How the groups' bars in one category are arranged.
    public enum Mode: Sendable, Equatable {
        /// Side by side, in group order from left to right.
        case grouped
        /// On top of each other, the first group at the bottom; the stack's height is the sum.
        case stacked
    }

    /// One series of bars: a value per category, a legend entry and a colour.
    public struct Group: Sendable {
        /// The legend entry; empty to leave the group out of the legend.
        public var name: String
        /// One value per category, in the order of `categories`.
        public var values: [Double]
        /// The bar colour; nil picks `Color.series(i)` for the `i`-th group.
        public var color: Color?

        /// - Parameters:
        ///   - name: the legend entry; empty for none.
        ///   - values: one value per category.
        ///   - color: nil (default) for the chart's palette.
        public init(name: String, values: [Double], color: Color? = nil) {
            self.name = name
            self.values = values
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// The labels under the bar positions, e.g. "N=512" or a histogram bin "4–6".
    public var categories: [String]
    public var groups: [Group]
    public var mode: Mode
    /// `.linear` (starts at 0) or `.log` (grouped bars only).
    public var yScale: LineChart.Scale
    /// Fixed value-axis limits; nil fits the data (from 0 on a linear axis).
    public var yRange: ClosedRange<Double>?
    /// Write each bar's value (grouped) or each stack's total (stacked) above it.
    public var showTotals: Bool
    public var legend: LineChart.LegendPlacement
    /// Size of the rendered figure in pixels.
    public var width: Int
    public var height: Int

    /// Creates a bar chart.
    ///
    /// - Parameters:
    ///   - title: drawn above the plot; empty for none.
    ///   - xLabel: the title under the categories.
    ///   - yLabel: the value-axis title, with units.
    ///   - categories: the labels of the bar positions, left to right.
    ///   - groups: the series; each has one value per category.
    ///   - mode: `.grouped` (default) or `.stacked`.
    ///   - yScale: `.linear` (default) or `.log` (grouped only).
    ///   - yRange: fixed value-axis limits, or nil to fit the data.
    ///   - showTotals: write values (grouped) or totals (stacked) above the bars.
    ///   - legend: `.automatic` (default), `.outside` or `.hidden`.
    ///   - width: figure width in pixels, 1000 by default.
    ///   - height: figure height in pixels, 650 by default.
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                categories: [String], groups: [Group], mode: Mode = .grouped,
                yScale: LineChart.Scale = .linear, yRange: ClosedRange<Double>? = nil,
                showTotals: Bool = false, legend: LineChart.LegendPlacement = .automatic,
                width: Int = 1000, height: Int = 650) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
        self.groups = groups
        self.mode = mode
        self.yScale = yScale
        self.yRange = yRange
        self.showTotals = showTotals
        self.legend = legend
        self.width = width
        self.height = height
    }
}
