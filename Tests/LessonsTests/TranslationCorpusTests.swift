// The translator lesson's corpus: the grammar's French for hand-picked sentences, the splits,
// the vocabularies.

import Foundation
import Testing
import TensorCore
@testable import Lessons

private func text(_ tokens: [String]) -> String { tokens.joined(separator: " ") }
private let corpus = try! TranslationCorpus.generate(seed: 7, trainCount: 4000, validationCount: 400, testCount: 400)

private func np(_ determiner: Determiner, _ noun: String, plural: Bool = false, _ adjectives: String...,
                relative: RelativeClause? = nil) -> Nominal {
    .noun(NounPhrase(determiner, noun, plural: plural, adjectives: adjectives, relative: relative))
}
private func verb(_ english: String, _ frame: VerbFrame? = nil) -> Verb { Lexicon.verb(english, frame) }

/// Checks both renderings of a clause.
private func expectTranslation(_ clause: Clause, _ english: String, _ french: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(text(clause.englishSentence) == english, sourceLocation: sourceLocation)
    #expect(text(clause.frenchSentence) == french, sourceLocation: sourceLocation)
}

@Suite struct TranslationCorpusTests {
    // MARK: - The grammar's French

    @Test func adjectivesFollowTheNounExceptPrenominalOnes() {
        expectTranslation(
            Clause(subject: np(.the, "cat", "black"), predicate: .transitive(verb("see"), np(.the, "dog", "small"))),
            "the black cat sees the small dog .", "le chat noir voit le petit chien .")
        expectTranslation(
            Clause(subject: np(.the, "dog", "big", "angry"), predicate: .intransitive(verb("bark"))),
            "the big angry dog barks .", "le grand chien fâché aboie .")
        expectTranslation(
            Clause(subject: np(.a, "man", "old", "tired"), predicate: .intransitive(verb("sleep"))),
            "a tired old man sleeps .", "un vieil homme fatigué dort .")
    }

    @Test func genderAndNumberAgree() {
        expectTranslation(
            Clause(subject: np(.the, "mouse", plural: true, "white"), predicate: .intransitive(verb("sleep"))),
            "the white mice sleep .", "les souris blanches dorment .")
        expectTranslation(
            Clause(subject: np(.the, "man", plural: true, "old"), predicate: .copula(very: true, Lexicon.adjective("happy"))),
            "the old men are very happy .", "les vieux hommes sont très heureux .")
        expectTranslation(
            Clause(subject: .pronoun(.she), tense: .past, predicate: .copula(very: false, Lexicon.adjective("tired"))),
            "she was tired .", "elle était fatiguée .")
        expectTranslation(
            Clause(subject: np(.this, "bird", plural: true, "small"), predicate: .intransitive(verb("sing"))),
            "these small birds sing .", "ces petits oiseaux chantent .")
    }

    @Test func negationSurroundsTheVerb() {
        expectTranslation(
            Clause(subject: np(.the, "cat"), negation: .not, predicate: .transitive(verb("see"), np(.the, "dog"))),
            "the cat does not see the dog .", "le chat ne voit pas le chien .")
        expectTranslation(
            Clause(subject: np(.the, "cat"), negation: .not, predicate: .transitive(verb("like"), np(.the, "bird"))),
            "the cat does not like the bird .", "le chat n' aime pas l' oiseau .")
        expectTranslation(
            Clause(subject: np(.the, "girl", plural: true), tense: .past, negation: .never, predicate: .intransitive(verb("sing"))),
            "the girls never sang .", "les filles n' ont jamais chanté .")
        // Under negation un / une / des become de: "pas de pomme", "pas d'œufs".
        expectTranslation(
            Clause(subject: np(.the, "cat"), negation: .not, predicate: .transitive(verb("eat"), np(.a, "apple"))),
            "the cat does not eat an apple .", "le chat ne mange pas de pomme .")
        expectTranslation(
            Clause(subject: .pronoun(.they), tense: .past, negation: .not, predicate: .transitive(verb("eat"), np(.a, "egg", plural: true))),
            "they did not eat any eggs .", "ils n' ont pas mangé d' œufs .")
    }

    @Test func pronounObjectsGoBeforeTheVerb() {
        expectTranslation(
            Clause(subject: np(.the, "woman"), predicate: .transitive(verb("see"), .pronoun(.them))),
            "the woman sees them .", "la femme les voit .")
        expectTranslation(
            Clause(subject: .pronoun(.he), negation: .not, predicate: .transitive(verb("like"), .pronoun(.her))),
            "he does not like her .", "il ne l' aime pas .")
        expectTranslation(
            Clause(subject: .pronoun(.she), tense: .past, predicate: .tell(.pronoun(.him), .idiom(.everythingFine, .present, that: true))),
            "she told him that everything is fine .", "elle lui a dit que tout va bien .")
        expectTranslation(
            Clause(subject: .pronoun(.he), tense: .past, predicate: .tell(.pronoun(.me), .idiom(.everythingFine, .past, that: false))),
            "he told me everything was fine .", "il m' a dit que tout allait bien .")
    }

    @Test func prepositionsContractWithTheArticle() {
        expectTranslation(
            Clause(subject: np(.the, "boy"), predicate: .motion(verb("go"), NounPhrase(.the, "market"))),
            "the boy goes to the market .", "le garçon va au marché .")
        expectTranslation(
            Clause(subject: np(.the, "girl"), predicate: .motion(verb("go"), NounPhrase(.the, "school"))),
            "the girl goes to the school .", "la fille va à l' école .")
        expectTranslation(
            Clause(subject: np(.the, "dog"), predicate: .motion(verb("come"), NounPhrase(.the, "garden"))),
            "the dog comes from the garden .", "le chien vient du jardin .")
        expectTranslation(
            Clause(subject: np(.the, "girl", plural: true),
                   predicate: .give(verb("give"), NounPhrase(.the, "apple", plural: true), to: NounPhrase(.the, "child", plural: true))),
            "the girls give the apples to the children .", "les filles donnent les pommes aux enfants .")
        expectTranslation(
            Clause(subject: np(.the, "cat"), predicate: .intransitive(verb("sleep")),
                   place: [PlacePhrase(preposition: .near, object: NounPhrase(.the, "tree", plural: true))]),
            "the cat sleeps near the trees .", "le chat dort près des arbres .")
        expectTranslation(
            Clause(subject: .noun(NounPhrase(.the, "door", of: NounPhrase(.the, "house"))), predicate: .copula(very: false, Lexicon.adjective("red"))),
            "the door of the house is red .", "la porte de la maison est rouge .")
    }

    @Test func elisionAndVowelForms() {
        expectTranslation(
            Clause(subject: np(.this, "elephant"), predicate: .transitive(verb("see"), np(.my, "school"))),
            "this elephant sees my school .", "cet éléphant voit mon école .")
        expectTranslation(
            Clause(subject: np(.a, "orange", "big"), predicate: .copula(very: false, Lexicon.adjective("green"))),
            "a big orange is green .", "une grande orange est verte .")
        expectTranslation(
            Clause(subject: np(.a, "orange"), predicate: .copula(very: false, Lexicon.adjective("green"))),
            "an orange is green .", "une orange est verte .")
    }

    @Test func relativeAndSubordinateClauses() {
        expectTranslation(
            Clause(subject: np(.the, "cat", relative: .object(subject: np(.the, "dog"), verb: verb("see"), negation: .none)),
                   predicate: .intransitive(verb("sleep"))),
            "the cat that the dog sees sleeps .", "le chat que le chien voit dort .")
        expectTranslation(
            Clause(subject: np(.the, "man", relative: .subject(.intransitive(verb("sing")), negation: .not)),
                   predicate: .transitive(verb("read"), np(.the, "book", relative: .object(subject: .pronoun(.he), verb: verb("like"), negation: .none)))),
            "the man who does not sing reads the book that he likes .",
            "l' homme qui ne chante pas lit le livre qu' il aime .")
        expectTranslation(
            Clause(subject: np(.the, "cat"), predicate: .intransitive(verb("sleep")),
                   subordinate: [Subordinate(conjunction: .because, clause: Clause(subject: .pronoun(.he), predicate: .intransitive(verb("laugh"))))]),
            "the cat sleeps because he laughs .", "le chat dort parce qu' il rit .")
        expectTranslation(
            Clause(subject: np(.the, "teacher"), predicate: .report(verb("know", .report), .clause(
                Clause(subject: np(.the, "child", plural: true), frequency: .often, predicate: .intransitive(verb("play"))), that: true))),
            "the teacher knows that the children often play .", "le professeur sait que les enfants jouent souvent .")
    }

    @Test func theLectureExampleIsAGrammarSentenceAndTheFirstTestPair() {
        expectTranslation(lectureExample, "the dog told them something was amiss by barking urgently .",
                          "le chien leur a dit que quelque chose n' allait pas en aboyant avec insistance .")
        #expect(corpus.test.first == TranslationPair(lectureExample))
        #expect(!(corpus.train + corpus.validation).contains(TranslationPair(lectureExample)))
    }

    /// The same English must always get the same French, however the grammar built it:
    /// otherwise no model could translate it exactly.
    @Test func everyEnglishSentenceHasOneFrenchTranslation() {
        var sampler = GrammarSampler(generator: SeededGenerator(seed: 3))
        var french: [[String]: [String]] = [:]
        var conflicts: [String] = []
        for i in 0..<40_000 {
            let clause = sampler.sentence(richness: Double(i % 11) / 10)
            let source = clause.englishSentence, target = clause.frenchSentence
            if let seen = french[source], seen != target { conflicts.append(text(source)) }
            french[source] = target
        }
        #expect(conflicts.isEmpty, "\(conflicts.prefix(3))")
        #expect(french.count > 30_000)
    }

    // MARK: - French spelling rules hold over the whole corpus

    @Test func elisionAndContractionsHoldEverywhere() {
        for pair in corpus.train + corpus.validation + corpus.test {
            for (word, next) in zip(pair.target, pair.target.dropFirst()) {
                let elidable = ["le", "la", "ne", "que", "de", "me"].contains(word)
                #expect(!(elidable && startsWithFrenchVowel(next)), "\(text(pair.target))")
                #expect(!(["à", "de"].contains(word) && ["le", "les"].contains(next)), "\(text(pair.target))")
            }
            for (word, next) in zip(pair.source, pair.source.dropFirst()) where word == "a" {
                #expect(!"aeiou".contains(next.first!), "\(text(pair.source))")
            }
        }
    }

    // MARK: - Splits

    @Test func sameSeedSameCorpusOtherSeedOtherCorpus() throws {
        let again = try TranslationCorpus.generate(seed: 7, trainCount: 4000, validationCount: 400, testCount: 400)
        #expect(again.train == corpus.train && again.validation == corpus.validation && again.test == corpus.test)
        #expect(again.source.tokens == corpus.source.tokens && again.target.tokens == corpus.target.tokens)
        let other = try TranslationCorpus.generate(seed: 8, trainCount: 4000, validationCount: 400, testCount: 400)
        #expect(other.train != corpus.train)
    }

    @Test func splitsAreDisjointWithoutDuplicates() {
        let train = Set(corpus.train.map(\.source)), validation = Set(corpus.validation.map(\.source))
        let test = Set(corpus.test.map(\.source))
        #expect(train.count == 4000 && validation.count == 400 && test.count == 400)
        #expect(train.isDisjoint(with: validation) && train.isDisjoint(with: test) && validation.isDisjoint(with: test))
    }

    @Test func lengthsAreSpreadEvenlyOverFourToThirty() {
        for split in [corpus.train, corpus.validation] {
            var counts = [Int: Int]()
            for pair in split { counts[pair.source.count, default: 0] += 1 }
            #expect(Set(counts.keys) == Set(4...30))
            #expect(counts.values.max()! - counts.values.min()! <= 1)
        }
        // Every bucket of the lesson's accuracy-vs-length chart has test sentences.
        for bucket in [1...5, 6...10, 11...15, 16...20, 21...25, 26...30] {
            #expect(corpus.test.filter { bucket.contains($0.source.count) }.count >= 25, "bucket \(bucket)")
        }
        let short = try! TranslationCorpus.generate(seed: 1, trainCount: 50, validationCount: 0, testCount: 20, maxSourceLength: 12)
        #expect(short.train.allSatisfy { (4...12).contains($0.source.count) })
        #expect(short.validation.isEmpty && short.test.count == 20)
    }

    @Test func badSizesAreErrorsNotCrashes() {
        #expect(throws: LessonError.self) { try TranslationCorpus.generate(seed: 0, trainCount: -1, validationCount: 1, testCount: 1) }
        #expect(throws: LessonError.self) { try TranslationCorpus.generate(seed: 0, trainCount: 1, validationCount: 1, testCount: 1, maxSourceLength: 3) }
        #expect(throws: LessonError.self) { try TranslationCorpus.generate(seed: 0, trainCount: 1, validationCount: 1, testCount: 1, maxSourceLength: 31) }
    }

    // MARK: - Vocabulary

    @Test func vocabularySizesAreInRange() {
        #expect((150...240).contains(corpus.source.count), "source \(corpus.source.count)")
        #expect((180...290).contains(corpus.target.count), "target \(corpus.target.count)")
        // Built from the train split only.
        #expect(Set(corpus.source.tokens) == Set(corpus.train.flatMap(\.source)).union(Vocabulary.specialTokens))
        #expect(Set(corpus.target.tokens) == Set(corpus.train.flatMap(\.target)).union(Vocabulary.specialTokens))
    }

    @Test func specialsFirstThenWordsByFrequencyThenAlphabet() {
        let vocabulary = Vocabulary(building: [["b", "a", "c", "a"], ["c", "d"]])
        #expect(vocabulary.tokens == ["<pad>", "<start>", "<end>", "<unk>", "a", "c", "b", "d"])
        #expect(vocabulary.count == 8)
        #expect(Vocabulary.specialTokens.map(vocabulary.id) == [Vocabulary.pad, Vocabulary.start, Vocabulary.end, Vocabulary.unknown])
        #expect([Vocabulary.pad, Vocabulary.start, Vocabulary.end, Vocabulary.unknown] as [Int] == [0, 1, 2, 3])
    }

    @Test func encodeDecodeRoundTripAndUnknownWords() {
        let sentence = corpus.train[0].target
        let ids = corpus.target.encode(sentence)
        #expect(ids.count == sentence.count && !ids.contains(Vocabulary.unknown))
        #expect(corpus.target.decode(ids) == sentence)
        #expect(corpus.target.decode([Vocabulary.start] + ids + [Vocabulary.end, Vocabulary.pad, 5]) == sentence)
        #expect(corpus.target.decode([Vocabulary.pad, 4, Vocabulary.pad]) == [corpus.target.tokens[4]])
        #expect(corpus.source.id("zebra") == Vocabulary.unknown)
        #expect(corpus.source.decode(corpus.source.encode(["the", "zebra", "sleeps"])) == ["the", "<unk>", "sleeps"])
    }
}
