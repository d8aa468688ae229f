// Train a model once, keep its weights beside the output, and reuse them while nothing that
// shaped them has changed: the lessons that train a model (translators, language models) share
// this rule.

import Autograd
import Figures
import Foundation
import TensorCore

/// The weights in `file` (in the output folder) when that file was written for exactly
/// `configuration` (a line naming everything the weights depend on: sizes, steps, corpus, seed);
/// otherwise `train()` runs and its weights are saved there, with `configuration` and the
/// metadata `train` returns (loss curves, token counts) in the file's metadata.
///
/// Why the cache is not used is said in one line: other settings, a damaged file, `--retrain`.
///
/// - Returns: the metadata (from the file, or from `train`) and whether this run trained.
func trainOrReuseWeights(
    _ model: some Module, file: String, title: String, configuration: String, retrain: Bool,
    context: LessonContext, train: () throws -> [String: String]
) throws -> (metadata: [String: String], trained: Bool) {
    if let metadata = cachedWeights(model, file: file, title: title, configuration: configuration, retrain: retrain, context: context) {
        return (metadata, false)
    }
    fflush(nil)   // the progress bar writes to standard error: print what came before first
    return (try saveTrainedWeights(model, file: file, configuration: configuration, metadata: try train(), context: context), true)
}

/// The first half of `trainOrReuseWeights`, for lessons that train several models together:
/// loads the weights in `file` into `model` and returns the file's metadata when it was written
/// for exactly `configuration`; otherwise says in one line why it cannot be used and returns nil.
func cachedWeights(
    _ model: some Module, file: String, title: String, configuration: String, retrain: Bool, context: LessonContext
) -> [String: String]? {
    let path = context.pathInOutput(file)
    if retrain {
        if FileManager.default.fileExists(atPath: path) { context.say("\(title): --retrain given; training again.") }
    } else if FileManager.default.fileExists(atPath: path) {
        do {
            guard let data = FileManager.default.contents(atPath: path) else { throw LessonError("it cannot be read") }
            let metadata = try Safetensors.decode([UInt8](data), path: path).metadata
            if metadata["configuration"] == configuration {
                try model.loadCheckpoint(from: path)
                context.say("\(title): reusing the weights in \(file), trained earlier with the same settings and seed (--retrain trains again).")
                return metadata
            }
            context.say("\(title): \(file) holds weights trained with other settings or another seed; training again.")
        } catch {
            context.say("\(title): cannot use \(file) (\(error)); training again.")
        }
    }
    return nil
}

/// The second half: saves freshly trained weights with `configuration` and `metadata`.
/// - Returns: the metadata as saved.
func saveTrainedWeights(
    _ model: some Module, file: String, configuration: String, metadata: [String: String], context: LessonContext
) throws -> [String: String] {
    var metadata = metadata
    metadata["configuration"] = configuration
    try context.writeFile(file) { try model.saveCheckpoint(to: $0, metadata: metadata) }
    return metadata
}

/// A 64-bit FNV-1a hash of some text, in hex: a short fingerprint of a corpus for a
/// configuration line.
func fingerprint(_ lines: [String]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for line in lines {
        for byte in line.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        hash = (hash ^ 10) &* 0x100_0000_01B3
    }
    return String(hash, radix: 16)
}

extension TrainingHistory {
    /// The loss curves as checkpoint metadata: "losses" = "l1,l2,…", "validation" = "step:loss,…".
    var metadata: [String: String] {
        ["losses": losses.map { "\($0)" }.joined(separator: ","),
         "validation": validation.map { "\($0.step):\($0.loss)" }.joined(separator: ",")]
    }

    /// The curves back from `metadata`; nil when they are missing.
    init?(metadata: [String: String]) {
        guard let losses = metadata["losses"]?.split(separator: ",").compactMap({ Float($0) }), !losses.isEmpty,
              let validation = metadata["validation"]?.split(separator: ",").compactMap({ entry -> (step: Int, loss: Float)? in
                  let parts = entry.split(separator: ":")
                  guard parts.count == 2, let step = Int(parts[0]), let loss = Float(parts[1]) else { return nil }
                  return (step, loss)
              }) else { return nil }
        self.init()
        self.losses = losses
        self.validation = validation
    }
}

/// The fastest SGEMM on this machine, in FLOP/s on 512 × 512 matrices (best of five runs of
/// every available backend), and its name: the yardstick for model-FLOPs utilisation.
func measureSGEMM() -> (rate: Double, backend: GEMMBackend) {
    var generator = SeededGenerator(seed: 1)
    let a = Tensor.randomNormal([512, 512], using: &generator)
    var best = (rate: 0.0, backend: GEMMBackend.portable)
    for backend in GEMM.availableBackends {
        GEMM.$override.withValue(backend) {
            for _ in 0..<5 {
                let start = ContinuousClock.now
                _ = try? a.matmul(a)
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let rate = 2 * 512 * 512 * 512 / max(seconds, 1e-9)
                if rate > best.rate { best = (rate, backend) }
            }
        }
    }
    return best
}

/// One model's line in a training-time table.
struct TrainingTiming {
    let name: String, parameters: Int
    /// Seconds and tokens of the training run; nil when the weights came from the cache.
    let run: (seconds: Double, tokens: Int)?
    /// Forward FLOPs per token (the matrix products; see `encoderForwardFLOPsPerToken`).
    let forwardFLOPsPerToken: Double
}

/// Forward FLOPs per token of a pre-norm transformer encoder stack with a token head: 2 per weight
/// of W_q, W_k, W_v, W_o (4d²) and of the feed-forward (2dF) in each of L layers, and of the head (dV).
func encoderForwardFLOPsPerToken(_ c: CausalLanguageModel.Configuration) -> Double {
    let d = Double(c.width), f = Double(c.hidden), l = Double(c.layers), v = Double(c.vocabulary)
    return 2 * (l * (4 * d * d + 2 * d * f) + d * v)
}

/// The training-time table: parameters, seconds, tokens/s, model GFLOP/s and model-FLOPs
/// utilisation (forward and backward, 3× the forward's FLOPs) against this machine's fastest SGEMM.
/// With `sideBySide` (models trained together by `trainSideBySide`, each row's seconds the time of
/// the whole set), a last row adds up the rates of the models trained in this run.
func trainingTimeTable(_ timings: [TrainingTiming], sideBySide: Bool = false) throws -> Table {
    let (peak, backend) = measureSGEMM()
    var table = Table(title: "Training time (\(SystemInfo.buildConfiguration) build, \(Parallel.threadCount) threads; "
                          + "MFU against this machine's fastest SGEMM, \(backend.rawValue) at \(format(peak / 1e9, 1)) GFLOP/s)",
                      columns: ["model", "parameters", "seconds", "tokens/s", "model GFLOP/s", "MFU"])
    for t in timings {
        guard let run = t.run else {
            try table.append([t.name, "\(t.parameters)", "cached", "", "", ""])
            continue
        }
        let rate = Double(run.tokens) / max(run.seconds, 1e-9), flops = 3 * t.forwardFLOPsPerToken * rate
        try table.append([t.name, "\(t.parameters)", format(run.seconds, 1), format(rate, 0),
                          format(flops / 1e9, 2), format(100 * flops / peak, 1) + "%"])
    }
    let trained = timings.compactMap { t in t.run.map { (t, $0) } }
    if sideBySide, trained.count > 1 {
        let seconds = trained.map(\.1.seconds).max() ?? 0
        let rate = Double(trained.reduce(0) { $0 + $1.1.tokens }) / max(seconds, 1e-9)
        let flops = trained.reduce(0.0) { $0 + 3 * $1.0.forwardFLOPsPerToken * Double($1.1.tokens) / max(seconds, 1e-9) }
        try table.append(["together, one per core", "", format(seconds, 1), format(rate, 0), format(flops / 1e9, 2),
                          format(100 * flops / peak, 1) + "%"])
    }
    return table
}
