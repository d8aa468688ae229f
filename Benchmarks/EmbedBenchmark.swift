// `bench embed`: sentences per second of a pretrained BERT sentence model (all-MiniLM-L6-v2 by
// default) on our kernels: one batch of B sentences of N tokens, forward pass, mean pooling and
// normalisation. B = batch, N = tokens, d = width, F = intermediate width, L = layers.
// FLOPs per batch: L · (2·B·N·(4·d² + 2·d·F) for the products + 4·B·N²·d for attention).

import ArgumentParser
import Autograd
import Foundation
import TensorCore
import _Support

/// Times the sentence-embedding forward of a BERT folder.
///
///     swift run -c release bench embed --batch 32 --tokens 128
struct EmbedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentences per second of a BERT sentence model (all-MiniLM-L6-v2) on this machine.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "A sentence-transformers BERT folder (default: Models/all-MiniLM-L6-v2).")
    var model: String = "Models/all-MiniLM-L6-v2"

    @Option(name: .long, help: "Sentences per batch B.")
    var batch: Int = 32

    @Option(name: .long, help: "Tokens per sentence N ([CLS] and [SEP] included).")
    var tokens: Int = 128

    func run() throws {
        let bert: BERTModel
        do {
            try shared.check()
            guard (1...1024).contains(batch) else { throw BenchError("--batch must be in 1...1024, got \(batch)") }
            guard (2...4096).contains(tokens) else { throw BenchError("--tokens must be in 2...4096, got \(tokens)") }
            guard FileManager.default.fileExists(atPath: model + "/config.json") else {
                throw BenchError("no model in \(model): Lessons/PrivateDocs/get-model.sh fetches all-MiniLM-L6-v2 there, or give --model DIR")
            }
            bert = try BERTModel(folder: model)
            guard tokens <= bert.configuration.maxPositions else {
                throw BenchError("--tokens \(tokens) is more than the model's \(bert.configuration.maxPositions) positions")
            }
        } catch let error as BenchError {
            error.exit()
        } catch {
            BenchError("\(error)").exit()
        }
        shared.apply()

        let c = bert.configuration
        let flops = Double(c.layers) * (2 * Double(batch * tokens) * Double(4 * c.width * c.width + 2 * c.width * c.intermediate)
                                        + 4 * Double(batch * tokens * tokens * c.width))
        print("bench embed: \(model), L=\(c.layers) d=\(c.width) heads=\(c.heads) F=\(c.intermediate); B=\(batch) sentences of N=\(tokens) tokens")
        describeMachine().forEach { print($0) }
        print("each cell: one warm-up batch, then \(shared.repeats) timed batches; median, (fastest–slowest)")
        let firstCeiling = FMACeiling.measure()

        var random = BenchRandom(state: 14)
        // Ids of ordinary word pieces (past the special and unused ones at the start of BERT's vocabulary).
        let ids = (0..<batch * tokens).map { _ in 2000 + Int((random.next() + 1) / 2 * Float(c.vocabulary - 2001)) }
        let lengths = [Int](repeating: tokens, count: batch)
        var rows: [[String]] = []
        var fields: [String] = []
        var timings: [(GEMMBackend, Timing)] = []
        for backend in [GEMMBackend.portable] + [.openBLAS, .accelerate].filter(\.isAvailable) {
            let timing = GEMM.$override.withValue(backend) {
                _ = try? bert.sentenceEmbeddings(ids, shape: [batch, tokens], lengths: lengths)
                return Stopwatch.time(repeats: shared.repeats, minimumSample: 0) {
                    _ = try? bert.sentenceEmbeddings(ids, shape: [batch, tokens], lengths: lengths)
                }
            }
            timings.append((backend, timing))
        }
        let ceiling = firstCeiling.remeasured()
        print(ceiling.description)
        print()
        for (backend, timing) in timings {
            let perSecond = Double(batch) / timing.median
            rows.append([backend.rawValue, timing.millisecondsText, fixed(perSecond, decimals: 1),
                         fixed(flops / timing.median / 1e9, decimals: 1), ceiling.share(flops / timing.median / 1e9)])
            fields.append("\(backend.rawValue)_sentences_per_second=\(fixed(perSecond, decimals: 1))")
        }
        printAlignedTable(header: ["GEMM", "ms per batch", "sentences/s", "model GFLOP/s", "of peak"], rows: rows)
        print("embed: " + (fields + [ceiling.field, "batch=\(batch)", "tokens=\(tokens)", "threads=\(Parallel.threadCount)"]).joined(separator: " "))
    }
}
