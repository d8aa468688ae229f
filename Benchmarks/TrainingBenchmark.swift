// `bench training`: one training step of the char-transformer example's model, timed, with its
// model-FLOPs utilisation (MFU) against this machine's SGEMM and the tape's share of the step.
//
// B = batch, N = context, d = width, H = heads, F = feed-forward width, V = vocabulary, L = layers.
// Forward FLOPs per sequence (a multiply-add is 2 FLOPs; embeddings, norms, softmax, GELU and the
// loss are left out, as in the usual MFU accounting):
//
//   projections   L · 4 · 2·N·d·d      Q, K, V and the output projection
//   attention     L · 4·N²·d           Q Kᵀ and P V: 2·N²·(d/H) each, for H heads (not halved for
//                                      the causal mask: at N = 64 the whole matrix is one tile of the
//                                      flash kernel, which therefore skips nothing)
//   feed-forward  L · 2 · 2·N·d·F
//   logits        2·N·d·V
//
// Forward + backward ≈ 3 × forward (each product has two gradient products of the same size).

import ArgumentParser
import Autograd
import Foundation
import TensorCore
import _Support

/// Times training steps of the example's model beside the machine's SGEMM, in one run.
///
///     swift run -c release bench training --threads 2
struct TrainingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Training step time, tokens/s, MFU and tape share of the char-transformer model.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "Sequences per step (B).")
    var batch = 32

    @Option(name: .long, help: "Timed training steps per GEMM backend, after warm-up.")
    var steps = 50

    /// The example's model: 2 layers, d = 64, 4 heads, F = 256, context 64, flash attention.
    static let context = 64
    static let warmUpSteps = 5
    static let profiledSteps = 20
    /// Timed steps come in this many rounds, alternating the backends.
    static let rounds = 5

    func run() throws {
        let text: String
        do {
            try shared.check()
            guard (1...512).contains(batch) else { throw BenchError("--batch must be in 1...512, got \(batch)") }
            guard (3...10_000).contains(steps) else { throw BenchError("--steps must be in 3...10000, got \(steps)") }
            text = try Self.corpus()
        } catch let error as BenchError {
            error.exit()
        }
        shared.apply()
        let characters = Set(text).sorted()
        let ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
        let tokens = text.map { ids[$0]! }
        let model = CausalLanguageModel.Configuration(vocabulary: characters.count, context: Self.context)
        let flops = FLOPs(model: model, batch: batch)

        print("bench training: the char-transformer example's model, B=\(batch) N=\(Self.context) "
              + "d=\(model.width) H=\(model.heads) F=\(model.hidden) V=\(model.vocabulary) L=\(model.layers), "
              + "\(model.kernel.rawValue) attention (causal), AdamW")
        describeMachine().forEach { print($0) }
        print("backends:")
        GEMM.backendDetails.split(separator: "\n").forEach { print("  \($0)") }
        print("each step: batch, forward, loss, backward, gradient clipping, AdamW update; "
              + "\(Self.warmUpSteps) warm-up steps, then \(steps) timed steps "
              + "in \(Self.rounds) rounds that alternate the GEMM backends")
        print()
        flops.printTable()

        // The yardsticks: the FMA peak, and SGEMM on every backend, in this run (portable first:
        // OpenBLAS's threads keep spinning after each call and would slow what runs next).
        let firstCeiling = FMACeiling.measure()
        let backends = [GEMMBackend.portable] + [.openBLAS, .accelerate].filter(\.isAvailable)
        // Each backend's fastest sample, before the steps and again after them: other work on a
        // shared machine only slows a sample down, and a yardstick measured during such a burst
        // would make the steps' MFU look better than it is.
        var sgemm: [GEMMBackend: Double] = [:]
        func measureYardsticks() {
            for backend in backends {
                let (timing, _) = GEMMBenchmark.measure(backend, size: AttentionBenchmark.yardstickSize,
                                                        repeats: shared.repeats)
                let n = Double(AttentionBenchmark.yardstickSize)
                sgemm[backend] = max(sgemm[backend] ?? 0, 2 * n * n * n / timing.fastest / 1e9)
            }
        }
        measureYardsticks()

        // The training step, with the GEMM of each backend in turn.
        let rows = measure(model, backends: backends, tokens: tokens)
        measureYardsticks()
        let ceiling = firstCeiling.remeasured()
        print(ceiling.description)
        for backend in backends {
            print("SGEMM \(AttentionBenchmark.yardstickSize)² \(backend.rawValue), fastest sample before or after the steps: "
                  + "\(fixed(sgemm[backend]!, decimals: 1)) GFLOP/s, \(ceiling.share(sgemm[backend]!)) of peak")
        }
        print()
        let best = backends.max { sgemm[$0]! < sgemm[$1]! }!
        print("MFU is quoted against the fastest SGEMM, \(best.rawValue): its fastest 2048² sample before or after "
              + "the steps, \(fixed(sgemm[best]!, decimals: 1)) GFLOP/s: the highest rate this machine showed for the "
              + "same arithmetic, so the honest denominator")
        printTable(rows, flops: flops, sgemm: sgemm, best: best, ceiling: ceiling)

        let headline = rows.first { $0.backend == GEMM.currentBackend } ?? rows[0]
        printBreakdown(headline)
        let seconds = headline.timing.median
        let mfu = flops.perStep / seconds / (sgemm[best]! * 1e9)
        var fields = [
            "step_ms=\(fixed(seconds * 1e3, decimals: 2))",
            "tokens_per_s=\(fixed(Double(batch * Self.context) / seconds, decimals: 0))",
            "mfu=\(fixed(mfu, decimals: 3))",
            "tape_share=\(fixed(headline.profile.bookkeepingSeconds / headline.profile.totalSeconds, decimals: 3))",
            "gemm=\(headline.backend.rawValue)",
            "model_gflop_per_step=\(fixed(flops.perStep / 1e9, decimals: 3))",
            "sgemm_best=\(best.rawValue)",
            ceiling.field,
        ]
        fields += backends.map { "sgemm_\($0.rawValue)_gflops=\(fixed(sgemm[$0]!, decimals: 1))" }
        fields += rows.filter { $0.backend != headline.backend }.map {
            "step_ms_\($0.backend.rawValue)=\(fixed($0.timing.median * 1e3, decimals: 2))"
        }
        fields.append("threads=\(Parallel.threadCount)")
        print("training: " + fields.joined(separator: " "))
    }

    // MARK: - The model's arithmetic

    /// FLOPs of one training step, counted from the shapes.
    struct FLOPs {
        let parts: [(name: String, forward: Double)]
        let batch: Int

        init(model c: CausalLanguageModel.Configuration, batch: Int) {
            let (n, d, f, v, l) = (Double(c.context), Double(c.width), Double(c.hidden), Double(c.vocabulary), Double(c.layers))
            parts = [
                ("Q, K, V, output projections: L·4·2·N·d²", l * 4 * 2 * n * d * d),
                ("attention Q·Kᵀ and P·V: L·4·N²·d", l * 4 * n * n * d),
                ("feed-forward: L·2·2·N·d·F", l * 2 * 2 * n * d * f),
                ("logits: 2·N·d·V", 2 * n * d * v),
            ]
            self.batch = batch
        }

        /// Forward FLOPs of one sequence.
        var forwardPerSequence: Double { parts.map(\.forward).reduce(0, +) }
        /// Forward + backward for the whole batch: 3 × forward × B.
        var perStep: Double { 3 * forwardPerSequence * Double(batch) }

        func printTable() {
            let rows = parts.map { part in
                [part.name, fixed(part.forward / 1e6, decimals: 3),
                 fixed(3 * part.forward * Double(batch) / 1e6, decimals: 1),
                 fixed(100 * part.forward / forwardPerSequence, decimals: 1) + "%"]
            }
            printAlignedTable(
                header: ["model FLOPs", "forward MFLOP per sequence", "step MFLOP (3 × fwd × B)", "share"],
                rows: rows + [["total", fixed(forwardPerSequence / 1e6, decimals: 3), fixed(perStep / 1e6, decimals: 1), "100%"]])
        }
    }

    // MARK: - Timing the step

    struct Row {
        let backend: GEMMBackend
        let timing: Timing
        /// 10th and 90th percentile of the step times.
        let p10: Double, p90: Double
        /// Where the time of `profiledSteps` further steps went.
        let profile: Profiler.Report
        let profiledSteps: Int
        let lastLoss: Float
    }

    /// One model per backend, built afresh (seed 42), trained by its own steps.
    final class Trainer {
        let backend: GEMMBackend, model: CausalLanguageModel, optimizer: AdamW
        let tokens: [Int], batch: Int
        var generator = SeededGenerator(seed: 42)
        var samples: [Double] = [], lastLoss: Float = 0

        init(_ configuration: CausalLanguageModel.Configuration, backend: GEMMBackend, tokens: [Int], batch: Int) {
            self.backend = backend
            model = try! CausalLanguageModel(configuration, generator: &generator)
            optimizer = AdamW(parameters: model.parameters, learningRate: 1e-3)
            (self.tokens, self.batch) = (tokens, batch)
        }

        /// One training step on this trainer's backend; returns the loss.
        @discardableResult
        func step() -> Float {
            GEMM.$override.withValue(backend) {
                try! model.trainingStep(on: tokens, batch: batch, optimizer: optimizer, using: &generator)
            }
        }

        /// Times `count` steps one by one.
        func timeSteps(_ count: Int) {
            for _ in 0..<count {
                let start = Stopwatch.now()
                lastLoss = step()
                samples.append(Stopwatch.now() - start)
            }
        }
    }

    /// Warms every backend up, then times `steps` steps of each, in rounds that alternate the
    /// backends (so a burst of other work on the machine hits them alike), then profiles more.
    func measure(_ configuration: CausalLanguageModel.Configuration, backends: [GEMMBackend], tokens: [Int]) -> [Row] {
        let trainers = backends.map { Trainer(configuration, backend: $0, tokens: tokens, batch: batch) }
        let rounds = min(Self.rounds, steps)
        for trainer in trainers {
            for _ in 0..<Self.warmUpSteps { trainer.step() }
            settle(after: trainer.backend)
        }
        for round in 0..<rounds {
            for trainer in trainers {
                trainer.timeSteps(steps / rounds + (round < steps % rounds ? 1 : 0))
                settle(after: trainer.backend)
            }
        }
        return trainers.map { trainer in
            let samples = trainer.samples.sorted()
            let (_, report) = Profiler.profile {
                for _ in 0..<Self.profiledSteps { trainer.step() }
            }
            settle(after: trainer.backend)
            return Row(backend: trainer.backend,
                       timing: Timing(samples: samples),
                       p10: samples[samples.count / 10], p90: samples[samples.count * 9 / 10],
                       profile: report, profiledSteps: Self.profiledSteps, lastLoss: trainer.lastLoss)
        }
    }

    /// Gives OpenBLAS's worker threads time to stop spinning before the next backend runs.
    func settle(after backend: GEMMBackend) {
        if backend == .openBLAS { usleep(100_000) }
    }

    func printTable(_ rows: [Row], flops: FLOPs, sgemm: [GEMMBackend: Double], best: GEMMBackend, ceiling: FMACeiling) {
        let others = sgemm.keys.filter { $0 != best }.sorted { $0.rawValue < $1.rawValue }
        let header = ["step GEMM", "step ms median (fastest–slowest)", "p10–p90 ms", "tokens/s", "model GFLOP/s",
                      "of peak", "MFU vs \(best.rawValue)"] + others.map { "MFU vs \($0.rawValue)" } + ["tape share", "loss"]
        let lines = rows.map { row in
            let t = row.timing
            let rate = flops.perStep / t.median / 1e9
            return [
                row.backend.rawValue + (row.backend == GEMM.currentBackend ? " (default)" : ""),
                t.millisecondsText,
                "\(fixed(row.p10 * 1e3, decimals: 2))–\(fixed(row.p90 * 1e3, decimals: 2))",
                fixed(Double(batch * Self.context) / t.median, decimals: 0),
                fixed(rate, decimals: 1), ceiling.share(rate),
                fixed(100 * rate / sgemm[best]!, decimals: 1) + "%",
            ] + others.map { fixed(100 * rate / sgemm[$0]!, decimals: 1) + "%" } + [
                fixed(100 * row.profile.bookkeepingSeconds / row.profile.totalSeconds, decimals: 1) + "%",
                fixed(Double(row.lastLoss), decimals: 3),
            ]
        }
        printAlignedTable(header: header, rows: lines)
    }

    /// Where the step's time goes, from the profiled steps.
    func printBreakdown(_ row: Row) {
        let report = row.profile, total = report.totalSeconds
        let perStep = total / Double(row.profiledSteps)
        print("where a step goes (\(row.backend.rawValue) GEMM, \(row.profiledSteps) steps with Profiler on: "
              + "\(fixed(perStep * 1e3, decimals: 2)) ms a step, vs \(fixed(row.timing.median * 1e3, decimals: 2)) ms with it off)")
        func line(_ name: String, _ seconds: Double) -> [String] {
            [name, fixed(seconds / Double(row.profiledSteps) * 1e3, decimals: 2), fixed(100 * seconds / total, decimals: 1) + "%"]
        }
        var rows: [[String]] = []
        for category in Profiler.Category.allCases where category.isKernel {
            rows.append(line("kernel: \(category)", report.seconds[category]!))
        }
        rows.append(line("kernels, total", report.kernelSeconds))
        let measured = report.seconds[.allocation]! + report.seconds[.topologicalSort]!
        rows.append(line("tape: allocating and zero-filling fresh tensors", report.seconds[.allocation]!))
        rows.append(line("tape: topological sort", report.seconds[.topologicalSort]!))
        rows.append(line("tape: the rest (graph nodes, closures, ARC, batching, other allocations)",
                         report.bookkeepingSeconds - measured))
        rows.append(line("tape, total (tape_share)", report.bookkeepingSeconds))
        printAlignedTable(header: ["", "ms per step", "share"], rows: rows)
        print()
        print("the busiest call sites of the kernels (exclusive time; the op and where it measures):")
        let sites = report.sites.filter { $0.category.isKernel }.prefix(15)
        printAlignedTable(header: ["kernel", "call site", "ms per step", "share"], rows: sites.map { site in
            ["\(site.category)", site.location] + Array(line("", site.seconds).dropFirst())
        })
    }

    // MARK: - The text

    /// The example's text, read from the source tree (the benchmark is always built from it).
    static func corpus() throws(BenchError) -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Examples/CharTransformer/corpus.txt").standardized.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.count > context + 1 else {
            throw BenchError("cannot read the example's text at \(path)")
        }
        return text
    }
}
