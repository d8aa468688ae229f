// Lesson: the three ways a language model is trained — causal (what comes next), masked (fill in
// the blanks) and sequence-to-sequence (what is the next sentence) — one small transformer trained
// here all three ways on one corpus, and the lecture's claims measured on it.

import ArgumentParser
import Autograd
import Figures
import Foundation
import TensorCore

/// Causal vs masked vs sequence-to-sequence language modelling, trained and compared.
///
/// Reads like the lecture:
/// 1. The three objectives side by side: a table, and the three attention masks of one sentence.
/// 2. Training all three on the same stories: held-out loss against tokens seen.
/// 3. Scoring sentences with the CLM: "Japan is the home of cherry blossoms" vs "Food polar charger human".
/// 4. Filling blanks with the MLM, beside the CLM, which cannot see the words to the right.
/// 5. A long-range dependency: the right sound word after "amiss by" as filler words pile up,
///    for the CLM, the MLM and a trigram model.
/// 6. The next sentence, written by the seq2seq model, and its exact-match rate.
/// 7. Generation with the CLM: greedy and sampled.
/// 8. What attention looked at: last-layer heatmaps of each model.
///
/// Writes `objectives`, `masks.png/.npy`, `corpus_sample`, `loss_curves.png/.csv`, `training`
/// (timings), `clm/mlm/seq2seq.safetensors` (reused by the next run with the same settings),
/// `sentence_scores.png/.csv`, `fill_blank.csv` with `fill_blank_*.png`, `long_range.png/.csv`,
/// `next_sentence`, `generation`, `attention_*.png/.npy`, and `summary`, into
/// `Output/language-modeling/`. `--score`, `--fill` and `--generate` instead answer one question
/// with the cached models and write `score.csv`, `fill.csv` or `generate.csv`.
public enum LanguageModelingLesson: Lesson {
    public static let name = "language-modeling"
    public static let summary = "causal vs masked vs sequence-to-sequence objectives, trained here and compared"
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("masks", "what each objective lets a token see: causal, masked, sequence-to-sequence"),
        ("loss_curves", "held-out loss against tokens seen for the three models"),
        ("sentence_scores", "log p(word | words before) for every word of a sentence, per model"),
        ("fill_blank_1", "the first fill-in-the-blank sentence: masked vs causal model's guesses"),
        ("fill_blank_2", "the second fill-in-the-blank sentence: masked vs causal model's guesses"),
        ("long_range", "p(right word) as more words pile up between it and its cue"),
        ("attention_clm_mean", "the causal model's last-layer attention, mean over heads"),
        ("attention_clm_head", "the causal model's most focused head"),
        ("attention_mlm_mean", "the masked model's last-layer attention, mean over heads"),
        ("attention_mlm_head", "the masked model's most focused head"),
        ("attention_seq2seq_mean", "the sequence-to-sequence model's last-layer attention, mean over heads"),
        ("attention_seq2seq_head", "the sequence-to-sequence model's most focused head"),
    ]

    public struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Print the CLM's per-token log-probabilities of TEXT and write score.csv.", valueName: "text"))
        var score: String?

        @Option(help: ArgumentHelp("Print the MLM's top-5 words for the one [MASK] in TEXT and write fill.csv.", valueName: "text"))
        var fill: String?

        @Option(help: ArgumentHelp("Continue PROMPT with the CLM (greedy and sampled) and write generate.csv.", valueName: "prompt"))
        var generate: String?

        @Option(help: ArgumentHelp("Training steps per model (default: 3200; 60 with --quick).", valueName: "n"))
        var steps: Int?

        @Option(name: .customLong("d-model"), help: ArgumentHelp("Model width d (default: 64; 32 with --quick).", valueName: "d"))
        var dModel: Int?

        @Option(help: ArgumentHelp("Transformer layers (default: 2; 1 with --quick).", valueName: "n"))
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
        let trainStories: Int, validationStories: Int, testStories: Int, maxFillers: Int
        let width: Int, layers: Int, heads: Int, context: Int
        let steps: Int, batchSize: Int, learningRate: Float, warmupSteps: Int, clipNorm: Float, validateEvery: Int
        /// Held-out cases per animal and filler count in step 5.
        let casesPerAnimal: Int
        let fillerCounts: [Int]
        let retrain: Bool, quick: Bool

        init(_ options: Options, quick: Bool) {
            steps = options.steps ?? (quick ? 60 : 3200)
            batchSize = quick ? 16 : 32
            // One pass over fresh stories, up to 200,000 (then the batches start another epoch).
            trainStories = min(200_000, max(1000, steps * batchSize))
            validationStories = quick ? 64 : 256
            testStories = quick ? 64 : 400
            maxFillers = 20
            width = options.dModel ?? (quick ? 32 : 64)
            layers = options.layers ?? (quick ? 1 : 2)
            heads = options.heads ?? 4
            context = 48
            learningRate = quick ? 5e-3 : 3e-3
            warmupSteps = min(50, steps / 10)
            clipNorm = 1
            validateEvery = max(1, steps / 10)
            casesPerAnimal = quick ? 1 : 4
            fillerCounts = quick ? [0, 5, 10, 15, 20] : Array(0...20)
            retrain = options.retrain
            self.quick = quick
        }

        func configuration(vocabulary: Int) -> CausalLanguageModel.Configuration {
            .init(vocabulary: vocabulary, width: width, heads: heads, layers: layers, context: context)
        }

        /// Everything the weights of `objective` depend on, as one line.
        func cacheKey(_ objective: Objective, _ corpus: StoryCorpus, seed: UInt64) -> String {
            "format=3 objective=\(objective.rawValue) seed=\(seed) corpus=\(fingerprint(corpus.train.map { $0.tokens.joined(separator: " ") })) "
                + "stories=\(corpus.train.count)/\(corpus.validation.count) vocabulary=\(corpus.vocabulary.count) "
                + "width=\(width) layers=\(layers) heads=\(heads) context=\(context) steps=\(steps) batch=\(batchSize) "
                + "lr=\(learningRate) warmup=\(warmupSteps) clip=\(clipNorm) validate_every=\(validateEvery)"
        }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        let settings = Settings(options, quick: quick)
        guard settings.width % settings.heads == 0 else {
            throw LessonError("--heads \(settings.heads) does not divide --d-model \(settings.width); choose heads that divide the width")
        }
        if let fill = options.fill {
            let masks = WordVocabulary.tokenize(fill).filter { $0 == "[MASK]" }.count
            guard masks == 1 else {
                throw LessonError("--fill needs exactly one [MASK] in its text, found \(masks)")
            }
        }
        // Words of --score, --fill and --generate must be known before anything is written.
        // Every corpus knows exactly the grammar's words, whatever the seed.
        let vocabulary = WordVocabulary(building: [], extraWords: StoryWorld.allWords)
        for text in [options.score, options.fill, options.generate].compactMap({ $0 }) {
            let tokens = WordVocabulary.tokenize(text)
            guard !tokens.isEmpty else { throw LessonError("the text \"\(text)\" has no words") }
            for token in tokens where token != "[MASK]" {
                _ = try vocabulary.encode([token])
            }
        }
        if let score = options.score, WordVocabulary.tokenize(score).contains("[MASK]") {
            throw LessonError("--score takes a sentence without [MASK]; use --fill to fill a blank")
        }
        if let generate = options.generate, WordVocabulary.tokenize(generate).contains("[MASK]") {
            throw LessonError("--generate takes a prompt without [MASK]")
        }
        // The attention of a batch: B·H·N² floats for P, a few times over, and the activations.
        let bytes = 16 * settings.batchSize * (settings.heads * settings.context * settings.context + 16 * settings.context * settings.width)
        try SystemInfo.requireMemory(bytes: bytes, for: "training with --d-model \(settings.width)")
    }

    /// The corpus of a run.
    static func corpus(_ settings: Settings, seed: UInt64) -> StoryCorpus {
        StoryCorpus.generate(seed: seed, trainCount: settings.trainStories, validationCount: settings.validationStories,
                             testCount: settings.testStories, maxFillers: settings.maxFillers)
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        // NOTE: OpenBLAS may split a product's sums differently on another number of threads, and
        // training amplifies the last-bit differences; the portable GEMM sums in the same order on
        // any number of threads, so the same seed trains the same weights everywhere. Set for the
        // process (not per task), because kernels call GEMM from worker threads too.
        let previous = GEMM.defaultBackend
        GEMM.defaultBackend = .portable
        defer { GEMM.defaultBackend = previous }
        try runLesson(options, in: context)
    }

    static func runLesson(_ options: Options, in context: LessonContext) throws {
        let settings = Settings(options, quick: context.quick)
        var corpusGenerator = context.generator(for: "corpus")
        let corpus = corpus(settings, seed: corpusGenerator.next())
        if options.score != nil || options.fill != nil || options.generate != nil {
            return try answerQuestions(options, corpus, settings, context)
        }
        try compareObjectives(corpus, settings, context)
        let models = try trainAllThree(corpus, settings, context)
        let scores = try scoreSentences(models.clm, corpus, context)
        let fills = try fillBlanks(models, corpus, context)
        let longRange = try measureLongRange(models, corpus, settings, context)
        let exactMatch = try writeNextSentences(models.seq2seq, corpus, settings, context)
        try generateText(models.clm, corpus, context)
        try showAttention(models, corpus, context)
        try summarise(scores: scores, fills: fills, longRange: longRange, exactMatch: exactMatch, context)
    }
}
