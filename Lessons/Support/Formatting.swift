// Numbers as text for the terminal and for tables: short, aligned, without "-0.00".

import Foundation
import TensorCore

/// "[0.12, -0.50, 1.00, …]" — the first `count` elements of a vector.
func vectorText(_ vector: Tensor, count: Int) -> String {
    let values = vector.scalars
    let shown = values.prefix(count).map { format($0, 2) }.joined(separator: ", ")
    return "[" + shown + (values.count > count ? ", …]" : "]")
}

/// A number with `decimals` digits after the point, without "-0.00".
func format<T: BinaryFloatingPoint & CVarArg>(_ value: T, _ decimals: Int) -> String {
    let text = String(format: "%.\(decimals)f", Double(value))
    return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
}

/// A number in scientific notation with 2 significant decimals: "3.1e-08"; exact zero as "0".
func scientific(_ value: Float) -> String {
    value == 0 ? "0" : String(format: "%.1e", Double(value))
}
