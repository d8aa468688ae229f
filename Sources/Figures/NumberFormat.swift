// Turning numbers into short, exact text for labels and tables, without floating-point noise.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support

/// How a number is written in a heatmap cell or a table: a fixed number of decimals, or a
/// number of significant digits.
///
/// Numbers are rounded once, to the digits shown, so 0.1 + 0.2 prints as "0.30", never as
/// "0.30000000000000004". Plain ASCII ("-0.5", "1.2e-07"), so tables and CSV files stay easy
/// to parse.
///
///     NumberFormat.decimals(2).string(0.1 + 0.2)      // "0.30"
///     NumberFormat.significant(3).string(12345.678)   // "12300"
///     NumberFormat.significant(3).string(0.000012345) // "1.23e-05"
public struct NumberFormat: Sendable, Equatable {
    enum Style: Sendable, Equatable {
        case decimals(Int)
        case significant(Int)
    }

    let style: Style

    /// Exactly `count` digits after the decimal point (0…12).
    ///
    /// - Parameter count: number of decimals.
    public static func decimals(_ count: Int) -> NumberFormat {
        NumberFormat(style: .decimals(min(max(count, 0), 12)))
    }

    /// `count` significant digits (1…15); very large or small numbers in scientific notation.
    ///
    /// - Parameter count: number of significant digits.
    public static func significant(_ count: Int) -> NumberFormat {
        NumberFormat(style: .significant(min(max(count, 1), 15)))
    }

    /// The number as text.
    ///
    /// - Parameter value: any `Double`; NaN and infinities print as "nan", "inf", "-inf".
    public func string(_ value: Double) -> String {
        switch style {
        case .decimals(let count): fixed(value, decimals: count)
        case .significant(let count): significantDigits(value, count: count)
        }
    }
}

// MARK: - Building blocks

/// The fewest decimals (up to 10) that write `value` exactly enough: 0.25 → 2, 3 → 0.
func decimalsNeeded(_ value: Double) -> Int {
    for decimals in 0...10 {
        let scaled = value * pow(10, Double(decimals))
        if abs(scaled - scaled.rounded()) < 1e-6 * max(1, abs(scaled)) { return decimals }
    }
    return 10
}

// MARK: - Typography for figures

/// A label as typeset in a figure: a true minus sign "−" instead of the hyphen "-".
func typeset(_ label: String) -> String {
    label.replacing("-", with: "\u{2212}")
}

/// 10 to an integer power with superscript digits: "10³", "10⁻²".
func powerOfTen(_ exponent: Int) -> String {
    let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    let digits = String(abs(exponent)).map { superscripts[Int(String($0))!] }
    return "10" + (exponent < 0 ? "⁻" : "") + String(digits)
}
