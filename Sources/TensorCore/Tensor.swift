// Tensor: a Float32 array with a shape, stored contiguously in row-major order.
// Shapes are written [B, N, d] in comments: B = batch, N = rows (sequence length), d = width.

import _Support

/// A dense, row-major array of `Float` with a shape — the one value type every lesson computes with.
///
/// A tensor is a value: copies are cheap (the storage is shared) and the first write to a shared
/// copy duplicates the storage (copy-on-write), so `var b = a; b[0, 0] = 1` never changes `a`.
///
///     let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
///     let y = x.transposed()          // [3, 2]
///     let z = try x.matmul(y)         // [2, 2]
///
/// Operations whose shapes can disagree throw `TensorError` with both shapes in the message.
public struct Tensor: @unchecked Sendable {
    /// The extent of each axis, outermost first. `[]` is a scalar.
    public let shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// Number of elements: the product of `shape`.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    @usableFromInline
    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    // MARK: - Creation

    /// A tensor of `shape` filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        let count = Tensor.elementCount(shape)
        self.init(shape: shape, storage: TensorStorage(count: count))
        storage.pointer.update(repeating: value, count: count)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A tensor from row-major `scalars`.
    ///
    /// - Throws: `TensorError.shapeMismatch` when `scalars.count` is not the product of `shape`.
    public init(shape: [Int], scalars: [Float]) throws {
        try Tensor.validate(shape)
        let count = Tensor.elementCount(shape)
        guard scalars.count == count else {
            throw TensorError.shapeMismatch(
                "\(scalars.count) scalars cannot fill shape \(shape), which holds \(count)")
        }
        self.init(shape: shape, storage: TensorStorage(count: count))
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor of `shape` whose elements `body` writes, every one of them, without the zero-fill
    /// first: for results that a kernel (a GEMM with beta = 0, a copy) overwrites entirely.
    ///
    ///     let c = Tensor(unsafeUninitializedShape: [m, n]) { GEMM.sgemm(…, c: $0.baseAddress!, ldc: n) }
    ///
    /// Reading an element before `body` writes it reads garbage.
    public init(
        unsafeUninitializedShape shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Float>) throws -> Void
    ) rethrows {
        let count = Tensor.elementCount(shape)
        self.init(shape: shape, storage: TensorStorage(count: count))
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// A vector (rank 1) holding `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], storage: TensorStorage(count: scalars.count))
        scalars.withUnsafeBufferPointer {
            if let base = $0.baseAddress { storage.pointer.update(from: base, count: scalars.count) }
        }
    }

    /// A matrix (rank 2) from its rows.
    ///
    /// - Throws: `TensorError.shapeMismatch` when the rows differ in length.
    public init(rows: [[Float]]) throws {
        let columns = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != columns }) {
            throw TensorError.shapeMismatch(
                "row \(bad) has \(rows[bad].count) values but row 0 has \(columns)")
        }
        try self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// A tensor whose element at flat index `i` is `body(i)`.
    public init(shape: [Int], generating body: (Int) -> Float) {
        let count = Tensor.elementCount(shape)
        self.init(shape: shape, storage: TensorStorage(count: count))
        for i in 0..<count { storage.pointer[i] = body(i) }
    }

    // MARK: - Reading and writing elements

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a one-element tensor (a scalar or a [1] or [1, 1] tensor).
    public var item: Float {
        ensure(count == 1, "item needs a tensor with one element, not shape \(shape)")
        return storage.pointer[0]
    }

    /// The element at a full index, one integer per axis: `x[i, j]`.
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set {
            let offset = flatIndex(index)
            makeUnique()
            storage.pointer[offset] = newValue
        }
    }

    @usableFromInline
    func flatIndex(_ index: [Int]) -> Int {
        ensure(index.count == rank, "index \(index) has \(index.count) axes; tensor has shape \(shape)")
        var offset = 0
        for (axis, i) in index.enumerated() {
            ensure(i >= 0 && i < shape[axis], "index \(index) is out of range for shape \(shape)")
            offset = offset * shape[axis] + i
        }
        return offset
    }

    /// Calls `body` with the elements, read-only, in row-major order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with the elements, writable; the storage is copied first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    @usableFromInline
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    // MARK: - Shape arithmetic

    /// The product of the extents; traps on a negative extent (a programming error).
    @usableFromInline
    static func elementCount(_ shape: [Int]) -> Int {
        var count = 1
        for extent in shape {
            ensure(extent >= 0, "negative extent in shape \(shape)")
            count *= extent
        }
        return count
    }

    /// Throws for negative extents, for shapes that come from data (files, users).
    static func validate(_ shape: [Int]) throws {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw TensorError.invalidArgument("shape \(shape) has a negative extent \(bad)")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { throw TensorError.tooLarge("shape \(shape) holds more elements than memory can address") }
            count = product
        }
    }
}

// MARK: - Storage

/// The heap buffer behind a tensor: 64-byte aligned (one cache line, one AVX-512 register).
@usableFromInline
final class TensorStorage {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @usableFromInline
    init(count: Int) {
        _ = Allocator.configured
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let other = TensorStorage(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { pointer.deallocate() }
}

// MARK: - Description

extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3]) [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]`, elided in the middle when large.
    public var description: String {
        func format(_ offset: Int, _ axis: Int) -> String {
            if axis == rank { return "\(storage.pointer[offset])" }
            let extent = shape[axis]
            let stride = shape[(axis + 1)...].reduce(1, *)
            let shown: [Int] = extent > 8 ? Array(0..<3) + [-1] + Array((extent - 3)..<extent) : Array(0..<extent)
            let parts = shown.map { $0 < 0 ? "…" : format(offset + $0 * stride, axis + 1) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        return "Tensor(\(shape)) " + format(0, 0)
    }
}

extension Tensor: Equatable {
    /// Same shape and bitwise-equal elements (so NaN ≠ NaN, as for Float).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        for i in 0..<lhs.count where lhs.storage.pointer[i] != rhs.storage.pointer[i] { return false }
        return true
    }
}
