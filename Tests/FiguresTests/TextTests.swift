// Text is drawn with real glyphs, inside the box that measureText reports.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import Figures

@Suite struct TextTests {
    /// The pixels that differ from the white background: (x, y) pairs.
    func inked(_ canvas: Canvas) -> [(x: Int, y: Int)] {
        var result: [(x: Int, y: Int)] = []
        for y in 0..<canvas.height {
            for x in 0..<canvas.width where canvas[x, y] != .white { result.append((x, y)) }
        }
        return result
    }

    @Test func glyphsLandInsideTheMeasuredBox() throws {
        var canvas = Canvas(width: 300, height: 60)
        let text = "Attention θ·π² × é → ≈ −1"
        let (w, h) = try canvas.measureText(text, size: 16)
        try canvas.drawText(text, x: 20, y: 10, size: 16, color: .black, anchor: .topLeft)
        let ink = inked(canvas)
        #expect(ink.count > 150)
        #expect(ink.allSatisfy { $0.x >= 20 && $0.x < 20 + w && $0.y >= 10 && $0.y < 10 + h })
        // Anti-aliased: some pixels are partly covered, not only black and white.
        #expect(ink.contains { canvas[$0.x, $0.y].r > 40 && canvas[$0.x, $0.y].r < 215 })
    }

    @Test func differentStringsGiveDifferentPixels() throws {
        var a = Canvas(width: 120, height: 40), b = Canvas(width: 120, height: 40)
        try a.drawText("θ = 0.5", x: 5, y: 30, size: 18)
        try b.drawText("π = 0.5", x: 5, y: 30, size: 18)
        #expect(a.pixels != b.pixels)
        var c = Canvas(width: 120, height: 40)
        try c.drawText("θ = 0.5", x: 5, y: 30, size: 18)
        #expect(a.pixels == c.pixels)  // deterministic
    }

    @Test func widthGrowsWithTheStringAndHeightDoesNot() throws {
        let canvas = Canvas(width: 1, height: 1)
        let one = try canvas.measureText("m", size: 14)
        let two = try canvas.measureText("mm", size: 14)
        let eight = try canvas.measureText("mmmmmmmm", size: 14)
        #expect(one.width < two.width && two.width < eight.width)
        #expect(one.height == eight.height)
        #expect(try canvas.measureText("m", size: 28).width > one.width)
    }

    @Test func verticalTextTurnsTheBox() throws {
        var canvas = Canvas(width: 60, height: 200)
        let (w, h) = try canvas.measureText("probability", size: 16)
        try canvas.drawText("probability", x: 10, y: 100, size: 16, color: .black, anchor: .top, rotated: true)
        let ink = inked(canvas)
        #expect(!ink.isEmpty)
        // Turned a quarter: h wide, w tall, centred on y = 100, extending right of x = 10.
        #expect(ink.allSatisfy { $0.x >= 10 && $0.x < 10 + h && abs(Double($0.y) - 100) <= Double(w) / 2 + 1 })
        #expect(ink.map(\.y).max()! - ink.map(\.y).min()! > 3 * (ink.map(\.x).max()! - ink.map(\.x).min()!))
    }

    @Test func anchorsPlaceTheBox() throws {
        var left = Canvas(width: 200, height: 40), right = Canvas(width: 200, height: 40)
        try left.drawText("label", x: 100, y: 20, size: 14, anchor: .left)
        try right.drawText("label", x: 100, y: 20, size: 14, anchor: .right)
        #expect(inked(left).allSatisfy { $0.x >= 100 })
        #expect(inked(right).allSatisfy { $0.x < 100 })
    }

    // NOTE: these tests pass the font path instead of setting TP_FONT: the environment is the
    // whole test process's, and the end-to-end tests start `lesson` processes that inherit it.
    @Test func missingFontSaysWhatToInstall() throws {
        let error = #expect(throws: FigureError.self) { try FontLibrary.fontPath(chosen: "/nonexistent/font.ttf") }
        #expect(error?.description.contains("TP_FONT=/nonexistent/font.ttf") == true)
        #expect(FontLibrary.searchPaths.contains("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    }

    @Test func aFileThatIsNoFontSaysWhatItIs() throws {
        _ = try Canvas.measureText("load the font first", size: 12)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("FiguresTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("plain text, not a font\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Data().write(to: folder.appendingPathComponent("empty.ttf"))
        for (name, reason) in [("", "is a folder"), ("notes.txt", "is not a font file"), ("empty.ttf", "is an empty file")] {
            let path = folder.appendingPathComponent(name).path
            let error = #expect(throws: FigureError.self) { try FontLibrary.load(path) }
            let message = error?.description ?? ""
            #expect(message.contains("\(path) \(reason)") && !message.contains("FreeType error"), "\(message)")
        }
        // The font loaded before stays in use.
        #expect(try Canvas.measureText("still drawn", size: 12).width > 0)
    }
}
