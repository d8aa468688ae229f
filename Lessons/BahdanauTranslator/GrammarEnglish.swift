// The English rendering of a grammar sentence: tokens are lowercase words and a final ".".

extension Clause {
    /// The English sentence: the clause, then ".", with "a" → "an" before a vowel.
    var englishSentence: [String] {
        var tokens = englishTokens + ["."]
        for i in tokens.indices.dropLast() where tokens[i] == "a" {
            if let first = tokens[i + 1].first, "aeiou".contains(first) { tokens[i] = "an" }
        }
        return tokens
    }

    var englishTokens: [String] {
        var tokens = subject.english(negatedObject: false)
        tokens += englishVerbGroup(predicate, tense: tense, negation: negation, frequency: frequency,
                                   plural: subject.isPlural)
        tokens += predicate.englishRest(negation: negation)
        if let manner { tokens.append("\(manner)") }
        for p in place { tokens += [p.preposition.english] + p.object.english(negatedObject: false) }
        for g in gerund {
            tokens += ["by", g.verb.englishGerund!]
            if let m = g.manner { tokens.append("\(m)") }
        }
        for s in subordinate { tokens += ["\(s.conjunction)"] + s.clause.englishTokens }
        return tokens
    }
}

/// The finite verb with its auxiliary, negation and frequency adverb:
/// "sees", "does not see", "never saw", "often sees", "is not", "were".
private func englishVerbGroup(_ predicate: Predicate, tense: Tense, negation: Negation,
                              frequency: FrequencyAdverb?, plural: Bool) -> [String] {
    let adverb = frequency.map { ["\($0)"] } ?? []
    if case .copula = predicate {
        let be = tense == .present ? (plural ? "are" : "is") : (plural ? "were" : "was")
        switch negation {
        case .none: return [be] + adverb
        case .not: return [be, "not"]
        case .never: return [be, "never"]
        }
    }
    let verb = predicate.verb!
    switch (tense, negation) {
    case (.present, .none): return adverb + [plural ? verb.english : verb.english3sg]
    case (.present, .not): return [plural ? "do" : "does", "not", verb.english]
    case (.present, .never): return ["never", plural ? verb.english : verb.english3sg]
    case (.past, .none): return adverb + [verb.englishPast!]
    case (.past, .not): return ["did", "not", verb.english]
    case (.past, .never): return ["never", verb.englishPast!]
    }
}

extension Predicate {
    /// The predicate's verb (nil for the copula).
    var verb: Verb? {
        switch self {
        case .intransitive(let v), .transitive(let v, _), .give(let v, _, _), .motion(let v, _), .report(let v, _): v
        case .tell: Lexicon.verb("tell")
        case .copula: nil
        }
    }

    /// Everything after the finite verb group.
    func englishRest(negation: Negation) -> [String] {
        let negated = negation != .none
        switch self {
        case .intransitive: return []
        case .transitive(_, let object): return object.english(negatedObject: negated)
        case .give(_, let object, let recipient):
            return object.english(negatedObject: negated) + ["to"] + recipient.english(negatedObject: false)
        case .motion(let verb, let place):
            return [verb.frame == .goTo ? "to" : "from"] + place.english(negatedObject: false)
        case .report(_, let complement): return complement.english
        case .tell(let recipient, let complement): return recipient.english(negatedObject: false) + complement.english
        case .copula(let very, let adjective): return (very ? ["very"] : []) + [adjective.english]
        }
    }
}

extension Complement {
    var english: [String] {
        switch self {
        case .clause(let clause, let that): return (that ? ["that"] : []) + clause.englishTokens
        case .idiom(let idiom, let tense, let that):
            let be = tense == .present ? "is" : "was"
            let words = switch idiom {
            case .somethingAmiss: ["something", be, "amiss"]
            case .everythingFine: ["everything", be, "fine"]
            }
            return (that ? ["that"] : []) + words
        }
    }
}

extension Nominal {
    /// - Parameter negatedObject: a direct object under negation: plural "a" is "any", not "some".
    func english(negatedObject: Bool) -> [String] {
        switch self {
        case .pronoun(let p): ["\(p)"]
        case .noun(let np): np.english(negatedObject: negatedObject)
        }
    }
}

extension NounPhrase {
    func english(negatedObject: Bool) -> [String] {
        var tokens: [String] = switch determiner {
        case .a: [plural ? (negatedObject ? "any" : "some") : "a"]
        case .this: [plural ? "these" : "this"]
        default: ["\(determiner)"]
        }
        tokens += [prenominal, postnominal].compactMap { $0 }.sorted { $0.englishRank < $1.englishRank }.map(\.english)
        tokens.append(plural ? noun.englishPlural : noun.english)
        for complement in of { tokens += ["of"] + complement.english(negatedObject: false) }
        for clause in relative {
            switch clause {
            case .subject(let predicate, let negation):
                tokens.append(noun.kinds.contains(.person) ? "who" : "that")
                tokens += englishVerbGroup(predicate, tense: .present, negation: negation, frequency: nil, plural: plural)
                tokens += predicate.englishRest(negation: negation)
            case .object(let subject, let verb, let negation):
                tokens += ["that"] + subject.english(negatedObject: false)
                tokens += englishVerbGroup(.transitive(verb, subject), tense: .present, negation: negation,
                                           frequency: nil, plural: subject.isPlural)
            }
        }
        return tokens
    }
}
