// The corpus: two-sentence stories about a small world, drawn from a grammar, so that every word
// the lecture uses is known and every dependency is planted on purpose.

import TensorCore

/// A story: a first sentence and the sentence that follows it, as tokens.
struct Story: Equatable, Hashable, Sendable {
    let first: [String], next: [String]
    var tokens: [String] { first + next }
}

/// The small world the stories are about, and the grammar that tells them.
///
/// Five kinds of story (the first sentence fixes the second, so a sequence-to-sequence model can
/// learn to write it):
///
///     the dog <fillers> told them something was amiss by barking urgently .   they followed the dog outside .
///     japan is the home of cherry blossoms .                                  many people visit japan for the cherry blossoms .
///     anna gave food to the cow .                                             the cow ate the food happily .
///     it was rainy in peru today .                                            everyone carried an umbrella .
///     tom forgot the phone charger at the station .                           the robot asked a human to bring it .
///
/// `<fillers>` are 0 to 20 words ("that lived on the farm", "near the river", …) between the
/// animal and the verb whose sound word depends on it.
enum StoryWorld {
    /// (animal, the sound it makes); an animal may be two words ("polar bear").
    static let animals: [(animal: [String], sound: String)] = [
        (["dog"], "barking"), (["cat"], "meowing"), (["cow"], "mooing"), (["duck"], "quacking"),
        (["lion"], "roaring"), (["sheep"], "bleating"), (["owl"], "hooting"), (["snake"], "hissing"),
        (["horse"], "neighing"), (["polar", "bear"], "growling"),
    ]
    /// (country, what it is the home of).
    static let countries: [(country: String, home: [String])] = [
        ("japan", ["cherry", "blossoms"]), ("france", ["fine", "cheese"]), ("egypt", ["the", "pyramids"]),
        ("peru", ["machu", "picchu"]), ("india", ["the", "taj", "mahal"]), ("kenya", ["wild", "elephants"]),
        ("italy", ["fresh", "pasta"]), ("canada", ["maple", "syrup"]),
    ]
    static let people: [[String]] = [["anna"], ["ben"], ["maria"], ["tom"], ["the", "farmer"], ["the", "teacher"]]
    static let places: [String] = ["station", "office", "library", "school", "market"]
    /// (weather, what everyone did).
    static let weather: [(weather: String, then: [String])] = [
        ("rainy", ["everyone", "carried", "an", "umbrella"]), ("sunny", ["everyone", "went", "to", "the", "beach"]),
        ("snowy", ["everyone", "wore", "warm", "coats"]), ("windy", ["everyone", "stayed", "inside"]),
    ]
    /// Filler phrases, 1 to 5 words, none naming an animal or a sound.
    static let fillers: [[String]] = [
        "today", "again", "suddenly", "outside", "at night", "once again", "from next door", "in the morning",
        "near the river", "with brown spots", "that lived nearby", "who was very old", "near the old barn",
        "in the cold morning", "that lived on the farm", "with a long white tail", "that the children loved",
    ].map { $0.split(separator: " ").map(String.init) }

    /// Words the lecture uses that the stories need not: "Food polar charger human" must be scorable.
    static let lectureWords = ["food", "polar", "charger", "human"]

    /// Every word the grammar can say, so the vocabulary knows them all whichever stories were drawn.
    static var allWords: [String] {
        var words = lectureWords + fillers.flatMap { $0 } + people.flatMap { $0 } + places + weather.flatMap { [$0.weather] + $0.then }
        words += animals.flatMap { $0.animal + [$0.sound] } + countries.flatMap { [$0.country] + $0.home }
        let templates = "the told them something was amiss by urgently . they followed outside is home of many people visit for "
            + "gave to ate happily it was in today forgot phone at robot asked a human bring"
        return words + templates.split(separator: " ").map(String.init)
    }

    /// Exactly `count` filler words: phrases drawn until the words run out (a one-word phrase
    /// always fits, so any count is reached).
    static func fillerWords(_ count: Int, generator: inout SeededGenerator) -> [String] {
        var words: [String] = []
        while words.count < count {
            let fitting = fillers.filter { $0.count <= count - words.count }
            words += fitting[Int(generator.next() % UInt64(fitting.count))]
        }
        return words
    }

    /// The alarm story: the sound word at the end depends on the animal `fillers` words back.
    static func alarm(_ animal: Int, fillers: [String]) -> Story {
        let (name, sound) = animals[animal]
        return Story(first: ["the"] + name + fillers + ["told", "them", "something", "was", "amiss", "by", sound, "urgently", "."],
                     next: ["they", "followed", "the"] + name + ["outside", "."])
    }

    /// One story drawn from the grammar; alarm stories (the long-range dependency) are 40%,
    /// with 0 to `maxFillers` filler words, uniformly.
    static func story(maxFillers: Int, generator: inout SeededGenerator) -> Story {
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        switch pick(10) {
        case 0..<4:
            let animal = pick(animals.count)
            return alarm(animal, fillers: fillerWords(pick(maxFillers + 1), generator: &generator))
        case 4, 5:
            let (country, home) = countries[pick(countries.count)]
            return Story(first: [country, "is", "the", "home", "of"] + home + ["."],
                         next: ["many", "people", "visit", country, "for"] + home + ["."])
        case 6, 7:
            let person = people[pick(people.count)], animal = animals[pick(animals.count)].animal
            return Story(first: person + ["gave", "food", "to", "the"] + animal + ["."],
                         next: ["the"] + animal + ["ate", "the", "food", "happily", "."])
        case 8:
            let (weather, then) = self.weather[pick(self.weather.count)], country = countries[pick(countries.count)].country
            return Story(first: ["it", "was", weather, "in", country, "today", "."], next: then + ["."])
        default:
            let person = people[pick(people.count)], place = places[pick(places.count)]
            return Story(first: person + ["forgot", "the", "phone", "charger", "at", "the", place, "."],
                         next: ["the", "robot", "asked", "a", "human", "to", "bring", "it", "."])
        }
    }
}

/// The stories of a run, split into training, validation and test stories that share no story,
/// and the vocabulary of them all.
struct StoryCorpus: Sendable {
    let train: [Story], validation: [Story], test: [Story]
    let vocabulary: WordVocabulary
    let maxFillers: Int

    /// Draws distinct stories until each split is full: the first `trainCount` go to training,
    /// and a story already drawn is never drawn into another split.
    static func generate(seed: UInt64, trainCount: Int, validationCount: Int, testCount: Int, maxFillers: Int) -> StoryCorpus {
        var generator = SeededGenerator(seed: seed)
        var seen: Set<Story> = []
        func draw(_ count: Int) -> [Story] {
            var stories: [Story] = []
            var attempts = 0
            while stories.count < count && attempts < 50 * count {
                attempts += 1
                let story = StoryWorld.story(maxFillers: maxFillers, generator: &generator)
                if seen.insert(story).inserted { stories.append(story) }
            }
            return stories
        }
        // Training stories may repeat (a real corpus repeats its common sentences); held-out
        // ones must not appear in training.
        var train: [Story] = []
        for _ in 0..<trainCount {
            let story = StoryWorld.story(maxFillers: maxFillers, generator: &generator)
            train.append(story)
            seen.insert(story)
        }
        let validation = draw(validationCount), test = draw(testCount)
        let vocabulary = WordVocabulary(building: (train + validation + test).map(\.tokens), extraWords: StoryWorld.allWords)
        return StoryCorpus(train: train, validation: validation, test: test, vocabulary: vocabulary, maxFillers: maxFillers)
    }
}
