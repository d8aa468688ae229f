import Autograd
extension MultiHeadAttentionLesson {
    static func drawArchitecture(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws -> ReferentModel {
        var g = context.generator(for: "weights")
        return try ReferentModel(settings.configuration(vocabulary: corpus.vocabulary.count), vocabulary: corpus.vocabulary, restricted: false, generator: &g)
    }
    static func oneHeadStepByStep(_ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {}
    static func whyScale(_ context: LessonContext) throws {}
    static func throughTheHeads(_ m: ReferentModel, _ settings: Settings, _ context: LessonContext) throws {}
    static func openTheHeads(_ m: ReferentModels, _ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {}
    static func theBoyAndTheBall(trained: ReferentModel, untrained: ReferentModel, _ context: LessonContext) throws {}
    static func answerSentence(_ t: [String], _ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {}
}
