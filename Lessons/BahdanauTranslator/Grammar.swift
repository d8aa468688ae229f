// The lexicon of the toy English → French grammar: nouns with gender, adjectives with their four
// agreeing forms, verbs with the forms the grammar uses. GrammarSentence.swift holds the sentence
// structure and its two renderings; GrammarSampler.swift draws random sentences.
//
// Every English word determines its French word given its context (the noun it agrees with, the
// clause it sits in), so a model can in principle translate every held-out sentence exactly.

// MARK: - Word classes

/// What a noun denotes; verbs and adjectives say which kinds they accept.
struct NounKinds: OptionSet, Hashable, Sendable {
    let rawValue: Int
    static let person = NounKinds(rawValue: 1)
    static let animal = NounKinds(rawValue: 2)
    static let thing = NounKinds(rawValue: 4)
    static let food = NounKinds(rawValue: 8)
    static let place = NounKinds(rawValue: 16)
    static let text = NounKinds(rawValue: 32)      // can be read
    static let surface = NounKinds(rawValue: 64)   // something can be on or under it
    static let barker = NounKinds(rawValue: 128)   // can bark
    static let animate: NounKinds = [.person, .animal]
    static let any: NounKinds = [.person, .animal, .thing, .food, .place]
}

/// A noun: English and French, singular and plural, and the French gender.
struct Noun: Hashable, Sendable {
    let english: String, englishPlural: String
    let french: String, frenchPlural: String
    let feminine: Bool
    let kinds: NounKinds
}

/// An adjective. French agrees in gender and number: forms are [m.sg, f.sg, m.pl, f.pl].
///
/// `prenominal` adjectives stand before the French noun (le petit chat); the others after it
/// (le chat noir). In English both come first, ordered by `englishRank` (opinion and size, then
/// qualities, then age, then colour): "the big angry dog", "the tired old man", "the small black cat".
struct Adjective: Hashable, Sendable {
    let english: String
    let french: [String]
    let prenominal: Bool
    let englishRank: Int
    let accepts: NounKinds
    /// The masculine singular before a vowel, where French has one (vieux → vieil homme).
    let frenchBeforeVowel: String?
}

/// How a verb builds its clause.
enum VerbFrame: Hashable, Sendable {
    case intransitive      // the cat sleeps
    case transitive        // the cat sees the dog
    case give              // the man gives the book to the child
    case goTo              // the boy goes to the market       (à + NP, contracted)
    case comeFrom          // the boy comes from the market    (de + NP, contracted)
    case report            // the man says that …
    case tell              // the dog tells them that …        (indirect object)
}

/// A verb: English base / third person singular / simple past / gerund, and the French
/// third person singular / plural present, past participle (passé composé with avoir) and gerund.
/// A nil past means the grammar never puts this verb in the past.
struct Verb: Hashable, Sendable {
    let english: String, english3sg: String, englishPast: String?, englishGerund: String?
    let french3sg: String, french3pl: String, frenchParticiple: String?, frenchGerund: String?
    let frame: VerbFrame
    let subjects: NounKinds
    let objects: NounKinds
}

// MARK: - The lexicon

enum Lexicon {
    static let nouns: [Noun] = [
        // people
        Noun(english: "man", englishPlural: "men", french: "homme", frenchPlural: "hommes", feminine: false, kinds: .person),
        Noun(english: "woman", englishPlural: "women", french: "femme", frenchPlural: "femmes", feminine: true, kinds: .person),
        Noun(english: "child", englishPlural: "children", french: "enfant", frenchPlural: "enfants", feminine: false, kinds: .person),
        Noun(english: "boy", englishPlural: "boys", french: "garçon", frenchPlural: "garçons", feminine: false, kinds: .person),
        Noun(english: "girl", englishPlural: "girls", french: "fille", frenchPlural: "filles", feminine: true, kinds: .person),
        Noun(english: "teacher", englishPlural: "teachers", french: "professeur", frenchPlural: "professeurs", feminine: false, kinds: .person),
        Noun(english: "friend", englishPlural: "friends", french: "ami", frenchPlural: "amis", feminine: false, kinds: .person),
        Noun(english: "farmer", englishPlural: "farmers", french: "fermier", frenchPlural: "fermiers", feminine: false, kinds: .person),
        // animals
        Noun(english: "cat", englishPlural: "cats", french: "chat", frenchPlural: "chats", feminine: false, kinds: .animal),
        Noun(english: "dog", englishPlural: "dogs", french: "chien", frenchPlural: "chiens", feminine: false, kinds: [.animal, .barker]),
        Noun(english: "bird", englishPlural: "birds", french: "oiseau", frenchPlural: "oiseaux", feminine: false, kinds: .animal),
        Noun(english: "horse", englishPlural: "horses", french: "cheval", frenchPlural: "chevaux", feminine: false, kinds: .animal),
        Noun(english: "mouse", englishPlural: "mice", french: "souris", frenchPlural: "souris", feminine: true, kinds: .animal),
        Noun(english: "elephant", englishPlural: "elephants", french: "éléphant", frenchPlural: "éléphants", feminine: false, kinds: .animal),
        // things
        Noun(english: "book", englishPlural: "books", french: "livre", frenchPlural: "livres", feminine: false, kinds: [.thing, .text]),
        Noun(english: "letter", englishPlural: "letters", french: "lettre", frenchPlural: "lettres", feminine: true, kinds: [.thing, .text]),
        Noun(english: "story", englishPlural: "stories", french: "histoire", frenchPlural: "histoires", feminine: true, kinds: [.thing, .text]),
        Noun(english: "ball", englishPlural: "balls", french: "ballon", frenchPlural: "ballons", feminine: false, kinds: .thing),
        Noun(english: "table", englishPlural: "tables", french: "table", frenchPlural: "tables", feminine: true, kinds: [.thing, .surface]),
        Noun(english: "chair", englishPlural: "chairs", french: "chaise", frenchPlural: "chaises", feminine: true, kinds: [.thing, .surface]),
        Noun(english: "door", englishPlural: "doors", french: "porte", frenchPlural: "portes", feminine: true, kinds: .thing),
        Noun(english: "boat", englishPlural: "boats", french: "bateau", frenchPlural: "bateaux", feminine: false, kinds: [.thing, .surface]),
        Noun(english: "tree", englishPlural: "trees", french: "arbre", frenchPlural: "arbres", feminine: false, kinds: [.thing, .surface]),
        // food
        Noun(english: "apple", englishPlural: "apples", french: "pomme", frenchPlural: "pommes", feminine: true, kinds: .food),
        Noun(english: "orange", englishPlural: "oranges", french: "orange", frenchPlural: "oranges", feminine: true, kinds: .food),
        Noun(english: "egg", englishPlural: "eggs", french: "œuf", frenchPlural: "œufs", feminine: false, kinds: .food),
        // places
        Noun(english: "house", englishPlural: "houses", french: "maison", frenchPlural: "maisons", feminine: true, kinds: .place),
        Noun(english: "garden", englishPlural: "gardens", french: "jardin", frenchPlural: "jardins", feminine: false, kinds: .place),
        Noun(english: "city", englishPlural: "cities", french: "ville", frenchPlural: "villes", feminine: true, kinds: .place),
        Noun(english: "river", englishPlural: "rivers", french: "rivière", frenchPlural: "rivières", feminine: true, kinds: .place),
        Noun(english: "market", englishPlural: "markets", french: "marché", frenchPlural: "marchés", feminine: false, kinds: .place),
        Noun(english: "school", englishPlural: "schools", french: "école", frenchPlural: "écoles", feminine: true, kinds: .place),
    ]

    static let adjectives: [Adjective] = [
        // before the French noun
        Adjective(english: "small", french: ["petit", "petite", "petits", "petites"], prenominal: true, englishRank: 0, accepts: .any, frenchBeforeVowel: nil),
        Adjective(english: "big", french: ["grand", "grande", "grands", "grandes"], prenominal: true, englishRank: 0, accepts: .any, frenchBeforeVowel: nil),
        Adjective(english: "good", french: ["bon", "bonne", "bons", "bonnes"], prenominal: true, englishRank: 0, accepts: .any, frenchBeforeVowel: nil),
        Adjective(english: "old", french: ["vieux", "vieille", "vieux", "vieilles"], prenominal: true, englishRank: 2, accepts: .any, frenchBeforeVowel: "vieil"),
        Adjective(english: "young", french: ["jeune", "jeune", "jeunes", "jeunes"], prenominal: true, englishRank: 2, accepts: .animate, frenchBeforeVowel: nil),
        // after the French noun: colours …
        Adjective(english: "black", french: ["noir", "noire", "noirs", "noires"], prenominal: false, englishRank: 3, accepts: [.animal, .thing, .food, .place], frenchBeforeVowel: nil),
        Adjective(english: "white", french: ["blanc", "blanche", "blancs", "blanches"], prenominal: false, englishRank: 3, accepts: [.animal, .thing, .food, .place], frenchBeforeVowel: nil),
        Adjective(english: "red", french: ["rouge", "rouge", "rouges", "rouges"], prenominal: false, englishRank: 3, accepts: [.thing, .food, .place], frenchBeforeVowel: nil),
        Adjective(english: "green", french: ["vert", "verte", "verts", "vertes"], prenominal: false, englishRank: 3, accepts: [.thing, .food, .place], frenchBeforeVowel: nil),
        // … and qualities
        Adjective(english: "happy", french: ["heureux", "heureuse", "heureux", "heureuses"], prenominal: false, englishRank: 1, accepts: .animate, frenchBeforeVowel: nil),
        Adjective(english: "tired", french: ["fatigué", "fatiguée", "fatigués", "fatiguées"], prenominal: false, englishRank: 1, accepts: .animate, frenchBeforeVowel: nil),
        Adjective(english: "angry", french: ["fâché", "fâchée", "fâchés", "fâchées"], prenominal: false, englishRank: 1, accepts: .animate, frenchBeforeVowel: nil),
    ]

    static let verbs: [Verb] = [
        // intransitive (these also make the gerund "by barking" → "en aboyant")
        Verb(english: "sleep", english3sg: "sleeps", englishPast: "slept", englishGerund: "sleeping", french3sg: "dort", french3pl: "dorment", frenchParticiple: "dormi", frenchGerund: "dormant", frame: .intransitive, subjects: .animate, objects: []),
        Verb(english: "run", english3sg: "runs", englishPast: "ran", englishGerund: "running", french3sg: "court", french3pl: "courent", frenchParticiple: "couru", frenchGerund: "courant", frame: .intransitive, subjects: .animate, objects: []),
        Verb(english: "sing", english3sg: "sings", englishPast: "sang", englishGerund: "singing", french3sg: "chante", french3pl: "chantent", frenchParticiple: "chanté", frenchGerund: "chantant", frame: .intransitive, subjects: .person, objects: []),
        Verb(english: "laugh", english3sg: "laughs", englishPast: "laughed", englishGerund: "laughing", french3sg: "rit", french3pl: "rient", frenchParticiple: "ri", frenchGerund: "riant", frame: .intransitive, subjects: .person, objects: []),
        Verb(english: "wait", english3sg: "waits", englishPast: "waited", englishGerund: "waiting", french3sg: "attend", french3pl: "attendent", frenchParticiple: "attendu", frenchGerund: "attendant", frame: .intransitive, subjects: .animate, objects: []),
        Verb(english: "swim", english3sg: "swims", englishPast: "swam", englishGerund: "swimming", french3sg: "nage", french3pl: "nagent", frenchParticiple: "nagé", frenchGerund: "nageant", frame: .intransitive, subjects: .animate, objects: []),
        Verb(english: "bark", english3sg: "barks", englishPast: "barked", englishGerund: "barking", french3sg: "aboie", french3pl: "aboient", frenchParticiple: "aboyé", frenchGerund: "aboyant", frame: .intransitive, subjects: .barker, objects: []),
        Verb(english: "play", english3sg: "plays", englishPast: "played", englishGerund: "playing", french3sg: "joue", french3pl: "jouent", frenchParticiple: "joué", frenchGerund: "jouant", frame: .intransitive, subjects: .animate, objects: []),
        // transitive
        Verb(english: "see", english3sg: "sees", englishPast: "saw", englishGerund: nil, french3sg: "voit", french3pl: "voient", frenchParticiple: "vu", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: .any),
        Verb(english: "like", english3sg: "likes", englishPast: "liked", englishGerund: nil, french3sg: "aime", french3pl: "aiment", frenchParticiple: "aimé", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: .any),
        Verb(english: "eat", english3sg: "eats", englishPast: "ate", englishGerund: nil, french3sg: "mange", french3pl: "mangent", frenchParticiple: "mangé", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: .food),
        Verb(english: "watch", english3sg: "watches", englishPast: "watched", englishGerund: nil, french3sg: "regarde", french3pl: "regardent", frenchParticiple: "regardé", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: .any),
        Verb(english: "find", english3sg: "finds", englishPast: "found", englishGerund: nil, french3sg: "trouve", french3pl: "trouvent", frenchParticiple: "trouvé", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: [.person, .animal, .thing, .food]),
        Verb(english: "follow", english3sg: "follows", englishPast: "followed", englishGerund: nil, french3sg: "suit", french3pl: "suivent", frenchParticiple: "suivi", frenchGerund: nil, frame: .transitive, subjects: .animate, objects: .animate),
        Verb(english: "help", english3sg: "helps", englishPast: "helped", englishGerund: nil, french3sg: "aide", french3pl: "aident", frenchParticiple: "aidé", frenchGerund: nil, frame: .transitive, subjects: .person, objects: .animate),
        // "read" is the same word in the English present and past: never past, so it stays unambiguous
        Verb(english: "read", english3sg: "reads", englishPast: nil, englishGerund: nil, french3sg: "lit", french3pl: "lisent", frenchParticiple: nil, frenchGerund: nil, frame: .transitive, subjects: .person, objects: .text),
        Verb(english: "open", english3sg: "opens", englishPast: "opened", englishGerund: nil, french3sg: "ouvre", french3pl: "ouvrent", frenchParticiple: "ouvert", frenchGerund: nil, frame: .transitive, subjects: .person, objects: [.text, .thing]),
        // "know" + a noun phrase is connaître; "know that …" is savoir (the report verb below)
        Verb(english: "know", english3sg: "knows", englishPast: nil, englishGerund: nil, french3sg: "connaît", french3pl: "connaissent", frenchParticiple: nil, frenchGerund: nil, frame: .transitive, subjects: .person, objects: [.person, .place]),
        // other frames
        Verb(english: "give", english3sg: "gives", englishPast: "gave", englishGerund: nil, french3sg: "donne", french3pl: "donnent", frenchParticiple: "donné", frenchGerund: nil, frame: .give, subjects: .person, objects: [.thing, .food]),
        Verb(english: "go", english3sg: "goes", englishPast: nil, englishGerund: nil, french3sg: "va", french3pl: "vont", frenchParticiple: nil, frenchGerund: nil, frame: .goTo, subjects: .animate, objects: .place),
        Verb(english: "come", english3sg: "comes", englishPast: nil, englishGerund: nil, french3sg: "vient", french3pl: "viennent", frenchParticiple: nil, frenchGerund: nil, frame: .comeFrom, subjects: .animate, objects: .place),
        Verb(english: "say", english3sg: "says", englishPast: "said", englishGerund: nil, french3sg: "dit", french3pl: "disent", frenchParticiple: "dit", frenchGerund: nil, frame: .report, subjects: .person, objects: []),
        Verb(english: "think", english3sg: "thinks", englishPast: "thought", englishGerund: nil, french3sg: "pense", french3pl: "pensent", frenchParticiple: "pensé", frenchGerund: nil, frame: .report, subjects: .person, objects: []),
        Verb(english: "know", english3sg: "knows", englishPast: nil, englishGerund: nil, french3sg: "sait", french3pl: "savent", frenchParticiple: nil, frenchGerund: nil, frame: .report, subjects: .person, objects: []),
        Verb(english: "tell", english3sg: "tells", englishPast: "told", englishGerund: nil, french3sg: "dit", french3pl: "disent", frenchParticiple: "dit", frenchGerund: nil, frame: .tell, subjects: [.person, .barker], objects: .animate),
    ]

    /// The noun spelled `english` (singular). Traps on an unknown word: for tests and fixed examples.
    static func noun(_ english: String) -> Noun { nouns.first { $0.english == english }! }
    static func adjective(_ english: String) -> Adjective { adjectives.first { $0.english == english }! }
    /// The verb spelled `english` with this frame (know is both transitive and a report verb).
    static func verb(_ english: String, _ frame: VerbFrame? = nil) -> Verb {
        verbs.first { $0.english == english && (frame == nil || $0.frame == frame) }!
    }
}

// MARK: - Closed classes

/// Determiners. `.a` is "a" in the singular and "some" in the plural ("any" under negation);
/// `.two` and `.three` are plural only.
enum Determiner: CaseIterable, Hashable, Sendable {
    case the, a, this, my, your, his, her, our, their, two, three
}

/// Personal pronouns: subjects (he, she, they) and objects (me, you, him, her, us, them).
enum Pronoun: CaseIterable, Hashable, Sendable {
    case he, she, they, me, you, him, her, us, them
    static let subjects: [Pronoun] = [.he, .she, .they]
    static let objects: [Pronoun] = [.me, .you, .him, .her, .us, .them]
}

enum Tense: Hashable, Sendable { case present, past }
enum Negation: Hashable, Sendable { case none, not, never }

/// Frequency adverbs: before the English verb, after the French finite verb.
enum FrequencyAdverb: String, CaseIterable, Hashable, Sendable {
    case often = "souvent", always = "toujours", sometimes = "parfois"
}

/// Manner adverbs: at the end of the verb phrase in both languages.
enum MannerAdverb: String, CaseIterable, Hashable, Sendable {
    case quickly = "vite", slowly = "lentement", loudly = "fort", quietly = "doucement"
    case happily = "joyeusement", urgently = "avec insistance"
    var frenchTokens: [String] { rawValue.split(separator: " ").map(String.init) }
}

/// Prepositions of place, each with the noun kinds it takes.
enum Preposition: CaseIterable, Hashable, Sendable {
    case in_, on, under, near, behind
    var english: String { self == .in_ ? "in" : "\(self)" }
    var accepts: NounKinds {
        switch self {
        case .in_: .place
        case .on, .under: .surface
        case .near, .behind: [.place, .thing]
        }
    }
}

/// Conjunctions that open an adverbial clause at the end of a clause.
enum Conjunction: CaseIterable, Hashable, Sendable { case because, when }

/// Fixed clauses with no literal translation: "something was amiss" → "quelque chose n'allait pas".
enum Idiom: CaseIterable, Hashable, Sendable { case somethingAmiss, everythingFine }
