// The drawing record: every public drawing call a canvas receives, kept in order, so that the
// same description of a figure can be painted again at another scale or in another theme, or
// written as SVG (Canvas+SVG.swift).

import _Support

/// One drawing call, with its arguments as the figure gave them (canvas pixels).
enum DrawCommand: Sendable {
    case fillRect(x: Int, y: Int, width: Int, height: Int, color: Color)
    case strokeRect(x: Int, y: Int, width: Int, height: Int, color: Color)
    /// `clip` is nil for the whole canvas.
    case polyline([Point], color: Color, width: Double, dash: [Double], clip: PixelRect?)
    case circle(center: Point, radius: Double, color: Color)
    case polygon([Point], color: Color)
    /// `origin` (the pen's start on the baseline) and `advance` (the pen's travel) are what the
    /// glyphs were laid out with at this size, for the SVG writer.
    case text(String, x: Double, y: Double, size: Int, color: Color, anchor: TextAnchor, rotation: TextRotation,
              origin: Point, advance: Double)
    /// A block of opaque pixels, row by row: a heatmap's cells.
    case pixels([Color], x: Int, y: Int, width: Int, height: Int)
    case setPixel(x: Int, y: Int, color: Color)
}

/// A recorded call and whether its colours stay the same under every theme.
struct RecordedCommand: Sendable {
    var command: DrawCommand
    var keepsColors: Bool
}

extension Canvas {
    mutating func record(_ command: DrawCommand) {
        commands.append(RecordedCommand(command: command, keepsColors: keepsColors))
    }

    /// Runs `body` with every call it makes marked as keeping its colours under every theme:
    /// for data colours (heatmap cells, a colorbar) and the ink chosen to contrast with them.
    mutating func keepingColors<T>(_ body: (inout Canvas) throws -> T) rethrows -> T {
        let before = keepsColors
        keepsColors = true
        defer { keepsColors = before }
        return try body(&self)
    }

    /// Copies a block of opaque pixels onto the canvas with its top-left corner at `(x, y)`,
    /// replacing what is there: a raster such as a heatmap's cells, one colour per pixel.
    ///
    ///     canvas.drawPixels(colors, x: 80, y: 60, width: 256, height: 128)
    ///
    /// - Parameters:
    ///   - colors: `width × height` colours, row by row from the top left; alpha is ignored.
    ///   - x: left column.
    ///   - y: top row.
    ///   - width: columns in the block.
    ///   - height: rows in the block.
    public mutating func drawPixels(_ colors: [Color], x: Int, y: Int, width w: Int, height h: Int) {
        ensure(colors.count == w * h, "\(colors.count) colours cannot fill a \(w)×\(h) block")
        record(.pixels(colors, x: x, y: y, width: w, height: h))
        paintPixels(colors, x: x, y: y, width: w, height: h, scale: 1, map: { $0 })
    }

    /// Paints a pixel block enlarged by `scale` (nearest neighbour), without recording it.
    mutating func paintPixels(_ colors: [Color], x: Int, y: Int, width w: Int, height h: Int, scale: Double,
                              map: (Color) -> Color) {
        let x0 = Int((Double(x) * scale).rounded()), x1 = Int((Double(x + w) * scale).rounded())
        let y0 = Int((Double(y) * scale).rounded()), y1 = Int((Double(y + h) * scale).rounded())
        for row in max(0, y0)..<max(max(0, y0), min(height, y1)) {
            let sourceRow = min(h - 1, Int((Double(row) + 0.5) / scale) - y)
            for column in max(0, x0)..<max(max(0, x0), min(width, x1)) {
                let sourceColumn = min(w - 1, Int((Double(column) + 0.5) / scale) - x)
                let color = map(colors[max(0, sourceRow) * w + max(0, sourceColumn)])
                let i = 4 * (row * width + column)
                pixels[i] = color.r
                pixels[i + 1] = color.g
                pixels[i + 2] = color.b
                pixels[i + 3] = 255
            }
        }
    }
}

// MARK: - Painting the record again

extension Canvas {
    /// The recorded picture painted again on a new canvas `scale` times as large, with every
    /// colour passed through `theme`.
    ///
    /// Positions, line widths, dash lengths, radii and font sizes all scale; rectangles stay on
    /// whole pixels (their edges are rounded), and text is laid out again at the scaled size
    /// (rounded to a whole pixel size), so glyphs are as sharp as at the original size.
    ///
    /// - Throws: `FigureError` if no font is available.
    func repainted(scale: Double, theme: FigureTheme) throws -> Canvas {
        let width = Int((Double(self.width) * scale).rounded()), height = Int((Double(self.height) * scale).rounded())
        var canvas = Canvas(width: width, height: height, background: theme.background(for: background))
        func pixel(_ value: Int) -> Int { Int((Double(value) * scale).rounded()) }
        func span(_ start: Int, _ length: Int) -> (Int, Int) {
            let a = pixel(start), b = pixel(start + length)
            return (a, length > 0 ? max(1, b - a) : 0)
        }
        func point(_ p: Point) -> Point { Point(x: p.x * scale, y: p.y * scale) }
        for recorded in commands {
            let color = { (c: Color) in recorded.keepsColors ? c : theme.map(c) }
            switch recorded.command {
            case let .fillRect(x, y, w, h, c):
                let (x0, w1) = span(x, w), (y0, h1) = span(y, h)
                canvas.paintRect(x: x0, y: y0, width: w1, height: h1, color: color(c))
            case let .strokeRect(x, y, w, h, c):
                let (x0, w1) = span(x, w), (y0, h1) = span(y, h)
                canvas.paintFrame(x: x0, y: y0, width: w1, height: h1, thickness: max(1, Int(scale.rounded())), color: color(c))
            case let .polyline(points, c, lineWidth, dash, clip):
                let box = clip.map { r -> PixelRect in
                    let (x0, w1) = span(r.x, r.width), (y0, h1) = span(r.y, r.height)
                    return PixelRect(x: x0, y: y0, width: w1, height: h1)
                } ?? PixelRect(x: 0, y: 0, width: width, height: height)
                canvas.paintPolyline(points.map(point), color: color(c), width: lineWidth * scale, dash: dash.map { $0 * scale }, clip: box)
            case let .circle(center, radius, c):
                canvas.paintCircle(center: point(center), radius: radius * scale, color: color(c))
            case let .polygon(points, c):
                canvas.paintPolygon(points.map(point), color: color(c))
            case let .text(text, x, y, size, c, anchor, rotation, _, _):
                let scaledSize = max(1, Int((Double(size) * scale).rounded()))
                let layout = try FontLibrary.layout(text, size: scaledSize, rotation: rotation)
                canvas.paintText(layout, x: x * scale, y: y * scale, color: color(c), anchor: anchor, rotated: rotation)
            case let .pixels(colors, x, y, w, h):
                canvas.paintPixels(colors, x: x, y: y, width: w, height: h, scale: scale, map: recorded.keepsColors ? { $0 } : theme.map)
            case let .setPixel(x, y, c):
                let (x0, w1) = span(x, 1), (y0, h1) = span(y, 1)
                let mapped = color(c)
                for row in max(0, y0)..<min(height, y0 + h1) {
                    for column in max(0, x0)..<min(width, x0 + w1) {
                        let i = 4 * (row * width + column)
                        canvas.pixels[i] = mapped.r
                        canvas.pixels[i + 1] = mapped.g
                        canvas.pixels[i + 2] = mapped.b
                        canvas.pixels[i + 3] = mapped.a
                    }
                }
            }
        }
        return canvas
    }

    /// Whether some recorded text runs past an edge of the canvas: its baseline, from the pen's
    /// start to its end, leaves the picture by more than `tolerance` pixels (a title too long for
    /// the width, a turned axis title too tall for the height).
    func textRunsPastEdge(tolerance: Double = 2) -> Bool {
        commands.contains {
            guard case let .text(_, _, _, _, _, _, rotation, origin, advance) = $0.command else { return false }
            let (cosine, sine) = rotation.cosineAndSine
            let end = Point(x: origin.x + advance * cosine, y: origin.y - advance * sine)
            return [origin, end].contains {
                $0.x < -tolerance || $0.y < -tolerance || $0.x > Double(width) + tolerance || $0.y > Double(height) + tolerance
            }
        }
    }

    /// The font sizes of all recorded text, in canvas pixels.
    var textSizes: [Int] {
        commands.compactMap {
            if case let .text(_, _, _, size, _, _, _, _, _) = $0.command { size } else { nil }
        }
    }
}
