// The `bench` executable: measured figures for the slides (`swift run -c release bench gemm`).
// One file per subcommand (`GEMMBenchmark.swift`, …), registered in `Bench.swift`.

Bench.main()
