// A picture of how documents are cut into chunks: each document a column of its lines, and beside
// it one bar per chunk spanning the lines it holds, neighbouring chunks in alternate lanes so that
// their shared lines show as overlap.

/// Documents as columns of lines, with a bar per chunk beside the lines it covers.
///
///     let map = ChunkMap(title: "Chunks of 4 lines, 1 shared",
///                        documents: [.init(name: "lease.md", lines: 9, blankLines: [5])],
///                        chunks: [.init(document: 0, firstLine: 1, lastLine: 4),
///                                 .init(document: 0, firstLine: 4, lastLine: 8)])
///     try map.writePNG(to: "Output/chunks.png")
///
/// Each line is a grey bar (blank lines are left out, a gap); the chunk bars alternate between two
/// lanes and two colours, numbered in reading order. Drawn with the canvas's rectangles and text only.
public struct ChunkMap: Figure, Sendable {
    /// One document: its name and how many lines it has (1-based line numbers).
    public struct Document: Sendable {
        public var name: String
        public var lines: Int
        /// Line numbers that are blank: drawn as gaps.
        public var blankLines: Set<Int>

        public init(name: String, lines: Int, blankLines: Set<Int> = []) {
            self.name = name
            self.lines = lines
            self.blankLines = blankLines
        }
    }

    /// One chunk: a document and an inclusive range of its 1-based line numbers.
    public struct Chunk: Sendable {
        public var document: Int
        public var firstLine: Int, lastLine: Int

        public init(document: Int, firstLine: Int, lastLine: Int) {
            self.document = document
            self.firstLine = firstLine
            self.lastLine = lastLine
        }
    }

    public var title: String
    public var documents: [Document]
    public var chunks: [Chunk]
    /// Size of the rendered figure in pixels.
    public var width: Int
    public var height: Int

    public init(title: String = "", documents: [Document], chunks: [Chunk], width: Int = 1000, height: Int = 650) {
        self.title = title
        self.documents = documents
        self.chunks = chunks
        self.width = width
        self.height = height
    }

    /// Where things go: the top of the line area, the height of one line, and each column's left edge.
    struct Layout {
        let top: Int, lineHeight: Int, columnWidth: Int, pageWidth: Int, laneWidth: Int
        func columnLeft(_ d: Int) -> Int { FigureStyle.margin + d * columnWidth }
        func pageLeft(_ d: Int) -> Int { columnLeft(d) + 36 }
        func laneLeft(_ d: Int, _ lane: Int) -> Int { pageLeft(d) + pageWidth + 6 + lane * (laneWidth + 4) }
        func lineTop(_ line: Int) -> Int { top + (line - 1) * lineHeight }
    }

    func layout() throws -> Layout {
        let titleHeight = title.isEmpty ? 0 : try Canvas.measureText(title, size: FigureStyle.titleSize).height + 16
        let nameHeight = try Canvas.measureText("Ag", size: FigureStyle.tickSize).height + 10
        let top = FigureStyle.margin + titleHeight + nameHeight
        let longest = documents.map(\.lines).max() ?? 1
        let lineHeight = (height - top - FigureStyle.margin) / max(1, longest)
        let columnWidth = (width - 2 * FigureStyle.margin) / max(1, documents.count)
        let laneWidth = 16
        let pageWidth = columnWidth - 36 - 6 - 2 * (laneWidth + 4) - 24
        return Layout(top: top, lineHeight: lineHeight, columnWidth: columnWidth, pageWidth: pageWidth, laneWidth: laneWidth)
    }

    /// - Throws: `FigureError` for no documents, a chunk outside its document, or a figure too
    ///   small for its lines.
    public func render() throws -> Canvas {
        guard !documents.isEmpty else { throw FigureError("chunk map: no documents to draw") }
        for (i, chunk) in chunks.enumerated() {
            guard documents.indices.contains(chunk.document),
                  1 <= chunk.firstLine, chunk.firstLine <= chunk.lastLine, chunk.lastLine <= documents[chunk.document].lines else {
                throw FigureError("chunk map: chunk \(i) (document \(chunk.document), lines \(chunk.firstLine)–\(chunk.lastLine)) is outside its document")
            }
        }
        let l = try layout()
        guard l.lineHeight >= 2, l.pageWidth >= 20 else {
            throw FigureError("chunk map: \(width) × \(height) pixels are too few for \(documents.count) documents of up to \(documents.map(\.lines).max()!) lines")
        }
        var canvas = Canvas(width: width, height: height)
        if !title.isEmpty {
            try canvas.drawText(title, x: Double(width) / 2, y: Double(FigureStyle.margin), size: FigureStyle.titleSize,
                                color: FigureStyle.text, anchor: .top)
        }
        let gap = l.lineHeight >= 6 ? 2 : 1
        for (d, document) in documents.enumerated() {
            try canvas.drawText(document.name, x: Double(l.pageLeft(d)), y: Double(l.top - 8), size: FigureStyle.tickSize,
                                color: FigureStyle.text, anchor: .bottomLeft)
            for line in 1...max(1, document.lines) where document.lines > 0 && !document.blankLines.contains(line) {
                canvas.fillRect(x: l.pageLeft(d), y: l.lineTop(line), width: l.pageWidth, height: l.lineHeight - gap, color: .lightGray)
            }
            // Line numbers every fifth line, so a chunk's range can be read off.
            for line in stride(from: 5, through: document.lines, by: 5) where l.lineHeight >= 4 {
                try canvas.drawText("\(line)", x: Double(l.pageLeft(d) - 6), y: Double(l.lineTop(line)) + Double(l.lineHeight) / 2,
                                    size: 12, color: FigureStyle.axis, anchor: .right)
            }
        }
        var numberInDocument: [Int: Int] = [:]
        for chunk in chunks {
            let k = numberInDocument[chunk.document, default: 0]
            numberInDocument[chunk.document] = k + 1
            let lane = k % 2
            let x = l.laneLeft(chunk.document, lane)
            let top = l.lineTop(chunk.firstLine), bottom = l.lineTop(chunk.lastLine) + l.lineHeight - gap
            canvas.fillRect(x: x, y: top, width: l.laneWidth, height: bottom - top, color: Color.series(lane))
            if bottom - top >= 16 {
                try canvas.drawText("\(k + 1)", x: Double(x + l.laneWidth / 2), y: Double(top + bottom) / 2, size: 11,
                                    color: .white, anchor: .center)
            }
        }
        return canvas
    }
}
