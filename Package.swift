// swift-tools-version: 6.0
//
// Transformer Playground — an educational transformer playground and lecture companion.
// Dependencies point one way: TensorCore ← Autograd ← Lessons → Figures, all over _Support; `lesson`
// runs Lessons and reads TensorCore for `lesson info`. ARCHITECTURE.md describes the layering.

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
        .executable(name: "lesson", targets: ["lesson"]),
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Figures", targets: ["Figures"]),
        .library(name: "Autograd", targets: ["Autograd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
    ],
    targets: [
        // MARK: - Plumbing
        .target(name: "_Support", dependencies: ["CVectorMath"], swiftSettings: kernelFlags),
        // Cache prefetch hints (`__builtin_prefetch`), which Swift cannot spell, for TensorCore's kernels.
        .target(name: "CPrefetch"),
        // A vector square root, which Swift's SIMD types compile lane by lane (`_Support`'s `squareRoot16`).
        .target(name: "CVectorMath"),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng16",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CFreeType", pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"]), .brew(["freetype"])]),

        // MARK: - Library
        .target(name: "TensorCore", dependencies: ["_Support", "CPrefetch"], swiftSettings: kernelFlags),
        .target(name: "Figures", dependencies: ["_Support", "CPNG", "CFreeType"], swiftSettings: kernelFlags),
        .target(name: "Autograd", dependencies: ["TensorCore", "_Support"], swiftSettings: kernelFlags),
        .target(
            name: "Lessons",
            dependencies: [
                "TensorCore", "Autograd", "Figures", "_Support",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Lessons",
            exclude: ["README.md", "PositionalEncoding/README.md", "FlashVsStandard/README.md",
                      "Hardware/README.md", "Hardware/numpy_check.py", "BahdanauTranslator/README.md",
                      "LanguageModeling/README.md", "MultiHeadAttention/README.md",
                      "PrivateDocs/README.md", "PrivateDocs/get-model.sh"],
            resources: [.copy("PrivateDocs/Documents")],
            swiftSettings: kernelFlags),

        // MARK: - Executables
        .executableTarget(
            name: "lesson",
            dependencies: ["Lessons", "TensorCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "bench",
            dependencies: ["TensorCore", "Autograd", "_Support", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks",
            exclude: ["README.md", "pytorch_attention.py", "pytorch_embed.py", "flash_vs_pytorch.sh"],
            swiftSettings: kernelFlags),
        .executableTarget(
            name: "positional-encoding-example",
            dependencies: ["TensorCore", "Figures"],
            path: "Examples/PositionalEncodingExample"),
        .executableTarget(
            name: "char-transformer-example",
            dependencies: ["Autograd", "TensorCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CharTransformer",
            exclude: ["README.md"],
            resources: [.copy("corpus.txt")]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"], exclude: ["References"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TensorCore", "TestSupport"], exclude: ["References"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "CPNG"]),
        .testTarget(name: "LessonsTests", dependencies: ["Lessons", "Autograd", "TensorCore", "TestSupport"], exclude: ["References"]),
        .testTarget(name: "LessonCommandTests", dependencies: ["lesson", "TensorCore", "TestSupport"], exclude: ["Scripts"]),
    ]
)
