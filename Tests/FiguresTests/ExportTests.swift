// Exporting figures: the drawing record replayed as SVG, at slide sizes and in themes.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Figures

@Suite("Figure export: SVG, sizes, DPI, themes")
struct ExportTests {
    static let chart = LineChart(title: "Loss", xLabel: "step", yLabel: "loss",
                                 series: [Series(name: "train", y: [3.0, 2.0, 1.5, 1.2]),
                                          Series(name: "held out", y: [3.1, 2.3, 1.9, 1.8], style: .dashed, symbol: .circle)],
                                 markers: [Marker(x: 2, label: "warm-up ends")],
                                 annotations: [Annotation(x: 3, y: 1.2, text: "lowest")])
    static let bars = BarChart(title: "Time", xLabel: "pass", yLabel: "ms", categories: ["QKᵀ", "softmax", "PV"],
                               groups: [BarChart.Group(name: "N = 512", values: [1, 2, 3])], showTotals: true)
    static let crcOfPHYs288: [UInt8] = [165, 61, 150, 169]
    static let heatmap = Heatmap(values: [0, 0.5, 1, 0.25], rows: 2, columns: 2, title: "Weights & <tags>")

    /// The elements of an SVG document, by name, after checking that it parses as XML.
    func elements(_ svg: String) throws -> [String: Int] {
        final class Counter: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                counts[name, default: 0] += 1
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "SVG does not parse: \(String(describing: parser.parserError))")
        return counter.counts
    }

    @Test("every figure type writes SVG with its labels as text and its shapes as elements")
    func svgStructure() throws {
        let line = try Self.chart.render().svg()
        let lineElements = try elements(line)
        #expect(lineElements["polyline", default: 0] >= 3)          // two series and the marker
        #expect(lineElements["circle", default: 0] >= 4)            // the symbols and the annotation dot
        #expect(line.contains(">lowest</text>") && line.contains(">warm-up ends</text>") && line.contains(">held out</text>"))
        #expect(line.contains("stroke-dasharray") && line.contains("clip-path=\"url(#clip0)\""))

        let bar = try Self.bars.render().svg()
        #expect(try elements(bar)["rect", default: 0] >= 4)
        #expect(bar.contains(">QKᵀ</text>") && bar.contains(">softmax</text>"))

        let map = try Self.heatmap.render().svg()
        #expect(try elements(map)["image", default: 0] == 2)        // the cells and the colorbar
        #expect(map.contains(">Weights &amp; &lt;tags&gt;</text>"))
    }

    @Test("the SVG of a canvas holds exactly the calls made on it, in order")
    func svgOfPrimitives() throws {
        var canvas = Canvas(width: 100, height: 50)
        canvas.fillRect(x: 1, y: 2, width: 3, height: 4, color: Color(r: 255, g: 0, b: 0, a: 128))
        canvas.drawLine(from: Point(x: 0, y: 0), to: Point(x: 10, y: 10), color: .blue, width: 2, dash: [6, 4])
        try canvas.drawText("θ", x: 50, y: 25, size: 20, anchor: .center, rotated: .vertical)
        let svg = try canvas.svg()
        #expect(svg.contains("<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" fill=\"#ff0000\" fill-opacity=\"0.502\"/>"))
        // A 6-on, 4-off dash drawn 2 wide with round caps: 4 on and 6 off before the caps.
        #expect(svg.contains("stroke-width=\"2\"") && svg.contains("stroke-dasharray=\"4 6\""))
        #expect(svg.contains("font-size=\"20\"") && svg.contains("text-anchor=\"middle\"") && svg.contains("rotate(-90 "))
        #expect(svg.contains("viewBox=\"0 0 100 50\""))
        // The same calls give the same bytes.
        #expect(try canvas.svg() == svg)
    }

    @Test("the standard export is the render, byte for byte; a size adds a pHYs chunk of its DPI")
    func pngBytesAndDPI() throws {
        let standard = try Self.chart.export(FigureExport())
        #expect(try standard.pngData() == Self.chart.render().pngData())
        let half = try Self.chart.export(FigureExport(size: .half))
        let bytes = try half.pngData()
        // After the signature and IHDR: length 9, "pHYs", 11339 px/m twice (288 dpi), unit 1, CRC.
        #expect(Array(bytes[33..<37]) == [0, 0, 0, 9] && String(decoding: bytes[37..<41], as: UTF8.self) == "pHYs")
        #expect(Array(bytes[41..<50]) == [0, 0, 0x2C, 0x4B, 0, 0, 0x2C, 0x4B, 1])
        // The chunk's CRC-32, from Python: zlib.crc32(b"pHYs" + bytes([0,0,0x2C,0x4B]*2 + [1])).
        #expect(Array(bytes[50..<54]) == Self.crcOfPHYs288)
        #expect(crc32(Array("IEND".utf8)) == 0xAE42_6082)   // every PNG ends with this CRC
        #expect(half.pixelWidth == 1920)
    }

    /// Crowded figures: long category labels, a long title and legend, numbers in 16 × 16 cells.
    static let crowded: [any Figure & Sendable] = [
        BarChart(title: "The same token in the two sentences: how far apart its two attention outputs are",
                 xLabel: "token of “the dog bit the man”, and its position in each sentence",
                 yLabel: "max |output in 1st − output in 2nd|",
                 categories: (0..<5).map { "“word \($0)”, position \($0) → \(4 - $0)" },
                 groups: [BarChart.Group(name: "without positional encoding", values: [1e-7, 1e-7, 6e-8, 1e-7, 1e-7]),
                          BarChart.Group(name: "with positional encoding", values: [0.102, 1.02, 0.789, 0.212, 0.204])],
                 showTotals: true),
        LineChart(title: "Held-out loss and accuracy while training, three models side by side",
                  xLabel: "training step", yLabel: "cross-entropy at \"it\" (nats) / accuracy",
                  series: ["several heads", "baseline (\"it\" cannot see the adjective)", "one head"].flatMap { name in
                      [Series(name: name + ": loss", y: [4.5, 4.1, 3.9, 3.8]), Series(name: name + ": accuracy", y: [0.3, 0.4, 0.5, 0.5], style: .dashed)]
                  }, legend: .outside),
        Heatmap(values: (0..<256).map { Float($0) / 255 - 0.5 }, rows: 16, columns: 16, title: "Every value in its cell",
                xTicks: .labels((0..<16).map { "token \($0)" }), yTicks: .labels((0..<16).map { "token \($0)" }),
                colormap: .diverging, colorbarLabel: "value (the numbers are in the .npy file beside the figure)", showValues: true),
    ]

    @Test("at --size half and slide the smallest text is at least 18 pt on a 1920-pixel slide, and inside the picture")
    func halfSizeText() throws {
        for size in [FigureSize.half, .slide] {
            for figure in [Self.chart as any Figure & Sendable, Self.bars, Self.heatmap] + Self.crowded {
                let exported = try figure.export(FigureExport(size: size))
                #expect(try #require(exported.smallestTextPoints) >= 18, "\(size): \(figure.title)")
                #expect(!exported.canvas.textRunsPastEdge(), "\(size): \(figure.title)")
                let overlapping = exported.canvas.overlappingTexts()
                #expect(overlapping.isEmpty, "\(size): \(figure.title): \(overlapping)")
            }
            let exported = try Self.chart.export(FigureExport(size: size))
            // Measured from the renderer's own font sizes and the figure's width: a font of s
            // canvas pixels in a canvas W wide, placed at w inches, is s · 72 w / W points.
            let smallest = try #require(exported.canvas.textSizes.min())
            let points = Double(smallest) * size.widthInches * 72 / Double(exported.canvas.width)
            #expect(points >= 18, "\(size): \(points) pt")
            #expect(exported.smallestTextPoints == points)
            // On the 1920-pixel slide: 18 pt = 36 pixels.
            let slidePixels = Double(smallest) * (size.widthInches / (40.0 / 3) * 1920) / Double(exported.canvas.width)
            #expect(slidePixels >= 36 - 1e-9)
        }
        let print = try Self.chart.export(FigureExport(size: .print))
        #expect(try #require(print.smallestTextPoints) >= 9)
    }

    @Test("enlarged type makes room instead of shrinking text: titles wrap, bars lie down, numbers that cannot fit go")
    func layoutsMakeRoom() throws {
        let bars = Self.crowded[0] as! BarChart
        let texts = { (canvas: Canvas) in
            canvas.commands.compactMap { c -> (text: String, size: Int, rotation: TextRotation)? in
                if case let .text(text, _, _, size, _, _, rotation, _, _) = c.command { (text, size, rotation) } else { nil }
            }
        }
        let standard = try bars.render(), half = try bars.export(FigureExport(size: .half))
        // Standard: one title line, turned category labels under upright bars.
        #expect(texts(standard).contains { $0.text == bars.title })
        #expect(texts(standard).filter { bars.categories.contains($0.text) }.allSatisfy { $0.rotation != .none })
        // Half: the title on two lines of one size, the labels level beside horizontal bars,
        // and a taller picture.
        let halfTexts = texts(half.canvas)
        let titleLines = halfTexts.filter { bars.title.contains($0.text) && $0.text.count > 10 }
        #expect(titleLines.count == 2 && titleLines.map(\.text).joined(separator: " ") == bars.title)
        let (titleSize, smallestSize) = FigureStyle.$environment.withValue(FigureEnvironment(fontScale: half.fontScale)) {
            (FigureStyle.titleSize, FigureStyle.smallestSize)
        }
        #expect(Set(titleLines.map(\.size)).count == 1 && titleLines[0].size <= titleSize && titleLines[0].size >= smallestSize)
        let labelLines = halfTexts.filter { line in bars.categories.contains { $0.contains(line.text) } && line.text.count > 3 }
        #expect(labelLines.count >= bars.categories.count && labelLines.allSatisfy { $0.rotation == .none })
        #expect(Double(half.canvas.height) / Double(half.canvas.width) > Double(standard.height) / Double(standard.width))

        // Numbers in the cells: drawn at standard size; left out where they cannot be set at 18 pt.
        let map = Self.crowded[2]
        #expect(texts(try map.render()).contains { $0.text == "0.50" })
        #expect(!texts(try map.export(FigureExport(size: .half)).canvas).contains { $0.text == "0.50" })
        #expect(try #require(try map.export(FigureExport(size: .half)).smallestTextPoints) >= 18)
    }

    @Test("TextBlock wraps at spaces into the most even lines, and fits the room when it can")
    func textBlocks() throws {
        let single = try TextBlock.single("a title", size: 20)
        let lineHeight = try Canvas.measureText("Ag", size: 20).height
        #expect(single.lines == ["a title"] && single.height == lineHeight)
        let title = "one two three four five six seven eight"
        let wide = try Canvas.measureText(title, size: 30).width
        let wrapped = try FigureStyle.$environment.withValue(FigureEnvironment(fontScale: 2)) {
            try TextBlock.fitted(title, largest: 30, room: wide * 2 / 3, wrapFirst: true)
        }
        #expect(wrapped.size == 30 && wrapped.lines.count == 2 && wrapped.lines.joined(separator: " ") == title)
        #expect(wrapped.width <= wide * 2 / 3)
        // Without wrapFirst the size comes down first (here to the smallest size, 28 at 2× type).
        let shrunk = try FigureStyle.$environment.withValue(FigureEnvironment(fontScale: 2)) {
            try TextBlock.fitted(title, largest: 30, room: wide - 1, wrapFirst: false)
        }
        #expect(shrunk.lines.count == 1 && shrunk.size < 30 && shrunk.size >= 28)
    }

    @Test("enlarged type never pushes text past the picture's edges: long titles wrap and the type still reaches the size")
    func noTextPastTheEdges() throws {
        let long = LineChart(title: "The same token in the two sentences: how far apart its two attention outputs are",
                             xLabel: "token of the sentence, and its position in each of the two sentences",
                             yLabel: "max |output in the first − output in the second|",
                             series: [Series(name: "without positional encoding", y: [0, 0, 0]),
                                      Series(name: "with positional encoding", y: [0.1, 1.0, 0.8])])
        let standard = try long.export(FigureExport())
        for size in [FigureSize.half, .slide, .print] {
            let exported = try long.export(FigureExport(size: size))
            #expect(!exported.canvas.textRunsPastEdge(), "\(size): text runs past an edge")
            #expect(try #require(exported.smallestTextPoints) >= size.smallestTextPoints, "\(size)")
        }
        #expect(!standard.canvas.textRunsPastEdge())
        // The check itself: a title drawn past the right edge is caught.
        var canvas = Canvas(width: 200, height: 100)
        try canvas.drawText("a title far too long for this small canvas", x: 100, y: 20, size: 16, anchor: .top)
        #expect(canvas.textRunsPastEdge())
        // And the overlap check: two labels on one baseline, then apart.
        var labels = Canvas(width: 300, height: 100)
        try labels.drawText("first label", x: 20, y: 50, size: 20)
        try labels.drawText("second", x: 60, y: 55, size: 20)
        #expect(labels.overlappingTexts().count == 1)
        try labels.drawText("apart", x: 20, y: 90, size: 20)
        #expect(labels.overlappingTexts().count == 1)
    }

    @Test("--no-title leaves the title out; the dark theme turns the background and text, not the data")
    func titleAndThemes() throws {
        let untitled = try Self.chart.export(FigureExport(showsTitle: false))
        #expect(!(try untitled.svg()).contains(">Loss</text>"))
        #expect((try Self.chart.export(FigureExport()).svg()).contains(">Loss</text>"))

        let dark = try Self.heatmap.export(FigureExport(theme: .dark))
        let painted = try Canvas(pngData: try dark.pngData())
        #expect(painted[0, 0] == Color(r: 24, g: 24, b: 24))
        let light = try Self.heatmap.render()
        // A cell keeps its colormap colour.
        let plotPixel = light.commands.compactMap { if case let .pixels(_, x, y, _, _) = $0.command { (x, y) } else { nil } }.first!
        #expect(painted[plotPixel.0 + 1, plotPixel.1 + 1] == light[plotPixel.0 + 1, plotPixel.1 + 1])
        #expect(FigureTheme.dark.map(.black) == Color(r: 236, g: 236, b: 236))
        #expect(FigureTheme.dark.map(Color.series(0)) == Color.series(0))

        let transparent = try Canvas(pngData: try Self.chart.export(FigureExport(theme: .transparent)).pngData())
        #expect(transparent[0, 0].a == 0)
    }
}

extension Canvas {
    /// Pairs of recorded level or upright texts whose letters would touch: each text's box runs
    /// along its baseline from the pen's start to its end, and from 0.75 em above the baseline
    /// (capitals) to 0.2 em below it (descenders).
    func overlappingTexts() -> [(String, String)] {
        let boxes: [(text: String, box: PixelRect)] = commands.compactMap { recorded in
            guard case let .text(text, _, _, size, _, _, rotation, origin, advance) = recorded.command, rotation != .diagonal else { return nil }
            let up = Int(0.75 * Double(size)), down = Int(0.2 * Double(size)), length = Int(advance)
            let (x, y) = (Int(origin.x.rounded()), Int(origin.y.rounded()))
            return rotation == .none ? (text, PixelRect(x: x + 1, y: y - up, width: length - 2, height: up + down))
                : (text, PixelRect(x: x - up, y: y - length + 1, width: up + down, height: length - 2))
        }
        var pairs: [(String, String)] = []
        for i in boxes.indices {
            for j in boxes.indices where j > i && boxes[i].box.intersects(boxes[j].box) { pairs.append((boxes[i].text, boxes[j].text)) }
        }
        return pairs
    }

    /// Decodes PNG bytes by way of a temporary file.
    init(pngData bytes: [UInt8]) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).png").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try self.init(pngFile: path)
    }
}
