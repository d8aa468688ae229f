// A training loop helper: runs the steps, shows progress, records the loss curve.

import Foundation
import Synchronization
import TensorCore

/// The losses of a training run, for a loss-curve figure.
public struct TrainingHistory: Sendable {
    /// The training loss after each step (index 0 = step 1).
    public var losses: [Float] = []
    /// Validation losses, with the step after which each was measured.
    public var validation: [(step: Int, loss: Float)] = []
    /// Wall-clock seconds for the whole run.
    public var seconds: Double = 0
    /// Tokens processed per second over the whole run (0 when no token count was given).
    public var tokensPerSecond: Double = 0

    public init() {}

    /// `step,loss,validation_loss` rows (the validation column empty where none was measured),
    /// to put beside a loss-curve figure.
    public var csv: String {
        let validationByStep = Dictionary(validation.map { ($0.step, $0.loss) }, uniquingKeysWith: { $1 })
        var text = "step,loss,validation_loss\n"
        for (index, loss) in losses.enumerated() {
            text += "\(index + 1),\(loss),\(validationByStep[index + 1].map { "\($0)" } ?? "")\n"
        }
        return text
    }
}

/// Runs `steps` training steps with a progress bar and returns the loss history.
///
///     let history = try train(steps: 500, label: "reverse", tokensPerStep: 32 * 8) { step in
///         model.zeroGradients()
///         let loss = try crossEntropy(logits: model(batch(step)), targets: targets)
///         loss.backward()
///         optimizer.learningRate = schedule.rate(atStep: step)
///         optimizer.step()
///         return loss.value.item
///     }
///
/// - Parameters:
///   - steps: how many times to call `step`.
///   - label: shown by the progress bar.
///   - tokensPerStep: tokens in one batch, for tokens/s (0 to leave it out).
///   - validateEvery: call `validate` after every this many steps (and after the last); 0 never.
///   - validate: computes a validation loss (run it inside `evaluating { }`).
///   - progress: the bar to report to; `nil` makes one on standard error.
///   - step: one step (forward, backward, update), given its index from 0; returns the loss.
public func train(
    steps: Int, label: String = "train", tokensPerStep: Int = 0,
    validateEvery: Int = 0, validate: (() throws -> Float)? = nil,
    progress: ProgressBar? = nil,
    step: (Int) throws -> Float
) throws -> TrainingHistory {
    let bar = progress ?? ProgressBar(total: steps, label: label)
    var history = TrainingHistory()
    history.losses.reserveCapacity(steps)
    for index in 0..<steps {
        let loss = try step(index)
        history.losses.append(loss)
        if let validate, validateEvery > 0, (index + 1) % validateEvery == 0 || index + 1 == steps {
            history.validation.append((index + 1, try validate()))
        }
        bar.update(step: index + 1, loss: loss, tokens: tokensPerStep)
    }
    bar.finish()
    history.seconds = bar.elapsedSeconds
    history.tokensPerSecond = history.seconds > 0 ? Double(tokensPerStep * steps) / history.seconds : 0
    return history
}

/// One model's part in `trainSideBySide`: its name, its step and its validation.
public struct TrainingJob {
    public let name: String
    /// Tokens in one of its batches, for tokens/s (0 to leave it out).
    public let tokensPerStep: Int
    public let validate: (() throws -> Float)?
    /// One step (forward, backward, update), given its index from 0; returns the loss.
    public let step: (Int) throws -> Float

    public init(name: String, tokensPerStep: Int = 0, validate: (() throws -> Float)? = nil, step: @escaping (Int) throws -> Float) {
        self.name = name
        self.tokensPerStep = tokensPerStep
        self.validate = validate
        self.step = step
    }
}

/// Trains several independent models at once, each on its own core. Small models use several
/// cores badly — their products are too small to split well — so one model per core finishes the
/// set in about half the time of all of them in turn. The cores take the models' steps as they
/// come free: step i + 1 of a model waits only for its step i, never for the other models (with
/// three models on two cores, a barrier after every step left one core idle while the other ran
/// two steps: a fifth of the time). Inside a job the kernels run on one thread; with the portable
/// GEMM, which sums in the same order on any number of threads, each model then trains exactly as
/// it would alone, whichever core runs which step, and one thread (the jobs one after the other)
/// gives the same weights. Task-local settings (`GEMM.$override`, `evaluating`) do not follow the
/// work onto the cores: set them inside the jobs.
///
/// - Parameters:
///   - steps: steps of every job.
///   - label: shown by the progress bar, with each job's loss at the step all of them have reached.
///   - validateEvery: call each job's `validate` after every this many steps (and after the last); 0 never.
///   - progress: the bar to report to; `nil` makes one on standard error.
/// - Returns: one history per job, in order; `seconds` is the wall-clock time of the whole set.
public func trainSideBySide(
    steps: Int, label: String, validateEvery: Int = 0, progress: ProgressBar? = nil, jobs: [TrainingJob]
) throws -> [TrainingHistory] {
    let bar = progress ?? ProgressBar(total: steps, label: label)
    let tokensPerStep = jobs.reduce(0) { $0 + $1.tokensPerStep }
    let schedule = Mutex(SideBySideSchedule(jobs: jobs.count, steps: steps))
    // One loop per core (or per job, if fewer), each taking the next step of a model no core is
    // running: the one with the fewest steps done, so that the models keep pace with each other.
    Parallel.forEach(chunks: max(1, min(jobs.count, Parallel.threadCount))) { _ in
        while let (j, index) = schedule.withLock({ $0.next() }) {
            var outcome: (loss: Float, validation: Float?)?, failure: Error?
            do {
                let loss = try jobs[j].step(index)
                let validating = validateEvery > 0 && ((index + 1) % validateEvery == 0 || index + 1 == steps)
                outcome = (loss, validating ? try jobs[j].validate?() : nil)
            } catch {
                failure = error
            }
            schedule.withLock { state in
                state.finish(j, step: index, outcome: outcome, failure: failure)
                // Report every step all the models have now done.
                while state.reported < state.completed.min()!, state.failure == nil {
                    state.reported += 1
                    let losses = state.histories.map { $0.losses[state.reported - 1] }
                    if jobs.count == 1 {
                        bar.update(step: state.reported, loss: losses[0], tokens: tokensPerStep)
                    } else {
                        bar.update(step: state.reported, losses: zip(jobs, losses).map { ($0.name, $1) }, tokens: tokensPerStep)
                    }
                }
            }
        }
    }
    var histories = try schedule.withLock { state -> [TrainingHistory] in
        if let failure = state.failure { throw failure }
        return state.histories
    }
    bar.finish()
    for j in jobs.indices {
        histories[j].seconds = bar.elapsedSeconds
        histories[j].tokensPerSecond = bar.elapsedSeconds > 0 ? Double(jobs[j].tokensPerStep * steps) / bar.elapsedSeconds : 0
    }
    return histories
}

/// Which steps of `trainSideBySide`'s models are done, running or next, and what they gave.
struct SideBySideSchedule: ~Copyable {
    var histories: [TrainingHistory]
    /// Steps each model has finished, and whether a core is running its next one.
    var completed: [Int], running: [Bool]
    let steps: Int
    /// Steps of every model reported to the progress bar.
    var reported = 0
    /// The first error a step threw; no step starts after it.
    var failure: Error?

    init(jobs: Int, steps: Int) {
        histories = [TrainingHistory](repeating: TrainingHistory(), count: jobs)
        for j in 0..<jobs { histories[j].losses.reserveCapacity(steps) }
        completed = [Int](repeating: 0, count: jobs)
        running = [Bool](repeating: false, count: jobs)
        self.steps = steps
    }

    /// The next step to run, (model, step index), marked as running; nil when every model is
    /// finished or running, or a step has failed.
    mutating func next() -> (Int, Int)? {
        guard failure == nil else { return nil }
        let free = completed.indices.filter { !running[$0] && completed[$0] < steps }
        guard let j = free.min(by: { completed[$0] < completed[$1] }) else { return nil }
        running[j] = true
        return (j, completed[j])
    }

    mutating func finish(_ j: Int, step: Int, outcome: (loss: Float, validation: Float?)?, failure: Error?) {
        running[j] = false
        guard let outcome else {
            if self.failure == nil { self.failure = failure }
            return
        }
        histories[j].losses.append(outcome.loss)
        if let validation = outcome.validation { histories[j].validation.append((step + 1, validation)) }
        completed[j] = step + 1
    }
}
