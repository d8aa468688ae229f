// Tests of elementwise arithmetic and NumPy broadcasting, against NumPy's float32 results
// (References/derive_references.py, section "Arithmetic and broadcasting").
//
// + − × ÷ are exactly rounded in IEEE float32 whatever the loop order, so NumPy's float32 results
// are the right answer bit for bit: these tests compare with zero tolerance.

import Testing
import TensorCore
import TestSupport

@Suite struct ArithmeticTests {
    let a = exactInputs([2, 3])
    let b = positiveInputs([2, 3])

    // MARK: - Same shape and scalars

    @Test func sameShape() throws {
        expectClose(try a + b, shape: [2, 3], [-1.25, 1.75, 2, -0.75, -0.5, 2.5], rtol: 0, atol: 0)
        expectClose(try a - b, shape: [2, 3], [-2.75, -2.25, 1, -4.25, -1, -0.5], rtol: 0, atol: 0)
        expectClose(try a * b, shape: [2, 3], [-1.5, -0.5, 0.75, -4.375, -0.1875, 1.5], rtol: 0, atol: 0)
        expectClose(try a / b, shape: [2, 3], [
            -2.6666667461395264, -0.125, 3, -1.4285714626312256, -3, 0.6666666865348816,
        ], rtol: 0, atol: 0)
    }

    @Test func scalarOperands() throws {
        expectClose(2.5 * a - 0.75, shape: [2, 3], [-5.75, -1.375, 3, -7, -2.625, 1.75], rtol: 0, atol: 0)
        expectClose(1 / b, shape: [2, 3], [
            1.3333333730697632, 0.5, 2, 0.5714285969734192, 4, 0.6666666865348816,
        ], rtol: 0, atol: 0)
        #expect((a + 1).scalars == a.scalars.map { $0 + 1 })
        #expect((a / 2).scalars == a.scalars.map { $0 * 0.5 })
        #expect((3 - a).scalars == a.scalars.map { 3 - $0 })
        #expect((-a).scalars == a.scalars.map { -$0 })
    }

    @Test func rankZeroAndOneElementTensorsBroadcastLikeScalars() throws {
        let two = Tensor(repeating: 2, shape: [])
        #expect(try (a * two) == a * 2)
        #expect(try (two * a) == a * 2)
        #expect(try (a - Tensor([0.5])) == a - 0.5)
        #expect(try (Tensor(repeating: 1, shape: [1, 1]) / b) == 1 / b)
        #expect(try (a + Tensor(repeating: 1, shape: [1, 1])).shape == [2, 3])
    }

    // MARK: - Broadcasting

    @Test func rowVectorIsAddedToEveryRow() throws {
        let x = exactInputs([3, 4])                        // [N, d]
        let row = positiveInputs([4])                      // [d]
        expectClose(try x + row, shape: [3, 4], [
            -1.25, 1.75, 2, -0.75, 0, 3,
            3.25, 0.5, 1.25, 4.25, -1.25, 1.75,
        ], rtol: 0, atol: 0)
        // [d] on the left of [N, d]: the row repeats on the other side.
        expectClose(try row / positiveInputs([3, 4], multiplier: 3, offset: 1), shape: [3, 4], [
            1.5, 1.600000023841858, 0.25, 0.6363636255264282, 1, 1.3333333730697632,
            0.2222222238779068, 7, 0.75, 1.1428571939468384, 0.20000000298023224, 3.5,
        ], rtol: 0, atol: 0)
    }

    @Test func perRowScaleOverTheLastAxis() throws {
        let x = exactInputs([2, 3, 4])                     // [B, N, d]
        let scale = positiveInputs([2, 3, 1])              // [B, N, 1]
        let expected: [Double] = [
            -1.5, -0.1875, 1.125, -1.875, -1.5, 2,
            5.5, -2.5, 0.25, 1.125, -0.875, 0,
            3.0625, -3.9375, -0.875, 2.1875, -0.6875, -0.25,
            0.1875, 0.625, -2.25, 0.375, 3, -3,
        ]
        expectClose(try x * scale, shape: [2, 3, 4], expected, rtol: 0, atol: 0)
        expectClose(try scale * x, shape: [2, 3, 4], expected, rtol: 0, atol: 0)
    }

    @Test func generalBroadcastOfBothOperands() throws {
        let p = exactInputs([4, 1, 3])
        let q = exactInputs([2, 3], multiplier: 5, offset: 1)
        #expect(try Tensor.broadcastShape([4, 1, 3], [2, 3]) == [4, 2, 3])
        let expected: [Double] = [
            -4.5, -1.5, 1.5, -0.75, 2.25, -0.5,
            -5, -2, 1, -1.25, 1.75, -1,
            0.25, -2.5, 0.5, 4, 1.25, -1.5,
            -0.25, -3, 0, 3.5, 0.75, -2,
        ]
        expectClose(try p + q, shape: [4, 2, 3], expected, rtol: 0, atol: 0)
        expectClose(try q + p, shape: [4, 2, 3], expected, rtol: 0, atol: 0)
    }

    @Test func leadingOneAxisBroadcastsOverRows() throws {
        let oneRow = exactInputs([1, 4], multiplier: 5, offset: 1)   // [1, d]
        let x = exactInputs([3, 4])                                   // [N, d]
        expectClose(try oneRow - x, shape: [3, 4], [
            -0.5, -1, -1.5, 3.75, -1.75, -2.25,
            -2.75, 2.5, -3, -3.5, 1.75, 1.25,
        ], rtol: 0, atol: 0)
        // [1, d] with [d]: the same elements, one extra leading axis.
        let row = exactInputs([4], multiplier: 5, offset: 1)
        #expect(try (oneRow + row).shape == [1, 4])
        #expect(try (row + oneRow).scalars == row.scalars.map { 2 * $0 })
    }

    @Test func columnPlusRowIsAnOuterSum() throws {
        let column = exactInputs([3, 1], multiplier: 5, offset: 1)    // [N, 1]
        let row = exactInputs([1, 4], multiplier: 3, offset: 2)       // [1, d]
        expectClose(try column + row, shape: [3, 4], [
            -4.75, -4, -3.25, -2.5, -3.5, -2.75,
            -2, -1.25, -2.25, -1.5, -0.75, 0,
        ], rtol: 0, atol: 0)
    }

    @Test func broadcastAlongAMiddleAxis() throws {
        let x = exactInputs([2, 3, 4])
        expectClose(try x * positiveInputs([3, 1]), shape: [2, 3, 4], [
            -1.5, -0.1875, 1.125, -1.875, -1.5, 2,
            5.5, -2.5, 0.25, 1.125, -0.875, 0,
            1.3125, -1.6875, -0.375, 0.9375, -5.5, -2,
            1.5, 5, -0.75, 0.125, 1, -1,
        ], rtol: 0, atol: 0)
    }

    @Test func emptyTensorsBroadcast() throws {
        #expect(try (Tensor.zeros([0, 3]) + Tensor.ones([3])).shape == [0, 3])
        #expect(try (Tensor.zeros([2, 0]) * Tensor.ones([2, 1])).shape == [2, 0])
    }

    // MARK: - Mismatches

    @Test(arguments: [
        ([2, 3], [3, 2]), ([4], [3]), ([2, 3, 4], [2, 4]), ([4, 2, 3], [3, 3]), ([2, 3], [0]),
    ] as [([Int], [Int])])
    func incompatibleShapesThrowWithBothShapes(lhs: [Int], rhs: [Int]) {
        let x = Tensor.ones(lhs), y = Tensor.ones(rhs)
        for (name, op) in [("+", { try x + y }), ("-", { try x - y }), ("*", { try x * y }),
                           ("/", { try x / y })] as [(String, () throws -> Tensor)] {
            let error = #expect(throws: TensorError.self, "\(lhs) \(name) \(rhs)") { try op() }
            guard case .shapeMismatch(let message)? = error else {
                Issue.record("\(lhs) \(name) \(rhs): expected shapeMismatch, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("\(lhs)") && message.contains("\(rhs)"), "message: \(message)")
        }
    }
}
