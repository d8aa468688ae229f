// Line charts: several named series against a shared x axis, with a legend and reference lines.

/// A named line in a `LineChart`: `y[i]` plotted against `x[i]`.
///
/// Points with a NaN or infinite coordinate (or a non-positive one on a log axis) are left out,
/// and the line breaks there instead of jumping across.
///
///     Series(name: "standard", x: sizes, y: milliseconds)
///     Series(name: "flash", x: sizes, y: flashMilliseconds, style: .dashed, symbol: .circle)
///     Series(name: "loss", y: losses)   // x = 0, 1, 2, …
///     Series(name: "measured", x: intensity, y: gflops, style: .none, symbol: .circle)   // a scatter
public struct Series: Sendable {
    /// How the line itself is drawn.
    public enum Style: Sendable, Equatable {
        case solid, dashed, dotted
        /// No line, only a symbol at every point (a scatter plot); a circle unless the series
        /// names another symbol. Every point gets its symbol, however many there are.
        case none
    }
    /// A shape drawn at the data points (at most about 30 of them, evenly spread).
    public enum Symbol: Sendable, Equatable { case none, circle, square, triangle, diamond }

    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var style: Style
    public var symbol: Symbol
    /// The line colour; nil picks `Color.series(i)` for the `i`-th series.
    public var color: Color?

    /// A series from x and y values of equal count.
    ///
    /// - Parameters:
    ///   - name: the legend entry; empty to leave the series out of the legend.
    ///   - x: horizontal positions.
    ///   - y: values, one per x.
    ///   - style: `.solid` (default), `.dashed`, `.dotted`, or `.none` for points without a line.
    ///   - symbol: a shape at the data points; none by default (a circle with style `.none`).
    ///   - color: nil (default) for the chart's palette.
    public init(name: String, x: [Double], y: [Double], style: Style = .solid, symbol: Symbol = .none, color: Color? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.style = style
        self.symbol = symbol
        self.color = color
    }

    /// A series from `Float` (or any floating-point) arrays, as tensors hand them out.
    ///
    /// - Parameters: as for `init(name:x:y:style:symbol:color:)`.
    public init<X: BinaryFloatingPoint, Y: BinaryFloatingPoint>(
        name: String, x: [X], y: [Y], style: Style = .solid, symbol: Symbol = .none, color: Color? = nil
    ) {
        self.init(name: name, x: x.map { Double($0) }, y: y.map { Double($0) }, style: style, symbol: symbol, color: color)
    }

    /// A series plotted against its index: x = 0, 1, 2, …
    ///
    /// - Parameters: as for `init(name:x:y:style:symbol:color:)`.
    public init<Y: BinaryFloatingPoint>(name: String, y: [Y], style: Style = .solid, symbol: Symbol = .none, color: Color? = nil) {
        self.init(name: name, x: y.indices.map { Double($0) }, y: y.map { Double($0) }, style: style, symbol: symbol, color: color)
    }
}

/// A labelled vertical reference line in a `LineChart`, e.g. where the data outgrows a cache.
///
///     Marker(x: 32 * 1024, label: "L1 32 KiB")
///
/// Markers outside the chart's x range are not drawn.
public struct Marker: Sendable {
    public var x: Double
    public var label: String
    /// The line and label colour; a neutral grey by default.
    public var color: Color

    /// - Parameters:
    ///   - x: position on the x axis, in data units.
    ///   - label: text written beside the line at the top of the plot; may be empty.
    ///   - color: line and label colour.
    public init(x: Double, label: String, color: Color = Color(r: 96, g: 96, b: 96)) {
        self.x = x
        self.label = label
        self.color = color
    }
}

/// A labelled point in a `LineChart`: a small dot at `(x, y)` in data coordinates and a short
/// text beside it, e.g. which kernel a measured point of a roofline plot belongs to.
///
///     Annotation(x: 0.25, y: 11.2, text: "softmax")
///     Annotation(x: 64, y: 410, text: "GEMM 1024³", color: .blue)
///
/// The text goes right of the dot if there is room, else left, above, below or diagonally,
/// wherever it overlaps no earlier annotation and stays inside the plot. Annotations count
/// when the axes are fitted to the data; those outside fixed ranges are not drawn.
public struct Annotation: Sendable {
    public var x: Double
    public var y: Double
    public var text: String
    /// The dot and text colour; nil for the chart's text colour (dark grey).
    public var color: Color?

    /// - Parameters:
    ///   - x: position on the x axis, in data units.
    ///   - y: position on the y axis, in data units.
    ///   - text: one line written beside the dot; may be empty for a bare dot.
    ///   - color: dot and text colour; nil (default) for dark grey.
    public init(x: Double, y: Double, text: String, color: Color? = nil) {
        self.x = x
        self.y = y
        self.text = text
        self.color = color
    }
}

/// A line chart with a legend, axis titles, "nice" ticks, optional log axes and markers.
///
/// The chart is a value describing what to draw; `render()` lays it out (measuring every label
/// so nothing overlaps) and draws it at `width × height` pixels, 1000 × 650 by default, with
/// fonts sized for slides. The legend goes in the corner of the plot that hides no data, or
/// outside on the right when every corner would.
///
///     let chart = LineChart(
///         title: "Attention time",
///         xLabel: "sequence length N", yLabel: "time (ms)",
///         series: [Series(name: "standard", x: n, y: standard),
///                  Series(name: "flash", x: n, y: flash, style: .dashed)],
///         xScale: .log, yScale: .log,
///         markers: [Marker(x: 4096, label: "L2 full")],
///         annotations: [Annotation(x: 8192, y: 41, text: "out of L2")])
///     try chart.writePNG(to: "Output/flash-vs-standard/time.png")
public struct LineChart: Figure, Sendable {
    /// How values map to positions along an axis.
    public enum Scale: Sendable, Equatable {
        /// Equal differences, equal distances.
        case linear
        /// Equal ratios, equal distances (base 10); only positive values can be shown.
        case log
    }

    /// Where the legend goes.
    public enum LegendPlacement: Sendable, Equatable {
        /// In a free corner of the plot if there is one, else outside on the right.
        case automatic
        /// Always outside the plot, on the right.
        case outside
        /// No legend.
        case hidden
    }

    public typealias Series = Figures.Series
    public typealias Marker = Figures.Marker
    public typealias Annotation = Figures.Annotation

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var xScale: Scale
    public var yScale: Scale
    /// Fixed x limits; nil fits the data.
    public var xRange: ClosedRange<Double>?
    /// Fixed y limits; nil fits the data.
    public var yRange: ClosedRange<Double>?
    public var markers: [Marker]
    /// Labelled points, drawn above the series.
    public var annotations: [Annotation]
    public var legend: LegendPlacement
    /// Size of the rendered figure in pixels.
    public var width: Int
    public var height: Int

    /// Creates a line chart.
    ///
    /// - Parameters:
    ///   - title: drawn above the plot; empty for none.
    ///   - xLabel: the x-axis title, with units, e.g. "sequence length N".
    ///   - yLabel: the y-axis title, e.g. "time (ms)".
    ///   - series: the lines, drawn in order; colours follow `Color.series(i)` unless given.
    ///   - xScale: `.linear` (default) or `.log`.
    ///   - yScale: `.linear` (default) or `.log`.
    ///   - xRange: fixed x limits, or nil to fit the data.
    ///   - yRange: fixed y limits, or nil to fit the data.
    ///   - markers: vertical reference lines with labels.
    ///   - legend: `.automatic` (default), `.outside` or `.hidden`.
    ///   - width: figure width in pixels, 1000 by default.
    ///   - height: figure height in pixels, 650 by default.
    ///   - annotations: labelled points (a dot and a text) in data coordinates.
    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series],
                xScale: Scale = .linear, yScale: Scale = .linear,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                markers: [Marker] = [], legend: LegendPlacement = .automatic,
                width: Int = 1000, height: Int = 650, annotations: [Annotation] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xScale = xScale
        self.yScale = yScale
        self.xRange = xRange
        self.yRange = yRange
        self.markers = markers
        self.annotations = annotations
        self.legend = legend
        self.width = width
        self.height = height
    }
}
