// Lesson: multi-head self-attention from the inside — the transformer's architecture, one head
// computed step by step, why scores are scaled by 1/√d_k, what several heads add, and a small
// model trained here that resolves "it" in "The cat drank the milk because it was hungry/sweet",
// with its heads opened up.

import ArgumentParser
import Autograd
import Figures
import Foundation
import TensorCore

/// Q, K, V, the 1/√d_k scale, heads, and a trained model that resolves "it".
///
/// Reads like the lecture:
/// 1. The architecture of the 2017 transformer, drawn with the sizes of this lesson's model, and
///    its parameters per part.
/// 2. One head, step by step, on "The cat drank the milk because it was hungry .".
/// 3. Why 1/√d_k: the variance of q·k and the entropy of softmax rows as d_k grows.
/// 4. Heads: the sentence through H heads of width d/H in every layer (gallery and head view).
/// 5. A model trained here to say what "it" means, on noun pairs it never saw together, beside a
///    baseline that cannot see the adjective and a one-head model of the same width.
/// 6. Opening the trained heads: attention from "it" per head for the two lecture sentences,
///    head statistics, head ablation, one head vs several.
/// 7. The lecture's other example, "The boy is holding a blue ball": attention rows before and
///    after training.
///
/// Writes the files listed in `figureCaptions` (PNG with `.npy`/`.csv` beside), the tables
/// `parameters`, `accuracy`, `heads`, `ablation`, `training`, and the weights
/// `multi_head/baseline/one_head.safetensors` (reused by the next run with the same settings),
/// into `Output/multi-head-attention/`. `--sentence` instead runs the trained model on one
/// sentence and writes `sentence_gallery`, `sentence_head_view` and `referent.csv`.
public enum MultiHeadAttentionLesson: Lesson {
    public static let name = "multi-head-attention"
    public static let summary = "Q/K/V, 1/√d_k, heads, and a model trained here that resolves \"it\""

    /// Every figure the lesson writes (file name without `.png`) with a one-line caption.
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("architecture", "The 2017 transformer's encoder and decoder, with the sizes of this lesson's model"),
        ("one_head_x", "Step 0: the sentence's embeddings plus positional encoding, one row per word"),
        ("one_head_q", "Step 1: the queries Q = X W_q of one head"),
        ("one_head_k", "Step 1: the keys K = X W_k of one head"),
        ("one_head_v", "Step 1: the values V = X W_v of one head"),
        ("one_head_scores", "Step 2: raw scores Q Kᵀ"),
        ("one_head_scaled", "Step 3: scores scaled by 1/√d_k"),
        ("one_head_weights", "Step 4: softmax of each row: attention weights that sum to 1"),
        ("one_head_output", "Step 5: each word's output, the weighted sum of the values"),
        ("scaling", "Variance of q·k grows like d_k; scaling by 1/√d_k keeps softmax rows spread"),
        ("untrained_gallery", "Every head of every layer of the untrained model: layers × heads attention maps"),
        ("untrained_head_view", "Untrained model, last layer: lines from each word to the words it attends to, one colour per head"),
        ("loss_curves", "Held-out loss and accuracy while training: several heads vs one head vs the baseline"),
        ("it_attention", "Attention from \"it\" to \"cat\" and to \"milk\" for every head, hungry vs sweet"),
        ("gallery_hungry", "Trained model, every head of every layer, on \"… because it was hungry\""),
        ("gallery_sweet", "Trained model, every head of every layer, on \"… because it was sweet\""),
        ("head_view_hungry", "Trained model, last layer, \"… it was hungry\": where each word looks, one colour per head"),
        ("head_view_sweet", "Trained model, last layer, \"… it was sweet\": where each word looks, one colour per head"),
        ("heads", "Per-head statistics: entropy, mean attention distance, share on the previous word"),
        ("ablation", "Held-out accuracy with each head silenced"),
        ("boy_ball", "Attention rows of \"ball\", \"blue\" and \"boy\", untrained vs trained"),
    ]

    public struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Run the trained model on TEXT (vocabulary words, with \"it\") and write its attention and referent.csv.",
                                   valueName: "text"))
        var sentence: String?

        @Option(help: ArgumentHelp("Training steps per model (default: 450; 40 with --quick).", valueName: "n"))
        var steps: Int?

        @Option(name: .customLong("d-model"), help: ArgumentHelp("Model width d (default: 64; 32 with --quick).", valueName: "d"))
        var dModel: Int?

        @Option(help: ArgumentHelp("Transformer layers (default: 2).", valueName: "n"))
        var layers: Int?

        @Option(help: ArgumentHelp("Attention heads; must divide --d-model (default: 4).", valueName: "n"))
        var heads: Int?

        @Flag(help: "Train again even when cached weights for these settings and seed exist.")
        var retrain = false

        public init() {}

        public func validate() throws {
            try validateTrainingOptions(steps: steps, dModel: dModel, layers: layers, heads: heads)
        }
    }

    /// Everything the run needs, worked out once from the options and --quick.
    struct Settings {
        let width: Int, layers: Int, heads: Int, context: Int
        let steps: Int, batchSize: Int, learningRate: Float, warmupSteps: Int, clipNorm: Float, validateEvery: Int
        let trainSentences: Int, heldOutSentences: Int
        let retrain: Bool, quick: Bool

        init(_ options: Options, quick: Bool) {
            width = options.dModel ?? (quick ? 32 : 64)
            layers = options.layers ?? 2
            heads = options.heads ?? 4
            context = 24
            steps = options.steps ?? (quick ? 40 : 450)
            batchSize = quick ? 32 : 64
            learningRate = 3e-3
            warmupSteps = min(50, steps / 10)
            clipNorm = 1
            validateEvery = max(1, steps / 10)
            trainSentences = min(60_000, max(1000, steps * batchSize))
            heldOutSentences = quick ? 200 : 1000
            retrain = options.retrain
            self.quick = quick
        }

        func configuration(vocabulary: Int, heads: Int? = nil) -> TransformerEncoderModel.Configuration {
            .init(vocabulary: vocabulary, width: width, heads: heads ?? self.heads, layers: layers, context: context, kernel: .standard)
        }

        /// Everything the weights of `variant` depend on, as one line.
        func cacheKey(_ variant: Variant, _ corpus: ReferentCorpus, seed: UInt64) -> String {
            "format=1 variant=\(variant.rawValue) seed=\(seed) corpus=\(fingerprint(corpus.train.map { $0.tokens.joined(separator: " ") })) "
                + "vocabulary=\(corpus.vocabulary.count) width=\(width) layers=\(layers) heads=\(variant == .oneHead ? 1 : heads) "
                + "context=\(context) steps=\(steps) batch=\(batchSize) lr=\(learningRate) warmup=\(warmupSteps) "
                + "clip=\(clipNorm) validate_every=\(validateEvery)"
        }
    }

    /// The three models trained in step 5.
    enum Variant: String, CaseIterable {
        case multiHead = "multi_head", baseline, oneHead = "one_head"

        var title: String {
            switch self {
            case .multiHead: "several heads"
            case .baseline: "baseline (\"it\" cannot see the adjective)"
            case .oneHead: "one head"
            }
        }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        let settings = Settings(options, quick: quick)
        guard settings.width % settings.heads == 0 else {
            throw LessonError("--heads \(settings.heads) does not divide --d-model \(settings.width); choose heads that divide the width")
        }
        if let text = options.sentence { _ = try sentenceTokens(text) }
        let bytes = 16 * settings.batchSize * (settings.heads * settings.context * settings.context + 16 * settings.context * settings.width)
        try SystemInfo.requireMemory(bytes: bytes, for: "training with --d-model \(settings.width)")
    }

    /// The tokens of a sentence for `--sentence`, checked: known words, an "it", a noun before it.
    static func sentenceTokens(_ text: String) throws -> [String] {
        let tokens = WordVocabulary.tokenize(text)
        guard !tokens.isEmpty else { throw LessonError("the sentence \"\(text)\" has no words") }
        let vocabulary = WordVocabulary(building: [], extraWords: ReferentGrammar.allWords)
        _ = try vocabulary.encode(tokens)
        guard tokens.count <= 24 else { throw LessonError("the sentence has \(tokens.count) words; the model reads at most 24") }
        guard let it = tokens.firstIndex(of: "it") else {
            throw LessonError("the sentence \"\(text)\" has no \"it\" for the model to resolve")
        }
        guard !ReferentGrammar.nouns(in: Array(tokens[..<it])).isEmpty else {
            throw LessonError("no noun comes before \"it\" in \"\(text)\", so there is nothing it could mean")
        }
        return tokens
    }

    static func corpus(_ settings: Settings, _ context: LessonContext) -> ReferentCorpus {
        var generator = context.generator(for: "corpus")
        return ReferentCorpus(seed: generator.next(), trainCount: settings.trainSentences, heldOutCount: settings.heldOutSentences)
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        // NOTE: the portable GEMM sums in the same order on any number of threads (OpenBLAS may
        // not), so the same seed trains the same weights everywhere; see the language-modeling lesson.
        let previous = GEMM.defaultBackend
        GEMM.defaultBackend = .portable
        defer { GEMM.defaultBackend = previous }
        try runLesson(options, in: context)
    }

    static func runLesson(_ options: Options, in context: LessonContext) throws {
        let settings = Settings(options, quick: context.quick)
        let corpus = corpus(settings, context)
        if let text = options.sentence {
            return try answerSentence(try sentenceTokens(text), corpus, settings, context)
        }
        let untrained = try drawArchitecture(corpus, settings, context)
        try oneHeadStepByStep(untrained, context)
        try whyScale(context)
        try throughTheHeads(untrained, settings, context)
        let models = try trainReferentModels(corpus, settings, context)
        try openTheHeads(models, corpus, settings, context)
        try theBoyAndTheBall(trained: models.multiHead, untrained: untrained, context)
    }
}
