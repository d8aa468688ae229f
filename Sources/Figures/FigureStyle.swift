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

    /// The axis-title size, made smaller under enlarged type (an export) until `text` fits in
    /// `room` pixels or reaches the smallest text size; at standard size always `axisTitleSize`.
    static func axisTitleSize(fitting text: String, in room: Int) throws -> Int {
        var size = axisTitleSize
        guard environment.fontScale != 1 else { return size }
        while size > scaled(smallestBaseSize), try Canvas.measureText(text, size: size).width > room { size -= 1 }
        return size
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
    /// and made smaller (down to 16 px) if it is wider than the canvas allows.
    mutating func drawTitle(_ title: String, centerX x: Double, top y: Int) throws {
        guard FigureStyle.showsTitle(title) else { return }
        let room = width - 2 * FigureStyle.margin
        var size = FigureStyle.titleSize
        // Enlarged type (an export) may shrink a long title down to the smallest text size.
        let smallest = FigureStyle.environment.fontScale == 1 ? 16 : FigureStyle.scaled(FigureStyle.smallestBaseSize)
        while size > smallest, try measureText(title, size: size).width > room { size -= 1 }
        let half = Double(try measureText(title, size: size).width) / 2
        let margin = Double(FigureStyle.margin)
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
