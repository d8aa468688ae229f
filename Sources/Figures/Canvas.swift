// The picture every figure draws into: a grid of RGBA pixels, with rectangles and blending.

import _Support

/// A picture in memory: `width × height` pixels of 8-bit RGBA, row by row from the top left.
///
/// Pixel `(x, y)` covers the unit square from `(x, y)` to `(x + 1, y + 1)`, so its centre is at
/// `(x + 0.5, y + 0.5)`; `y` grows downwards, as on screen. Its four bytes are at
/// `pixels[4 * (y * width + x) ..< 4 * (y * width + x) + 4]` in the order red, green, blue,
/// alpha. Everything drawn is blended "source over" the pixels already there, in sRGB.
///
///     var canvas = Canvas(width: 200, height: 100)
///     canvas.fillRect(x: 10, y: 10, width: 50, height: 20, color: .blue)
///     try canvas.drawText("θ = 0.5", x: 100, y: 60, size: 18)
///     try canvas.writePNG(to: "/tmp/hello.png")
public struct Canvas: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// RGBA bytes, `4 * width * height` of them, row-major from the top left.
    ///
    /// Writing these bytes directly bypasses the drawing record that the SVG writer replays;
    /// figures draw through the methods below (and `drawPixels` for a raster).
    public var pixels: [UInt8]
    /// The colour the canvas started as.
    public let background: Color
    /// Every drawing call so far, in order: the one description of the picture that the PNG
    /// pixels, a rescaled or re-themed PNG and the SVG are all made from.
    var commands: [RecordedCommand] = []
    /// While true, recorded calls keep their colours under every theme (data colours and the
    /// ink chosen for contrast against them).
    var keepsColors = false

    /// Creates a canvas filled with one colour.
    ///
    ///     let slide = Canvas(width: 1000, height: 650)              // white
    ///     let overlay = Canvas(width: 64, height: 64, background: .clear)
    ///
    /// - Parameters:
    ///   - width: width in pixels, at least 0.
    ///   - height: height in pixels, at least 0.
    ///   - background: the colour of every pixel to begin with; white by default.
    public init(width: Int, height: Int, background: Color = .white) {
        ensure(width >= 0 && height >= 0, "Canvas size must not be negative: \(width)×\(height)")
        self.width = width
        self.height = height
        self.background = background
        var pixels = [UInt8](repeating: 0, count: 4 * width * height)
        for i in stride(from: 0, to: pixels.count, by: 4) {
            pixels[i] = background.r
            pixels[i + 1] = background.g
            pixels[i + 2] = background.b
            pixels[i + 3] = background.a
        }
        self.pixels = pixels
    }

    /// Wraps existing RGBA bytes; `pixels.count` must be `4 * width * height`.
    init(width: Int, height: Int, pixels: [UInt8]) {
        ensure(pixels.count == 4 * width * height, "\(pixels.count) bytes cannot be \(width)×\(height) RGBA pixels")
        self.width = width
        self.height = height
        self.background = .clear
        self.pixels = pixels
    }

    /// The colour of pixel `(x, y)`; setting it replaces the pixel without blending.
    ///
    ///     canvas[0, 0] = .red
    ///     canvas[0, 0] == .red   // true
    public subscript(x: Int, y: Int) -> Color {
        get {
            ensure(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the canvas")
            let i = 4 * (y * width + x)
            return Color(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2], a: pixels[i + 3])
        }
        set {
            ensure(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the canvas")
            record(.setPixel(x: x, y: y, color: newValue))
            let i = 4 * (y * width + x)
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
            pixels[i + 3] = newValue.a
        }
    }
}

// MARK: - Rectangles

extension Canvas {
    /// Fills an axis-aligned rectangle of whole pixels, blending if the colour is translucent.
    ///
    /// The parts outside the canvas are ignored, so a rectangle may hang over the edge.
    ///
    ///     canvas.fillRect(x: 0, y: 0, width: canvas.width, height: 40, color: .lightGray)
    ///
    /// - Parameters:
    ///   - x: left column.
    ///   - y: top row.
    ///   - width: number of columns.
    ///   - height: number of rows.
    ///   - color: the fill colour.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        record(.fillRect(x: x, y: y, width: w, height: h, color: color))
        paintRect(x: x, y: y, width: w, height: h, color: color)
    }

    /// `fillRect` without recording the call.
    mutating func paintRect(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        let x0 = max(x, 0), x1 = min(x + w, width)
        let y0 = max(y, 0), y1 = min(y + h, height)
        guard x0 < x1, y0 < y1, color.a > 0 else { return }
        let opaque = color.a == 255
        for row in y0..<y1 {
            for column in x0..<x1 {
                let i = 4 * (row * width + column)
                if opaque {
                    pixels[i] = color.r
                    pixels[i + 1] = color.g
                    pixels[i + 2] = color.b
                    pixels[i + 3] = 255
                } else {
                    blend(at: i, color, coverage: 255)
                }
            }
        }
    }

    /// Draws the outline of a rectangle, one pixel wide, inside the given bounds.
    ///
    /// - Parameters:
    ///   - x: left column.
    ///   - y: top row.
    ///   - width: number of columns.
    ///   - height: number of rows.
    ///   - color: the line colour.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        guard w > 0, h > 0 else { return }
        record(.strokeRect(x: x, y: y, width: w, height: h, color: color))
        paintFrame(x: x, y: y, width: w, height: h, thickness: 1, color: color)
    }

    /// The outline of a rectangle, `thickness` pixels wide, inside its bounds; not recorded.
    mutating func paintFrame(x: Int, y: Int, width w: Int, height h: Int, thickness t: Int, color: Color) {
        guard w > 0, h > 0 else { return }
        let t = max(1, t)
        paintRect(x: x, y: y, width: w, height: min(t, h), color: color)
        if h > t { paintRect(x: x, y: y + h - min(t, h - t), width: w, height: min(t, h - t), color: color) }
        if h > 2 * t {
            paintRect(x: x, y: y + t, width: min(t, w), height: h - 2 * t, color: color)
            if w > t { paintRect(x: x + w - min(t, w - t), y: y + t, width: min(t, w - t), height: h - 2 * t, color: color) }
        }
    }
}

// MARK: - Blending

extension Canvas {
    /// Blends `color` over the pixel whose red byte is at `index`, with the colour's alpha
    /// scaled by `coverage` (0…255, the fraction of the pixel the shape covers).
    ///
    /// "Source over" with straight alpha, in integers so that results are exact and repeatable:
    /// with weights `ws = αs` and `wd = αd (1 − αs)`, the result is
    /// `c = (cs ws + cd wd) / (ws + wd)` and `α = ws + wd`.
    @inline(__always)
    mutating func blend(at index: Int, _ color: Color, coverage: Int) {
        let sa = (Int(color.a) * coverage + 127) / 255
        guard sa > 0 else { return }
        if sa == 255 {
            pixels[index] = color.r
            pixels[index + 1] = color.g
            pixels[index + 2] = color.b
            pixels[index + 3] = 255
            return
        }
        let sourceWeight = sa * 255
        let destinationWeight = Int(pixels[index + 3]) * (255 - sa)
        let total = sourceWeight + destinationWeight
        let half = total / 2
        pixels[index] = UInt8((Int(color.r) * sourceWeight + Int(pixels[index]) * destinationWeight + half) / total)
        pixels[index + 1] = UInt8((Int(color.g) * sourceWeight + Int(pixels[index + 1]) * destinationWeight + half) / total)
        pixels[index + 2] = UInt8((Int(color.b) * sourceWeight + Int(pixels[index + 2]) * destinationWeight + half) / total)
        pixels[index + 3] = UInt8((total + 127) / 255)
    }

    /// Blends `color` over pixel `(x, y)` if it lies on the canvas; `coverage` is 0…255.
    @inline(__always)
    mutating func blendPixel(x: Int, y: Int, _ color: Color, coverage: Int) {
        guard x >= 0, x < width, y >= 0, y < height, coverage > 0 else { return }
        blend(at: 4 * (y * width + x), color, coverage: coverage)
    }
}
