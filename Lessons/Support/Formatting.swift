// Numbers as text for the terminal and for tables: short, aligned, without "-0.00". The digits
// themselves come from _Support's `fixed`, `significant` and `scientific`, shared with Figures.

import _Support
import TensorCore

/// "[0.12, -0.50, 1.00, …]" — the first `count` elements of a vector.
func vectorText(_ vector: Tensor, count: Int) -> String {
    let values = vector.scalars
    let shown = values.prefix(count).map { format($0, 2) }.joined(separator: ", ")
    return "[" + shown + (values.count > count ? ", …]" : "]")
}

/// A number with `decimals` digits after the point, without "-0.00".
func format<T: BinaryFloatingPoint>(_ value: T, _ decimals: Int) -> String {
    fixed(Double(value), decimals: decimals)
}

/// A number in scientific notation with 2 significant digits: "3.1e-08"; exact zero as "0".
func scientific(_ value: Float) -> String {
    scientific(Double(value), digits: 2)
}

/// Seconds as milliseconds with three significant digits: "0.105", "12.3", "197".
func milliseconds(_ seconds: Double) -> String {
    significant(seconds * 1e3)
}
