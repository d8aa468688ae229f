// `bench attention`: standard attention vs FlashAttention, forward and backward, on this machine.
// N = sequence length, d = head dim, H = heads (batch 1).
// FLOPs: forward 4·N²·d per head (Q Kᵀ and P V, a multiply and an add per term); backward
// 10·N²·d per head (Q Kᵀ recomputed, dV, dP, dQ, dK): the exps are not counted, as the
// FlashAttention paper does not count them.

import ArgumentParser
import TensorCore
import _Support

/// Times the attention kernels beside the machine's SGEMM, in one run.
///
///     swift run -c release bench attention --sizes 1024,4096,8192 --head-dim 64
struct AttentionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Standard vs flash attention, forward and backward, beside SGEMM GFLOP/s.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, parsing: .unconditional, help: "Sequence lengths N, comma-separated.")
    var sizes: String = "1024,4096,8192"

    @Option(name: .long, help: "Head dimension d.")
    var headDim: Int = 64

    @Option(name: .long, help: "Heads H (batch is 1).")
    var heads: Int = 1

    @Flag(name: .long, help: "Causal masking.")
    var causal = false

    @Option(name: .long, help: "Flash block sizes as Br,Bc (multiples of 32).")
    var blocks: String?

    /// Square size of the SGEMM yardstick.
    static let yardstickSize = 2048

    func run() throws {
        let sizes: [Int], blocks: FlashBlockSizes
        do {
            try shared.check()
            sizes = try GEMMBenchmark.parse(sizes: self.sizes)
            guard (1...1024).contains(headDim) else { throw BenchError("--head-dim must be in 1...1024, got \(headDim)") }
            guard (1...64).contains(heads) else { throw BenchError("--heads must be in 1...64, got \(heads)") }
            blocks = try parseBlocks()
            let largest = attentionStandardBytes(batch: 1, heads: heads, queries: sizes.max()!, keys: sizes.max()!,
                                                 backward: true)
            try SystemInfo.requireMemory(bytes: largest, for: "standard attention at N = \(sizes.max()!)")
        } catch let error as BenchError {
            error.exit()
        } catch {
            BenchError("\(error)").exit()
        }
        shared.apply()

        print("bench attention: B=1 H=\(heads) d=\(headDim)\(causal ? " causal" : ""), flash \(blocks)")
        print("GFLOP/s: forward 4·N²·d·H, backward 10·N²·d·H\(causal ? " (halved for causal)" : "") per second")
        describeMachine().forEach { print($0) }
        print("standard attention's GEMM: \(GEMM.currentBackend)")
        print("each cell: warm-up, then \(shared.repeats) timed samples; median, (fastest–slowest)")
        print()

        // The yardsticks: the FMA peak and SGEMM on every backend, in this run.
        let firstCeiling = FMACeiling.measure()
        var yardstick: [(GEMMBackend, Double)] = []
        for backend in [GEMMBackend.portable] + [.openBLAS, .accelerate].filter(\.isAvailable) {
            let (timing, _) = GEMMBenchmark.measure(backend, size: Self.yardstickSize, repeats: shared.repeats)
            let n = Double(Self.yardstickSize)
            yardstick.append((backend, 2 * n * n * n / timing.median / 1e9))
        }
        var rows: [Row] = []
        for n in sizes {
            rows.append(measure(n: n, blocks: blocks))
        }

        let ceiling = firstCeiling.remeasured()
        print(ceiling.description)
        for (backend, rate) in yardstick {
            print("SGEMM \(Self.yardstickSize)² \(backend.rawValue): \(fixed(rate, decimals: 1)) GFLOP/s, \(ceiling.share(rate)) of peak")
        }
        print()
        printTable(rows, ceiling: ceiling)
        let best = yardstick.map(\.1).max()!
        var fields = yardstick.map { "sgemm_\($0.0.rawValue)_gflops=\(fixed($0.1, decimals: 1))" }
        for row in rows {
            fields.append("flash_fwd_ms_\(row.n)=\(fixed(row.flashForward.median * 1e3, decimals: 2))")
            fields.append("flash_bwd_ms_\(row.n)=\(fixed(row.flashBackward.median * 1e3, decimals: 2))")
            fields.append("flash_fwd_gflops_\(row.n)=\(fixed(row.flashForwardGFLOPS, decimals: 1))")
            fields.append("fwd_speedup_\(row.n)=\(fixed(row.standardForward.median / row.flashForward.median, decimals: 2))")
            fields.append("flash_bwd_over_fwd_\(row.n)=\(fixed(row.flashBackward.median / row.flashForward.median, decimals: 2))")
            fields.append("flash_fwd_of_best_sgemm_\(row.n)=\(fixed(row.flashForwardGFLOPS / best, decimals: 2))")
            fields.append("flash_fwd_of_fma_peak_\(row.n)=\(fixed(row.flashForwardGFLOPS / ceiling.gflops, decimals: 2))")
        }
        fields.append(ceiling.field)
        fields.append("threads=\(Parallel.threadCount)")
        print("attention: " + fields.joined(separator: " "))
    }

    func parseBlocks() throws -> FlashBlockSizes {
        guard let blocks else { return .default }
        let parts = blocks.split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 && $0 % 32 == 0 }) else {
            throw BenchError("--blocks takes Br,Bc, two positive multiples of 32, got '\(blocks)'")
        }
        return FlashBlockSizes(queryRows: parts[0], keyRows: parts[1])
    }

    struct Row {
        let n: Int
        let standardForward: Timing, flashForward: Timing, standardBackward: Timing, flashBackward: Timing
        let forwardFlops: Double, backwardFlops: Double
        let maxDifference: Float
        var flashForwardGFLOPS: Double { forwardFlops / flashForward.median / 1e9 }
    }

    func measure(n: Int, blocks: FlashBlockSizes) -> Row {
        var random = BenchRandom(state: UInt64(n))
        let shape = [1, heads, n, headDim]
        let q = try! Tensor(shape: shape, scalars: random.floats(heads * n * headDim))
        let k = try! Tensor(shape: shape, scalars: random.floats(heads * n * headDim))
        let v = try! Tensor(shape: shape, scalars: random.floats(heads * n * headDim))
        let dO = try! Tensor(shape: shape, scalars: random.floats(heads * n * headDim))
        let mask: AttentionMask = causal ? .causal : .none
        let repeats = n >= 8192 ? min(shared.repeats, 3) : shared.repeats

        let standard = try! attentionStandard(q: q, k: k, v: v, mask: mask)
        let flash = try! attentionFlash(q: q, k: k, v: v, mask: mask, blocks: blocks)
        let difference = zip(standard.output.scalars, flash.output.scalars).map { abs($0 - $1) }.max() ?? 0

        let standardForward = Stopwatch.time(repeats: repeats, minimumSample: 0.05) { _ = try! attentionStandard(q: q, k: k, v: v, mask: mask) }
        let flashForward = Stopwatch.time(repeats: repeats, minimumSample: 0.05) {
            _ = try! attentionFlash(q: q, k: k, v: v, mask: mask, blocks: blocks)
        }
        let standardBackward = Stopwatch.time(repeats: repeats, minimumSample: 0.05) {
            _ = try! attentionStandardBackward(q: q, k: k, v: v, probabilities: standard.probabilities, dOutput: dO)
        }
        let flashBackward = Stopwatch.time(repeats: repeats, minimumSample: 0.05) {
            _ = try! attentionFlashBackward(q: q, k: k, v: v, output: flash.output, logsumexp: flash.logsumexp,
                                            dOutput: dO, mask: mask, blocks: blocks)
        }
        let half = causal ? 0.5 : 1.0
        let nn = Double(n) * Double(n) * Double(headDim) * Double(heads) * half
        print("N=\(n) measured")
        return Row(n: n, standardForward: standardForward, flashForward: flashForward,
                   standardBackward: standardBackward, flashBackward: flashBackward,
                   forwardFlops: 4 * nn, backwardFlops: 10 * nn, maxDifference: difference)
    }

    func printTable(_ rows: [Row], ceiling: FMACeiling) {
        let header = ["N", "standard fwd ms", "flash fwd ms", "fwd speedup", "flash fwd GFLOP/s", "of peak",
                      "standard bwd ms", "flash bwd ms", "bwd speedup", "flash bwd GFLOP/s", "of peak", "flash bwd/fwd",
                      "max |O_flash − O_std|"]
        let lines = rows.map { r in
            [
                "\(r.n)", r.standardForward.millisecondsText, r.flashForward.millisecondsText,
                fixed(r.standardForward.median / r.flashForward.median, decimals: 2),
                fixed(r.flashForwardGFLOPS, decimals: 1), ceiling.share(r.flashForwardGFLOPS),
                r.standardBackward.millisecondsText, r.flashBackward.millisecondsText,
                fixed(r.standardBackward.median / r.flashBackward.median, decimals: 2),
                fixed(r.backwardFlops / r.flashBackward.median / 1e9, decimals: 1),
                ceiling.share(r.backwardFlops / r.flashBackward.median / 1e9),
                fixed(r.flashBackward.median / r.flashForward.median, decimals: 2),
                scientific(Double(r.maxDifference), digits: 2),
            ]
        }
        printAlignedTable(header: header, rows: lines)
    }
}
