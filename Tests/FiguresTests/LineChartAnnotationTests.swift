// Line-chart annotations (labelled points) and scatter series: where the pixels land on log
// axes, how labels avoid each other and the plot edge, and that they count in fitting the axes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Figures

@Suite struct LineChartAnnotationTests {
    let magenta = Color(r: 200, g: 0, b: 200)

    /// The mean position of the pixels of exactly `color` within `radius` of `(x, y)`, and their count.
    func centroid(of color: Color, in canvas: Canvas, near x: Double, _ y: Double, radius: Int) -> (x: Double, y: Double, count: Int) {
        var sx = 0.0, sy = 0.0, n = 0
        for row in Int(y) - radius...Int(y) + radius {
            for column in Int(x) - radius...Int(x) + radius where canvas[column, row] == color {
                sx += Double(column) + 0.5
                sy += Double(row) + 0.5
                n += 1
            }
        }
        return n == 0 ? (.nan, .nan, 0) : (sx / Double(n), sy / Double(n), n)
    }

    @Test func annotationDotLandsOnItsDataPositionOnLogLogAxes() throws {
        // Fixed ranges, so the expected pixel follows from the plot rectangle alone:
        // x = 100 is half-way along 1…10⁴ (2 of 4 decades), y = 10 a fifth up 1…10⁵.
        let chart = LineChart(series: [Series(name: "", x: [1, 1e4], y: [1e5, 1e5])], xScale: .log, yScale: .log,
                              xRange: 1...1e4, yRange: 1...1e5, legend: .hidden,
                              annotations: [Annotation(x: 100, y: 10, text: "GEMM", color: magenta)])
        let canvas = try chart.render()
        let plot = try chart.layout(chart.prepareSeries(), legendOutside: false).plot
        let expectedX = Double(plot.x) + 0.5 * Double(plot.width)
        let expectedY = Double(plot.bottom) - 0.2 * Double(plot.height)
        let dot = centroid(of: magenta, in: canvas, near: expectedX, expectedY, radius: 5)
        #expect(dot.count >= 20)  // a filled dot of radius 3.5 px: about 38 pixels, 20+ fully covered
        #expect(abs(dot.x - expectedX) <= 1.0 && abs(dot.y - expectedY) <= 1.0, "dot at \(dot), expected (\(expectedX), \(expectedY))")
        // The text is drawn too, beside the dot: many more pixels of its colour nearby.
        let text = canvas.inkCount(x: Int(expectedX) + 6, y: Int(expectedY) - 12, width: 60, height: 24)
        #expect(text > 40)
    }

    @Test func annotationsCountWhenFittingTheAxes() throws {
        let chart = LineChart(series: [Series(name: "roof", x: [1, 10], y: [1, 10])], xScale: .log, yScale: .log,
                              annotations: [Annotation(x: 1000, y: 0.01, text: "far away")])
        let layout = try chart.layout(chart.prepareSeries(), legendOutside: false)
        #expect(layout.x.high >= 1000 && layout.y.low <= 0.01)
        // Annotations alone are enough to draw a chart; invalid ones are left out.
        let bare = LineChart(series: [], annotations: [Annotation(x: 1, y: 2, text: "a"), Annotation(x: .nan, y: 1, text: "b")])
        #expect(try bare.render().width == 1000)
    }

    @Test func labelsAvoidEachOtherAndStayInsideThePlot() throws {
        // Six points in a tight cluster, and one at the plot's right edge.
        var notes = (0..<6).map { Annotation(x: 5 + 0.02 * Double($0), y: 5 + 0.02 * Double($0), text: "kernel \($0)") }
        notes.append(Annotation(x: 10, y: 5, text: "at the edge"))
        let chart = LineChart(series: [Series(name: "", x: [0, 10], y: [0, 10])], xRange: 0...10, yRange: 0...10, annotations: notes)
        let data = try chart.prepareSeries()
        let layout = try chart.layout(data, legendOutside: false)
        let placed = try chart.placeAnnotations(data, layout, avoiding: [])
        #expect(placed.count == 7)
        for (i, a) in placed.enumerated() {
            #expect(a.rect.x >= layout.plot.x && a.rect.right <= layout.plot.right, "label \(i) leaves the plot: \(a.rect)")
            #expect(a.rect.y >= layout.plot.y && a.rect.bottom <= layout.plot.bottom)
            for b in placed[..<i] { #expect(!a.rect.intersects(b.rect), "\(a.text) overlaps \(b.text)") }
        }
        #expect(placed[6].rect.right <= Int(placed[6].dot.x))  // pushed left of its dot
    }

    @Test func scatterSeriesHasNoConnectingLine() throws {
        let color = Color(r: 10, g: 120, b: 10)
        let scatter = LineChart(series: [Series(name: "points", x: [0, 10], y: [0, 10], style: .none, color: color)],
                                xRange: -1...11, yRange: -1...11, legend: .hidden)
        let canvas = try scatter.render()
        let layout = try scatter.layout(scatter.prepareSeries(), legendOutside: false)
        let (x0, y0) = (layout.x.pixel(0), layout.y.pixel(0)), (x1, y1) = (layout.x.pixel(10), layout.y.pixel(10))
        // A circle at each point (the default symbol of a scatter) ...
        #expect(centroid(of: color, in: canvas, near: x0, y0, radius: 6).count >= 20)
        #expect(centroid(of: color, in: canvas, near: x1, y1, radius: 6).count >= 20)
        // ... and nothing in between, where a line would run.
        #expect(centroid(of: color, in: canvas, near: (x0 + x1) / 2, (y0 + y1) / 2, radius: 20).count == 0)
        var line = scatter
        line.series[0].style = .solid
        #expect(centroid(of: color, in: try line.render(), near: (x0 + x1) / 2, (y0 + y1) / 2, radius: 20).count > 20)
    }

    @Test func renderingIsByteIdentical() throws {
        let chart = Self.demoRoofline()
        #expect(try chart.render().pngData() == chart.render().pngData())
    }

    // MARK: - Demo

    /// A roofline: attainable GFLOP/s = min(peak, bandwidth × intensity), for DRAM and L2, with
    /// twelve measured kernels as annotated points.
    static func demoRoofline() -> LineChart {
        let intensity = (0...50).map { pow(10, -2 + Double($0) * 0.1) }  // 0.01 … 1000 FLOP/byte
        let peak = 150.0
        func roof(_ bandwidth: Double) -> [Double] { intensity.map { min(peak, bandwidth * $0) } }
        let kernels: [(String, Double, Double)] = [
            ("add", 0.083, 1.1), ("scale", 0.125, 1.6), ("softmax", 0.6, 6.2), ("layer norm", 0.7, 5.1),
            ("GELU", 1.2, 11), ("attention N=512", 8, 38), ("attention N=4096", 25, 71), ("flash N=4096", 60, 102),
            ("GEMM 256³", 21, 64), ("GEMM 1024³", 85, 131), ("GEMM 4096³", 340, 142), ("embedding", 0.04, 0.35),
        ]
        return LineChart(title: "Roofline of the CPU kernels", xLabel: "arithmetic intensity (FLOP/byte)",
                         yLabel: "attained GFLOP/s",
                         series: [Series(name: "DRAM roof (14 GB/s)", x: intensity, y: roof(14)),
                                  Series(name: "L2 roof (90 GB/s)", x: intensity, y: roof(90), style: .dashed),
                                  Series(name: "measured", x: kernels.map(\.1), y: kernels.map(\.2), style: .none)],
                         xScale: .log, yScale: .log,
                         annotations: kernels.map { Annotation(x: $0.1, y: $0.2, text: $0.0) })
    }
}
