// THROWAWAY stand-in for the corpus grammar and BLEU (written on branch `corpus`), with the
// same interface, so that the translators can be trained before it lands. Delete on merge.

import Foundation
import TensorCore

struct TranslationPair: Equatable, Sendable { var source: [String]; var target: [String] }

struct Vocabulary: Sendable {
    static let pad = 0, start = 1, end = 2, unknown = 3
    static let specialTokens = ["<pad>", "<start>", "<end>", "<unk>"]
    let tokens: [String]
    private let ids: [String: Int]
    init(building sentences: [[String]]) {
        var seen = Set<String>(), order: [String] = []
        for sentence in sentences { for token in sentence where seen.insert(token).inserted { order.append(token) } }
        tokens = Vocabulary.specialTokens + order.sorted()
        ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    }
    var count: Int { tokens.count }
    func id(_ token: String) -> Int { ids[token] ?? Vocabulary.unknown }
    func encode(_ sentence: [String]) -> [Int] { sentence.map(id) }
    func decode(_ ids: [Int]) -> [String] {
        var words: [String] = []
        for id in ids {
            if id == Vocabulary.end { break }
            if id == Vocabulary.pad || id == Vocabulary.start { continue }
            words.append(id >= 0 && id < tokens.count ? tokens[id] : "<unk>")
        }
        return words
    }
}

struct TranslationCorpus: Sendable {
    let train: [TranslationPair], validation: [TranslationPair], test: [TranslationPair]
    let source: Vocabulary, target: Vocabulary

    static func generate(seed: UInt64, trainCount: Int, validationCount: Int, testCount: Int, maxSourceLength: Int = 30) throws -> TranslationCorpus {
        var rng = SeededGenerator(seed: seed)
        var grammar = StandInGrammar()
        var seen = Set<[String]>(), pairs: [TranslationPair] = []
        let total = trainCount + validationCount + testCount
        var attempts = 0
        while pairs.count < total, attempts < total * 50 {
            attempts += 1
            let wanted = 4 + Int(rng.next() % UInt64(max(1, maxSourceLength - 3)))
            var best: TranslationPair?
            for _ in 0..<40 {
                let pair = grammar.sentence(&rng)
                if pair.source.count == wanted { best = pair; break }
                if pair.source.count <= maxSourceLength, best == nil || abs(pair.source.count - wanted) < abs(best!.source.count - wanted) { best = pair }
            }
            if let best, best.source.count <= maxSourceLength, seen.insert(best.source).inserted { pairs.append(best) }
        }
        let train = Array(pairs[0..<trainCount])
        let validation = Array(pairs[trainCount..<(trainCount + validationCount)])
        let test = Array(pairs[(trainCount + validationCount)...])
        return TranslationCorpus(train: train, validation: validation, test: test,
                                 source: Vocabulary(building: train.map(\.source)), target: Vocabulary(building: train.map(\.target)))
    }
}

func corpusBLEU(hypotheses: [[String]], references: [[String]], maxOrder: Int = 4) -> Double {
    var matches = [Double](repeating: 0, count: maxOrder), possible = matches
    var hypLength = 0.0, refLength = 0.0
    for (h, r) in zip(hypotheses, references) {
        hypLength += Double(h.count); refLength += Double(r.count)
        for n in 1...maxOrder {
            var refCounts: [ArraySlice<String>: Int] = [:]
            if r.count >= n { for i in 0...(r.count - n) { refCounts[r[i..<(i + n)], default: 0] += 1 } }
            if h.count >= n {
                for i in 0...(h.count - n) {
                    possible[n - 1] += 1
                    let g = h[i..<(i + n)]
                    if let c = refCounts[g], c > 0 { matches[n - 1] += 1; refCounts[g] = c - 1 }
                }
            }
        }
    }
    guard matches.allSatisfy({ $0 > 0 }) else { return 0 }
    let logPrecision = zip(matches, possible).map { Foundation.log($0 / $1) }.reduce(0, +) / Double(maxOrder)
    let brevity = hypLength >= refLength ? 1 : Foundation.exp(1 - refLength / max(hypLength, 1))
    return brevity * Foundation.exp(logPrecision)
}

/// Nouns with gender, adjectives after the noun with agreement, ne … pas, clauses.
struct StandInGrammar {
    let nouns: [(String, String, String, String, Bool)] = [   // en, en plural, fr, fr plural, feminine
        ("cat", "cats", "chat", "chats", false), ("dog", "dogs", "chien", "chiens", false),
        ("house", "houses", "maison", "maisons", true), ("car", "cars", "voiture", "voitures", true),
        ("bird", "birds", "oiseau", "oiseaux", false), ("girl", "girls", "fille", "filles", true),
        ("boy", "boys", "garçon", "garçons", false), ("book", "books", "livre", "livres", false),
        ("table", "tables", "table", "tables", true), ("apple", "apples", "pomme", "pommes", true),
        ("teacher", "teachers", "professeur", "professeurs", false), ("city", "cities", "ville", "villes", true),
        ("horse", "horses", "cheval", "chevaux", false), ("flower", "flowers", "fleur", "fleurs", true),
        ("friend", "friends", "ami", "amis", false), ("door", "doors", "porte", "portes", true),
        ("tree", "trees", "arbre", "arbres", false), ("letter", "letters", "lettre", "lettres", true),
        ("man", "men", "homme", "hommes", false), ("woman", "women", "femme", "femmes", true),
    ]
    let adjectives: [(String, String, String)] = [   // en, fr masculine, fr feminine (plural adds s)
        ("black", "noir", "noire"), ("small", "petit", "petite"), ("green", "vert", "verte"),
        ("big", "grand", "grande"), ("old", "vieux", "vieille"), ("red", "rouge", "rouge"),
        ("happy", "content", "contente"), ("blue", "bleu", "bleue"), ("white", "blanc", "blanche"),
        ("quiet", "calme", "calme"), ("strong", "fort", "forte"), ("cold", "froid", "froide"),
    ]
    let verbs: [(String, String, String, String)] = [   // en 3sg, en pl, fr 3sg, fr 3pl
        ("sees", "see", "voit", "voient"), ("likes", "like", "aime", "aiment"), ("finds", "find", "trouve", "trouvent"),
        ("watches", "watch", "regarde", "regardent"), ("follows", "follow", "suit", "suivent"),
        ("wants", "want", "veut", "veulent"), ("takes", "take", "prend", "prennent"), ("knows", "know", "connaît", "connaissent"),
    ]
    let adverbs: [(String, String)] = [("today", "aujourd'hui"), ("often", "souvent"), ("quickly", "vite"), ("again", "encore")]
    let links: [(String, String)] = [("because", "parce que"), ("when", "quand"), ("and", "et"), ("but", "mais")]

    struct Phrase { var en: [String]; var fr: [String]; var plural: Bool }

    func pick<T>(_ items: [T], _ rng: inout SeededGenerator) -> T { items[Int(rng.next() % UInt64(items.count))] }
    func chance(_ p: Double, _ rng: inout SeededGenerator) -> Bool { Double(rng.next() % 1000) < p * 1000 }

    func nounPhrase(_ rng: inout SeededGenerator) -> Phrase {
        let noun = pick(nouns, &rng), plural = chance(0.3, &rng), definite = chance(0.7, &rng)
        var en = [plural ? (definite ? "the" : "some") : (definite ? "the" : "a")]
        var fr = [plural ? (definite ? "les" : "des") : definite ? (noun.4 ? "la" : "le") : (noun.4 ? "une" : "un")]
        var enAdjectives: [String] = [], frAdjectives: [String] = []
        for _ in 0..<(chance(0.5, &rng) ? (chance(0.3, &rng) ? 2 : 1) : 0) {
            let adjective = pick(adjectives, &rng)
            if enAdjectives.contains(adjective.0) { continue }
            enAdjectives.append(adjective.0)
            var form = noun.4 ? adjective.2 : adjective.1
            if plural && !form.hasSuffix("s") && !form.hasSuffix("x") { form += "s" }
            frAdjectives.append(form)
        }
        en += enAdjectives + [plural ? noun.1 : noun.0]
        fr += [plural ? noun.3 : noun.2] + (frAdjectives.count == 2 ? [frAdjectives[0], "et", frAdjectives[1]] : frAdjectives)
        if enAdjectives.count == 2 { en.insert("and", at: en.count - 2) }
        return Phrase(en: en, fr: fr, plural: plural)
    }

    func clause(_ rng: inout SeededGenerator) -> Phrase {
        let subject = nounPhrase(&rng), object = nounPhrase(&rng), verb = pick(verbs, &rng)
        var en = subject.en, fr = subject.fr
        if chance(0.35, &rng) {
            en += [subject.plural ? "do" : "does", "not", subject.plural ? verb.1 : verb.1]
            fr += ["ne", subject.plural ? verb.3 : verb.2, "pas"]
        } else {
            en.append(subject.plural ? verb.1 : verb.0)
            fr.append(subject.plural ? verb.3 : verb.2)
        }
        en += object.en
        fr += object.fr
        if chance(0.3, &rng) { let adverb = pick(adverbs, &rng); en.append(adverb.0); fr.append(adverb.1) }
        return Phrase(en: en, fr: fr, plural: false)
    }

    mutating func sentence(_ rng: inout SeededGenerator) -> TranslationPair {
        var phrase = clause(&rng)
        let extra = chance(0.5, &rng) ? Int(rng.next() % 3) + 1 : 0
        for _ in 0..<extra {
            let link = pick(links, &rng), next = clause(&rng)
            phrase.en += [link.0] + next.en
            phrase.fr += link.1.split(separator: " ").map(String.init) + next.fr
        }
        return TranslationPair(source: phrase.en + ["."], target: phrase.fr + ["."])
    }
}
