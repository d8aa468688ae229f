// Finding the chunks that answer a question: cosine similarity of embeddings, top-k, and the
// lexical baseline BM25, which counts shared words and knows nothing of meaning.
// Q = queries, C = chunks, d = embedding width.

import Foundation
import TensorCore

// MARK: - Vector similarity

/// cos(a, b) = a·b / (‖a‖ ‖b‖) for every row of `a` against every row of `b`.
/// - Parameters:
///   - a: [Q, d]
///   - b: [C, d]
/// - Returns: [Q, C]
func cosineSimilarity(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    func normalized(_ x: Tensor) throws -> Tensor {
        let d = x.shape[1]
        var values = x.scalars
        for r in 0..<x.shape[0] {
            var norm = 0.0
            for j in 0..<d { norm += Double(values[r * d + j]) * Double(values[r * d + j]) }
            let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
            for j in 0..<d { values[r * d + j] *= scale }
        }
        return try Tensor(shape: x.shape, scalars: values)
    }
    return try normalized(a).matmul(normalized(b).transposed())
}

/// The indices of the `k` largest scores, best first; ties go to the lower index, so the order
/// is the same on every run.
func topK(_ scores: [Float], _ k: Int) -> [Int] {
    Array(scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k))
}

// MARK: - BM25

/// Okapi BM25, the classic lexical ranking: a chunk scores for every query word it contains,
/// more for rare words, with diminishing returns for repeats and a discount for long chunks:
///
///     score(q, c) = Σ_{w ∈ q} idf(w) · f(w, c) · (k₁ + 1) / (f(w, c) + k₁ · (1 − b + b · |c| / avgdl))
///     idf(w) = ln(1 + (N − n(w) + 0.5) / (n(w) + 0.5))
///
/// f(w, c) = count of w in chunk c, |c| = words in c, avgdl = mean words per chunk, N = chunks,
/// n(w) = chunks containing w; k₁ = 1.2, b = 0.75 by default. Words are lower-cased runs of
/// letters and digits.
struct BM25 {
    let k1: Double, b: Double
    let termCounts: [[String: Int]]
    let lengths: [Int]
    let documentFrequency: [String: Int]
    let averageLength: Double

    init(_ texts: [String], k1: Double = 1.2, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
        let tokenized = texts.map(BM25.words)
        termCounts = tokenized.map { words in words.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        lengths = tokenized.map(\.count)
        var df: [String: Int] = [:]
        for counts in termCounts { for word in counts.keys { df[word, default: 0] += 1 } }
        documentFrequency = df
        averageLength = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
    }

    /// Lower-cased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    func idf(_ word: String) -> Double {
        let n = Double(documentFrequency[word] ?? 0), total = Double(lengths.count)
        return Foundation.log(1 + (total - n + 0.5) / (n + 0.5))
    }

    /// The score of every chunk for `query`.
    func scores(_ query: String) -> [Double] {
        let queryWords = BM25.words(query)
        return termCounts.indices.map { c in
            queryWords.reduce(0.0) { total, word in
                guard let f = termCounts[c][word].map(Double.init) else { return total }
                let norm = k1 * (1 - b + b * Double(lengths[c]) / max(averageLength, 1e-9))
                return total + idf(word) * f * (k1 + 1) / (f + norm)
            }
        }
    }
}
