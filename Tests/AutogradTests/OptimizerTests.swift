// Optimisers against NumPy (References/derive_references.py), clipping and the schedule.

import Autograd
import Foundation
import Testing
import TensorCore
import TestSupport

@Suite struct OptimizerTests {
    /// Three steps on L = ½ Σ w² (so ∇ = w) from w₀ = exactInputs([5]).
    func threeSteps(_ make: ([Variable]) -> any Optimizer) throws -> Tensor {
        let w = Variable.parameter(exactInputs([5]))
        let optimizer = make([w])
        for _ in 0..<3 {
            optimizer.zeroGradients()
            try ((w * w).sum() * 0.5).backward()
            optimizer.step()
        }
        return w.value
    }

    @Test func adamMatchesNumPy() throws {
        expectClose(try threeSteps { Adam(parameters: $0, learningRate: 0.1) }, shape: [5], [
            -1.7006233928121137, 0.03020831926633072, 1.2009028715453671, -2.200473934473082, -0.45245666058855044,
        ], rtol: 1e-5, atol: 1e-6)
    }

    @Test func sgdWithMomentumMatchesNumPy() throws {
        expectClose(try threeSteps { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }, shape: [5],
                    [-0.972, -0.1215, 0.7290000000000001, -1.215, -0.36450000000000005], rtol: 1e-6, atol: 1e-7)
    }

    /// AdamW's decay is decoupled: with a zero gradient, w shrinks by exactly (1 − η λ) per step.
    @Test func adamWDecaysWeightsDirectly() {
        let w = Variable.parameter(Tensor([2, -4]))
        w.grad = Tensor.zeros([2])
        let optimizer = AdamW(parameters: [w], learningRate: 0.1, weightDecay: 0.5)
        optimizer.step()
        expectClose(w.value, shape: [2], [2 * 0.95, -4 * 0.95], rtol: 1e-6, atol: 0)
    }

    @Test func clippingScalesTheGlobalNorm() {
        let a = Variable.parameter(Tensor([0, 0])), b = Variable.parameter(Tensor([0]))
        a.grad = Tensor([3, 0])
        b.grad = Tensor([4])
        #expect(clipGradientNorm([a, b], maxNorm: 1) == 5)
        expectClose(a.grad!, shape: [2], [0.6, 0], rtol: 1e-6, atol: 0)
        expectClose(b.grad!, shape: [1], [0.8], rtol: 1e-6, atol: 0)
        #expect(clipGradientNorm([a, b], maxNorm: 10) < 1.0001)   // under the cap: unchanged
        expectClose(b.grad!, shape: [1], [0.8], rtol: 1e-6, atol: 0)
    }

    @Test func scheduleWarmsUpThenDecays() {
        let cosine = LearningRateSchedule(peak: 1, warmupSteps: 10, decay: .cosine(totalSteps: 110, minimum: 0.1))
        #expect(cosine.rate(atStep: 0) == 0.1)
        #expect(cosine.rate(atStep: 4) == 0.5)
        #expect(cosine.rate(atStep: 10) == 1)
        #expect(abs(cosine.rate(atStep: 60) - 0.55) < 1e-6)    // halfway: (1 + 0.1) / 2
        #expect(abs(cosine.rate(atStep: 110) - 0.1) < 1e-6)
        #expect(abs(cosine.rate(atStep: 500) - 0.1) < 1e-6)
        let inverse = LearningRateSchedule(peak: 2, warmupSteps: 4, decay: .inverseSquareRoot)
        #expect(inverse.rate(atStep: 3) == 2)
        #expect(abs(inverse.rate(atStep: 15) - 1) < 1e-6)      // 2 · √(4/16)
        #expect(LearningRateSchedule(peak: 3).rate(atStep: 1000) == 3)
    }
}

@Suite struct ProgressBarTests {
    /// Not a terminal: plain lines, about one per tenth of the run, then a summary.
    @Test func plainLinesWhenNotATerminal() throws {
        let lines = LineCollector()
        let bar = ProgressBar(total: 100, label: "demo", isTerminal: false, write: lines.append)
        let history = try train(steps: 100, tokensPerStep: 64, validateEvery: 50, validate: { 1.5 }, progress: bar) { step in
            Float(100 - step) / 100
        }
        let text = lines.text
        #expect(text.components(separatedBy: "\n").filter { $0.hasPrefix("demo: step") }.count == 11)
        #expect(text.contains("demo: step 100/100, loss 0.0100"))
        #expect(text.contains("tok/s") && text.contains("ETA"))
        #expect(!text.contains("\r"))
        #expect(history.losses.count == 100 && history.losses.first == 1)
        #expect(history.validation.map { $0.step } == [50, 100])
        #expect(history.csv.hasPrefix("step,loss,validation_loss\n1,1.0,\n"))
        #expect(history.csv.contains("\n50,0.51,1.5\n"))
    }

    /// A terminal: one line redrawn with carriage returns, ending with a newline.
    @Test func redrawnLineOnATerminal() {
        let lines = LineCollector()
        let bar = ProgressBar(total: 3, label: "tty", isTerminal: true, write: lines.append)
        for step in 1...3 { bar.update(step: step, loss: 0.5, tokens: 10) }
        bar.finish()
        #expect(lines.text.hasPrefix("\rtty  [######"))
        #expect(lines.text.contains("3/3  loss 0.5000"))
        #expect(lines.text.contains("\ntty: 3 steps in"))
    }
}

/// Collects what a progress bar writes.
final class LineCollector: @unchecked Sendable {
    var text = ""
    func append(_ line: String) { text += line }
}
