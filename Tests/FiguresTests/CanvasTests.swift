// Drawing primitives: rectangles, blending, lines, dashes, shapes.

import Testing
@testable import Figures

@Suite struct CanvasTests {
    @Test func fillRectClipsAndBlends() {
        var canvas = Canvas(width: 4, height: 3)
        canvas.fillRect(x: -2, y: 1, width: 4, height: 10, color: .black)
        #expect(canvas[0, 1] == .black && canvas[1, 2] == .black && canvas[2, 1] == .white && canvas[0, 0] == .white)
        canvas.fillRect(x: 3, y: 0, width: 1, height: 1, color: Color.black.withAlpha(128))
        #expect(canvas[3, 0] == Color(r: 127, g: 127, b: 127))
    }

    @Test func blendingOverTransparentKeepsTheColour() {
        var canvas = Canvas(width: 1, height: 1, background: .clear)
        canvas.fillRect(x: 0, y: 0, width: 1, height: 1, color: Color.red.withAlpha(100))
        #expect(canvas[0, 0] == Color.red.withAlpha(100))
    }

    @Test func linesAreAntiAliasedAndDashesLeaveGaps() {
        var solid = Canvas(width: 100, height: 20)
        solid.drawLine(from: Point(x: 0, y: 10), to: Point(x: 100, y: 10), color: .black, width: 2)
        #expect(solid[50, 9] == .black && solid[50, 10] == .black && solid[50, 5] == .white)
        var diagonal = Canvas(width: 50, height: 50)
        diagonal.drawLine(from: Point(x: 5, y: 5), to: Point(x: 45, y: 30), color: .black, width: 1.5)
        #expect(diagonal.pixels.contains { $0 > 30 && $0 < 220 })  // partly covered pixels
        var dashed = Canvas(width: 100, height: 20)
        dashed.drawLine(from: Point(x: 0, y: 10), to: Point(x: 100, y: 10), color: .black, width: 2, dash: [10, 10])
        let row = (0..<100).map { dashed[$0, 10] == .white }
        #expect(row.filter { $0 }.count > 30 && row.filter { !$0 }.count > 30)
    }

    @Test func shapesFillTheirArea() {
        var canvas = Canvas(width: 40, height: 40)
        canvas.fillCircle(center: Point(x: 10, y: 10), radius: 5, color: .blue)
        canvas.fillPolygon([Point(x: 20, y: 20), Point(x: 38, y: 20), Point(x: 38, y: 38), Point(x: 20, y: 38)], color: .red)
        #expect(canvas[10, 10] == .blue && canvas[10, 17] == .white)
        #expect(canvas[30, 30] == .red && canvas[19, 30] == .white)
    }
}
