// Tests of Tensor itself: creation, element access, copy-on-write, description, equality.

import Testing
import TensorCore
import TestSupport

@Suite struct TensorTests {
    @Test func uninitializedShapeIsFilledByTheBody() {
        let t = Tensor(unsafeUninitializedShape: [2, 3]) { buffer in
            for i in buffer.indices { buffer[i] = Float(i) * 0.5 }
        }
        #expect(t.shape == [2, 3])
        #expect(t.scalars == [0, 0.5, 1, 1.5, 2, 2.5])
        var seen = -1
        let empty = Tensor(unsafeUninitializedShape: [0, 4]) { seen = $0.count }
        #expect(empty.count == 0 && seen == 0)
    }

    // MARK: - Creation

    @Test func zerosOnesAndRepeatingFillEveryElement() {
        let zeros = Tensor.zeros([2, 3, 4])
        #expect(zeros.shape == [2, 3, 4])
        #expect(zeros.count == 24 && zeros.rank == 3)
        #expect(zeros.scalars == [Float](repeating: 0, count: 24))
        #expect(Tensor.ones([5]).scalars == [1, 1, 1, 1, 1])
        #expect(Tensor(repeating: -2.5, shape: [3, 1]).scalars == [-2.5, -2.5, -2.5])
    }

    @Test func emptyAndScalarShapes() {
        let scalar = Tensor.ones([])
        #expect(scalar.rank == 0 && scalar.count == 1 && scalar.item == 1)
        let empty = Tensor.zeros([0, 4])
        #expect(empty.count == 0 && empty.scalars.isEmpty)
        #expect(Tensor([]).shape == [0])
    }

    @Test func initFromScalarsIsRowMajor() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x[0, 2] == 3)
        #expect(x[1, 0] == 4)
        #expect(x[1, 2] == 6)
        let y = try Tensor(shape: [2, 2, 2], scalars: (0..<8).map(Float.init))
        #expect(y[1, 0, 1] == 5)   // 1·4 + 0·2 + 1
    }

    @Test(arguments: [
        ([2, 3], 5), ([2, 3], 7), ([], 0), ([4], 0), ([0], 1),
    ] as [([Int], Int)])
    func scalarCountMismatchThrows(shape: [Int], count: Int) {
        let error = #expect(throws: TensorError.self) {
            try Tensor(shape: shape, scalars: [Float](repeating: 1, count: count))
        }
        guard case .shapeMismatch(let message)? = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        #expect(message.contains("\(shape)") && message.contains("\(count)"))
    }

    @Test func negativeExtentThrows() {
        #expect(throws: TensorError.self) { try Tensor(shape: [2, -3], scalars: []) }
    }

    @Test func initFromRows() throws {
        let x = try Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(x.shape == [2, 3])
        #expect(x.scalars == [1, 2, 3, 4, 5, 6])
        #expect(try Tensor(rows: []).shape == [0, 0])
    }

    @Test func raggedRowsThrow() {
        let error = #expect(throws: TensorError.self) { try Tensor(rows: [[1, 2, 3], [4, 5], [6, 7, 8]]) }
        #expect(error?.description.contains("row 1") == true)
    }

    @Test func generatingUsesFlatIndices() {
        let x = Tensor(shape: [2, 3]) { Float($0 * 10) }
        #expect(x.scalars == [0, 10, 20, 30, 40, 50])
        #expect(x[1, 1] == 40)
    }

    // MARK: - Element access and copy-on-write

    @Test func subscriptWritesOneElement() {
        var x = Tensor.zeros([3, 4])
        x[2, 1] = 7
        x[0, 3] = -1
        #expect(x[2, 1] == 7 && x[0, 3] == -1)
        #expect(x.scalars.filter { $0 != 0 }.count == 2)
        #expect(x.scalars[2 * 4 + 1] == 7)
    }

    @Test func mutatingACopyLeavesTheOriginalUnchanged() {
        let original = exactInputs([2, 3])
        let before = original.scalars
        var copy = original
        copy[1, 2] = 100
        #expect(original.scalars == before)
        #expect(copy[1, 2] == 100)

        var viaPointer = original
        viaPointer.withUnsafeMutableBufferPointer { $0[0] = -100 }
        #expect(original.scalars == before)
        #expect(viaPointer[0, 0] == -100)
    }

    @Test func mutatingAReshapedViewLeavesTheOriginalUnchanged() throws {
        let original = exactInputs([2, 3])
        let before = original.scalars
        var reshaped = try original.reshaped([3, 2])
        reshaped[0, 0] = 42
        #expect(original.scalars == before)
        #expect(reshaped.scalars[0] == 42)
    }

    @Test func uniqueTensorIsMutatedInPlace() {
        var x = Tensor.zeros([4])
        let address = x.withUnsafeBufferPointer { $0.baseAddress }
        x[1] = 1
        #expect(x.withUnsafeBufferPointer { $0.baseAddress } == address)
    }

    // MARK: - Description and equality

    @Test func descriptionOfASmallTensor() throws {
        let x = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4.5])
        #expect(x.description == "Tensor([2, 2]) [[1.0, 2.0], [3.0, 4.5]]")
        #expect(Tensor.ones([]).description == "Tensor([]) 1.0")
    }

    @Test func descriptionOfABigTensorIsElided() {
        let big = Tensor(shape: [500, 1000]) { Float($0) }
        let text = big.description
        #expect(text.count < 1000)
        #expect(text.hasPrefix("Tensor([500, 1000]) [[0.0, 1.0, 2.0, …, 997.0, 998.0, 999.0], "))
        #expect(text.contains("…"))
        #expect(text.hasSuffix("499999.0]]"))
        #expect(!Tensor.zeros([0, 3]).description.isEmpty)
        #expect(!Tensor.zeros([20, 0, 2]).description.isEmpty)
    }

    @Test func equalityComparesShapesAndElements() throws {
        let a = exactInputs([2, 3])
        #expect(a == exactInputs([2, 3]))
        #expect(a != (try a.reshaped([3, 2])))
        var b = a
        b[0, 0] += 0.25
        #expect(a != b)
        #expect(Tensor([.nan]) != Tensor([.nan]))
    }
}
