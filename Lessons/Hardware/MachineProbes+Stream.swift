// STREAM (McCalpin, 1995): the four kernels that measure sustainable memory bandwidth.
//
//   n = elements per array, s = a scalar; arrays a, b, c of n floats each, far larger than the last cache
//
//   copy    a[i] = b[i]              0 FLOPs, 2 arrays moved (read b, write a)
//   scale   a[i] = s · b[i]          1 FLOP,  2 arrays
//   add     a[i] = b[i] + c[i]       1 FLOP,  3 arrays
//   triad   a[i] = b[i] + s · c[i]   2 FLOPs, 3 arrays
//
// Bytes are counted as STREAM counts them: each array read or written once. The hardware moves
// more: before a core writes a line of `a` it reads it (write-allocate), so triad really moves
// 4 arrays, not 3. STREAM's convention is kept so the numbers compare with published ones.

import _Support
import TensorCore

/// One of the four STREAM kernels.
enum StreamKernel: String, CaseIterable, Sendable {
    case copy, scale, add, triad

    /// The formula, as STREAM writes it (with `a` as the destination throughout).
    var formula: String {
        switch self {
        case .copy: "a = b"
        case .scale: "a = s·b"
        case .add: "a = b + c"
        case .triad: "a = b + s·c"
        }
    }

    /// FLOPs per element.
    var flopsPerElement: Int {
        switch self {
        case .copy: 0
        case .scale, .add: 1
        case .triad: 2
        }
    }

    /// Arrays read or written per element, STREAM's count (write-allocate not counted).
    var arraysMoved: Int {
        switch self {
        case .copy, .scale: 2
        case .add, .triad: 3
        }
    }

    /// Bytes STREAM counts for one pass over n elements: arraysMoved · n · 4.
    func bytes(elements n: Int) -> Double { Double(arraysMoved * n * MemoryLayout<Float>.stride) }
}

extension MachineProbes {
    /// Runs one STREAM kernel over `a`, `b`, `c` (which must hold at least `a.count` floats)
    /// on `Parallel.threadCount` threads, each on a contiguous slice.
    ///
    ///     MachineProbes.stream(.triad, a: a, b: b, c: c, scalar: 3)   // a = b + 3·c
    ///
    /// The triad is computed as b + (s · c) with two roundings, exactly like the scalar
    /// expression `b[i] + s * c[i]` (not as one fused multiply-add).
    static func stream(_ kernel: StreamKernel, a: ProbeBuffer, b: ProbeBuffer, c: ProbeBuffer, scalar: Float) {
        ensure(b.count >= a.count && c.count >= a.count, "STREAM arrays must be at least as long as a")
        let n = a.count, blocks = n / 16
        let pa = a.pointer, pb = UnsafePointer(b.pointer), pc = UnsafePointer(c.pointer)
        // Slices of whole 16-float blocks, at least 64 KiB each, so that a slice is worth a thread.
        Parallel.forEachRange(blocks, minimum: 4096) { range in
            let start = range.lowerBound * 16, end = range.upperBound * 16
            streamKernel(kernel, pa + start, pb + start, pc + start, count: end - start, scalar: scalar)
        }
        let tail = blocks * 16
        if tail < n { streamKernel(kernel, pa + tail, pb + tail, pc + tail, count: n - tail, scalar: scalar) }
    }

    @inline(never)
    static func streamKernel(
        _ kernel: StreamKernel, _ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
        count: Int, scalar s: Float
    ) {
        let vectorEnd = count / 16 * 16
        switch kernel {
        case .copy:
            var i = 0
            while i < vectorEnd { storeSIMD16(loadSIMD16(b + i), a + i); i += 16 }
            while i < count { a[i] = b[i]; i += 1 }
        case .scale:
            var i = 0
            while i < vectorEnd { storeSIMD16(loadSIMD16(b + i) * s, a + i); i += 16 }
            while i < count { a[i] = s * b[i]; i += 1 }
        case .add:
            var i = 0
            while i < vectorEnd { storeSIMD16(loadSIMD16(b + i) + loadSIMD16(c + i), a + i); i += 16 }
            while i < count { a[i] = b[i] + c[i]; i += 1 }
        case .triad:
            var i = 0
            while i < vectorEnd { storeSIMD16(loadSIMD16(b + i) + loadSIMD16(c + i) * s, a + i); i += 16 }
            while i < count { a[i] = b[i] + s * c[i]; i += 1 }
        }
    }
}
