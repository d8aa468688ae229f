// The attention gallery, the head view and the block diagram: sizes, what is drawn where, files
// written, and clear errors for data that does not fit.

import Testing
@testable import Figures

@Suite struct AttentionFigureTests {
    let tokens = ["the", "cat", "sat", "."]

    /// maps[ℓ][h] all zero except one weight of 1 at (query 1, key 2) of layer 2, head 3.
    func sparseMaps() -> [[[Float]]] {
        var maps = [[[Float]]](repeating: [[Float]](repeating: [Float](repeating: 0, count: 16), count: 3), count: 2)
        maps[1][2][1 * 4 + 2] = 1
        return maps
    }

    @Test func galleryDrawsOneCellPerWeightInAGrid() throws {
        let gallery = AttentionGallery(title: "Gallery", tokens: tokens, maps: sparseMaps(), cellSize: 20)
        let canvas = try gallery.render()
        // Exactly one cell (20 × 20, inside its map so no frame crosses it) has the colour of weight 1.
        var darkest = 0, lightest = 0
        for y in 0..<canvas.height {
            for x in 0..<canvas.width {
                if canvas[x, y] == Colormap.sequential.color(1) { darkest += 1 }
                if canvas[x, y] == Colormap.sequential.color(0) { lightest += 1 }
            }
        }
        #expect(darkest == 400)
        // 6 maps of 4 × 4 cells, less the one at weight 1, minus the frames drawn over the edges.
        #expect(lightest > 6 * 16 * 400 - 400 - 6 * 4 * 80 && lightest <= 6 * 16 * 400 - 400)
        // Three heads across, two layers down: the grid sets the size.
        #expect(canvas.width > 3 * 80 && canvas.width < 3 * 80 + 400 && canvas.height > 2 * 80 && canvas.height < 2 * 80 + 300)
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try gallery.writePNG(to: folder.path + "/gallery.png")
        let back = try Canvas(pngFile: folder.path + "/gallery.png")
        #expect(folder.files() == ["gallery.png"] && back.width == canvas.width && back.height == canvas.height)
    }

    @Test func galleryRefusesRaggedMaps() {
        var maps = sparseMaps()
        maps[1].removeLast()
        #expect(throws: FigureError.self) { try AttentionGallery(tokens: tokens, maps: maps).render() }
        #expect(throws: FigureError.self) { try AttentionGallery(tokens: ["a", "b"], maps: sparseMaps()).render() }
        #expect(throws: FigureError.self) { try AttentionGallery(tokens: tokens, maps: []).render() }
    }

    @Test func headViewDrawsLinesOnlyForWeightsAboveTheThreshold() throws {
        let n = tokens.count
        // Without a title the rows start 63 px down (margin, legend); the lines run in the middle 360 px.
        func middleInk(_ heads: [[Float]]) throws -> Int {
            let canvas = try HeadView(tokens: tokens, heads: heads).render()
            return canvas.inkCount(x: canvas.width / 2 - 150, y: 63, width: 300, height: n * 30)
        }
        let none = [[Float]](repeating: [Float](repeating: 0, count: n * n), count: 2)
        #expect(try middleInk(none) == 0)
        var faint = none
        faint[1][0 * n + 3] = 0.04
        #expect(try middleInk(faint) == 0, "a weight below the threshold draws nothing")
        var one = none
        one[1][0 * n + 3] = 1
        let strong = try middleInk(one)
        var half = none
        half[1][0 * n + 3] = 0.3
        let weaker = try middleInk(half)
        #expect(strong > 300 && weaker > 100 && strong > weaker, "wider lines for larger weights: \(strong) vs \(weaker)")
        // The line has head 2's colour.
        let canvas = try HeadView(tokens: tokens, heads: one).render()
        let c = canvas[canvas.width / 2, 63 + 15 + 45]
        let target = Color.series(1)
        #expect(abs(Int(c.r) - Int(target.r)) < 40 && abs(Int(c.g) - Int(target.g)) < 40 && abs(Int(c.b) - Int(target.b)) < 40, "\(c)")
        #expect(throws: FigureError.self) { try HeadView(tokens: tokens, heads: [[0, 1]]).render() }
        #expect(throws: FigureError.self) { try HeadView(tokens: tokens, heads: one, query: 4).render() }
        // With a query, only that word's lines are drawn.
        #expect(try HeadView(tokens: tokens, heads: one, query: 2).render().inkCount(x: canvas.width / 2 - 150, y: 63, width: 300, height: n * 30) == 0)
    }

    @Test func blockDiagramFillsBoxesAndPointsArrows() throws {
        var diagram = BlockDiagram(width: 300, height: 200)
        diagram.boxes.append(.init(x: 20, y: 20, width: 100, height: 40, lines: [], fill: Color(hex: 0xF8D0D0)))
        diagram.arrows.append(.init([Point(x: 200, y: 20), Point(x: 200, y: 150)], color: .black))
        let canvas = try diagram.render()
        #expect(canvas.width == 300 && canvas.height == 200)
        #expect(canvas[70, 40] == Color(hex: 0xF8D0D0))
        #expect(canvas[20, 20] != Color(hex: 0xF8D0D0), "the box has a frame")
        // The arrowhead is wider than the shaft, just above the tip, and nothing is drawn below the tip.
        let headRow = canvas.inkCount(x: 190, y: 141, width: 21, height: 1), shaftRow = canvas.inkCount(x: 190, y: 80, width: 21, height: 1)
        #expect(headRow > shaftRow && shaftRow >= 1)
        #expect(canvas.inkCount(x: 180, y: 153, width: 40, height: 40) == 0)
        diagram.arrows.append(.init([Point(x: 1, y: 1)]))
        #expect(throws: FigureError.self) { try diagram.render() }
        #expect(throws: FigureError.self) { try BlockDiagram(width: 10, height: 10).render() }
    }
}
