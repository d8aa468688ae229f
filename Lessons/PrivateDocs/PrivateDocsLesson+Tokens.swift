// Steps 1 and 2: learning a WordPiece vocabulary step by step, then "Frog on a log." as pieces
// and ids — text becomes numbers before any model sees it.

import Autograd
import Figures
import Foundation
import TensorCore

extension PrivateDocsLesson {
    /// The text the built-in tokenizer learns from: paraphrase-grammar sentences and the lesson's documents.
    static func tokenizerCorpus(_ documents: [Document], _ settings: Settings) -> [String] {
        var generator = SeededGenerator(seed: 7)   // the corpus is part of the method, not of the run's seed
        let pairs = ParaphraseGrammar.grammarPairs(count: 3000, generator: &generator)
        return pairs.flatMap { [$0.0, $0.1] } + ParaphraseGrammar.allWordings + documents.flatMap(\.lines)
    }

    /// The built-in tokenizer and the merges that made it.
    static func buildTokenizer(_ documents: [Document], _ settings: Settings) throws
        -> (tokenizer: WordPieceTokenizer, merges: [WordPieceTrainer.Merge]) {
        let splitter = try WordPieceTokenizer(pieces: WordPieceTrainer.specialTokens)
        let words = tokenizerCorpus(documents, settings).flatMap { splitter.words(splitter.normalize($0)) }
        let learned = WordPieceTrainer.learn(words: words, size: settings.vocabularySize)
        return (try WordPieceTokenizer(pieces: learned.pieces), learned.merges)
    }

    static func learnTokenizer(_ documents: [Document], _ settings: Settings, _ context: LessonContext) throws -> WordPieceTokenizer {
        context.section("Learning a tokenizer: from characters to word pieces")
        let (tokenizer, merges) = try buildTokenizer(documents, settings)
        let characters = tokenizer.pieces.count - WordPieceTrainer.specialTokens.count - merges.count
        context.say("""
            A model reads numbers, not letters, so text is first cut into pieces from a fixed \
            vocabulary, each with an id. WordPiece learns that vocabulary from a corpus: it starts \
            with single characters (\(characters) of them here; a character inside a word is written \
            ##x) and repeatedly glues together the neighbouring pair with the highest score \
            count(ab) / (count(a) · count(b)) — pairs that occur together more often than their parts \
            alone would suggest. After \(merges.count) merges the vocabulary has \(tokenizer.count) pieces. \
            The first merges:
            """)
        var table = Table(columns: ["merge", "left", "right", "new piece", "pair count", "score"])
        for (i, merge) in merges.prefix(12).enumerated() {
            try table.append(["\(i + 1)", merge.left, merge.right, merge.piece, "\(merge.count)", scientific(Float(merge.score))])
        }
        try context.show(table, as: "tokenizer_merges")
        var split = Table(columns: ["word", "pieces", "ids"])
        for word in ["rent", "haemoglobin", "cardiologist", "subletting", "frog", "transformer"] {
            let pieces = tokenizer.tokenize(word)
            try split.append([word, pieces.joined(separator: " "), pieces.map { "\(tokenizer.id($0) ?? tokenizer.unknown)" }.joined(separator: " ")])
        }
        try context.show(split, as: "word_pieces")
        context.say("""
            Frequent words become one piece; rare ones split into known parts, so no word is ever \
            out of vocabulary as long as its characters are known (an unknown character gives [UNK]).
            """)
        return tokenizer
    }

    /// "Frog on a log." as pieces and ids for each tokenizer.
    static func showTokensAndIds(_ tokenizer: WordPieceTokenizer, _ pretrained: PretrainedEmbedder?, _ context: LessonContext) throws {
        context.section("Tokens and ids: \"Frog on a log.\"")
        let sentence = "Frog on a log."
        var table = Table(columns: ["tokenizer", "position", "piece", "id"])
        var tokenizers: [(String, WordPieceTokenizer)] = [("built-in", tokenizer)]
        if let pretrained { tokenizers.append((pretrained.name, pretrained.tokenizer)) }
        for (name, t) in tokenizers {
            for (i, id) in t.encode(sentence).enumerated() { try table.append([name, "\(i)", t.pieces[id], "\(id)"]) }
        }
        try context.show(table, as: "frog_tokens")
        context.say("""
            The sentence is lower-cased, the full stop becomes a token of its own, and [CLS] and \
            [SEP] mark the start and end. The ids are positions in each tokenizer's vocabulary: two \
            tokenizers give different ids for the same word, and only the ids of the model's own \
            tokenizer mean anything to that model\(pretrained == nil ? "" : " (\(pretrained!.name) shares bert-base-uncased's vocabulary, so its ids are BERT's)").
            """)
        var neighbours = Table(columns: ["word", "id", "piece at id - 1", "piece at id + 1"])
        for word in ["rent", "doctor", "holiday", "log"] {
            guard let id = tokenizer.id(word) else { continue }
            try neighbours.append([word, "\(id)", tokenizer.pieces[max(0, id - 1)], tokenizer.pieces[min(tokenizer.count - 1, id + 1)]])
        }
        try context.show(neighbours, as: "id_neighbours")
        context.say("""
            An id's neighbours are whatever piece the tokenizer happened to make just before or after \
            it: at best a shared spelling, never a shared meaning. An id is a name, not a meaning.
            """)
    }
}
