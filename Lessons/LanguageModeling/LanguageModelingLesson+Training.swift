// Step 2: training the three models on the same stories in the same order (or reusing the
// weights a previous run cached), their held-out loss against tokens seen, and the throughput.

import Autograd
import Figures
import Foundation
import TensorCore

extension LanguageModelingLesson {
    static func trainAllThree(_ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) throws -> LanguageModels {
        context.section("Training the three models on the same stories")
        let c = settings.configuration(vocabulary: corpus.vocabulary.count)
        context.say("""
            All three have width d = \(c.width), \(c.layers) layer(s) of \(c.heads) heads and a \
            feed-forward width of \(c.hidden) (the seq2seq model has \(c.layers) encoder and \(c.layers) \
            decoder layers). Each trains for \(settings.steps) steps of the same \(settings.batchSize) \
            stories in the same order, so all three see the same tokens: Adam (peak learning rate \
            \(scientific(settings.learningRate)), warm-up, cosine decay), gradients clipped to norm \
            \(format(settings.clipNorm, 0)). The CLM reads each sentence as [BOS] sentence [EOS] and \
            predicts every next token; the MLM reads the same sequences with 15% of the words chosen \
            (80% → [MASK], 10% → a random word, 10% kept) and predicts only those; the seq2seq model \
            reads the first sentence of a story and writes the next.
            """)
        var models = try makeModels(corpus, settings, context)
        let batches = trainingBatches(corpus, settings, context)
        try trainOrReuse(&models, batches: batches, corpus, settings, context)
        let trained = models
        try plotLossCurves(trained, settings, context)
        try reportTimings(trained, context)
        return trained
    }

    /// Freshly initialised models, each from its own seeded draw.
    static func makeModels(_ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) throws -> LanguageModels {
        let c = settings.configuration(vocabulary: corpus.vocabulary.count)
        var g1 = context.generator(for: "weights.clm"), g2 = context.generator(for: "weights.mlm"), g3 = context.generator(for: "weights.seq2seq")
        return LanguageModels(clm: try CausalLanguageModel(c, generator: &g1), mlm: try TransformerEncoderModel(c, generator: &g2),
                              seq2seq: try TransformerEncoderDecoder(c, generator: &g3))
    }

    /// The stories of every step, shared by the three models: the training stories shuffled,
    /// cut into batches, reshuffled each epoch.
    static func trainingBatches(_ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) -> [[Story]] {
        var generator = context.generator(for: "batches")
        var batches: [[Story]] = []
        var order: [Int] = []
        while batches.count < settings.steps {
            if order.count < settings.batchSize {
                order = Array(corpus.train.indices)
                order.shuffle(using: &generator)
            }
            batches.append(order.suffix(settings.batchSize).map { corpus.train[$0] })
            order.removeLast(settings.batchSize)
        }
        return batches
    }

    /// Loads each model whose cached weights fit this run, and trains the others side by side,
    /// one per core, filling in their histories and, when trained, their timings.
    static func trainOrReuse(_ models: inout LanguageModels, _ objectives: [Objective] = Objective.allCases, batches: [[Story]],
                             _ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) throws {
        let vocabulary = corpus.vocabulary
        let configuration = settings.configuration(vocabulary: vocabulary.count)
        var pending: [(objective: Objective, prepared: [[PaddedBatch]], validation: [PaddedBatch])] = []
        for objective in objectives {
            var masking = context.generator(for: "mlm-masks")
            // Every batch once, up front: the MLM's chosen words are part of the data, drawn in step order.
            let prepared: [[PaddedBatch]] = try batches.map { stories in
                switch objective {
                case .clm: try clmBatch(stories, vocabulary)
                case .mlm: try mlmBatch(stories, vocabulary, generator: &masking)
                case .seq2seq: try seq2seqBatch(stories, vocabulary)
                }
            }
            models.tokensPerStep[objective] = prepared.map { $0.reduce(0) { $0 + $1.tokens } }
            if let metadata = cachedWeights(models.module(objective), file: objective.weightsFile, title: objective.title,
                                            configuration: settings.cacheKey(objective, corpus, seed: context.seed),
                                            retrain: settings.retrain, context: context) {
                models.histories[objective] = try history(from: metadata, objective)
            } else {
                pending.append((objective, prepared, try validationBatches(objective, corpus, settings, context)))
            }
        }
        guard !pending.isEmpty else { return }
        let frozen = models
        let jobs = pending.map { objective, prepared, validation in
            let model = frozen.module(objective)
            let optimizer = Adam(parameters: model.parameters, learningRate: 0)
            let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                                decay: .cosine(totalSteps: settings.steps, minimum: settings.learningRate / 20))
            let tokens = frozen.tokensPerStep[objective, default: []].reduce(0, +)
            return TrainingJob(name: objective.shortName, tokensPerStep: tokens / max(1, settings.steps),
                               validate: { try validationLoss(objective, frozen, validation) }) { step in
                model.zeroGradients()
                let batchLoss = try loss(objective, frozen, prepared[step])
                batchLoss.backward()
                clipGradientNorm(model.parameters, maxNorm: settings.clipNorm)
                optimizer.learningRate = schedule.rate(atStep: step)
                optimizer.step()
                return batchLoss.value.item
            }
        }
        fflush(nil)   // the progress bar writes to standard error: print what came before first
        let histories = try trainSideBySide(steps: settings.steps, label: pending.map(\.objective.shortName).joined(separator: " + "),
                                            validateEvery: settings.validateEvery, jobs: jobs)
        for ((objective, _, _), history) in zip(pending, histories) {
            _ = try saveTrainedWeights(models.module(objective), file: objective.weightsFile,
                                       configuration: settings.cacheKey(objective, corpus, seed: context.seed),
                                       metadata: history.metadata, context: context)
            models.histories[objective] = history
            models.timings[objective] = (history.seconds, models.tokensPerStep[objective, default: []].reduce(0, +),
                                         forwardFLOPsPerToken(objective, configuration))
        }
    }

    /// The loss curves saved with cached weights.
    static func history(from metadata: [String: String], _ objective: Objective) throws -> TrainingHistory {
        guard let history = TrainingHistory(metadata: metadata) else {
            throw LessonError("\(objective.weightsFile) has no loss curves in its metadata; run again with --retrain")
        }
        return history
    }

    /// Fixed held-out batches (the MLM's chosen words drawn once, the same every run).
    static func validationBatches(_ objective: Objective, _ corpus: StoryCorpus, _ settings: Settings,
                                  _ context: LessonContext) throws -> [PaddedBatch] {
        var masking = context.generator(for: "validation-masks")
        return try stride(from: 0, to: corpus.validation.count, by: settings.batchSize).flatMap { start in
            let stories = Array(corpus.validation[start..<min(start + settings.batchSize, corpus.validation.count)])
            switch objective {
            case .clm: return try clmBatch(stories, corpus.vocabulary)
            case .mlm: return try mlmBatch(stories, corpus.vocabulary, generator: &masking)
            case .seq2seq: return try seq2seqBatch(stories, corpus.vocabulary)
            }
        }
    }

    /// The mean loss per target over the held-out batches.
    static func validationLoss(_ objective: Objective, _ models: LanguageModels, _ batches: [PaddedBatch]) throws -> Float {
        try evaluating {
            var total = 0.0, count = 0
            for batch in batches {
                let targets = batch.targetCount
                guard targets > 0 else { continue }
                total += Double(try loss(objective, models, batch).value.item) * Double(targets)
                count += targets
            }
            return Float(total / Double(max(1, count)))
        }
    }

    // MARK: - Figures and tables

    /// Validation loss of the three against tokens seen, and `loss_curves.csv`.
    static func plotLossCurves(_ models: LanguageModels, _ settings: Settings, _ context: LessonContext) throws {
        var chart = LineChart(title: "Held-out loss of the three objectives against tokens seen", xLabel: "tokens seen",
                              yLabel: "cross-entropy (nats per predicted token)", series: [])
        chart.yScale = .log
        var data = Table(columns: ["model", "step", "tokens_seen", "train_loss", "validation_loss"])
        for (index, objective) in Objective.allCases.enumerated() {
            guard let history = models.histories[objective], let perStep = models.tokensPerStep[objective] else { continue }
            var seen: [Double] = [], losses: [Double] = [], previous = 0
            for (step, loss) in history.validation {
                let tokens = perStep.prefix(step).reduce(0, +)
                let window = history.losses[previous..<min(step, history.losses.count)]
                let trainMean = window.isEmpty ? Float.nan : window.reduce(0, +) / Float(window.count)
                previous = step
                seen.append(Double(tokens))
                losses.append(Double(loss))
                try data.append([objective.rawValue, "\(step)", "\(tokens)", "\(trainMean)", "\(loss)"])
            }
            chart.series.append(Series(name: objective.title, x: seen, y: losses, symbol: .circle, color: Color.series(index)))
        }
        try context.save(chart, as: "loss_curves", data: .table(data))
        let finals = Objective.allCases.compactMap { o in models.histories[o]?.validation.last.map { "\(o.title) \(format($0.loss, 3))" } }
        context.say("""
            Final held-out loss (nats per predicted token): \(finals.joined(separator: ", ")). The \
            numbers answer different questions, so compare their shapes, not their heights. Per pass \
            over a story the MLM is taught at only ~15% of its positions while the CLM is taught at \
            all of them, which is why masked pre-training needs more text for the same signal \
            (ELECTRA's motivation); in exchange each of its guesses sees both sides.
            """)
    }

    /// Throughput and model-FLOPs utilisation of the models trained in this run.
    static func reportTimings(_ models: LanguageModels, _ context: LessonContext) throws {
        guard !models.timings.isEmpty else {
            context.say("All three models came from the cache, so nothing was timed in this run.")
            return
        }
        let table = try trainingTimeTable(Objective.allCases.map { objective in
            let t = models.timings[objective]
            return TrainingTiming(name: objective.title, parameters: models.module(objective).parameterCount,
                                  run: t.map { ($0.seconds, $0.tokens) }, forwardFLOPsPerToken: t?.flopsPerToken ?? 0)
        }, sideBySide: true)
        try context.show(table, as: "training")
        let together = models.timings.count > 1 ? """
            The models trained side by side, each on its own core (a model this small cannot keep \
            two cores busy with its own products), so a row's seconds are those of the whole set and \
            its rate is its own share; the last row adds them up.
            """ : ""
        context.say(together + (together.isEmpty ? "" : " ") + """
            Model FLOPs count the matrix \
            products of forward and backward (3× the forward's); small models like these spend much \
            of a step outside those products — norms, softmax, the tape's bookkeeping — and in short, \
            thin products, so the utilisation is far below a large model's.
            """)
    }
}
