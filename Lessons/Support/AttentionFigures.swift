// Pictures of what attention looked at, shared by the lessons that train a transformer: the mean
// and the most focused head of one layer as heatmaps, every head of every layer as a gallery,
// and one layer as a head view. Each figure is saved with its numbers beside it.
// L = layers, H = heads, N = queries, M = keys.

import Figures
import Foundation
import TensorCore

/// `attention_<name>_mean.png` (the mean over heads) and `attention_<name>_head.png` (the most
/// focused head: lowest mean row entropy) from P [1, H, N, M], each with its `.npy`.
func saveAttentionHeatmaps(_ p: Tensor, queries: [String], keys: [String], name: String, title: String,
                           _ context: LessonContext) throws {
    let heads = p.shape[1], n = p.shape[2], m = p.shape[3]
    let values = p.scalars
    var mean = [Float](repeating: 0, count: n * m)
    var bestHead = 0, bestEntropy = Double.infinity
    for h in 0..<heads {
        var entropy = 0.0
        for i in 0..<n {
            for j in 0..<m {
                let x = values[(h * n + i) * m + j]
                mean[i * m + j] += x / Float(heads)
                if x > 0 { entropy -= Double(x) * log(Double(x)) }
            }
        }
        if entropy / Double(n) < bestEntropy - 1e-9 { (bestHead, bestEntropy) = (h, entropy / Double(n)) }
    }
    let head = Array(values[(bestHead * n * m)..<((bestHead + 1) * n * m)])
    for (suffix, matrix, label) in [("mean", mean, "mean over \(heads) heads"), ("head", head, "head \(bestHead + 1), the most focused")] {
        let map = Heatmap(values: matrix, rows: n, columns: m, title: "\(title): \(label)",
                          xLabel: "key (attended to)", yLabel: "query", xTicks: .labels(keys), yTicks: .labels(queries),
                          range: 0...1, colorbarLabel: "attention weight", showValues: false)
        try context.save(map, as: "attention_\(name)_\(suffix)", data: .tensor(Tensor(shape: [n, m], scalars: matrix)))
    }
}

/// `<name>.png`, every head of every layer (maps[ℓ][h], N·N each), with `<name>.npy` [L, H, N, N].
func saveAttentionGallery(_ maps: [[[Float]]], tokens: [String], name: String, title: String, _ context: LessonContext) throws {
    let n = tokens.count
    let data = try Tensor(shape: [maps.count, maps.first?.count ?? 0, n, n], scalars: maps.flatMap { $0.flatMap { $0 } })
    try context.save(AttentionGallery(title: title, tokens: tokens, maps: maps), as: name, data: .tensor(data))
}

/// `<name>.png`, one layer's heads (heads[h], N·N each) as a head view, with `<name>.npy` [H, N, N].
func saveHeadView(_ heads: [[Float]], tokens: [String], name: String, title: String, query: Int? = nil,
                  _ context: LessonContext) throws {
    let n = tokens.count
    let data = try Tensor(shape: [heads.count, n, n], scalars: heads.flatMap { $0 })
    try context.save(HeadView(title: title, tokens: tokens, heads: heads, query: query), as: name, data: .tensor(data))
}
