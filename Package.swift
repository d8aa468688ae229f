// swift-tools-version: 6.0
//
// Transformer Playground — an educational transformer playground and lecture companion.
// Dependencies point one way: TensorCore ← Lessons → Figures; `lesson` sees Lessons only.

import PackageDescription

// NOTE: kernels are compiled optimised and for the CPU that builds them, in debug builds too,
// so that `swift run lesson …` (a debug build) runs the same fast code as a release build.
// Every user builds from source on their own machine, so "native" is the right target,
// exactly like llm.c's `-march=native`.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "native"]),
]

let package = Package(
    name: "TransformerPlayground",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
    ],
    targets: [
        // MARK: - Plumbing
        .target(name: "_Support", swiftSettings: kernelFlags),

        // MARK: - Library
        .target(name: "TensorCore", dependencies: ["_Support"], swiftSettings: kernelFlags),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"], exclude: ["References"]),
    ]
)
