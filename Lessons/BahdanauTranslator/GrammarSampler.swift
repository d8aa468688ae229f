// Random sentences from the grammar. `richness` in [0, 1] raises the chance of every optional
// part (adjectives, relative clauses, adverbs, subordinate clauses), so a caller aiming at a length
// draws a richness near it and keeps the sentence whose length matches.

import TensorCore

struct GrammarSampler {
    var generator: SeededGenerator
    /// How often optional parts appear, 0 (bare clauses) … 1 (many modifiers).
    var richness = 0.5

    init(generator: SeededGenerator) { self.generator = generator }

    /// A random top-level clause.
    mutating func sentence(richness: Double) -> Clause {
        self.richness = richness
        return clause(depth: 0)
    }

    // MARK: - Clauses

    mutating func clause(depth: Int) -> Clause {
        let r = richness
        var frames: [(VerbFrame?, Double)] = [(.intransitive, 3), (.transitive, 4), (.give, 1), (.goTo, 0.8),
                                              (.comeFrom, 0.6), (nil, 1.5)]   // nil: the copula
        if depth < 2 { frames += [(.report, 0.3 + 2 * r), (.tell, 0.3 + 2 * r)] }
        let frame = weighted(frames)
        let verb = frame.map { f in pick(Lexicon.verbs.filter { $0.frame == f }) }
        let tense: Tense = (verb == nil || verb?.englishPast != nil) && chance(0.3) ? .past : .present
        let subject = subjectNominal(kinds: verb?.subjects ?? .any, depth: depth)
        let subjectKinds = subject.kinds
        let negation: Negation = chance(0.2) ? .not : (chance(0.08) ? .never : .none)
        var result = Clause(subject: subject, tense: tense, negation: negation,
                            predicate: predicate(verb, subjectKinds: subjectKinds, tense: tense, depth: depth))
        if negation == .none && chance(0.1) { result.frequency = pick(FrequencyAdverb.allCases) }
        // After a "that" clause a manner adverb or a place would read as part of it: none there,
        // and a gerund only after an idiom ("told them something was amiss by barking").
        let reports: Bool, idiom: Bool
        switch result.predicate {
        case .report(_, let c), .tell(_, let c):
            reports = true
            if case .idiom = c { idiom = true } else { idiom = false }
        default: (reports, idiom) = (false, false)
        }
        // Nor after a relative clause ("the garden that is good loudly"): the adverb would read as its.
        if verb != nil && !reports && !result.predicate.endsInRelativeClause && chance(0.08 + 0.2 * r) {
            result.manner = pick(MannerAdverb.allCases)
        }
        if !reports && chance(0.08 + 0.25 * r) {
            let preposition = pick(Preposition.allCases)
            result.place = [PlacePhrase(preposition: preposition,
                                        object: nounPhrase(kinds: preposition.accepts, depth: depth + 1,
                                                           afterDe: preposition == .near))]
        }
        let gerunds = Lexicon.verbs.filter { $0.frame == .intransitive && !$0.subjects.isDisjoint(with: subjectKinds) }
        if verb != nil && (!reports || idiom) && !gerunds.isEmpty && chance(0.04 + 0.15 * r) {
            result.gerund = [Gerund(verb: pick(gerunds), manner: chance(0.3) ? pick(MannerAdverb.allCases) : nil)]
        }
        if depth < 2 && chance(0.04 + 0.3 * r) {
            result.subordinate = [Subordinate(conjunction: pick(Conjunction.allCases), clause: clause(depth: depth + 1))]
        }
        return result
    }

    private mutating func predicate(_ verb: Verb?, subjectKinds: NounKinds, tense: Tense, depth: Int) -> Predicate {
        guard let verb else {
            return .copula(very: chance(0.25), pick(Lexicon.adjectives.filter { !$0.accepts.isDisjoint(with: subjectKinds) }))
        }
        switch verb.frame {
        case .intransitive: return .intransitive(verb)
        // A past participle would agree with a preceding direct pronoun (il l'a vue): no pronoun in the past.
        case .transitive: return .transitive(verb, objectNominal(kinds: verb.objects, depth: depth, pronouns: tense == .present))
        case .give:
            return .give(verb, nounPhrase(kinds: verb.objects, depth: depth + 1),
                         to: nounPhrase(kinds: .animate, depth: depth + 1))
        case .goTo: return .motion(verb, nounPhrase(kinds: .place, depth: depth + 1))
        case .comeFrom: return .motion(verb, nounPhrase(kinds: .place, depth: depth + 1, afterDe: true))
        // "knows the man …" is connaître, "knows that …" savoir: keep "that" after know, so the
        // first word after the verb tells them apart.
        case .report: return .report(verb, complement(depth: depth, thatRequired: verb.english == "know"))
        case .tell:
            // No relative clause on the recipient: "tells the man that the dog sees …" would be ambiguous.
            let recipient: Nominal = chance(0.5) ? .pronoun(pick(Pronoun.objects))
                : .noun(nounPhrase(kinds: verb.objects, depth: 2))
            return .tell(recipient, complement(depth: depth))
        }
    }

    private mutating func complement(depth: Int, thatRequired: Bool = false) -> Complement {
        chance(0.2) ? .idiom(pick(Idiom.allCases), chance(0.5) ? .present : .past, that: thatRequired || chance(0.7))
            : .clause(clause(depth: depth + 1), that: thatRequired || chance(0.7))
    }

    // MARK: - Noun phrases

    private mutating func subjectNominal(kinds: NounKinds, depth: Int) -> Nominal {
        if kinds.contains(.person) && chance(0.2) { return .pronoun(pick(Pronoun.subjects)) }
        return .noun(nounPhrase(kinds: kinds, depth: depth))
    }

    private mutating func objectNominal(kinds: NounKinds, depth: Int, pronouns: Bool) -> Nominal {
        if pronouns && !kinds.isDisjoint(with: .animate) && chance(0.2) {
            return .pronoun(pick(kinds.contains(.person) ? Pronoun.objects : [.him, .her, .them]))
        }
        return .noun(nounPhrase(kinds: kinds, depth: depth + 1))
    }

    /// - Parameter afterDe: the phrase follows "de" (near, come from), where French has no "de des":
    ///   the plural indefinite ("some") is left out.
    mutating func nounPhrase(kinds: NounKinds, depth: Int, afterDe: Bool = false) -> NounPhrase {
        let r = richness
        let noun = pick(Lexicon.nouns.filter { !$0.kinds.isDisjoint(with: kinds) })
        let determiner = weighted([(Determiner.the, 8.0), (.a, 4), (.this, 1.5), (.my, 1), (.your, 0.7), (.his, 1),
                                   (.her, 1), (.our, 0.7), (.their, 0.7), (.two, 0.5), (.three, 0.5)])
        var np = NounPhrase(determiner: determiner, noun: noun, plural: chance(0.3))
        if afterDe && np.determiner == .a { np.plural = false }
        if chance(0.1 + 0.3 * r) { np.prenominal = pick(Lexicon.adjectives.filter { $0.prenominal && !$0.accepts.isDisjoint(with: noun.kinds) }) }
        let postnominal = Lexicon.adjectives.filter { !$0.prenominal && !$0.accepts.isDisjoint(with: noun.kinds) }
        if !postnominal.isEmpty && chance(0.15 + 0.35 * r) { np.postnominal = pick(postnominal) }
        if depth < 2 && !noun.kinds.contains(.person) && chance(0.15 * r) {
            np.of = [nounPhrase(kinds: [.person, .animal, .place], depth: 2, afterDe: true)]
        }
        // A relative after "of the X" would read as describing X: one or the other.
        if depth < 2 && np.of.isEmpty && chance(0.3 * r) { np.relative = [relativeClause(for: noun, depth: depth)] }
        return np
    }

    private mutating func relativeClause(for noun: Noun, depth: Int) -> RelativeClause {
        let negation: Negation = chance(0.2) ? .not : .none
        let asObject = Lexicon.verbs.filter { $0.frame == .transitive && !$0.objects.isDisjoint(with: noun.kinds) }
        if !asObject.isEmpty && chance(0.4) {
            let verb = pick(asObject)
            let subject: Nominal = verb.subjects.contains(.person) && chance(0.3) ? .pronoun(pick(Pronoun.subjects))
                : .noun(nounPhrase(kinds: verb.subjects, depth: 2))
            return .object(subject: subject, verb: verb, negation: negation)
        }
        let verbs = Lexicon.verbs.filter {
            ($0.frame == .intransitive || $0.frame == .transitive) && !$0.subjects.isDisjoint(with: noun.kinds)
        }
        if verbs.isEmpty || chance(0.2) {
            return .subject(.copula(very: chance(0.25), pick(Lexicon.adjectives.filter { !$0.accepts.isDisjoint(with: noun.kinds) })),
                            negation: negation)
        }
        let verb = pick(verbs)
        let predicate: Predicate = verb.frame == .intransitive ? .intransitive(verb)
            : .transitive(verb, objectNominal(kinds: verb.objects, depth: 2, pronouns: true))
        return .subject(predicate, negation: negation)
    }

    // MARK: - Random choices (our own, so a seed gives the same corpus everywhere)

    private mutating func chance(_ p: Double) -> Bool { generator.nextUniformDouble() < p }
    private mutating func pick<T>(_ items: [T]) -> T { items[generator.nextInt(below: items.count)] }
    private mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        var u = generator.nextUniformDouble() * items.reduce(0) { $0 + $1.1 }
        for (item, weight) in items {
            if u < weight { return item }
            u -= weight
        }
        return items[items.count - 1].0
    }
}

extension Predicate {
    /// Whether the last noun phrase of the predicate carries a relative clause.
    var endsInRelativeClause: Bool {
        switch self {
        case .transitive(_, .noun(let np)), .give(_, _, let np), .motion(_, let np): !np.relative.isEmpty
        default: false
        }
    }
}

extension Nominal {
    /// The kinds a subject counts as for choosing verbs and adjectives (pronouns are people).
    var kinds: NounKinds {
        switch self {
        case .pronoun: .person
        case .noun(let np): np.noun.kinds
        }
    }
}
