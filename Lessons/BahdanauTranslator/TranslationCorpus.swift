// The parallel corpus of the translator lesson: sentence pairs drawn from the grammar, split into
// train / validation / test with no source sentence in two splits, and the vocabularies.

import TensorCore

/// One sentence pair; tokens are lowercase words and punctuation, no special tokens.
struct TranslationPair: Equatable, Sendable {
    var source: [String]
    var target: [String]
}

extension TranslationPair {
    /// The pair a grammar clause renders to.
    init(_ clause: Clause) { self.init(source: clause.englishSentence, target: clause.frenchSentence) }
}

// MARK: - Vocabulary

/// Token ↔ id. Ids 0…3 are the special tokens; then the words by frequency (most frequent first),
/// ties broken alphabetically, so the same sentences always give the same ids.
struct Vocabulary: Sendable {
    static let pad = 0, start = 1, end = 2, unknown = 3
    static let specialTokens = ["<pad>", "<start>", "<end>", "<unk>"]

    /// id → token, specials first.
    let tokens: [String]
    private let ids: [String: Int]

    /// The vocabulary of `sentences`: specials, then words sorted by (frequency desc, word asc).
    init(building sentences: [[String]]) {
        var counts: [String: Int] = [:]
        for sentence in sentences { for word in sentence { counts[word, default: 0] += 1 } }
        for special in Self.specialTokens { counts[special] = nil }
        let words = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        tokens = Self.specialTokens + words
        ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    }

    var count: Int { tokens.count }

    /// The id of `token`; `Vocabulary.unknown` for a word not in the vocabulary.
    func id(_ token: String) -> Int { ids[token] ?? Self.unknown }

    /// Ids of the words, without START or END.
    func encode(_ sentence: [String]) -> [Int] { sentence.map(id) }

    /// Words of the ids up to the first END; PAD and START are skipped, ids out of range read "<unk>".
    func decode(_ ids: [Int]) -> [String] {
        var words: [String] = []
        for id in ids {
            if id == Self.end { break }
            if id == Self.pad || id == Self.start { continue }
            words.append(tokens.indices.contains(id) ? tokens[id] : Self.specialTokens[Self.unknown])
        }
        return words
    }
}

// MARK: - Corpus

struct TranslationCorpus: Sendable {
    let train: [TranslationPair], validation: [TranslationPair], test: [TranslationPair]
    /// Built from the train split only: held-out words the model never saw read as UNK.
    let source: Vocabulary, target: Vocabulary

    /// The shortest source sentence the grammar makes ("the cat sleeps .").
    static let minimumSourceLength = 4
    static let maximumSourceLength = 30

    /// Draws `trainCount + validationCount + testCount` distinct sentence pairs from the grammar.
    ///
    /// Each split's source lengths are spread evenly over 4…maxSourceLength (length ℓ is aimed at
    /// by drawing sentences with a richness that grows with ℓ until one has exactly ℓ tokens), so
    /// every length bucket has test sentences. The first test pair is the lecture's example
    /// (`lectureExample`), which no other split contains. Deterministic given the seed; no source
    /// sentence appears twice in the whole corpus.
    ///
    /// - Throws: `LessonError` for a negative count, a maximum length outside 4…30, or more
    ///   sentences than the grammar can make distinct.
    static func generate(seed: UInt64, trainCount: Int, validationCount: Int, testCount: Int,
                         maxSourceLength: Int = 30) throws -> TranslationCorpus {
        guard trainCount >= 0, validationCount >= 0, testCount >= 0 else {
            throw LessonError("corpus sizes must not be negative (train \(trainCount), validation \(validationCount), test \(testCount))")
        }
        guard (minimumSourceLength...maximumSourceLength).contains(maxSourceLength) else {
            throw LessonError("maximum source length must be in \(minimumSourceLength)…\(maximumSourceLength), got \(maxSourceLength)")
        }
        var drawer = PairDrawer(seed: seed, lengths: minimumSourceLength...maxSourceLength)
        let lecture = TranslationPair(lectureExample)
        drawer.seen.insert(lecture.source)
        let train = try drawer.split(count: trainCount)
        let validation = try drawer.split(count: validationCount)
        let test = testCount == 0 ? [] : [lecture] + (try drawer.split(count: testCount - 1))
        return TranslationCorpus(train: train, validation: validation, test: test,
                                 source: Vocabulary(building: train.map(\.source)),
                                 target: Vocabulary(building: train.map(\.target)))
    }
}

/// Draws distinct pairs at chosen lengths.
private struct PairDrawer {
    var sampler: GrammarSampler
    var shuffler: SeededGenerator
    let lengths: ClosedRange<Int>
    var seen: Set<[String]> = []
    /// Distinct pairs drawn while aiming at another length, kept for when their length is asked for.
    var spare: [Int: [TranslationPair]] = [:]

    init(seed: UInt64, lengths: ClosedRange<Int>) {
        sampler = GrammarSampler(generator: SeededGenerator(seed: seed))
        shuffler = SeededGenerator(seed: seed ^ 0x5EED_5011_7500_0001)
        self.lengths = lengths
    }

    /// `count` new pairs whose source lengths cycle through `lengths`, in shuffled order.
    mutating func split(count: Int) throws -> [TranslationPair] {
        var targets = (0..<count).map { lengths.lowerBound + $0 % lengths.count }
        for i in targets.indices.reversed() where i > 0 { targets.swapAt(i, shuffler.nextInt(below: i + 1)) }
        return try targets.map { try pair(length: $0) }
    }

    /// A pair whose source has exactly `length` tokens and was not drawn before.
    mutating func pair(length: Int) throws -> TranslationPair {
        if let kept = spare[length], !kept.isEmpty { return spare[length]!.removeFirst() }
        let span = Double(TranslationCorpus.maximumSourceLength - TranslationCorpus.minimumSourceLength)
        let aim = Double(length - TranslationCorpus.minimumSourceLength) / span
        for _ in 0..<20_000 {
            let richness = min(1, max(0, aim + 0.3 * (sampler.generator.nextUniformDouble() - 0.5)))
            let clause = sampler.sentence(richness: richness)
            let source = clause.englishSentence
            guard lengths.contains(source.count), !seen.contains(source) else { continue }
            if source.count != length {
                guard spare[source.count, default: []].count < 64 else { continue }
                seen.insert(source)
                spare[source.count, default: []].append(TranslationPair(source: source, target: clause.frenchSentence))
                continue
            }
            seen.insert(source)
            return TranslationPair(source: source, target: clause.frenchSentence)
        }
        throw LessonError("the grammar ran out of distinct sentences of length \(length); ask for fewer --pairs")
    }
}
