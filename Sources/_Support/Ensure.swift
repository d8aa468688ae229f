// A precondition that survives -Ounchecked.

/// Stops the program with `message` when `condition` is false — for programming errors
/// (an index out of range, a negative size), never for bad user input, which gets an error.
///
/// The kernels are built with `-Ounchecked`, which removes `precondition` entirely; an
/// out-of-range index would then read or write memory silently. `ensure` stays.
@inlinable @inline(__always)
public func ensure(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
