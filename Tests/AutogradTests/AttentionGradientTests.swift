// The attention op's gradients, for both kernels and every kind of mask, against finite
// differences; and its values against attention composed from the elementary ops.
// B = batch, H = heads, N = queries, M = keys, D = head dim.

import Autograd
import Testing
import TensorCore
import TestSupport

@Suite struct AttentionGradientTests {
    /// An arbitrary boolean mask [N, M] = [3, 4] with one fully masked query row (row 1).
    static let allowed = try! Tensor(rows: [[1, 0, 1, 1], [0, 0, 0, 0], [0, 1, 1, 0]])

    static let masks: [(String, AttentionMask)] = [
        ("none", .none),
        ("causal", .causal),
        ("padding", AttentionMask(keyLengths: [4, 2])),
        ("padding with an empty sequence", AttentionMask(keyLengths: [0, 3])),
        ("boolean", AttentionMask(allowed: allowed)),
        ("causal and padding", AttentionMask(causal: true, keyLengths: [3, 4])),
    ]

    @Test(arguments: AttentionKernel.allCases, masks.indices)
    func gradients(kernel: AttentionKernel, maskIndex: Int) throws {
        let mask = Self.masks[maskIndex].1
        // [B, H, N, D] = [2, 2, 3, 4]; [B, H, M, D] = [2, 2, 4, 4]
        let q = randomInputs([2, 2, 3, 4], seed: 1), k = randomInputs([2, 2, 4, 4], seed: 2)
        let v = randomInputs([2, 2, 4, 4], seed: 3)
        try checkGradients([q, k, v]) { x in
            try scaledDotProductAttention(x[0], x[1], x[2], mask: mask, kernel: kernel)
        }
    }

    /// The op agrees with softmax(Q Kᵀ · scale + additive mask) V built from the elementary ops,
    /// in value and in gradient; fully masked rows give zeros.
    @Test(arguments: AttentionKernel.allCases, masks.indices)
    func matchesComposedOps(kernel: AttentionKernel, maskIndex: Int) throws {
        let mask = Self.masks[maskIndex].1
        let (b, h, n, m, d) = (2, 2, 3, 4, 4)
        let inputs = [randomInputs([b, h, n, d], seed: 4), randomInputs([b, h, m, d], seed: 5), randomInputs([b, h, m, d], seed: 6)]
        let fused = inputs.map { Variable($0, requiresGrad: true) }
        let composed = inputs.map { Variable($0, requiresGrad: true) }
        let weights = Variable(randomInputs([b, h, n, d], seed: 7))

        let o1 = try scaledDotProductAttention(fused[0], fused[1], fused[2], mask: mask, kernel: kernel)
        try (o1 * weights).sum().backward()

        let additive = Tensor(shape: [b, 1, n, m]) { index in
            let (batch, i, j) = (index / (n * m), index / m % n, index % m)
            return mask.allows(batch: batch, query: i, key: j, queries: n, keys: m) ? 0 : -.infinity
        }
        let scores = try composed[0].matmul(composed[1].transposed()) * (1 / Float(d).squareRoot()) + Variable(additive)
        let o2 = try scores.softmax().matmul(composed[2])
        try (o2 * weights).sum().backward()

        expectClose(o1.value, o2.value, rtol: 1e-5, atol: 1e-6)
        for (x, y) in zip(fused, composed) { expectClose(x.grad!, y.grad!, rtol: 1e-4, atol: 1e-5) }
    }

    @Test func badShapesThrow() {
        let q = Variable(Tensor.zeros([1, 1, 2, 4])), k = Variable(Tensor.zeros([1, 1, 3, 5]))
        #expect(throws: TensorError.self) { try scaledDotProductAttention(q, k, k) }
    }
}
