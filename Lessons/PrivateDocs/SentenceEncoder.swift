// The built-in embedding model: a small transformer encoder whose mean-pooled, normalised output
// is a sentence's vector, trained here contrastively so that paraphrases land close together.
// B = batch, N = positions, d = width, V = vocabulary.

import Autograd
import Foundation
import TensorCore

/// What turns texts into unit vectors: the built-in encoder or a pretrained BERT.
protocol SentenceEmbedder {
    /// A short name for tables: "built-in", "all-MiniLM-L6-v2".
    var name: String { get }
    var tokenizer: WordPieceTokenizer { get }
    /// The most tokens one text is read with ([CLS] and [SEP] included); longer texts are cut.
    var maxTokens: Int { get }
    /// One L2-normalised vector per text, [T, d].
    func embed(_ texts: [String]) throws -> Tensor
}

/// A sentence encoder: WordPiece ids → embeddings + sinusoidal positions → pre-norm transformer
/// encoder layers → final layer norm → mean over the real (non-padding) tokens → unit length.
///
///     e(text) = normalise( (1/n) Σ_i h_i ),   h = encoder(ids(text)),  n = tokens of the text
///
/// Parameters: `embed.weight` [V, d], `layers.ℓ.*`, `norm.*`.
final class SentenceEncoder: Module {
    let embed: Embedding
    let positions: SinusoidalPositionalEncoding
    let layers: [TransformerEncoderLayer]
    let norm: LayerNorm
    let width: Int

    init(vocabulary: Int, width: Int, heads: Int, layers count: Int, context: Int, generator: inout SeededGenerator) throws {
        self.width = width
        embed = Embedding(count: vocabulary, width: width, generator: &generator)
        positions = try SinusoidalPositionalEncoding(maxPositions: context, width: width)
        layers = (0..<count).map { _ in
            TransformerEncoderLayer(width: width, heads: heads, hidden: 2 * width, generator: &generator)
        }
        norm = LayerNorm(width: width)
    }

    /// - Parameters:
    ///   - ids: padded ids, row-major [B, N].
    ///   - lengths: the real length of each row.
    /// - Returns: unit vectors [B, d].
    func callAsFunction(_ ids: [Int], lengths: [Int]) throws -> Variable {
        let batch = lengths.count, n = ids.count / max(1, batch)
        var x = try positions(embed(ids, shape: [batch, n]))        // [B, N, d]
        let mask = AttentionMask(keyLengths: lengths)
        for layer in layers { x = try layer(x, mask: mask) }
        x = try norm(x)
        // Mean pooling as one product: P [B, B·N] holds 1/n_b on row b's real positions.
        var pool = [Float](repeating: 0, count: batch * batch * n)
        for b in 0..<batch { for i in 0..<lengths[b] { pool[b * batch * n + b * n + i] = 1 / Float(lengths[b]) } }
        let pooled = try Variable(Tensor(shape: [batch, batch * n], scalars: pool)).matmul(x.reshaped([batch * n, width]))   // [B, d]
        return try normalizeRows(pooled)
    }

    var namedParameters: [NamedParameter] {
        scoped("embed", embed) + scoped("layers", layers) + scoped("norm", norm)
    }
}

/// x / ‖x‖ for every row of [B, d] (differentiable; ‖x‖ = exp(½ log Σ x²)).
func normalizeRows(_ x: Variable) throws -> Variable {
    let squared = try (x * x).sum(axis: 1).reshaped([x.shape[0], 1]) + 1e-12    // [B, 1]
    return try x * (squared.log() * -0.5).exp()
}

/// Ids of `texts` padded with `padding` to the longest one: row-major [T, N] and the lengths.
func paddedBatch(_ texts: [String], _ tokenizer: WordPieceTokenizer, maxTokens: Int,
                 cache: WordPieceTokenizer.WordCache? = nil) -> (ids: [Int], lengths: [Int], n: Int) {
    let encoded = texts.map { tokenizer.encode($0, maxLength: maxTokens, cache: cache) }
    let n = encoded.map(\.count).max() ?? 0
    var ids: [Int] = []
    ids.reserveCapacity(n * encoded.count)
    for row in encoded { ids += row + [Int](repeating: tokenizer.padding, count: n - row.count) }
    return (ids, encoded.map(\.count), n)
}

/// The built-in encoder with its tokenizer, as a `SentenceEmbedder`.
struct BuiltInEmbedder: SentenceEmbedder {
    let encoder: SentenceEncoder
    let tokenizer: WordPieceTokenizer
    let maxTokens: Int
    var name: String { "built-in" }

    func embed(_ texts: [String]) throws -> Tensor {
        try evaluating {
            var rows: [Tensor] = []
            for start in stride(from: 0, to: texts.count, by: 32) {
                let batch = paddedBatch(Array(texts[start..<min(start + 32, texts.count)]), tokenizer, maxTokens: maxTokens)
                rows.append(try encoder(batch.ids, lengths: batch.lengths).value)
            }
            return rows.isEmpty ? Tensor.zeros([0, encoder.width]) : try Tensor.concatenate(rows, axis: 0)
        }
    }
}

// MARK: - Contrastive training

/// InfoNCE with in-batch negatives, both ways: for pairs (aᵢ, bᵢ) of unit vectors,
///
///     S = A Bᵀ / τ                  [B, B]; the diagonal holds the true pairs
///     loss = ½ (CE(S, diag) + CE(Sᵀ, diag))
///
/// so each aᵢ must pick its own bᵢ out of the batch, and the other way round; τ (0.05) sharpens
/// the softmax so that near misses still cost.
func contrastiveLoss(_ a: Variable, _ b: Variable, temperature: Float) throws -> Variable {
    let targets = Array(0..<a.shape[0])
    let s = try a.matmul(b.transposed()) * (1 / temperature)          // [B, B]
    let forward = try crossEntropy(logits: s, targets: targets)
    let backward = try crossEntropy(logits: s.transposed(), targets: targets)
    return try (forward + backward) * 0.5
}
