// Exporting a figure for its use: PNG or SVG, at a slide or print size, in a theme, with or
// without its title.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support

/// A file format a figure can be written in.
public enum FigureFormat: String, CaseIterable, Sendable {
    /// Pixels (8-bit RGBA), with the DPI of its size when it has one.
    case png
    /// Vector shapes and real text, from the same drawing calls as the PNG.
    case svg
}

/// Where a figure will be shown, which sets its pixel size and its type size.
///
/// A 16:9 slide is 13.333 × 7.5 inches (Keynote's and PowerPoint's widescreen), 1920 pixels
/// wide when projected at 1080p, so 18 pt is 36 projected pixels. At each size the type is
/// scaled until the smallest text of the figure's style is at least `smallestTextPoints` when the
/// figure is placed `widthInches` wide, and the PNG carries the DPI that places it at that width.
public enum FigureSize: String, CaseIterable, Sendable {
    /// Fills the width of a 16:9 slide.
    case slide
    /// Half a slide's width: two figures side by side.
    case half
    /// The text width of a printed A4 or Letter page (6.5 in), at 300 dpi.
    case print

    /// The width the figure is placed at, in inches.
    public var widthInches: Double {
        switch self {
        case .slide: 40.0 / 3
        case .half: 20.0 / 3
        case .print: 6.5
        }
    }

    /// Pixels per inch of the PNG: 1920 pixels across for both slide sizes (so a half-slide
    /// figure stays sharp when enlarged), 300 dpi for print.
    public var dpi: Double {
        switch self {
        case .slide: 144
        case .half: 288
        case .print: 300
        }
    }

    /// The smallest text size, in points, at the placed width: 18 pt reads from the back of a
    /// lecture room; 9 pt is the usual smallest size for print.
    public var smallestTextPoints: Double {
        switch self {
        case .slide, .half: 18
        case .print: 9
        }
    }
}

/// How to export a figure: its size, theme and title.
///
///     let exported = try chart.export(FigureExport(size: .half, theme: .dark, showsTitle: false))
///     try exported.writePNG(to: "Output/curves.png")
///     try exported.writeSVG(to: "Output/curves.svg")
public struct FigureExport: Sendable, Equatable {
    /// nil for the figure's own size and type (the standard figure, unchanged).
    public var size: FigureSize?
    public var theme: FigureTheme
    /// False leaves the title out; a caption can carry it instead.
    public var showsTitle: Bool

    public init(size: FigureSize? = nil, theme: FigureTheme = .light, showsTitle: Bool = true) {
        self.size = size
        self.theme = theme
        self.showsTitle = showsTitle
    }
}

/// A figure rendered for export: its drawing record at layout size, and the scale to the
/// pixels written.
public struct ExportedFigure: Sendable {
    /// The figure as laid out (canvas pixels), with its drawing record.
    public let canvas: Canvas
    public let options: FigureExport
    /// Output pixels per canvas pixel.
    public let scale: Double
    /// The type scale the figure was laid out with (1 for the standard figure).
    public let fontScale: Double

    /// Width of the PNG in pixels.
    public var pixelWidth: Int { Int((Double(canvas.width) * scale).rounded()) }

    /// The size of the smallest text in points when the figure is placed at its size's width
    /// (nil without a size, or without text): the recorded font size in canvas pixels times the
    /// placed width in points over the canvas width in pixels.
    public var smallestTextPoints: Double? {
        guard let size = options.size, let smallest = canvas.textSizes.min() else { return nil }
        return Double(smallest) * size.widthInches * 72 / Double(canvas.width)
    }

    /// The PNG file's bytes; at no size and the light theme exactly `canvas.pngData()`.
    public func pngData() throws -> [UInt8] {
        let painted = scale == 1 && options.theme == .light ? canvas : try canvas.repainted(scale: scale, theme: options.theme)
        return try painted.pngData(dpi: options.size?.dpi)
    }

    /// The SVG document, placed at the size's width in inches when it has one.
    public func svg() throws -> String {
        try canvas.svg(theme: options.theme, physicalWidth: options.size.map { svgNumber($0.widthInches) + "in" })
    }

    public func writePNG(to path: String) throws {
        try writeFile(try pngData(), to: path)
    }

    public func writeSVG(to path: String) throws {
        try writeFile(Array(try svg().utf8), to: path)
    }

    private func writeFile(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw FigureError("\(error)")
        }
    }
}

extension Figure {
    /// Renders the figure and writes it as an SVG file, atomically.
    ///
    ///     try heatmap.writeSVG(to: "Output/attention.svg")
    ///
    /// - Parameter path: where to write; its folder must exist.
    /// - Throws: `FigureError` from rendering or writing.
    public func writeSVG(to path: String) throws {
        try render().writeSVG(to: path)
    }

    /// The largest type scale an export uses (75-pixel tick labels): reached only by a figure
    /// that grows almost as fast as its type (a heatmap laid out around long row labels).
    static var largestFontScale: Double { 5 }

    /// Renders the figure for export: at its size the type grows until the smallest text of the
    /// figure's style reaches the size's point size (re-laying out, since larger labels take more
    /// room), and the picture is scaled to the size's pixel width.
    ///
    /// - Throws: `FigureError` from rendering.
    public func export(_ options: FigureExport) throws -> ExportedFigure {
        var environment = FigureEnvironment(fontScale: 1, showsTitle: options.showsTitle)
        var canvas = try FigureStyle.$environment.withValue(environment) { try render() }
        guard let size = options.size else {
            return ExportedFigure(canvas: canvas, options: options, scale: 1, fontScale: 1)
        }
        /// The figure with type `fontScale` times larger. Type so large that text runs past the
        /// picture's edges (a long title, a tall axis title) does not lay out, like type that
        /// leaves no room for the plot.
        func rendered(fontScale: Double) throws -> Canvas {
            var trial = environment
            trial.fontScale = fontScale
            let canvas = try FigureStyle.$environment.withValue(trial) { try render() }
            if canvas.textRunsPastEdge() { throw FigureError("text runs past the edge at \(fontScale)× type") }
            return canvas
        }
        /// The style's smallest text in points at the placed width.
        // Steered by the style's smallest size: labels that shrink to fit a crowded axis would
        // ask for ever larger type, which only crowds them more.
        func smallestPoints(_ canvas: Canvas, _ fontScale: Double) -> Double {
            Double(FigureStyle.smallestBaseSize) * fontScale * size.widthInches * 72 / Double(canvas.width)
        }
        // Larger type makes some figures wider (a heatmap's plot grows with its labels), so the
        // scale is raised in a few rounds, and only while that brings the text closer to the
        // size's points: a figure that grows as fast as its type keeps the best round.
        var previous: (fontScale: Double, points: Double)?
        for _ in 0..<8 {
            let achieved = smallestPoints(canvas, environment.fontScale)
            if achieved >= size.smallestTextPoints { break }
            // A figure whose width grows with its type gains less than the type does: the last
            // round says by how much (points ∝ scale^growth), and the next aims past the ratio.
            var exponent = 1.0
            if let previous, environment.fontScale > previous.fontScale * 1.001, achieved > previous.points {
                let growth = log(achieved / previous.points) / log(environment.fontScale / previous.fontScale)
                exponent = 1 / min(1, max(growth, 0.25))
            }
            let target = min(Self.largestFontScale, environment.fontScale * pow(size.smallestTextPoints / achieved, exponent) * 1.001)
            guard target > environment.fontScale * 1.001 else { break }
            do {
                let trial = try rendered(fontScale: target)
                guard smallestPoints(trial, target) > achieved * 1.001 else { break }
                previous = (environment.fontScale, achieved)
                (canvas, environment.fontScale) = (trial, target)
            } catch is FigureError {
                // Type this large leaves no room for the plot (a chart with a wide legend): use
                // the largest scale that still lays out, found by bisection; its smallest text
                // is then below the size's points, which `smallestTextPoints` reports.
                var (low, high) = (environment.fontScale, target)
                for _ in 0..<6 {
                    let middle = (low + high) / 2
                    if let fitted = try? rendered(fontScale: middle) {
                        (canvas, low) = (fitted, middle)
                    } else {
                        high = middle
                    }
                }
                environment.fontScale = low
                break
            }
        }
        let scale = size.widthInches * size.dpi / Double(canvas.width)
        return ExportedFigure(canvas: canvas, options: options, scale: scale, fontScale: environment.fontScale)
    }
}
