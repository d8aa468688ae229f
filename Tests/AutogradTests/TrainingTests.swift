// End to end: small models learn, and the same seed gives the same run to the last bit.

import Autograd
import Foundation
import Synchronization
import Testing
import TensorCore

@Suite struct TrainingTests {
    /// A 2-layer MLP (2 → 8 → 2, tanh) learns XOR, which no linear model can.
    @Test func mlpLearnsXOR() throws {
        var rng = SeededGenerator(seed: 7)
        let hidden = Linear(inputs: 2, outputs: 8, generator: &rng), output = Linear(inputs: 8, outputs: 2, generator: &rng)
        let x = Variable(try Tensor(rows: [[0, 0], [0, 1], [1, 0], [1, 1]]))
        let targets = [0, 1, 1, 0]
        let optimizer = Adam(parameters: hidden.parameters + output.parameters, learningRate: 0.05)
        func logits() throws -> Variable { try output(hidden(x).tanh()) }
        let history = try train(steps: 200, progress: ProgressBar(total: 200, label: "xor", isTerminal: false, write: { _ in })) { _ in
            optimizer.zeroGradients()
            let loss = try crossEntropy(logits: logits(), targets: targets)
            loss.backward()
            optimizer.step()
            return loss.value.item
        }
        #expect(history.losses.last! < 0.05, "final loss \(history.losses.last!)")
        #expect(try logits().value.argmaxLastAxis() == targets)
    }

    /// A one-layer transformer learns to reverse sequences of 6 tokens, to ≥ 99% token accuracy
    /// on sequences it has not seen.
    @Test func transformerLearnsToReverse() throws {
        let model = ReverseModel(seed: 3)
        let history = try model.train(steps: 300)
        let accuracy = try model.accuracy(batches: 8, seed: 1234)
        #expect(accuracy >= 0.99, "token accuracy \(accuracy), last losses \(history.losses.suffix(3))")
    }

    /// Same seed, same model, same batches, same dropout masks: bit-identical losses and weights.
    @Test func sameSeedSameLosses() throws {
        let a = ReverseModel(seed: 11, dropout: 0.1), b = ReverseModel(seed: 11, dropout: 0.1)
        let lossesA = try a.train(steps: 5).losses, lossesB = try b.train(steps: 5).losses
        #expect(lossesA == lossesB)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.value == $1.value })
        let c = ReverseModel(seed: 12, dropout: 0.1)
        #expect(try c.train(steps: 5).losses != lossesA)
    }

    /// Models trained side by side (one per core) get exactly the losses, validation points and
    /// weights they get trained one after the other (the lessons' end-to-end tests retrain on one
    /// thread and compare the bytes).
    @Test func sideBySideTrainsEachModelAsAlone() throws {
        // The portable GEMM sums in the same order on any number of threads; OpenBLAS may not,
        // and a job's products run on one thread. Set inside each step: a task-local value does
        // not follow the work onto the cores.
        func portable(_ step: @escaping (Int) throws -> Float) -> (Int) throws -> Float {
            { index in try GEMM.$override.withValue(.portable) { try step(index) } }
        }
        let quiet = { ProgressBar(total: 6, label: "alone", isTerminal: false, write: { _ in }) }
        let alone = [ReverseModel(seed: 21, dropout: 0.1), ReverseModel(seed: 22)]
        let histories = try alone.map { try train(steps: 6, progress: quiet(), step: portable($0.stepper(steps: 6))) }
        let together = [ReverseModel(seed: 21, dropout: 0.1), ReverseModel(seed: 22)]
        let jobs = together.enumerated().map { index, model in
            TrainingJob(name: "model \(index)", tokensPerStep: 1, validate: { Float(index) }, step: portable(model.stepper(steps: 6)))
        }
        let sideBySide = try trainSideBySide(steps: 6, label: "both", validateEvery: 4, progress: quiet(), jobs: jobs)
        #expect(sideBySide.map(\.losses) == histories.map(\.losses))
        #expect(sideBySide[1].validation.map(\.step) == [4, 6] && sideBySide[1].validation.map(\.loss) == [1, 1])
        for (a, b) in zip(alone, together) {
            #expect(zip(a.parameters, b.parameters).allSatisfy { $0.value == $1.value })
        }
    }

    /// A model's next step waits only for its own last step, not for the other models': here the
    /// first step of one model cannot finish until the other model has done three steps, which a
    /// barrier after every step would never allow (the step would give up after 20 s and the
    /// loss would show it). The progress bar still sees each step once all models have done it.
    @Test(.enabled(if: Parallel.threadCount > 1, "needs two threads")) func sideBySideStepsDoNotWaitForOtherModels() throws {
        let done = Atomic<Int>(0)
        var lines: [String] = []
        let bar = ProgressBar(total: 5, label: "both", isTerminal: false, write: { lines.append($0) })
        let waiting = TrainingJob(name: "waiting") { step in
            guard step == 0 else { return 1 }
            let start = Stopwatch.now()
            while done.load(ordering: .acquiring) < 3 && Stopwatch.now() - start < 20 { usleep(1000) }
            return Float(done.load(ordering: .acquiring))
        }
        let counting = TrainingJob(name: "counting") { step in
            done.add(1, ordering: .releasing)
            return Float(step)
        }
        let histories = try trainSideBySide(steps: 5, label: "both", progress: bar, jobs: [waiting, counting])
        #expect(histories[0].losses.first! >= 3, "the waiting model's first step saw only \(histories[0].losses.first!) steps of the other")
        #expect(histories[1].losses == [0, 1, 2, 3, 4])
        #expect(lines.first?.hasPrefix("both: step 1/5, loss waiting") == true, "\(lines)")
        #expect(lines.filter { $0.contains("step 5/5") }.count == 1)
    }

    /// A job that fails stops the set with its error.
    @Test func sideBySideRethrowsAJobsError() throws {
        struct Broken: Error {}
        let quiet = ProgressBar(total: 5, label: "both", isTerminal: false, write: { _ in })
        let jobs = [TrainingJob(name: "fine") { _ in 1 }, TrainingJob(name: "broken") { step in
            if step == 2 { throw Broken() }
            return 1
        }]
        #expect(throws: Broken.self) { try trainSideBySide(steps: 5, label: "both", progress: quiet, jobs: jobs) }
    }
}

/// Reverse a sequence: input tokens t₀ … t₅ (ids 1…8), target t₅ … t₀.
/// embedding + positional encoding → one pre-norm encoder layer → layer norm → linear head.
final class ReverseModel: Module {
    static let (vocabulary, length, width, batch) = (9, 6, 32, 32)
    let embed: Embedding, positions: SinusoidalPositionalEncoding
    let layer: TransformerEncoderLayer, norm: LayerNorm, head: Linear
    var data: SeededGenerator

    init(seed: UInt64, dropout: Float = 0) {
        var rng = SeededGenerator(seed: seed)
        embed = Embedding(count: Self.vocabulary, width: Self.width, generator: &rng)
        positions = try! SinusoidalPositionalEncoding(maxPositions: Self.length, width: Self.width)
        layer = TransformerEncoderLayer(width: Self.width, heads: 4, hidden: 64, dropout: dropout, generator: &rng)
        norm = LayerNorm(width: Self.width)
        head = Linear(inputs: Self.width, outputs: Self.vocabulary, generator: &rng)
        data = SeededGenerator(seed: seed &+ 1)
    }

    var namedParameters: [NamedParameter] {
        scoped("embed", embed) + scoped("encoder.layers.0", layer) + scoped("norm", norm) + scoped("head", head)
    }

    /// [B, N] token ids → logits [B, N, V]
    func callAsFunction(_ tokens: [Int], batch: Int) throws -> Variable {
        let x = try positions(embed(tokens, shape: [batch, Self.length]))
        return try head(norm(layer(x)))
    }

    /// A batch of random sequences and their reversals.
    static func batch(_ count: Int, using rng: inout SeededGenerator) -> (inputs: [Int], targets: [Int]) {
        var inputs: [Int] = [], targets: [Int] = []
        for _ in 0..<count {
            let sequence = (0..<length).map { _ in 1 + rng.nextInt(below: vocabulary - 1) }
            inputs += sequence
            targets += sequence.reversed()
        }
        return (inputs, targets)
    }

    func train(steps: Int) throws -> TrainingHistory {
        let quiet = ProgressBar(total: steps, label: "reverse", isTerminal: false, write: { _ in })
        return try Autograd.train(steps: steps, tokensPerStep: Self.batch * Self.length, progress: quiet, step: stepper(steps: steps))
    }

    /// One training step on fresh sequences, for `steps` steps in all.
    func stepper(steps: Int) -> (Int) throws -> Float {
        let optimizer = AdamW(parameters: parameters, learningRate: 0, weightDecay: 0)
        let schedule = LearningRateSchedule(peak: 5e-3, warmupSteps: 20, decay: .cosine(totalSteps: steps, minimum: 5e-4))
        return { [self] step in
            let (inputs, targets) = Self.batch(Self.batch, using: &data)
            zeroGradients()
            let loss = try crossEntropy(logits: self(inputs, batch: Self.batch), targets: targets)
            loss.backward()
            clipGradientNorm(parameters, maxNorm: 1)
            optimizer.learningRate = schedule.rate(atStep: step)
            optimizer.step()
            return loss.value.item
        }
    }

    /// Token accuracy on fresh sequences.
    func accuracy(batches: Int, seed: UInt64) throws -> Double {
        var rng = SeededGenerator(seed: seed)
        var correct = 0, total = 0
        for _ in 0..<batches {
            let (inputs, targets) = Self.batch(Self.batch, using: &rng)
            let predicted = try evaluating { try self(inputs, batch: Self.batch) }.value.argmaxLastAxis()
            correct += zip(predicted, targets).filter { $0 == $1 }.count
            total += targets.count
        }
        return Double(correct) / Double(total)
    }
}
