// Colours: 8-bit sRGB with straight (not premultiplied) alpha, and the palette for line series.

/// An sRGB colour with 8 bits per channel and a straight alpha channel (255 = opaque).
///
/// Figures are drawn in sRGB, the colour space of PNG files and screens. Alpha is "straight":
/// the colour channels are not multiplied by alpha.
///
///     let teal = Color(r: 0, g: 128, b: 128)
///     let glass = Color(r: 255, g: 255, b: 255, a: 180)
public struct Color: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public var a: UInt8

    /// Creates a colour from its channels.
    ///
    /// - Parameters:
    ///   - r: red, 0…255.
    ///   - g: green, 0…255.
    ///   - b: blue, 0…255.
    ///   - a: opacity, 0 (invisible) … 255 (opaque).
    public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }

    /// Creates an opaque colour from a 24-bit hex value, as written in CSS.
    ///
    ///     Color(hex: 0x0072B2)   // the blue of `Color.series(0)`
    ///
    /// - Parameter hex: `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(r: UInt8((hex >> 16) & 0xFF), g: UInt8((hex >> 8) & 0xFF), b: UInt8(hex & 0xFF))
    }

    /// The same colour with another opacity.
    ///
    ///     Color.black.withAlpha(64)   // a light shadow
    ///
    /// - Parameter alpha: the new opacity, 0…255.
    public func withAlpha(_ alpha: UInt8) -> Color {
        Color(r: r, g: g, b: b, a: alpha)
    }
}

// MARK: - Named colours

/// A few colours by name; `red`, `blue`, `green` and `orange` are the palette's colour-blind-safe
/// shades (see `series(_:)`), not the pure sRGB primaries.
extension Color {
    public static let black = Color(r: 0, g: 0, b: 0)
    public static let white = Color(r: 255, g: 255, b: 255)
    /// Fully transparent; drawing with it changes nothing.
    public static let clear = Color(r: 0, g: 0, b: 0, a: 0)
    /// Text and axis lines: softer than pure black on a white slide.
    public static let darkGray = Color(r: 51, g: 51, b: 51)
    public static let gray = Color(r: 128, g: 128, b: 128)
    /// Grid lines.
    public static let lightGray = Color(r: 224, g: 224, b: 224)
    public static let red = Color(hex: 0xD55E00)
    public static let blue = Color(hex: 0x0072B2)
    public static let green = Color(hex: 0x009E73)
    public static let orange = Color(hex: 0xE69F00)
}

// MARK: - Series palette

extension Color {
    /// The colour of the `i`-th line in a chart.
    ///
    /// The palette is the eight colours that Okabe and Ito proposed (2008, "Color Universal
    /// Design") so that people with the common forms of colour blindness can still tell the
    /// lines apart. They are ordered for a white background: the strongest contrasts first,
    /// the pale yellow last. After eight series the colours repeat; charts then also vary the
    /// dash pattern or the point symbol, so no two series look alike.
    ///
    ///     Color.series(0)   // blue
    ///     Color.series(1)   // vermilion
    ///
    /// - Parameter i: the series index, 0-based; any non-negative value.
    public static func series(_ i: Int) -> Color {
        seriesPalette[((i % seriesPalette.count) + seriesPalette.count) % seriesPalette.count]
    }

    /// Okabe–Ito, ordered for contrast on white.
    static let seriesPalette: [Color] = [
        Color(hex: 0x0072B2),  // blue
        Color(hex: 0xD55E00),  // vermilion
        Color(hex: 0x009E73),  // bluish green
        Color(hex: 0xCC79A7),  // reddish purple
        Color(hex: 0xE69F00),  // orange
        Color(hex: 0x56B4E9),  // sky blue
        Color(hex: 0x000000),  // black
        Color(hex: 0xF0E442),  // yellow
    ]
}
