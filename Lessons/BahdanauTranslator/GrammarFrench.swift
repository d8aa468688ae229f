// The French rendering of a grammar sentence. Elided words are their own tokens: "l'" "oiseau",
// "n'" "aime", "qu'" "il".

extension Clause {
    /// The French sentence: the clause, then ".", with elision applied (le oiseau → l' oiseau).
    var frenchSentence: [String] { elide(frenchTokens + ["."]) }

    var frenchTokens: [String] {
        var tokens = subject.frenchSubject
        tokens += frenchVerbGroup(predicate, tense: tense, negation: negation, frequency: frequency,
                                  subjectPlural: subject.isPlural, subjectFeminine: subject.isFeminine)
        tokens += predicate.frenchRest(negation: negation)
        if let manner { tokens += manner.frenchTokens }
        for p in place {
            switch p.preposition {
            case .in_: tokens += ["dans"] + p.object.french()
            case .on: tokens += ["sur"] + p.object.french()
            case .under: tokens += ["sous"] + p.object.french()
            case .behind: tokens += ["derrière"] + p.object.french()
            case .near: tokens += ["près"] + p.object.french(preposition: "de")
            }
        }
        for g in gerund { tokens += ["en", g.verb.frenchGerund!] + (g.manner?.frenchTokens ?? []) }
        for s in subordinate {
            tokens += (s.conjunction == .because ? ["parce", "que"] : ["quand"]) + s.clause.frenchTokens
        }
        return tokens
    }
}

/// French elision: le, la, ne, que, de, me before a vowel sound become l', n', qu', d', m'.
func elide(_ tokens: [String]) -> [String] {
    var tokens = tokens
    for i in tokens.indices.dropLast()
    where ["le", "la", "ne", "que", "de", "me"].contains(tokens[i]) && startsWithFrenchVowel(tokens[i + 1]) {
        tokens[i] = String(tokens[i].dropLast()) + "'"
    }
    return tokens
}

/// The finite verb group with its clitic pronoun and negation:
/// "voit", "ne les voit pas", "leur a dit", "n'a jamais dormi", "est souvent".
private func frenchVerbGroup(_ predicate: Predicate, tense: Tense, negation: Negation,
                             frequency: FrequencyAdverb?, subjectPlural: Bool, subjectFeminine: Bool) -> [String] {
    let ne = negation == .none ? [] : ["ne"]
    let adverb = switch negation {
    case .none: frequency.map { [$0.rawValue] } ?? []
    case .not: ["pas"]
    case .never: ["jamais"]
    }
    if case .copula(let very, let adjective) = predicate {
        let be = tense == .present ? (subjectPlural ? "sont" : "est") : (subjectPlural ? "étaient" : "était")
        return ne + [be] + adverb + (very ? ["très"] : [])
            + [adjective.frenchForm(feminine: subjectFeminine, plural: subjectPlural)]
    }
    let verb = predicate.verb!
    var clitic: [String] = []
    if case .transitive(_, .pronoun(let p)) = predicate { clitic = [p.frenchDirect] }
    if case .tell(.pronoun(let p), _) = predicate { clitic = [p.frenchIndirect] }
    switch tense {
    case .present:
        return ne + clitic + [subjectPlural ? verb.french3pl : verb.french3sg] + adverb
    case .past:
        return ne + clitic + [subjectPlural ? "ont" : "a"] + adverb + [verb.frenchParticiple!]
    }
}

extension Predicate {
    /// Everything after the finite verb group (pronoun objects went before the verb as clitics).
    func frenchRest(negation: Negation) -> [String] {
        let negated = negation != .none
        switch self {
        case .intransitive, .copula: return []
        case .transitive(_, .pronoun): return []
        case .transitive(_, .noun(let object)): return object.french(negatedObject: negated)
        case .give(_, let object, let recipient):
            return object.french(negatedObject: negated) + recipient.french(preposition: "à")
        case .motion(let verb, let place): return place.french(preposition: verb.frame == .goTo ? "à" : "de")
        case .report(_, let complement): return complement.french
        case .tell(.pronoun, let complement): return complement.french
        case .tell(.noun(let recipient), let complement): return recipient.french(preposition: "à") + complement.french
        }
    }
}

extension Complement {
    var french: [String] {
        switch self {
        case .clause(let clause, _): return ["que"] + clause.frenchTokens
        case .idiom(.somethingAmiss, let tense, _):
            return ["que", "quelque", "chose", "ne", tense == .present ? "va" : "allait", "pas"]
        case .idiom(.everythingFine, let tense, _):
            return ["que", "tout", tense == .present ? "va" : "allait", "bien"]
        }
    }
}

extension Pronoun {
    var frenchSubject: String {
        switch self {
        case .he, .him: "il"
        case .she, .her: "elle"
        case .they, .them: "ils"
        case .me: "je"
        case .you: "vous"
        case .us: "nous"
        }
    }
    /// Direct object clitic: "le chien la voit".
    var frenchDirect: String {
        switch self {
        case .me: "me"
        case .you: "vous"
        case .him, .he: "le"
        case .her, .she: "la"
        case .us: "nous"
        case .them, .they: "les"
        }
    }
    /// Indirect object clitic: "le chien leur dit".
    var frenchIndirect: String {
        switch self {
        case .me: "me"
        case .you: "vous"
        case .him, .he, .her, .she: "lui"
        case .us: "nous"
        case .them, .they: "leur"
        }
    }
}

extension Nominal {
    var frenchSubject: [String] {
        switch self {
        case .pronoun(let p): [p.frenchSubject]
        case .noun(let np): np.french()
        }
    }
}

extension NounPhrase {
    /// - Parameters:
    ///   - preposition: "à" or "de", contracted with the article where French does (au, aux, du, des).
    ///   - negatedObject: a direct object under negation: un / une / des become de.
    func french(preposition: String? = nil, negatedObject: Bool = false) -> [String] {
        var body: [String] = []
        if let adjective = prenominal {
            let form = adjective.frenchForm(feminine: noun.feminine, plural: plural)
            let beforeVowel = !plural && !noun.feminine && startsWithFrenchVowel(noun.french)
            body.append(beforeVowel ? (adjective.frenchBeforeVowel ?? form) : form)
        }
        body.append(plural ? noun.frenchPlural : noun.french)
        if let adjective = postnominal { body.append(adjective.frenchForm(feminine: noun.feminine, plural: plural)) }
        let vowel = startsWithFrenchVowel(body[0])
        let feminine = noun.feminine
        let article: String = switch determiner {
        case .the: plural ? "les" : (vowel ? "l'" : (feminine ? "la" : "le"))
        case .a: negatedObject || (plural && prenominal != nil) ? "de" : (plural ? "des" : (feminine ? "une" : "un"))
        case .this: plural ? "ces" : (feminine ? "cette" : (vowel ? "cet" : "ce"))
        case .my: plural ? "mes" : (feminine && !vowel ? "ma" : "mon")
        case .his, .her: plural ? "ses" : (feminine && !vowel ? "sa" : "son")
        case .your: plural ? "vos" : "votre"
        case .our: plural ? "nos" : "notre"
        case .their: plural ? "leurs" : "leur"
        case .two: "deux"
        case .three: "trois"
        }
        var tokens: [String]
        switch (preposition, article) {
        case ("à", "le"): tokens = ["au"]
        case ("à", "les"): tokens = ["aux"]
        case ("de", "le"): tokens = ["du"]
        case ("de", "les"): tokens = ["des"]
        case ("de", "des"), ("de", "de"): tokens = ["de"]
        case (let p?, _): tokens = [p, article]
        case (nil, _): tokens = [article]
        }
        tokens += body
        for complement in of { tokens += complement.french(preposition: "de") }
        for clause in relative {
            switch clause {
            case .subject(let predicate, let negation):
                tokens.append("qui")
                tokens += frenchVerbGroup(predicate, tense: .present, negation: negation, frequency: nil,
                                          subjectPlural: plural, subjectFeminine: feminine)
                tokens += predicate.frenchRest(negation: negation)
            case .object(let subject, let verb, let negation):
                tokens += ["que"] + subject.frenchSubject
                tokens += frenchVerbGroup(.intransitive(verb), tense: .present, negation: negation, frequency: nil,
                                          subjectPlural: subject.isPlural, subjectFeminine: subject.isFeminine)
            }
        }
        return tokens
    }
}
