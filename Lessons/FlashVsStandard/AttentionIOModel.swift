// The IO model of the FlashAttention paper: bytes moved between slow memory (DRAM; HBM on a GPU)
// and fast memory (cache; SRAM on a GPU) of size M.
//
//   N = sequence length, d = head dim, M = fast memory in bytes, one head, 4-byte floats
//
//   standard (Algorithm 0):  Θ(N·d + N²)        — S and P each go out to slow memory and back
//   flash:                   Θ(N²·d² / M)       — K and V are streamed once per block of queries,
//                                                 and a block of queries is as large as M allows
//
// The kernels count their own traffic tile by tile (`AttentionStats.dramBytes`); the functions
// here give the same counts in closed form, and the paper's Θ expressions to compare them with.

import TensorCore

/// Closed forms of the bytes the attention kernels move through slow memory (one head).
enum AttentionIOModel {
    static let float = MemoryLayout<Float>.stride

    /// What `attentionStandard` counts for one head without masking:
    /// read Q, K, write S; read S, write P; read P, V, write O.
    static func standardBytes(n: Int, d: Int) -> Int {
        float * ((2 * n * d + n * n) + 2 * n * n + (n * n + 2 * n * d))
    }

    /// What `attentionFlash` counts for one head without masking: Q once, K and V once per block
    /// of Br queries, O and L once.
    static func flashBytes(n: Int, d: Int, blocks: FlashBlockSizes) -> Int {
        let queryBlocks = (n + blocks.queryRows - 1) / blocks.queryRows
        return float * (n * d + queryBlocks * 2 * n * d + n * (d + 1))
    }

    /// The paper's Θ(N·d + N²) for standard attention, in elements × 4 bytes.
    static func standardOrder(n: Int, d: Int) -> Double {
        Double(float) * (Double(n) * Double(d) + Double(n) * Double(n))
    }

    /// The paper's Θ(N²·d²/M) for flash attention, in elements × 4 bytes (M in bytes, so
    /// M / 4 elements fit in fast memory).
    static func flashOrder(n: Int, d: Int, fastMemoryBytes: Int) -> Double {
        let elements = Double(fastMemoryBytes) / Double(float)
        return Double(float) * Double(n) * Double(n) * Double(d) * Double(d) / elements
    }

    /// The largest blocks whose working set fits in `fastMemoryBytes`: a Q block and its O
    /// accumulator (2·Br·d floats) plus a K and a V block (2·Bc·d floats), with Br = Bc, each a
    /// multiple of 32 (at least 32). This is the paper's choice Bc = Θ(M / d) for our kernel.
    static func blocks(fittingIn fastMemoryBytes: Int, d: Int) -> FlashBlockSizes {
        let rows = fastMemoryBytes / (float * 4 * max(1, d))
        let size = max(32, rows / 32 * 32)
        return FlashBlockSizes(queryRows: size, keyRows: size)
    }
}
