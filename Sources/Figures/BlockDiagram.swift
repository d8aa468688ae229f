// Boxes, arrows and labels placed by hand: architecture diagrams (the transformer's encoder and
// decoder blocks) drawn from a description instead of a drawing program.

/// A diagram of labelled boxes joined by arrows, in pixel coordinates of a canvas of
/// `width` × `height` (the title, if any, is drawn above them in the top margin).
///
///     var diagram = BlockDiagram(title: "Encoder layer", width: 400, height: 300)
///     diagram.boxes.append(.init(x: 100, y: 60, width: 200, height: 40, lines: ["Multi-head attention"]))
///     diagram.arrows.append(.init([Point(x: 200, y: 140), Point(x: 200, y: 100)]))
public struct BlockDiagram: Figure {
    /// A rectangle with centred lines of text.
    public struct Box: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public var lines: [String]
        public var fill: Color
        public var textSize: Int

        public init(x: Int, y: Int, width: Int, height: Int, lines: [String], fill: Color = Color(r: 240, g: 240, b: 240),
                    textSize: Int = 15) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
            self.lines = lines
            self.fill = fill
            self.textSize = textSize
        }
    }

    /// A polyline with an arrowhead at its last point.
    public struct Arrow: Sendable, Equatable {
        public var points: [Point]
        public var color: Color
        public var dashed: Bool

        public init(_ points: [Point], color: Color = Color(r: 70, g: 70, b: 70), dashed: Bool = false) {
            self.points = points
            self.color = color
            self.dashed = dashed
        }
    }

    /// Free text: a side note, a shape, "× N".
    public struct Label: Sendable, Equatable {
        public var text: String
        public var x: Double, y: Double
        public var anchor: TextAnchor
        public var size: Int
        public var color: Color

        public init(_ text: String, x: Double, y: Double, anchor: TextAnchor = .left, size: Int = 14, color: Color = .darkGray) {
            self.text = text
            self.x = x
            self.y = y
            self.anchor = anchor
            self.size = size
            self.color = color
        }
    }

    public var title: String
    public var width: Int, height: Int
    public var boxes: [Box] = []
    public var arrows: [Arrow] = []
    public var labels: [Label] = []
    /// Frames drawn behind the boxes (a stack of layers), as rectangles with a dashed-looking grey edge.
    public var frames: [Box] = []

    public init(title: String = "", width: Int, height: Int) {
        self.title = title
        self.width = width
        self.height = height
    }

    /// The length of an arrowhead in pixels.
    static let headLength = 11.0

    public func render() throws -> Canvas {
        guard width >= 50, height >= 50, width <= 8000, height <= 8000 else {
            throw FigureError("block diagram: size \(width) × \(height) is outside 50...8000 pixels")
        }
        for arrow in arrows where arrow.points.count < 2 { throw FigureError("block diagram: an arrow needs at least two points") }
        var canvas = Canvas(width: width, height: height)
        try canvas.drawTitle(title, centerX: Double(width) / 2, top: FigureStyle.margin)
        for frame in frames {
            canvas.fillRect(x: frame.x, y: frame.y, width: frame.width, height: frame.height, color: frame.fill)
            canvas.strokeRect(x: frame.x, y: frame.y, width: frame.width, height: frame.height, color: Color(r: 150, g: 150, b: 150))
            for (k, line) in frame.lines.enumerated() {
                try canvas.drawText(line, x: Double(frame.x + 8), y: Double(frame.y + 6 + k * (frame.textSize + 4)), size: frame.textSize,
                                    color: FigureStyle.text, anchor: .topLeft)
            }
        }
        for arrow in arrows { draw(arrow, on: &canvas) }
        for box in boxes {
            canvas.fillRect(x: box.x, y: box.y, width: box.width, height: box.height, color: box.fill)
            canvas.strokeRect(x: box.x, y: box.y, width: box.width, height: box.height, color: FigureStyle.axis)
            let lineHeight = Double(box.textSize + 5)
            let first = Double(box.y) + Double(box.height) / 2 - lineHeight * Double(box.lines.count - 1) / 2
            for (k, line) in box.lines.enumerated() {
                try canvas.drawText(line, x: Double(box.x) + Double(box.width) / 2, y: first + lineHeight * Double(k),
                                    size: box.textSize, color: .black, anchor: .center)
            }
        }
        for label in labels {
            try canvas.drawText(label.text, x: label.x, y: label.y, size: label.size, color: label.color, anchor: label.anchor)
        }
        return canvas
    }

    /// The shaft up to the base of the head, then a filled triangle pointing along the last segment.
    func draw(_ arrow: Arrow, on canvas: inout Canvas) {
        let tip = arrow.points[arrow.points.count - 1], from = arrow.points[arrow.points.count - 2]
        let dx = tip.x - from.x, dy = tip.y - from.y, length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let (ux, uy) = (dx / length, dy / length)
        let back = min(Self.headLength, length)
        let base = Point(x: tip.x - ux * back, y: tip.y - uy * back)
        var shaft = Array(arrow.points.dropLast())
        shaft.append(base)
        canvas.drawPolyline(shaft, color: arrow.color, width: 1.8, dash: arrow.dashed ? [6, 4] : [])
        let half = Self.headLength * 0.45
        canvas.fillPolygon([tip, Point(x: base.x - uy * half, y: base.y + ux * half), Point(x: base.x + uy * half, y: base.y - ux * half)],
                           color: arrow.color)
    }
}
