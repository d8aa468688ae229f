// `bench gemm`, second table: the thin products a small transformer's training step is made of.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N]; T = tokens in a batch (rows),
// d = model width, F = feed-forward width, V = vocabulary.

import Foundation
import TensorCore
import _Support

/// One product of a training step, named after the layer it comes from.
struct TrainingShape {
    let name: String, transA: Bool, transB: Bool, m: Int, n: Int, k: Int

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// "A·Bᵀ", "Aᵀ·B" or "A·B".
    var operation: String { (transA ? "Aᵀ" : "A") + "·" + (transB ? "Bᵀ" : "B") }

    /// The products of one layer of the lessons' models at T = 1024 tokens, d = 64, F = 256,
    /// V = 140. A linear layer stores W as [outputs, inputs]: its forward pass is x·Wᵀ, the
    /// gradient of x is G·W and that of W is Gᵀ·x (`Sources/Autograd/Ops+MatMul.swift`).
    static let all: [TrainingShape] = [
        TrainingShape(name: "projection x·Wᵀ", transA: false, transB: true, m: 1024, n: 64, k: 64),
        TrainingShape(name: "feed-forward up x·Wᵀ", transA: false, transB: true, m: 1024, n: 256, k: 64),
        TrainingShape(name: "feed-forward down x·Wᵀ", transA: false, transB: true, m: 1024, n: 64, k: 256),
        TrainingShape(name: "logits x·Wᵀ", transA: false, transB: true, m: 1024, n: 140, k: 64),
        TrainingShape(name: "∂x of feed-forward up G·W", transA: false, transB: false, m: 1024, n: 64, k: 256),
        TrainingShape(name: "∂x of feed-forward down G·W", transA: false, transB: false, m: 1024, n: 256, k: 64),
        TrainingShape(name: "∂W of a projection Gᵀ·x", transA: true, transB: false, m: 64, n: 64, k: 1024),
        TrainingShape(name: "∂W of feed-forward up Gᵀ·x", transA: true, transB: false, m: 256, n: 64, k: 1024),
    ]
}

/// The timings of the training shapes, and how to print them.
struct TrainingShapeResults {
    let backends: [GEMMBackend]
    /// GFLOP/s per backend (median, slowest and fastest samples), one per shape of `TrainingShape.all`.
    var gflops: [GEMMBackend: [(median: Double, slowest: Double, fastest: Double)]] = [:]
    var ceiling: FMACeiling

    static func measure(_ backends: [GEMMBackend], repeats: Int, ceiling: FMACeiling) -> TrainingShapeResults {
        var results = TrainingShapeResults(backends: backends, ceiling: ceiling)
        for shape in TrainingShape.all {
            let measured = GEMMBenchmark.measure(backends, transA: shape.transA, transB: shape.transB,
                                                 m: shape.m, n: shape.n, k: shape.k,
                                                 seed: UInt64(shape.m * 7919 + shape.n * 31 + shape.k), repeats: repeats)
            for (backend, (timing, _)) in zip(backends, measured) {
                let gflop = shape.flops / 1e9
                results.gflops[backend, default: []].append((gflop / timing.median, gflop / timing.slowest, gflop / timing.fastest))
            }
        }
        return results
    }

    /// Portable over OpenBLAS for every shape, when OpenBLAS ran.
    var ratios: [Double]? {
        guard let portable = gflops[.portable], let openBLAS = gflops[.openBLAS] else { return nil }
        return zip(portable, openBLAS).map { $0.median / $1.median }
    }

    /// The geometric mean of `ratios`: how the two compare over a whole training step's mix.
    var meanRatio: Double? {
        ratios.map { ratios in
            exp(ratios.map(log).reduce(0, +) / Double(ratios.count))
        }
    }

    func printTable() {
        print("shapes of the lessons' training (T = 1024 tokens, d = 64, F = 256, V = 140): "
              + "median GFLOP/s (slowest–fastest) and share of the FMA peak")
        var header = ["product", "op", "M×N×K", "MFLOP"]
        header += backends.flatMap { ["\($0.rawValue) GFLOP/s", "of peak"] }
        if ratios != nil { header.append("portable/openblas") }
        let rows = TrainingShape.all.enumerated().map { index, shape in
            var row = [shape.name, shape.operation, "\(shape.m)×\(shape.n)×\(shape.k)", fixed(shape.flops / 1e6, decimals: 1)]
            for backend in backends {
                let rate = gflops[backend]![index]
                row += ["\(fixed(rate.median, decimals: 1)) (\(fixed(rate.slowest, decimals: 1))–\(fixed(rate.fastest, decimals: 1)))",
                        ceiling.share(rate.median)]
            }
            if let ratios { row.append(fixed(ratios[index], decimals: 2)) }
            return row
        }
        printAlignedTable(header: header, rows: rows)
        if let meanRatio {
            print("portable/openblas over these shapes (geometric mean): \(fixed(meanRatio, decimals: 2))")
            print()
        }
    }
}
