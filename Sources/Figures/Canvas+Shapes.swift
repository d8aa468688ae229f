// Anti-aliased shapes: lines and polylines of any width (solid or dashed), circles, polygons.

/// A position on a canvas in pixels, `x` to the right and `y` down; `(0.5, 0.5)` is the centre
/// of the top-left pixel.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A rectangle of whole pixels; used for clipping and layout.
struct PixelRect: Equatable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    var right: Int { x + width }
    var bottom: Int { y + height }

    func intersection(_ other: PixelRect) -> PixelRect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(right, other.right), y1 = min(bottom, other.bottom)
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    func intersects(_ other: PixelRect) -> Bool {
        x < other.right && other.x < right && y < other.bottom && other.y < bottom
    }
}

// MARK: - Lines

extension Canvas {
    /// Draws a straight, anti-aliased line with round ends.
    ///
    ///     canvas.drawLine(from: Point(x: 10, y: 10), to: Point(x: 190, y: 90), color: .blue, width: 2.5)
    ///     canvas.drawLine(from: Point(x: 10, y: 50), to: Point(x: 190, y: 50), color: .gray, dash: [6, 4])
    ///
    /// - Parameters:
    ///   - from: where the line starts.
    ///   - to: where it ends.
    ///   - color: the line colour.
    ///   - width: thickness in pixels; 1 by default.
    ///   - dash: lengths of drawn and skipped pieces in pixels, repeated (`[6, 4]`: 6 on, 4 off);
    ///     empty for a solid line.
    public mutating func drawLine(from: Point, to: Point, color: Color, width: Double = 1, dash: [Double] = []) {
        drawPolyline([from, to], color: color, width: width, dash: dash)
    }

    /// Draws connected line segments through `points`, anti-aliased, with round joins and ends.
    ///
    /// The whole polyline is drawn as one shape, so a translucent line does not darken where
    /// its segments meet. A dash pattern runs on across the corners.
    ///
    ///     canvas.drawPolyline(points, color: Color.series(0), width: 2.5)
    ///
    /// - Parameters:
    ///   - points: the vertices in order; non-finite points are skipped.
    ///   - color: the line colour.
    ///   - width: thickness in pixels; 1 by default.
    ///   - dash: lengths of drawn and skipped pieces in pixels, repeated; empty for solid.
    public mutating func drawPolyline(_ points: [Point], color: Color, width: Double = 1, dash: [Double] = []) {
        record(.polyline(points, color: color, width: width, dash: dash, clip: nil))
        paintPolyline(points, color: color, width: width, dash: dash,
                      clip: PixelRect(x: 0, y: 0, width: self.width, height: height))
    }

    /// `drawPolyline`, drawing only inside `clip` (a chart's plot area).
    mutating func strokePolyline(_ points: [Point], color: Color, width lineWidth: Double, dash: [Double], clip: PixelRect) {
        record(.polyline(points, color: color, width: lineWidth, dash: dash, clip: clip))
        paintPolyline(points, color: color, width: lineWidth, dash: dash, clip: clip)
    }

    /// `strokePolyline` without recording the call.
    mutating func paintPolyline(_ points: [Point], color: Color, width lineWidth: Double, dash: [Double], clip: PixelRect) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !finite.isEmpty, lineWidth > 0, color.a > 0 else { return }
        let halfWidth = lineWidth / 2
        let pieces = dashPieces(of: finite, pattern: dash, halfWidth: halfWidth)

        // The coverage of every pixel in the clip box is the maximum over all segments, then
        // blended once: one shape, however many segments overlap a pixel.
        let box = clip.intersection(PixelRect(x: 0, y: 0, width: self.width, height: height))
        guard box.width > 0, box.height > 0 else { return }
        var coverage = [Float](repeating: 0, count: box.width * box.height)
        let reach = halfWidth + 1
        for piece in pieces {
            if piece.count == 1 {
                stampSegment(piece[0], piece[0], halfWidth: halfWidth, into: &coverage, box: box)
                continue
            }
            for k in 1..<piece.count {
                guard let (a, b) = clipSegment(piece[k - 1], piece[k], to: box, margin: reach) else { continue }
                stampSegment(a, b, halfWidth: halfWidth, into: &coverage, box: box)
            }
        }
        for row in 0..<box.height {
            for column in 0..<box.width where coverage[row * box.width + column] > 0 {
                let c = Int(coverage[row * box.width + column] * 255 + 0.5)
                blend(at: 4 * ((box.y + row) * width + box.x + column), color, coverage: c)
            }
        }
    }

    /// Raises `coverage` to the coverage of the round-ended segment `a`–`b`.
    ///
    /// A pixel's coverage is estimated from the distance `d` of its centre to the segment:
    /// `clamp(w/2 + 0.5 − d, 0, 1)`, a one-pixel ramp across the edge (lines thinner than a
    /// pixel are drawn one pixel wide and fainter).
    private func stampSegment(_ a: Point, _ b: Point, halfWidth: Double, into coverage: inout [Float], box: PixelRect) {
        let reach = max(halfWidth, 0.5) + 0.5
        let x0 = max(box.x, Int((min(a.x, b.x) - reach).rounded(.down)))
        let x1 = min(box.right - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
        let y0 = max(box.y, Int((min(a.y, b.y) - reach).rounded(.down)))
        let y1 = min(box.bottom - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        let faint = min(1, 2 * halfWidth)
        let radius = max(halfWidth, 0.5)
        for py in y0...y1 {
            let cy = Double(py) + 0.5
            for px in x0...x1 {
                let cx = Double(px) + 0.5
                var t = lengthSquared > 0 ? ((cx - a.x) * dx + (cy - a.y) * dy) / lengthSquared : 0
                t = min(max(t, 0), 1)
                let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                let d = (ex * ex + ey * ey).squareRoot()
                let c = Float(min(max(radius + 0.5 - d, 0), 1) * faint)
                let i = (py - box.y) * box.width + (px - box.x)
                if c > coverage[i] { coverage[i] = c }
            }
        }
    }

    /// Cuts the segment `a`–`b` to the box grown by `margin` (Liang–Barsky), so that far-away
    /// points cost nothing and lose no precision; nil if nothing is left.
    private func clipSegment(_ a: Point, _ b: Point, to box: PixelRect, margin: Double) -> (Point, Point)? {
        let xMin = Double(box.x) - margin, xMax = Double(box.right) + margin
        let yMin = Double(box.y) - margin, yMax = Double(box.bottom) + margin
        let dx = b.x - a.x, dy = b.y - a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.x - xMin), (dx, xMax - a.x), (-dy, a.y - yMin), (dy, yMax - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                if t0 > t1 { return nil }
            }
        }
        return (Point(x: a.x + t0 * dx, y: a.y + t0 * dy), Point(x: a.x + t1 * dx, y: a.y + t1 * dy))
    }

    /// Splits a polyline into the drawn pieces of a dash pattern, measured along its length.
    ///
    /// Each piece is shortened by the line's half width at both ends, because the round ends
    /// add that much back: the visible dashes and gaps then have the lengths asked for.
    private func dashPieces(of points: [Point], pattern: [Double], halfWidth: Double) -> [[Point]] {
        var pattern = pattern.filter { $0 >= 0 && $0.isFinite }
        if pattern.count % 2 == 1 { pattern += pattern }
        guard points.count > 1, !pattern.isEmpty, pattern.reduce(0, +) > 0 else { return [points] }

        var cumulative = [0.0]
        for k in 1..<points.count {
            let dx = points[k].x - points[k - 1].x, dy = points[k].y - points[k - 1].y
            cumulative.append(cumulative[k - 1] + (dx * dx + dy * dy).squareRoot())
        }
        let total = cumulative[cumulative.count - 1]

        func point(at distance: Double, segment k: Int) -> Point {
            let length = cumulative[k + 1] - cumulative[k]
            let t = length > 0 ? (distance - cumulative[k]) / length : 0
            return Point(x: points[k].x + t * (points[k + 1].x - points[k].x),
                         y: points[k].y + t * (points[k + 1].y - points[k].y))
        }

        var pieces: [[Point]] = []
        var start = 0.0, k = 0, segment = 0
        while start < total {
            let on = pattern[k % pattern.count], off = pattern[(k + 1) % pattern.count]
            var s = start, e = min(start + on, total)
            if e - s > 2 * halfWidth { s += halfWidth; e -= halfWidth } else { s = (s + e) / 2; e = s }
            while segment < points.count - 2 && cumulative[segment + 1] <= s { segment += 1 }
            var piece = [point(at: s, segment: segment)]
            var j = segment
            while j < points.count - 2 && cumulative[j + 1] < e {
                piece.append(points[j + 1])
                j += 1
            }
            if e > s { piece.append(point(at: e, segment: j)) }
            pieces.append(piece)
            start += on + off
            k += 2
        }
        return pieces
    }
}

// MARK: - Filled shapes

extension Canvas {
    /// Fills an anti-aliased disc.
    ///
    ///     canvas.fillCircle(center: Point(x: 50, y: 50), radius: 4, color: .red)
    ///
    /// - Parameters:
    ///   - center: the centre.
    ///   - radius: the radius in pixels.
    ///   - color: the fill colour.
    public mutating func fillCircle(center: Point, radius: Double, color: Color) {
        record(.circle(center: center, radius: radius, color: color))
        paintCircle(center: center, radius: radius, color: color)
    }

    /// `fillCircle` without recording the call.
    mutating func paintCircle(center: Point, radius: Double, color: Color) {
        guard radius > 0, center.x.isFinite, center.y.isFinite else { return }
        let x0 = max(0, Int((center.x - radius - 1).rounded(.down)))
        let x1 = min(width - 1, Int((center.x + radius + 1).rounded(.up)))
        let y0 = max(0, Int((center.y - radius - 1).rounded(.down)))
        let y1 = min(height - 1, Int((center.y + radius + 1).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for py in y0...y1 {
            for px in x0...x1 {
                let dx = Double(px) + 0.5 - center.x, dy = Double(py) + 0.5 - center.y
                let c = min(max(radius + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1)
                blendPixel(x: px, y: py, color, coverage: Int(c * 255 + 0.5))
            }
        }
    }

    /// Fills a polygon (even–odd rule), anti-aliased by sampling each pixel 4 × 4 times.
    ///
    ///     let triangle = [Point(x: 50, y: 40), Point(x: 56, y: 51), Point(x: 44, y: 51)]
    ///     canvas.fillPolygon(triangle, color: .green)
    ///
    /// - Parameters:
    ///   - points: the corners in order (the last joins the first).
    ///   - color: the fill colour.
    public mutating func fillPolygon(_ points: [Point], color: Color) {
        record(.polygon(points, color: color))
        paintPolygon(points, color: color)
    }

    /// `fillPolygon` without recording the call.
    mutating func paintPolygon(_ points: [Point], color: Color) {
        guard points.count >= 3, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let x0 = max(0, Int(points.map(\.x).min()!.rounded(.down)))
        let x1 = min(width - 1, Int(points.map(\.x).max()!.rounded(.up)))
        let y0 = max(0, Int(points.map(\.y).min()!.rounded(.down)))
        let y1 = min(height - 1, Int(points.map(\.y).max()!.rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let n = 4
        for py in y0...y1 {
            for px in x0...x1 {
                var inside = 0
                for sy in 0..<n {
                    let y = Double(py) + (Double(sy) + 0.5) / Double(n)
                    for sx in 0..<n {
                        let x = Double(px) + (Double(sx) + 0.5) / Double(n)
                        if contains(points, x: x, y: y) { inside += 1 }
                    }
                }
                blendPixel(x: px, y: py, color, coverage: (inside * 255 + n * n / 2) / (n * n))
            }
        }
    }

    /// Even–odd point-in-polygon test: count the edges a ray to the right crosses.
    private func contains(_ polygon: [Point], x: Double, y: Double) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in 0..<polygon.count {
            let a = polygon[i], b = polygon[j]
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}
