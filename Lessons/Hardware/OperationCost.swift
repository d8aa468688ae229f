// What an operation must do and move: its FLOPs and its bytes of slow-memory traffic, in closed
// form — the two coordinates of its point on a roofline (intensity = FLOPs / bytes).
//
//   m, n, k = GEMM dimensions; N = query rows, M = key rows, d = head dim; 4-byte floats
//
// Conventions, the same for every operation:
// - Bytes are the least the operation can move: every input read once, every output written
//   once (a cache as large as needed; no write-allocate). A kernel may move more; then it falls
//   further below the roof, which is what a roofline is for.
// - FLOPs are the arithmetic the operation asks for: a multiply-add is 2, a comparison (max) is
//   1, and a transcendental function (exp, erf) counts as 1 — how a library evaluates it (here a
//   polynomial of about 20 FLOPs) is the kernel's business, not the operation's.

import TensorCore

/// The FLOPs an operation must do and the bytes it must move.
///
///     let c = OperationCost.gemm(m: 2048, n: 2048, k: 2048)
///     c.flops       // 1.7e10
///     c.intensity   // 341.3 FLOPs per byte
struct OperationCost: Sendable, Equatable {
    var flops: Double
    var bytes: Double

    init(flops: Double, bytes: Double) {
        self.flops = flops
        self.bytes = bytes
    }

    /// Arithmetic intensity: FLOPs per byte moved.
    var intensity: Double { flops / bytes }

    static let float = Double(MemoryLayout<Float>.stride)

    // MARK: - Matrix products

    /// C = A B, A [m, k], B [k, n], C [m, n]:
    ///
    ///     FLOPs = 2·m·n·k                 (a multiply and an add per term)
    ///     bytes = 4·(m·k + k·n + m·n)     (read A and B, write C)
    ///
    /// For m = n = k the intensity is n/6: it grows with the size, so a large GEMM can be
    /// compute-bound on any machine.
    static func gemm(m: Int, n: Int, k: Int) -> OperationCost {
        let (m, n, k) = (Double(m), Double(n), Double(k))
        return OperationCost(flops: 2 * m * n * k, bytes: float * (m * k + k * n + m * n))
    }

    // MARK: - Elementwise and row-wise operations

    /// softmax over each row of [rows, columns]: softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
    ///
    ///     FLOPs = 5 per element (max, subtract, exp, add to the sum, multiply by 1/Σ) + 1 per row (1/Σ)
    ///     bytes = 8 per element (read x, write y)
    static func softmax(rows: Int, columns: Int) -> OperationCost {
        let elements = Double(rows) * Double(columns)
        return OperationCost(flops: 5 * elements + Double(rows), bytes: 2 * float * elements)
    }

    /// Layer norm over each row of [rows, width]: y = (x − μ) / √(σ² + ε) · γ + β.
    ///
    ///     FLOPs = 7 per element (μ: add; σ²: subtract, multiply, add; y: multiply by 1/σ, by γ, add β)
    ///           + 4 per row (μ = Σ/width, σ² = Σ/width, + ε, 1/√)
    ///     bytes = 8 per element (read x, write y) + 8 per column (read γ and β)
    static func layerNorm(rows: Int, width: Int) -> OperationCost {
        let elements = Double(rows) * Double(width)
        return OperationCost(flops: 7 * elements + 4 * Double(rows),
                             bytes: 2 * float * elements + 2 * float * Double(width))
    }

    /// GELU(x) = x · ½ (1 + erf(x / √2)), elementwise over `count` floats.
    ///
    ///     FLOPs = 5 per element (x/√2, erf, + 1, · ½, · x)
    ///     bytes = 8 per element (read x, write y)
    static func gelu(count: Int) -> OperationCost {
        OperationCost(flops: 5 * Double(count), bytes: 2 * float * Double(count))
    }

    /// Inverted dropout over `count` floats: y = keep ? x / (1 − p) : 0 (`dropoutInPlace`).
    ///
    ///     FLOPs = 2 per element (compare the random number with p, multiply)
    ///     bytes = 8 per element (read x, write y; the random numbers are computed, not stored)
    static func dropout(count: Int) -> OperationCost {
        OperationCost(flops: 2 * Double(count), bytes: 2 * float * Double(count))
    }

    /// Scaling and masking the scores [rows, columns]: S ← S · scale, −∞ where masked
    /// (`scaleAndMaskInPlace`).
    ///
    ///     FLOPs = 1 per element (the multiply; writing −∞ is no arithmetic, and it is counted
    ///             over every score, as the kernels process them)
    ///     bytes = 8 per element (read S, write S)
    static func scaleAndMask(rows: Int, columns: Int) -> OperationCost {
        let elements = Double(rows) * Double(columns)
        return OperationCost(flops: elements, bytes: 2 * float * elements)
    }

    // MARK: - Attention, one head, no mask

    /// The FLOPs of attention for one head, N queries and N keys:
    ///
    ///     4·N²·d   (Q Kᵀ and P V, 2·N²·d each)
    ///   + 6·N²     (the scale, 1, and the softmax, 5, per score)
    ///
    /// Standard and flash attention do the same arithmetic; they differ in the bytes they move.
    static func attentionFlops(n: Int, d: Int) -> Double {
        let nn = Double(n) * Double(n)
        return 4 * nn * Double(d) + 6 * nn
    }

    /// `attentionStandard` (Algorithm 0), one head, N = M:
    ///
    ///     FLOPs = 4·N²·d + 6·N²
    ///     bytes = 4·(4·N² + 4·N·d)   (write S; read S, write P; read P — and Q, K, V in, O out:
    ///                                 `AttentionIOModel.standardBytes`)
    ///
    /// The N² terms dominate: the intensity tends to (4d + 6)/16 ≈ d/4 FLOPs per byte.
    static func attentionStandard(n: Int, d: Int) -> OperationCost {
        OperationCost(flops: attentionFlops(n: n, d: d), bytes: Double(AttentionIOModel.standardBytes(n: n, d: d)))
    }

    /// `attentionFlash`, one head, N = M, with query blocks of Br rows:
    ///
    ///     FLOPs = 4·N²·d + 6·N²
    ///     bytes = 4·(N·d + ⌈N/Br⌉·2·N·d + N·(d + 1))   (Q once, K and V once per query block,
    ///                                                   O and the logsumexp once:
    ///                                                   `AttentionIOModel.flashBytes`)
    ///
    /// No N² term in the bytes: the intensity grows like Br, the tile the fast memory holds.
    static func attentionFlash(n: Int, d: Int, blocks: FlashBlockSizes = .default) -> OperationCost {
        OperationCost(flops: attentionFlops(n: n, d: d),
                      bytes: Double(AttentionIOModel.flashBytes(n: n, d: d, blocks: blocks)))
    }
}
