// The chunk map: each chunk's bar covers exactly its lines, in alternating lanes and colours;
// blank lines are gaps; a chunk outside its document is refused.

import Testing
@testable import Figures

@Suite struct ChunkMapTests {
    static let map = ChunkMap(title: "chunks", documents: [.init(name: "a.txt", lines: 9, blankLines: [5])],
                              chunks: [.init(document: 0, firstLine: 1, lastLine: 4), .init(document: 0, firstLine: 4, lastLine: 8)])

    @Test("each chunk's bar spans the rows of its first to its last line, in its own lane and colour")
    func barsCoverTheirLines() throws {
        let canvas = try Self.map.render()
        let layout = try Self.map.layout()
        func rows(lane: Int, color: Color) -> [Int] {
            let x = layout.laneLeft(0, lane) + 2
            return (0..<canvas.height).filter { canvas[x, $0] == color }
        }
        let first = rows(lane: 0, color: Color.series(0)), second = rows(lane: 1, color: Color.series(1))
        #expect(first.first == layout.lineTop(1) && first.last! < layout.lineTop(5) && first.last! >= layout.lineTop(4))
        #expect(second.first == layout.lineTop(4) && second.last! < layout.lineTop(9) && second.last! >= layout.lineTop(8))
        #expect(rows(lane: 1, color: Color.series(0)).isEmpty && rows(lane: 0, color: Color.series(1)).isEmpty)
        // Line 4 is in both chunks: both bars cover its row.
        #expect(first.contains(layout.lineTop(4)) && second.contains(layout.lineTop(4)))
        // Lines are grey bars, the blank line 5 is not.
        let x = layout.pageLeft(0) + 5
        #expect(canvas[x, layout.lineTop(4)] == .lightGray && canvas[x, layout.lineTop(5)] == .white)
    }

    @Test("a chunk outside its document is refused in one line")
    func outsideIsRefused() {
        var map = Self.map
        map.chunks.append(.init(document: 0, firstLine: 8, lastLine: 12))
        #expect(throws: FigureError.self) { try map.render() }
        map.chunks = [.init(document: 1, firstLine: 1, lastLine: 2)]
        #expect(throws: FigureError.self) { try map.render() }
    }
}
