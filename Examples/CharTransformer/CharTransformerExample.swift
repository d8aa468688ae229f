// A character-level causal transformer, trained from scratch on a few KB of text, then asked
// to write: the smallest complete language model of the playground.
//
//     swift run char-transformer-example                       # 20–40 s on 2 cores
//     swift run char-transformer-example --steps 2000 --checkpoint Output/char.safetensors
//
// B = batch, N = context, d = width, V = vocabulary (the text's distinct characters).

import ArgumentParser
import Autograd
import Foundation
import TensorCore

@main
struct CharTransformerExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-transformer-example",
        abstract: "Train a tiny character-level transformer on the shipped text, then sample from it.")

    @Option(help: "Training steps.")
    var steps = 1500

    @Option(help: "Seed for the weights, the batches and the sampling.")
    var seed: UInt64 = 42

    @Option(help: "Windows of text per step (B).")
    var batch = 32

    @Option(help: "Threads for the kernels (default: TP_THREADS, else every core).")
    var threads: Int?

    @Option(help: "Characters to write after the prompt.")
    var sampleLength = 400

    @Option(help: "Sampling temperature: low is safe and repetitive, high is adventurous.")
    var temperature: Float = 0.7

    @Option(help: "The text the model continues.")
    var prompt = "The cat"

    @Option(help: "Save the trained weights to this .safetensors file.")
    var checkpoint: String?

    /// The model: 2 layers, d = 64, 4 heads, context 64, flash attention (causal).
    static let context = 64

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard (1...1024).contains(batch) else { throw ValidationError("--batch must be in 1...1024, got \(batch)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard sampleLength >= 0 else { throw ValidationError("--sample-length must not be negative") }
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
        guard !prompt.isEmpty else { throw ValidationError("--prompt must not be empty") }
        if let checkpoint {   // checked now, not after a minute of training
            let folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--checkpoint: the folder \(folder) does not exist")
            }
        }
    }

    func run() throws {
        if let threads { Parallel.threadCount = threads }
        let text = try loadCorpus()
        let vocabulary = CharacterVocabulary(text)
        let tokens = vocabulary.encode(text)!
        guard let promptIDs = vocabulary.encode(prompt) else {
            throw ValidationError("--prompt may only use characters of the text: \(String(vocabulary.characters).debugDescription)")
        }

        var generator = SeededGenerator(seed: seed)
        let model = try CausalLanguageModel(.init(vocabulary: vocabulary.count, context: Self.context),
                                            generator: &generator)
        print("text: \(text.count) characters, vocabulary V = \(vocabulary.count)")
        print("model: \(model.configuration.layers) layers, d = \(model.configuration.width), "
              + "\(model.configuration.heads) heads, context \(Self.context), flash attention (causal), "
              + "\(model.parameterCount) parameters")
        print("training: \(steps) steps of B = \(batch) windows, \(Parallel.threadCount) threads; "
              + "a first loss near ln V = \(String(format: "%.2f", log(Double(vocabulary.count)))) is a uniform guess")

        fflush(nil)   // flush the lines above before the progress bar writes to standard error
        let history = try trainModel(model, tokens: tokens, generator: &generator)
        printLossCurve(history.losses)

        if let checkpoint {
            try model.saveCheckpoint(to: checkpoint, metadata: ["steps": "\(steps)", "seed": "\(seed)",
                                                                "vocabulary": String(vocabulary.characters)])
            print("saved the weights to \(checkpoint)")
        }

        var sampler = SeededGenerator(seed: seed &+ 1)
        let written = try sample(model, prompt: promptIDs, count: sampleLength, using: &sampler)
        print("\nsample (temperature \(temperature)):\n")
        print(vocabulary.decode(promptIDs + written))
    }

    // MARK: - Training

    /// AdamW with warm-up and a cosine decay; each step (`CausalLanguageModel.trainingStep`) reads
    /// B random windows of the text and learns to predict every next character at once.
    func trainModel(_ model: CausalLanguageModel, tokens: [Int], generator: inout SeededGenerator) throws -> TrainingHistory {
        let optimizer = AdamW(parameters: model.parameters, learningRate: 0, weightDecay: 0.01)
        let schedule = LearningRateSchedule(peak: 3e-3, warmupSteps: min(50, steps / 10),
                                            decay: .cosine(totalSteps: steps, minimum: 3e-4))
        return try train(steps: steps, label: "char-transformer", tokensPerStep: batch * Self.context) { step in
            optimizer.learningRate = schedule.rate(atStep: step)
            return try model.trainingStep(on: tokens, batch: batch, optimizer: optimizer, using: &generator)
        }
    }

    /// The mean loss over each tenth of the run: the curve, in ten numbers.
    func printLossCurve(_ losses: [Float]) {
        let parts = min(10, losses.count), size = losses.count / parts
        print("loss: first step \(String(format: "%.3f", losses[0])), last step \(String(format: "%.3f", losses.last!))")
        print("mean loss per tenth of the run:", (0..<parts).map { part in
            let slice = losses[(part * size)..<(part == parts - 1 ? losses.count : (part + 1) * size)]
            return String(format: "%.3f", slice.reduce(0, +) / Float(slice.count))
        }.joined(separator: " "))
    }

    // MARK: - Sampling

    /// Writes `count` tokens after `prompt`, one at a time: the model reads the last `context`
    /// tokens, and the next one is drawn from softmax(logits / temperature) at the last position.
    func sample(_ model: CausalLanguageModel, prompt: [Int], count: Int,
                using generator: inout SeededGenerator) throws -> [Int] {
        var tokens = prompt
        for _ in 0..<count {
            let window = Array(tokens.suffix(Self.context))
            let logits = try evaluating { try model(window, shape: [1, window.count]) }.value   // [1, n, V]
            let v = logits.shape[2]
            let last = logits.scalars[((window.count - 1) * v)...].map { $0 / temperature }
            let top = last.max()!
            let weights = last.map { Foundation.exp($0 - top) }
            var u = generator.nextUniform() * weights.reduce(0, +)
            var next = v - 1
            for (id, weight) in weights.enumerated() {
                u -= weight
                if u < 0 { next = id; break }
            }
            tokens.append(next)
        }
        return Array(tokens.dropFirst(prompt.count))
    }
}
