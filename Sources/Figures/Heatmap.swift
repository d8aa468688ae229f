// Heatmaps: a matrix drawn as coloured cells, with labelled axes and a colorbar.

/// What the tick labels along one side of a heatmap say.
///
///     .automatic                          // 0, 1, 2, … (thinned to fit)
///     .numbers(start: 1, step: 1)         // 1, 2, 3, … for 1-based positions
///     .numbers(start: 0, step: 0.25)      // 0, 0.25, 0.5, …
///     .labels(["The", "cat", "sat"])      // tokens: every one is drawn
public enum Ticks: Sendable, Equatable {
    /// The 0-based index of every row or column, thinned to a 1-2-5 step when they would crowd.
    case automatic
    /// `start + i × step` for row or column `i`, thinned like `.automatic`.
    case numbers(start: Double, step: Double)
    /// One label per row or column, all drawn: turned 45° or 90° under the plot, and made
    /// smaller, when they would otherwise collide. Only when even 9-pixel text cannot fit
    /// (hundreds of labels) is every second (third…) label left out. Exported for slides or
    /// print, labels are never smaller than the size's smallest text: the cells grow taller
    /// (wider) within the plot's largest size, else every k-th label is written.
    case labels([String])
    /// No tick labels.
    case hidden
}

/// A matrix as a grid of coloured cells, e.g. attention weights or a positional encoding.
///
/// Row 0 is at the top, as when a matrix is printed. Cells are square and as large as fits a
/// plot of about 720 pixels (a figure of about 1000), at most 72 pixels; a matrix with more
/// rows or columns than that is down-sampled, each pixel showing the average of its block of
/// cells. NaN cells are grey (and get no value text). The colour scale is explained by a colorbar on the right.
///
///     let map = Heatmap(values: weights, rows: 6, columns: 6,
///                       title: "Attention of head 2",
///                       xLabel: "key", yLabel: "query",
///                       xTicks: .labels(tokens), yTicks: .labels(tokens),
///                       colorbarLabel: "weight")
///     try map.writePNG(to: "Output/multi-head-attention/head2.png")
public struct Heatmap: Figure, Sendable {
    public typealias Ticks = Figures.Ticks

    /// The matrix, row-major: `values[r * columns + c]`. [rows, columns]
    public var values: [Float]
    public var rows: Int
    public var columns: Int
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Labels under the columns.
    public var xTicks: Ticks
    /// Labels beside the rows.
    public var yTicks: Ticks
    public var colormap: Colormap
    /// The values at the two ends of the colour scale; nil uses the data's minimum…maximum,
    /// or −m…m with m = max |v| for a diverging colormap, so that 0 is the neutral centre.
    public var range: ClosedRange<Float>?
    /// The title of the colorbar, e.g. "weight"; empty for none.
    public var colorbarLabel: String
    /// Whether to write each value in its cell; nil decides automatically (matrices up to
    /// 16 × 16 whose numbers fit in the cells). Exported for slides or print, numbers that do
    /// not fit at the size's smallest text are left out even when asked for.
    public var showValues: Bool?
    /// How cell values are written; two decimals by default.
    public var valueFormat: NumberFormat
    /// The largest side of the plot area in pixels; 720 by default.
    public var maximumPlotSize: Int

    /// Creates a heatmap of a `rows × columns` matrix.
    ///
    /// Nothing is checked here: `render()` reports a wrong count of values or labels.
    ///
    /// - Parameters:
    ///   - values: the matrix, row-major. [rows, columns]
    ///   - rows: number of rows.
    ///   - columns: number of columns.
    ///   - title: drawn above the plot; empty for none.
    ///   - xLabel: the title under the columns, e.g. "key position".
    ///   - yLabel: the title beside the rows, e.g. "query position".
    ///   - xTicks: labels of the columns; `.automatic` by default.
    ///   - yTicks: labels of the rows; `.automatic` by default.
    ///   - colormap: `.sequential` (default) or `.diverging` for signed data.
    ///   - range: the values at the ends of the colour scale; nil to fit the data.
    ///   - colorbarLabel: title of the colorbar.
    ///   - showValues: write values in the cells; nil (default) decides by size.
    ///   - valueFormat: how cell values are written; `.decimals(2)` by default.
    public init(values: [Float], rows: Int, columns: Int,
                title: String = "", xLabel: String = "", yLabel: String = "",
                xTicks: Ticks = .automatic, yTicks: Ticks = .automatic,
                colormap: Colormap = .sequential, range: ClosedRange<Float>? = nil,
                colorbarLabel: String = "", showValues: Bool? = nil,
                valueFormat: NumberFormat = .decimals(2)) {
        self.values = values
        self.rows = rows
        self.columns = columns
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xTicks = xTicks
        self.yTicks = yTicks
        self.colormap = colormap
        self.range = range
        self.colorbarLabel = colorbarLabel
        self.showValues = showValues
        self.valueFormat = valueFormat
        self.maximumPlotSize = 720
    }
}

// MARK: - Checking and scaling the data

extension Heatmap {
    var name: String { title.isEmpty ? "heatmap" : "heatmap \"\(title)\"" }

    /// Throws if the matrix or its labels do not fit together.
    func validate() throws {
        guard rows > 0, columns > 0 else { throw FigureError("\(name): \(rows)×\(columns) matrix has no cells") }
        guard values.count == rows * columns else {
            throw FigureError("\(name): \(values.count) values for a \(rows)×\(columns) matrix (expected \(rows * columns))")
        }
        if case .labels(let labels) = xTicks, labels.count != columns {
            throw FigureError("\(name): \(labels.count) x tick labels for \(columns) columns")
        }
        if case .labels(let labels) = yTicks, labels.count != rows {
            throw FigureError("\(name): \(labels.count) y tick labels for \(rows) rows")
        }
        if let range, !(range.lowerBound < range.upperBound) || !range.lowerBound.isFinite || !range.upperBound.isFinite {
            throw FigureError("\(name): colour range \(range) is empty or not finite")
        }
        guard maximumPlotSize >= 50 else { throw FigureError("\(name): maximumPlotSize \(maximumPlotSize) is too small") }
    }

    /// The values at the ends of the colour scale (see `range`).
    func colorRange() -> (low: Double, high: Double) {
        if let range { return (Double(range.lowerBound), Double(range.upperBound)) }
        let finite = values.lazy.filter { $0.isFinite }.map { Double($0) }
        guard let low = finite.min(), let high = finite.max() else { return (0, 1) }
        if colormap.isDiverging {
            let m = max(abs(low), abs(high))
            return m > 0 ? (-m, m) : (-1, 1)
        }
        return low < high ? (low, high) : (low - 0.5, high + 0.5)
    }

    /// Where `value` falls on the colour scale, 0…1 (NaN stays NaN).
    func position(_ value: Double, in range: (low: Double, high: Double)) -> Double {
        (value - range.low) / (range.high - range.low)
    }
}
