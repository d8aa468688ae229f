// Heatmaps: sizes, colours of cells, labels, down-sampling, and clear errors.

import Testing
@testable import Figures

@Suite struct HeatmapTests {
    func ramp(_ rows: Int, _ columns: Int) -> [Float] {
        (0..<(rows * columns)).map { Float($0) }
    }

    @Test func smallMatrixHasBigSquareCellsAndATitle() throws {
        let map = Heatmap(values: ramp(8, 8), rows: 8, columns: 8, title: "Eight by eight",
                          xLabel: "key", yLabel: "query", colorbarLabel: "score")
        let canvas = try map.render()
        let layout = try map.layout(range: map.colorRange())
        #expect(layout.plot.width == 8 * 72 && layout.plot.height == 8 * 72)
        #expect(canvas.width > 700 && canvas.width < 1100 && canvas.height > 650 && canvas.height < 1000)
        #expect(canvas.inkCount(x: 0, y: 0, width: canvas.width, height: 50) > 200)  // title band
        // The first cell has the smallest value, the last the largest.
        #expect(canvas[layout.plot.x + 36, layout.plot.y + 36] == Colormap.sequential.color(0))
        #expect(canvas[layout.plot.right - 36, layout.plot.bottom - 36] == Colormap.sequential.color(1))
        #expect(layout.valueSize != nil)  // 8 × 8: values written in the cells
    }

    /// A title wider than plot and colorbar widens the canvas; the plot block moves to the middle
    /// instead of leaving the extra width empty on the right, and the y title moves with it.
    @Test func wideTitleCentresThePlot() throws {
        let title = String(repeating: "A long title about attention weights ", count: 2)
        let narrow = Heatmap(values: ramp(2, 2), rows: 2, columns: 2, xLabel: "key", yLabel: "query")
        let wide = Heatmap(values: ramp(2, 2), rows: 2, columns: 2, title: title, xLabel: "key", yLabel: "query")
        let (n, w) = (try narrow.layout(range: narrow.colorRange()), try wide.layout(range: wide.colorRange()))
        #expect(w.canvasWidth > n.canvasWidth + 200)
        // Space left of the plot and right of the colorbar block: equal extra on both sides.
        let extra = w.canvasWidth - n.canvasWidth
        #expect(abs((w.plot.x - n.plot.x) - extra / 2) <= 1)
        #expect(w.yLabelLeft - n.yLabelLeft == w.plot.x - n.plot.x)
        #expect(w.colorbar.x - w.plot.right == n.colorbar.x - n.plot.right)
        let canvas = try wide.render()
        #expect(canvas[w.plot.x + 4, w.plot.y + 4] == Colormap.sequential.color(0))
    }

    @Test func divergingRangeIsSymmetricAndNaNIsGrey() throws {
        let values: [Float] = [-1, 0, 3, .nan]
        let map = Heatmap(values: values, rows: 2, columns: 2, colormap: .diverging, showValues: false)
        #expect(map.colorRange() == (-3, 3))
        let canvas = try map.render()
        let layout = try map.layout(range: map.colorRange())
        let cell = layout.plot.width / 2
        #expect(canvas[layout.plot.x + cell + cell / 2, layout.plot.y + cell / 2] == Colormap.diverging.color(0.5))  // 0
        #expect(canvas[layout.plot.x + cell + cell / 2, layout.plot.y + cell + cell / 2] == Colormap.missing)  // NaN
    }

    /// With values written in the cells, a NaN cell stays plain grey: no "nan" text on it.
    @Test func nanCellHasNoValueText() throws {
        let map = Heatmap(values: [1, .nan, 2, 3], rows: 2, columns: 2, showValues: true)
        let canvas = try map.render()
        let layout = try map.layout(range: map.colorRange())
        let cell = layout.plot.width / 2
        func otherPixels(column: Int, row: Int) -> Int {
            let (x0, y0) = (layout.plot.x + column * cell + 2, layout.plot.y + row * cell + 2)
            let background = canvas[x0, y0]
            var count = 0
            for y in y0..<(y0 + cell - 4) { for x in x0..<(x0 + cell - 4) where canvas[x, y] != background { count += 1 } }
            return count
        }
        #expect(otherPixels(column: 1, row: 0) == 0)   // NaN: grey only
        #expect(otherPixels(column: 0, row: 0) > 20)   // "1" is written
    }

    @Test func matrix128FitsASlide() throws {
        let map = Heatmap(values: ramp(128, 128), rows: 128, columns: 128, title: "128 × 128")
        let canvas = try map.render()
        let layout = try map.layout(range: map.colorRange())
        #expect(layout.plot.width == 640)  // 5-pixel cells
        #expect(layout.valueSize == nil)
        #expect(canvas.width <= 1000 && canvas.height <= 1000)
        #expect(layout.x.items.count >= 5 && layout.x.items.count <= 16)  // thinned numbers
    }

    @Test func largeMatrixIsDownSampledByBlockAverages() throws {
        let map = Heatmap(values: ramp(2000, 1000), rows: 2000, columns: 1000)
        let canvas = try map.render()
        let layout = try map.layout(range: map.colorRange())
        #expect(layout.plot.height == 720 && layout.plot.width == 360)
        #expect(canvas.height < 1000)
        // Two 2×2 blocks averaged: pixel (0, 0) covers rows 0…1 (or 0…2), columns 0…1 (or 0…2).
        let averages = Heatmap(values: [1, 3, 5, 7, 2, 2, 2, 2], rows: 2, columns: 4).blockAverages(width: 2, height: 1)
        let expected: [Float] = [2, 4]  // (1 + 3 + 2 + 2) / 4, (5 + 7 + 2 + 2) / 4
        #expect(averages == expected)
    }

    @Test func tokenLabelsAreAllDrawnWithoutOverlap() throws {
        let tokens = ["The", "animal", "didn't", "cross", "the", "street", "because", "it", "was", "too", "tired", "."]
        let map = Heatmap(values: ramp(12, 12), rows: 12, columns: 12,
                          xTicks: .labels(tokens), yTicks: .labels(tokens))
        let layout = try map.layout(range: map.colorRange())
        #expect(layout.x.items.map(\.text) == tokens)
        #expect(layout.y.items.map(\.text) == tokens)
        #expect(layout.x.rotation == .diagonal)  // "because" is wider than a 60-pixel cell
        // Many tokens in narrow cells turn upright rather than collide.
        let many = (0..<60).map { "token\($0)" }
        let crowded = try Heatmap(values: ramp(60, 60), rows: 60, columns: 60, xTicks: .labels(many), yTicks: .labels(many))
            .layout(range: (0, 1))
        #expect(crowded.x.items.count == 60 && crowded.x.rotation == .vertical)
        #expect(Double(crowded.x.size) <= Double(crowded.plot.width) / 60 + 3)
    }

    @Test func badInputThrowsClearly() throws {
        let wrongCount = #expect(throws: FigureError.self) {
            try Heatmap(values: [1, 2, 3], rows: 2, columns: 2, title: "t").render()
        }
        #expect(wrongCount?.description == "heatmap \"t\": 3 values for a 2×2 matrix (expected 4)")
        #expect(throws: FigureError.self) {
            try Heatmap(values: [1, 2, 3, 4], rows: 2, columns: 2, xTicks: .labels(["a"])).render()
        }
        #expect(throws: FigureError.self) {
            try Heatmap(values: [1, 2, 3, 4], rows: 2, columns: 2, range: 1...1).render()
        }
        #expect(throws: FigureError.self) { try Heatmap(values: [], rows: 0, columns: 0).render() }
    }

    @Test func constantAndAllNaNMatricesStillRender() throws {
        #expect(try Heatmap(values: [2, 2, 2, 2], rows: 2, columns: 2).render().width > 0)
        #expect(try Heatmap(values: [.nan, .nan], rows: 1, columns: 2).render().width > 0)
    }
}
