// `lesson list`, `lesson info`, `lesson all` and help.

import Foundation
import Testing

@Suite("lesson list, info, all")
struct CommandTests {
    @Test func listNamesEveryLessonWithASummary() throws {
        let run = try LessonRunner.run(["list"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("positional-encoding"))
        #expect(run.stdout.contains("sinusoidal"))
        #expect(run.stdout.contains("flash-vs-standard"))   // planned lessons are shown as planned
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
        #expect(run.stdout.contains("portable"))
        #expect(run.stdout.contains("threads         1") || run.stdout.contains("threads  1") || run.stdout.range(of: #"threads\s+1 "#, options: .regularExpression) != nil)
    }

    @Test func allRunsEveryLessonIntoItsOwnFolder() throws {
        let run = try LessonRunner.run(["all", "--quick", "--output", "everything"])
        #expect(run.status == 0, "\(run.stderr)")
        let files = LessonRunner.files(in: run.folder.appendingPathComponent("everything"))
        #expect(files.contains("positional-encoding/pe.npy"))
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
