// Latency: how long one load waits at each level of the memory hierarchy, measured by chasing
// pointers around a random cycle through a working set.
//
//   W = working-set bytes, line = 64 bytes (one cache line)

import TensorCore

extension MachineProbes {
    // MARK: - A random single-cycle permutation

    /// A random permutation of `0..<count` that is one cycle through every element (Sattolo's
    /// algorithm, 1986): following i → next[i] from any start visits all `count` elements before
    /// it returns.
    ///
    /// Sattolo's shuffle is Fisher–Yates with the swap partner drawn from the elements *before* i
    /// (j < i, never j = i); that one change makes every permutation it can produce a single
    /// cycle, each of the (count − 1)! of them equally likely.
    ///
    ///     var rng = SeededGenerator(seed: 1)
    ///     let next = MachineProbes.singleCyclePermutation(count: 5, using: &rng)   // e.g. [3, 0, 4, 1, 2]
    static func singleCyclePermutation(count: Int, using generator: inout SeededGenerator) -> [Int] {
        var next = Array(0..<max(0, count))
        var i = count - 1
        while i > 0 {
            let j = generator.nextInt(below: i)        // 0 ≤ j < i
            next.swapAt(i, j)
            i -= 1
        }
        return next
    }
}

// MARK: - Latency: chasing pointers around a random cycle

/// A working set of `bytes` whose cache lines form one random cycle: each line holds the address
/// of the next. Following it is the classic latency probe (lmbench's `lat_mem_rd`): every load
/// needs the address the previous load returned, so loads cannot overlap, and the random order
/// defeats the prefetchers. The time per hop is the latency of the level the working set fits in.
///
///     var rng = SeededGenerator(seed: 42)
///     let ring = PointerChaseRing(bytes: 1 << 20, using: &rng)
///     ring.chase(hops: 1_000_000)         // time this; divide by 1e6 for seconds per load
final class PointerChaseRing: @unchecked Sendable {
    /// The working set, a multiple of 64 bytes.
    let bytes: Int
    /// Cache lines in the ring: bytes / 64.
    let lines: Int
    private let buffer: ProbeBuffer
    /// Where the next `chase` starts: the walk continues round the cycle from call to call, so
    /// repeated calls visit every line rather than the first few again and again.
    private var cursor: UnsafeRawPointer

    /// - Parameters:
    ///   - bytes: the working set; rounded down to whole lines, at least one line.
    ///   - generator: draws the cycle (`MachineProbes.singleCyclePermutation` over the lines).
    init(bytes: Int, using generator: inout SeededGenerator) {
        let lines = max(1, bytes / MachineProbes.lineBytes)
        self.lines = lines
        self.bytes = lines * MachineProbes.lineBytes
        buffer = ProbeBuffer(count: self.bytes / MemoryLayout<Float>.stride)
        let next = MachineProbes.singleCyclePermutation(count: lines, using: &generator)
        let base = UnsafeMutableRawPointer(buffer.pointer)
        for line in 0..<lines {
            let target = UnsafeRawPointer(base + next[line] * MachineProbes.lineBytes)
            (base + line * MachineProbes.lineBytes).storeBytes(of: target, as: UnsafeRawPointer.self)
        }
        cursor = UnsafeRawPointer(base)
    }

    /// The line that line `line` points to (for tests).
    func successor(of line: Int) -> Int {
        let base = UnsafeRawPointer(buffer.pointer)
        let target = (base + line * MachineProbes.lineBytes).load(as: UnsafeRawPointer.self)
        return (target - base) / MachineProbes.lineBytes
    }

    /// Follows the cycle `hops` times from where the last call stopped; returns the line it stops at.
    @discardableResult
    func chase(hops: Int) -> Int {
        cursor = Self.follow(cursor, hops: hops)
        return (cursor - UnsafeRawPointer(buffer.pointer)) / MachineProbes.lineBytes
    }

    @inline(never)
    static func follow(_ start: UnsafeRawPointer, hops: Int) -> UnsafeRawPointer {
        var p = start
        var left = hops
        while left >= 8 {
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            left -= 8
        }
        while left > 0 {
            p = p.load(as: UnsafeRawPointer.self)
            left -= 1
        }
        return p
    }
}
