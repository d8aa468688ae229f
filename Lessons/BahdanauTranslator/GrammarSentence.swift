// The structure of a grammar sentence and its two renderings, English and French.
//
// A sentence is built from explicit choices (a `Clause` of noun phrases, a verb, adverbs …), then
// rendered twice. The French rendering applies the rules that make the task need alignment:
// adjectives after the noun, agreement in gender and number, ne … pas around the verb, clitic
// pronouns before it, au/aux/du/des contractions and elision (l'oiseau, n'aime, qu'il).
//
//     let cat = NounPhrase(.the, "cat", adjectives: ["black"])
//     let dog = NounPhrase(.the, "dog", adjectives: ["small"])
//     let s = Clause(subject: .noun(cat), predicate: .transitive(Lexicon.verb("see"), .noun(dog)))
//     s.englishSentence  // the black cat sees the small dog .
//     s.frenchSentence   // le chat noir voit le petit chien .

// MARK: - Structure

/// A noun phrase: determiner, at most one adjective of each kind, an "of" complement and a
/// relative clause (each array holds zero or one element; arrays let the struct nest itself).
struct NounPhrase: Hashable, Sendable {
    var determiner: Determiner
    var noun: Noun
    var plural: Bool
    var prenominal: Adjective?
    var postnominal: Adjective?
    var of: [NounPhrase] = []
    var relative: [RelativeClause] = []

    /// A noun phrase from English words; `adjectives` may hold one prenominal and one postnominal.
    init(_ determiner: Determiner, _ noun: String, plural: Bool = false, adjectives: [String] = [],
         of: NounPhrase? = nil, relative: RelativeClause? = nil) {
        self.init(determiner: determiner, noun: Lexicon.noun(noun), plural: plural)
        for adjective in adjectives.map(Lexicon.adjective) {
            if adjective.prenominal { prenominal = adjective } else { postnominal = adjective }
        }
        self.of = of.map { [$0] } ?? []
        self.relative = relative.map { [$0] } ?? []
    }

    init(determiner: Determiner, noun: Noun, plural: Bool) {
        self.determiner = determiner
        self.noun = noun
        self.plural = plural || determiner == .two || determiner == .three
    }
}

/// A subject or object: a pronoun or a noun phrase.
enum Nominal: Hashable, Sendable {
    case pronoun(Pronoun)
    case noun(NounPhrase)
}

/// "that sees the dog" (the head is the subject: qui) or "that the dog sees" (the object: que).
/// Relative clauses are always in the present and carry no adverbs.
indirect enum RelativeClause: Hashable, Sendable {
    case subject(Predicate, negation: Negation)
    case object(subject: Nominal, verb: Verb, negation: Negation)
}

/// What follows the subject.
indirect enum Predicate: Hashable, Sendable {
    case intransitive(Verb)
    case transitive(Verb, Nominal)
    case give(Verb, NounPhrase, to: NounPhrase)
    case motion(Verb, NounPhrase)                  // go to / come from a place
    case report(Verb, Complement)                  // say / think / know that …
    case tell(Nominal, Complement)                 // tell someone that …
    case copula(very: Bool, Adjective)             // is (very) tired
}

/// The clause after say / think / know / tell; English may drop "that", French never drops "que".
indirect enum Complement: Hashable, Sendable {
    case clause(Clause, that: Bool)
    case idiom(Idiom, Tense, that: Bool)
}

/// A clause with its adjuncts, in the order both languages put them at the end:
/// manner adverb, place, gerund ("by barking"), then a "because / when" clause.
struct Clause: Hashable, Sendable {
    var subject: Nominal
    var tense: Tense = .present
    var negation: Negation = .none
    var frequency: FrequencyAdverb? = nil
    var predicate: Predicate
    var manner: MannerAdverb? = nil
    var place: [PlacePhrase] = []
    var gerund: [Gerund] = []
    var subordinate: [Subordinate] = []
}

struct PlacePhrase: Hashable, Sendable { var preposition: Preposition; var object: NounPhrase }
struct Gerund: Hashable, Sendable { var verb: Verb; var manner: MannerAdverb? }
struct Subordinate: Hashable, Sendable { var conjunction: Conjunction; var clause: Clause }

/// The lecture's example, which the grammar produces on its own:
/// "the dog told them something was amiss by barking urgently ."
/// → "le chien leur a dit que quelque chose n'allait pas en aboyant avec insistance ."
let lectureExample = Clause(
    subject: .noun(NounPhrase(.the, "dog")), tense: .past,
    predicate: .tell(.pronoun(.them), .idiom(.somethingAmiss, .past, that: false)),
    gerund: [Gerund(verb: Lexicon.verb("bark"), manner: .urgently)])

// MARK: - Agreement

extension Nominal {
    /// Whether the verb agrees in the plural.
    var isPlural: Bool {
        switch self {
        case .pronoun(let p): p == .they || p == .us || p == .them
        case .noun(let np): np.plural
        }
    }
    /// French gender for adjective agreement (a copula's adjective).
    var isFeminine: Bool {
        switch self {
        case .pronoun(let p): p == .she || p == .her
        case .noun(let np): np.noun.feminine
        }
    }
}

extension Adjective {
    func frenchForm(feminine: Bool, plural: Bool) -> String {
        french[(plural ? 2 : 0) + (feminine ? 1 : 0)]
    }
}

/// Whether a French word begins with a vowel sound (all h in this lexicon are mute: l'homme, l'histoire).
func startsWithFrenchVowel(_ word: String) -> Bool {
    guard let first = word.first else { return false }
    return "aeiouéèêàâîôûœh".contains(first)
}
