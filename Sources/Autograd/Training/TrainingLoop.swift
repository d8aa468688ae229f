// A training loop helper: runs the steps, shows progress, records the loss curve.

import Foundation

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
