// The look shared by every figure: font sizes for slides, colours of text, axes and grids.

/// Sizes in pixels and colours that make figures legible on a projected slide.
///
/// The font sizes are those of the standard figure; exporting for a slide or for print (see
/// `FigureExport`) renders inside `FigureStyle.$environment.withValue(...)` with larger type.
enum FigureStyle {
    /// What the figure being rendered is for: how much larger its type is, whether it shows
    /// its title. Task-local, so figures rendered at the same time do not disturb each other.
    @TaskLocal static var environment = FigureEnvironment()

    static var titleSize: Int { scaled(24) }
    static var axisTitleSize: Int { scaled(18) }
    static var tickSize: Int { scaled(15) }
    static var legendSize: Int { scaled(15) }
    static var annotationSize: Int { scaled(14) }
    /// The smallest of the sizes above at standard size: what sets the type scale for a slide.
    static let smallestBaseSize = 14

    /// `size` times the environment's font scale, rounded up (never smaller than asked for).
    static func scaled(_ size: Int) -> Int {
        let scale = environment.fontScale
        return scale == 1 ? size : Int((Double(size) * scale - 1e-9).rounded(.up))
    }

    /// Whether a figure with this title draws it: not when it is empty, nor under `--no-title`.
    static func showsTitle(_ title: String) -> Bool {
        !title.isEmpty && environment.showsTitle
    }
    /// Space kept clear around the whole figure.
    static let margin = 20
    /// Length of tick marks outside the plot.
    static let tickLength = 6

    static let text = Color.darkGray
    static let axis = Color(r: 90, g: 90, b: 90)
    static let grid = Color(r: 229, g: 229, b: 229)
    static let minorGrid = Color(r: 243, g: 243, b: 243)
}

extension Canvas {
    /// Draws a figure title with its top at `y`, centred at `x` but kept inside the margins,
    /// and made smaller (down to 16 px) if it is wider than the canvas allows; under enlarged
    /// type wrapped onto more lines instead (see `FigureStyle.titleBlock`).
    mutating func drawTitle(_ title: String, centerX x: Double, top y: Int) throws {
        guard FigureStyle.showsTitle(title) else { return }
        let room = width - 2 * FigureStyle.margin
        let margin = Double(FigureStyle.margin)
        if FigureStyle.isEnlarged {
            // Enlarged type (an export) wraps a long title onto more lines rather than shrinking it.
            let block = try FigureStyle.titleBlock(title, canvasWidth: width)
            for (k, line) in block.lines.enumerated() {
                let half = Double(try measureText(line, size: block.size).width) / 2
                let center = half * 2 > Double(room) ? Double(width) / 2 : min(max(x, margin + half), Double(width) - margin - half)
                try drawText(line, x: center, y: Double(y + k * block.lineHeight), size: block.size, color: .black, anchor: .top)
            }
            return
        }
        var size = FigureStyle.titleSize
        while size > 16, try measureText(title, size: size).width > room { size -= 1 }
        let half = Double(try measureText(title, size: size).width) / 2
        let center = half * 2 > Double(room) ? Double(width) / 2 : min(max(x, margin + half), Double(width) - margin - half)
        try drawText(title, x: center, y: Double(y), size: size, color: .black, anchor: .top)
    }
}

/// How the figure being rendered should be drawn, beyond its own properties.
struct FigureEnvironment: Sendable {
    /// Every font size is multiplied by this (1 for the standard figure).
    var fontScale: Double = 1
    /// False leaves titles out (an exported figure whose title goes into its caption).
    var showsTitle = true
}
