// What this machine is: the facts a timing table must be read with.

import Foundation

/// The machine and the build that the numbers come from: CPU, SIMD features, caches, memory.
public enum SystemInfo {
    /// One level of the cache hierarchy, as the operating system reports it.
    public struct Cache: Sendable, CustomStringConvertible {
        public let level: Int
        /// "Data", "Instruction" or "Unified".
        public let kind: String
        public let bytes: Int
        /// How many cores share one such cache.
        public let sharedByCores: Int
        public var description: String { "L\(level) \(kind.lowercased()) \(formatBytes(bytes))" }
    }

    /// "debug" or "release": the configuration this binary was built in. TensorCore's kernels
    /// are compiled optimised in both (`-Ounchecked -target-cpu native`, see Package.swift).
    public static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// The flags TensorCore's kernels were compiled with.
    public static let kernelFlags = "-Ounchecked -target-cpu native"

    /// The processor's marketing name ("AMD EPYC …").
    public static var cpuModel: String {
        #if os(Linux)
        if let line = cpuInfoLines.first(where: { $0.hasPrefix("model name") }),
           let value = line.split(separator: ":", maxSplits: 1).last {
            return value.trimmingCharacters(in: .whitespaces)
        }
        #endif
        return sysctlString("machdep.cpu.brand_string") ?? "unknown CPU"
    }

    /// The SIMD features that matter for our kernels, as the CPU reports them.
    public static var simdFeatures: [String] {
        #if arch(x86_64) && os(Linux)
        guard let line = cpuInfoLines.first(where: { $0.hasPrefix("flags") }) else { return [] }
        let flags = Set(line.split(separator: " ").map(String.init))
        return ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_fp16"]
            .filter(flags.contains)
        #elseif arch(arm64)
        return ["neon"]
        #else
        return []
        #endif
    }

    /// Whether this binary's kernels use 512-bit vectors: compiled for a CPU with AVX-512.
    public static var compiledForAVX512: Bool {
        #if arch(x86_64)
        // NOTE: `-target-cpu native` defines the same macros as clang's -march=native; Swift
        // exposes none of them, so we ask the CPU and trust the build to have matched it.
        return simdFeatures.contains("avx512f")
        #else
        return false
        #endif
    }

    /// Cache levels of CPU 0, smallest first (Linux sysfs; macOS sysctl).
    public static var caches: [Cache] {
        #if os(Linux)
        let base = "/sys/devices/system/cpu/cpu0/cache"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        return entries.filter { $0.hasPrefix("index") }.sorted().compactMap { entry -> Cache? in
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(base)/\(entry)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let level = read("level").flatMap(Int.init), let kind = read("type"),
                  let sizeText = read("size"), let bytes = parseSize(sizeText) else { return nil }
            let shared = read("shared_cpu_list").map(countCPUs) ?? 1
            return Cache(level: level, kind: kind, bytes: bytes, sharedByCores: shared)
        }
        #else
        var result: [Cache] = []
        for (level, key, kind) in [(1, "hw.l1dcachesize", "Data"), (2, "hw.l2cachesize", "Unified"), (3, "hw.l3cachesize", "Unified")] {
            if let bytes = sysctlInt(key), bytes > 0 { result.append(Cache(level: level, kind: kind, bytes: bytes, sharedByCores: 1)) }
        }
        return result
        #endif
    }

    /// Bytes of data cache at `level` (1, 2, 3), if the system says.
    public static func dataCacheBytes(level: Int) -> Int? {
        caches.first { $0.level == level && $0.kind != "Instruction" }?.bytes
    }

    /// Cores the operating system lets this process use.
    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Physical memory in bytes.
    public static var physicalMemory: Int { Int(ProcessInfo.processInfo.physicalMemory) }

    /// Memory that can be allocated now without swapping (Linux MemAvailable; elsewhere physical
    /// memory), or less when the `TP_MEMORY_LIMIT` environment variable (bytes) says so — to see
    /// what a lesson does on a smaller machine: `TP_MEMORY_LIMIT=100000000 swift run lesson …`.
    public static var availableMemory: Int {
        var available = physicalMemory
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            available = kib * 1024
        }
        #endif
        if let limit = try? environmentMemoryLimit() {
            available = min(available, limit)
        }
        return available
    }

    /// The `TP_MEMORY_LIMIT` environment variable in bytes, or nil when it is unset or empty.
    ///
    /// - Throws: `TensorError.invalidArgument` with a one-line message when it is not a whole,
    ///   positive number of bytes written in digits (`100000000`, not `1e8` or `100MB`).
    public static func environmentMemoryLimit() throws -> Int? {
        guard let text = ProcessInfo.processInfo.environment["TP_MEMORY_LIMIT"], !text.isEmpty else { return nil }
        guard text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let bytes = Int(text), bytes > 0 else {
            throw TensorError.invalidArgument(
                "TP_MEMORY_LIMIT=\(text) is not a positive number of bytes; write it in digits (TP_MEMORY_LIMIT=100000000 for 100 MB) or unset it")
        }
        return bytes
    }

    /// Refuses work that would not fit in memory, before any of it is done.
    ///
    ///     try SystemInfo.requireMemory(bytes: n * n * 4, for: "the \(n)×\(n) score matrix")
    ///
    /// - Throws: `TensorError.tooLarge` saying how much is needed and how much there is.
    public static func requireMemory(bytes: Int, for purpose: String) throws {
        let available = availableMemory
        // Leave a quarter for everything else the process and the system hold.
        if bytes > available / 4 * 3 {
            throw TensorError.tooLarge(
                "\(purpose) needs \(formatBytes(bytes)), more than this machine can spare " +
                "(\(formatBytes(available / 4 * 3)): three quarters of the \(formatBytes(available)) available)")
        }
    }

    // MARK: - Reading the system

    #if os(Linux)
    private static var cpuInfoLines: [Substring] {
        ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
    }
    #endif

    private static func parseSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isNumber }
        guard let value = Int(digits) else { return nil }
        switch text.dropFirst(digits.count).uppercased() {
        case "K", "KB", "KIB": return value << 10
        case "M", "MB", "MIB": return value << 20
        case "G", "GB", "GIB": return value << 30
        case "": return value
        default: return nil
        }
    }

    /// "0-3,8" → 5
    private static func countCPUs(_ list: String) -> Int {
        list.split(separator: ",").reduce(0) { total, part in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
        }
    }

    private static func sysctlString(_ name: String) -> String? {
        #if canImport(Darwin)
        var size = 0
        guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard sysctlbyname(name, &buffer, &size, nil, 0) == 0 else { return nil }
        return String(cString: buffer)
        #else
        return nil
        #endif
    }

    private static func sysctlInt(_ name: String) -> Int? {
        #if canImport(Darwin)
        var value = 0
        var size = MemoryLayout<Int>.size
        guard sysctlbyname(name, &value, &size, nil, 0) == 0 else { return nil }
        return value
        #else
        return nil
        #endif
    }
}

/// Bytes with a binary unit: "512 B", "48 KiB", "1.5 GiB".
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    var value = Double(bytes)
    var unit = 0
    while abs(value) >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(bytes) B" }
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
}
