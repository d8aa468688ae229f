// `lesson list`, `lesson info`, `lesson all` and help.

import Foundation
import Testing
import TensorCore

@Suite("lesson list, info, all")
struct CommandTests {
    @Test func listNamesEveryLessonWithASummary() throws {
        let run = try LessonRunner.run(["list"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("positional-encoding"))
        #expect(run.stdout.contains("sinusoidal"))
        for name in ["flash-vs-standard", "language-modeling", "multi-head-attention", "bahdanau-translator", "hardware", "private-docs"] {
            #expect(run.stdout.contains(name))
        }
        #expect(!run.stdout.contains("not written yet"))
    }

    @Test func infoReportsBuildBackendThreadsAndCPU() throws {
        let run = try LessonRunner.run(["info"])
        #expect(run.status == 0)
        for key in ["build", "GEMM backend", "threads", "SIMD features", "CPU", "caches"] {
            #expect(run.stdout.contains(key), "info lacks \(key):\n\(run.stdout)")
        }
    }

    @Test func infoHonoursGemmAndThreads() throws {
        let run = try LessonRunner.run(["info", "--gemm", "portable", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        // Read the two lines themselves: "portable" also appears in the details of every backend.
        func line(_ key: String) -> String {
            run.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }.map(String.init) ?? ""
        }
        #expect(line("GEMM backend").contains("portable"), "\(line("GEMM backend"))")
        #expect(line("threads").range(of: #"threads\s+1 \("#, options: .regularExpression) != nil, "\(line("threads"))")
        // And --gemm openblas, where OpenBLAS is present, gives OpenBLAS whatever the default.
        let plain = try LessonRunner.run(["info"])
        if plain.stdout.contains("GEMM available  openblas") {
            let chosen = try LessonRunner.run(["info", "--gemm", "openblas"])
            let backendLine = chosen.stdout.split(separator: "\n").first { $0.contains("GEMM backend") } ?? ""
            #expect(backendLine.lowercased().contains("openblas"), "\(backendLine)")
        }
        // The default is the best available: our own GEMM on AVX-512 machines.
        if SystemInfo.compiledForAVX512 {
            #expect(plain.stdout.split(separator: "\n").first { $0.contains("GEMM backend") }!.contains("portable"))
        }
    }

    @Test func allRunsEveryLessonIntoItsOwnFolder() throws {
        let run = try LessonRunner.run(["all", "--quick", "--output", "everything"])
        #expect(run.status == 0, "\(run.stderr)")
        let files = LessonRunner.files(in: run.folder.appendingPathComponent("everything"))
        #expect(files.contains("positional-encoding/pe.npy"))
        // A page linking every lesson's handout, and progress across the lessons.
        #expect(files.contains("index.html") && files.contains("positional-encoding/index.html"))
        #expect(run.stdout.contains("[1/") && run.stdout.contains("(quick)"))
    }

    @Test func helpListsTheLessons() throws {
        let run = try LessonRunner.run(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("positional-encoding"))
        let lessonHelp = try LessonRunner.run(["positional-encoding", "--help"])
        #expect(lessonHelp.status == 0)
        #expect(lessonHelp.stdout.contains("--d-model"))
        #expect(lessonHelp.stdout.contains("--positions"))
        #expect(lessonHelp.stdout.contains("--seed"))
    }
}
