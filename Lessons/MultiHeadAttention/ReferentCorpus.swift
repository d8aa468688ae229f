// The corpus of the lesson's trained model: sentences in which "it" means the animal or the thing,
// and only the adjective at the end says which. Drawn from a grammar, so the rule is planted on
// purpose and checked, and split by noun pair, so the held-out sentences pair nouns the model
// never saw together.

import TensorCore

/// One sentence of the grammar, with what the model must answer about it.
struct ReferentSentence: Equatable, Sendable {
    let tokens: [String]
    let animal: String, thing: String, adjective: String
    /// The word "it" means: `animal` after a hungry/tired/thirsty, `thing` after a sweet/cold/fresh/heavy.
    let referent: String
    /// Where "it" and "because" are in `tokens`.
    let itIndex: Int, becauseIndex: Int
}

/// The grammar of the referent sentences:
///
///     [opening ,] the <animal> <verb> the|a [colour] <thing> because it was [very] <adjective> .
///     [opening ,] the|a [colour] <thing> was <verb-ed> by the <animal> because it was [very] <adjective> .
///
/// The adjective alone decides the referent: hungry, tired and thirsty describe the animal;
/// sweet, cold, fresh and heavy the thing. Both orders are equally likely, so neither the first
/// nor the second noun is a shortcut.
enum ReferentGrammar {
    static let animals = ["cat", "dog", "horse", "cow", "goat", "sheep", "pig", "duck", "fox", "wolf",
                          "bear", "lion", "mouse", "rabbit", "owl", "hen", "boy", "girl"]
    static let things = ["milk", "water", "juice", "soup", "tea", "cake", "bread", "apple", "cheese", "honey",
                         "box", "rock", "ball", "bag", "bucket", "log"]
    static let animalAdjectives = ["hungry", "tired", "thirsty"]
    static let thingAdjectives = ["sweet", "cold", "fresh", "heavy"]
    /// (active verb, its participle): "the cat drank the milk" / "the milk was drunk by the cat".
    static let verbs: [(active: [String], passive: String)] = [
        (["drank"], "drunk"), (["ate"], "eaten"), (["carried"], "carried"), (["pushed"], "pushed"),
        (["wanted"], "wanted"), (["found"], "found"), (["took"], "taken"), (["licked"], "licked"),
        (["dropped"], "dropped"), (["is", "holding"], "held"),
    ]
    static let colours = ["blue", "red", "green", "brown"]
    static let openings: [[String]] = [["yesterday", ","], ["in", "the", "morning", ","], ["at", "home", ","], ["then", ","]]

    /// Every word the grammar can say, so the vocabulary is the same whatever sentences were drawn.
    static var allWords: [String] {
        animals + things + animalAdjectives + thingAdjectives + verbs.flatMap { $0.active + [$0.passive] } + colours
            + openings.flatMap { $0 } + ["the", "a", "was", "by", "because", "it", "very", "."]
    }

    /// The referent an adjective points to, or nil when the word is not one of the grammar's adjectives.
    static func refersToAnimal(_ adjective: String) -> Bool? {
        animalAdjectives.contains(adjective) ? true : thingAdjectives.contains(adjective) ? false : nil
    }

    /// The nouns among `tokens` (animals and things), in order: the candidates a sentence's "it" may mean.
    static func nouns(in tokens: [String]) -> [String] {
        tokens.filter { animals.contains($0) || things.contains($0) }
    }

    /// One sentence about `animal` and `thing`, its form, verb, adjective and fillers drawn from `generator`.
    static func sentence(animal: String, thing: String, generator: inout SeededGenerator) -> ReferentSentence {
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        func chance(_ p: Double) -> Bool { Double(generator.next() % 1000) < p * 1000 }
        let towardsAnimal = chance(0.5)
        let adjective = pick(towardsAnimal ? animalAdjectives : thingAdjectives)
        let verb = pick(verbs)
        var thingPhrase = [chance(0.7) ? "the" : "a"]
        if chance(0.3) { thingPhrase.append(pick(colours)) }
        thingPhrase.append(thing)
        var tokens = chance(0.3) ? pick(openings) : []
        if chance(0.5) {
            tokens += ["the", animal] + verb.active + thingPhrase
        } else {
            tokens += thingPhrase + ["was", verb.passive, "by", "the", animal]
        }
        let becauseIndex = tokens.count
        tokens += ["because", "it", "was"] + (chance(0.2) ? ["very"] : []) + [adjective, "."]
        return ReferentSentence(tokens: tokens, animal: animal, thing: thing, adjective: adjective,
                                referent: towardsAnimal ? animal : thing, itIndex: becauseIndex + 1, becauseIndex: becauseIndex)
    }
}

/// Training and held-out sentences, split by noun pair: no (animal, thing) pair of a held-out
/// sentence ever appears together in training, though each noun does.
struct ReferentCorpus: Sendable {
    let train: [ReferentSentence], heldOut: [ReferentSentence]
    let trainPairs: [(animal: String, thing: String)], heldOutPairs: [(animal: String, thing: String)]
    let vocabulary: WordVocabulary

    /// The pair of the lecture's sentences, always held out: the model never read "cat" and "milk" together.
    static let lecturePair = (animal: "cat", thing: "milk")

    /// - Parameters:
    ///   - heldOutShare: the share of noun pairs held out (each noun keeps at least 3 training pairs).
    init(seed: UInt64, trainCount: Int, heldOutCount: Int, heldOutShare: Double = 0.2) {
        var generator = SeededGenerator(seed: seed)
        var pairs = ReferentGrammar.animals.flatMap { a in ReferentGrammar.things.map { (animal: a, thing: $0) } }
        pairs.shuffle(using: &generator)
        var trainCount_ = [String: Int]()
        for pair in pairs { trainCount_[pair.animal, default: 0] += 1; trainCount_[pair.thing, default: 0] += 1 }
        var held: [(animal: String, thing: String)] = [], kept: [(animal: String, thing: String)] = []
        let target = Int(Double(pairs.count) * heldOutShare)
        for pair in pairs {
            let isLecture = pair.animal == Self.lecturePair.animal && pair.thing == Self.lecturePair.thing
            if isLecture || (held.count < target && trainCount_[pair.animal]! > 3 && trainCount_[pair.thing]! > 3) {
                held.append(pair)
                trainCount_[pair.animal]! -= 1
                trainCount_[pair.thing]! -= 1
            } else {
                kept.append(pair)
            }
        }
        trainPairs = kept
        heldOutPairs = held
        train = (0..<trainCount).map { _ in
            let pair = kept[Int(generator.next() % UInt64(kept.count))]
            return ReferentGrammar.sentence(animal: pair.animal, thing: pair.thing, generator: &generator)
        }
        heldOut = (0..<heldOutCount).map { i in
            let pair = held[i % held.count]
            return ReferentGrammar.sentence(animal: pair.animal, thing: pair.thing, generator: &generator)
        }
        vocabulary = WordVocabulary(building: [], extraWords: ReferentGrammar.allWords)
    }
}

/// A batch of sentences ready for the model: ids [B, N] padded with [PAD], and one target per
/// position (the referent's id at "it", [PAD] — ignored — everywhere else).
struct ReferentBatch {
    let sentences: [ReferentSentence]
    let ids: [Int], targets: [Int], shape: [Int], lengths: [Int]

    init(_ sentences: [ReferentSentence], _ vocabulary: WordVocabulary) throws {
        let n = sentences.map(\.tokens.count).max() ?? 0
        var ids: [Int] = [], targets: [Int] = []
        for sentence in sentences {
            let padding = [Int](repeating: WordVocabulary.pad, count: n - sentence.tokens.count)
            ids += try vocabulary.encode(sentence.tokens) + padding
            var row = [Int](repeating: WordVocabulary.pad, count: n)
            row[sentence.itIndex] = try vocabulary.encode([sentence.referent])[0]
            targets += row
        }
        self.sentences = sentences
        self.ids = ids
        self.targets = targets
        shape = [sentences.count, n]
        lengths = sentences.map(\.tokens.count)
    }

    /// The baseline's mask [B, N, N]: the words before "because" see only each other, and "it"
    /// sees only them and itself, so nothing "it" can reach, in any layer, ever saw the adjective.
    var restrictedMask: Tensor {
        let (b, n) = (shape[0], shape[1])
        var allowed = [Float](repeating: 1, count: b * n * n)
        for (s, sentence) in sentences.enumerated() {
            for i in 0..<n {
                for j in 0..<n {
                    let before = j < sentence.becauseIndex
                    if i < sentence.becauseIndex && !before { allowed[(s * n + i) * n + j] = 0 }
                    if i == sentence.itIndex && !before && j != i { allowed[(s * n + i) * n + j] = 0 }
                }
            }
        }
        return try! Tensor(shape: [b, n, n], scalars: allowed)
    }
}
