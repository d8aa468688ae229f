// The text the example learns, as token ids: one token per character, and random windows of it.
// B = batch, N = context (window length).

import Foundation
import TensorCore

/// The characters of a text, numbered in sorted order: the model's whole vocabulary.
struct CharacterVocabulary {
    /// id → character
    let characters: [Character]
    /// character → id
    let ids: [Character: Int]

    init(_ text: String) {
        characters = Set(text).sorted()
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    }

    var count: Int { characters.count }

    /// The ids of `text`, or `nil` when it has a character the vocabulary lacks.
    func encode(_ text: String) -> [Int]? {
        var result: [Int] = []
        for character in text {
            guard let id = ids[character] else { return nil }
            result.append(id)
        }
        return result
    }

    func decode(_ ids: [Int]) -> String { String(ids.map { characters[$0] }) }
}

/// The text shipped beside this file (`corpus.txt`, a few KB of sentences written for the project).
func loadCorpus() throws -> String {
    guard let url = Bundle.module.url(forResource: "corpus", withExtension: "txt") else {
        throw ExampleError("corpus.txt is missing from the example's resources")
    }
    return try String(contentsOf: url, encoding: .utf8)
}

/// An error with a one-line message.
struct ExampleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
