// Step 1: the transformer of Vaswani et al. (2017), encoder and decoder, drawn with the sizes of
// this lesson's model, and where that model's parameters are.
// V = vocabulary, d = width, H = heads, F = feed-forward width, L = layers.

import Autograd
import Figures
import Foundation
import TensorCore

/// The parameters of an encoder-only model (`TransformerEncoderModel`) part by part, in closed form.
struct ParameterCount: Equatable {
    let embeddings: Int, attention: Int, feedForward: Int, layerNorms: Int, finalNorm: Int, head: Int
    var total: Int { embeddings + attention + feedForward + layerNorms + finalNorm + head }

    /// - embeddings V·d (the positional encoding is a fixed table: no parameters)
    /// - attention, per layer: W_q, W_k, W_v, W_o, each d×d with a bias: 4d² + 4d
    /// - feed-forward, per layer: d×F + F, then F×d + d
    /// - layer norms, two per layer: a gain and a bias of d each, 4d; and the final norm, 2d
    /// - the output head: d×V + V
    init(_ c: TransformerEncoderModel.Configuration) {
        let (v, d, f, l) = (c.vocabulary, c.width, c.hidden, c.layers)
        embeddings = v * d
        attention = l * (4 * d * d + 4 * d)
        feedForward = l * (2 * d * f + f + d)
        layerNorms = l * 4 * d
        finalNorm = 2 * d
        head = d * v + v
    }
}

extension MultiHeadAttentionLesson {
    /// Draws the architecture and returns the untrained model (the weights training starts from).
    static func drawArchitecture(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws -> ReferentModel {
        context.section("The architecture")
        let c = settings.configuration(vocabulary: corpus.vocabulary.count)
        var generator = context.generator(for: "weights")
        let model = try ReferentModel(c, vocabulary: corpus.vocabulary, restricted: false, generator: &generator)
        try context.save(architectureDiagram(c), as: "architecture", data: .table(try parameterTable(c, model.encoder)))
        context.say("""
            The 2017 transformer reads a sentence with an encoder (left) and writes another with a \
            decoder (right). Each encoder layer is self-attention — every word looks at every word — \
            then a feed-forward network applied to each word alone, each wrapped in a residual \
            connection and a layer norm. The decoder adds masked self-attention (no peeking at later \
            words) and cross-attention to the encoder's output. This lesson's model is the encoder \
            alone, \(c.layers) layer(s) of width d = \(c.width) with \(c.heads) heads, and a linear \
            head that names, at the position of "it", the word "it" means.
            """)
        try context.show(try parameterTable(c, model.encoder), as: "parameters")
        return model
    }

    /// The parameter table: part, formula, count, and the model's own count as the last row.
    static func parameterTable(_ c: TransformerEncoderModel.Configuration, _ model: TransformerEncoderModel) throws -> Table {
        let p = ParameterCount(c)
        var table = Table(title: "Parameters of this lesson's model (V = \(c.vocabulary), d = \(c.width), F = \(c.hidden), L = \(c.layers))",
                          columns: ["part", "formula", "parameters"])
        try table.append(["token embeddings", "V·d", "\(p.embeddings)"])
        try table.append(["positional encoding", "fixed sinusoids", "0"])
        try table.append(["attention Q/K/V/O", "L·(4d² + 4d)", "\(p.attention)"])
        try table.append(["feed-forward", "L·(2dF + F + d)", "\(p.feedForward)"])
        try table.append(["layer norms", "L·4d + 2d", "\(p.layerNorms + p.finalNorm)"])
        try table.append(["output head", "d·V + V", "\(p.head)"])
        try table.append(["total", "sum of the above", "\(p.total)"])
        try table.append(["total counted in the model", "", "\(model.parameterCount)"])
        return table
    }

    /// The encoder and decoder of the 2017 paper as boxes and arrows, annotated with `c`.
    static func architectureDiagram(_ c: TransformerEncoderModel.Configuration) -> BlockDiagram {
        var diagram = BlockDiagram(title: "The transformer (Vaswani et al., 2017) with this lesson's sizes", width: 1200, height: 940)
        let attention = Color(hex: 0xF6D7A7), feedForward = Color(hex: 0xC9E4F5), norm = Color(hex: 0xF1F1C8)
        let embed = Color(hex: 0xF8D0D0), output = Color(hex: 0xD9D2EC)
        let (d, h, f) = (c.width, c.heads, c.hidden)
        func column(x: Int, decoder: Bool) {
            let w = 300
            let mid = Double(x + w / 2)
            // Bottom to top: inputs, embedding, + PE, the layer stack, (decoder: linear, softmax).
            diagram.labels.append(.init(decoder ? "outputs so far (shifted right)" : "inputs: the words of the sentence",
                                        x: mid, y: 900, anchor: .center))
            diagram.boxes.append(.init(x: x, y: 820, width: w, height: 46, lines: ["embedding  [N] → [N, d = \(d)]"], fill: embed))
            diagram.arrows.append(.init([Point(x: mid, y: 888), Point(x: mid, y: 866)]))
            diagram.boxes.append(.init(x: x + 60, y: 762, width: w - 120, height: 36, lines: ["+ positional encoding"], fill: embed))
            diagram.arrows.append(.init([Point(x: mid, y: 820), Point(x: mid, y: 798)]))
            let frameTop = decoder ? 330 : 470, frameBottom = 735
            diagram.frames.append(.init(x: x - 20, y: frameTop, width: w + 40, height: frameBottom - frameTop,
                                        lines: [decoder ? "decoder layer × L" : "encoder layer × L = \(c.layers)"],
                                        fill: Color(r: 250, g: 250, b: 250), textSize: 14))
            diagram.arrows.append(.init([Point(x: mid, y: 762), Point(x: mid, y: 700)]))
            var y = 700
            func block(_ lines: [String], _ fill: Color, height: Int) {
                diagram.boxes.append(.init(x: x, y: y - height, width: w, height: height, lines: lines, fill: fill))
                y -= height
                diagram.arrows.append(.init([Point(x: mid, y: Double(y)), Point(x: mid, y: Double(y - 16))]))
                y -= 16
            }
            block([decoder ? "masked multi-head self-attention" : "multi-head self-attention",
                   "H = \(h) heads of d/H = \(d / max(h, 1)); Q, K, V: [N, d]"], attention, height: 56)
            block(["add & layer norm"], norm, height: 30)
            if decoder {
                block(["multi-head cross-attention", "Q from here, K and V from the encoder"], attention, height: 56)
                block(["add & layer norm"], norm, height: 30)
            }
            block(["feed-forward  d → F = \(f) → d", "the same MLP at every position"], feedForward, height: 56)
            diagram.boxes.append(.init(x: x, y: y - 30 + 16, width: w, height: 30, lines: ["add & layer norm"], fill: norm))
            y = y - 30 + 16
            if decoder {
                diagram.arrows.append(.init([Point(x: mid, y: Double(y)), Point(x: mid, y: 290)]))
                diagram.boxes.append(.init(x: x, y: 244, width: w, height: 46, lines: ["linear  d → V, softmax"], fill: output))
                diagram.arrows.append(.init([Point(x: mid, y: 244), Point(x: mid, y: 214)]))
                diagram.labels.append(.init("probabilities of the next word", x: mid, y: 200, anchor: .center))
            } else {
                diagram.arrows.append(.init([Point(x: mid, y: Double(y)), Point(x: mid, y: 420)]))
                diagram.boxes.append(.init(x: x, y: 374, width: w, height: 46, lines: ["this lesson: linear d → V at \"it\"",
                                                                                        "softmax over the nouns before \"it\""], fill: output))
                diagram.arrows.append(.init([Point(x: mid, y: 374), Point(x: mid, y: 344)]))
                diagram.labels.append(.init("which noun \"it\" means", x: mid, y: 330, anchor: .center))
            }
        }
        column(x: 120, decoder: false)
        column(x: 760, decoder: true)
        // The encoder's output feeds every decoder layer's cross-attention.
        diagram.arrows.append(.init([Point(x: 440, y: 500), Point(x: 600, y: 500), Point(x: 600, y: 520), Point(x: 760, y: 520)],
                                    color: Color(hex: 0x0072B2), dashed: true))
        diagram.labels.append(.init("encoder output [N, d]", x: 520, y: 488, anchor: .bottom, size: 13, color: Color(hex: 0x0072B2)))
        diagram.labels.append(.init("Encoder (this lesson's model)", x: 270, y: 90, anchor: .center, size: 18, color: .black))
        diagram.labels.append(.init("Decoder (translation, generation)", x: 910, y: 90, anchor: .center, size: 18, color: .black))
        diagram.labels.append(.init("N = words, d = \(d), H = \(h), F = \(f), V = \(c.vocabulary); "
                                        + "the paper: norm(x + sublayer(x)); this lesson: x + sublayer(norm(x))",
                                    x: 600, y: 124, anchor: .center, size: 14))
        return diagram
    }
}
