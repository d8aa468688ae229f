// Lesson: answering from private documents on your own machine — tokens vs embeddings, vector
// similarity, and retrieval with sources — with an embedding model trained here or a real
// pretrained one (a sentence-transformers BERT folder such as all-MiniLM-L6-v2).

import ArgumentParser
import Autograd
import Figures
import Foundation
import TensorCore

/// Tokenization vs embeddings, vector similarity and retrieval over private documents.
///
/// Reads like the lecture's pipeline (process documents → vector embeddings → vector similarity →
/// answer):
/// 1. Learning a WordPiece tokenizer: the first pieces it makes, and how rare words split.
/// 2. "Frog on a log." as pieces and ids, for the built-in tokenizer and a pretrained model's.
/// 3. Training the built-in sentence encoder contrastively on paraphrase pairs.
/// 4. Ids carry no meaning, embeddings do: token vectors, and word similarity by id vs by cosine.
/// 5. The documents, cut into overlapping chunks of lines.
/// 6. Vector similarity: questions × chunks, and a 2-D map (PCA) of chunks and questions.
/// 7. Retrieval with sources: top-k chunks with file, lines and score, and the best sentence.
/// 8. How good is it: recall@1 and recall@3 for BM25, the built-in model and a pretrained one.
/// 9. Nothing is stored: the index holds vectors, line ranges and hashes, no text.
///
/// `--query` (with `--docs DIR`, else the lesson's own documents) and `--embed` instead run it as
/// a tool and write `answers.csv` or `embedding.npy`.
public enum PrivateDocsLesson: Lesson {
    public static let name = "private-docs"
    public static let summary = "tokenization vs embeddings, vector similarity, retrieval over private documents"

    /// Where the lesson looks for the pretrained model when `--model` is not given
    /// (`Lessons/PrivateDocs/get-model.sh` puts it there).
    static let defaultModelFolder = "Models/all-MiniLM-L6-v2"

    /// Every figure the lesson can write (name without .png) with a one-line caption.
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("encoder_loss", "Contrastive loss of the built-in encoder while it trains, held-out pairs beside training batches."),
        ("frog_vectors", "\"Frog on a log.\": each token's learned input vector (first dimensions), one row per token."),
        ("similarity_by_id", "Ten words compared by how close their token ids are: a pattern with no meaning."),
        ("similarity_by_embedding", "The same ten words compared by the cosine of their embeddings: synonyms light up."),
        ("chunks", "Which lines of each document go into which chunk; overlapping chunks share a line."),
        ("query_chunk_similarity", "Cosine similarity of every question to every chunk (built-in model)."),
        ("query_chunk_similarity_pretrained", "The same with the pretrained model, when one is present."),
        ("embedding_map", "Chunks (by document) and questions on the two main directions of the chunk vectors (PCA; the pretrained model when present)."),
        ("recall", "Share of questions whose answering chunk is ranked first, or in the top three, by each model."),
    ]

    public struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Answer TEXT from the documents: print the top sources and the best sentence, write answers.csv.",
                                   valueName: "text"))
        var query: String?

        @Option(help: ArgumentHelp("With --query: index every .txt and .md file under DIR (default: the lesson's own documents).",
                                   valueName: "dir"))
        var docs: String?

        @Option(help: ArgumentHelp("With --query: how many sources to return.", valueName: "n"))
        var k: Int = 3

        @Option(help: ArgumentHelp("Write the embedding of TEXT as embedding.npy (with the pretrained model when one is used).",
                                   valueName: "text"))
        var embed: String?

        @Option(help: ArgumentHelp("A sentence-transformers BERT folder (config.json, model.safetensors, tokenizer.json); "
                                   + "default: \(PrivateDocsLesson.defaultModelFolder) when present.", valueName: "dir"))
        var model: String?

        @Option(help: ArgumentHelp("Training steps of the built-in encoder (default: 250; 60 with --quick).", valueName: "n"))
        var steps: Int?

        @Flag(help: "Train the built-in encoder again even when cached weights for these settings and seed exist.")
        var retrain = false

        public init() {}

        public func validate() throws {
            if !(1...50).contains(k) { throw ValidationError("--k must be in 1...50, not \(k)") }
            try validateTrainingOptions(steps: steps)
            if let query, query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("the query is empty; give --query some words")
            }
            if let embed, embed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("the text to embed is empty; give --embed some words")
            }
            if docs != nil && query == nil { throw ValidationError("--docs needs a --query to answer") }
            if query != nil && embed != nil { throw ValidationError("give either --query or --embed, not both") }
        }
    }

    /// Everything the run needs, worked out once from the options and --quick.
    struct Settings {
        let steps: Int, batchSize: Int, learningRate: Float, temperature: Float
        let vocabularySize: Int, width: Int, layers: Int, heads: Int, context: Int
        let trainingPairs: Int, validationPairs: Int
        let chunkLines: Int, chunkOverlap: Int
        let retrain: Bool

        init(_ options: Options, quick: Bool) {
            steps = options.steps ?? (quick ? 60 : 250)
            batchSize = quick ? 32 : 64
            learningRate = 3e-3
            temperature = 0.05
            vocabularySize = quick ? 500 : 900
            width = quick ? 32 : 64
            layers = 1
            heads = 4
            context = 128
            trainingPairs = steps * batchSize
            validationPairs = 256
            chunkLines = 4
            chunkOverlap = 1
            retrain = options.retrain
        }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        if let docs = options.docs { _ = try DocumentFolder.read(docs) }
        if let folder = try pretrainedFolder(options) { _ = try PretrainedEmbedder(folder: folder) }   // reads every weight: a damaged file is refused here
    }

    /// The pretrained model's folder: `--model`, else the default folder when it exists.
    static func pretrainedFolder(_ options: Options) throws -> String? {
        if let model = options.model { return model }
        var isDirectory: ObjCBool = false
        let present = FileManager.default.fileExists(atPath: defaultModelFolder, isDirectory: &isDirectory) && isDirectory.boolValue
        return present ? defaultModelFolder : nil
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        // NOTE: as in the other lessons that train, the portable GEMM sums in the same order on any
        // number of threads, so the same seed trains the same weights everywhere.
        let previous = GEMM.defaultBackend
        GEMM.defaultBackend = .portable
        defer { GEMM.defaultBackend = previous }
        let settings = Settings(options, quick: context.quick)
        if options.query != nil || options.embed != nil {
            return try runTool(options, settings, context)
        }
        try runLesson(options, settings, context)
    }

    static func runLesson(_ options: Options, _ settings: Settings, _ context: LessonContext) throws {
        let documents = try DocumentFolder.read(DocumentFolder.lessonFolder).documents
        let tokenizer = try learnTokenizer(documents, settings, context)
        let pretrained = try pretrainedFolder(options).map { try PretrainedEmbedder(folder: $0) }
        try showTokensAndIds(tokenizer, pretrained, context)
        let builtIn = try trainEncoder(tokenizer, documents, settings, context)
        try showVectors(builtIn, context)
        let chunks = try splitIntoChunks(documents, settings, context)
        let embedders: [any SentenceEmbedder] = [builtIn] + (pretrained.map { [$0] } ?? [])
        let vectors = try compareQuestionsAndChunks(embedders, chunks, context)
        try answerWithSources(builtIn: builtIn, pretrained: pretrained, chunks, vectors, context)
        try measureRecall(embedders, chunks, vectors, context)
        try writeIndex(vectors[0], chunks, context)
    }
}
