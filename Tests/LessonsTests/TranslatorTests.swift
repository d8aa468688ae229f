// The translators of the bahdanau-translator lesson: shapes, masks (padded source words get no
// attention, padded target words no loss), batching, the data-parallel gradient, beam search
// against greedy decoding, and a checkpoint round trip.
// B = batch, S = source words, T = target words, H = hidden, A = attention width, V = vocabulary.

import Autograd
import Foundation
import Testing
import TensorCore
import TestSupport
@testable import Lessons

/// A small corpus and a small model of each kind, shared by the tests (built once).
private enum Fixture {
    static let corpus = try! TranslationCorpus.generate(seed: 11, trainCount: 400, validationCount: 20, testCount: 24, maxSourceLength: 10)

    static func configuration(_ architecture: Architecture) -> TranslatorConfiguration {
        TranslatorConfiguration(architecture: architecture, sourceVocabulary: corpus.source.count,
                                targetVocabulary: corpus.target.count, embedding: 8, hidden: 16, attention: 12)
    }

    static func model(_ architecture: Architecture, seed: UInt64 = 3) -> Translator {
        var generator = SeededGenerator(seed: seed)
        return Translator(configuration(architecture), generator: &generator)
    }

    static var pairs: [EncodedPair] {
        corpus.train.map { EncodedPair(source: corpus.source.encode($0.source), target: corpus.target.encode($0.target)) }
    }

    /// An attention model trained for a moment, so that its distributions are far from uniform
    /// and it emits <end>: beam search has something to search.
    nonisolated(unsafe) static let trained: Translator = {
        let settings = TrainingSettings(steps: 150, batchSize: 32, learningRate: 1e-2, warmupSteps: 10, clipNorm: 1, validateEvery: 1000)
        let trainer = ReplicatedTrainer(replicas: [model(.attention), model(.attention)], settings: settings)
        var generator = SeededGenerator(seed: 5)
        var batches: [[Int]] = []
        let pairs = Fixture.pairs
        for index in 0..<settings.steps {
            if batches.isEmpty { batches = bucketedBatches(pairs, size: settings.batchSize, generator: &generator) }
            _ = try! trainer.step(batches.removeLast(), pairs, index: index)
        }
        return trainer.model
    }()

    static var testSources: [[Int]] { corpus.test.map { corpus.source.encode($0.source) } }
}

@Suite struct TranslatorTests {
    // MARK: - Shapes

    @Test(arguments: Architecture.allCases)
    func shapesAtEveryBoundary(_ architecture: Architecture) throws {
        let model = Fixture.model(architecture)
        let (v, h) = (Fixture.corpus.target.count, 16)
        let sources = SourceBatch([[4, 5, 6, 7, 8], [9, 10]])
        #expect(sources.ids == [4, 5, 6, 7, 8, 9, 10, 0, 0, 0] && sources.lengths == [5, 2])
        let memory = try model.encode(sources)
        #expect(memory.initialState.shape == [2, h])
        if architecture == .attention {
            #expect(memory.keys?.shape == [2, 5, 2 * h] && memory.projectedKeys?.shape == [2, 5, 12] && memory.summary == nil)
        } else {
            #expect(memory.summary?.shape == [2, 2 * h] && memory.keys == nil)
        }
        let step = try model.step(previous: [Vocabulary.start, Vocabulary.start], state: memory.initialState, memory: memory)
        #expect(step.state.shape == [2, h])
        #expect(step.features.shape == [2, model.configuration.featureWidth])
        #expect(model.configuration.featureWidth == h + 2 * h + 8)
        #expect(try model.logits(step.features).shape == [2, v])
        #expect(step.attention?.shape == (architecture == .attention ? [2, 5] : nil))
    }

    /// A fair comparison: both have the same bidirectional encoder, bridge, decoder and readout,
    /// parameter for parameter; the attention model only adds the attention's own weights.
    @Test func modelsDifferOnlyInTheAttention() {
        func shapes(_ architecture: Architecture) -> [String: [Int]] {
            Dictionary(uniqueKeysWithValues: Fixture.model(architecture).namedParameters.map { ($0.name, $0.variable.shape) })
        }
        let baseline = shapes(.baseline), attention = shapes(.attention)
        #expect(baseline["encoder.backward.weight_hh"] == [3 * 16, 16])
        #expect(baseline["bridge.weight"] == [16, 2 * 16])
        #expect(baseline == attention.filter { !$0.key.hasPrefix("attention.") })
        #expect(attention.keys.contains { $0.hasPrefix("attention.") })
    }

    /// Teacher forcing shifts the target by one: START y₁ … y_n in, y₁ … y_n END out, PAD after.
    @Test func trainingBatchLayout() {
        let batch = TrainingBatch(sources: [[4, 5], [6]], targets: [[7, 8, 9], [10]])
        #expect(batch.steps == 4)
        #expect(batch.decoderInputs == [1, 7, 8, 9, 1, 10, 0, 0])
        #expect(batch.targets == [7, 8, 9, 2, 10, 2, 0, 0])
        #expect(batch.targetTokens == 6)
    }

    // MARK: - Masks

    /// A padded source word gets exactly zero attention, and padding a sentence (by batching it
    /// with a longer one) changes nothing of its translation's numbers.
    @Test func paddedSourceWordsGetNoAttention() throws {
        let model = Fixture.model(.attention)
        let long = [4, 5, 6, 7, 8, 9, 10], short = [11, 12, 13]
        let memory = try model.encode(SourceBatch([long, short]))
        let step = try model.step(previous: [1, 1], state: memory.initialState, memory: memory)
        let weights = try #require(step.attention)
        #expect((3..<7).allSatisfy { weights[1, $0] == 0 })
        #expect(abs((0..<3).reduce(Float(0)) { $0 + weights[1, $1] } - 1) < 1e-6)
        let alone = try model.encode(SourceBatch([short]))
        let aloneStep = try model.step(previous: [1], state: alone.initialState, memory: alone)
        expectClose(try model.logits(step.features).value.slice(axis: 0, 1..<2), try model.logits(aloneStep.features).value,
                    rtol: 1e-5, atol: 1e-6)
    }

    /// The batch loss is the mean of −log p(y_i | y_<i, x) over the real target words (END
    /// included), PAD left out: the same number as summing each sentence's log-probability on
    /// its own, unpadded, and dividing by the real word count.
    @Test(arguments: Architecture.allCases)
    func lossIgnoresPadding(_ architecture: Architecture) throws {
        let model = Fixture.model(architecture)
        let pairs = Array(Fixture.pairs.prefix(5))
        #expect(Set(pairs.map(\.target.count)).count > 1, "the targets should need padding")
        let loss = try evaluating { try model.loss(TrainingBatch(sources: pairs.map(\.source), targets: pairs.map(\.target))) }
        let total = try pairs.reduce(0.0) { $0 - (try logProbability(model, source: $1.source, target: $1.target)) }
        let words = pairs.reduce(0) { $0 + $1.target.count + 1 }
        #expect(abs(Double(loss.value.item) - total / Double(words)) < 1e-5 * total / Double(words))
        // A hand-checked case: at initialisation the model is close to uniform, loss ≈ ln V.
        #expect(abs(Double(loss.value.item) - log(Double(Fixture.corpus.target.count))) < 0.2)
    }

    // MARK: - Batching and data parallelism

    @Test func bucketsUseEveryPairOnceWithSimilarLengths() {
        let pairs = Fixture.pairs
        var generator = SeededGenerator(seed: 1)
        let batches = bucketedBatches(pairs, size: 32, generator: &generator)
        #expect(batches.flatMap { $0 }.sorted() == Array(pairs.indices))
        #expect(batches.filter { $0.count != 32 }.count <= 1)
        // Sorted by length before cutting: the batches' length ranges do not interleave.
        let ranges = batches.map { batch in batch.map { pairs[$0].source.count } }.map { ($0.min()!, $0.max()!) }.sorted { $0 < $1 }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.1 <= b.0) }
    }

    /// Two replicas, each weighting its half-batch loss by its share of the words, give the
    /// gradient of the whole batch on one model.
    @Test func replicatedGradientEqualsTheWholeBatchGradient() throws {
        let pairs = Array(Fixture.pairs.prefix(9))
        let single = Fixture.model(.attention)
        let loss = try single.loss(TrainingBatch(sources: pairs.map(\.source), targets: pairs.map(\.target)))
        loss.backward()
        let settings = TrainingSettings(steps: 1, batchSize: 9, learningRate: 1e-3, warmupSteps: 0, clipNorm: 1, validateEvery: 1)
        let trainer = ReplicatedTrainer(replicas: [Fixture.model(.attention), Fixture.model(.attention)], settings: settings)
        let replicated = try trainer.accumulateGradients(Array(pairs.indices), pairs)
        #expect(abs(replicated - loss.value.item) < 1e-5)
        for ((name, expected), actual) in zip(single.namedParameters, trainer.model.parameters) {
            let grad = try #require(actual.grad, "\(name) has no gradient")
            expectClose(grad, expected.grad!, rtol: 1e-3, atol: 1e-6)
        }
    }

    // MARK: - Decoding

    /// Beam search of width 1 is greedy decoding, word for word.
    @Test func beamOfOneIsGreedy() throws {
        let model = Fixture.trained
        let sources = Array(Fixture.testSources.prefix(8))
        let greedy = try translateGreedily(model, sources)
        for (source, expected) in zip(sources, greedy) {
            let beam = try translateWithBeam(model, source, width: 1)
            #expect(beam.tokens == expected.tokens)
            #expect(abs(beam.logProbability - expected.logProbability) < 1e-4)
        }
    }

    /// Beam search never scores worse than greedy under the model, and the scores it reports are
    /// the model's: log p(y | x) recomputed with teacher forcing agrees.
    @Test func beamNeverScoresWorseThanGreedy() throws {
        let model = Fixture.trained
        let sources = Array(Fixture.testSources.prefix(12))
        let greedy = try translateGreedily(model, sources)
        #expect(greedy.contains { $0.finished }, "the fixture model should emit <end>")
        var better = 0
        for (source, greedy) in zip(sources, greedy) {
            let beam = try translateWithBeam(model, source, width: 4, greedy: greedy)
            #expect(beam.score >= greedy.score)
            if beam.score > greedy.score { better += 1 }
            if beam.finished {
                let rescored = try logProbability(model, source: source, target: beam.tokens)
                #expect(abs(rescored - beam.logProbability) < 1e-3 * max(1, abs(rescored)))
            }
            if greedy.finished {
                let rescored = try logProbability(model, source: source, target: greedy.tokens)
                #expect(abs(rescored - greedy.logProbability) < 1e-3 * max(1, abs(rescored)))
            }
        }
        print("beam search (N = 4) beat greedy on \(better) of \(sources.count) sentences")
    }

    // MARK: - Checkpoints

    /// Weights saved and loaded into a model initialised differently translate identically.
    @Test func checkpointRoundTripGivesIdenticalTranslations() throws {
        let model = Fixture.trained
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("translator-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.saveCheckpoint(to: path, metadata: ["configuration": "test"])
        let restored = Fixture.model(.attention, seed: 99)
        let sources = Array(Fixture.testSources.prefix(6))
        #expect(try translateGreedily(restored, sources) != translateGreedily(model, sources))
        #expect(try restored.loadCheckpoint(from: path)["configuration"] == "test")
        #expect(try translateGreedily(restored, sources) == translateGreedily(model, sources))
        let beam = try sources.map { try translateWithBeam(model, $0, width: 3) }
        #expect(try sources.map { try translateWithBeam(restored, $0, width: 3) } == beam)
    }
}
