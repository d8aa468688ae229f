// The training data of the built-in sentence encoder: pairs of texts that mean the same thing in
// different words. A small grammar of our own writes them from concepts (a thing, an action, a
// worry) that each have several wordings ("flat", "apartment"; "holiday", "vacation", "days off"),
// so a model trained to pull each pair together learns which words are interchangeable.

import TensorCore

/// Pairs of paraphrases for contrastive training.
///
/// Two kinds of pair:
/// - **Grammar pairs**: one to three concepts of one topic, each side wording them differently and
///   in another order, with question words and fillers: ("how much is the monthly rent",
///   "what do i pay for the apartment each month").
/// - **Document pairs**: a line of the documents with about a third of its words dropped, beside
///   the passage of up to four lines around it, so the model also knows the words of the texts it
///   will index and learns that a passage's vector stays close to each of its lines'.
enum ParaphraseGrammar {
    /// A concept: its wordings, any of which may stand for it.
    typealias Concept = [String]

    /// Concepts by topic; a pair mixes concepts of one topic only.
    static let topics: [[Concept]] = [
        // Hospital care and medicines
        [["shower", "wash", "bathe", "take a bath"], ["drive", "drive a car", "driving", "get behind the wheel"],
         ["medicine", "medication", "drug", "tablets", "pills"], ["stent", "tube in the artery"],
         ["chest pain", "pain in the chest", "angina", "heart pain"], ["comes back", "returns", "happens again", "starts again"],
         ["rehabilitation", "rehab", "recovery programme", "exercise programme"],
         ["doctor", "physician", "cardiologist", "general practitioner", "gp"],
         ["hospital", "clinic", "ward"], ["operation", "procedure", "surgery", "intervention"],
         ["return to work", "go back to work", "back at the office", "start working again"],
         ["lift", "carry", "heavy things"], ["discharged", "sent home", "leave the hospital"],
         ["dressing", "bandage", "wound"], ["emergency", "urgent", "call for help"]],
        // Blood tests
        [["blood test", "lab test", "laboratory test", "blood sample", "blood work"],
         ["haemoglobin", "hemoglobin", "red blood"], ["iron deficiency", "lack of iron", "low iron", "iron stores"],
         ["anaemia", "anemia", "too few red cells"], ["diabetes", "blood sugar", "glucose", "sugar level"],
         ["kidney", "kidneys", "renal", "creatinine"], ["cholesterol", "ldl", "blood fats", "lipids"],
         ["repeated", "checked again", "tested again", "redone"], ["thyroid", "tsh", "thyroid gland"],
         ["normal", "fine", "within the reference range", "healthy"], ["low", "too low", "below normal", "reduced"],
         ["raised", "high", "too high", "above normal", "elevated"], ["result", "results", "values", "findings"]],
        // Renting a flat
        [["flat", "apartment", "home", "place"], ["rent", "monthly payment", "monthly rent", "pay each month"],
         ["deposit", "security deposit", "guarantee", "caution money"], ["pets", "dog", "cat", "animals"],
         ["notice", "give notice", "terminate", "end the lease", "cancel the contract", "move out"],
         ["repairs", "fix", "maintenance", "something broken"], ["boiler", "heating", "hot water"],
         ["smoking", "smoke", "cigarettes"], ["sublet", "subletting", "rent out a room", "let a room"],
         ["landlord", "owner", "property company"], ["tenant", "renter", "lodger"],
         ["quiet hours", "noise", "loud music at night"], ["paint", "decorate", "colour the walls"],
         ["raise", "increase", "go up", "higher"], ["inspection", "visit", "enter the flat"]],
        // Work and leave
        [["holiday", "vacation", "annual leave", "days off", "paid time off"],
         ["carried over", "carry over", "roll over", "keep for next year"], ["sick", "ill", "illness", "sickness"],
         ["certificate", "sick note", "doctor's note", "medical note"],
         ["maternity leave", "paternity leave", "parental leave", "leave after a birth"],
         ["second parent", "father", "partner"], ["work from home", "remote work", "home office", "working remotely"],
         ["allowance", "money", "compensation", "reimbursement"], ["training budget", "courses", "conferences", "learning money"],
         ["expenses", "receipts", "travel costs", "reimbursed"], ["probation", "trial period"],
         ["laptop", "computer", "equipment", "monitor"], ["manager", "boss", "team lead"],
         ["salary", "pay", "wages"], ["resign", "quit", "leave the company"]],
    ]

    static let questionWords = ["what", "when", "how much", "how many", "can i", "is", "who", "where", "do i", "how long",
                                "should i", "may i", "what about", "tell me", "i want to know"]
    static let fillers = ["the", "a", "my", "for", "about", "with", "after", "before", "in", "of", "to", "and", "please",
                          "each", "this", "it", "is", "me", "our", "new"]

    /// Every wording of every concept, for the tokenizer's corpus.
    static var allWordings: [String] { topics.flatMap { $0.flatMap { $0 } } }

    /// `count` grammar pairs, drawn with `generator`.
    static func grammarPairs(count: Int, generator: inout SeededGenerator) -> [(String, String)] {
        (0..<count).map { _ in
            let topic = topics[Int(generator.next() % UInt64(topics.count))]
            let conceptCount = 1 + Int(generator.next() % 3)
            var concepts: [Concept] = []
            while concepts.count < conceptCount {
                let concept = topic[Int(generator.next() % UInt64(topic.count))]
                if !concepts.contains(concept) { concepts.append(concept) }
            }
            return (side(concepts, &generator), side(concepts, &generator))
        }
    }

    /// One wording of `concepts`: a question word or not, each concept worded at random, shuffled,
    /// with a filler word here and there.
    static func side(_ concepts: [Concept], _ generator: inout SeededGenerator) -> String {
        var words: [String] = concepts.map { $0[Int(generator.next() % UInt64($0.count))] }
        words.shuffle(using: &generator)
        var out: [String] = []
        if generator.next() % 2 == 0 { out.append(questionWords[Int(generator.next() % UInt64(questionWords.count))]) }
        for word in words {
            if generator.next() % 3 == 0 { out.append(fillers[Int(generator.next() % UInt64(fillers.count))]) }
            out.append(word)
        }
        return out.joined(separator: " ")
    }

    /// Pairs (a window of 1 to 4 consecutive lines of one document, one of its lines with about a
    /// third of its words dropped): a short text and the longer passage that holds it, as a
    /// question and the chunk that answers it. Drawn with `generator`.
    static func documentPairs(_ documents: [[String]], count: Int, generator: inout SeededGenerator) -> [(String, String)] {
        let documents = documents.filter { !$0.isEmpty }
        guard !documents.isEmpty else { return [] }
        return (0..<count).map { _ in
            let lines = documents[Int(generator.next() % UInt64(documents.count))]
            let size = min(lines.count, 1 + Int(generator.next() % 4))
            let start = Int(generator.next() % UInt64(lines.count - size + 1))
            let window = lines[start..<start + size]
            let line = window[start + Int(generator.next() % UInt64(size))]
            let words = line.split(separator: " ")
            let kept = words.filter { _ in generator.next() % 3 != 0 }
            return ((kept.isEmpty ? words : kept).joined(separator: " "), window.joined(separator: "\n"))
        }
    }
}
