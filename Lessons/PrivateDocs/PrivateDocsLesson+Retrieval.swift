// Steps 5 to 9: the documents cut into chunks, every question compared with every chunk, the
// answers with their sources, recall against BM25, and what the index keeps (no text).
// Q = questions, C = chunks, S = sentences, d = embedding width.

import Figures
import Foundation
import TensorCore

/// One model's vectors of the questions, the chunks and the chunks' sentences.
struct EmbeddedCollection {
    let model: String
    /// [Q, d], [C, d]
    let questions: Tensor, chunks: Tensor
    /// Sentence text → its unit vector.
    let sentences: [String: [Float]]

    /// The sentence of `chunk` most similar to `query` (a unit vector), with its line and cosine.
    func bestSentence(in chunk: Chunk, for query: [Float]) -> (text: String, line: Int, score: Float) {
        var best = (text: chunk.sentences.first?.text ?? "", line: chunk.firstLine, score: -Float.infinity)
        for sentence in chunk.sentences {
            guard let vector = sentences[sentence.text] else { continue }
            let score = zip(vector, query).reduce(0) { $0 + $1.0 * $1.1 }
            if score > best.score { best = (sentence.text, sentence.line, score) }
        }
        return best
    }
}

extension PrivateDocsLesson {
    /// Embeds questions, chunks and sentences with `embedder`.
    static func embedCollection(_ embedder: any SentenceEmbedder, questions: [String], _ chunks: [Chunk]) throws -> EmbeddedCollection {
        var unique: [String] = []
        var seen: Set<String> = []
        for chunk in chunks { for sentence in chunk.sentences where seen.insert(sentence.text).inserted { unique.append(sentence.text) } }
        let sentenceVectors = try embedder.embed(unique)
        let d = sentenceVectors.shape.count == 2 ? sentenceVectors.shape[1] : 0
        let flat = sentenceVectors.scalars
        var byText: [String: [Float]] = [:]
        for (i, text) in unique.enumerated() { byText[text] = Array(flat[i * d..<(i + 1) * d]) }
        return EmbeddedCollection(model: embedder.name, questions: try embedder.embed(questions),
                                  chunks: try embedder.embed(chunks.map(\.text)), sentences: byText)
    }

    // MARK: - Step 5

    static func splitIntoChunks(_ documents: [Document], _ settings: Settings, _ context: LessonContext) throws -> [Chunk] {
        context.section("The private documents, cut into chunks")
        let chunks = chunk(documents, size: settings.chunkLines, overlap: settings.chunkOverlap)
        let lines = documents.map { $0.lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count }
        context.say("""
            \(documents.count) fictional documents written for this lesson — a hospital discharge note, a \
            flat lease, an HR policy and a blood test report, \(lines.reduce(0, +)) lines of text in all — \
            stand in for the files one would never upload. Each is cut into chunks of \
            \(settings.chunkLines) lines, neighbouring chunks sharing \(settings.chunkOverlap) line, so \
            that an answer near a border is whole in at least one chunk; each chunk remembers its file \
            and line range, which is what makes an answer quotable with its source. \(chunks.count) chunks:
            """)
        var table = Table(columns: ["chunk", "file", "first_line", "last_line", "words"])
        for (i, c) in chunks.enumerated() {
            try table.append(["\(i)", c.file, "\(c.firstLine)", "\(c.lastLine)", "\(c.text.split { $0 == " " || $0 == "\n" }.count)"])
        }
        try context.show(table, as: "chunks", printedRows: 8)
        // Membership: row = a chunk, column = a non-empty line of the documents in reading order;
        // 1 where the chunk holds the line.
        var columns: [(document: Int, line: Int)] = []
        for (d, document) in documents.enumerated() {
            for (i, line) in document.lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                columns.append((d, i + 1))
            }
        }
        var membership = [Float](repeating: 0, count: chunks.count * columns.count)
        for (c, chunk) in chunks.enumerated() {
            for (k, column) in columns.enumerated() where chunk.document == column.document && (chunk.firstLine...chunk.lastLine).contains(column.line) {
                membership[c * columns.count + k] = 1
            }
        }
        let map = ChunkMap(
            title: "Which lines go into which chunk (\(settings.chunkLines) lines, \(settings.chunkOverlap) shared)",
            documents: documents.map { document in
                ChunkMap.Document(name: document.file, lines: document.lines.count,
                                  blankLines: Set(document.lines.indices.filter { document.lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }.map { $0 + 1 }))
            },
            chunks: chunks.map { ChunkMap.Chunk(document: $0.document, firstLine: $0.firstLine, lastLine: $0.lastLine) })
        try context.save(map, as: "chunks", data: .tensor(try Tensor(shape: [chunks.count, columns.count], scalars: membership)))
        return chunks
    }

    // MARK: - Step 6

    static func compareQuestionsAndChunks(_ embedders: [any SentenceEmbedder], _ chunks: [Chunk],
                                          _ context: LessonContext) throws -> [EmbeddedCollection] {
        context.section("Vector similarity: questions against chunks")
        let questions = RetrievalQuestions.all
        let collections = try embedders.map { try embedCollection($0, questions: questions.map(\.text), chunks) }
        context.say("""
            Every chunk and every question becomes one unit vector; the similarity of a question and \
            a chunk is the cosine of the angle between their vectors, cos(q, c) = q·c / (‖q‖ ‖c‖), here \
            simply q·c. \(questions.count) questions against \(chunks.count) chunks:
            """)
        for (i, collection) in collections.enumerated() {
            let similarity = try cosineSimilarity(collection.questions, collection.chunks)      // [Q, C]
            let name = i == 0 ? "query_chunk_similarity" : "query_chunk_similarity_pretrained"
            let heatmap = Heatmap(values: similarity.scalars, rows: questions.count, columns: chunks.count,
                                  title: "Questions × chunks, cosine similarity (\(collection.model))",
                                  xLabel: "chunk", yLabel: "question", yTicks: .labels(questions.indices.map { "q\($0 + 1)" }),
                                  colormap: .diverging, range: -1...1, colorbarLabel: "cosine similarity", showValues: false)
            try context.save(heatmap, as: name, data: .tensor(similarity))
        }
        try plotEmbeddingMap(collections.last!, chunks, context)   // the pretrained model's when present
        return collections
    }

    /// Chunks and questions on the first two principal components of the chunk vectors.
    static func plotEmbeddingMap(_ collection: EmbeddedCollection, _ chunks: [Chunk], _ context: LessonContext) throws {
        let (chunkXY, questionXY) = try principalPlane(collection.chunks, also: collection.questions)
        var data = Table(columns: ["kind", "index", "file", "x", "y"])
        var series: [Series] = []
        let files = Array(Set(chunks.map(\.file))).sorted()
        for (f, file) in files.enumerated() {
            let members = chunks.indices.filter { chunks[$0].file == file }
            series.append(Series(name: file, x: members.map { chunkXY[$0].0 }, y: members.map { chunkXY[$0].1 },
                                 style: .none, symbol: .circle, color: Color.series(f)))
            for m in members { try data.append(["chunk", "\(m)", file, "\(chunkXY[m].0)", "\(chunkXY[m].1)"]) }
        }
        series.append(Series(name: "questions", x: questionXY.map(\.0), y: questionXY.map(\.1), style: .none, symbol: .triangle,
                             color: Color(r: 40, g: 40, b: 40)))
        for (q, point) in questionXY.enumerated() {
            try data.append(["question", "\(q + 1)", RetrievalQuestions.all[q].file, "\(point.0)", "\(point.1)"])
        }
        let chart = LineChart(title: "Chunks and questions on the two main directions of the chunk vectors (PCA, \(collection.model))",
                              xLabel: "first principal component", yLabel: "second principal component", series: series)
        try context.save(chart, as: "embedding_map", data: .table(data))
        context.say("""
            The map projects the \(collection.chunks.shape[1])-dimensional vectors on the two directions in \
            which the chunks differ most (PCA). Where the model has learned what the documents are \
            about, the chunks of one document gather and each question lands near the chunks that \
            answer it; where it has not, the colours mix.
            """)
    }

    /// The rows of `x` [C, d] and of `other` [Q, d] on the first two principal components of `x`
    /// (centred on x's mean), found by power iteration on the covariance with deflation.
    static func principalPlane(_ x: Tensor, also other: Tensor) throws -> ([(Double, Double)], [(Double, Double)]) {
        let c = x.shape[0], d = x.shape[1]
        let values = x.scalars.map(Double.init)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<c { for j in 0..<d { mean[j] += values[i * d + j] / Double(c) } }
        var covariance = [Double](repeating: 0, count: d * d)
        for i in 0..<c {
            for a in 0..<d { for b in 0..<d { covariance[a * d + b] += (values[i * d + a] - mean[a]) * (values[i * d + b] - mean[b]) } }
        }
        var components: [[Double]] = []
        for k in 0..<2 {
            var v = (0..<d).map { 1 + Double(($0 * 7 + k * 3) % 5) / 10 }   // a fixed start: the same result every run
            for _ in 0..<300 {
                var next = [Double](repeating: 0, count: d)
                for a in 0..<d { for b in 0..<d { next[a] += covariance[a * d + b] * v[b] } }
                for previous in components {   // deflation: stay orthogonal to the components found
                    let dot = zip(next, previous).reduce(0) { $0 + $1.0 * $1.1 }
                    for a in 0..<d { next[a] -= dot * previous[a] }
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { break }
                v = next.map { $0 / norm }
            }
            // Fix the sign so the largest entry is positive: the picture does not flip between runs.
            if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
            components.append(v)
        }
        func project(_ t: Tensor) -> [(Double, Double)] {
            let rows = t.shape[0], s = t.scalars
            return (0..<rows).map { i in
                let p = components.map { comp in (0..<d).reduce(0.0) { $0 + (Double(s[i * d + $1]) - mean[$1]) * comp[$1] } }
                return (p[0], p[1])
            }
        }
        return (project(x), project(other))
    }

    // MARK: - Step 7

    static func answerWithSources(builtIn: BuiltInEmbedder, pretrained: PretrainedEmbedder?, _ chunks: [Chunk],
                                  _ collections: [EmbeddedCollection], _ context: LessonContext) throws {
        context.section("Retrieval with sources")
        let collection = collections.last!   // the pretrained model's when present, else the built-in one
        context.say("""
            For each question the chunks with the highest cosine similarity are the sources; the \
            answer quoted is the sentence of the best chunk most similar to the question. Nothing is \
            generated: every word below is in the documents, with its file and line (\(collection.model) model).
            """)
        var table = Table(columns: ["question", "rank", "file", "first_line", "last_line", "score", "line", "sentence"])
        var printed = Table(columns: ["question", "source", "score", "best sentence"])
        let d = collection.questions.shape[1]
        for (q, question) in RetrievalQuestions.all.enumerated() {
            let query = Array(collection.questions.scalars[q * d..<(q + 1) * d])
            let scores = try collection.questions.row(q).reshaped([1, d]).matmul(collection.chunks.transposed()).scalars
            for (rank, c) in topK(scores, 3).enumerated() {
                let best = collection.bestSentence(in: chunks[c], for: query)
                try table.append([question.text, "\(rank + 1)", chunks[c].file, "\(chunks[c].firstLine)", "\(chunks[c].lastLine)",
                                  format(scores[c], 4), "\(best.line)", best.text])
                if rank == 0 && q % 3 == 0 {
                    try printed.append([question.text, "\(chunks[c].file):\(chunks[c].firstLine)-\(chunks[c].lastLine)",
                                        format(scores[c], 2), best.text])
                }
            }
        }
        try context.show(printed, as: "answers_sample")
        try context.write(table, as: "answers_top3")
        context.say("Every question's top 3 sources and sentences are in answers_top3.csv.")
    }

    // MARK: - Step 8

    /// The line of `question.file` holding `question.answer`.
    static func answerLine(_ question: RetrievalQuestion, _ documents: [Chunk]) -> (file: String, line: Int)? {
        for chunk in documents where chunk.file == question.file {
            for sentence in chunk.sentences where sentence.text.contains(question.answer) { return (chunk.file, sentence.line) }
        }
        return nil
    }

    static func measureRecall(_ embedders: [any SentenceEmbedder], _ chunks: [Chunk], _ collections: [EmbeddedCollection],
                              _ context: LessonContext) throws {
        context.section("How good is it: recall against a lexical baseline")
        let questions = RetrievalQuestions.all
        let bm25 = BM25(chunks.map(\.text))
        var rankings: [(model: String, ranks: [[Int]])] = [("BM25", questions.map { topK(bm25.scores($0.text).map(Float.init), chunks.count) })]
        for collection in collections {
            let similarity = try cosineSimilarity(collection.questions, collection.chunks).scalars
            rankings.append((collection.model, questions.indices.map { q in
                topK(Array(similarity[q * chunks.count..<(q + 1) * chunks.count]), chunks.count)
            }))
        }
        // A chunk is right when its line range holds the answering line.
        let correct: [Set<Int>] = questions.map { question in
            guard let answer = answerLine(question, chunks) else { return [] }
            return Set(chunks.indices.filter { chunks[$0].file == answer.file && (chunks[$0].firstLine...chunks[$0].lastLine).contains(answer.line) })
        }
        var data = Table(columns: ["model", "k", "recall"])
        var summary = Table(columns: ["model", "recall@1", "recall@3"])
        var perQuestion = Table(columns: ["question"] + rankings.map { "rank_\($0.model)" })
        var recall: [String: [Double]] = [:]
        for ranking in rankings {
            let at = [1, 3].map { k in
                Double(questions.indices.filter { !correct[$0].isDisjoint(with: ranking.ranks[$0].prefix(k)) }.count) / Double(questions.count)
            }
            recall[ranking.model] = at
            try data.append([ranking.model, "1", format(at[0], 4)])
            try data.append([ranking.model, "3", format(at[1], 4)])
            try summary.append([ranking.model, format(at[0], 2), format(at[1], 2)])
        }
        for (q, question) in questions.enumerated() {
            try perQuestion.append([question.text] + rankings.map { r in
                "\((r.ranks[q].firstIndex { correct[q].contains($0) } ?? chunks.count - 1) + 1)"
            })
        }
        context.say("""
            \(questions.count) questions whose answering line is known; recall@k is the share whose \
            answering chunk is among the top k. BM25 ranks chunks by the query words they share, \
            weighted by rarity: it finds "stent" or "shower" at once but cannot know that "apartment" \
            means "flat". An embedding model matches meanings, as far as its training taught it.
            """)
        try context.show(summary, as: "recall_table")
        try context.write(data, as: "retrieval")
        try context.write(perQuestion, as: "retrieval_by_question")
        let chart = BarChart(title: "Recall of the answering chunk (\(questions.count) questions)", xLabel: "", yLabel: "recall",
                             categories: ["recall@1", "recall@3"],
                             groups: rankings.map { BarChart.Group(name: $0.model, values: recall[$0.model]!) },
                             yRange: 0...1, showTotals: true)
        try context.save(chart, as: "recall", data: .table(data))
        if collections.count == 1 {
            context.say("""
                No pretrained model was found in \(defaultModelFolder). Lessons/PrivateDocs/get-model.sh \
                fetches all-MiniLM-L6-v2 there (about 80 MB, once), and the next run compares it too; \
                --model DIR takes any other sentence-transformers BERT folder.
                """)
        }
    }

    // MARK: - Step 9

    static func writeIndex(_ collection: EmbeddedCollection, _ chunks: [Chunk], _ context: LessonContext) throws {
        context.section("Nothing is stored: what the index keeps")
        try context.save(collection.chunks, as: "index")
        var table = Table(columns: ["chunk", "file", "first_line", "last_line", "content_hash"])
        for (i, c) in chunks.enumerated() {
            try table.append(["\(i)", c.file, "\(c.firstLine)", "\(c.lastLine)", fingerprint([c.text])])
        }
        try context.write(table, as: "index")
        context.say("""
            The index is index.npy (\(chunks.count) × \(collection.chunks.shape[1]) floats, one unit vector per \
            chunk) and index.csv (file, line range and a hash of each chunk's text, to notice when a \
            file changed). No document text is stored: an answer is read from the original file at \
            the moment it is shown. The vectors are not harmless, though: texts can be partly \
            reconstructed from their embeddings, so a real deployment keeps the index as private as \
            the documents, on the same machine, and deletes it with them.
            """)
    }
}
