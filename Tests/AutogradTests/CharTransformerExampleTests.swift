// The char-transformer example's text and model: the shipped text loads, and the model learns
// from it, deterministically for a seed (the example itself is run by hand; this is its check).
// B = batch, N = context, V = the text's distinct characters.

import Autograd
import Foundation
import Testing
import TensorCore

@Suite struct CharTransformerExampleTests {
    /// Examples/CharTransformer/corpus.txt, as the example ships it.
    static func corpus() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Examples/CharTransformer/corpus.txt")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// A few KB of plain sentences, a small alphabet, no control characters but newlines.
    @Test func textResourceLoads() throws {
        let text = try Self.corpus()
        #expect((3_000...20_000).contains(text.utf8.count), "\(text.utf8.count) bytes")
        let alphabet = Set(text)
        #expect((20...90).contains(alphabet.count), "\(alphabet.count) distinct characters")
        #expect(alphabet.allSatisfy { $0 == "\n" || ($0.isASCII && !$0.isNewline && $0.asciiValue! >= 32) })
        #expect(text.contains("attention") && text.contains("cat"))
    }

    /// A few AdamW steps on the shipped text, with the example's model (2 layers, d = 64, 4 heads,
    /// context 64, flash attention) and its training step (`CausalLanguageModel.trainingStep`) but a
    /// small batch: the loss starts near ln V and falls, and the
    /// same seed gives the same losses to the last bit.
    @Test func modelTrainsOnTheTextDeterministically() throws {
        let text = try Self.corpus()
        let characters = Set(text).sorted()
        let ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
        let tokens = text.map { ids[$0]! }
        func run(seed: UInt64) throws -> [Float] {
            var rng = SeededGenerator(seed: seed)
            let model = try CausalLanguageModel(.init(vocabulary: characters.count, context: 64), generator: &rng)
            let optimizer = AdamW(parameters: model.parameters, learningRate: 3e-3)
            let quiet = ProgressBar(total: 25, label: "char", isTerminal: false, write: { _ in })
            return try train(steps: 25, progress: quiet) { _ in
                try model.trainingStep(on: tokens, batch: 4, optimizer: optimizer, using: &rng)
            }.losses
        }
        let losses = try run(seed: 42)
        let uniform = Float(log(Double(characters.count)))
        #expect(abs(losses[0] - uniform) < 0.6, "first loss \(losses[0]), ln V = \(uniform)")
        let late = losses.suffix(5).reduce(0, +) / 5
        #expect(late < losses[0] - 0.7, "losses \(losses)")
        #expect(try run(seed: 42) == losses)
        #expect(try run(seed: 43) != losses)
    }
}
