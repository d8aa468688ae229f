// How the translators are trained: length-bucketed batches, two replicas of the model that each
// take half of every batch on their own core, Adam with warm-up and cosine decay, gradient
// clipping, and a validation loss along the way.
// B = batch (sentence pairs), R = replicas (one per core).

import Autograd
import Dispatch
import Foundation
import TensorCore

/// A sentence pair as ids (no START/END).
struct EncodedPair: Sendable {
    let source: [Int], target: [Int]
}

/// What fixes a training run besides the model's shapes.
struct TrainingSettings: Equatable, Sendable {
    var steps: Int, batchSize: Int
    var learningRate: Float, warmupSteps: Int, clipNorm: Float
    /// Validation loss after every this many steps (and after the last).
    var validateEvery: Int
}

/// The record of a training run.
struct TrainingRecord {
    /// Training loss of every step, and (step, loss) on the validation pairs.
    var losses: [Float] = []
    var validation: [(step: Int, loss: Float)] = []
    /// Wall-clock seconds and real target tokens (END included) seen.
    var seconds: Double = 0
    var targetTokens = 0
    /// Seconds in kernels and in the whole loop (Profiler, on the thread that runs the loop),
    /// and seconds that thread waited for the other replica to finish its half.
    var kernelSeconds: Double = 0, profiledSeconds: Double = 0, waitingSeconds: Double = 0

    var tokensPerSecond: Double { seconds > 0 ? Double(targetTokens) / seconds : 0 }
    /// Shares of the loop's time: kernels, waiting, and the rest — the tape's bookkeeping.
    var kernelShare: Double { profiledSeconds > 0 ? kernelSeconds / profiledSeconds : 0 }
    var waitingShare: Double { profiledSeconds > 0 ? waitingSeconds / profiledSeconds : 0 }
    var tapeShare: Double { profiledSeconds > 0 ? 1 - kernelShare - waitingShare : 0 }
}

// MARK: - Bucketing

/// Batches of similar source length, so that little of each batch is padding: shuffle, sort by
/// source then target length (a stable sort keeps the shuffled order among equals), cut into
/// batches of `size`, and shuffle the batches. Every pair is used once per call (an epoch).
///
/// - Returns: indices into `pairs`, one array per batch.
func bucketedBatches(_ pairs: [EncodedPair], size: Int, generator: inout SeededGenerator) -> [[Int]] {
    var order = Array(pairs.indices)
    order.shuffle(using: &generator)
    let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    order.sort { a, b in
        (pairs[a].source.count, pairs[a].target.count, rank[a]!) < (pairs[b].source.count, pairs[b].target.count, rank[b]!)
    }
    var batches = stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min($0 + size, order.count)]) }
    batches.shuffle(using: &generator)
    return batches
}

// MARK: - Data-parallel replicas

/// Trains a translator with R replicas that share its weights: each replica runs forward and
/// backward on its share of the batch, on its own core (`Parallel.forEach`), then the gradients
/// are added up in a fixed order and Adam updates the first replica's weights, which the others
/// then share again. The result does not depend on how many threads run the replicas.
///
/// The loss of the whole batch is the mean over its real target tokens, so replica r's loss
/// (a mean over its own n_r tokens) is weighted n_r / n before its backward pass.
final class ReplicatedTrainer {
    let replicas: [Translator]
    var model: Translator { replicas[0] }
    let optimizer: Adam
    let settings: TrainingSettings
    let schedule: LearningRateSchedule
    /// Seconds the calling thread spent waiting for other replicas (see `forEachReplica`).
    private(set) var waitingSeconds = 0.0

    init(replicas: [Translator], settings: TrainingSettings) {
        self.replicas = replicas
        self.settings = settings
        optimizer = Adam(parameters: replicas[0].parameters, learningRate: 0)
        schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                        decay: .cosine(totalSteps: settings.steps, minimum: settings.learningRate / 20))
        shareWeights()
    }

    /// The other replicas' weights become the first one's (the tensors are shared, not copied).
    func shareWeights() {
        let master = model.parameters
        for replica in replicas.dropFirst() {
            for (mine, theirs) in zip(replica.parameters, master) { mine.value = theirs.value }
        }
    }

    /// The pairs `indices` split into one batch per replica (a replica may get none).
    func split(_ indices: [Int], _ pairs: [EncodedPair]) -> [TrainingBatch?] {
        let r = replicas.count, base = indices.count / r, extra = indices.count % r
        var start = 0
        return (0..<r).map { part in
            let count = base + (part < extra ? 1 : 0)
            defer { start += count }
            guard count > 0 else { return nil }
            let chosen = indices[start..<(start + count)].map { pairs[$0] }
            return TrainingBatch(sources: chosen.map(\.source), targets: chosen.map(\.target))
        }
    }

    /// Runs `body` for every replica's part, concurrently; rethrows the first error. Adds the
    /// time this thread waits, after its last part, for the others to `waitingSeconds`.
    func forEachReplica(_ parts: [TrainingBatch?], _ body: @escaping (Translator, TrainingBatch) throws -> Float) throws -> [Float] {
        var results = [Float](repeating: 0, count: parts.count)
        var errors = [Error?](repeating: nil, count: parts.count)
        var finished = [UInt64](repeating: 0, count: parts.count), mine = [Bool](repeating: false, count: parts.count)
        let caller = pthread_self()
        results.withUnsafeMutableBufferPointer { results in
            errors.withUnsafeMutableBufferPointer { errors in
                finished.withUnsafeMutableBufferPointer { finished in
                    mine.withUnsafeMutableBufferPointer { mine in
                        Parallel.forEach(chunks: parts.count) { index in
                            defer {
                                finished[index] = DispatchTime.now().uptimeNanoseconds
                                mine[index] = pthread_equal(pthread_self(), caller) != 0
                            }
                            guard let part = parts[index] else { return }
                            do { results[index] = try body(replicas[index], part) } catch { errors[index] = error }
                        }
                    }
                }
            }
        }
        let end = DispatchTime.now().uptimeNanoseconds
        if let last = parts.indices.filter({ mine[$0] }).max(by: { finished[$0] < finished[$1] }) {
            waitingSeconds += Double(end - min(end, finished[last])) * 1e-9
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
        return results
    }

    /// One step on the pairs `indices`: gradients from every replica, clipping, Adam.
    /// - Returns: the batch's mean loss per target token.
    func step(_ indices: [Int], _ pairs: [EncodedPair], index: Int) throws -> Float {
        let loss = try accumulateGradients(indices, pairs)
        clipGradientNorm(model.parameters, maxNorm: settings.clipNorm)
        optimizer.learningRate = schedule.rate(atStep: index)
        optimizer.step()
        for replica in replicas { replica.zeroGradients() }
        shareWeights()
        return loss
    }

    /// Forward and backward on every replica's share of the pairs `indices`, concurrently, then
    /// Σ_r ∂L_r/∂w added into the first replica's gradients, in replica order.
    /// - Returns: the batch's mean loss per target token.
    func accumulateGradients(_ indices: [Int], _ pairs: [EncodedPair]) throws -> Float {
        let parts = split(indices, pairs)
        let total = Float(max(1, parts.reduce(0) { $0 + ($1?.targetTokens ?? 0) }))
        let losses = try forEachReplica(parts) { replica, part in
            replica.zeroGradients()
            let loss = try replica.loss(part)
            let weight = Float(part.targetTokens) / total
            loss.backward(seed: Tensor(repeating: weight, shape: []))
            return loss.value.item * weight
        }
        let master = model.parameters
        for (index, replica) in replicas.enumerated().dropFirst() where parts[index] != nil {
            for (parameter, theirs) in zip(master, replica.parameters) {
                guard let gradient = theirs.grad else { continue }
                if parameter.grad == nil {
                    parameter.grad = gradient
                } else {
                    gradient.withUnsafeBufferPointer { g in
                        parameter.grad!.withUnsafeMutableBufferPointer { target in
                            for i in 0..<target.count { target[i] += g[i] }
                        }
                    }
                }
            }
        }
        return losses.reduce(0, +)
    }

    /// The mean loss per target token over `pairs`, without the tape, in batches of the
    /// training size, the replicas evaluating in parallel.
    func validationLoss(_ pairs: [EncodedPair]) throws -> Float {
        var total = 0.0, tokens = 0
        for start in stride(from: 0, to: pairs.count, by: settings.batchSize * replicas.count) {
            let indices = Array(start..<min(pairs.count, start + settings.batchSize * replicas.count))
            let parts = split(indices, pairs)
            let sums = try forEachReplica(parts) { replica, part in
                try evaluating { try replica.loss(part).value.item * Float(part.targetTokens) }
            }
            total += sums.reduce(0.0) { $0 + Double($1) }
            tokens += parts.reduce(0) { $0 + ($1?.targetTokens ?? 0) }
        }
        return Float(total / Double(max(1, tokens)))
    }

    /// The whole run: `settings.steps` steps over bucketed epochs of `pairs`, a progress bar,
    /// the validation loss now and then, the profiler's split of the time.
    func train(_ pairs: [EncodedPair], validation: [EncodedPair], label: String,
               generator: inout SeededGenerator) throws -> TrainingRecord {
        var record = TrainingRecord()
        var batches: [[Int]] = []
        waitingSeconds = 0
        let bar = ProgressBar(total: settings.steps, label: label)
        let start = ContinuousClock.now
        let (_, report) = try Profiler.profile {
            for index in 0..<settings.steps {
                if batches.isEmpty { batches = bucketedBatches(pairs, size: settings.batchSize, generator: &generator) }
                let batch = batches.removeLast()
                let tokens = batch.reduce(0) { $0 + pairs[$1].target.count + 1 }
                let loss = try step(batch, pairs, index: index)
                record.losses.append(loss)
                record.targetTokens += tokens
                if (index + 1) % settings.validateEvery == 0 || index + 1 == settings.steps {
                    record.validation.append((index + 1, try validationLoss(validation)))
                }
                bar.update(step: index + 1, loss: loss, tokens: tokens)
            }
        }
        bar.finish()
        let elapsed = ContinuousClock.now - start
        record.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        record.kernelSeconds = report.kernelSeconds
        record.profiledSeconds = report.totalSeconds
        record.waitingSeconds = waitingSeconds
        return record
    }
}
