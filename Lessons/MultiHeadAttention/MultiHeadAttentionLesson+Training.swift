// Step 5: a model trained here to say what "it" means, beside a baseline that cannot see the
// adjective and a one-head model of the same width; their held-out accuracy and curves.

import Autograd
import Figures
import Foundation
import TensorCore

/// The three trained models of step 5, with their curves.
struct ReferentModels {
    var multiHead: ReferentModel, baseline: ReferentModel, oneHead: ReferentModel
    var histories: [MultiHeadAttentionLesson.Variant: TrainingHistory] = [:]
    /// Held-out accuracy at each validation step.
    var accuracyCurves: [MultiHeadAttentionLesson.Variant: [(step: Int, accuracy: Double)]] = [:]
    var timings: [MultiHeadAttentionLesson.Variant: (seconds: Double, tokens: Int)] = [:]

    /// The loss and accuracy curves of `variant`, from its checkpoint's metadata.
    mutating func record(_ variant: MultiHeadAttentionLesson.Variant, _ metadata: [String: String]) throws {
        guard let history = TrainingHistory(metadata: metadata) else {
            throw LessonError("\(variant.rawValue).safetensors has no loss curves in its metadata; run again with --retrain")
        }
        histories[variant] = history
        accuracyCurves[variant] = (metadata["accuracy"] ?? "").split(separator: ",").compactMap { entry in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let step = Int(parts[0]), let accuracy = Double(parts[1]) else { return nil }
            return (step, accuracy)
        }
    }

    func model(_ variant: MultiHeadAttentionLesson.Variant) -> ReferentModel {
        switch variant {
        case .multiHead: multiHead
        case .baseline: baseline
        case .oneHead: oneHead
        }
    }
}

extension MultiHeadAttentionLesson {
    static func trainReferentModels(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws -> ReferentModels {
        context.section("A model that resolves \"it\"")
        let example = corpus.train.prefix(4).map { $0.tokens.joined(separator: " ") + "   → " + $0.referent }
        context.say("""
            The corpus comes from a grammar of our own: "the <animal> <verb> the <thing> because it was \
            <adjective>", also in the passive ("the <thing> was <verb-ed> by the <animal> …"), with \
            openings, colours and "very" thrown in. Only the adjective decides what "it" means: \
            \(ReferentGrammar.animalAdjectives.joined(separator: ", ")) → the animal; \
            \(ReferentGrammar.thingAdjectives.joined(separator: ", ")) → the thing. \
            \(corpus.trainPairs.count) (animal, thing) pairs are used for training and \
            \(corpus.heldOutPairs.count) are held out, "cat" with "milk" among them: the held-out \
            sentences pair nouns the model never read together. A few training sentences:
            """)
        for line in example { context.say("    " + line) }
        let c = settings.configuration(vocabulary: corpus.vocabulary.count)
        context.say("""
            The model is a transformer encoder of \(c.layers) layer(s), d = \(c.width), \(c.heads) heads of \
            width \(c.width / c.heads), feed-forward width \(c.hidden). At the position of "it" it must write \
            the noun "it" means; its answer is whichever of the nouns before "it" gets the higher \
            probability. Two more models train the same way on the same batches: a baseline whose "it" \
            may look only at the words before "because" (and those only at each other), so no layer \
            can bring the adjective to "it"; and a model with one head of width \(c.width) instead of \
            \(c.heads) heads of width \(c.width / c.heads).
            """)
        var models = try makeModels(corpus, settings, context)
        let batches = try trainingBatches(corpus, settings, context)
        try trainOrReuse(&models, batches: batches, corpus, settings, context)
        try reportAccuracy(models, corpus, context)
        try plotCurves(models, settings, context)
        try reportTimings(models, context)
        return models
    }

    /// Freshly initialised models: the baseline starts from the same weights as the main model.
    static func makeModels(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws -> ReferentModels {
        let v = corpus.vocabulary.count
        var g1 = context.generator(for: "weights"), g2 = context.generator(for: "weights"), g3 = context.generator(for: "weights.one-head")
        return ReferentModels(
            multiHead: try ReferentModel(settings.configuration(vocabulary: v), vocabulary: corpus.vocabulary, restricted: false, generator: &g1),
            baseline: try ReferentModel(settings.configuration(vocabulary: v), vocabulary: corpus.vocabulary, restricted: true, generator: &g2),
            oneHead: try ReferentModel(settings.configuration(vocabulary: v, heads: 1), vocabulary: corpus.vocabulary, restricted: false,
                                       generator: &g3))
    }

    /// The batches of every step (shared by the three models), in a seeded order.
    static func trainingBatches(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws -> [ReferentBatch] {
        var generator = context.generator(for: "batches")
        var order: [Int] = []
        return try (0..<settings.steps).map { _ in
            if order.count < settings.batchSize {
                order = Array(corpus.train.indices)
                order.shuffle(using: &generator)
            }
            defer { order.removeLast(settings.batchSize) }
            return try ReferentBatch(order.suffix(settings.batchSize).map { corpus.train[$0] }, corpus.vocabulary)
        }
    }

    /// Loads each model whose cached weights fit this run and trains the others side by side, one
    /// per core, on the same batches.
    static func trainOrReuse(_ models: inout ReferentModels, _ variants: [Variant] = Variant.allCases, batches: [ReferentBatch],
                             _ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {
        let heldOut = try stride(from: 0, to: corpus.heldOut.count, by: 256).map {
            try ReferentBatch(Array(corpus.heldOut[$0..<min($0 + 256, corpus.heldOut.count)]), corpus.vocabulary)
        }
        func file(_ variant: Variant) -> String { "\(variant.rawValue).safetensors" }
        var pending: [Variant] = []
        for variant in variants {
            if let metadata = cachedWeights(models.model(variant).encoder, file: file(variant), title: "The \(variant.title) model",
                                            configuration: settings.cacheKey(variant, corpus, seed: context.seed),
                                            retrain: settings.retrain, context: context) {
                try models.record(variant, metadata)
            } else {
                pending.append(variant)
            }
        }
        guard !pending.isEmpty else { return }
        let tokens = batches.reduce(0) { $0 + $1.lengths.reduce(0, +) }
        /// Held-out accuracy at each validation of one model.
        final class Curve { var points: [(step: Int, accuracy: Double)] = [] }
        let curves = pending.map { _ in Curve() }
        let jobs = zip(pending, curves).map { variant, curve in
            let model = models.model(variant)
            let parameters = model.encoder.parameters
            let optimizer = Adam(parameters: parameters, learningRate: 0)
            let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                                decay: .cosine(totalSteps: settings.steps, minimum: settings.learningRate / 20))
            return TrainingJob(name: variant.rawValue.replacingOccurrences(of: "_", with: "-"),
                               tokensPerStep: tokens / max(1, settings.steps),
                               validate: {
                                   curve.points.append(((curve.points.count + 1) * settings.validateEvery,
                                                        try model.accuracy(corpus.heldOut)))
                                   return try evaluating { try heldOutLoss(model, heldOut) }
                               }) { step in
                model.encoder.zeroGradients()
                let loss = try model.loss(batches[step])
                loss.backward()
                clipGradientNorm(parameters, maxNorm: settings.clipNorm)
                optimizer.learningRate = schedule.rate(atStep: step)
                optimizer.step()
                return loss.value.item
            }
        }
        fflush(nil)   // the progress bar writes to standard error: print what came before first
        let histories = try trainSideBySide(steps: settings.steps, label: jobs.map(\.name).joined(separator: " + "),
                                            validateEvery: settings.validateEvery, jobs: jobs)
        for ((variant, curve), history) in zip(zip(pending, curves), histories) {
            var metadata = history.metadata
            metadata["accuracy"] = zip(history.validation, curve.points).map { "\($0.step):\($1.accuracy)" }.joined(separator: ",")
            metadata = try saveTrainedWeights(models.model(variant).encoder, file: file(variant),
                                              configuration: settings.cacheKey(variant, corpus, seed: context.seed),
                                              metadata: metadata, context: context)
            models.timings[variant] = (history.seconds, tokens)
            try models.record(variant, metadata)
        }
    }

    /// The mean loss at "it" over the held-out batches.
    static func heldOutLoss(_ model: ReferentModel, _ batches: [ReferentBatch]) throws -> Float {
        var total = 0.0, count = 0
        for batch in batches {
            total += Double(try model.loss(batch).value.item) * Double(batch.sentences.count)
            count += batch.sentences.count
        }
        return Float(total / Double(max(1, count)))
    }

    // MARK: - Tables and figures

    static func reportAccuracy(_ models: ReferentModels, _ corpus: ReferentCorpus, _ context: LessonContext) throws {
        var table = Table(title: "Share of sentences where the model picks the noun \"it\" means",
                          columns: ["model", "split", "accuracy"])
        let trainSample = Array(corpus.train.prefix(corpus.heldOut.count))
        var heldOut: [Variant: Double] = [:]
        for variant in Variant.allCases {
            let model = models.model(variant)
            let onTrain = try model.accuracy(trainSample), onHeldOut = try model.accuracy(corpus.heldOut)
            heldOut[variant] = onHeldOut
            try table.append([variant.rawValue, "train", format(onTrain, 4)])
            try table.append([variant.rawValue, "held-out pairs", format(onHeldOut, 4)])
        }
        try context.show(table, as: "accuracy")
        context.say("""
            On noun pairs it never read together, the model with \(models.multiHead.encoder.configuration.heads) heads \
            picks the right noun in \(format(100 * heldOut[.multiHead]!, 1))% of the sentences. The baseline, \
            whose "it" never receives the adjective, scores \(format(100 * heldOut[.baseline]!, 1))%: without \
            the adjective the two nouns are equally likely answers, so it can do no better than a coin. \
            Attention is what carries "hungry" or "sweet" to "it".
            """)
    }

    static func plotCurves(_ models: ReferentModels, _ settings: Settings, _ context: LessonContext) throws {
        var chart = LineChart(title: "Held-out loss and accuracy while training", xLabel: "training step",
                              yLabel: "cross-entropy at \"it\" (nats) / accuracy", series: [])
        var data = Table(columns: ["model", "step", "train_loss", "heldout_loss", "heldout_accuracy"])
        for (index, variant) in Variant.allCases.enumerated() {
            guard let history = models.histories[variant] else { continue }
            let accuracy = Dictionary(models.accuracyCurves[variant, default: []].map { ($0.step, $0.accuracy) }, uniquingKeysWith: { $1 })
            var previous = 0
            for (step, loss) in history.validation {
                let window = history.losses[previous..<min(step, history.losses.count)]
                previous = step
                let trainMean = window.isEmpty ? Float.nan : window.reduce(0, +) / Float(window.count)
                try data.append([variant.rawValue, "\(step)", "\(trainMean)", "\(loss)", accuracy[step].map { "\($0)" } ?? ""])
            }
            let steps = history.validation.map { Double($0.step) }
            chart.series.append(Series(name: "\(variant.title): loss", x: steps, y: history.validation.map { Double($0.loss) },
                                       symbol: .circle, color: Color.series(index)))
            let curve = models.accuracyCurves[variant, default: []]
            chart.series.append(Series(name: "\(variant.title): accuracy", x: curve.map { Double($0.step) }, y: curve.map(\.accuracy),
                                       style: .dashed, symbol: .square, color: Color.series(index)))
        }
        try context.save(chart, as: "loss_curves", data: .table(data))
    }

    static func reportTimings(_ models: ReferentModels, _ context: LessonContext) throws {
        guard !models.timings.isEmpty else {
            context.say("All three models came from the cache, so nothing was timed in this run.")
            return
        }
        let table = try trainingTimeTable(Variant.allCases.map { variant in
            let encoder = models.model(variant).encoder
            return TrainingTiming(name: variant.rawValue, parameters: encoder.parameterCount, run: models.timings[variant],
                                  forwardFLOPsPerToken: encoderForwardFLOPsPerToken(encoder.configuration))
        }, sideBySide: true)
        try context.show(table, as: "training")
        if models.timings.count > 1 {
            context.say("""
                The models trained side by side, each on its own core, so a row's seconds are those of \
                the whole set and its rate is its own share; the last row adds them up.
                """)
        }
    }
}
