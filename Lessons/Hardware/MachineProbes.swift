// Probes of the machine itself: how many bytes per second each level of the memory hierarchy
// delivers and how many FLOPs per second the cores can do (latency: MachineProbes+Latency.swift,
// STREAM: MachineProbes+Stream.swift).
//
//   W = working-set bytes, T = threads, line = 64 bytes (one cache line), lane = one Float of a SIMD16
//
// Each probe is a tight loop that does one thing and whose result is returned, so the compiler
// cannot drop it. The `hardware` lesson times them; the tests check that they compute the right thing.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import _Support
import TensorCore

/// Microbenchmarks of this machine: pointer chasing (latency), streaming reads (bandwidth per
/// cache level), a register-resident FMA loop (peak compute) and STREAM (DRAM bandwidth).
enum MachineProbes {
    /// Bytes of one cache line on every CPU this project runs on.
    static let lineBytes = 64

    // MARK: - Bandwidth of one level: reading a buffer again and again

    /// Reads every float of `buffer` `passes` times and returns their sum (so the reads cannot be
    /// optimised away). Eight SIMD16 accumulators keep eight 64-byte loads in flight per step,
    /// more than the adder's latency needs, so the loop runs at the speed of the loads.
    ///
    /// Bytes moved: passes · buffer.count · 4.
    static func read(_ buffer: ProbeBuffer, passes: Int) -> Float {
        keep(readKernel(UnsafePointer(buffer.pointer), count: buffer.count, passes: passes, zero: kept() * 0))
    }

    /// One thread per buffer, concurrently (on up to `Parallel.threadCount` threads): each reads
    /// its own buffer `passes` times. Bytes moved: passes · Σ buffer.count · 4.
    static func read(_ buffers: [ProbeBuffer], passes: Int) -> Float {
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: max(1, buffers.count))
        defer { sums.deallocate() }
        let zero = kept() * 0
        Parallel.forEach(chunks: buffers.count) { i in
            sums[i] = readKernel(UnsafePointer(buffers[i].pointer), count: buffers[i].count, passes: passes, zero: zero)
        }
        var total: Float = 0
        for i in 0..<buffers.count { total += sums[i] }
        return keep(total)
    }

    @inline(never)
    static func readKernel(_ x: UnsafePointer<Float>, count: Int, passes: Int, zero: Float) -> Float {
        var s0 = SIMD16<Float>(repeating: zero), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        var s4 = SIMD16<Float>(), s5 = SIMD16<Float>(), s6 = SIMD16<Float>(), s7 = SIMD16<Float>()
        let blocks = count / 128 * 128
        var tail: Float = 0
        for _ in 0..<max(0, passes) {
            var i = 0
            while i < blocks {
                s0 += loadSIMD16(x + i); s1 += loadSIMD16(x + i + 16); s2 += loadSIMD16(x + i + 32); s3 += loadSIMD16(x + i + 48)
                s4 += loadSIMD16(x + i + 64); s5 += loadSIMD16(x + i + 80); s6 += loadSIMD16(x + i + 96); s7 += loadSIMD16(x + i + 112)
                i += 128
            }
            while i + 16 <= count {
                s0 += loadSIMD16(x + i)
                i += 16
            }
            while i < count {
                tail += x[i]
                i += 1
            }
        }
        return ((s0 + s1) + (s2 + s3) + (s4 + s5) + (s6 + s7)).sum() + tail
    }

    // MARK: - Peak compute: fused multiply-adds on registers (TensorCore's `FMAPeak`)

    /// Independent FMA chains in `fmaLoop`, one vector register of `FMAPeak.lanes` floats each.
    static let fmaChains = FMAPeak.chains

    /// FLOPs of one iteration of `fmaLoop`: chains × lanes × 2 (a multiply and an add).
    static let fmaFlopsPerIteration = FMAPeak.flopsPerIteration

    /// `FMAPeak.kernel`, chained to the previous probe's result so that no call can be dropped.
    static func fmaLoop(iterations: Int, start: Float = 1) -> Float {
        keep(FMAPeak.kernel(iterations: iterations, start: start + kept() * 0))
    }

    /// `fmaLoop` on `threads` threads at once (each its own loop of `iterations`); returns the sum.
    /// FLOPs: threads · iterations · `fmaFlopsPerIteration`.
    static func fmaLoop(iterations: Int, threads: Int) -> Float {
        keep(FMAPeak.run(iterations: iterations, threads: threads, start: kept() * 0))
    }

    // MARK: - Keeping the optimiser honest

    /// The last result of a one-thread probe, whose value (times 0) the next one starts from.
    ///
    /// NOTE: a probe is a pure function, and a timing loop calls it with the same arguments again
    /// and again: a whole-module release build dropped the calls whose results were unused, or
    /// hoisted them out of the loop, and "measured" 53 000 GFLOP/s. Reading the last result before
    /// a call and storing the new one after it, through an atomic the optimiser cannot see
    /// through, chains the calls: each one must run, in order. (x · 0 is not folded for floats:
    /// x might be ∞ or NaN.)
    private static let sink = Atomic<UInt32>(0)

    static func kept() -> Float { Float(bitPattern: sink.load(ordering: .relaxed)) }

    static func keep(_ value: Float) -> Float {
        sink.store(value.bitPattern, ordering: .relaxed)
        return value
    }

    /// The clock the operating system reports for CPU 0, in GHz (Linux: "cpu MHz" in
    /// /proc/cpuinfo; macOS: hw.cpufrequency where it exists), or nil. In a virtual machine this
    /// is often the nominal clock, and a core may run faster while boosting.
    static var reportedClockGHz: Double? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu MHz") }),
              let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
              value > 0 else { return nil }
        return value / 1000
        #elseif canImport(Darwin)
        var hertz: Int64 = 0
        var size = MemoryLayout<Int64>.size
        guard sysctlbyname("hw.cpufrequency", &hertz, &size, nil, 0) == 0, hertz > 0 else { return nil }
        return Double(hertz) / 1e9
        #else
        return nil
        #endif
    }

    /// FLOPs one core can start per cycle at most: FMA units × SIMD lanes × 2. Assumes two FMA
    /// units, as on AMD Zen 4/5 and most AVX-512 Xeons (Zen 4 splits a 512-bit FMA in two halves,
    /// so it reaches half of this with 512-bit vectors); 16 lanes with AVX-512, 8 with AVX2,
    /// 4 per unit elsewhere (NEON, 4 units on Apple cores: written as 2 × 8).
    static var assumedFlopsPerCycle: Int {
        #if arch(x86_64)
        return 2 * (SystemInfo.compiledForAVX512 ? 16 : 8) * 2
        #else
        return 2 * 8 * 2
        #endif
    }
}

// MARK: - Buffers for the probes

/// `count` floats, 64-byte aligned (2 MiB aligned and backed by 2 MiB pages where Linux allows
/// it, for buffers of 2 MiB or more), zero-filled, freed when the last reference goes.
///
/// NOTE: with 4 KiB pages, a random walk over hundreds of MiB misses the TLB on almost every
/// load and adds a page-table walk to each one; 2 MiB pages (Linux transparent huge pages,
/// `madvise`) keep the latency probe measuring the caches and DRAM. Where the system declines,
/// the largest working sets also pay for the page walks.
final class ProbeBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = max(0, count)
        let bytes = max(1, self.count) * MemoryLayout<Float>.stride
        let huge = 2 << 20
        let alignment = bytes >= huge ? huge : 64
        let rounded = (bytes + alignment - 1) / alignment * alignment
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: alignment)
        #if os(Linux)
        if alignment == huge { _ = madvise(raw, rounded, 14) }   // 14 = MADV_HUGEPAGE
        #endif
        pointer = raw.bindMemory(to: Float.self, capacity: rounded / MemoryLayout<Float>.stride)
        pointer.initialize(repeating: 0, count: rounded / MemoryLayout<Float>.stride)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The elements, for setting up inputs and checking outputs.
    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
