// PNG encoding and decoding through libpng, and atomic writing.

import CPNG
import Testing
@testable import Figures

@Suite struct PNGTests {
    /// A small canvas with a distinct, known colour in every pixel, including translucent ones.
    func patterned(width: Int = 7, height: Int = 5) -> Canvas {
        var canvas = Canvas(width: width, height: height, background: .clear)
        for y in 0..<height {
            for x in 0..<width {
                canvas[x, y] = Color(r: UInt8(x * 30 % 256), g: UInt8(y * 50 % 256), b: UInt8((x * 7 + y * 11) % 256),
                                     a: UInt8(255 - (x + y) % 3 * 60))
            }
        }
        return canvas
    }

    @Test func roundTripKeepsSizeAndEveryPixel() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let canvas = patterned()
        let path = folder.path + "/pattern.png"
        try canvas.writePNG(to: path)
        let back = try Canvas(pngFile: path)
        #expect(back.width == 7 && back.height == 5)
        #expect(back.pixels == canvas.pixels)
    }

    @Test func libpngReadsOurBytesIndependently() throws {
        let bytes = try patterned(width: 13, height: 4).pngData()
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var image = png_image()
        image.version = 1
        let ok = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        defer { png_image_free(&image) }
        #expect(ok != 0)
        #expect(image.width == 13 && image.height == 4)
        #expect(image.format & 0x03 == 0x03)  // colour with alpha
    }

    @Test func encodingIsDeterministic() throws {
        let canvas = patterned(width: 64, height: 48)
        #expect(try canvas.pngData() == canvas.pngData())
        let map = Heatmap(values: (0..<36).map { Float($0) }, rows: 6, columns: 6, title: "same bytes")
        #expect(try map.render().pngData() == map.render().pngData())
    }

    @Test func atomicWriteLeavesOnlyTheFile() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try patterned().writePNG(to: folder.path + "/a.png")
        try patterned(width: 3, height: 3).writePNG(to: folder.path + "/a.png")  // replaces it
        #expect(folder.files() == ["a.png"])
        #expect(try Canvas(pngFile: folder.path + "/a.png").width == 3)
    }

    @Test func writingIntoMissingFolderThrowsClearlyAndLeavesNothing() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/missing/figure.png"
        let error = #expect(throws: FigureError.self) { try patterned().writePNG(to: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(!fileExists(path))
        #expect(folder.files().isEmpty)
    }

    @Test func readingSomethingElseThrows() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var table = Table(columns: ["a"])
        try table.append(["not a picture"])
        try table.writeCSV(to: folder.path + "/fake.png")
        let error = #expect(throws: FigureError.self) { try Canvas(pngFile: folder.path + "/fake.png") }
        #expect(error?.description.hasPrefix("cannot read PNG") == true)
        #expect(throws: FigureError.self) { try Canvas(pngFile: folder.path + "/none.png") }
    }

    @Test func emptyCanvasCannotBeEncoded() {
        #expect(throws: FigureError.self) { try Canvas(width: 0, height: 10).pngData() }
    }
}
