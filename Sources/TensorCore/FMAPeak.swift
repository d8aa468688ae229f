// The most arithmetic this machine's cores can do: fused multiply-adds on registers only, with
// enough independent chains to keep every FMA unit busy. It is the ceiling every kernel's GFLOP/s
// is read against — the hardware lesson's flat roof, and the share `bench` prints beside each
// figure.

import Synchronization

/// A register-resident FMA loop and its measured rate.
///
///     let peak = FMAPeak.measure(threads: 2)   // GFLOP/s, fastest of a few samples
public enum FMAPeak {
    /// Independent chains, one vector register each. An FMA's result is ready about 4 cycles after
    /// it starts and a core starts up to 2 per cycle, so at least 8 chains must be in flight to
    /// keep both units busy; 12 leave room.
    public static let chains = 12

    /// Floats per chain: one register of the widest vectors this build uses — 16 with AVX-512
    /// (12 of its 32 zmm registers), 8 elsewhere (12 of AVX2's 16 ymm registers; chains of 16
    /// would need 24 and spill to memory, measuring the spills instead of the arithmetic).
    public static let lanes = SystemInfo.compiledForAVX512 ? 16 : 8

    /// FLOPs of one iteration: chains × lanes × 2 (a multiply and an add).
    public static let flopsPerIteration = chains * lanes * 2

    /// x ← x · m + a on `chains` registers of `lanes` floats, `iterations` times, without touching
    /// memory; returns the sum of the chains. Every value converges to a / (1 − m) = 0.1 and never
    /// becomes denormal or infinite. FLOPs: iterations · `flopsPerIteration`.
    public static func kernel(iterations: Int, start: Float) -> Float {
        lanes == 16 ? kernel(SIMD16<Float>.self, iterations: iterations, start: start)
                    : kernel(SIMD8<Float>.self, iterations: iterations, start: start)
    }

    @inline(never)
    static func kernel<V: SIMD>(_: V.Type, iterations: Int, start: Float) -> Float where V.Scalar == Float {
        let m = V(repeating: 0.999_999), a = V(repeating: 0.000_000_1)
        var x0 = V(repeating: start), x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3
        var x4 = x0 + 4, x5 = x0 + 5, x6 = x0 + 6, x7 = x0 + 7
        var x8 = x0 + 8, x9 = x0 + 9, x10 = x0 + 10, x11 = x0 + 11
        for _ in 0..<max(0, iterations) {
            x0 = a.addingProduct(x0, m); x1 = a.addingProduct(x1, m); x2 = a.addingProduct(x2, m)
            x3 = a.addingProduct(x3, m); x4 = a.addingProduct(x4, m); x5 = a.addingProduct(x5, m)
            x6 = a.addingProduct(x6, m); x7 = a.addingProduct(x7, m); x8 = a.addingProduct(x8, m)
            x9 = a.addingProduct(x9, m); x10 = a.addingProduct(x10, m); x11 = a.addingProduct(x11, m)
        }
        return ((x0 + x1) + (x2 + x3) + (x4 + x5) + (x6 + x7) + (x8 + x9) + (x10 + x11)).sum()
    }

    /// `kernel` on `threads` threads at once, thread t starting from `start + t`; returns the sum.
    /// FLOPs: threads · iterations · `flopsPerIteration`.
    public static func run(iterations: Int, threads: Int, start: Float = 0) -> Float {
        let results = UnsafeMutablePointer<Float>.allocate(capacity: max(1, threads))
        defer { results.deallocate() }
        Parallel.forEach(chunks: threads) { t in results[t] = kernel(iterations: iterations, start: start + Float(t)) }
        var total: Float = 0
        for t in 0..<threads { total += results[t] }
        return total
    }

    /// GFLOP/s of `run` on `threads` threads: the fastest of `repeats` samples, each at least
    /// `minimumSample` seconds. The peak is a ceiling: other work on the machine can only slow a
    /// sample, never speed it up, so the fastest sample is the closest to it (a median taken
    /// while another job held a core read below what the GEMMs measured next to it).
    public static func measure(threads: Int, repeats: Int = 7, minimumSample: Double = 0.05) -> Double {
        let iterations = 1 << 16
        let timing = Stopwatch.time(repeats: repeats, minimumSample: minimumSample) {
            // Each call starts from the last result × 0 and leaves its own behind, through an
            // atomic the optimiser cannot see through, so no call can be dropped or hoisted.
            let start = Float(bitPattern: sink.load(ordering: .relaxed)) * 0
            sink.store(run(iterations: iterations, threads: threads, start: start).bitPattern, ordering: .relaxed)
        }
        return Double(threads * iterations * flopsPerIteration) / timing.fastest / 1e9
    }

    private static let sink = Atomic<UInt32>(0)
}
