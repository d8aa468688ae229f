// A pretrained sentence-transformers BERT folder (all-MiniLM-L6-v2 or any other BERT) as the
// lesson's embedding model: its WordPiece tokenizer from tokenizer.json, the encoder from
// config.json and model.safetensors, mean pooling and unit length as its modules.json says.

import Autograd
import Foundation
import TensorCore

/// A sentence-transformers BERT model read from its folder.
struct PretrainedEmbedder: SentenceEmbedder {
    let name: String
    let model: BERTModel
    let tokenizer: WordPieceTokenizer
    let maxTokens: Int

    /// Checks that `folder` is a BERT sentence model this lesson can run, without loading the weights.
    /// - Throws: `LessonError` in one line saying what is missing or unsupported.
    static func check(_ folder: String) throws -> (configuration: BERTModel.Configuration, tokenizer: WordPieceTokenizer, maxTokens: Int) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw LessonError("the model folder \(folder) does not exist (Lessons/PrivateDocs/get-model.sh fetches all-MiniLM-L6-v2)")
        }
        guard isDirectory.boolValue else { throw LessonError("--model \(folder) is a file, not a model folder") }
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        for required in ["config.json", "model.safetensors", "tokenizer.json"] where !FileManager.default.fileExists(atPath: path(required)) {
            throw LessonError("the model folder \(folder) has no \(required); a sentence-transformers BERT folder needs "
                              + "config.json, model.safetensors and tokenizer.json")
        }
        let configuration: BERTModel.Configuration
        do {
            configuration = try BERTModel.Configuration(json: FileManager.default.contents(atPath: path("config.json")) ?? Data(),
                                                        path: path("config.json"))
        } catch let error as BERTError { throw LessonError(error.description) }
        if let data = FileManager.default.contents(atPath: path("1_Pooling/config.json")),
           let pooling = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           pooling["pooling_mode_mean_tokens"] as? Bool != true {
            throw LessonError("\(path("1_Pooling/config.json")) asks for a pooling other than the mean of the tokens; only mean pooling is supported")
        }
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: path("tokenizer.json"))
        guard tokenizer.count <= configuration.vocabulary else {
            throw LessonError("\(path("tokenizer.json")) has \(tokenizer.count) pieces but the model only \(configuration.vocabulary)")
        }
        var maxTokens = min(configuration.maxPositions, 512)
        if let data = FileManager.default.contents(atPath: path("sentence_bert_config.json")),
           let settings = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let length = (settings["max_seq_length"] as? NSNumber)?.intValue, length > 2 {
            maxTokens = min(maxTokens, length)
        }
        return (configuration, tokenizer, maxTokens)
    }

    /// Loads the model in `folder`.
    /// - Throws: `LessonError` in one line for a folder that is not a BERT sentence model or whose
    ///   weights are damaged.
    init(folder: String) throws {
        let (configuration, tokenizer, maxTokens) = try Self.check(folder)
        var generator = SeededGenerator(seed: 0)
        model = BERTModel(configuration, generator: &generator)
        do {
            try model.loadWeights(from: (folder as NSString).appendingPathComponent("model.safetensors"))
        } catch let error as CheckpointError {
            throw LessonError(error.description)
        }
        self.tokenizer = tokenizer
        self.maxTokens = maxTokens
        let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        name = (trimmed as NSString).lastPathComponent
    }

    func embed(_ texts: [String]) throws -> Tensor {
        var rows: [Tensor] = []
        for start in stride(from: 0, to: texts.count, by: 16) {
            let batch = paddedBatch(Array(texts[start..<min(start + 16, texts.count)]), tokenizer, maxTokens: maxTokens)
            rows.append(try model.sentenceEmbeddings(batch.ids, shape: [batch.lengths.count, batch.n], lengths: batch.lengths))
        }
        return rows.isEmpty ? Tensor.zeros([0, model.configuration.width]) : try Tensor.concatenate(rows, axis: 0)
    }
}
