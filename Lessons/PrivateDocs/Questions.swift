// The questions the lesson asks of its documents, each with the line that answers it, so that
// retrieval can be scored: a chunk answers a question when its line range holds that line.

/// A question and where its answer is.
struct RetrievalQuestion: Sendable {
    let text: String
    let file: String
    /// A piece of text found on exactly one line of `file`: the answering line.
    let answer: String
}

enum RetrievalQuestions {
    /// Some share words with their answer (BM25's home ground), others say it in other words.
    static let all: [RetrievalQuestion] = [
        .init(text: "When may I take a shower after the operation?", file: "discharge-note.txt", answer: "shower normally"),
        .init(text: "Which medicine keeps the stent open?", file: "discharge-note.txt", answer: "Clopidogrel 75 mg"),
        .init(text: "When am I allowed to get behind the wheel again?", file: "discharge-note.txt", answer: "drive again"),
        .init(text: "What should I do if the angina returns?", file: "discharge-note.txt", answer: "chest pain comes back"),
        .init(text: "When does rehab begin?", file: "discharge-note.txt", answer: "rehabilitation programme starts"),
        .init(text: "When can I go back to my job?", file: "discharge-note.txt", answer: "Return to office work"),
        .init(text: "How much do I pay for the apartment each month?", file: "flat-lease.md", answer: "monthly rent is 950"),
        .init(text: "How big is the guarantee I pay when I move in?", file: "flat-lease.md", answer: "security deposit is"),
        .init(text: "Am I allowed to keep a dog?", file: "flat-lease.md", answer: "Pets:"),
        .init(text: "How do I cancel the contract of my flat?", file: "flat-lease.md", answer: "written notice, to the end"),
        .init(text: "Who pays when the heating boiler needs servicing?", file: "flat-lease.md", answer: "yearly boiler service"),
        .init(text: "Can I smoke cigarettes at home?", file: "flat-lease.md", answer: "Smoking is not allowed"),
        .init(text: "May I rent out a room to a friend?", file: "flat-lease.md", answer: "Subletting"),
        .init(text: "How many vacation days do I get each year?", file: "hr-policy.md", answer: "28 days of paid holiday"),
        .init(text: "When do I need a sick note?", file: "hr-policy.md", answer: "doctor's certificate"),
        .init(text: "How many days a week can I work remotely?", file: "hr-policy.md", answer: "work from home up to three"),
        .init(text: "How long is paternity leave?", file: "hr-policy.md", answer: "second parent receives"),
        .init(text: "How much money is there for courses and conferences?", file: "hr-policy.md", answer: "training budget"),
        .init(text: "Can I keep unused days off for next year?", file: "hr-policy.md", answer: "carried over"),
        .init(text: "Is the hemoglobin too low?", file: "lab-report.txt", answer: "Haemoglobin 11.2"),
        .init(text: "What do the blood results suggest?", file: "lab-report.txt", answer: "fits iron deficiency anaemia"),
        .init(text: "Does the patient have diabetes?", file: "lab-report.txt", answer: "HbA1c"),
        .init(text: "Are the kidneys working well?", file: "lab-report.txt", answer: "Creatinine 88"),
        .init(text: "When will the blood count be checked again?", file: "lab-report.txt", answer: "repeated after eight weeks"),
    ]
}
