// End to end: exporting figures for slides and handouts — SVG beside PNG, sizes with their DPI,
// --only and --list-figures, bad values refused, and the handout page opened in a real browser.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("lesson export options, end to end", .serialized)
struct ExportCommandTests {
    @Test("--format png,svg writes one SVG per PNG; each parses as XML and holds its labels as text")
    func svgBesideEveryPNG() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--format", "png,svg", "--output", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        let output = run.folder.appendingPathComponent("out")
        let files = LessonRunner.files(in: output)
        let pngs = files.filter { $0.hasSuffix(".png") }.map { $0.dropLast(4) }
        let svgs = files.filter { $0.hasSuffix(".svg") }.map { $0.dropLast(4) }
        #expect(!pngs.isEmpty && pngs == svgs)
        for name in svgs {
            let data = try Data(contentsOf: output.appendingPathComponent("\(name).svg"))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name).svg does not parse: \(String(describing: parser.parserError))")
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("<text "), "\(name).svg has no text elements")
        }
        // A line chart's axis title, a heatmap's cells (an embedded image) and its colorbar label.
        let curves = try String(contentsOf: output.appendingPathComponent("curves.svg"), encoding: .utf8)
        #expect(curves.contains(">position</text>") && curves.contains("<polyline "))
        let pe = try String(contentsOf: output.appendingPathComponent("pe.svg"), encoding: .utf8)
        #expect(pe.contains("data:image/png;base64,") && pe.contains("font-family=\"DejaVu Sans"))
    }

    @Test("--size half: PNGs carry a pHYs chunk of 288 dpi and are 1920 pixels wide; the default PNG has none")
    func sizeSetsDPI() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--size", "half", "--theme", "dark",
                                        "--no-title", "--only", "curves", "--output", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        let png = [UInt8](try Data(contentsOf: run.folder.appendingPathComponent("out/curves.png")))
        let chunk = try #require(pngChunk("pHYs", in: png))
        // 288 dpi = 288 / 0.0254 pixels per metre = 11338.58 → 11339, unit 1 (metre).
        #expect(chunk == [0, 0, 0x2C, 0x4B, 0, 0, 0x2C, 0x4B, 1])
        #expect(try pngSize(run.folder.appendingPathComponent("out/curves.png"))?.width == 1920)

        let plain = try LessonRunner.run(["positional-encoding", "--quick", "--only", "curves", "--output", "out"])
        let standard = [UInt8](try Data(contentsOf: plain.folder.appendingPathComponent("out/curves.png")))
        #expect(pngChunk("pHYs", in: standard) == nil)
    }

    @Test("--size half and slide: the smallest text of every figure of positional-encoding is at least 18 pt",
          arguments: [("half", 20.0 / 3), ("slide", 40.0 / 3)])
    func smallestTextOfEveryFigure(size: String, inches: Double) throws {
        let run = try LessonRunner.run(["positional-encoding", "--size", size, "--format", "svg", "--output", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("its smallest text is"), "\(run.stdout)")
        let output = run.folder.appendingPathComponent("out")
        let svgs = LessonRunner.files(in: output).filter { $0.hasSuffix(".svg") }
        #expect(svgs.count >= 9)
        for name in svgs {
            let svg = try String(contentsOf: output.appendingPathComponent(name), encoding: .utf8)
            // The renderer's own font sizes, in canvas pixels, and the canvas width: a font of s
            // pixels in a canvas W wide, placed w inches wide, is s · 72 w / W points.
            let viewBox = try #require(svg.firstMatch(of: /viewBox="0 0 (\d+) (\d+)"/))
            let canvasWidth = try #require(Double(viewBox.1))
            #expect(svg.contains("width=\"\(String(format: "%.3f", inches))in\""), "\(name)")
            let sizes = svg.matches(of: /font-size="([0-9.]+)"/).compactMap { Double($0.1) }
            let smallest = try #require(sizes.min(), "\(name) has no text")
            let points = smallest * 72 * inches / canvasWidth
            #expect(points >= 18, "\(name) at --size \(size): \(points) pt")
        }
    }

    @Test("--only writes exactly the named figures and their data, and no handout")
    func onlyWritesTheNamedFigures() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--only", "pe,similarity", "--format", "png,svg", "--output", "out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder.appendingPathComponent("out")) ==
                ["pe.npy", "pe.png", "pe.svg", "similarity.npy", "similarity.png", "similarity.svg"])
    }

    @Test("--list-figures names every figure of every lesson with a caption, and writes nothing")
    func listFigures() throws {
        let run = try LessonRunner.run(["all", "--list-figures"])
        #expect(run.status == 0, "\(run.stderr)")
        for name in ["pe", "similarity_by_distance", "walkthrough-S", "masks", "alignment_4", "roofline"] {
            #expect(run.stdout.contains("  \(name) "), "\(name) missing")
        }
        #expect(LessonRunner.files(in: run.folder).isEmpty)
        // Every figure a quick run writes is listed.
        let quick = try LessonRunner.run(["positional-encoding", "--quick", "--output", "out"])
        let listed = try LessonRunner.run(["positional-encoding", "--list-figures"]).stdout
        for file in LessonRunner.files(in: quick.folder.appendingPathComponent("out")) where file.hasSuffix(".png") {
            #expect(listed.contains("  \(file.dropLast(4)) "), "\(file) is not listed")
        }
    }

    @Test("bad --format, --only, --theme or --size: one line, exit 64, nothing written",
          arguments: [["--format", "gif"], ["--only", "no-such-figure"], ["--theme", "blue"], ["--size", "huge"]])
    func badValues(_ option: [String]) throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--output", "out"] + option)
        #expect(run.status == 64)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(option[1]))
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }

    @Test("lesson all gives lesson options to the lessons that have them, checked before any lesson runs")
    func allPassesLessonOptions() throws {
        let refused = try LessonRunner.run(["all", "--quick", "--positions", "0", "--output", "course"])
        #expect(refused.status == 64 && refused.stderr.contains("--positions"), "\(refused.stderr)")
        #expect(LessonRunner.files(in: refused.folder).isEmpty)
        let unknown = try LessonRunner.run(["all", "--quick", "--no-such-option", "--output", "course"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no lesson has the option '--no-such-option'"), "\(unknown.stderr)")
        #expect(LessonRunner.files(in: unknown.folder).isEmpty)
        let only = try LessonRunner.run(["all", "--only", "pe", "--output", "course"])
        #expect(only.status == 64 && LessonRunner.files(in: only.folder).isEmpty)
    }

    @Test("every lesson's handout opens in headless Chromium with every image loaded, no console error, nothing fetched from the network")
    func handoutsInChromium() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipped: Chromium is not installed (apt-get install chromium); the handouts were not opened in a browser")
            return
        }
        let run = try LessonRunner.run(["all", "--quick", "--format", "png,svg", "--output", "course"])
        #expect(run.status == 0, "\(run.stderr)")
        let course = run.folder.appendingPathComponent("course")
        let top = try String(contentsOf: course.appendingPathComponent("index.html"), encoding: .utf8)
        for name in [
            "positional-encoding", "flash-vs-standard", "language-modeling", "multi-head-attention", "bahdanau-translator",
            "hardware", "private-docs",
        ] {
            #expect(top.contains("href=\"\(name)/index.html\""), "\(name) missing from the course page")
            try checkHandout(in: course.appendingPathComponent(name), chromium: chromium)
        }
    }

    /// Opens `folder/index.html` in Chromium and checks it, and leaves a screenshot beside it.
    private func checkHandout(in output: URL, chromium: String) throws {
        let page = try String(contentsOf: output.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"))
        #expect(page.contains("break-inside: avoid"))
        #expect(!page.contains("More figures"), "\(output.lastPathComponent): a figure the notes do not describe")
        let markdown = try String(contentsOf: output.appendingPathComponent("handout.md"), encoding: .utf8)
        #expect(markdown.contains("![") && markdown.contains(".png)"))

        // A copy of the page with a probe that writes, once loaded, each image's natural width
        // into the DOM that --dump-dom prints, and a content security policy that lets the page
        // load files and data: URLs only and reports any other request it blocks (the host
        // resolver maps every name to nowhere besides, so nothing can leave the machine).
        let policy = """
            <meta http-equiv="Content-Security-Policy" content="default-src file: data:; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
            <script>const blocked = [];
              document.addEventListener('securitypolicyviolation', e => blocked.push(e.blockedURI));</script>
            """
        let probe = """
            <script>window.addEventListener('load', () => {
              document.body.setAttribute('data-widths', Array.from(document.images).map(i => i.naturalWidth).join(','));
              document.body.setAttribute('data-blocked', blocked.join(' ') || 'none');
            });</script>
            """
        let probeFile = output.appendingPathComponent("probe.html")
        try page.replacingOccurrences(of: "<head>", with: "<head>" + policy)
            .replacingOccurrences(of: "</body>", with: probe + "</body>").write(to: probeFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: probeFile) }
        let dump = try runChromium(chromium, ["--dump-dom", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
                                              "--host-resolver-rules=MAP * ~NOTFOUND", probeFile.absoluteString])
        let widths = try #require(attribute("data-widths", in: dump.stdout)).split(separator: ",").compactMap { Int($0) }
        let images = page.components(separatedBy: "<img ").count - 1
        #expect(widths.count == images && images >= 5, "\(output.lastPathComponent): \(widths)")
        #expect(widths.allSatisfy { $0 > 0 }, "\(output.lastPathComponent): images that did not load: \(widths)")
        #expect(attribute("data-blocked", in: dump.stdout) == "none", "\(output.lastPathComponent): requests outside the folder")
        let console = dump.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
        #expect(console.isEmpty, "\(output.lastPathComponent): \(console)")

        let screenshot = output.appendingPathComponent("handout-screenshot.png")
        _ = try runChromium(chromium, ["--screenshot=\(screenshot.path)", "--window-size=1200,3000", "--hide-scrollbars",
                                       output.appendingPathComponent("index.html").absoluteString])
        #expect(try pngSize(screenshot)?.width == 1200)
    }
}

/// The data of the first chunk of `type` in a PNG file's bytes, read without libpng.
func pngChunk(_ type: String, in bytes: [UInt8]) -> [UInt8]? {
    var position = 8
    while position + 8 <= bytes.count {
        let length = bytes[position..<(position + 4)].reduce(0) { $0 << 8 | Int($1) }
        let name = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
        if name == type { return Array(bytes[(position + 8)..<(position + 8 + length)]) }
        position += 12 + length
    }
    return nil
}

private func attribute(_ name: String, in html: String) -> String? {
    guard let start = html.range(of: "\(name)=\"") else { return nil }
    guard let end = html[start.upperBound...].firstIndex(of: "\"") else { return nil }
    return String(html[start.upperBound..<end])
}

private func runChromium(_ path: String, _ arguments: [String]) throws -> (stdout: String, stderr: String) {
    let run = try LessonRunner.runProcess(URL(fileURLWithPath: path),
                                          ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run"] + arguments)
    return (run.stdout, run.stderr)
}
