// The model that resolves "it": a transformer encoder whose output at "it" names the noun it
// means, and the questions the lesson asks of it (loss, accuracy, the probability of each
// candidate, the attention of every head).
// B = batch, N = positions, V = vocabulary, L = layers, H = heads.

import Autograd
import Foundation
import TensorCore

/// A `TransformerEncoderModel` trained to write, at the position of "it", the noun "it" means.
///
/// The answer is read from the logits at "it", restricted to the candidates (the nouns before
/// "it"): p(candidate) = softmax over the candidates' logits. With `restricted`, every call hides
/// the words from "because" on from "it" and from the words before "because" (the baseline).
final class ReferentModel {
    let encoder: TransformerEncoderModel
    let vocabulary: WordVocabulary
    let restricted: Bool

    init(_ configuration: TransformerEncoderModel.Configuration, vocabulary: WordVocabulary, restricted: Bool,
         generator: inout SeededGenerator) throws {
        encoder = try TransformerEncoderModel(configuration, generator: &generator)
        self.vocabulary = vocabulary
        self.restricted = restricted
    }

    /// Logits [B, N, V].
    func logits(_ batch: ReferentBatch) throws -> Variable {
        try encoder(batch.ids, shape: batch.shape, lengths: batch.lengths, allowed: restricted ? batch.restrictedMask : nil)
    }

    /// The mean cross-entropy of the referent at "it" (other positions are not scored).
    func loss(_ batch: ReferentBatch) throws -> Variable {
        try crossEntropy(logits: logits(batch), targets: batch.targets, ignoreIndex: WordVocabulary.pad)
    }

    /// p(candidate) for each sentence of `batch`: softmax over the logits at "it" of the nouns
    /// before it, in their order in the sentence.
    func candidateProbabilities(_ batch: ReferentBatch) throws -> [[(noun: String, probability: Double)]] {
        let logits = try evaluating { try self.logits(batch) }.value
        let (n, v) = (batch.shape[1], logits.shape[2])
        return try logits.withUnsafeBufferPointer { values in
            try batch.sentences.enumerated().map { s, sentence in
                let candidates = ReferentGrammar.nouns(in: Array(sentence.tokens[..<sentence.itIndex]))
                let row = (s * n + sentence.itIndex) * v
                let scores = try vocabulary.encode(candidates).map { Double(values[row + $0]) }
                let top = scores.max() ?? 0
                let e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
                return zip(candidates, e).map { ($0, $1 / total) }
            }
        }
    }

    /// The share of `sentences` whose most probable candidate is the referent, in batches of 256.
    func accuracy(_ sentences: [ReferentSentence]) throws -> Double {
        var correct = 0
        for start in stride(from: 0, to: sentences.count, by: 256) {
            let batch = try ReferentBatch(Array(sentences[start..<min(start + 256, sentences.count)]), vocabulary)
            for (sentence, p) in zip(batch.sentences, try candidateProbabilities(batch)) {
                if p.max(by: { $0.probability < $1.probability })?.noun == sentence.referent { correct += 1 }
            }
        }
        return Double(correct) / Double(max(1, sentences.count))
    }

    /// The attention of every head of every layer for one sentence: [L][H][N·N] (query-major).
    func attention(_ tokens: [String]) throws -> [[[Float]]] {
        let ids = try vocabulary.encode(tokens)
        for layer in encoder.layers { layer.attention.recordsProbabilities = true }
        defer { for layer in encoder.layers { layer.attention.recordsProbabilities = false } }
        let batch = try ReferentBatch.single(tokens, vocabulary)
        _ = try evaluating {
            try encoder(ids, shape: [1, ids.count], allowed: restricted ? batch.restrictedMask : nil)
        }
        let n = ids.count
        return encoder.layers.map { layer in
            let p = layer.attention.lastProbabilities!.scalars
            return (0..<layer.attention.heads).map { h in Array(p[(h * n * n)..<((h + 1) * n * n)]) }
        }
    }
}

extension ReferentBatch {
    /// A batch of one sentence the user typed: its referent is unknown, so nothing is scored.
    static func single(_ tokens: [String], _ vocabulary: WordVocabulary) throws -> ReferentBatch {
        let itIndex = tokens.firstIndex(of: "it") ?? tokens.count - 1
        let becauseIndex = tokens[..<itIndex].lastIndex(of: "because") ?? itIndex
        let sentence = ReferentSentence(tokens: tokens, animal: "", thing: "", adjective: "", referent: tokens[0],
                                        itIndex: itIndex, becauseIndex: becauseIndex)
        return try ReferentBatch([sentence], vocabulary)
    }
}
