// Step 2: peak compute — a register-resident FMA loop (the most the cores can do) and SGEMM (the
// most a real kernel does), on one thread and on all of them.
// n = GEMM size (C = A B with A, B, C all n×n), T = threads.

import Figures
import Foundation
import TensorCore
import _Support

/// What step 2 measured, in GFLOP/s.
struct Compute {
    struct GEMMRun {
        let backend: GEMMBackend, threads: Int, size: Int
        let timing: Timing, rate: HardwareLesson.Rate
    }

    let fmaOneThread: HardwareLesson.Rate, fmaAllThreads: HardwareLesson.Rate
    let gemm: [GEMMRun]
    /// Theoretical peak of one core at the reported clock (GFLOP/s), if the clock is known.
    let theoreticalPerCore: Double?

    /// The fastest SGEMM on all threads.
    var gemmPeak: GEMMRun {
        let most = gemm.map(\.threads).max()!
        return gemm.filter { $0.threads == most }.max { $0.rate.median < $1.rate.median }!
    }
}

extension HardwareLesson {
    // MARK: - 2. Peak compute

    static func measurePeakCompute(_ settings: Settings, _ context: LessonContext) throws -> Compute {
        context.section("Peak compute: FMAs on registers, and SGEMM")
        let t = settings.threads
        let iterations = 1 << 16
        let fmaWork = Double(iterations * MachineProbes.fmaFlopsPerIteration)
        let fmaOne = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
            _ = MachineProbes.fmaLoop(iterations: iterations)
        }
        let fmaAll = t == 1 ? fmaOne : Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
            _ = MachineProbes.fmaLoop(iterations: iterations, threads: t)
        }

        let n = settings.peakGEMMSize
        var generator = context.generator(for: "sgemm")
        let a = Tensor.randomNormal([n, n], using: &generator), b = Tensor.randomNormal([n, n], using: &generator)
        var c = Tensor.zeros([n, n])
        let backends = GEMMBackend.allCases.filter(\.isAvailable)
        var runs: [Compute.GEMMRun] = []
        for backend in backends {
            for threads in Array(Set([1, t])).sorted() {
                let timing = withThreads(threads) {
                    Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                        multiply(a, b, into: &c, n: n, backend: backend)
                    }
                }
                runs.append(Compute.GEMMRun(backend: backend, threads: threads, size: n, timing: timing,
                                            rate: Rate(work: OperationCost.gemm(m: n, n: n, k: n).flops, per: timing)))
            }
        }
        let perCore = MachineProbes.reportedClockGHz.map { $0 * Double(MachineProbes.assumedFlopsPerCycle) }
        let compute = Compute(fmaOneThread: Rate(work: fmaWork, per: fmaOne), fmaAllThreads: Rate(work: fmaWork * Double(t), per: fmaAll),
                              gemm: runs, theoreticalPerCore: perCore)
        try showCompute(compute, settings, context)
        return compute
    }

    /// C = A B with one backend. - Parameters: a, b, c: [n, n]
    static func multiply(_ a: Tensor, _ b: Tensor, into c: inout Tensor, n: Int, backend: GEMMBackend) {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
            GEMM.sgemm(m: n, n: n, k: n, a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n,
                       c: c.baseAddress!, ldc: n, backend: backend)
        } } }
    }

    /// `compute.csv/.md`, and what the numbers say.
    static func showCompute(_ compute: Compute, _ settings: Settings, _ context: LessonContext) throws {
        let t = settings.threads
        var table = Table(
            title: "Peak compute, GFLOP/s: median (slowest–fastest sample)",
            columns: ["kernel", "threads", "GFLOP/s", "% of theoretical peak"],
            alignments: [.left, .right, .right, .right])
        func share(_ rate: Rate, threads: Int) -> String {
            compute.theoreticalPerCore.map { format(100 * rate.median / ($0 * Double(threads)), 0) + "%" } ?? "—"
        }
        let fma = "FMA loop (\(MachineProbes.fmaChains) chains of \(FMAPeak.lanes) floats, registers only)"
        try table.append([fma, "1", compute.fmaOneThread.text, share(compute.fmaOneThread, threads: 1)])
        if t > 1 { try table.append([fma, "\(t)", compute.fmaAllThreads.text, share(compute.fmaAllThreads, threads: t)]) }
        for run in compute.gemm {
            try table.append(["SGEMM \(run.size)×\(run.size)×\(run.size), \(run.backend.rawValue)", "\(run.threads)",
                              run.rate.text, share(run.rate, threads: run.threads)])
        }
        try context.show(table, as: "compute")

        let peak = compute.gemmPeak
        var sentences = ["""
            The FMA loop keeps \(MachineProbes.fmaChains) independent chains x ← x·m + a of \(FMAPeak.lanes) \
            floats each in registers: no memory, so it runs at the speed of the arithmetic units, \
            \(significant(compute.fmaOneThread.median)) GFLOP/s on one core
            """ + (t > 1 ? " and \(significant(compute.fmaAllThreads.median)) on \(t)." : ".")]
        if let perCore = compute.theoreticalPerCore, let clock = MachineProbes.reportedClockGHz {
            let lanes = MachineProbes.assumedFlopsPerCycle / 4
            let reached = 100 * compute.fmaOneThread.median / perCore
            var sentence = """
                The theoretical peak of a core, 2 FMA units × \(lanes) lanes × 2 FLOPs × \(format(clock, 2)) GHz \
                (the clock the system reports), is \(significant(perCore)) GFLOP/s; the loop reaches \
                \(format(reached, 0))% of it
                """
            if let busy = settings.clockGHz, reached > 100.5, busy > clock {
                sentence += " — more than 100%: busy cores boost to about \(format(busy, 2)) GHz, above the reported clock"
            }
            sentences.append(sentence + ".")
        }
        sentences.append("""
            SGEMM at n = \(peak.size) must also bring A, B and C through the caches; the best \
            backend here, \(peak.backend.rawValue), reaches \(significant(peak.rate.median)) GFLOP/s on \
            \(countText(peak.threads, "thread")), \(format(100 * peak.rate.median / compute.fmaAllThreads.median, 0))% of the FMA loop.
            """)
        for other in compute.gemm where other.threads == peak.threads && other.backend != peak.backend {
            sentences.append("\(other.backend.rawValue) reaches \(significant(other.rate.median)) GFLOP/s.")
        }
        if GEMMBackend.openBLAS.isAvailable, let core = GEMM.openBLASCoreName {
            sentences.append("(OpenBLAS picked its \(core) kernel for this CPU.)")
        }
        let text = sentences.joined(separator: " ")
        context.say(text)
    }
}
