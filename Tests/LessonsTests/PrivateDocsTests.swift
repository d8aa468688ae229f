// The private-docs lesson's parts: the WordPiece tokenizer against Hugging Face's `tokenizers`
// (References/bert_references.py), the BERT forward pass against an independent float64 NumPy
// implementation (a tiny random BERT always; all-MiniLM-L6-v2 when it was fetched), BM25 against
// hand-computed scores, cosine similarity and top-k on a hand-made example, chunking, and the
// WordPiece learner on a corpus small enough to follow by hand.

import Autograd
import Foundation
import Testing
import TensorCore
@testable import Lessons

/// A reference file's cases: text, Hugging Face's pieces and ids, and (some) the NumPy embedding.
struct BERTReferenceCase: Decodable {
    let text: String
    let tokens: [String]
    let ids: [Int]
    let embedding: [Double]?
}

enum BERTReferences {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("References")
    static let tinyModel = folder.appendingPathComponent("TinyBERT").path
    /// Where Lessons/PrivateDocs/get-model.sh puts all-MiniLM-L6-v2 (ignored by git).
    static let realModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/all-MiniLM-L6-v2").path
    static var realModelPresent: Bool { FileManager.default.fileExists(atPath: realModel + "/model.safetensors") }

    static func cases(_ file: String) throws -> [BERTReferenceCase] {
        struct File: Decodable { let cases: [BERTReferenceCase] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: folder.appendingPathComponent(file))).cases
    }

    /// Every case's pieces and ids as the tokenizer makes them, against Hugging Face's.
    static func checkTokenizer(_ tokenizer: WordPieceTokenizer, _ cases: [BERTReferenceCase]) {
        for c in cases {
            let ids = tokenizer.encode(c.text)
            #expect(tokenizer.decode(ids) == c.tokens, "pieces of \(c.text.debugDescription)")
            #expect(ids == c.ids, "ids of \(c.text.debugDescription)")
        }
    }

    /// The model's sentence embeddings, one batch with padding, against the NumPy ones: cosine ≥ 0.9999, max |Δ| ≤ `atol`.
    static func checkEmbeddings(_ model: BERTModel, _ cases: [BERTReferenceCase], atol: Double) throws {
        let embedded = cases.filter { $0.embedding != nil }
        let n = embedded.map(\.ids.count).max()!
        let ids = embedded.flatMap { $0.ids + [Int](repeating: 0, count: n - $0.ids.count) }
        let vectors = try model.sentenceEmbeddings(ids, shape: [embedded.count, n], lengths: embedded.map(\.ids.count))
        let d = vectors.shape[1]
        for (i, c) in embedded.enumerated() {
            let got = vectors.scalars[i * d..<(i + 1) * d].map(Double.init), want = c.embedding!
            #expect(got.count == want.count)
            let cosine = zip(got, want).reduce(0) { $0 + $1.0 * $1.1 }
                / (got.reduce(0) { $0 + $1 * $1 }.squareRoot() * want.reduce(0) { $0 + $1 * $1 }.squareRoot())
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            #expect(cosine >= 0.9999 && worst <= atol, "\(c.text.debugDescription): cosine \(cosine), max |Δ| \(worst)")
        }
    }
}

@Suite struct WordPieceTokenizerTests {
    @Test("the tiny tokenizer.json splits accents, punctuation, unknown, long and non-Latin words as Hugging Face's does")
    func tinyTokenizerMatchesHuggingFace() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: BERTReferences.tinyModel + "/tokenizer.json")
        BERTReferences.checkTokenizer(tokenizer, try BERTReferences.cases("tiny_bert_reference.json"))
    }

    @Test("all-MiniLM-L6-v2's tokenizer gives Hugging Face's pieces and ids",
          .enabled(if: BERTReferences.realModelPresent, "all-MiniLM-L6-v2 is not in Models/ (Lessons/PrivateDocs/get-model.sh fetches it): skipped"))
    func realTokenizerMatchesHuggingFace() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: BERTReferences.realModel + "/tokenizer.json")
        BERTReferences.checkTokenizer(tokenizer, try BERTReferences.cases("minilm_reference.json"))
    }

    @Test("the learner merges the pair with the best count(ab) / (count(a) count(b)) and stops when no pair is frequent enough")
    func learnerOnAHandCorpus() {
        // a ##b occurs 3 times (score 3 / (3·3)); ##b ##c once, under the minimum pair count of 2.
        let learned = WordPieceTrainer.learn(words: ["ab", "ab", "abc"], size: 100)
        #expect(learned.pieces == WordPieceTrainer.specialTokens + ["a", "##b", "##c", "ab"])
        #expect(learned.merges.map(\.piece) == ["ab"] && learned.merges[0].count == 3)
        #expect(abs(learned.merges[0].score - 1.0 / 3) < 1e-12)
        let tokenizer = try! WordPieceTokenizer(pieces: learned.pieces)
        #expect(tokenizer.tokenize("abc ab cab") == ["ab", "##c", "ab", "[UNK]"])
    }

    @Test("a vocabulary without [UNK], [CLS], [SEP] or [PAD] is refused")
    func missingSpecialToken() {
        #expect(throws: LessonError.self) { try WordPieceTokenizer(pieces: ["[PAD]", "[CLS]", "[SEP]", "a"]) }
    }
}

@Suite struct BERTForwardTests {
    @Test("a tiny random BERT's sentence embeddings match the float64 NumPy forward pass, padded in one batch")
    func tinyModelMatchesNumPy() throws {
        let model = try BERTModel(folder: BERTReferences.tinyModel)
        try BERTReferences.checkEmbeddings(model, try BERTReferences.cases("tiny_bert_reference.json"), atol: 1e-5)
    }

    @Test("all-MiniLM-L6-v2's sentence embeddings match the float64 NumPy forward pass",
          .enabled(if: BERTReferences.realModelPresent, "all-MiniLM-L6-v2 is not in Models/ (Lessons/PrivateDocs/get-model.sh fetches it): skipped"))
    func realModelMatchesNumPy() throws {
        let model = try BERTModel(folder: BERTReferences.realModel)
        try BERTReferences.checkEmbeddings(model, try BERTReferences.cases("minilm_reference.json"), atol: 1e-4)
    }

    @Test("a config that is not BERT, or weights of the wrong shape, are refused in one line")
    func badFolders() throws {
        let gpt = Data(#"{"model_type": "gpt2", "hidden_size": 8}"#.utf8)
        #expect(throws: BERTError.self) { try BERTModel.Configuration(json: gpt) }
        let relu = Data(#"{"model_type": "bert", "hidden_act": "relu", "vocab_size": 5, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 8}"#.utf8)
        #expect(throws: BERTError.self) { try BERTModel.Configuration(json: relu) }
        var generator = SeededGenerator(seed: 1)
        let wider = BERTModel(.init(vocabulary: 110, width: 16, layers: 2, heads: 2, intermediate: 16, maxPositions: 160), generator: &generator)
        #expect(throws: CheckpointError.self) { try wider.loadWeights(from: BERTReferences.tinyModel + "/model.safetensors") }
    }
}

@Suite struct RetrievalTests {
    @Test("BM25 scores match the formula worked by hand")
    func bm25ByHand() {
        // Chunks "a b", "b c c", "d": N = 3, avgdl = 2. For "c": n = 1, idf = ln(1 + 2.5 / 1.5) = ln(8/3);
        // chunk 1 has f = 2, |c| = 3: 2 · 2.2 / (2 + 1.2 · (0.25 + 0.75 · 1.5)) = 4.4 / 3.65.
        let bm25 = BM25(["a b", "b c c", "d"])
        let c = bm25.scores("C!")
        #expect(abs(c[1] - log(8.0 / 3) * 4.4 / 3.65) < 1e-12 && c[0] == 0 && c[2] == 0)
        // For "b d": b has n = 2, idf = ln(1 + 1.5 / 2.5) = ln 1.6; d has n = 1, idf = ln(8/3).
        let bd = bm25.scores("b d")
        #expect(abs(bd[0] - log(1.6) * 2.2 / (1 + 1.2)) < 1e-12)                       // |c| = avgdl
        #expect(abs(bd[1] - log(1.6) * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1.5))) < 1e-12)
        #expect(abs(bd[2] - log(8.0 / 3) * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 0.5))) < 1e-12)
    }

    @Test("cosine similarity and top-k on a hand-made example; ties go to the lower index")
    func cosineAndTopK() throws {
        let a = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 2])
        let b = try Tensor(shape: [3, 2], scalars: [3, 4, 0, -1, 1, 1])
        let s = try cosineSimilarity(a, b).scalars
        let expected: [Float] = [0.6, 0, Float(0.5).squareRoot(), 0.8, -1, Float(0.5).squareRoot()]
        for (x, y) in zip(s, expected) { #expect(abs(x - y) < 1e-6) }
        #expect(topK(Array(s[0..<3]), 2) == [2, 0])
        #expect(topK([1, 1, 0, 1], 3) == [0, 1, 3])
    }

    @Test("chunks of 3 non-empty lines sharing 1 keep file line numbers and skip blank lines")
    func chunking() {
        let document = Document(file: "x.txt", lines: ["one.", "", "three.", "four. Still four!", "five", "six", "seven"])
        let chunks = chunk([document], size: 3, overlap: 1)
        #expect(chunks.map { [$0.firstLine, $0.lastLine] } == [[1, 4], [4, 6], [6, 7]])
        #expect(chunks[0].text == "one.\nthree.\nfour. Still four!")
        #expect(chunks[0].sentences.map(\.text) == ["one.", "three.", "four. Still four!"])
        #expect(splitSentences("The rent is due. It is paid by transfer.") == ["The rent is due.", "It is paid by transfer."])
    }

    @Test("every question's answer is on exactly one line of its document")
    func questionsHaveOneAnsweringLine() throws {
        let documents = try DocumentFolder.read(DocumentFolder.lessonFolder).documents
        for question in RetrievalQuestions.all {
            let document = try #require(documents.first { $0.file == question.file })
            #expect(document.lines.filter { $0.contains(question.answer) }.count == 1, "\(question.text)")
        }
    }
}
