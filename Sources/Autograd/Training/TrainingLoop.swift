// A training loop helper: runs the steps, shows progress, records the loss curve.

import Foundation
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

/// Trains several independent models at once, each on its own core: step i of every model runs
/// concurrently, then step i + 1. Small models use several cores badly — their products are too
/// small to split well — so one model per core finishes the set in about the time of the slowest
/// one rather than of all of them in turn. Inside a job the kernels run on one thread; with the
/// portable GEMM, which sums in the same order on any number of threads, each model then trains
/// exactly as it would alone, and one thread (the jobs one after the other) gives the same weights.
/// Task-local settings (`GEMM.$override`, `evaluating`) do not follow the work onto the cores: set
/// them inside the jobs.
///
/// - Parameters:
///   - steps: steps of every job.
///   - label: shown by the progress bar, with each job's last loss.
///   - validateEvery: call each job's `validate` after every this many steps (and after the last); 0 never.
///   - progress: the bar to report to; `nil` makes one on standard error.
/// - Returns: one history per job, in order; `seconds` is the wall-clock time of the whole set.
public func trainSideBySide(
    steps: Int, label: String, validateEvery: Int = 0, progress: ProgressBar? = nil, jobs: [TrainingJob]
) throws -> [TrainingHistory] {
    let bar = progress ?? ProgressBar(total: steps, label: label)
    var histories = [TrainingHistory](repeating: TrainingHistory(), count: jobs.count)
    for index in histories.indices { histories[index].losses.reserveCapacity(steps) }
    var losses = [Float](repeating: 0, count: jobs.count)
    var validations = [Float?](repeating: nil, count: jobs.count)
    var errors = [Error?](repeating: nil, count: jobs.count)
    var seconds = [Double](repeating: 0, count: jobs.count)     // each job's last step
    let tokensPerStep = jobs.reduce(0) { $0 + $1.tokensPerStep }
    for index in 0..<steps {
        let validating = validateEvery > 0 && ((index + 1) % validateEvery == 0 || index + 1 == steps)
        // The slowest job first (by its last step): with three jobs on two cores, the core that
        // starts the largest model is not left idle while the other finishes two. Which thread
        // runs a job does not change its numbers, only when it finishes.
        let order = jobs.indices.sorted { (seconds[$0], $1) > (seconds[$1], $0) }
        losses.withUnsafeMutableBufferPointer { losses in
            validations.withUnsafeMutableBufferPointer { validations in
                errors.withUnsafeMutableBufferPointer { errors in
                    seconds.withUnsafeMutableBufferPointer { seconds in
                        Parallel.forEach(chunks: jobs.count) { chunk in
                            let j = order[chunk], start = Stopwatch.now()
                            do {
                                losses[j] = try jobs[j].step(index)
                                validations[j] = validating ? try jobs[j].validate?() : nil
                            } catch {
                                errors[j] = error
                            }
                            seconds[j] = Stopwatch.now() - start
                        }
                    }
                }
            }
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
        for j in jobs.indices {
            histories[j].losses.append(losses[j])
            if let loss = validations[j] { histories[j].validation.append((index + 1, loss)) }
        }
        if jobs.count == 1 {
            bar.update(step: index + 1, loss: losses[0], tokens: tokensPerStep)
        } else {
            bar.update(step: index + 1, losses: zip(jobs, losses).map { ($0.name, $1) }, tokens: tokensPerStep)
        }
    }
    bar.finish()
    for j in jobs.indices {
        histories[j].seconds = bar.elapsedSeconds
        histories[j].tokensPerSecond = bar.elapsedSeconds > 0 ? Double(jobs[j].tokensPerStep * steps) / bar.elapsedSeconds : 0
    }
    return histories
}
