// Tests of Tensor+Shape.swift: reshape, transpose, rows, slices and concatenation. Small cases
// against NumPy (References/derive_references.py, section "Shapes"); large ones against the
// definition, element by element through the subscript.

import Testing
import TensorCore
import TestSupport

@Suite struct ShapeTests {
    // MARK: - reshaped

    @Test(arguments: [
        ([2, -1], [2, 12]), ([-1], [24]), ([4, -1, 2], [4, 3, 2]), ([-1, 24], [1, 24]), ([24, 1, 1], [24, 1, 1]),
    ] as [([Int], [Int])])
    func reshapeKeepsRowMajorOrder(newShape: [Int], expected: [Int]) throws {
        let x = exactInputs([2, 3, 4])
        let y = try x.reshaped(newShape)
        #expect(y.shape == expected)
        #expect(y.scalars == x.scalars)
    }

    @Test func reshapeOfEmptyAndScalar() throws {
        #expect(try Tensor.zeros([0, 4]).reshaped([-1, 2]).shape == [0, 2])
        #expect(try Tensor.ones([1]).reshaped([]).shape == [])
        #expect(try Tensor.ones([]).reshaped([1, 1]).shape == [1, 1])
    }

    @Test(arguments: [[5, 5], [-1, 5], [-1, -1], [2, -2, 6], [0, -1], [25]])
    func badReshapeThrows(newShape: [Int]) {
        let x = exactInputs([2, 3, 4])
        let error = #expect(throws: TensorError.self) { try x.reshaped(newShape) }
        #expect(error?.description.contains("\(newShape)") == true, "\(String(describing: error))")
    }

    // MARK: - transposed

    @Test func transposeOfABatchMatchesNumPy() {
        expectClose(exactInputs([2, 3, 4]).transposed(), shape: [2, 4, 3], [
            -2, -0.75, 0.5, -0.25, 1, 2.25,
            1.5, 2.75, -1.75, -2.5, -1.25, 0,
            1.75, -2.75, -1.5, -2.25, -1, 0.25,
            -0.5, 0.75, 2, 1.25, 2.5, -2,
        ], rtol: 0, atol: 0)
    }

    /// Non-square, larger than the 32 × 32 tiles and not a multiple of them.
    @Test(arguments: [[1, 1], [1, 70], [70, 1], [33, 65], [100, 37], [3, 37, 70], [2, 2, 64, 33]])
    func transposeSwapsTheLastTwoAxes(shape: [Int]) {
        let x = Tensor(shape: shape) { Float($0) }
        let y = x.transposed()
        let m = shape[shape.count - 2], n = shape[shape.count - 1]
        #expect(y.shape == Array(shape.dropLast(2)) + [n, m])
        let batches = x.count / (m * n)
        var mismatches = 0
        y.withUnsafeBufferPointer { out in
            for b in 0..<batches {
                for i in 0..<m {
                    for j in 0..<n where out[b * m * n + j * m + i] != Float(b * m * n + i * n + j) {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(y.transposed() == x)
    }

    @Test func transposeOfVectorsAndEmptyMatrices() {
        let v = exactInputs([5])
        #expect(v.transposed() == v)
        #expect(Tensor.zeros([0, 3]).transposed().shape == [3, 0])
        #expect(Tensor.zeros([2, 4, 0]).transposed().shape == [2, 0, 4])
    }

    // MARK: - rows, row, slice

    @Test func rowsAndRow() throws {
        let x = exactInputs([4, 3])
        let middle = try x.rows(1..<3)
        #expect(middle.shape == [2, 3])
        #expect(middle.scalars == Array(x.scalars[3..<9]))
        let last = try x.row(3)
        #expect(last.shape == [3])
        #expect(last.scalars == Array(x.scalars[9..<12]))
        #expect(try x.rows(2..<2).shape == [0, 3])
        let batch = exactInputs([2, 3, 4])
        #expect(try batch.row(1).shape == [3, 4])
        #expect(try batch.row(1).scalars == Array(batch.scalars[12...]))
    }

    @Test func slicesAlongEveryAxis() throws {
        let x = exactInputs([2, 3, 4])
        expectClose(try x.slice(axis: 1, 1..<3), shape: [2, 2, 4], [
            -0.75, 1, 2.75, -1.25, 0.5, 2.25,
            -1.75, 0, -2.75, -1, 0.75, 2.5,
            -1.5, 0.25, 2, -2,
        ], rtol: 0, atol: 0)
        expectClose(try x.slice(axis: -1, 1..<3), shape: [2, 3, 2], [
            -0.25, 1.5, 1, 2.75, 2.25, -1.75,
            -2.25, -0.5, -1, 0.75, 0.25, 2,
        ], rtol: 0, atol: 0)
        #expect(try x.slice(axis: 2, 1..<3) == x.slice(axis: -1, 1..<3))
        #expect(try x.slice(axis: 0, 1..<2).scalars == Array(x.scalars[12...]))
        #expect(try x.slice(axis: -3, 0..<2) == x)
        #expect(try x.slice(axis: 1, 0..<0).shape == [2, 0, 4])
    }

    @Test func slicingACopyLeavesTheOriginalUnchanged() throws {
        let x = exactInputs([3, 4])
        let before = x.scalars
        var part = try x.rows(0..<1)
        part[0, 0] = 99
        var one = try x.row(1)
        one[0] = 99
        #expect(x.scalars == before)
    }

    @Test(arguments: [(0, 3..<5), (0, -1..<1), (1, 0..<4), (2, 2..<5), (3, 0..<1), (-4, 0..<1)]
          as [(Int, Range<Int>)])
    func badSlicesThrow(axis: Int, range: Range<Int>) {
        let x = exactInputs([2, 3, 4])
        let error = #expect(throws: TensorError.self) { try x.slice(axis: axis, range) }
        guard case .invalidArgument? = error else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
            return
        }
    }

    @Test func badRowsThrow() {
        let x = exactInputs([4, 3])
        #expect(throws: TensorError.self) { try x.row(4) }
        #expect(throws: TensorError.self) { try x.row(-1) }
        #expect(throws: TensorError.self) { try x.rows(3..<5) }
        #expect(throws: TensorError.self) { try Tensor.ones([]).row(0) }
    }

    // MARK: - concatenate

    @Test func concatenateAlongTheFirstAndLastAxes() throws {
        let a = exactInputs([2, 3])
        let b = exactInputs([1, 3], multiplier: 5, offset: 1)
        let c = exactInputs([2, 2], multiplier: 3, offset: 2)
        expectClose(try Tensor.concatenate([a, b], axis: 0), shape: [3, 3], [
            -2, -0.25, 1.5, -2.5, -0.75, 1, -2.5, -1.25, 0,
        ], rtol: 0, atol: 0)
        expectClose(try Tensor.concatenate([a, c], axis: -1), shape: [2, 5], [
            -2, -0.25, 1.5, -2.25, -1.5, -2.5, -0.75, 1, -0.75, 0,
        ], rtol: 0, atol: 0)
        #expect(try Tensor.concatenate([a, c], axis: 1) == Tensor.concatenate([a, c], axis: -1))
        #expect(try Tensor.concatenate([a], axis: 0) == a)
    }

    @Test func concatenateThenSliceRecoversTheParts() throws {
        let parts = [exactInputs([2, 1, 4]), exactInputs([2, 3, 4], offset: 5), exactInputs([2, 0, 4])]
        let joined = try Tensor.concatenate(parts, axis: 1)
        #expect(joined.shape == [2, 4, 4])
        #expect(try joined.slice(axis: 1, 0..<1) == parts[0])
        #expect(try joined.slice(axis: 1, 1..<4) == parts[1])
    }

    @Test(arguments: [
        ([2, 3], [2, 4], 0), ([2, 3], [3, 3], 1), ([2, 3], [2, 3, 1], 0), ([2, 3], [6], 0),
    ] as [([Int], [Int], Int)])
    func concatenateMismatchThrows(first: [Int], second: [Int], axis: Int) {
        let error = #expect(throws: TensorError.self) {
            try Tensor.concatenate([Tensor.ones(first), Tensor.ones(second)], axis: axis)
        }
        guard case .shapeMismatch(let message)? = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        #expect(message.contains("\(first)") && message.contains("\(second)"), "message: \(message)")
    }

    @Test func concatenateNothingOrABadAxisThrows() {
        #expect(throws: TensorError.self) { try Tensor.concatenate([], axis: 0) }
        #expect(throws: TensorError.self) { try Tensor.concatenate([Tensor.ones([2, 2])], axis: 2) }
    }
}
