// The learning rate as a function of the step: linear warm-up, then a decay.

import Foundation

/// A learning-rate schedule: linear warm-up from 0 to `peak` over `warmupSteps`, then a decay.
///
///     let schedule = LearningRateSchedule(peak: 3e-3, warmupSteps: 100, decay: .cosine(totalSteps: 2000))
///     optimizer.learningRate = schedule.rate(atStep: step)
///
/// Warm-up matters for Adam on transformers: its early second-moment estimates are noisy, and
/// full-size steps from random weights can push attention into saturated softmaxes.
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Decay: Sendable, Equatable {
        /// Stay at the peak.
        case constant
        /// Half a cosine from the peak at the end of warm-up down to `minimum` at `totalSteps`
        /// (and `minimum` after).
        case cosine(totalSteps: Int, minimum: Float = 0)
        /// peak · √(warmup / step) after warm-up (the original transformer's schedule).
        case inverseSquareRoot
    }

    public var peak: Float
    public var warmupSteps: Int
    public var decay: Decay

    public init(peak: Float, warmupSteps: Int = 0, decay: Decay = .constant) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.decay = decay
    }

    /// The rate for step `step` (counted from 0): peak · (step + 1) / warmup during warm-up.
    public func rate(atStep step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        switch decay {
        case .constant:
            return peak
        case .cosine(let total, let minimum):
            let span = Swift.max(1, total - warmupSteps)
            let progress = Swift.min(1, Double(step - warmupSteps) / Double(span))
            return minimum + (peak - minimum) * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
        case .inverseSquareRoot:
            return peak * Float((Double(Swift.max(warmupSteps, 1)) / Double(step + 1)).squareRoot())
        }
    }
}
