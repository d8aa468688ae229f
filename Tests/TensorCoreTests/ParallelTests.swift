// Tests of Parallel.forEach and the worker pool behind it: every chunk runs exactly once, from
// one caller, from several callers at the same time, and from inside another parallel region.

import Dispatch
import Synchronization
import Testing
import TensorCore

/// Counts how many times each chunk ran.
private final class Tally: @unchecked Sendable {
    let counts: UnsafeMutableBufferPointer<Int>
    let lock = Mutex<Void>(())
    init(_ chunks: Int) { counts = .allocate(capacity: chunks); counts.initialize(repeating: 0) }
    func hit(_ chunk: Int) { lock.withLock { _ in counts[chunk] += 1 } }
    var all: [Int] { Array(counts) }
    deinit { counts.deallocate() }
}

@Suite struct ParallelTests {
    @Test(arguments: [1, 2, 3, 7, 64, 1000])
    func everyChunkRunsOnce(chunks: Int) {
        let tally = Tally(chunks)
        Parallel.forEach(chunks: chunks) { tally.hit($0) }
        #expect(tally.all == [Int](repeating: 1, count: chunks))
    }

    @Test func severalCallersAtOnce() {
        // Four threads use Parallel at the same time: one gets the pool, the others libdispatch.
        let tallies = (0..<4).map { _ in Tally(50) }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<20 { Parallel.forEach(chunks: 50) { tallies[caller].hit($0) } }
        }
        for tally in tallies { #expect(tally.all == [Int](repeating: 20, count: 50)) }
    }

    @Test func nestedRegionsRunSerially() {
        let tally = Tally(8 * 16)
        Parallel.forEach(chunks: 8) { outer in
            Parallel.forEach(chunks: 16) { inner in tally.hit(outer * 16 + inner) }
        }
        #expect(tally.all == [Int](repeating: 1, count: 8 * 16))
    }

    @Test func rangesCoverEverythingOnce() {
        let tally = Tally(1001)
        Parallel.forEachRange(1001, minimum: 10) { range in for i in range { tally.hit(i) } }
        #expect(tally.all == [Int](repeating: 1, count: 1001))
    }
}
