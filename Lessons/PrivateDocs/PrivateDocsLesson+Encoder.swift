// Steps 3 and 4: training the built-in sentence encoder contrastively (or reusing its cached
// weights), then what its vectors show that ids cannot: similar meanings, similar vectors.

import Autograd
import Figures
import Foundation
import TensorCore

extension PrivateDocsLesson {
    /// The built-in encoder, trained here or loaded from `encoder.safetensors`, with its loss curve.
    static func trainEncoder(_ tokenizer: WordPieceTokenizer, _ documents: [Document], _ settings: Settings,
                             _ context: LessonContext) throws -> BuiltInEmbedder {
        context.section("Training the built-in sentence encoder")
        context.say("""
            An embedding model maps a whole text to one vector so that texts with the same meaning \
            get vectors pointing the same way. Ours: the token ids go through an embedding table, \
            sinusoidal positions, \(settings.layers) transformer encoder layer(s) of width \(settings.width) \
            with \(settings.heads) heads, and the mean over the tokens, scaled to length 1. It learns \
            from pairs of texts that mean the same thing: \(settings.steps) steps of \(settings.batchSize) \
            pairs, mostly written by a small grammar of our own that words the same request in \
            different ways ("apartment" / "flat", "vacation" / "days off"), plus lines of the documents \
            (a third of their words dropped) beside the passage of up to four lines around them. The loss (InfoNCE) asks each text to pick \
            its partner out of the whole batch by cosine similarity: the batch's other texts are the \
            negatives.
            """)
        let (embedder, history) = try trainedEncoder(tokenizer, documents, settings, context)
        if let history { try plotEncoderLoss(history, batchSize: settings.batchSize, context) }
        return embedder
    }

    /// Trains (or reloads) the encoder; also used by the tool mode. Returns the loss curves when known.
    static func trainedEncoder(_ tokenizer: WordPieceTokenizer, _ documents: [Document], _ settings: Settings,
                               _ context: LessonContext) throws -> (BuiltInEmbedder, TrainingHistory?) {
        var weights = context.generator(for: "weights")
        let encoder = try SentenceEncoder(vocabulary: tokenizer.count, width: settings.width, heads: settings.heads,
                                          layers: settings.layers, context: settings.context, generator: &weights)
        let documentLines = documents.map { $0.lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let lines = documentLines.flatMap { $0 }
        var pairGenerator = context.generator(for: "pairs")
        let documentCount = settings.trainingPairs * 3 / 10
        var pairs = ParaphraseGrammar.grammarPairs(count: settings.trainingPairs - documentCount, generator: &pairGenerator)
            + ParaphraseGrammar.documentPairs(documentLines, count: documentCount, generator: &pairGenerator)
        pairs.shuffle(using: &pairGenerator)
        var validationGenerator = context.generator(for: "validation-pairs")
        let validation = ParaphraseGrammar.grammarPairs(count: settings.validationPairs, generator: &validationGenerator)
        let configuration = "format=1 seed=\(context.seed) vocabulary=\(fingerprint(tokenizer.pieces)) documents=\(fingerprint(lines)) "
            + "width=\(settings.width) layers=\(settings.layers) heads=\(settings.heads) context=\(settings.context) "
            + "steps=\(settings.steps) batch=\(settings.batchSize) lr=\(settings.learningRate) temperature=\(settings.temperature)"
        let batch = settings.batchSize
        let cache = WordPieceTokenizer.WordCache()
        func loss(_ pairs: ArraySlice<(String, String)>) throws -> Variable {
            // Each side padded on its own: the short texts do not pay for the long passages' padding.
            let a = paddedBatch(pairs.map(\.0), tokenizer, maxTokens: settings.context, cache: cache)
            let b = paddedBatch(pairs.map(\.1), tokenizer, maxTokens: settings.context, cache: cache)
            return try contrastiveLoss(encoder(a.ids, lengths: a.lengths), encoder(b.ids, lengths: b.lengths),   // [B, d] each
                                       temperature: settings.temperature)
        }
        let (metadata, _) = try trainOrReuseWeights(
            encoder, file: "encoder.safetensors", title: "Built-in encoder", configuration: configuration,
            retrain: settings.retrain, context: context
        ) {
            let optimizer = Adam(parameters: encoder.parameters, learningRate: 0)
            let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: min(30, settings.steps / 10),
                                                decay: .cosine(totalSteps: settings.steps, minimum: settings.learningRate / 20))
            let history = try train(steps: settings.steps, label: "encoder", validateEvery: max(1, settings.steps / 10),
                                    validate: {
                                        try evaluating {
                                            let losses = try stride(from: 0, to: validation.count, by: batch).map {
                                                try loss(validation[$0..<min($0 + batch, validation.count)]).value.item
                                            }
                                            return losses.reduce(0, +) / Float(max(1, losses.count))
                                        }
                                    }) { step in
                encoder.zeroGradients()
                let batchLoss = try loss(pairs[step * batch..<(step + 1) * batch])
                batchLoss.backward()
                clipGradientNorm(encoder.parameters, maxNorm: 1)
                optimizer.learningRate = schedule.rate(atStep: step)
                optimizer.step()
                return batchLoss.value.item
            }
            return history.metadata
        }
        return (BuiltInEmbedder(encoder: encoder, tokenizer: tokenizer, maxTokens: settings.context), TrainingHistory(metadata: metadata))
    }

    static func plotEncoderLoss(_ history: TrainingHistory, batchSize: Int, _ context: LessonContext) throws {
        var data = Table(columns: ["step", "train_loss", "validation_loss"])
        let validation = Dictionary(history.validation.map { ($0.step, $0.loss) }, uniquingKeysWith: { a, _ in a })
        for (i, loss) in history.losses.enumerated() {
            try data.append(["\(i + 1)", "\(loss)", validation[i + 1].map { "\($0)" } ?? ""])
        }
        let chart = LineChart(
            title: "Contrastive loss of the built-in encoder", xLabel: "step", yLabel: "InfoNCE loss (nats)",
            series: [Series(name: "training batch", x: history.losses.indices.map { Double($0 + 1) }, y: history.losses.map(Double.init)),
                     Series(name: "held-out pairs", x: history.validation.map { Double($0.step) }, y: history.validation.map { Double($0.loss) },
                            symbol: .circle)])
        try context.save(chart, as: "encoder_loss", data: .table(data))
        if let first = history.validation.first, let last = history.validation.last {
            context.say("""
                Held-out loss fell from \(format(first.loss, 2)) to \(format(last.loss, 2)) nats; picking the \
                partner at random out of a batch of \(batchSize) would cost ln \(batchSize) = \(format(log(Double(batchSize)), 2)).
                """)
        }
    }

    /// Token vectors of "Frog on a log.", and ten words compared by id and by embedding.
    static func showVectors(_ model: BuiltInEmbedder, _ context: LessonContext) throws {
        context.section("From ids to vectors: embeddings carry meaning")
        let ids = model.tokenizer.encode("Frog on a log.")
        let dimensions = min(16, model.encoder.width)
        let table = model.encoder.embed.weight.value
        var values: [Float] = []
        for id in ids { values += try table.row(id).scalars.prefix(dimensions) }
        let vectors = try Tensor(shape: [ids.count, dimensions], scalars: values)
        let heatmap = Heatmap(values: values, rows: ids.count, columns: dimensions,
                              title: "\"Frog on a log.\": each token's input vector (first \(dimensions) dimensions)",
                              xLabel: "dimension", yLabel: "token", yTicks: .labels(model.tokenizer.decode(ids)),
                              colormap: .diverging, colorbarLabel: "value")
        try context.save(heatmap, as: "frog_vectors", data: .tensor(vectors))
        context.say("""
            Each id picks one row of the embedding table: a vector of \(model.encoder.width) learned numbers. \
            The encoder then mixes the vectors of a sentence with attention and averages them into one.
            """)

        let words = ["flat", "apartment", "holiday", "vacation", "doctor", "physician", "kidney", "renal", "rent", "deposit"]
        let wordIDs = words.map { model.tokenizer.encode($0)[1] }                    // the first piece after [CLS]
        let v = Double(model.tokenizer.count - 1)
        var byID: [Float] = []
        for a in wordIDs { for b in wordIDs { byID.append(Float(1 - Double(abs(a - b)) / v)) } }
        let byEmbedding = try cosineSimilarity(model.embed(words), model.embed(words))
        let n = words.count
        try context.save(Heatmap(values: byID, rows: n, columns: n, title: "Ten words by id: 1 − |id difference| / vocabulary size",
                                 xTicks: .labels(words), yTicks: .labels(words), range: 0...1, colorbarLabel: "closeness of ids"),
                         as: "similarity_by_id", data: .tensor(try Tensor(shape: [n, n], scalars: byID)))
        try context.save(Heatmap(values: byEmbedding.scalars, rows: n, columns: n, title: "Ten words by cosine of their embeddings",
                                 xTicks: .labels(words), yTicks: .labels(words), colormap: .diverging, range: -1...1,
                                 colorbarLabel: "cosine similarity"),
                         as: "similarity_by_embedding", data: .tensor(byEmbedding))
        let s = byEmbedding.scalars
        let synonyms = stride(from: 0, to: n, by: 2).map { Double(s[$0 * n + $0 + 1]) }
        var others: [Double] = []
        for i in 0..<n { for j in 0..<n where i != j && i / 2 != j / 2 { others.append(Double(s[i * n + j])) } }
        context.say("""
            Ids say nothing about meaning: "flat" is piece \(wordIDs[0]) and "apartment" piece \(wordIDs[1]), \
            and how close two ids are depends only on when the tokenizer made them. The embeddings put the five synonym pairs at a mean cosine of \
            \(format(synonyms.reduce(0, +) / Double(synonyms.count), 2)), the unrelated pairs at \
            \(format(others.reduce(0, +) / Double(others.count), 2)).
            """)
    }
}
