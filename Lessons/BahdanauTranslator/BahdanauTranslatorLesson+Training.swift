// Step 2: training both translators (or loading the weights a previous run cached), the loss
// curves, and where the time went.

import ArgumentParser
import Autograd
import Figures
import Foundation
import TensorCore

/// The two trained translators.
struct TrainedTranslators {
    let baseline: Translator, attention: Translator
    subscript(_ architecture: Architecture) -> Translator { architecture == .baseline ? baseline : attention }
}

extension BahdanauTranslatorLesson {
    static func trainBothTranslators(_ corpus: TranslationCorpus, _ settings: Settings, _ context: LessonContext) throws -> TrainedTranslators {
        context.section("Training both translators with teacher forcing")
        let train = encode(corpus.train, corpus), validation = encode(corpus.validation, corpus)
        let t = settings.training
        context.say("""
            Both models embed words in \(settings.embedding) dimensions, use GRUs of width \
            H = \(settings.hidden), and read the English sentence with the same encoder, in both \
            directions. The RNN encoder-decoder hands the decoder one fixed vector c: the forward \
            state after the last word beside the backward state after the first, \
            \(2 * settings.hidden) numbers, the same at every step. The Bahdanau model keeps all the \
            \(2 * settings.hidden)-wide states and before every French word computes fresh weights α \
            over them (score = vᵀ tanh(W₁s + W₂h), width \(settings.attention)); nothing else \
            differs. Training feeds the decoder the reference's previous word \
            (teacher forcing) and minimises the cross-entropy of the next one, ignoring <pad>: \
            \(t.steps) steps of \(t.batchSize) pairs in batches of similar length, Adam (peak \
            learning rate \(scientific(t.learningRate)), warm-up, cosine decay), gradients clipped \
            to norm \(format(t.clipNorm, 0)). Two replicas of each model take half a batch each, one per core.
            """)
        var models: [Translator] = [], records: [TrainingRecord?] = [], histories: [LossHistory] = []
        for architecture in Architecture.allCases {
            let (model, record, history) = try trainOrLoad(architecture, train: train, validation: validation, corpus, settings, context)
            models.append(model)
            records.append(record)
            histories.append(history)
        }
        let trained = TrainedTranslators(baseline: models[0], attention: models[1])
        try plotLossCurves(histories, context)
        try reportTimings(trained, records, context)
        return trained
    }

    /// Sentence pairs as ids.
    static func encode(_ pairs: [TranslationPair], _ corpus: TranslationCorpus) -> [EncodedPair] {
        pairs.map { EncodedPair(source: corpus.source.encode($0.source), target: corpus.target.encode($0.target)) }
    }

    // MARK: - The weight cache

    /// Everything the trained weights depend on, as one line: when it matches the cached file's,
    /// the weights are reused.
    ///
    /// That includes the GEMM backend: backends add up a product's terms in different orders, so
    /// they train to slightly different weights. The portable GEMM's order does not depend on the
    /// thread count; a library's (OpenBLAS, Accelerate) may, so for those the count is part of the
    /// key too.
    static func cacheKey(_ configuration: TranslatorConfiguration, _ corpus: TranslationCorpus, _ settings: Settings, seed: UInt64) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325   // FNV-1a of the training pairs
        for pair in corpus.train {
            for byte in (pair.source.joined(separator: " ") + "\t" + pair.target.joined(separator: " ") + "\n").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
            }
        }
        let t = settings.training
        let backend = GEMM.currentBackend
        let gemm = backend == .portable ? "gemm=portable" : "gemm=\(backend.rawValue) threads=\(Parallel.threadCount)"
        return "format=2 architecture=\(configuration.architecture.rawValue) seed=\(seed) corpus=\(String(hash, radix: 16)) "
            + "pairs=\(corpus.train.count)/\(corpus.validation.count)/\(corpus.test.count) "
            + "vocabulary=\(configuration.sourceVocabulary)/\(configuration.targetVocabulary) "
            + "embedding=\(configuration.embedding) hidden=\(configuration.hidden) attention=\(configuration.attention) "
            + "steps=\(t.steps) batch=\(t.batchSize) lr=\(t.learningRate) warmup=\(t.warmupSteps) clip=\(t.clipNorm) "
            + "validate_every=\(t.validateEvery) replicas=\(Settings.replicas) \(gemm)"
    }

    /// The cached weights of `architecture` when they exist and were trained with the same key;
    /// otherwise a freshly trained model, saved for next time.
    static func trainOrLoad(
        _ architecture: Architecture, train: [EncodedPair], validation: [EncodedPair], _ corpus: TranslationCorpus,
        _ settings: Settings, _ context: LessonContext
    ) throws -> (Translator, TrainingRecord?, LossHistory) {
        let configuration = settings.model(architecture, corpus)
        let key = cacheKey(configuration, corpus, settings, seed: context.seed)
        let file = "\(architecture.fileName).safetensors"
        let path = context.pathInOutput(file)
        // Every replica starts from the same draw; `ReplicatedTrainer` then shares the first one's weights.
        let initial = context.generator(for: "weights.\(architecture.rawValue)")
        let replicas = (0..<Settings.replicas).map { _ in
            var generator = initial
            return Translator(configuration, generator: &generator)
        }
        let model = replicas[0]
        if !settings.retrain, FileManager.default.fileExists(atPath: path) {
            do {
                let cached = try loadCheckpointMetadata(path)
                if cached["configuration"] == key, let history = LossHistory(architecture, metadata: cached) {
                    try model.loadCheckpoint(from: path)
                    context.say("""
                        \(architecture.title): reusing the weights in \(file), trained earlier with the same \
                        settings, seed and GEMM backend (--retrain trains again).
                        """)
                    return (model, nil, history)
                }
                let differing = differences(cached["configuration"] ?? "", key)
                let reason = differing.isEmpty ? "holds no loss history"
                    : "holds weights trained with other settings (different \(differing.joined(separator: ", ")))"
                context.say("\(architecture.title): \(file) \(reason); training again.")
            } catch {
                context.say("\(architecture.title): cannot use \(file) (\(error)); training again.")
            }
        }
        fflush(nil)   // the progress bar writes to standard error: print what came before first
        var batches = context.generator(for: "batches.\(architecture.rawValue)")
        let trainer = ReplicatedTrainer(replicas: replicas, settings: settings.training)
        let record = try trainer.train(train, validation: validation, label: architecture.title, generator: &batches)
        let metadata = [
            "configuration": key,
            "losses": record.losses.map { "\($0)" }.joined(separator: ","),
            "validation": record.validation.map { "\($0.step):\($0.loss)" }.joined(separator: ","),
        ]
        try context.writeFile(file) { try model.saveCheckpoint(to: $0, metadata: metadata) }
        return (model, record, LossHistory(architecture: architecture, losses: record.losses, validation: record.validation))
    }

    /// The names whose values differ between two cache keys ("name=value" words), in the order
    /// of `key`, then those only `cached` has.
    static func differences(_ cached: String, _ key: String) -> [String] {
        func fields(_ line: String) -> [(name: Substring, value: Substring)] {
            line.split(separator: " ").map { word in
                let parts = word.split(separator: "=", maxSplits: 1)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }
        }
        let old = Dictionary(fields(cached), uniquingKeysWith: { a, _ in a })
        let new = fields(key)
        let names = Set(new.map(\.name))
        return new.filter { old[$0.name] != $0.value }.map { String($0.name) }
            + fields(cached).filter { !names.contains($0.name) }.map { String($0.name) }
    }

    /// Stops before anything is trained when a checkpoint's path is taken by a folder: the
    /// weights could not be saved there after training.
    static func checkCheckpointPaths(_ context: LessonContext) throws {
        for architecture in Architecture.allCases {
            let path = context.pathInOutput("\(architecture.fileName).safetensors")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                // Refused before anything is written, like a bad option: exit 64.
                throw ValidationError("\(path) is a folder, so the trained weights cannot be saved there; remove it or choose another --output")
            }
        }
    }

    /// The metadata of a checkpoint; throws when the file cannot be read or is damaged (the
    /// decoder checks its structure and the checksum of its data).
    static func loadCheckpointMetadata(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LessonError("\(path) cannot be read") }
        return try Safetensors.decode([UInt8](data), path: path).metadata
    }

    /// The loss curves of a training run, also kept in its checkpoint's metadata.
    struct LossHistory {
        let architecture: Architecture
        let losses: [Float]
        let validation: [(step: Int, loss: Float)]

        init(architecture: Architecture, losses: [Float], validation: [(step: Int, loss: Float)]) {
            (self.architecture, self.losses, self.validation) = (architecture, losses, validation)
        }

        /// From the metadata `trainOrLoad` writes ("losses": "l1,l2,…", "validation": "step:loss,…").
        init?(_ architecture: Architecture, metadata: [String: String]) {
            guard let losses = metadata["losses"]?.split(separator: ",").compactMap({ Float($0) }),
                  let validation = metadata["validation"]?.split(separator: ",").compactMap({ entry -> (Int, Float)? in
                      let parts = entry.split(separator: ":")
                      guard parts.count == 2, let step = Int(parts[0]), let loss = Float(parts[1]) else { return nil }
                      return (step, loss)
                  }), !losses.isEmpty else { return nil }
            self.init(architecture: architecture, losses: losses, validation: validation.map { (step: $0.0, loss: $0.1) })
        }
    }

    // MARK: - Figures and tables

    /// Training loss (a running mean) and validation loss of both models on one log-scale chart.
    static func plotLossCurves(_ histories: [LossHistory], _ context: LessonContext) throws {
        let steps = histories.map(\.losses.count).max() ?? 0
        let window = max(1, steps / 100)
        var chart = LineChart(title: "Cross-entropy per French word while training",
                              xLabel: "training step",
                              yLabel: window > 1 ? "loss (nats per word; training: mean of \(window) steps)" : "loss (nats per word)",
                              series: [])
        chart.yScale = .log
        var data = Table(columns: ["step"] + histories.flatMap { ["\($0.architecture.fileName)_train", "\($0.architecture.fileName)_validation"] })
        for (index, history) in histories.enumerated() {
            let color = Color.series(index)
            let means = stride(from: 0, to: history.losses.count, by: window).map { start -> (Double, Double) in
                let part = history.losses[start..<min(history.losses.count, start + window)]
                return (Double(start + part.count), Double(part.reduce(0, +)) / Double(part.count))
            }
            chart.series.append(Series(name: "\(history.architecture.shortTitle), training",
                                       x: means.map(\.0), y: means.map(\.1), color: color))
            chart.series.append(Series(name: "\(history.architecture.shortTitle), validation",
                                       x: history.validation.map { Double($0.step) }, y: history.validation.map { Double($0.loss) },
                                       style: .dashed, symbol: .circle, color: color))
        }
        let validationByStep = histories.map { Dictionary($0.validation.map { ($0.step, $0.loss) }, uniquingKeysWith: { $1 }) }
        for step in 1...max(1, steps) where steps > 0 {
            var row = ["\(step)"]
            for (index, history) in histories.enumerated() {
                row.append(step <= history.losses.count ? "\(history.losses[step - 1])" : "")
                row.append(validationByStep[index][step].map { "\($0)" } ?? "")
            }
            try data.append(row)
        }
        try context.save(chart, as: "loss_curves", data: .table(data))
        let finals = histories.map { "\($0.architecture.title) \(format($0.validation.last?.loss ?? .nan, 3))" }
        context.say("Final validation loss (nats per French word): \(finals.joined(separator: ", ")).")
    }

    /// Throughput and the tape's share, for the models trained in this run.
    static func reportTimings(_ models: TrainedTranslators, _ records: [TrainingRecord?], _ context: LessonContext) throws {
        guard records.contains(where: { $0 != nil }) else {
            context.say("""
                Both models came from the cache, so nothing was timed in this run; training.csv \
                still holds the timings of the run that trained them.
                """)
            return
        }
        var table = Table(title: "Training time (\(SystemInfo.buildConfiguration) build, \(Parallel.threadCount) threads)",
                          columns: ["model", "parameters", "steps", "seconds", "target words/s", "kernels", "tape and the rest",
                                    "waiting for the other replica"])
        for (architecture, record) in zip(Architecture.allCases, records) {
            guard let record else {
                try table.append([architecture.title, "\(models[architecture].parameterCount)", "cached", "", "", "", "", ""])
                continue
            }
            try table.append([architecture.title, "\(models[architecture].parameterCount)", "\(record.losses.count)",
                              format(record.seconds, 1), format(record.tokensPerSecond, 0),
                              format(100 * record.kernelShare, 0) + "%", format(100 * record.tapeShare, 0) + "%",
                              format(100 * record.waitingShare, 0) + "%"])
        }
        try context.show(table, as: "training")
        context.say("""
            The profiler splits the training loop, as seen by the thread that runs it, into kernels \
            (GEMMs, the fused GRU and attention passes, softmax, the optimiser), waiting for the \
            other replica's half of the batch, and the rest: the tape's bookkeeping — building \
            nodes and closures, allocating tensors, the topological sort — and building the \
            batches. A GRU decoder takes one small step per word, so without fused ops the tape \
            would cost as much as the arithmetic.
            """)
    }
}
