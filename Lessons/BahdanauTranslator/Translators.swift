// The two translators of the lesson: an RNN encoder-decoder whose decoder sees the source only
// through one fixed vector (Cho et al., 2014; Sutskever et al., 2014), and Bahdanau et al.'s
// (2015) decoder that attends over every encoder state at every step. Both read the source with
// the same bidirectional GRU encoder, so attention is the only difference between them.
//
// B = batch, S = source steps, T = target steps, E = embedding width, H = hidden width,
// C = 2H context width (the baseline's fixed vector and each attention context alike),
// A = attention width, F = H + C + E readout features, V = target vocabulary.

import Autograd
import TensorCore

/// Which of the two translators.
enum Architecture: String, CaseIterable, Sendable {
    /// Bidirectional GRU encoder → one fixed vector c = [h→_S; h←_1] → GRU decoder fed c at every step.
    case baseline
    /// The same encoder → additive attention over all its states at every step.
    case attention

    /// The name in tables and legends.
    var title: String { self == .baseline ? "RNN encoder-decoder" : "Bahdanau attention" }
    /// The name in crowded legends.
    var shortTitle: String { self == .baseline ? "encoder-decoder" : "attention" }
    /// The file name of its cached weights and the `model` column of the CSVs.
    var fileName: String { self == .baseline ? "baseline" : "bahdanau" }
}

/// Everything that fixes a translator's shapes.
struct TranslatorConfiguration: Equatable, Sendable {
    var architecture: Architecture
    var sourceVocabulary: Int, targetVocabulary: Int
    /// E, H, A.
    var embedding: Int, hidden: Int, attention: Int

    /// C = 2H: what the decoder reads of the source at each step — the fixed vector [h→_S; h←_1]
    /// or an average of the states [h→_j; h←_j], the same width for both architectures.
    var contextWidth: Int { 2 * hidden }
    /// F = H + C + E: the readout's input, [state; context; previous word].
    var featureWidth: Int { hidden + contextWidth + embedding }
}

/// Source sentences as one padded batch.
struct SourceBatch {
    /// [B, S] row-major, PAD after each sentence's end.
    let ids: [Int]
    /// The real length of each sentence.
    let lengths: [Int]
    let batch: Int, steps: Int

    /// Pads `sentences` (ids, no START/END) to the longest.
    init(_ sentences: [[Int]]) {
        batch = sentences.count
        steps = sentences.map(\.count).max() ?? 0
        lengths = sentences.map(\.count)
        var ids = [Int](repeating: Vocabulary.pad, count: batch * steps)
        for (row, sentence) in sentences.enumerated() {
            for (time, id) in sentence.enumerated() { ids[row * steps + time] = id }
        }
        self.ids = ids
    }
}

/// What the encoder hands the decoder.
struct EncodedSources {
    /// Attention: the encoder states, [B, S, 2H] (keys and values), and W₂ k + b, [B, S, A].
    let keys: Variable?, projectedKeys: Variable?
    /// Baseline: the fixed vector c = [h→_S; h←_1], [B, 2H].
    let summary: Variable?
    let lengths: [Int]
    /// s₀, [B, H].
    let initialState: Variable
    /// The decoder's weight matrices, packed once for every step of this pass.
    let decoderWeights: DecoderWeights

    /// The same sources for rows `rows` (in that order, repeats allowed), as constants: beam
    /// search keeps several hypotheses of one sentence.
    func selecting(_ rows: [Int]) throws -> EncodedSources {
        func pick(_ v: Variable?) throws -> Variable? {
            guard let v else { return nil }
            let width = v.value.count / max(1, v.shape[0])
            let values = v.value.scalars
            var picked = [Float]()
            picked.reserveCapacity(rows.count * width)
            for row in rows { picked += values[(row * width)..<((row + 1) * width)] }
            return Variable(try Tensor(shape: [rows.count] + v.shape.dropFirst(), scalars: picked))
        }
        return EncodedSources(keys: try pick(keys), projectedKeys: try pick(projectedKeys), summary: try pick(summary),
                              lengths: rows.map { lengths[$0] }, initialState: try pick(initialState)!,
                              decoderWeights: decoderWeights)
    }
}

/// The matrices a decoder step multiplies by, packed for the GEMM when a pass begins: with one row
/// per sentence, packing them again at every step, forward and backward, took about a tenth of
/// the training. The same bits as packing per step.
struct DecoderWeights {
    let cell: GRUCell.Packed
    /// W₁ of the attention (attention only).
    let query: PackedWeight?
}

/// One decoder step.
struct DecoderStep {
    /// s_i, [B, H].
    let state: Variable
    /// [s_i; c_i; E y_{i−1}], [B, F]: what the readout turns into word scores.
    let features: Variable
    /// α_i over the source, [B, S] (attention only).
    let attention: Tensor?
}

// MARK: - The translator

/// A GRU encoder-decoder, with or without attention (`configuration.architecture`).
///
/// Encoder (both architectures): source embeddings → bidirectional GRU, states
/// h_j = [h→_j; h←_j] and the final pair c = [h→_S; h←_1] (forward after the last word,
/// backward after the first). Decoder step i, from the previous word y_{i−1} and state s_{i−1}:
///
///     c_i = c                                  baseline: the same fixed vector at every step
///     c_i = Σ_j α_ij h_j, α_i = softmax_j(vᵀ tanh(W₁ s_{i−1} + W₂ h_j))   attention
///     s_i = GRU([E y_{i−1}; c_i], s_{i−1})
///     p(y_i | y_<i, x) = softmax(W_o [s_i; c_i; E y_{i−1}] + b_o)
///
/// and s₀ = tanh(W_s c + b_s). Only the line for c_i differs between the two.
///
/// Parameters: `source_embedding.weight`, `target_embedding.weight`, `encoder.forward.*`,
/// `encoder.backward.*`, `bridge.*`, `attention.*` (attention only), `decoder.*`, `readout.*`.
final class Translator: Module {
    let configuration: TranslatorConfiguration
    let sourceEmbedding: Embedding, targetEmbedding: Embedding
    let encoder: GRUEncoder
    /// W_s: the encoder's final pair c → s₀.
    let bridge: Linear
    let attention: AdditiveAttention?
    let decoder: GRUCell
    /// W_o: [s; c; E y] → word scores.
    let readout: Linear

    init(_ configuration: TranslatorConfiguration, generator: inout SeededGenerator) {
        self.configuration = configuration
        let (e, h) = (configuration.embedding, configuration.hidden)
        let withAttention = configuration.architecture == .attention
        sourceEmbedding = Embedding(count: configuration.sourceVocabulary, width: e, std: 0.1, generator: &generator)
        targetEmbedding = Embedding(count: configuration.targetVocabulary, width: e, std: 0.1, generator: &generator)
        encoder = GRUEncoder(inputs: e, hidden: h, bidirectional: true, generator: &generator)
        bridge = Linear(inputs: 2 * h, outputs: h, generator: &generator)
        attention = withAttention
            ? AdditiveAttention(queryWidth: h, keyWidth: 2 * h, width: configuration.attention, generator: &generator) : nil
        decoder = GRUCell(inputs: e + configuration.contextWidth, hidden: h, generator: &generator)
        readout = Linear(inputs: configuration.featureWidth, outputs: configuration.targetVocabulary, generator: &generator)
    }

    var namedParameters: [NamedParameter] {
        scoped("source_embedding", sourceEmbedding) + scoped("target_embedding", targetEmbedding)
            + scoped("encoder", encoder) + scoped("bridge", bridge) + scoped("attention", attention)
            + scoped("decoder", decoder) + scoped("readout", readout)
    }

    // MARK: - Encoder

    /// Reads the source sentences once.
    func encode(_ sources: SourceBatch) throws -> EncodedSources {
        let x = try sourceEmbedding(sources.ids, shape: [sources.batch, sources.steps])   // [B, S, E]
        let (states, final) = try encoder(x, lengths: sources.lengths)                     // [B, S, 2H], [B, 2H]
        let initialState = try bridge(final).tanh()                                       // [B, H]
        let weights = DecoderWeights(cell: try decoder.packed(),
                                     query: try attention.map { try PackedWeight($0.queryProjection.weight) })
        guard let attention else {
            return EncodedSources(keys: nil, projectedKeys: nil, summary: final, lengths: sources.lengths,
                                  initialState: initialState, decoderWeights: weights)
        }
        return EncodedSources(keys: states, projectedKeys: try attention.projectKeys(states), summary: nil,
                              lengths: sources.lengths, initialState: initialState, decoderWeights: weights)
    }

    // MARK: - Decoder

    /// One step for every row: from the previous words and states to the new states and the
    /// readout features.
    /// - Parameters:
    ///   - previous: y_{i−1} per row (START at the first step).
    ///   - state: s_{i−1}, [B, H].
    func step(previous: [Int], state: Variable, memory: EncodedSources) throws -> DecoderStep {
        let word = try targetEmbedding(previous, shape: [previous.count])                 // [B, E]
        let context: Variable, weights: Tensor?
        if let attention, let keys = memory.keys, let projected = memory.projectedKeys {
            (context, weights) = try attention.attend(query: state, keys: keys, projectedKeys: projected,
                                                      keyLengths: memory.lengths,
                                                      packedQueryWeight: memory.decoderWeights.query)  // [B, 2H], [B, S]
        } else {
            (context, weights) = (memory.summary!, nil)                                    // [B, 2H]
        }
        let input = try Variable.concatenate([word, context], axis: 1)                    // [B, E + C]
        let next = try decoder(input, state, packed: memory.decoderWeights.cell)           // [B, H]
        let features = try Variable.concatenate([next, context, word], axis: 1)           // [B, F]
        return DecoderStep(state: next, features: features, attention: weights)
    }

    /// Word scores from readout features. - Parameter features: [..., F] - Returns: [..., V]
    func logits(_ features: Variable) throws -> Variable { try readout(features) }

    // MARK: - Training loss

    /// The mean cross-entropy of the next word over every real target token, with teacher
    /// forcing (the decoder reads the reference's previous word, not its own guess); PAD
    /// targets are ignored.
    func loss(_ batch: TrainingBatch) throws -> Variable {
        let memory = try encode(batch.sources)
        var state = memory.initialState
        var features: [Variable] = []
        for time in 0..<batch.steps {
            let previous = (0..<batch.batch).map { batch.decoderInputs[$0 * batch.steps + time] }
            let step = try self.step(previous: previous, state: state, memory: memory)
            state = step.state
            features.append(try step.features.reshaped([batch.batch, 1, configuration.featureWidth]))
        }
        let logits = try self.logits(Variable.concatenate(features, axis: 1))             // [B, T, V]
        return try crossEntropy(logits: logits, targets: batch.targets, ignoreIndex: Vocabulary.pad)
    }
}

// MARK: - Batches

/// A batch for teacher forcing: the sources, and the targets shifted by one.
///
///     decoder input   <start>  le    chat  noir  .
///     target          le       chat  noir  .     <end>
struct TrainingBatch {
    let sources: SourceBatch
    /// [B, T]: START y₁ … y_n, then PAD.
    let decoderInputs: [Int]
    /// [B, T]: y₁ … y_n END, then PAD.
    let targets: [Int]
    let batch: Int, steps: Int

    /// Target tokens that count in the loss (every non-PAD target, END included).
    var targetTokens: Int { targets.reduce(0) { $0 + ($1 == Vocabulary.pad ? 0 : 1) } }

    init(sources: [[Int]], targets: [[Int]]) {
        self.sources = SourceBatch(sources)
        batch = targets.count
        steps = (targets.map(\.count).max() ?? 0) + 1
        var inputs = [Int](repeating: Vocabulary.pad, count: batch * steps), outputs = inputs
        for (row, target) in targets.enumerated() {
            let sequenceIn = [Vocabulary.start] + target, sequenceOut = target + [Vocabulary.end]
            for time in 0...target.count {
                inputs[row * steps + time] = sequenceIn[time]
                outputs[row * steps + time] = sequenceOut[time]
            }
        }
        decoderInputs = inputs
        self.targets = outputs
    }
}
