// SVG from the drawing record: the same calls that painted the PNG, written as vector shapes and
// real <text> elements (editable in Inkscape or Keynote, searchable in a browser).

import _Support

extension Canvas {
    /// The recorded picture as an SVG document.
    ///
    /// Coordinates are the canvas's pixels (the `viewBox`); `physicalWidth` (for example
    /// `"6.667in"`) sets how large it is placed, with the height in proportion. Text is set in
    /// the font the PNG used, at the same size, anchored at the same point, so a browser with
    /// that font draws the same picture; pixel blocks (heatmap cells) are embedded as PNG images
    /// drawn without smoothing. The same canvas always gives the same bytes.
    ///
    ///     let svg = try chart.render().svg()
    ///
    /// - Parameters:
    ///   - theme: the colours to write (see `FigureTheme`); light by default.
    ///   - physicalWidth: a CSS length for the `width` attribute; nil for the pixel width.
    /// - Throws: `FigureError` if an embedded image cannot be encoded.
    public func svg(theme: FigureTheme = .light, physicalWidth: String? = nil) throws -> String {
        var writer = SVGWriter(theme: theme, family: FontLibrary.familyName)
        for recorded in commands { try writer.add(recorded) }
        var header = "<svg xmlns=\"http://www.w3.org/2000/svg\" xml:space=\"preserve\" viewBox=\"0 0 \(width) \(height)\""
        if let physicalWidth, let number = Double(physicalWidth.prefix(while: { $0.isNumber || $0 == "." })) {
            let unit = physicalWidth.drop(while: { $0.isNumber || $0 == "." })
            header += " width=\"\(physicalWidth)\" height=\"\(SVGWriter.number(number * Double(height) / Double(max(width, 1))))\(unit)\""
        } else {
            header += " width=\"\(width)\" height=\"\(height)\""
        }
        header += " font-family=\"\(SVGWriter.escape(FontLibrary.familyName)), sans-serif\">\n"
        var body = ""
        let fill = theme.background(for: background)
        if fill.a > 0 {
            body += "<rect width=\"\(width)\" height=\"\(height)\" \(SVGWriter.paint("fill", fill))/>\n"
        }
        if !writer.clips.isEmpty {
            body += "<defs>\n"
            for (index, rect) in writer.clips.enumerated() {
                body += "<clipPath id=\"clip\(index)\"><rect x=\"\(rect.x)\" y=\"\(rect.y)\" width=\"\(rect.width)\" height=\"\(rect.height)\"/></clipPath>\n"
            }
            body += "</defs>\n"
        }
        return header + body + writer.body + "</svg>\n"
    }

    /// Writes the recorded picture as an SVG file, atomically.
    ///
    /// - Parameters:
    ///   - path: where to write; its folder must exist.
    ///   - theme: the colours to write; light by default.
    /// - Throws: `FigureError` naming the path and the reason.
    public func writeSVG(to path: String, theme: FigureTheme = .light) throws {
        let text = try svg(theme: theme)
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw FigureError("\(error)")
        }
    }
}

/// Turns recorded drawing calls into SVG elements, in order (later elements paint over earlier
/// ones, as later calls blend over earlier pixels).
struct SVGWriter {
    let theme: FigureTheme
    let family: String
    var body = ""
    /// The clip rectangles used so far; element `i` is `clip<i>`.
    var clips: [PixelRect] = []

    init(theme: FigureTheme, family: String) {
        self.theme = theme
        self.family = family
    }

    mutating func add(_ recorded: RecordedCommand) throws {
        let theme = self.theme
        let color = { (c: Color) in recorded.keepsColors ? c : theme.map(c) }
        switch recorded.command {
        case let .fillRect(x, y, w, h, c):
            guard w > 0, h > 0, c.a > 0 else { return }
            body += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" \(Self.paint("fill", color(c)))/>\n"
        case let .strokeRect(x, y, w, h, c):
            guard w > 0, h > 0, c.a > 0 else { return }
            // The PNG's one-pixel outline lies inside the bounds: a stroke centred half a pixel in.
            body += "<rect x=\"\(Self.number(Double(x) + 0.5))\" y=\"\(Self.number(Double(y) + 0.5))\" " +
                "width=\"\(max(0, w - 1))\" height=\"\(max(0, h - 1))\" fill=\"none\" \(Self.paint("stroke", color(c)))/>\n"
        case let .polyline(points, c, lineWidth, dash, clip):
            let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !finite.isEmpty, lineWidth > 0, c.a > 0 else { return }
            var element = "<polyline points=\"\(Self.points(finite.count == 1 ? [finite[0], finite[0]] : finite))\" fill=\"none\" " +
                "\(Self.paint("stroke", color(c))) stroke-width=\"\(Self.number(lineWidth))\" stroke-linecap=\"round\" stroke-linejoin=\"round\""
            let pattern = dash.filter { $0 >= 0 && $0.isFinite }
            if !pattern.isEmpty, pattern.reduce(0, +) > 0 {
                // The PNG shortens each dash by half the line width at both ends and lets the
                // round caps add it back; SVG's caps add it to the dash as given.
                let even = pattern.count % 2 == 1 ? pattern + pattern : pattern
                let adjusted = even.enumerated().map { $0.offset % 2 == 0 ? max($0.element - lineWidth, 0.001) : $0.element + lineWidth }
                element += " stroke-dasharray=\"\(adjusted.map(Self.number).joined(separator: " "))\""
            }
            if let clip {
                if !clips.contains(clip) { clips.append(clip) }
                let index = clips.firstIndex(of: clip)!
                element += " clip-path=\"url(#clip\(index))\""
            }
            body += element + "/>\n"
        case let .circle(center, radius, c):
            guard radius > 0, c.a > 0, center.x.isFinite, center.y.isFinite else { return }
            body += "<circle cx=\"\(Self.number(center.x))\" cy=\"\(Self.number(center.y))\" r=\"\(Self.number(radius))\" \(Self.paint("fill", color(c)))/>\n"
        case let .polygon(points, c):
            guard points.count >= 3, c.a > 0, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
            body += "<polygon points=\"\(Self.points(points))\" fill-rule=\"evenodd\" \(Self.paint("fill", color(c)))/>\n"
        case let .text(text, _, _, size, c, anchor, rotation, origin, advance):
            guard c.a > 0, !text.isEmpty else { return }
            // Anchored at the pen's start, middle or end along the baseline, so that the text
            // stays centred or right-aligned if an editor substitutes another font.
            let along: Double, textAnchor: String
            switch anchor.horizontal {
            case .left: (along, textAnchor) = (0, "start")
            case .center: (along, textAnchor) = (advance / 2, "middle")
            case .right: (along, textAnchor) = (advance, "end")
            }
            let (cosine, sine) = rotation.cosineAndSine
            let x = origin.x + along * cosine, y = origin.y - along * sine
            var element = "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(size)\""
            if textAnchor != "start" { element += " text-anchor=\"\(textAnchor)\"" }
            element += " \(Self.paint("fill", color(c)))"
            if rotation != .none {
                let degrees = rotation == .vertical ? -90 : -45
                element += " transform=\"rotate(\(degrees) \(Self.number(x)) \(Self.number(y)))\""
            }
            body += element + ">\(Self.escape(text))</text>\n"
        case let .pixels(colors, x, y, w, h):
            guard w > 0, h > 0 else { return }
            var image = Canvas(width: w, height: h, background: .clear)
            image.paintPixels(colors, x: 0, y: 0, width: w, height: h, scale: 1, map: recorded.keepsColors ? { $0 } : theme.map)
            let data = base64(try image.pngData())
            body += "<image x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" preserveAspectRatio=\"none\" " +
                "image-rendering=\"pixelated\" style=\"image-rendering:pixelated;image-rendering:crisp-edges\" " +
                "href=\"data:image/png;base64,\(data)\"/>\n"
        case let .setPixel(x, y, c):
            body += "<rect x=\"\(x)\" y=\"\(y)\" width=\"1\" height=\"1\" \(Self.paint("fill", color(c)))/>\n"
        }
    }

    /// `fill="#rrggbb"` (or stroke), with an opacity attribute when the colour is translucent.
    static func paint(_ attribute: String, _ color: Color) -> String {
        let digits = Array("0123456789abcdef")
        let hex = "#" + String([color.r, color.g, color.b].flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
        if color.a == 255 { return "\(attribute)=\"\(hex)\"" }
        return "\(attribute)=\"\(hex)\" \(attribute)-opacity=\"\(number(Double(color.a) / 255))\""
    }

    static func points(_ points: [Point]) -> String {
        points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
    }

    /// A coordinate with at most three decimals and no trailing zeros: short, and the same
    /// bytes on every machine.
    static func number(_ value: Double) -> String {
        let thousandths = (value * 1000).rounded()
        if thousandths == 0 { return "0" }
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = Int(abs(thousandths))
        let whole = magnitude / 1000, fraction = magnitude % 1000
        guard fraction > 0 else { return "\(sign)\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// A number as SVG writes it: at most three decimals, no trailing zeros.
func svgNumber(_ value: Double) -> String { SVGWriter.number(value) }

/// Standard base64 (RFC 4648) with padding.
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i < bytes.count {
        let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
        output.append(alphabet[b0 >> 2])
        output.append(alphabet[((b0 & 3) << 4) | (b1 >> 4)])
        output.append(i + 1 < bytes.count ? alphabet[((b1 & 15) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
        output.append(i + 2 < bytes.count ? alphabet[b2 & 63] : UInt8(ascii: "="))
        i += 3
    }
    return String(decoding: output, as: UTF8.self)
}
