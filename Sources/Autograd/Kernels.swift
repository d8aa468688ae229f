// Small loops the backward rules share: elementwise maps over buffers, and summing a gradient
// back over the axes a value was broadcast along. Internal plumbing; the ops are the vocabulary.

import TensorCore
import _Support

enum Kernels {
    // MARK: - Building tensors

    /// A new tensor of `shape` whose elements `body` writes (it receives the buffer and its count).
    @inline(__always)
    static func make(
        _ shape: [Int], function: StaticString = #function, file: StaticString = #fileID, line: UInt = #line,
        _ body: (UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        var result = Profiler.measure(.allocation, function: function, file: file, line: line) { Tensor.zeros(shape) }
        Profiler.measure(.elementwise, function: function, file: file, line: line) {
            result.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        }
        return result
    }

    /// Like `make`, for a `body` that writes every element (a GEMM with beta = 0, a full copy):
    /// the zero-fill is skipped.
    @inline(__always)
    static func makeOverwriting(
        _ shape: [Int], function: StaticString = #function, file: StaticString = #fileID, line: UInt = #line,
        _ body: (UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        Profiler.measure(.elementwise, function: function, file: file, line: line) {
            Tensor(unsafeUninitializedShape: shape) { body($0.baseAddress!, $0.count) }
        }
    }

    /// `op(a[i])` for every element.
    @inline(__always)
    static func map(
        _ a: Tensor, function: StaticString = #function, file: StaticString = #fileID, line: UInt = #line,
        _ op: (Float) -> Float
    ) -> Tensor {
        a.withUnsafeBufferPointer { x in
            make(a.shape, function: function, file: file, line: line) { out, n in for i in 0..<n { out[i] = op(x[i]) } }
        }
    }

    /// `op(a[i], b[i])` for two tensors of the same element count (shaped like `a`).
    @inline(__always)
    static func zip(
        _ a: Tensor, _ b: Tensor, function: StaticString = #function, file: StaticString = #fileID,
        line: UInt = #line, _ op: (Float, Float) -> Float
    ) -> Tensor {
        ensure(a.count == b.count, "elementwise op on \(a.shape) and \(b.shape)")
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                make(a.shape, function: function, file: file, line: line) { out, n in for i in 0..<n { out[i] = op(x[i], y[i]) } }
            }
        }
    }

    /// target[i] += source[i], sixteen lanes at a time.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeSIMD16(loadSIMD16(source + i) + loadSIMD16(target + i), target + i)
            i += 16
        }
        while i < count {
            target[i] += source[i]
            i += 1
        }
    }

    // MARK: - Un-broadcasting

    /// Sums `gradient` (shaped like a broadcast result) over the axes along which a value of
    /// `shape` was repeated, so that it has `shape` again: the backward of broadcasting.
    ///
    ///     sum(toShape: [d]) of [N, d]        → the column sums
    ///     sum(toShape: [B, 1, d]) of [B, N, d] → sums over N, keeping the axis
    static func sum(_ gradient: Tensor, toShape shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        let count = shape.reduce(1, *)
        if count == gradient.count {
            return try! gradient.reshaped(shape)   // only leading ones differ
        }
        let trimmed = Array(shape.drop(while: { $0 == 1 }))
        return gradient.withUnsafeBufferPointer { g in
            make(shape) { out, _ in
                if Array(gradient.shape.suffix(trimmed.count)) == trimmed {
                    // `shape` repeats with period `count`: add up the periods.
                    for start in stride(from: 0, to: g.count, by: Swift.max(count, 1)) {
                        add(g.baseAddress! + start, into: out, count: count)
                    }
                    return
                }
                // General case: walk the gradient, sending each element to its source.
                let outShape = gradient.shape
                var strides = [Int](repeating: 0, count: outShape.count)
                var step = 1
                for axis in (0..<shape.count).reversed() {
                    let outAxis = axis + outShape.count - shape.count
                    strides[outAxis] = shape[axis] == 1 ? 0 : step
                    step *= shape[axis]
                }
                var index = [Int](repeating: 0, count: outShape.count)
                var offset = 0
                for i in 0..<g.count {
                    out[offset] += g[i]
                    var axis = outShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        offset -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    // MARK: - Axis views

    /// The tensor seen as [outer, n, inner] around `axis`.
    static func split(_ shape: [Int], at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }
}

extension Kernels {
    /// `GEMM.sgemm`, timed as `.matmul` while profiling.
    @inline(__always)
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Profiler.measure(.matmul) {
            GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc)
        }
    }
}

extension Kernels {
    /// `GEMM.sgemm(bias:)`: C = A op(B) + bias in every row, timed as matmul.
    static func sgemm(
        transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Profiler.measure(.matmul) {
            GEMM.sgemm(transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c, ldc: ldc)
        }
    }

    /// `GEMM.sgemm` with B packed beforehand (`GEMM.packedB`), timed as matmul.
    static func sgemm(
        m: Int, a: UnsafePointer<Float>, lda: Int, packedB: GEMMPackedB, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Profiler.measure(.matmul) { GEMM.sgemm(m: m, a: a, lda: lda, packedB: packedB, beta: beta, c: c, ldc: ldc) }
    }

    /// `GEMM.packedB` for a weight that many products of one op share (nil when the backend packs
    /// for itself), timed as matmul.
    static func packedB(transB: Bool, _ weight: Tensor) -> GEMMPackedB? {
        guard weight.rank == 2 else { return nil }
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        return Profiler.measure(.matmul) {
            weight.withUnsafeBufferPointer { w in
                GEMM.packedB(transB: transB, k: transB ? columns : rows, n: transB ? rows : columns,
                             b: w.baseAddress!, ldb: columns)
            }
        }
    }
}

// MARK: - Rows in parallel

extension Kernels {
    /// Calls `body(rows)` for contiguous ranges of `rows` rows of `width` floats, concurrently,
    /// each range at least 16 K floats (64 KiB).
    ///
    /// NOTE: a row pass (a norm, a copy) over [2048, 64] takes 50–150 µs; handing half of it to
    /// the worker pool's spinning thread costs a few microseconds. The old threshold, 512 K
    /// floats, predates the pool and kept every pass of the char-transformer's training step on
    /// one core (`bench training` lists them by call site).
    /// Bodies must not depend on how the rows are split, so results do not depend on the thread
    /// count (sums across rows are taken elsewhere, in row order).
    @inline(__always)
    static func forEachRowRange(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachRange(rows, minimum: Swift.max(1, (1 << 14) / Swift.max(1, width)), body)
    }

    /// out[j] = Σ_r x[r, j] for `rows` rows of `width` floats. Each thread takes a range of whole
    /// sixteen-column blocks and adds the rows into it in row order: the order of a single pass,
    /// so the sums do not depend on the thread count.
    ///
    /// NOTE: a range of columns, not one block at a time: a pass down one block reads a 64-byte
    /// piece of every row and left the other pieces of each cache line for later passes, at
    /// twice the time of the single-threaded sweep.
    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        forEachColumnRange(rows: rows, width: width) { columns in
            (out + columns.lowerBound).update(repeating: 0, count: columns.count)
            for r in 0..<rows { add(x + r * width + columns.lowerBound, into: out + columns.lowerBound, count: columns.count) }
        }
    }

    /// Calls `body(columns)` for ranges of whole sixteen-column blocks of `width` columns,
    /// concurrently when `rows × width` is large enough to be worth it.
    @inline(__always)
    static func forEachColumnRange(rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        let blocks = (width + 15) / 16
        Parallel.forEachRange(blocks, minimum: Swift.max(1, (1 << 14) / Swift.max(1, 16 * rows))) { range in
            body((range.lowerBound * 16)..<Swift.min(width, range.upperBound * 16))
        }
    }

    /// Σ x[i], sixteen lanes at a time.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total = SIMD16<Float>()
        var i = 0
        while i < count {
            total += loadSIMD16(x + i, lanes: Swift.min(16, count - i))
            i += 16
        }
        return total.sum()
    }
}
