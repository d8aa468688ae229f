// The look shared by every figure: font sizes for slides, colours of text, axes and grids.

/// Sizes in pixels and colours that make figures legible on a projected slide.
enum FigureStyle {
    static let titleSize = 24
    static let axisTitleSize = 18
    static let tickSize = 15
    static let legendSize = 15
    static let annotationSize = 14
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
        guard !title.isEmpty else { return }
        let room = width - 2 * FigureStyle.margin
        var size = FigureStyle.titleSize
        while size > 16, try measureText(title, size: size).width > room { size -= 1 }
        let half = Double(try measureText(title, size: size).width) / 2
        let margin = Double(FigureStyle.margin)
        let center = half * 2 > Double(room) ? Double(width) / 2 : min(max(x, margin + half), Double(width) - margin - half)
        try drawText(title, x: center, y: Double(y), size: size, color: .black, anchor: .top)
    }
}
