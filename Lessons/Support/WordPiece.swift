// BERT's WordPiece tokenizer: the uncased text clean-up, the split into words and punctuation,
// and the greedy longest-match split of each word into pieces of a vocabulary ("playing" →
// "play", "##ing"). It reads a Hugging Face `tokenizer.json`, or learns a vocabulary from a corpus
// (`WordPieceTrainer`), so a model trained here and a pretrained BERT tokenize the same way.
//
// Characters are Unicode scalars throughout, as in Hugging Face's Rust code (not Swift's
// grapheme clusters), so the pieces and ids are the same as theirs.

import Foundation

/// A WordPiece vocabulary and BERT's rules for splitting text with it.
///
///     let tokenizer = try WordPieceTokenizer(tokenizerJSON: "Models/all-MiniLM-L6-v2/tokenizer.json")
///     tokenizer.encode("Frog on a log.")     // [CLS] frog on a log . [SEP] as ids
///
/// The steps, in order:
/// 1. **Clean-up** (BERT's normaliser): drop NUL, U+FFFD and control characters; every
///    whitespace character becomes a space; a space goes around each CJK ideograph; then, for an
///    uncased vocabulary, accents are stripped (NFD, then combining marks dropped) and letters
///    lower-cased.
/// 2. **Words**: split at whitespace, and every punctuation character is a word of its own.
/// 3. **Pieces**: each word is split greedily into the longest vocabulary entry from its start,
///    continuing pieces written with `##`; a word that cannot be split (or is longer than
///    `maxCharactersPerWord`) becomes `[UNK]` as a whole.
/// 4. `[CLS]` before and `[SEP]` after, truncated to `maxLength` tokens in all.
struct WordPieceTokenizer: Sendable {
    /// id → piece.
    let pieces: [String]
    private let ids: [String: Int]
    let lowercase: Bool
    let stripAccents: Bool
    let maxCharactersPerWord: Int
    let unknown: Int, classifier: Int, separator: Int, padding: Int

    static let continuation = "##"

    /// A tokenizer over `pieces` (id = index), which must hold `[UNK]`, `[CLS]`, `[SEP]` and `[PAD]`.
    /// - Throws: `LessonError` naming a missing special token.
    init(pieces: [String], lowercase: Bool = true, stripAccents: Bool? = nil, maxCharactersPerWord: Int = 100) throws {
        self.pieces = pieces
        let ids = Dictionary(pieces.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        self.ids = ids
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.maxCharactersPerWord = maxCharactersPerWord
        func special(_ token: String) throws -> Int {
            guard let id = ids[token] else { throw LessonError("the vocabulary has no \(token) token") }
            return id
        }
        unknown = try special("[UNK]")
        classifier = try special("[CLS]")
        separator = try special("[SEP]")
        padding = try special("[PAD]")
    }

    var count: Int { pieces.count }

    func id(_ piece: String) -> Int? { ids[piece] }

    // MARK: - Reading tokenizer.json

    /// The WordPiece tokenizer described by a Hugging Face `tokenizer.json` (a BERT one: a
    /// `WordPiece` model with `##` continuations, and the `BertNormalizer`).
    /// - Throws: `LessonError` in one line when the file is missing, not JSON, or another kind of tokenizer.
    init(tokenizerJSON path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessonError("cannot read \(path)")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LessonError("\(path) is not a JSON object")
        }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece",
              let vocabulary = model["vocab"] as? [String: Any] else {
            throw LessonError("\(path) is not a WordPiece tokenizer (BERT's); only WordPiece vocabularies are supported")
        }
        if let prefix = model["continuing_subword_prefix"] as? String, prefix != Self.continuation {
            throw LessonError("\(path) continues words with \"\(prefix)\", not \"##\"; unsupported")
        }
        var pieces = [String](repeating: "", count: vocabulary.count)
        for (piece, value) in vocabulary {
            guard let id = (value as? NSNumber)?.intValue, pieces.indices.contains(id), pieces[id].isEmpty else {
                throw LessonError("\(path) has a vocabulary whose ids are not 0..<\(vocabulary.count) each once")
            }
            pieces[id] = piece
        }
        let normalizer = root["normalizer"] as? [String: Any]
        if let type = normalizer?["type"] as? String, type != "BertNormalizer" {
            throw LessonError("\(path) has a \(type) normaliser; only BERT's is supported")
        }
        let lowercase = normalizer?["lowercase"] as? Bool ?? true
        try self.init(pieces: pieces, lowercase: lowercase, stripAccents: normalizer?["strip_accents"] as? Bool,
                      maxCharactersPerWord: (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100)
    }

    // MARK: - Text → pieces → ids

    /// Step 1: BERT's clean-up of `text` (see the type's comment).
    func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) { cleaned.append(" "); continue }
            if Self.isCJK(scalar) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
                continue
            }
            cleaned.append(scalar)
        }
        var result = String(cleaned)
        if stripAccents {
            result = String(String.UnicodeScalarView(result.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }))
        }
        return lowercase ? result.lowercased() : result
    }

    /// Step 2: the words of normalised text: split at spaces, punctuation marks on their own.
    func words(_ normalized: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in normalized.unicodeScalars {
            if scalar.properties.isWhitespace { flush(); continue }
            if Self.isPunctuation(scalar) { flush(); words.append(String(scalar)); continue }
            current.append(scalar)
        }
        flush()
        return words
    }

    /// Step 3: one word as pieces, greedy longest match first; `["[UNK]"]` when it cannot be split.
    func pieces(ofWord word: String) -> [String] {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count <= maxCharactersPerWord else { return [pieces[unknown]] }
        var result: [String] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: String?
            while end > start {
                var candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { candidate = Self.continuation + candidate }
                if ids[candidate] != nil { found = candidate; break }
                end -= 1
            }
            guard let found else { return [pieces[unknown]] }
            result.append(found)
            start = end
        }
        return result
    }

    /// The pieces of `text` without `[CLS]`/`[SEP]`.
    func tokenize(_ text: String) -> [String] {
        words(normalize(text)).flatMap { pieces(ofWord: $0) }
    }

    /// Step 4: the ids of `text` as a model reads them: `[CLS] pieces… [SEP]`, at most `maxLength` in all.
    /// - Parameter cache: remembers each word's ids, for callers that tokenize many texts with
    ///   the same words (training batches).
    func encode(_ text: String, maxLength: Int = 512, cache: WordCache? = nil) -> [Int] {
        var body: [Int] = []
        for word in words(normalize(text)) {
            if let known = cache?.ids[word] { body += known; continue }
            let wordIDs = pieces(ofWord: word).map { ids[$0] ?? unknown }
            cache?.ids[word] = wordIDs
            body += wordIDs
        }
        return [classifier] + body.prefix(max(0, maxLength - 2)) + [separator]
    }

    /// Word → ids, filled as texts are encoded.
    final class WordCache {
        var ids: [String: [Int]] = [:]
    }

    func decode(_ tokenIDs: [Int]) -> [String] { tokenIDs.map { pieces.indices.contains($0) ? pieces[$0] : "?" } }

    // MARK: - Character classes (as Hugging Face's BERT normaliser and pre-tokeniser define them)

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Control and other invisible characters (general category C*), tab and newlines excepted.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII punctuation and symbols (`$`, `+`, `<` … count), and Unicode punctuation (P*).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// CJK ideographs, which BERT treats as words of their own.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

// MARK: - Learning a vocabulary

/// Learns a WordPiece vocabulary from a corpus: start from single characters (`f`, `##r`, …),
/// then repeatedly merge the adjacent pair with the highest score
///
///     score(a, b) = count(ab) / (count(a) · count(b))
///
/// (counts over the corpus's words), which prefers pairs that occur together more often than
/// their parts' frequencies predict, until the vocabulary has `size` pieces.
///
///     let learned = WordPieceTrainer.learn(words: corpusWords, size: 600)
///     learned.merges.prefix(10)     // the first pieces made, in order
struct WordPieceTrainer {
    static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// One merge: two pieces joined into a new one, with its score and pair count.
    struct Merge: Sendable {
        let left: String, right: String, piece: String
        let score: Double, count: Int
    }

    /// The learned vocabulary (specials, then characters, then merged pieces in order) and the merges.
    static func learn(words: [String], size: Int, minimumPairCount: Int = 2) -> (pieces: [String], merges: [Merge]) {
        var wordCounts: [String: Int] = [:]
        for word in words { wordCounts[word, default: 0] += 1 }
        let sortedWords = wordCounts.keys.sorted()
        var pieces = specialTokens
        var index: [String: Int] = Dictionary(uniqueKeysWithValues: pieces.enumerated().map { ($1, $0) })
        func intern(_ piece: String) -> Int {
            if let id = index[piece] { return id }
            index[piece] = pieces.count
            pieces.append(piece)
            return pieces.count - 1
        }
        // Each word as a list of piece ids: first character plain, the rest with ##.
        var splits: [[Int]] = sortedWords.map { word in
            word.unicodeScalars.enumerated().map { i, scalar in intern((i == 0 ? "" : WordPieceTokenizer.continuation) + String(scalar)) }
        }
        let counts = sortedWords.map { wordCounts[$0]! }
        var merges: [Merge] = []
        while pieces.count < size {
            var pieceCount = [Int](repeating: 0, count: pieces.count)
            var pairCount: [Int: Int] = [:]
            for (split, count) in zip(splits, counts) {
                for id in split { pieceCount[id] += count }
                for (a, b) in zip(split, split.dropFirst()) { pairCount[a << 32 | b, default: 0] += count }
            }
            var best: (key: Int, score: Double, count: Int)?
            for (key, count) in pairCount where count >= minimumPairCount {
                let score = Double(count) / (Double(pieceCount[key >> 32]) * Double(pieceCount[key & 0xFFFF_FFFF]))
                if let b = best, (score, count, -key) <= (b.score, b.count, -b.key) { continue }
                best = (key, score, count)
            }
            guard let best else { break }
            let a = best.key >> 32, b = best.key & 0xFFFF_FFFF
            let right = pieces[b].hasPrefix(WordPieceTokenizer.continuation) ? String(pieces[b].dropFirst(2)) : pieces[b]
            let merged = intern(pieces[a] + right)
            merges.append(Merge(left: pieces[a], right: pieces[b], piece: pieces[merged], score: best.score, count: best.count))
            for w in splits.indices where splits[w].count > 1 {
                var out: [Int] = []
                var i = 0
                let split = splits[w]
                while i < split.count {
                    if i + 1 < split.count, split[i] == a, split[i + 1] == b { out.append(merged); i += 2 } else { out.append(split[i]); i += 1 }
                }
                splits[w] = out
            }
        }
        return (pieces, merges)
    }
}
