// What every figure is: something with a title that renders to a canvas.

/// A picture made from numbers: a heatmap, a line chart.
///
/// A figure is a plain value that describes what to draw; `render()` does the drawing, sizing
/// the canvas and laying out the labels. Lessons build figures and hand them on; writing a
/// figure to disk is one call.
///
///     let chart = LineChart(title: "Loss", series: [Series(name: "train", y: losses)])
///     try chart.writePNG(to: "Output/loss.png")
public protocol Figure {
    /// The title drawn above the figure; empty for none.
    var title: String { get }

    /// Draws the figure on a new canvas of the figure's own size.
    ///
    /// - Throws: `FigureError` for data it cannot draw (wrong counts, nothing to plot) or when
    ///   no font is available.
    func render() throws -> Canvas
}

extension Figure {
    /// Renders the figure and writes it as a PNG file, atomically.
    ///
    ///     try heatmap.writePNG(to: "Output/attention.png")
    ///
    /// - Parameter path: where to write; its folder must exist.
    /// - Throws: `FigureError` from rendering or writing.
    public func writePNG(to path: String) throws {
        try render().writePNG(to: path)
    }
}
