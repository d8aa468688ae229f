// Test support: comparing tensors and arrays with tolerances, reporting what differs.

import Testing
import TensorCore

/// The outcome of comparing two arrays elementwise: |actual − expected| ≤ atol + rtol·|expected|.
public struct Closeness: CustomStringConvertible {
    public let maxAbsoluteDifference: Double
    public let worstIndex: Int?
    public let mismatches: [(index: Int, actual: Double, expected: Double)]
    public let mismatchCount: Int
    public var isClose: Bool { mismatchCount == 0 }

    public var description: String {
        var text = "max |difference| = \(maxAbsoluteDifference)"
        if let worstIndex { text += " at flat index \(worstIndex)" }
        if mismatchCount > 0 {
            text += "; \(mismatchCount) mismatches, first: "
            text += mismatches.map { "[\($0.index)] \($0.actual) vs \($0.expected)" }.joined(separator: ", ")
        }
        return text
    }

    public init(_ actual: [Double], _ expected: [Double], rtol: Double, atol: Double) {
        var worst = 0.0, worstIndex: Int?
        var mismatches: [(Int, Double, Double)] = []
        var count = 0
        for i in 0..<min(actual.count, expected.count) {
            let a = actual[i], e = expected[i]
            let difference = (a.isNaN && e.isNaN) || a == e ? 0 : abs(a - e)
            if difference > worst || difference.isNaN {
                worst = difference
                worstIndex = i
            }
            // NOTE: `difference == 0` first, so that NaN matches NaN and ∞ matches ∞ even where the
            // tolerance atol + rtol · |expected| is NaN (expected NaN, or expected ∞ with rtol = 0).
            if !(difference == 0 || difference <= atol + rtol * abs(e)) {
                count += 1
                if mismatches.count < 5 { mismatches.append((i, a, e)) }
            }
        }
        maxAbsoluteDifference = worst
        self.worstIndex = worstIndex
        self.mismatches = mismatches
        mismatchCount = count
    }
}

/// Expects `actual` to match `expected` in shape and, elementwise, within atol + rtol·|expected|.
/// On failure, reports the shapes or the largest difference and the first mismatches.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("shapes differ: \(actual.shape) vs expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    expectClose(actual.scalars.map(Double.init), expected.scalars.map(Double.init),
                rtol: rtol, atol: atol, sourceLocation: sourceLocation)
}

/// Expects `actual` to have `shape` and match the row-major `expected` values.
public func expectClose(
    _ actual: Tensor, shape: [Int], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == shape else {
        Issue.record("shape is \(actual.shape), expected \(shape)", sourceLocation: sourceLocation)
        return
    }
    expectClose(actual.scalars.map(Double.init), expected, rtol: rtol, atol: atol, sourceLocation: sourceLocation)
}

/// Expects two arrays of equal length to match elementwise within atol + rtol·|expected|.
public func expectClose(
    _ actual: [Double], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let closeness = Closeness(actual, expected, rtol: rtol, atol: atol)
    if !closeness.isClose {
        Issue.record("not close (rtol \(rtol), atol \(atol)): \(closeness)", sourceLocation: sourceLocation)
    }
}
