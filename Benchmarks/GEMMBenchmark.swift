// `bench gemm`: how fast the GEMM backends multiply square matrices on this machine.
// N = the size: A, B and C are [N, N]; GFLOP/s = 2·N³ / seconds / 10⁹ (a multiply and an add
// per term of each of the N² sums of N terms).

import ArgumentParser
import Foundation
import TensorCore
import _Support

/// Measures C = A · B for square float32 matrices, then the products of the lessons' training
/// (`TrainingShape`), with the portable GEMM and every other available backend (OpenBLAS,
/// Accelerate), in one run, and prints GFLOP/s and their share of the FMA peak.
///
///     swift run -c release bench gemm --sizes 256,1024 --threads 2 --repeats 7
struct GEMMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of the portable GEMM and OpenBLAS on square matrices and on the training's products.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, parsing: .unconditional, help: "Square sizes to measure, comma-separated.")
    var sizes: String = "256,512,1024,1536,2048"

    func run() throws {
        let sizes: [Int]
        do {
            try shared.check()
            sizes = try Self.parse(sizes: self.sizes)
        } catch {
            error.exit()
        }
        shared.apply()
        let backends = [GEMMBackend.portable] + [.openBLAS, .accelerate].filter(\.isAvailable)

        printHeader()
        let firstCeiling = FMACeiling.measure()
        var results = Self.measure(backends, sizes: sizes, repeats: shared.repeats)
        var shapes = TrainingShapeResults.measure(backends, repeats: shared.repeats, ceiling: firstCeiling)
        let ceiling = firstCeiling.remeasured()
        print(ceiling.description)
        print()
        results.ceiling = ceiling
        shapes.ceiling = ceiling
        results.printTable()
        shapes.printTable()
        results.trainingShapesRatio = shapes.meanRatio
        print(results.summaryLine)
    }

    // MARK: - Steps

    /// The largest size accepted: three 8192² float matrices take 768 MiB.
    static let largestSize = 8192

    /// `"256,512"` → [256, 512]; anything but integers in 1...8192 is a one-line error.
    static func parse(sizes text: String) throws(BenchError) -> [Int] {
        let sizes = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.allSatisfy({ (1...largestSize).contains($0 ?? 0) }) else {
            throw BenchError("--sizes takes integers from 1 to \(largestSize) separated by commas, got '\(text)'")
        }
        return sizes.map { $0! }
    }

    /// What was measured, how, and on what.
    func printHeader() {
        print("bench gemm: C = A·B, square float32 matrices, GFLOP/s = 2·N³ / seconds")
        describeMachine().forEach { print($0) }
        print("backends:")
        GEMM.backendDetails.split(separator: "\n").forEach { print("  \($0)") }
        print("each cell: ≥ 50 ms of warm-up, then \(shared.repeats) timed samples of ≥ 50 ms each, taken in rounds "
              + "that alternate the backends; median GFLOP/s, (slowest–fastest) beside it")
        print()
    }

    /// Times every backend at every size and compares each backend's C with the portable one.
    static func measure(_ backends: [GEMMBackend], sizes: [Int], repeats: Int) -> Results {
        var results = Results(backends: backends, sizes: sizes)
        for size in sizes {
            let measured = measure(backends, m: size, n: size, k: size, seed: UInt64(size), repeats: repeats)
            for (backend, (timing, c)) in zip(backends, measured) {
                results.timings[backend, default: [:]][size] = timing
                if backend != backends[0] {
                    results.differences[backend, default: [:]][size] = zip(c, measured[0].1).map { abs($0 - $1) }.max()
                }
            }
        }
        return results
    }

    /// Times C = A · B at one size on one backend; returns the timing and C.
    static func measure(_ backend: GEMMBackend, size n: Int, repeats: Int) -> (Timing, [Float]) {
        measure([backend], m: n, n: n, k: n, seed: UInt64(n), repeats: repeats)[0]
    }

    /// Times C = op(A) · op(B) on every backend, in rounds that alternate them (`timeInRounds`),
    /// with seeded operands; returns each backend's timing and C.
    ///
    /// - Parameters: A is [M, K] (or [K, M] when `transA`), B is [K, N] (or [N, K] when `transB`).
    static func measure(
        _ backends: [GEMMBackend], transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        seed: UInt64, repeats: Int
    ) -> [(Timing, [Float])] {
        var random = BenchRandom(state: seed)
        let a = random.floats(m * k), b = random.floats(k * n)
        var products = backends.map { _ in [Float](repeating: 0, count: m * n) }   // [M, N] each
        let timings = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let c = products.indices.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: m * n) }
                defer {
                    for (index, pointer) in c.enumerated() {
                        products[index] = Array(UnsafeBufferPointer(start: pointer, count: m * n))
                        pointer.deallocate()
                    }
                }
                return timeInRounds(ways: backends.count, repeats: repeats, minimumSample: 0.05, { way in
                    GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                               a: a.baseAddress!, lda: transA ? m : k, b: b.baseAddress!, ldb: transB ? k : n,
                               c: c[way], ldc: n, backend: backends[way])
                }, pause: { way in
                    // NOTE: OpenBLAS's worker threads keep spinning for about a tenth of a second
                    // after each call and would slow whatever runs next on the same cores.
                    if backends[way] == .openBLAS && Parallel.threadCount > 1 { usleep(150_000) }
                })
            }
        }
        return Array(zip(timings, products))
    }
}

// MARK: - Results

/// The timings of one run, and how to print them.
struct Results {
    let backends: [GEMMBackend], sizes: [Int]
    var timings: [GEMMBackend: [Int: Timing]] = [:]
    /// Largest |C_backend − C_portable| over C, for every backend but the portable one.
    var differences: [GEMMBackend: [Int: Float]] = [:]
    /// The machine's FMA peak in this run, when measured: each median is also given as a share of it.
    var ceiling: FMACeiling?
    /// Portable over OpenBLAS on the training shapes (geometric mean), when both ran.
    var trainingShapesRatio: Double?

    /// GFLOP/s of the median, slowest and fastest samples.
    func gflops(_ backend: GEMMBackend, _ n: Int) -> (median: Double, slowest: Double, fastest: Double) {
        let timing = timings[backend]![n]!, flops = 2 * Double(n) * Double(n) * Double(n) / 1e9
        return (flops / timing.median, flops / timing.slowest, flops / timing.fastest)
    }

    /// Median GFLOP/s of the portable GEMM over OpenBLAS's, when OpenBLAS ran at this size.
    func ratio(_ n: Int) -> Double? {
        timings[.openBLAS]?[n] == nil ? nil : gflops(.portable, n).median / gflops(.openBLAS, n).median
    }

    /// One row per size: each backend's median (spread), the ratio, the largest difference.
    func printTable() {
        var header = ["size"] + backends.flatMap { ["\($0.rawValue) GFLOP/s"] + (ceiling == nil ? [] : ["of peak"]) }
        if backends.contains(.openBLAS) { header.append("portable/openblas") }
        if backends.count > 1 { header.append("max |Δ| vs portable") }
        let rows = sizes.map { size in
            var row = ["\(size)"]
            for backend in backends {
                let rate = gflops(backend, size)
                row.append("\(fixed(rate.median, decimals: 1)) (\(fixed(rate.slowest, decimals: 1))–\(fixed(rate.fastest, decimals: 1)))")
                if let ceiling { row.append(ceiling.share(rate.median)) }
            }
            if let ratio = ratio(size) { row.append(fixed(ratio, decimals: 2)) }
            if backends.count > 1 {
                row.append(backends.dropFirst().map { scientific(Double(differences[$0]![size]!), digits: 2) }
                    .joined(separator: ", "))
            }
            return row
        }
        printAlignedTable(header: header, rows: rows)
    }

    /// The last line, for scripts: every size for every backend, the ratio at 1024, the mean
    /// ratio over the training shapes, the FMA peak and the thread count.
    ///
    ///     gemm: portable_gflops_256=… openblas_gflops_1024=… ratio_1024=1.86 ratio_training_shapes=… fma_peak_gflops=… threads=2
    var summaryLine: String {
        var fields = backends.flatMap { backend in
            sizes.map { "\(backend.rawValue)_gflops_\($0)=\(fixed(gflops(backend, $0).median, decimals: 1))" }
        }
        fields.append("ratio_1024=\(ratio(1024).map { fixed($0, decimals: 2) } ?? "n/a")")
        if let trainingShapesRatio { fields.append("ratio_training_shapes=\(fixed(trainingShapesRatio, decimals: 2))") }
        if let ceiling { fields.append(ceiling.field) }
        fields.append("threads=\(Parallel.threadCount)")
        return "gemm: " + fields.joined(separator: " ")
    }
}
