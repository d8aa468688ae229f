// The packed layouts the flash kernels read, element by element against their definition.

import Testing
@testable import TensorCore

@Suite("flash attention: packed layouts")
struct PackedHeadsTests {
    /// strip[pair, r / width][c][r % width] = t[pair, r, c] · scale for r < rows and c < d; zero
    /// elsewhere (rows and columns of padding). Whole 16-column groups with a positive scale take
    /// the vector transposes, the rest the element-by-element loop; both must give these bits.
    @Test(arguments: [
        (width: 8, d: 16, rows: 37, scale: Float(1)), (width: 8, d: 64, rows: 64, scale: 0.125),
        (width: 32, d: 16, rows: 64, scale: 1), (width: 32, d: 48, rows: 45, scale: 0.25),
        (width: 32, d: 20, rows: 33, scale: 1), (width: 8, d: 64, rows: 5, scale: -0.5),
    ])
    func transposedStripsMatchTheirDefinition(width: Int, d: Int, rows: Int, scale: Float) {
        let pairs = 3, dp = (d + 15) / 16 * 16, paddedRows = (rows + 63) / 64 * 64
        // Values that say where they came from, so a misplaced one cannot pass for another.
        let source = (0..<pairs * rows * d).map { Float($0 % 9973) * 0.001 + 1 }
        let out = allocateFloats(pairs * paddedRows * dp)
        defer { out.deallocate() }
        out.update(repeating: .nan, count: pairs * paddedRows * dp)
        source.withUnsafeBufferPointer {
            PackedHeads.transposedStrips($0.baseAddress!, pairs: pairs, rows: rows, d: d, paddedRows: paddedRows,
                                         dp: dp, width: width, into: out, scale: scale)
        }
        var wrong = 0
        for pair in 0..<pairs {
            for r in 0..<paddedRows {
                for c in 0..<dp {
                    let got = out[(pair * paddedRows + r / width * width) * dp + c * width + r % width]
                    let want = r < rows && c < d ? source[(pair * rows + r) * d + c] * scale : 0
                    if got.bitPattern != want.bitPattern { wrong += 1 }
                }
            }
        }
        #expect(wrong == 0, "\(wrong) of \(pairs * paddedRows * dp) packed numbers differ from their definition")
    }
}
