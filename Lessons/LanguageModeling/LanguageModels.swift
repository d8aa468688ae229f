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

    /// The name in the progress bar.
    var shortName: String { self == .seq2seq ? "seq2seq" : rawValue.uppercased() }

    /// Where its trained weights are kept, in the output folder.
    var weightsFile: String { "\(rawValue).safetensors" }
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
    /// The words of the batch's stories: what "tokens seen" counts.
    var tokens: Int

    /// Positions that carry a loss (a target other than [PAD]).
    var targetCount: Int { targets.reduce(0) { $0 + ($1 == WordVocabulary.pad ? 0 : 1) } }

    /// Rows of ids padded to the longest, row-major.
    static func pad(_ rows: [[Int]]) -> (ids: [Int], shape: [Int], lengths: [Int]) {
        let n = rows.map(\.count).max() ?? 0
        return (rows.flatMap { $0 + [Int](repeating: WordVocabulary.pad, count: n - $0.count) }, [rows.count, n], rows.map(\.count))
    }
}

extension LanguageModelingLesson {
    /// [BOS] sentence [EOS] for each sentence of each story: the sequences the CLM and the MLM
    /// read. Each sentence is its own sequence, so a blank is filled from its own sentence (the
    /// second sentence of an alarm story names the animal again, a shortcut the test sentences
    /// do not have).
    static func sentenceSequences(_ stories: [Story], _ vocabulary: WordVocabulary) throws -> [[Int]] {
        try stories.flatMap { story in
            try [story.first, story.next].map { [WordVocabulary.bos] + (try vocabulary.encode($0)) + [WordVocabulary.eos] }
        }
    }

    /// The words of the stories: what "tokens seen" counts, the same for all three objectives.
    static func wordCount(_ stories: [Story]) -> Int { stories.reduce(0) { $0 + $1.first.count + $1.next.count } }

    /// The indices of `lengths` in two groups of similar lengths, shortest first, split where the
    /// two groups padded to their own longest hold the fewest positions (one group when a split
    /// saves nothing). A step's sequences range from 5 to 30-odd tokens; padded together, about
    /// two positions in three would be padding, computed and thrown away.
    static func lengthGroups(_ lengths: [Int]) -> [[Int]] {
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        guard let longest = order.last.map({ lengths[$0] }) else { return [] }
        var best = (cost: order.count * longest, split: 0)
        for split in 1..<order.count {
            let cost = split * lengths[order[split - 1]] + (order.count - split) * longest
            if cost < best.cost { best = (cost, split) }
        }
        return best.split == 0 ? [order] : [Array(order[..<best.split]), Array(order[best.split...])]
    }

    /// CLM: inputs are each sequence without its last token, targets without its first; in
    /// length groups (`lengthGroups`), which together are the step's batch.
    static func clmBatch(_ stories: [Story], _ vocabulary: WordVocabulary) throws -> [PaddedBatch] {
        let sequences = try sentenceSequences(stories, vocabulary)
        return lengthGroups(sequences.map(\.count)).map { group in
            let part = group.map { sequences[$0] }
            let inputs = PaddedBatch.pad(part.map { Array($0.dropLast()) })
            let targets = PaddedBatch.pad(part.map { Array($0.dropFirst()) })
            return PaddedBatch(ids: inputs.ids, targets: targets.ids, shape: inputs.shape, lengths: inputs.lengths,
                               tokens: part.reduce(0) { $0 + $1.count - 2 })
        }
    }

    /// MLM: the whole sequences, 15% of their words chosen by BERT's rule; in length groups.
    static func mlmBatch(_ stories: [Story], _ vocabulary: WordVocabulary, generator: inout SeededGenerator) throws -> [PaddedBatch] {
        let sequences = try sentenceSequences(stories, vocabulary)
        return lengthGroups(sequences.map(\.count)).map { group in
            let part = group.map { sequences[$0] }
            let padded = PaddedBatch.pad(part)
            let (inputs, targets) = maskForMLM(padded.ids, vocabulary: vocabulary, generator: &generator)
            return PaddedBatch(ids: inputs, targets: targets, shape: padded.shape, lengths: padded.lengths,
                               tokens: part.reduce(0) { $0 + $1.count - 2 })
        }
    }

    /// Seq2seq: the encoder reads `first [EOS]`; the decoder reads `[BOS] next` and predicts
    /// `next [EOS]`; in groups of similar first-sentence length.
    static func seq2seqBatch(_ stories: [Story], _ vocabulary: WordVocabulary) throws -> [PaddedBatch] {
        try lengthGroups(stories.map(\.first.count)).map { group in
            let part = group.map { stories[$0] }
            let sources = try part.map { try vocabulary.encode($0.first) + [WordVocabulary.eos] }
            let nexts = try part.map { try vocabulary.encode($0.next) }
            let source = PaddedBatch.pad(sources)
            let decoder = PaddedBatch.pad(nexts.map { [WordVocabulary.bos] + $0 })
            let targets = PaddedBatch.pad(nexts.map { $0 + [WordVocabulary.eos] })
            return PaddedBatch(ids: source.ids, targets: targets.ids, shape: source.shape, lengths: source.lengths,
                               decoderIds: decoder.ids, decoderShape: decoder.shape, tokens: wordCount(part))
        }
    }

    /// The mean loss per target over the groups of one step's batch: each group's mean weighted
    /// by its share of the targets, so the step's gradient is that of the batch padded as one.
    static func loss(_ objective: Objective, _ models: LanguageModels, _ parts: [PaddedBatch]) throws -> Variable {
        let counts = parts.map(\.targetCount), total = Float(max(1, counts.reduce(0, +)))
        var sum: Variable?
        for (part, count) in zip(parts, counts) where count > 0 {
            let weighted = try loss(objective, models, part) * (Float(count) / total)
            sum = try sum.map { try $0 + weighted } ?? weighted
        }
        guard let sum else { throw LessonError("a training batch has no word to predict") }
        return sum
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
        case .clm, .mlm: return encoderForwardFLOPsPerToken(c)
        // Encoder and decoder tokens each pass L layers; decoder layers add cross-attention (4d²,
        // counted for the decoder's half of the tokens); the head serves the decoder's tokens.
        case .seq2seq: return 2 * (l * layer + 0.5 * l * 4 * d * d + 0.5 * d * v)
        }
    }
}
