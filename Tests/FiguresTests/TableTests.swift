// Tables: exact terminal, Markdown and CSV text; rows of the wrong length are refused.

import Testing
@testable import Figures

@Suite struct TableTests {
    func sample() throws -> Table {
        try Table(title: "Wavelengths", columns: ["dim", "θ", "note"],
                  rows: [["0", "6.28", "short"], ["2", "39.7", "a|b"], ["10", "-1,024", "say \"hi\", then"]])
    }

    @Test func terminalAlignsNumbersRightAndCountsCharacters() throws {
        #expect(try sample().terminal() == """
            Wavelengths
            dim       θ  note
            ---  ------  --------------
              0    6.28  short
              2    39.7  a|b
             10  -1,024  say "hi", then

            """)
    }

    @Test func markdownEscapesPipes() throws {
        #expect(try sample().markdown() == """
            **Wavelengths**

            | dim |      θ | note           |
            | --: | -----: | :------------- |
            |   0 |   6.28 | short          |
            |   2 |   39.7 | a\\|b           |
            |  10 | -1,024 | say "hi", then |

            """)
    }

    @Test func csvQuotesLikeRFC4180() throws {
        #expect(try sample().csv() == "dim,θ,note\n0,6.28,short\n2,39.7,a|b\n10,\"-1,024\",\"say \"\"hi\"\", then\"\n")
    }

    @Test func explicitAlignmentWins() throws {
        var table = Table(columns: ["n", "x"], alignments: [.left, .center])
        try table.append(["1", "·"])
        try table.append(["100", "abc"])
        #expect(table.terminal() == "n     x\n---  ---\n1     ·\n100  abc\n")
    }

    @Test func wideCharactersTakeTwoCells() throws {
        let table = try Table(columns: ["word", "n"], rows: [["猫", "1"], ["cat", "22"]])
        #expect(table.terminal() == "word   n\n----  --\n猫     1\ncat   22\n")
    }

    @Test func wrongRowLengthIsRefused() throws {
        var table = Table(title: "t", columns: ["a", "b"])
        let error = #expect(throws: FigureError.self) { try table.append(["only one"]) }
        #expect(error?.description == "table \"t\": row 1 has 1 cells but there are 2 columns (a, b)")
        #expect(table.rows.isEmpty)
        #expect(throws: FigureError.self) { try Table(columns: ["a"], rows: [["1", "2"]]) }
    }

    @Test func filesAreWrittenAtomically() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let table = try sample()
        try table.writeCSV(to: folder.path + "/t.csv")
        try table.writeMarkdown(to: folder.path + "/t.md")
        #expect(folder.files() == ["t.csv", "t.md"])
        #expect(throws: FigureError.self) { try table.writeCSV(to: folder.path + "/no/such/t.csv") }
    }
}
