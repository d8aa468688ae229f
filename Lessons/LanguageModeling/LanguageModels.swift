// The three models of the lesson and how each is trained: the same width, depth, heads,
// optimiser, stories and order, so the objective is the only difference.
// B = batch (stories), N = positions, V = vocabulary.

import Autograd
import Foundation
import TensorCore

/// The three training objectives.
enum Objective: String, CaseIterable {
    case clm, mlm, seq2seq

    var title: String {
        switch self {
        case .clm: "CLM (causal)"
        case .mlm: "MLM (masked)"
        case .seq2seq: "Seq2seq (encoder-decoder)"
        }
    }
}

/// The three trained models.
struct LanguageModels {
    let clm: CausalLanguageModel
    let mlm: TransformerEncoderModel
    let seq2seq: TransformerEncoderDecoder
    /// Loss curves (validation against tokens seen) and, for models trained in this run, timings.
    var histories: [Objective: TrainingHistory] = [:]
    var tokensPerStep: [Objective: [Int]] = [:]
    var timings: [Objective: (seconds: Double, tokens: Int, flopsPerToken: Double)] = [:]

    func module(_ objective: Objective) -> any Module {
        switch objective {
        case .clm: clm
        case .mlm: mlm
        case .seq2seq: seq2seq
        }
    }
}

/// A batch of stories, ready for one objective: ids [B, N] row-major, padded with [PAD].
struct PaddedBatch {
    var ids: [Int], targets: [Int], shape: [Int], lengths: [Int]
    /// The decoder's side, for seq2seq only.
    var decoderIds: [Int] = [], decoderShape: [Int] = []
    /// Real (non-padding) input tokens: what "tokens seen" counts.
    var tokens: Int

    /// Rows of ids padded to the longest, row-major.
    static func pad(_ rows: [[Int]]) -> (ids: [Int], shape: [Int], lengths: [Int]) {
        let n = rows.map(\.count).max() ?? 0
        return (rows.flatMap { $0 + [Int](repeating: WordVocabulary.pad, count: n - $0.count) }, [rows.count, n], rows.map(\.count))
    }
}

extension LanguageModelingLesson {
    /// [BOS] first next [EOS]: the sequence the CLM and the MLM read.
    static func sequence(_ story: Story, _ vocabulary: WordVocabulary) throws -> [Int] {
        [WordVocabulary.bos] + (try vocabulary.encode(story.tokens)) + [WordVocabulary.eos]
    }

    /// CLM: inputs are the sequence without its last token, targets without its first.
    static func clmBatch(_ stories: [Story], _ vocabulary: WordVocabulary) throws -> PaddedBatch {
        let sequences = try stories.map { try sequence($0, vocabulary) }
        let inputs = PaddedBatch.pad(sequences.map { Array($0.dropLast()) })
        let targets = PaddedBatch.pad(sequences.map { Array($0.dropFirst()) })
        return PaddedBatch(ids: inputs.ids, targets: targets.ids, shape: inputs.shape, lengths: inputs.lengths,
                           tokens: sequences.reduce(0) { $0 + $1.count })
    }

    /// MLM: the whole sequence, 15% of its words chosen by BERT's rule.
    static func mlmBatch(_ stories: [Story], _ vocabulary: WordVocabulary, generator: inout SeededGenerator) throws -> PaddedBatch {
        let sequences = try stories.map { try sequence($0, vocabulary) }
        let padded = PaddedBatch.pad(sequences)
        let (inputs, targets) = maskForMLM(padded.ids, vocabulary: vocabulary, generator: &generator)
        return PaddedBatch(ids: inputs, targets: targets, shape: padded.shape, lengths: padded.lengths,
                           tokens: sequences.reduce(0) { $0 + $1.count })
    }

    /// Seq2seq: the encoder reads `first [EOS]`; the decoder reads `[BOS] next` and predicts `next [EOS]`.
    static func seq2seqBatch(_ stories: [Story], _ vocabulary: WordVocabulary) throws -> PaddedBatch {
        let sources = try stories.map { try vocabulary.encode($0.first) + [WordVocabulary.eos] }
        let nexts = try stories.map { try vocabulary.encode($0.next) }
        let source = PaddedBatch.pad(sources)
        let decoder = PaddedBatch.pad(nexts.map { [WordVocabulary.bos] + $0 })
        let targets = PaddedBatch.pad(nexts.map { $0 + [WordVocabulary.eos] })
        return PaddedBatch(ids: source.ids, targets: targets.ids, shape: source.shape, lengths: source.lengths,
                           decoderIds: decoder.ids, decoderShape: decoder.shape,
                           tokens: sources.reduce(0) { $0 + $1.count } + nexts.reduce(0) { $0 + $1.count + 1 })
    }

    /// The mean loss per target of `objective` on one batch (forward only when not recording).
    static func loss(_ objective: Objective, _ models: LanguageModels, _ batch: PaddedBatch) throws -> Variable {
        switch objective {
        case .clm:
            return try objectiveLoss(models.clm(batch.ids, shape: batch.shape), targets: batch.targets)
        case .mlm:
            return try objectiveLoss(models.mlm(batch.ids, shape: batch.shape, lengths: batch.lengths), targets: batch.targets)
        case .seq2seq:
            let memory = try models.seq2seq.encode(batch.ids, shape: batch.shape, lengths: batch.lengths)
            let logits = try models.seq2seq.decode(batch.decoderIds, shape: batch.decoderShape, memory: memory,
                                                   sourceLengths: batch.lengths)
            return try objectiveLoss(logits, targets: batch.targets)
        }
    }

    /// Forward FLOPs per token of the GEMMs (2 per multiply-add; attention's N² terms, norms and
    /// softmax left out, as usual in MFU accounting); training ≈ 3× that.
    static func forwardFLOPsPerToken(_ objective: Objective, _ c: CausalLanguageModel.Configuration) -> Double {
        let d = Double(c.width), f = Double(c.hidden), l = Double(c.layers), v = Double(c.vocabulary)
        let layer = 4 * d * d + 2 * d * f
        switch objective {
        case .clm, .mlm: return 2 * (l * layer + d * v)
        // Encoder and decoder tokens each pass L layers; decoder layers add cross-attention (4d²,
        // counted for the decoder's half of the tokens); the head serves the decoder's tokens.
        case .seq2seq: return 2 * (l * layer + 0.5 * l * 4 * d * d + 0.5 * d * v)
        }
    }
}
