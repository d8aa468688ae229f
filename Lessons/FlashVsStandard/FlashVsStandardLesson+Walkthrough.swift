// Steps 3 and 4: the online softmax on a tiny example, figure by figure, then tiling, the online
// softmax and recomputation explained with its numbers.
// N = 8 queries and keys, d = 4, Bc = 4 (two key/value blocks).

import Figures
import Foundation
import TensorCore

extension FlashVsStandardLesson {
    /// The walkthrough's sizes: small enough to print every number.
    static let walkthroughN = 8, walkthroughD = 4, walkthroughBlock = 4

    // MARK: - 3. The walkthrough

    /// Runs `OnlineSoftmaxTrace` on N = 8, d = 4 with two key blocks of 4, draws S, the tiles and
    /// the running m, l and O, and checks the final O against the three kernels.
    static func walkThroughOnlineSoftmax(_ context: LessonContext) throws -> OnlineSoftmaxTrace {
        context.section("A walkthrough: the online softmax on N = 8, d = 4, two key blocks")
        let (n, d, bc) = (walkthroughN, walkthroughD, walkthroughBlock)
        // Values with one decimal, so that the figures can be checked by hand.
        var generator = context.generator(for: "walkthrough")
        func matrix() -> Tensor {
            Tensor(shape: [n, d]) { _ in (generator.nextNormal() * 14).rounded() / 10 }   // std 1.4
        }
        let q = matrix(), k = matrix(), v = matrix()                                    // [N, d] each
        let trace = OnlineSoftmaxTrace(q: q.scalars, k: k.scalars, v: v.scalars, queries: n, keys: n,
                                       headDim: d, blockSize: bc)
        let output = try Tensor(shape: [n, d], scalars: trace.output)
        for (tensor, name) in [(q, "Q"), (k, "K"), (v, "V"), (output, "O")] {
            try context.save(tensor, as: "walkthrough-\(name)")
        }
        context.say("""
            Q, K and V are 8×4 (walkthrough-Q.npy, -K.npy, -V.npy; O in walkthrough-O.npy). The \
            keys come in two blocks of Bc = 4: block 1 = k0…k3, block 2 = k4…k7; the 8 queries \
            form one block (Br = 8), and nothing is masked (walkthrough-tiles.png). Flash attention \
            sees one key block at a time and keeps, per query, only a running maximum m, a running \
            sum l and an unnormalised output Õ, divided by l once at the end — FlashAttention-2's \
            bookkeeping, which this project's kernel uses. The lecture's Algorithm 1 \
            (FlashAttention-1) computes the same numbers with the loops the other way round: see \
            the next step.
            """)
        let queries = (0..<n).map { "q\($0)" }, keys = (0..<n).map { "k\($0)" }

        var scores = Heatmap(values: trace.scores, rows: n, columns: n,
                             title: "Scores S = Q Kᵀ / √d (N = 8, d = 4); block 1 = k0–k3, block 2 = k4–k7",
                             xLabel: "key", yLabel: "query", xTicks: .labels(keys), yTicks: .labels(queries),
                             colormap: .diverging, colorbarLabel: "score", showValues: true)
        scores.valueFormat = .decimals(2)
        try context.save(scores, as: "walkthrough-S", data: .tensor(Tensor(shape: [n, n], scalars: trace.scores)))

        // The tiles of this walkthrough: one block of all 8 queries (Br = 8), two key blocks
        // (Bc = 4), no mask — the same blocks as every other walkthrough figure.
        let schedule = tileSchedule(n: n, br: n, bc: bc, causal: false)
        var tiles = Heatmap(values: schedule, rows: n, columns: n,
                            title: "Tiles of S in this walkthrough, Br = 8, Bc = 4, no mask: the step at which each score is computed",
                            xLabel: "key (block 1 | block 2)", yLabel: "query (one block: q0–q7)",
                            xTicks: .labels(keys), yTicks: .labels(queries), range: 0...2,
                            colorbarLabel: "key block (step)", showValues: true)
        tiles.valueFormat = .decimals(0)
        try context.save(tiles, as: "walkthrough-tiles", data: .tensor(Tensor(shape: [n, n], scalars: schedule)))

        // p̃ = exp(s − m_new) as each block computes it: every row's largest entry in a block is 1
        // when that block raised the row's maximum.
        var pTiles = [Float](repeating: 0, count: n * n)
        for state in trace.blocks {
            for i in 0..<n {
                for (column, j) in state.keys.enumerated() {
                    pTiles[i * n + j] = state.probabilities[i * state.keys.count + column]
                }
            }
        }
        let pFigure = Heatmap(values: pTiles, rows: n, columns: n,
                              title: "p̃ = exp(S − m) per block, with m the running maximum after that block",
                              xLabel: "key", yLabel: "query", xTicks: .labels(keys), yTicks: .labels(queries),
                              range: 0...1, colorbarLabel: "p̃ (unnormalised probability)", showValues: true)
        try context.save(pFigure, as: "walkthrough-P-tiles", data: .tensor(Tensor(shape: [n, n], scalars: pTiles)))

        try plotRunningStatistics(trace, context)
        try plotRunningOutput(trace, q: q, k: k, v: v, context)
        return trace
    }

    /// For Br × Bc tiles: the key block index + 1 at which each score is computed. Under a causal
    /// mask, 0 marks a score computed and then masked (inside a tile on the diagonal) and NaN a
    /// score in a tile above the diagonal, which is never computed. [N, N]
    static func tileSchedule(n: Int, br: Int, bc: Int, causal: Bool) -> [Float] {
        (0..<(n * n)).map { index in
            let (i, j) = (index / n, index % n)
            guard causal else { return Float(j / bc + 1) }
            let lastVisible = (i / br + 1) * br - 1                 // the block's last query sees keys ≤ it
            if (j / bc) * bc > lastVisible { return .nan }
            return j > i ? 0 : Float(j / bc + 1)
        }
    }

    /// m and l after each block, with α = exp(m₁ − m₂).
    static func plotRunningStatistics(_ trace: OnlineSoftmaxTrace, _ context: LessonContext) throws {
        let n = trace.queries
        let (first, second) = (trace.blocks[0], trace.blocks[1])
        var values: [Float] = []
        for i in 0..<n {
            values += [first.rowMax[i], second.rowMax[i], second.rescale[i], first.rowSum[i], second.rowSum[i]]
        }
        let columns = ["m after block 1", "m after block 2", "α = exp(m₁ − m₂)", "l after block 1", "l after block 2"]
        let heatmap = Heatmap(values: values, rows: n, columns: columns.count,
                              title: "The running maximum m and sum l of each query, block by block",
                              xLabel: "statistic", yLabel: "query", xTicks: .labels(columns),
                              yTicks: .labels((0..<n).map { "q\($0)" }), colorbarLabel: "value", showValues: true)
        try context.save(heatmap, as: "walkthrough-m-l", data: .tensor(Tensor(shape: [n, columns.count], scalars: values)))
    }

    /// Õ / l after block 1, after block 2 (the answer), and the float64 reference, side by side.
    static func plotRunningOutput(_ trace: OnlineSoftmaxTrace, q: Tensor, k: Tensor, v: Tensor,
                                  _ context: LessonContext) throws {
        let (n, d) = (trace.queries, trace.headDim)
        let shape = [1, 1, n, d]
        let (q4, k4, v4) = (try q.reshaped(shape), try k.reshaped(shape), try v.reshaped(shape))
        let reference = try attentionNaive(q: q4, k: k4, v: v4).output                  // [N·d] Float64
        let standard = try attentionStandard(q: q4, k: k4, v: v4).output.scalars
        let flash = try attentionFlash(q: q4, k: k4, v: v4).output.scalars
        let afterFirst = trace.blocks[0].outputSoFar
        var values: [Float] = []
        for i in 0..<n {
            for c in 0..<d { values.append(afterFirst[i * d + c]) }
            for c in 0..<d { values.append(trace.output[i * d + c]) }
            for c in 0..<d { values.append(Float(reference[i * d + c])) }
        }
        let labels = ["block 1", "block 2", "ref"].flatMap { stage in (0..<d).map { "\(stage) o\($0)" } }
        let heatmap = Heatmap(values: values, rows: n, columns: 3 * d,
                              title: "The output Õ / l after block 1, after block 2 (final), and the float64 reference",
                              xLabel: "output dimension, by stage", yLabel: "query", xTicks: .labels(labels),
                              yTicks: .labels((0..<n).map { "q\($0)" }), colormap: .diverging,
                              colorbarLabel: "output value", showValues: true)
        try context.save(heatmap, as: "walkthrough-output", data: .tensor(Tensor(shape: [n, 3 * d], scalars: values)))

        func maxDifference(_ a: [Float], _ b: [Double]) -> Double {
            zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        }
        let changed = (0..<n).filter { trace.blocks[1].rescale[$0] < 1 }.map { "q\($0)" }
        context.say("""
            After block 1 each query's output is its attention over k0…k3 alone. Block 2 raised the \
            maximum of \(changed.isEmpty ? "no query" : changed.joined(separator: ", ")) (α < 1 in \
            walkthrough-m-l.png): their partial sums were scaled down by α before block 2's terms \
            were added, so all terms end up relative to the same, final maximum. The final O \
            matches the float64 reference to \(scientific(Float(maxDifference(trace.output, reference)))); \
            attentionStandard gives \(scientific(Float(maxDifference(standard, reference)))) and \
            attentionFlash \(scientific(Float(maxDifference(flash, reference)))) against it, and this \
            readable version differs from the real flash kernel by at most \
            \(scientific(zip(trace.output, flash).map { abs($0 - $1) }.max() ?? 0)).
            """)
    }

    // MARK: - 4. Tiling, online softmax, recomputation

    /// The three ideas, told with the walkthrough's own numbers.
    static func explainTilingAndRecomputation(_ trace: OnlineSoftmaxTrace, _ context: LessonContext) {
        context.section("Tiling, the online softmax and recomputation")
        let (n, d, bc) = (trace.queries, trace.headDim, trace.blockSize)
        let first = trace.blocks[0], second = trace.blocks[1]
        // The query whose maximum grew most in block 2 shows the rescaling best.
        let i = (0..<n).min { second.rescale[$0] < second.rescale[$1] } ?? 0
        let blockSum = (0..<bc).reduce(Float(0)) { $0 + second.probabilities[i * bc + $1] }
        context.say("""
            Tiling. The scores are computed a tile at a time: a block of queries against a block of \
            keys, here \(n)×\(bc) = \(n * bc) scores instead of all \(n * n). On this machine the \
            kernel uses Br × Bc = \(FlashBlockSizes.default.queryRows) × \(FlashBlockSizes.default.keyRows) \
            tiles, which with d = 64 fit in L2 with room to spare; the tile never goes to DRAM.

            The online softmax. A softmax needs the row maximum and the row sum, which depend on \
            every key. Flash keeps running values instead. Query q\(i): after block 1, \
            m = \(format(first.rowMax[i], 3)) and l = \(format(first.rowSum[i], 3)). Block 2 holds a \
            larger score, so m becomes \(format(second.rowMax[i], 3)) and everything summed so far is \
            multiplied by α = exp(\(format(first.rowMax[i], 3)) − \(format(second.rowMax[i], 3))) = \
            \(format(second.rescale[i], 4)): l = \(format(first.rowSum[i], 3)) × \
            \(format(second.rescale[i], 4)) + \(format(blockSum, 3)) (block 2's p̃) = \
            \(format(second.rowSum[i], 3)). The output is rescaled by the same α, and divided by l once, \
            at the end. The result is exact, not an approximation: the same sums, in another order.

            Two loop orders. The lecture's Algorithm 1 (FlashAttention-1, 2022) puts the K/V blocks \
            in the outer loop and the query blocks inside: each K/V block is loaded once, and for every \
            query block m, ℓ and O are read back from slow memory, updated — O rescaled and divided \
            by the new ℓ at every step — and written out again; m and ℓ are kept for the backward \
            pass. FlashAttention-2 (2023) turns the loops round: query blocks outside, K/V blocks \
            inside, so m, ℓ and Õ stay in fast memory until the row is done, Õ is divided by ℓ once \
            at the end, and only L = m + log ℓ is stored. This project's kernel, the update above and \
            this walkthrough follow FlashAttention-2's order (with one block of 8 queries the two \
            orders visit the same tiles).

            Recomputation. The backward pass needs P, but flash never stored it. FlashAttention-2 \
            keeps only L = m + log l per query (\(n) numbers here, N in general; q\(i): \
            L = \(format(trace.logsumexp[i], 3)); FlashAttention-1 keeps m and ℓ) and recomputes \
            each tile P = exp(S − L) from Q and \
            K when it needs it. That costs one more Q Kᵀ product, but it replaces N² reads from slow \
            memory with arithmetic on tiles in cache — and d = \(d) multiply-adds per score are \
            cheaper than the memory traffic they replace.
            """)
    }
}
