// The lesson as a tool: `--query` answers a question from a folder of one's own documents with
// sources, `--embed` writes one text's vector. Uses the pretrained model when there is one.

import Figures
import Foundation
import TensorCore

extension PrivateDocsLesson {
    static func runTool(_ options: Options, _ settings: Settings, _ context: LessonContext) throws {
        let embedder = try toolEmbedder(options, settings, context)
        if let text = options.embed {
            return try writeEmbedding(text, embedder, context)
        }
        guard let query = options.query else { return }
        let folder = options.docs ?? DocumentFolder.lessonFolder
        let (documents, notes) = try DocumentFolder.read(folder)
        for note in notes { context.say("Note: \(note).") }
        let chunks = chunk(documents, size: settings.chunkLines, overlap: settings.chunkOverlap)
        context.say("Indexed \(documents.count) file(s) as \(chunks.count) chunks with the \(embedder.name) model.")
        let collection = try embedCollection(embedder, questions: [query], chunks)
        let queryVector = collection.questions.scalars
        let scores = try collection.questions.matmul(collection.chunks.transposed()).scalars
        var table = Table(title: "Sources for: \(query)", columns: ["rank", "file", "first_line", "last_line", "score", "sentence"])
        for (rank, c) in topK(scores, options.k).enumerated() {
            let best = collection.bestSentence(in: chunks[c], for: queryVector)
            try table.append(["\(rank + 1)", chunks[c].file, "\(chunks[c].firstLine)", "\(chunks[c].lastLine)", format(scores[c], 4), best.text])
        }
        try context.show(table, as: "answers")
    }

    /// The pretrained model when `--model` names one or the default folder holds one; else the
    /// built-in encoder (trained now, or reused from the output folder).
    static func toolEmbedder(_ options: Options, _ settings: Settings, _ context: LessonContext) throws -> any SentenceEmbedder {
        if let folder = try pretrainedFolder(options) { return try PretrainedEmbedder(folder: folder) }
        let lessonDocuments = try DocumentFolder.read(DocumentFolder.lessonFolder).documents
        let tokenizer = try buildTokenizer(lessonDocuments, settings).tokenizer
        return try trainedEncoder(tokenizer, lessonDocuments, settings, context).0
    }

    static func writeEmbedding(_ text: String, _ embedder: any SentenceEmbedder, _ context: LessonContext) throws {
        let vector = try embedder.embed([text])                       // [1, d]
        let ids = embedder.tokenizer.encode(text, maxLength: embedder.maxTokens)
        context.say("Tokens (\(embedder.name)): " + zip(embedder.tokenizer.decode(ids), ids).map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        context.say("Embedding, \(vector.shape[1]) numbers of length 1: \(vectorText(vector, count: 8))")
        try context.save(vector, as: "embedding")
    }
}
