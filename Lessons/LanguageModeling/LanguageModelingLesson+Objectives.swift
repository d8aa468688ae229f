// Step 1: the three objectives side by side, and the attention masks that make them.

import Figures
import TensorCore

extension LanguageModelingLesson {
    static func compareObjectives(_ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Three ways to train a language model")
        context.say("""
            One architecture, three questions. A causal language model (CLM) reads left to right \
            and predicts the next word at every position. A masked language model (MLM) hides some \
            words and predicts them from both sides. A sequence-to-sequence model reads one sequence \
            with an encoder and writes another with a decoder that looks back at the encoder through \
            cross-attention. The difference is which positions may attend to which, and which \
            positions carry a loss. (Every matrix product of this lesson runs on the project's \
            portable GEMM, whatever --gemm says, so that the same seed trains the same weights on \
            any number of threads.)
            """)
        var table = Table(title: "The three objectives",
                          columns: ["objective", "attention mask", "what is predicted", "positions with loss", "example models"])
        try table.append(["causal (CLM)", "causal: position i sees 1…i", "the next word at every position",
                          "all", "GPT-2, GPT-3, LLaMA"])
        try table.append(["masked (MLM)", "full: every position sees every word", "the hidden words themselves",
                          "the ~15% chosen", "BERT, RoBERTa"])
        try table.append(["sequence-to-sequence", "encoder full; decoder causal + cross to encoder",
                          "the target sequence, word by word", "all target positions",
                          "LSTM encoder-decoder (2014), T5, BART"])
        try context.show(table, as: "objectives")

        var sample = Table(title: "The corpus: two-sentence stories from a grammar (a sample of the training stories)",
                           columns: ["first sentence", "next sentence"])
        for story in corpus.train.prefix(8) {
            try sample.append([story.first.joined(separator: " "), story.next.joined(separator: " ")])
        }
        try context.show(sample, as: "corpus_sample")
        context.say("""
            \(corpus.train.count) training stories, \(corpus.validation.count) validation and \
            \(corpus.test.count) test stories that never occur in training; \(corpus.vocabulary.count) \
            tokens in the vocabulary, the special ones \(WordVocabulary.specialTokens.joined(separator: " ")) first. \
            Alarm stories put 0 to \(corpus.maxFillers) filler words between the animal and the sound it makes.
            """)
        try drawMasks(context)
    }

    /// The example story of the mask figure.
    static let maskExample = Story(first: ["anna", "gave", "food", "to", "the", "cow", "."],
                                   next: ["the", "cow", "ate", "the", "food", "happily", "."])

    /// `masks.png`: CLM's causal triangle, MLM's full square, and seq2seq's three blocks (encoder
    /// self-attention, decoder causal self-attention, decoder-to-encoder cross-attention) in one
    /// figure; grey columns separate them.
    static func drawMasks(_ context: LessonContext) throws {
        let source = maskExample.first, target = ["[BOS]"] + maskExample.next.dropLast()
        let m = source.count, n = target.count
        let masks = ObjectiveMasks(source: m, target: n)
        // Columns: CLM (m) | gap | MLM (m) | gap | seq2seq keys: encoder (m) then decoder (n).
        // Rows: the source tokens (queries of the CLM, the MLM and the encoder), then the decoder's.
        let columns = m + 1 + m + 1 + m + n, rows = m + n
        var values = [Float](repeating: .nan, count: rows * columns)
        func set(_ r: Int, _ c: Int, _ allowed: Bool) { values[r * columns + c] = allowed ? 1 : 0 }
        for i in 0..<m {
            for j in 0..<m {
                set(i, j, masks.causal[i][j])
                set(i, m + 1 + j, masks.full[i][j])
                set(i, 2 * m + 2 + j, masks.encoder[i][j])
                }
            for j in 0..<n { set(i, 3 * m + 2 + j, false) }   // the encoder never sees the target
        }
        for i in 0..<n {
            for j in 0..<m { set(m + i, 2 * m + 2 + j, masks.cross[i][j]) }
            for j in 0..<n { set(m + i, 3 * m + 2 + j, masks.decoder[i][j]) }
        }
        let xLabels = source + [""] + source + [""] + source + target
        let yLabels = source + target
        let heatmap = Heatmap(values: values, rows: rows, columns: columns,
                              title: "Who may attend to whom: CLM (causal) | MLM (full) | seq2seq (encoder, decoder, cross)",
                              xLabel: "key (attended to)", yLabel: "query (attending)",
                              xTicks: .labels(xLabels), yTicks: .labels(yLabels),
                              range: 0...1, colorbarLabel: "1 = allowed", showValues: false)
        try context.save(heatmap, as: "masks", data: .tensor(Tensor(shape: [rows, columns], scalars: values)))
        context.say("""
            In masks.png, the left block is the CLM's causal triangle: each word sees itself and the \
            words before it. The middle block is the MLM's full square. The right block is the \
            encoder-decoder: the source rows see the whole source (and never the target), the target \
            rows see the whole source through cross-attention and the target only up to themselves.
            """)
    }
}
