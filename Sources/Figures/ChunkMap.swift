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
        /// Room left of a page for its line numbers.
        var gutter = 36
        /// The size of the line and chunk numbers.
        var numberSize = 12, chunkNumberSize = 11
        /// The title as drawn, nil for none.
        var titleBlock: TextBlock?
        /// Each document's name as drawn: one line, or under enlarged type two, broken after a
        /// "-", "_" or before a ".", when one line is wider than its column.
        var names: [TextBlock] = []
        /// The figure's height: its own, or taller under enlarged type.
        var canvasHeight = 0
        func columnLeft(_ d: Int) -> Int { FigureStyle.margin + d * columnWidth }
        func pageLeft(_ d: Int) -> Int { columnLeft(d) + gutter }
        func laneLeft(_ d: Int, _ lane: Int) -> Int { pageLeft(d) + pageWidth + 6 + lane * (laneWidth + 4) }
        func lineTop(_ line: Int) -> Int { top + (line - 1) * lineHeight }
    }

    func layout() throws -> Layout {
        // Under enlarged type the title may wrap, and the numbers are set at the smallest text
        // size, with lanes and a gutter wide enough for them.
        let enlarged = FigureStyle.isEnlarged
        let titleBlock = title.isEmpty ? nil
            : enlarged ? try FigureStyle.titleBlock(title, canvasWidth: width) : try TextBlock.single(title, size: FigureStyle.titleSize)
        let titleHeight = titleBlock.map { $0.height + 16 } ?? 0
        let columnWidth = (width - 2 * FigureStyle.margin) / max(1, documents.count)
        let names = try documents.map { try Self.nameBlock($0.name, room: columnWidth - 12) }
        let nameHeight = (names.map(\.height).max() ?? 0) + 10
        let top = FigureStyle.margin + titleHeight + nameHeight
        let longest = documents.map(\.lines).max() ?? 1
        // NOTE: under enlarged type the titles take more of the height; the figure grows (up to
        // square) to keep lines about as tall as at the standard size.
        let canvasHeight = enlarged ? min(max(height, top + longest * 16 + FigureStyle.margin), max(height, width)) : height
        let lineHeight = (canvasHeight - top - FigureStyle.margin) / max(1, longest)
        let (numberSize, chunkNumberSize) = enlarged ? (FigureStyle.smallestSize, FigureStyle.smallestSize) : (12, 11)
        let laneWidth = enlarged ? max(16, try Canvas.measureText("\(chunks.count)", size: chunkNumberSize).width + 6) : 16
        let gutter = enlarged ? max(36, try Canvas.measureText("\(longest)", size: numberSize).width + 12) : 36
        let pageWidth = columnWidth - gutter - 6 - 2 * (laneWidth + 4) - 24
        return Layout(top: top, lineHeight: lineHeight, columnWidth: columnWidth, pageWidth: pageWidth, laneWidth: laneWidth,
                      gutter: gutter, numberSize: numberSize, chunkNumberSize: chunkNumberSize, titleBlock: titleBlock, names: names,
                      canvasHeight: canvasHeight)
    }

    /// A document's name at the tick size; under enlarged type made smaller down to the smallest
    /// text size, then broken onto two lines, when it is wider than `room`.
    static func nameBlock(_ name: String, room: Int) throws -> TextBlock {
        var block = try TextBlock.single(name, size: FigureStyle.tickSize)
        guard FigureStyle.isEnlarged, block.width > room else { return block }
        for size in stride(from: FigureStyle.tickSize, through: FigureStyle.smallestSize, by: -1) {
            block = try TextBlock.single(name, size: size)
            if block.width <= room { return block }
        }
        let characters = Array(name)
        let breaks = characters.indices.filter { i in
            i > 0 && i < characters.count && (["-", "_"].contains(characters[i - 1]) || characters[i] == ".")
        }
        var best = block
        for i in breaks {
            let lines = [String(characters[..<i]), String(characters[i...])]
            let width = try lines.map { try Canvas.measureText($0, size: block.size).width }.max() ?? 0
            if best.lines.count == 1 || width < best.width {
                best = TextBlock(lines: lines, size: block.size, lineHeight: block.lineHeight, width: width)
            }
        }
        return best
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
        var canvas = Canvas(width: width, height: l.canvasHeight)
        for (k, line) in (l.titleBlock?.lines ?? []).enumerated() {
            try canvas.drawText(line, x: Double(width) / 2, y: Double(FigureStyle.margin + k * l.titleBlock!.lineHeight),
                                size: l.titleBlock!.size, color: FigureStyle.text, anchor: .top)
        }
        let gap = l.lineHeight >= 6 ? 2 : 1
        for (d, document) in documents.enumerated() {
            let name = l.names[d]
            for (k, line) in name.lines.enumerated() {
                try canvas.drawText(line, x: Double(l.pageLeft(d)), y: Double(l.top - 8 - (name.lines.count - 1 - k) * name.lineHeight),
                                    size: name.size, color: FigureStyle.text, anchor: .bottomLeft)
            }
            for line in 1...max(1, document.lines) where document.lines > 0 && !document.blankLines.contains(line) {
                canvas.fillRect(x: l.pageLeft(d), y: l.lineTop(line), width: l.pageWidth, height: l.lineHeight - gap, color: .lightGray)
            }
            // Line numbers every fifth line (tenth…, when five lines are lower than a number), so a
            // chunk's range can be read off.
            let numberHeight = try Canvas.measureText("0", size: l.numberSize).height
            var every = 5
            while every * l.lineHeight < numberHeight, every < document.lines { every *= 2 }
            for line in stride(from: every, through: document.lines, by: every) where l.lineHeight >= 4 {
                try canvas.drawText("\(line)", x: Double(l.pageLeft(d) - 6), y: Double(l.lineTop(line)) + Double(l.lineHeight) / 2,
                                    size: l.numberSize, color: FigureStyle.axis, anchor: .right)
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
            if bottom - top >= max(16, l.chunkNumberSize + 4) {
                try canvas.drawText("\(k + 1)", x: Double(x + l.laneWidth / 2), y: Double(top + bottom) / 2, size: l.chunkNumberSize,
                                    color: .white, anchor: .center)
            }
        }
        return canvas
    }
}
