// Tests of Tensor.matmul (Tensor+MatMul.swift): the shape rules (2-D, vectors, folded and batched
// batches, empty extents, mismatches) against NumPy's `@` on small exact inputs
// (References/derive_references.py, section "Matrix products"), and larger seeded random products
// against a float64 triple loop written here. GEMM itself is tested in GEMMTests.swift.

import Testing
import TensorCore
import TestSupport

/// C = A·B for row-major A [m, k] and B [k, n] given as flat arrays, in float64: the definition.
private func referenceProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> (c: [Double], magnitude: [Double]) {
    var c = [Double](repeating: 0, count: m * n), magnitude = c
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, absolute = 0.0
            for p in 0..<k {
                let product = Double(a[i * k + p]) * Double(b[p * n + j])
                sum += product
                absolute += abs(product)
            }
            c[i * n + j] = sum
            magnitude[i * n + j] = absolute
        }
    }
    return (c, magnitude)
}

/// Expects every element within the float32 error bound of a k-term dot product in any order:
/// |c − ref| ≤ γₖ · Σₚ |aᵢₚ bₚⱼ| + u · |ref|, with u = 2⁻²⁴ and γₖ = k·u / (1 − k·u).
private func expectWithinDotProductBound(
    _ actual: Tensor, _ reference: (c: [Double], magnitude: [Double]), k: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let u = 0x1p-24, gamma = Double(k) * u / (1 - Double(k) * u)
    let values = actual.scalars
    var failures = 0, worst = 0.0
    for i in values.indices {
        let error = abs(Double(values[i]) - reference.c[i])
        let bound = gamma * reference.magnitude[i] + u * abs(reference.c[i])
        if !(error <= bound) { failures += 1 }
        if reference.magnitude[i] > 0 { worst = max(worst, error / reference.magnitude[i]) }
    }
    #expect(failures == 0, "\(failures) elements outside the bound; worst error / Σ|ab| = \(worst)",
            sourceLocation: sourceLocation)
}

@Suite struct MatMulTests {
    let a = exactInputs([2, 3])
    let b = exactInputs([3, 4], multiplier: 5, offset: 1)
    let v3 = exactInputs([3], multiplier: 3, offset: 2)
    let v4 = exactInputs([4], multiplier: 3, offset: 2)

    // MARK: - Against NumPy (exact inputs: every product and sum is exact in float32)

    @Test func matrixTimesMatrix() throws {
        expectClose(try a.matmul(b), shape: [2, 4],
                    [7, -1.125, -2.0625, -3, 6.125, 1.875, -0.9375, -3.75], rtol: 0, atol: 0)
    }

    @Test func vectorCases() throws {
        // [k] · [k, n] → [n]: the vector is a row.
        expectClose(try v3.matmul(b), shape: [4], [0.5625, 7.875, 2.25, -3.375], rtol: 0, atol: 0)
        // [m, k] · [k] → [m]: the vector is a column.
        expectClose(try b.matmul(v4), shape: [3], [7.5, -2.0625, 1.3125], rtol: 0, atol: 0)
        // [k] · [k] → a scalar of shape [], as NumPy's `v @ v`.
        expectClose(try v3.matmul(v3), shape: [], [7.875], rtol: 0, atol: 0)
        // [B, m, k] · [k] → [B, m].
        let batch = exactInputs([2, 2, 3])
        #expect(try batch.matmul(v3).shape == [2, 2])
    }

    @Test func batchTimesOneMatrixIsFolded() throws {
        expectClose(try exactInputs([2, 2, 3]).matmul(b), shape: [2, 2, 4], [
            7, -1.125, -2.0625, -3, 6.125, 1.875, -0.9375, -3.75,
            -9.125, -2.3125, 0.1875, 2.6875, -10, 0.6875, 1.3125, 1.9375,
        ], rtol: 0, atol: 0)
    }

    @Test func batchTimesBatch() throws {
        let left = exactInputs([2, 2, 3])
        let right = exactInputs([2, 3, 2], multiplier: 5, offset: 1)
        expectClose(try left.matmul(right), shape: [2, 2, 2],
                    [8.75, -0.8125, 8.75, 0.1875, -5, 4.6875, -4.75, 5.9375], rtol: 0, atol: 0)
    }

    // MARK: - Empty extents

    /// k = 0 is an empty sum: zeros of the right shape, not garbage and not a crash.
    @Test func emptyInnerExtentGivesZeros() throws {
        let product = try Tensor.ones([3, 0]).matmul(Tensor.ones([0, 4]))
        #expect(product == Tensor.zeros([3, 4]))
        #expect(try Tensor.ones([2, 3, 0]).matmul(Tensor.ones([0, 5])) == Tensor.zeros([2, 3, 5]))
        #expect(try Tensor.ones([2, 3, 0]).matmul(Tensor.ones([2, 0, 5])) == Tensor.zeros([2, 3, 5]))
        #expect(try Tensor.ones([0]).matmul(Tensor.ones([0])) == Tensor.zeros([]))
    }

    @Test func emptyOuterExtents() throws {
        #expect(try Tensor.ones([0, 3]).matmul(Tensor.ones([3, 4])).shape == [0, 4])
        #expect(try Tensor.ones([2, 3]).matmul(Tensor.ones([3, 0])).shape == [2, 0])
        #expect(try Tensor.ones([0, 2, 3]).matmul(Tensor.ones([3, 4])).shape == [0, 2, 4])
        #expect(try Tensor.ones([2, 2, 3]).matmul(Tensor.ones([2, 3, 0])).shape == [2, 2, 0])
    }

    // MARK: - Mismatches

    @Test(arguments: [
        ([2, 3], [4, 2]), ([3], [4, 2]), ([2, 3], [2]), ([3], [4]), ([2, 2, 3], [3, 3, 2]), ([2, 2, 3], [2, 4, 2]),
    ] as [([Int], [Int])])
    func mismatchThrowsWithBothShapes(lhs: [Int], rhs: [Int]) {
        let error = #expect(throws: TensorError.self) { try Tensor.ones(lhs).matmul(Tensor.ones(rhs)) }
        guard case .shapeMismatch(let message)? = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        // A vector appears in the message as the row or column it stands for.
        let shown = { (shape: [Int]) in shape.count == 1 ? ["\(shape)", "[1, \(shape[0])]", "[\(shape[0]), 1]"] : ["\(shape)"] }
        #expect(shown(lhs).contains { message.contains($0) } && shown(rhs).contains { message.contains($0) },
                "message: \(message)")
    }

    @Test func scalarOperandThrows() {
        #expect(throws: TensorError.self) { try Tensor.ones([]).matmul(Tensor.ones([2, 2])) }
        #expect(throws: TensorError.self) { try Tensor.ones([2, 2]).matmul(Tensor.ones([])) }
    }

    // MARK: - Larger random products against the float64 definition

    @Test(arguments: [(1, 1, 1), (7, 13, 5), (33, 47, 29), (64, 100, 65), (3, 257, 2)] as [(Int, Int, Int)])
    func randomMatrices(m: Int, k: Int, n: Int) throws {
        var rng = SeededGenerator(seed: UInt64(m * 10_000 + k * 100 + n))
        let a = Tensor.randomNormal([m, k], using: &rng)
        let b = Tensor.randomNormal([k, n], using: &rng)
        let c = try a.matmul(b)
        #expect(c.shape == [m, n])
        expectWithinDotProductBound(c, referenceProduct(a.scalars, b.scalars, m: m, k: k, n: n), k: k)
    }

    @Test func randomFoldedBatch() throws {
        var rng = SeededGenerator(seed: 21)
        let (batches, m, k, n) = (3, 17, 40, 23)
        let a = Tensor.randomNormal([batches, m, k], using: &rng)
        let b = Tensor.randomNormal([k, n], using: &rng)
        let c = try a.matmul(b)
        #expect(c.shape == [batches, m, n])
        // Folding [B, m, k] into [B·m, k] is the same as one product per batch element.
        expectWithinDotProductBound(c, referenceProduct(a.scalars, b.scalars, m: batches * m, k: k, n: n), k: k)
    }

    @Test func randomBatchedBatch() throws {
        var rng = SeededGenerator(seed: 22)
        let (batches, m, k, n) = (4, 9, 35, 18)
        let a = Tensor.randomNormal([2, 2, m, k], using: &rng)
        let b = Tensor.randomNormal([2, 2, k, n], using: &rng)
        let c = try a.matmul(b)
        #expect(c.shape == [2, 2, m, n])
        var reference = (c: [Double](), magnitude: [Double]())
        for batch in 0..<batches {
            let part = referenceProduct(Array(a.scalars[(batch * m * k)..<((batch + 1) * m * k)]),
                                        Array(b.scalars[(batch * k * n)..<((batch + 1) * k * n)]),
                                        m: m, k: k, n: n)
            reference.c += part.c
            reference.magnitude += part.magnitude
        }
        expectWithinDotProductBound(c, reference, k: k)
    }

    @Test func transposeIdentity() throws {
        // (A·B)ᵀ = Bᵀ·Aᵀ, exactly for exact inputs.
        #expect(try a.matmul(b).transposed() == b.transposed().matmul(a.transposed()))
    }
}
