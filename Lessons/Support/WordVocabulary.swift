// A word-level vocabulary with BERT-style special tokens, for lessons that train a small
// transformer on a corpus of their own: words ↔ ids, a tokenizer for what a user types, and the
// closest known words when a word is unknown.

import Foundation

/// Word ↔ id, with five special tokens first:
///
///     0 [PAD]   fills a batch's short sequences; never predicted, never attended to
///     1 [MASK]  a hidden word for a masked language model to guess
///     2 [BOS]   the beginning of a sequence
///     3 [EOS]   its end
///     4 [SEP]   between two sentences
///
/// then the corpus's words by frequency (most frequent first, ties alphabetically), so the same
/// corpus always gives the same ids.
///
///     let vocabulary = WordVocabulary(building: sentences)
///     let ids = try vocabulary.encode(WordVocabulary.tokenize("The dog barked."))
struct WordVocabulary: Sendable {
    static let pad = 0, mask = 1, bos = 2, eos = 3, sep = 4
    static let specialTokens = ["[PAD]", "[MASK]", "[BOS]", "[EOS]", "[SEP]"]

    /// id → token, specials first.
    let tokens: [String]
    private let ids: [String: Int]

    /// The vocabulary of `sentences` (lists of tokens), plus `extraWords` that must be known even
    /// if the sentences never use them.
    init(building sentences: [[String]], extraWords: [String] = []) {
        var counts: [String: Int] = [:]
        for sentence in sentences { for word in sentence { counts[word, default: 0] += 1 } }
        for word in extraWords where counts[word] == nil { counts[word] = 0 }
        for special in Self.specialTokens { counts[special] = nil }
        let words = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        tokens = Self.specialTokens + words
        ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    }

    var count: Int { tokens.count }

    /// The first id that is a word (not a special token).
    var firstWord: Int { Self.specialTokens.count }

    func contains(_ token: String) -> Bool { ids[token] != nil }

    /// The id of a known token, or nil.
    func id(_ token: String) -> Int? { ids[token] }

    /// The ids of `tokens`.
    /// - Throws: `LessonError` naming the first unknown word and the closest known ones.
    func encode(_ tokens: [String]) throws -> [Int] {
        try tokens.map { token in
            guard let id = ids[token] else {
                throw LessonError("\"\(token)\" is not in the vocabulary; the closest words are \(closestWords(to: token).joined(separator: ", "))")
            }
            return id
        }
    }

    /// The tokens of `ids` (special tokens included, as their names).
    func decode(_ ids: [Int]) -> [String] { ids.map { tokens.indices.contains($0) ? tokens[$0] : "?" } }

    /// The `count` known words nearest to `word` by edit distance (ties alphabetically), special
    /// tokens left out: the suggestions for a typo.
    func closestWords(to word: String, count: Int = 3) -> [String] {
        let scored: [(word: String, distance: Int)] = tokens.dropFirst(Self.specialTokens.count).map { ($0, editDistance(word, $0)) }
        let sorted = scored.sorted { a, b in a.distance != b.distance ? a.distance < b.distance : a.word < b.word }
        return sorted.prefix(count).map { $0.word }
    }

    /// Lower-case words and punctuation marks as separate tokens; special tokens written in
    /// brackets (`[MASK]`) are kept as they are, in any case.
    ///
    ///     tokenize("The [mask] barked, loudly.")   // ["the", "[MASK]", "barked", ",", "loudly", "."]
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        var inBracket = false
        for character in text {
            if character == "[" { flush(); inBracket = true; current.append(character); continue }
            if inBracket {
                current.append(character)
                if character == "]" {
                    let upper = current.uppercased()
                    tokens.append(specialTokens.contains(upper) ? upper : current.lowercased())
                    current = ""
                    inBracket = false
                }
                continue
            }
            if character.isWhitespace { flush(); continue }
            if ".,!?;:".contains(character) { flush(); tokens.append(String(character)); continue }
            current += character.lowercased()
        }
        flush()
        return tokens
    }
}
