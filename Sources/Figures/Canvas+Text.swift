// Drawing and measuring text with real, anti-aliased glyphs (see FontLibrary.swift).

/// Which point of a line of text is placed at the coordinates given to `drawText`.
///
/// Horizontally the text box runs from the start of the first glyph to the end of the last;
/// vertically from the font's ascent above the baseline to its descent below, the same for every
/// string, so labels anchored at the same `y` line up.
///
///     canvas.drawText("x", x: 100, y: 20, size: 14, anchor: .top)        // centred below y = 20
///     canvas.drawText("loss", x: 10, y: 200, size: 14, anchor: .left)    // vertically centred
///     canvas.drawText("1.5", x: 90, y: 50, size: 14, anchor: TextAnchor(.right, .baseline))
public struct TextAnchor: Sendable, Equatable, Hashable {
    public enum Horizontal: Sendable, Hashable { case left, center, right }
    public enum Vertical: Sendable, Hashable { case top, middle, baseline, bottom }

    public var horizontal: Horizontal
    public var vertical: Vertical

    /// - Parameters:
    ///   - horizontal: left end, centre or right end of the text.
    ///   - vertical: top of the line, its middle, the baseline, or the bottom of the line.
    public init(_ horizontal: Horizontal, _ vertical: Vertical) {
        self.horizontal = horizontal
        self.vertical = vertical
    }

    public static let topLeft = TextAnchor(.left, .top)
    public static let top = TextAnchor(.center, .top)
    public static let topRight = TextAnchor(.right, .top)
    public static let left = TextAnchor(.left, .middle)
    public static let center = TextAnchor(.center, .middle)
    public static let right = TextAnchor(.right, .middle)
    public static let baselineLeft = TextAnchor(.left, .baseline)
    public static let baseline = TextAnchor(.center, .baseline)
    public static let baselineRight = TextAnchor(.right, .baseline)
    public static let bottomLeft = TextAnchor(.left, .bottom)
    public static let bottom = TextAnchor(.center, .bottom)
    public static let bottomRight = TextAnchor(.right, .bottom)
}

/// How text is turned: counter-clockwise, so that rotated text reads upwards.
///
/// `true` is accepted for `.vertical`, the y-axis title case:
///
///     canvas.drawText("probability", x: 20, y: 300, size: 17, anchor: .top, rotated: true)
///
/// The anchor refers to the text's own box, and the text turns about the anchor point: with
/// `.vertical` and anchor `.top`, the top of the letters faces left, toward `x`.
public enum TextRotation: Sendable, Hashable, ExpressibleByBooleanLiteral {
    /// Horizontal text.
    case none
    /// Turned 45°, reading up and to the right: long tick labels under a crowded axis.
    case diagonal
    /// Turned 90°, reading from bottom to top: y-axis titles.
    case vertical

    public init(booleanLiteral value: Bool) {
        self = value ? .vertical : .none
    }

    /// cos θ and sin θ of the counter-clockwise angle.
    var cosineAndSine: (Double, Double) {
        switch self {
        case .none: (1, 0)
        case .diagonal: ((0.5).squareRoot(), (0.5).squareRoot())
        case .vertical: (0, 1)
        }
    }
}

// MARK: - Drawing and measuring

extension Canvas {
    /// Finds and loads the font for figure text now, so that a missing or broken font (a bad
    /// `$TP_FONT`) is reported before a program writes anything, rather than at its first figure.
    ///
    ///     let font = try Canvas.loadFont()   // "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    ///
    /// - Returns: the path of the font file.
    /// - Throws: `FigureError` saying in one line what is wrong with the font file.
    @discardableResult
    public static func loadFont() throws -> String {
        try FontLibrary.load()
    }

    /// Draws one line of text with anti-aliased glyphs from a TrueType font.
    ///
    /// Any Unicode the font covers works: θ π ² × · − ≈ → é. The font is DejaVu Sans (or the
    /// file named by `$TP_FONT`); see `FontLibrary.searchPaths`.
    ///
    ///     try canvas.drawText("Attention weights", x: 500, y: 16, size: 24, anchor: .top)
    ///     try canvas.drawText("key position", x: 18, y: 325, size: 17, anchor: .top, rotated: .vertical)
    ///
    /// - Parameters:
    ///   - text: a single line.
    ///   - x: horizontal position of the anchor point, in pixels.
    ///   - y: vertical position of the anchor point, in pixels.
    ///   - size: font size in pixels (the em square), e.g. 14 for tick labels, 24 for titles.
    ///   - color: the text colour; dark grey by default.
    ///   - anchor: which point of the text's box goes at `(x, y)`; the left end of the baseline
    ///     by default.
    ///   - rotated: `.none`, `.diagonal` (45°) or `.vertical` (90°), counter-clockwise about
    ///     the anchor point.
    /// - Throws: `FigureError` if no font is available.
    public mutating func drawText(_ text: String, x: Double, y: Double, size: Int, color: Color = .darkGray,
                                  anchor: TextAnchor = .baselineLeft, rotated: TextRotation = .none) throws {
        let layout = try FontLibrary.layout(text, size: size, rotation: rotated)
        let origin = paintText(layout, x: x, y: y, color: color, anchor: anchor, rotated: rotated)
        let advance = layout.glyphs.last.map { $0.pen + $0.glyph.advance } ?? 0
        record(.text(text, x: x, y: y, size: size, color: color, anchor: anchor, rotation: rotated,
                     origin: origin, advance: advance))
    }

    /// Blends the glyphs of `layout` with its anchor at `(x, y)`, without recording the call.
    ///
    /// - Returns: where the pen starts on the baseline, in canvas pixels.
    @discardableResult
    mutating func paintText(_ layout: TextLayout, x: Double, y: Double, color: Color, anchor: TextAnchor,
                            rotated: TextRotation) -> Point {
        // The anchor in the text frame: x along the text, y down, origin at the pen start.
        let ax: Double = switch anchor.horizontal {
        case .left: layout.boxLeft
        case .center: (layout.boxLeft + layout.boxRight) / 2
        case .right: layout.boxRight
        }
        let ay: Double = switch anchor.vertical {
        case .top: -Double(layout.ascent)
        case .middle: Double(layout.descent - layout.ascent) / 2
        case .baseline: 0
        case .bottom: Double(layout.descent)
        }
        // Unit vectors of the text frame on the canvas: u along the text, v down the letters.
        let (cosine, sine) = rotated.cosineAndSine
        let u = (x: cosine, y: -sine), v = (x: sine, y: cosine)
        let originX = (x - ax * u.x - ay * v.x).rounded()
        let originY = (y - ax * u.y - ay * v.y).rounded()

        for (glyph, pen) in layout.glyphs where glyph.width > 0 {
            let penX = Int((originX + pen * u.x).rounded()), penY = Int((originY + pen * u.y).rounded())
            blendCoverage(glyph.coverage, width: glyph.width, height: glyph.height,
                          x: penX + glyph.left, y: penY - glyph.top, color: color)
        }
        return Point(x: originX, y: originY)
    }

    /// The size of the box `drawText` would use for `text` when not rotated.
    ///
    /// The height is the font's line height at this size (the same for every string); the width
    /// grows with the text. Rotated by 90°, the two swap.
    ///
    ///     let (w, h) = try canvas.measureText("softmax(QKᵀ/√d)", size: 14)
    ///
    /// - Parameters:
    ///   - text: a single line.
    ///   - size: font size in pixels.
    /// - Returns: width and height in whole pixels.
    /// - Throws: `FigureError` if no font is available.
    public func measureText(_ text: String, size: Int) throws -> (width: Int, height: Int) {
        try Canvas.measureText(text, size: size)
    }

    /// `measureText` without a canvas, for layout code that runs before the canvas exists.
    static func measureText(_ text: String, size: Int) throws -> (width: Int, height: Int) {
        let layout = try FontLibrary.layout(text, size: size, rotation: .none)
        return (layout.width, layout.height)
    }

    /// Blends a coverage bitmap (glyph or mask) in `color` with its top-left at `(x, y)`.
    mutating func blendCoverage(_ coverage: [UInt8], width w: Int, height h: Int, x: Int, y: Int, color: Color) {
        let row0 = max(0, -y), row1 = min(h, height - y)
        let column0 = max(0, -x), column1 = min(w, width - x)
        guard row0 < row1, column0 < column1 else { return }
        for row in row0..<row1 {
            for column in column0..<column1 {
                let c = Int(coverage[row * w + column])
                if c > 0 { blend(at: 4 * ((y + row) * width + x + column), color, coverage: c) }
            }
        }
    }
}
