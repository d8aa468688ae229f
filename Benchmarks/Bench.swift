// The root command of `bench` and the options every benchmark shares.

import ArgumentParser
import TensorCore

/// `bench <subcommand>`: measures the kernels on this machine and prints a table, then one
/// last `key=value` line for scripts. Figures are reported, never asserted.
///
///     swift run -c release bench gemm --threads 2 --sizes 256,1024
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Transformer Playground's kernels on this machine.",
        discussion: """
            Each subcommand prints the build configuration, the thread count and the backends, \
            then a table of medians with their spread, then one last line of key=value figures.
            """,
        // Add a benchmark: write `<Name>Benchmark.swift` beside this file and list it here.
        subcommands: [GEMMBenchmark.self, AttentionBenchmark.self, TrainingBenchmark.self, EmbedBenchmark.self])
}

/// Options every benchmark takes.
struct SharedOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional,
            help: "Threads for the kernels (default: TP_THREADS, else every core).")
    var threads: Int?

    @Option(name: .long, parsing: .unconditional,
            help: "Timed samples per measurement, after warm-up; the median is quoted.")
    var repeats: Int = 7

    /// Checks the values; a bad one ends the program with a one-line message.
    func check() throws(BenchError) {
        if let threads, threads < 1 { throw BenchError("--threads must be at least 1, got \(threads)") }
        if repeats < 1 { throw BenchError("--repeats must be at least 1, got \(repeats)") }
    }

    /// Fixes the kernels' thread count for the whole run: `--threads`, else the default.
    func apply() {
        // NOTE: setting it even when it is the default means the count is worked out once,
        // not from the environment on every kernel call.
        Parallel.threadCount = threads ?? Parallel.threadCount
    }
}

/// A bad option value: printed as one line, `bench: <message>`, with exit status 64 (usage).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }

    /// Prints the message to standard error and exits.
    func exit() -> Never {
        var standardError = StandardError()
        print("bench: \(description)", to: &standardError)
        Bench.exit(withError: ExitCode(64))
    }
}
