// Translating with a trained model: one word at a time, each chosen after the words before it —
// greedily (the most likely next word), or by beam search (the N most likely prefixes).
// B = sentences, N = beam width, S = source steps, V = target vocabulary, H = hidden width.

import Autograd
import Foundation
import TensorCore

/// A translation and how the model scores it.
struct Translation: Equatable {
    /// Target ids, without START and END.
    var tokens: [Int]
    /// α for every emitted word (END included, if emitted), each over the source words:
    /// [words][S] (empty for the baseline).
    var attention: [[Float]]
    /// log p(y | x) = Σ_i log p(y_i | y_<i, x), END included when it was emitted.
    var logProbability: Double
    /// Whether the model emitted END before the length limit.
    var finished: Bool

    /// The length-normalised score beam search ranks by: log p(y | x) / (words + END).
    var score: Double { logProbability / Double(max(1, tokens.count + (finished ? 1 : 0))) }
}

/// The most words a translation of a `sourceLength`-word sentence may have (then it is cut).
func maximumTranslationLength(sourceLength: Int) -> Int { 2 * sourceLength + 10 }

// MARK: - Greedy

/// Greedy decoding: at every step, the single most likely next word, for a batch of sentences
/// at once (rows that have emitted END keep running, ignored, until all have).
///
/// - Parameter sources: source ids per sentence (no START/END).
/// - Returns: one translation per sentence.
func translateGreedily(_ model: Translator, _ sources: [[Int]]) throws -> [Translation] {
    guard !sources.isEmpty else { return [] }
    return try evaluating {
        let memory = try model.encode(SourceBatch(sources))
        var state = memory.initialState
        var previous = [Int](repeating: Vocabulary.start, count: sources.count)
        var results = sources.map { _ in Translation(tokens: [], attention: [], logProbability: 0, finished: false) }
        var open = Set(sources.indices)
        let limit = sources.map { maximumTranslationLength(sourceLength: $0.count) }
        while !open.isEmpty {
            let step = try model.step(previous: previous, state: state, memory: memory)
            let logP = try model.logits(step.features).value.logSoftmax()                     // [B, V]
            let v = logP.shape[1]
            let alpha = step.attention?.scalars, s = step.attention?.shape[1] ?? 0   // [B, S]
            logP.withUnsafeBufferPointer { logP in
                for row in open.sorted() {
                    let scores = logP.baseAddress! + row * v
                    let word = argmax(scores, count: v)
                    results[row].logProbability += Double(scores[word])
                    if let alpha { results[row].attention.append(Array(alpha[(row * s)..<(row * s + sources[row].count)])) }
                    if word == Vocabulary.end {
                        results[row].finished = true
                    } else {
                        results[row].tokens.append(word)
                    }
                    previous[row] = word
                    if word == Vocabulary.end || results[row].tokens.count >= limit[row] { open.remove(row) }
                }
            }
            state = step.state
        }
        return results
    }
}

/// The index of the largest of `count` scores (the first one on a tie).
func argmax(_ scores: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for i in 1..<max(1, count) where scores[i] > scores[best] { best = i }
    return best
}

// MARK: - Beam search

/// Beam search for one sentence: keeps the `width` most likely prefixes (by log-probability),
/// extends each by its `width` most likely next words, and collects hypotheses that end in END;
/// the answer is the collected hypothesis with the best length-normalised score
/// log p(y | x) / |y| (without the normalisation, short translations would win).
///
/// With `width` 1 it is greedy decoding. Given the greedy translation, beam search counts it as
/// one more candidate, and so never returns a translation the model scores lower than greedy's
/// (pruning could otherwise drop greedy's path).
///
/// - Parameters:
///   - source: source ids (no START/END).
///   - width: N ≥ 1.
///   - greedy: the greedy translation of `source`, to compete with the beam's.
func translateWithBeam(_ model: Translator, _ source: [Int], width: Int, greedy: Translation? = nil) throws -> Translation {
    try evaluating {
        let encoded = try model.encode(SourceBatch([source]))
        var memories: [Int: EncodedSources] = [:]   // the source repeated for k hypotheses
        struct Hypothesis { var tokens: [Int]; var attention: [[Float]]; var logProbability: Double }
        var alive = [Hypothesis(tokens: [], attention: [], logProbability: 0)]
        var states = encoded.initialState                                                  // [k, H]
        var finished: [Translation] = greedy.map { [$0] } ?? []
        let enough = width + finished.count
        let limit = maximumTranslationLength(sourceLength: source.count)
        for _ in 0..<limit {
            let k = alive.count
            if memories[k] == nil { memories[k] = try encoded.selecting([Int](repeating: 0, count: k)) }
            let previous = alive.map { $0.tokens.last ?? Vocabulary.start }
            let step = try model.step(previous: previous, state: states, memory: memories[k]!)
            let logP = try model.logits(step.features).value.logSoftmax()                 // [k, V]
            let v = logP.shape[1]
            // Each hypothesis's `width` best next words, then the `width` best of all of them.
            var candidates: [(parent: Int, word: Int, logProbability: Double)] = []
            logP.withUnsafeBufferPointer { logP in
                for parent in 0..<k {
                    let scores = logP.baseAddress! + parent * v
                    let best = (0..<v).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(width)
                    for word in best {
                        candidates.append((parent, word, alive[parent].logProbability + Double(scores[word])))
                    }
                }
            }
            candidates.sort { $0.logProbability > $1.logProbability
                || ($0.logProbability == $1.logProbability && ($0.parent, $0.word) < ($1.parent, $1.word)) }
            var next: [Hypothesis] = [], parents: [Int] = []
            for candidate in candidates.prefix(width) {
                var hypothesis = alive[candidate.parent]
                hypothesis.logProbability = candidate.logProbability
                if let weights = step.attention {
                    let row = candidate.parent * weights.shape[1]
                    hypothesis.attention.append(Array(weights.scalars[row..<(row + source.count)]))
                }
                if candidate.word == Vocabulary.end {
                    finished.append(Translation(tokens: hypothesis.tokens, attention: hypothesis.attention,
                                                logProbability: hypothesis.logProbability, finished: true))
                } else {
                    hypothesis.tokens.append(candidate.word)
                    next.append(hypothesis)
                    parents.append(candidate.parent)
                }
            }
            alive = next
            // Stop when the beam is empty or `width` of its hypotheses have ended.
            if next.isEmpty || finished.count >= enough { break }
            states = try Variable(step.state.value.gatherRows(parents))
        }
        // Unfinished hypotheses (cut at the length limit) count only when nothing ended.
        if finished.isEmpty {
            finished = alive.map { Translation(tokens: $0.tokens, attention: $0.attention, logProbability: $0.logProbability, finished: false) }
        }
        return finished.enumerated().max { a, b in
            a.element.score < b.element.score || (a.element.score == b.element.score && a.offset > b.offset)
        }!.element
    }
}

// MARK: - Scoring

/// log p(target | source) under the model with teacher forcing: Σ_i log p(y_i | y_<i, x) over
/// the target words and END. An independent check of what decoding reports.
func logProbability(_ model: Translator, source: [Int], target: [Int]) throws -> Double {
    try evaluating {
        let batch = TrainingBatch(sources: [source], targets: [target])
        let memory = try model.encode(batch.sources)
        var state = memory.initialState
        var total = 0.0
        for time in 0..<batch.steps {
            let step = try model.step(previous: [batch.decoderInputs[time]], state: state, memory: memory)
            let logP = try model.logits(step.features).value.logSoftmax()
            total += Double(logP.scalars[batch.targets[time]])
            state = step.state
        }
        return total
    }
}

extension Tensor {
    /// Rows `rows` of a [R, W] tensor, in that order: [rows.count, W].
    func gatherRows(_ rows: [Int]) throws -> Tensor {
        let width = shape[1]
        let values = scalars
        return try Tensor(shape: [rows.count, width], scalars: rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] })
    }
}
