// Numbers as short text for terminals, tables and figure labels, in plain ASCII ("-0.5",
// "1.2e-07") so that tables and CSV files stay easy to parse. Each number is rounded once, to the
// digits shown: 0.1 + 0.2 prints as "0.30", never as "0.30000000000000004".

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `value` with exactly `decimals` digits after the point: "3.14", "-0.50", "12".
public func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let scaled = (abs(value) * pow(10, Double(decimals))).rounded()
    guard scaled < 9e15 else { return scientific(value, digits: 6) }
    var digits = String(UInt64(scaled))
    if decimals > 0 {
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
    }
    return (value < 0 && scaled != 0 ? "-" : "") + digits
}

/// `value` with `count` significant digits; scientific below 1e-4 and from 1e15 on.
public func significantDigits(_ value: Double, count: Int) -> String {
    guard value.isFinite else { return fixed(value, decimals: 0) }
    guard value != 0 else { return "0" }
    let exponent = Int(floor(log10(abs(value))))
    if exponent < -4 || exponent >= 15 { return scientific(value, digits: count) }
    let decimals = count - 1 - exponent
    if decimals >= 0 { return fixed(value, decimals: decimals) }
    let unit = pow(10, Double(-decimals))
    return fixed((value / unit).rounded() * unit, decimals: 0)
}

/// Scientific notation in ASCII: "1.23e-05", "-4.0e+20".
public func scientific(_ value: Double, digits: Int) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : fixed(value, decimals: 0) }
    var exponent = Int(floor(log10(abs(value))))
    var mantissa = fixed(value / pow(10, Double(exponent)), decimals: max(digits - 1, 0))
    if mantissa.hasPrefix("10") || mantissa.hasPrefix("-10") {  // 9.999 rounded up to 10.0
        exponent += 1
        mantissa = fixed(value / pow(10, Double(exponent)), decimals: max(digits - 1, 0))
    }
    let sign = exponent < 0 ? "-" : "+"
    let magnitude = String(abs(exponent))
    return mantissa + "e" + sign + (magnitude.count < 2 ? "0" : "") + magnitude
}

/// A positive measurement with about three significant digits, its whole part in full:
/// "0.0123", "1.23", "12.3", "1234"; "—" when it is not finite.
public func significant(_ value: Double) -> String {
    guard value.isFinite else { return "—" }
    return abs(value) >= 100 ? fixed(value, decimals: 0) : significantDigits(value, count: 3)
}
