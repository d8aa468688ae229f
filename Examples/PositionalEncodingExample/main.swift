// The smallest program that uses TensorCore and Figures the way a reader would:
// encode positions, let a sentence attend to itself, and draw both as heatmaps.
//
//     swift run positional-encoding-example        # writes Output/example/*.png and *.npy
//
// T = tokens, d = model width.

import Figures
import Foundation
import TensorCore

let tokens = ["the", "cat", "sat", "on", "the", "mat"]
let d = 16
let folder = "Output/example"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)

// 1. Sinusoidal positional encoding: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…).
let pe = try PositionalEncoding.sinusoidal(positions: 64, dModel: d)          // [64, d]
try pe.saveNPY(to: "\(folder)/pe.npy")
try Heatmap(values: pe.scalars, rows: 64, columns: d,
            title: "Positional encoding, 64 positions × \(d) dimensions",
            xLabel: "dimension", yLabel: "position", colormap: .diverging, range: -1...1)
    .writePNG(to: "\(folder)/pe.png")

// 2. Random token embeddings (one per distinct word) plus the encoding of each position.
var rng = SeededGenerator(seed: 42)
var table: [String: Tensor] = [:]
for word in Set(tokens).sorted() { table[word] = Tensor.randomNormal([1, d], using: &rng) }
let embeddings = try Tensor.concatenate(tokens.map { table[$0]! }, axis: 0)    // [T, d]
let x = try embeddings + pe.rows(0..<tokens.count)                           // [T, d]

// 3. Scaled dot-product self-attention weights: softmax(x xᵀ / √d).
let weights = (try x.matmul(x.transposed()) * (1 / Float(d).squareRoot())).softmax()   // [T, T]
try weights.saveNPY(to: "\(folder)/attention.npy")
try Heatmap(values: weights.scalars, rows: tokens.count, columns: tokens.count,
            title: "Self-attention weights softmax(x·xᵀ/√d), x = embedding + PE",
            xLabel: "attended token (key)", yLabel: "token (query)",
            xTicks: .labels(tokens), yTicks: .labels(tokens), colorbarLabel: "weight")
    .writePNG(to: "\(folder)/attention.png")

print("Each row of the attention weights sums to 1:",
      try weights.sum(axis: -1).scalars.map { String(format: "%.3f", $0) }.joined(separator: " "))
print("Wrote \(folder)/pe.png, pe.npy, attention.png, attention.npy")
