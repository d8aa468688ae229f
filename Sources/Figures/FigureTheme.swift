// Light, dark and transparent figures: one mapping of colours, applied when the record is painted.

/// The background a figure is made for.
///
/// A theme changes only the neutral colours (white, greys, black: background, text, axes, grids);
/// series colours stay, and so do data colours (a heatmap's cells and colorbar, and the ink
/// chosen to contrast with them), so colormaps keep their perceptual order on every background.
///
///     try heatmap.export(FigureExport(theme: .dark)).pngData()
public enum FigureTheme: String, CaseIterable, Sendable {
    /// Dark text on white, as the figures have always been.
    case light
    /// Light text on a near-black background, for dark slides.
    case dark
    /// Light-theme drawing on no background at all: the slide shows through.
    case transparent

    /// The near-black of the dark theme's background and the near-white of its text.
    static let darkBackground: UInt8 = 24
    static let darkInk: UInt8 = 236

    /// The canvas background under this theme.
    func background(for color: Color) -> Color {
        switch self {
        case .light: color
        case .transparent: .clear
        case .dark: map(color)
        }
    }

    /// A drawing colour under this theme: in the dark theme a neutral grey of level `v` becomes
    /// the grey that is as far from the dark background as `v` was from white, so black text
    /// turns near-white and a light grid turns a grid just lighter than the background.
    func map(_ color: Color) -> Color {
        guard self == .dark else { return color }
        let high = max(color.r, color.g, color.b), low = min(color.r, color.g, color.b)
        guard high - low <= 10 else { return color }
        let level = (Int(color.r) + Int(color.g) + Int(color.b)) / 3
        let span = Int(Self.darkInk) - Int(Self.darkBackground)
        let v = UInt8(Int(Self.darkBackground) + ((255 - level) * span + 127) / 255)
        return Color(r: v, g: v, b: v, a: color.a)
    }
}
