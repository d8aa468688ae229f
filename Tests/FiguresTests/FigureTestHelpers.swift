// Looking at rendered figures from tests.

@testable import Figures

extension Canvas {
    /// How many pixels in the rectangle are not white.
    func inkCount(x: Int, y: Int, width w: Int, height h: Int) -> Int {
        var count = 0
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) where self[column, row] != .white { count += 1 }
        }
        return count
    }
}
