// Bar charts: bar heights measured in rendered pixels, stacking, order and colours, labels,
// totals, clear errors, determinism, and a demo to look at.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Figures

extension Canvas {
    /// The rows of column `x` whose pixel is exactly `color`, top to bottom.
    func rows(of color: Color, inColumn x: Int) -> [Int] {
        (0..<height).filter { self[x, $0] == color }
    }

    /// How many pixels in the rectangle are dark like text (grid lines are not).
    func darkCount(x: Int, y: Int, width w: Int, height h: Int) -> Int {
        var count = 0
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                let c = self[column, row]
                if Int(c.r) + Int(c.g) + Int(c.b) < 450 { count += 1 }
            }
        }
        return count
    }

    /// Left-to-right runs of colours along row `y` (ignoring white, grid and axis greys).
    func colorRuns(inRow y: Int, among colors: [Color]) -> [Color] {
        var runs: [Color] = []
        for x in 0..<width where colors.contains(self[x, y]) && runs.last != self[x, y] {
            runs.append(self[x, y])
        }
        return runs
    }
}

@Suite struct BarChartTests {
    let red = Color(r: 220, g: 30, b: 40), green = Color(r: 20, g: 160, b: 60), blue = Color(r: 30, g: 60, b: 200)

    /// The centre column of category `c` in a rendered chart.
    func center(_ chart: BarChart, _ c: Int) throws -> Int {
        let layout = try chart.layout(legendOutside: chart.legend == .outside)
        return layout.plot.x + Int((Double(c) + 0.5) * layout.slot(chart.categories.count))
    }

    @Test func barHeightsAreProportionalToValues() throws {
        let values: [Double] = [1, 2, 4, 7.5, 0.5]
        let chart = BarChart(categories: ["a", "b", "c", "d", "e"], groups: [.init(name: "", values: values, color: red)])
        let canvas = try chart.render()
        let heights = try values.indices.map { canvas.rows(of: red, inColumn: try center(chart, $0)) }
        // Each bar is one contiguous run standing on the same bottom row.
        for rows in heights { #expect(rows.last! - rows.first! + 1 == rows.count) }
        #expect(Set(heights.map { $0.last! }).count == 1)
        let pixelsPerUnit = Double(heights[3].count) / 7.5
        #expect(pixelsPerUnit > 40)  // the tallest bar fills most of a 650-pixel figure
        for (value, rows) in zip(values, heights) {
            #expect(abs(Double(rows.count) - value * pixelsPerUnit) <= 1.0, "value \(value): \(rows.count) px")
        }
    }

    @Test func stackedHeightIsTheSumOfItsPieces() throws {
        let a: [Double] = [1, 3, 0, 2], b: [Double] = [2, 1, 4, 2], c: [Double] = [3, 0.5, 1, 2]
        let chart = BarChart(categories: ["w", "x", "y", "z"],
                             groups: [.init(name: "a", values: a, color: red), .init(name: "b", values: b, color: green),
                                      .init(name: "c", values: c, color: blue)],
                             mode: .stacked, showTotals: true, legend: .outside)
        let canvas = try chart.render()
        var stackHeights: [Int] = []
        for k in 0..<4 {
            let x = try center(chart, k)
            let (r, g, bl) = (canvas.rows(of: red, inColumn: x), canvas.rows(of: green, inColumn: x), canvas.rows(of: blue, inColumn: x))
            let all = (r + g + bl).sorted()
            #expect(all.last! - all.first! + 1 == all.count)  // no gaps between pieces
            // Bottom = first group: red lies below green, green below blue (larger rows are lower).
            if let top = r.first, let low = g.last { #expect(low < top) }
            if let top = g.first, let low = bl.last { #expect(low < top) }
            stackHeights.append(all.count)
            let unit = Double(all.count) / (a[k] + b[k] + c[k])
            for (rows, value) in [(r, a[k]), (g, b[k]), (bl, c[k])] {
                #expect(abs(Double(rows.count) - value * unit) <= 1.0)
            }
        }
        // Totals 6, 4.5, 5, 6: stacks in proportion to the sums.
        let unit = Double(stackHeights[0]) / 6
        for (height, total) in zip(stackHeights, [6.0, 4.5, 5, 6]) { #expect(abs(Double(height) - total * unit) <= 1.0) }
    }

    @Test func groupedBarsStandSideBySideInGroupOrder() throws {
        let chart = BarChart(categories: ["one", "two", "three"],
                             groups: [.init(name: "r", values: [3, 3, 3], color: red), .init(name: "g", values: [2, 4, 1], color: green),
                                      .init(name: "b", values: [1, 2, 5], color: blue)],
                             legend: .outside)
        let canvas = try chart.render()
        let layout = try chart.layout(legendOutside: true)
        let runs = canvas.colorRuns(inRow: layout.plot.bottom - 3, among: [red, green, blue])
        #expect(runs == [red, green, blue, red, green, blue, red, green, blue])
        // Default colours follow the series palette.
        let plainChart = BarChart(categories: ["x"], groups: [.init(name: "p", values: [1]), .init(name: "q", values: [2])])
        let plainRow = try plainChart.layout(legendOutside: false).plot.bottom - 3
        #expect(try plainChart.render().colorRuns(inRow: plainRow, among: [Color.series(0), Color.series(1)]) == [Color.series(0), Color.series(1)])
    }

    @Test func logScaleBarsRiseByDecades() throws {
        let chart = BarChart(categories: ["a", "b", "c"], groups: [.init(name: "", values: [10, 100, 1000], color: red)], yScale: .log)
        let canvas = try chart.render()
        let heights = try (0..<3).map { canvas.rows(of: red, inColumn: try center(chart, $0)).count }
        // Equal ratios, equal steps: 100 is as far above 10 as 1000 above 100.
        #expect(abs((heights[1] - heights[0]) - (heights[2] - heights[1])) <= 1)
        #expect(heights[0] > 0)
    }

    @Test func crowdedCategoryLabelsTurn() throws {
        let short = BarChart(categories: ["1", "2", "3"], groups: [.init(name: "", values: [1, 2, 3])])
        #expect(try short.layout(legendOutside: false).labels.rotation == .none)
        let long = BarChart(categories: (0..<12).map { "sequence length \($0)" }, groups: [.init(name: "", values: Array(repeating: 1, count: 12))])
        let layout = try long.layout(legendOutside: false)
        #expect(layout.labels.rotation == .diagonal)
        #expect(layout.labels.items.count == 12)
        #expect(layout.plot.bottom + layout.labels.depth < 650)
    }

    @Test func totalsAreWrittenAboveTheBarsInsideThePlot() throws {
        let chart = BarChart(categories: ["a", "b"], groups: [.init(name: "", values: [12_345, 800], color: red)], showTotals: true)
        let layout = try chart.layout(legendOutside: false)
        let totals = try chart.totalLabels(layout)
        #expect(totals.map(\.text) == ["12.3k", "800"])
        for (_, rect) in totals { #expect(rect.y >= layout.plot.y) }
        // Ink just above each bar, none above the bars without totals.
        let canvas = try chart.render()
        var bare = chart
        bare.showTotals = false
        let plain = try bare.render()
        for c in 0..<2 {
            let x = try center(chart, c)
            let barTop = canvas.rows(of: red, inColumn: x).first!
            #expect(totals[c].rect.bottom <= barTop)
            #expect(canvas.darkCount(x: x - 20, y: barTop - 22, width: 40, height: 20) > 20)
            #expect(plain.darkCount(x: x - 20, y: barTop - 22, width: 40, height: 20) == 0)
        }
    }

    @Test func compactNumbers() {
        #expect(compactNumber(0) == "0")
        #expect(compactNumber(12) == "12")
        #expect(compactNumber(1234) == "1234")
        #expect(compactNumber(12.345) == "12.3")
        #expect(compactNumber(0.5) == "0.5")
        #expect(compactNumber(0.01234) == "0.0123")
        #expect(compactNumber(12_345) == "12.3k")
        #expect(compactNumber(100_000) == "100k")
        #expect(compactNumber(999_999) == "1M")
        #expect(compactNumber(2.5e9) == "2.5G")
        #expect(compactNumber(-3.25) == "\u{2212}3.25")
    }

    @Test func badInputThrowsClearly() throws {
        func message(_ chart: BarChart) -> String? {
            (#expect(throws: FigureError.self) { try chart.render() })?.description
        }
        let g = BarChart.Group(name: "g", values: [1, 2])
        #expect(message(BarChart(categories: [], groups: [g])) == "bar chart: no categories to plot")
        #expect(message(BarChart(categories: ["a", "b"], groups: [])) == "bar chart: no groups of bars to plot")
        #expect(message(BarChart(title: "T", categories: ["a", "b", "c"], groups: [g]))
                == "bar chart \"T\": group \"g\" has 2 values for 3 categories")
        #expect(message(BarChart(categories: ["a", "b"], groups: [.init(name: "g", values: [1, .nan])]))?.contains("\"b\"") == true)
        #expect(message(BarChart(categories: ["a", "b"], groups: [.init(name: "g", values: [.infinity, 1])]))?.contains("finite") == true)
        #expect(message(BarChart(categories: ["a", "b"], groups: [.init(name: "g", values: [1, -1])], mode: .stacked))?
            .contains("stacked bars need values ≥ 0") == true)
        #expect(message(BarChart(categories: ["a", "b"], groups: [.init(name: "g", values: [1, 0])], yScale: .log))?
            .contains("log axis") == true)
        #expect(message(BarChart(categories: ["a", "b"], groups: [g], mode: .stacked, yScale: .log))?.contains("grouped bars only") == true)
        #expect(message(BarChart(categories: ["a", "b"], groups: [g], yRange: 1...1)) != nil)
        // Negative values are fine when grouped on a linear axis: they hang below zero.
        #expect(try BarChart(categories: ["a", "b"], groups: [.init(name: "g", values: [1, -1])]).render().width == 1000)
    }

    @Test func renderingIsByteIdentical() throws {
        let chart = demoStacked()
        #expect(try chart.render().pngData() == chart.render().pngData())
    }

    // MARK: - Demo

    func demoStacked() -> BarChart {
        let parts = ["embedding", "attention", "softmax", "MLP", "layer norm"]
        let values: [[Double]] = [[0.4, 0.5, 0.7, 1.1, 1.9], [2.1, 5.8, 19.7, 71.5, 270], [0.6, 2.2, 8.9, 35, 141],
                                  [3.9, 7.7, 15.6, 31.0, 62.5], [0.3, 0.6, 1.2, 2.4, 4.9]]
        return BarChart(title: "Time per transformer block", xLabel: "sequence length", yLabel: "time (ms)",
                        categories: ["N=256", "N=512", "N=1024", "N=2048", "N=4096"],
                        groups: zip(parts, values).map { BarChart.Group(name: $0, values: $1) }, mode: .stacked, showTotals: true)
    }

    func demoHistogram() -> BarChart {
        let counts: [Double] = [3, 14, 41, 97, 160, 171, 122, 63, 22, 7]
        let bins = (0..<10).map { "\($0 * 2)–\($0 * 2 + 2)" }
        return BarChart(title: "Distribution of token-embedding norms", xLabel: "‖x‖₂", yLabel: "count",
                        categories: bins, groups: [.init(name: "", values: counts)], showTotals: true)
    }

    /// Renders the demo charts; with `FIGURES_DEMO` set to a folder, writes them there to look at.
    @Test func demoChartsRender() throws {
        let grouped = BarChart(title: "Tokens per second by model size", yLabel: "tokens/s",
                               categories: ["tiny (0.8M)", "small (6.4M)", "medium (25M)", "base (85M)", "large (302M)", "huge (1.2B)"],
                               groups: [.init(name: "naive", values: [91_000, 12_500, 3_300, 960, 270, 61]),
                                        .init(name: "tiled", values: [240_000, 41_000, 11_200, 3_400, 980, 230]),
                                        .init(name: "flash", values: [310_000, 56_000, 16_800, 5_100, 1_450, 360])],
                               yScale: .log, showTotals: true)
        let crowded = BarChart(title: "Change in loss per ablated component", yLabel: "Δ loss",
                               categories: (0..<14).map { "layer \($0 / 2) head \($0 % 2)" },
                               groups: [.init(name: "train", values: (0..<14).map { sin(Double($0)) * 0.8 + 0.1 }),
                                        .init(name: "validation", values: (0..<14).map { cos(Double($0)) * 0.6 + 0.2 })],
                               showTotals: true)
        let charts: [(String, any Figure)] = [("bar-crowded", crowded), ("bar-stacked", demoStacked()), ("bar-histogram", demoHistogram()), ("bar-grouped-log", grouped),
                                              ("roofline", LineChartAnnotationTests.demoRoofline())]
        for (name, chart) in charts {
            let canvas = try chart.render()
            #expect(canvas.width == 1000 && canvas.height == 650)
            if let folder = getenv("FIGURES_DEMO").map({ String(cString: $0) }) { try canvas.writePNG(to: "\(folder)/\(name).png") }
        }
    }
}
