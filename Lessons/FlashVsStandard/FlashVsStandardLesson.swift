// Lesson: standard attention ("Algorithm 0") vs FlashAttention — fast, memory-efficient, exact
// and IO-aware, by tiling, the online softmax and recomputation, measured on this machine.
// N = sequence length, d = head dim, H = heads (batch 1), Br × Bc = flash tile (query × key rows),
// M = fast memory (the L2 of one core; the paper counts it in elements, the code in bytes).

import ArgumentParser
import Figures
import Foundation
import TensorCore

/// Standard attention vs FlashAttention, rebuilt and measured.
///
/// Reads like the lecture:
/// 1. The memory hierarchy of this machine, beside the lecture's GPU.
/// 2. Algorithm 0: S and P written to memory, and why that makes it memory-bound.
/// 3. A walkthrough on N = 8, d = 4, two key/value blocks: the online softmax made visible.
/// 4. Tiling, online softmax and recomputation, with the walkthrough's numbers; the loop orders
///    of FlashAttention-1 (the lecture's Algorithm 1) and FlashAttention-2 (this kernel's).
/// 5. Timings over N = 256 … max-n: forward, forward + backward, speedup, GFLOP/s, error.
/// 6. Extra memory: N² for standard, N for flash.
/// 7. IO: the bytes each moves through slow memory vs the paper's Θ(Nd + N²) and Θ(N²d²/M).
/// 8. A Br × Bc block-size sweep: the cache effect.
/// 9. Causal masking: flash skips the blocks above the diagonal.
/// 10. Conclusion, computed from the measurements.
///
/// Writes the walkthrough's figures with `walkthrough-Q/K/V/O.npy`, `timings.png` with
/// `timings.csv` (one row per N), `timings-detail.csv/.md` (forward + backward, spread),
/// `memory.png`, `io.csv/.md`, `block-sweep.png`, `causal-tiles.png`, `causal.csv/.md` and
/// `conclusion.md`, into `Output/flash-vs-standard/`.
public enum FlashVsStandardLesson: Lesson {
    public static let name = "flash-vs-standard"
    public static let summary = "standard attention vs FlashAttention: tiling, online softmax, recomputation, measured"
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("walkthrough-S", "the scores S = QKᵀ/√d of a small example, tile by tile"),
        ("walkthrough-tiles", "the step at which FlashAttention computes each score of S"),
        ("walkthrough-P-tiles", "p̃ = exp(S − m) block by block, with m the running maximum"),
        ("walkthrough-m-l", "the running maximum m and sum l of each query, block by block"),
        ("walkthrough-output", "the output after each block, and the float64 reference"),
        ("timings", "time per call against sequence length N, standard vs Flash, forward and backward"),
        ("memory", "extra memory against N: standard stores N×N, Flash a few vectors"),
        ("block-sweep", "Flash forward time for each pair of block sizes"),
        ("causal-tiles", "with a causal mask, the step at which each score is computed; masked tiles are skipped"),
    ]

    public struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Attention heads H, batch 1 (default: 1).", valueName: "h"))
        var heads: Int = 1

        @Option(name: .customLong("head-dim"), help: ArgumentHelp("Head dimension d, 1…256 (default: 64).", valueName: "d"))
        var headDim: Int = 64

        @Option(name: .customLong("max-n"), help: ArgumentHelp(
            "Largest sequence length N, a power of two in 256…65536; N runs 256, 512, … up to it (default: 8192; 1024 with --quick).",
            valueName: "n"))
        var maxN: Int?

        @Flag(help: "Time with causal masking (query i sees keys j ≤ i); the causal comparison still shows both.")
        var causal = false

        public init() {}

        public func validate() throws {
            guard (1...64).contains(heads) else {
                throw ValidationError("--heads must be in 1...64, not \(heads)")
            }
            guard (1...256).contains(headDim) else {
                throw ValidationError("--head-dim must be in 1...256, not \(headDim)")
            }
            if let maxN, !(256...65_536).contains(maxN) || maxN & (maxN - 1) != 0 {
                throw ValidationError("--max-n must be a power of two in 256...65536 (256, 512, 1024, …), not \(maxN)")
            }
        }
    }

    /// Everything the run needs, worked out once from the options and --quick.
    struct Settings {
        let heads: Int, headDim: Int, maxN: Int, causal: Bool, quick: Bool
        /// 256, 512, …, maxN
        var sizes: [Int] { (8...24).map { 1 << $0 }.filter { $0 <= maxN } }
        var mask: AttentionMask { causal ? .causal : .none }
        /// Timed samples per measurement (after a warm-up) and the least time one sample lasts.
        var repeats: Int { 5 }
        var minimumSample: Double { quick ? 0.02 : 0.05 }
        /// N of the block-size sweep.
        var sweepN: Int { min(maxN, quick ? 1024 : 2048) }
        /// Query rows per head checked against the float64 reference (the last ones: under a
        /// causal mask they see the most keys).
        var checkedRows: Int { quick ? 32 : 64 }

        init(_ options: Options, quick: Bool) {
            heads = options.heads
            headDim = options.headDim
            maxN = options.maxN ?? (quick ? 1024 : 8192)
            causal = options.causal
            self.quick = quick
        }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        let settings = Settings(options, quick: quick)
        // Flash holds Q, K, V, dO, O, dQ, dK, dV and packed copies: about 16 · H · N · d floats.
        let flashBytes = 16 * 4 * settings.heads * settings.maxN * settings.headDim
        try SystemInfo.requireMemory(bytes: flashBytes, for: "flash attention at N = \(settings.maxN)")
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        let settings = Settings(options, quick: context.quick)
        try describeMemoryHierarchy(context)
        try explainAlgorithmZero(settings, context)
        let trace = try walkThroughOnlineSoftmax(context)
        explainTilingAndRecomputation(trace, context)
        let measurements = try measureOverSequenceLengths(settings, context)
        try chartExtraMemory(measurements, settings, context)
        try compareTrafficWithThePaper(measurements, settings, context)
        let sweep = try sweepBlockSizes(settings, context)
        try compareCausalWithFull(measurements, settings, context)
        try concludeFromMeasurements(measurements, sweep: sweep, settings, context)
    }
}
