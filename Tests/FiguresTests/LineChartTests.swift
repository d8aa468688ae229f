// Line charts: size, title, log axes, markers, legend, and clear errors.

import Testing
@testable import Figures

@Suite struct LineChartTests {
    let n: [Double] = [128, 256, 512, 1024, 2048, 4096]

    @Test func rendersAtTheDefaultSizeWithATitle() throws {
        let chart = LineChart(title: "Time", xLabel: "N", yLabel: "ms",
                              series: [Series(name: "standard", x: n, y: n.map { $0 * $0 / 1e5 })])
        let canvas = try chart.render()
        #expect(canvas.width == 1000 && canvas.height == 650)
        #expect(canvas.inkCount(x: 0, y: 0, width: 1000, height: 50) > 200)
        // The series colour appears in the plot.
        #expect(canvas.pixels.indices.contains { i in
            i % 4 == 0 && Color(r: canvas.pixels[i], g: canvas.pixels[i + 1], b: canvas.pixels[i + 2]) == Color.series(0)
        })
    }

    @Test func logAxesTakePositiveDataAndSkipTheRest() throws {
        let chart = LineChart(series: [Series(name: "a", x: n, y: n.map { $0 / 100 }),
                                       Series(name: "b", x: [0, 1, 10, 100], y: [-1, 0, 5, 50])],
                              xScale: .log, yScale: .log)
        let data = try chart.prepareSeries()
        #expect(data[1].runs.map(\.count) == [2])  // (0, −1) and (1, 0) left out
        let layout = try chart.layout(data, legendOutside: false)
        #expect(layout.yTicks.compactMap(\.label).contains("10"))
        #expect(try chart.render().width == 1000)
    }

    @Test func logAxisWithNothingPositiveThrows() {
        let chart = LineChart(series: [Series(name: "a", x: [1, 2, 3], y: [0, -1, -2])], yScale: .log)
        let error = #expect(throws: FigureError.self) { try chart.render() }
        #expect(error?.description.contains("log y axis") == true)
        #expect(throws: FigureError.self) {
            try LineChart(series: [Series(name: "a", x: [1, 2], y: [1, 2])], yScale: .log, yRange: 0...10).render()
        }
    }

    @Test func mismatchedSeriesThrows() {
        let error = #expect(throws: FigureError.self) {
            try LineChart(series: [Series(name: "loss", x: [1, 2, 3], y: [1, 2])]).render()
        }
        #expect(error?.description == "line chart: series \"loss\" has 3 x values but 2 y values")
        #expect(throws: FigureError.self) { try LineChart(series: []).render() }
    }

    @Test func fixedRangesAreKept() throws {
        let chart = LineChart(series: [Series(name: "a", x: [0, 1], y: [0.2, 0.4])], xRange: 0...2, yRange: 0...1)
        let layout = try chart.layout(try chart.prepareSeries(), legendOutside: false)
        #expect(layout.x.low == 0 && layout.x.high == 2 && layout.y.low == 0 && layout.y.high == 1)
        #expect(layout.yTicks.compactMap(\.label).last == "1.0")
    }

    @Test func markersAreDrawnWithTheirLabels() throws {
        let marker = Color(r: 200, g: 0, b: 200)
        let plain = LineChart(series: [Series(name: "a", x: n, y: n)], xScale: .log)
        var marked = plain
        marked.markers = [Marker(x: 1000, label: "L2", color: marker), Marker(x: 1e9, label: "off the chart")]
        let canvas = try marked.render()
        #expect(try plain.render().pixels != canvas.pixels)
        #expect(canvas.pixels.indices.contains { i in
            i % 4 == 0 && Color(r: canvas.pixels[i], g: canvas.pixels[i + 1], b: canvas.pixels[i + 2]) == marker
        })
    }

    @Test func legendAvoidsTheData() throws {
        // A line rising across the whole plot leaves the top-left and bottom-right corners free.
        let rising = LineChart(series: [Series(name: "rising", x: [0, 10], y: [0, 10])])
        let data = try rising.prepareSeries()
        let layout = try rising.layout(data, legendOutside: false)
        let corner = try rising.freeCorner(data, layout: layout, avoiding: [])
        #expect(corner != nil)
        #expect(corner.map { $0.x < layout.plot.x + layout.plot.width / 2 } == true)
        // Lines through every corner push the legend outside.
        let crossing = LineChart(series: [Series(name: "up", x: [0, 10], y: [0, 10]), Series(name: "down", x: [0, 10], y: [10, 0])])
        let crossingData = try crossing.prepareSeries()
        #expect(try crossing.freeCorner(crossingData, layout: crossing.layout(crossingData, legendOutside: false), avoiding: []) == nil)
    }

    @Test func renderingIsDeterministic() throws {
        let chart = LineChart(title: "Same", series: [Series(name: "a", x: n, y: n, style: .dashed, symbol: .circle)])
        #expect(try chart.render().pixels == chart.render().pixels)
    }
}
