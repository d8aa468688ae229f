// Where the tick marks of an axis go and what they say: "nice" 1-2-5 steps and powers of ten.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support

/// One tick on an axis; minor ticks have no label.
struct Tick: Equatable {
    var value: Double
    var label: String?
}

enum AxisTicks {
    /// The smallest "nice" step (1, 2 or 5 times a power of ten) that is at least `raw`.
    ///
    ///     niceStep(0.37)   // 0.5
    ///     niceStep(130)    // 200
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= raw * (1 - 1e-9) {
            return multiple * magnitude
        }
        return 10 * magnitude
    }

    /// Ticks for a linear axis from `low` to `high`, at most about `count` of them, on 1-2-5
    /// steps, labelled without floating-point noise.
    ///
    /// Tick `k` is at `k × step` (an integer times the step, never a running sum), and its
    /// label is rounded to the step's own number of decimals: 0.1, 0.2, 0.3, never
    /// 0.30000000000000004. Very large or small values are written as `2.5×10⁶`.
    static func linear(from low: Double, to high: Double, count: Int) -> [Tick] {
        guard high > low, low.isFinite, high.isFinite else { return [Tick(value: low, label: typeset(significantDigits(low, count: 3)))] }
        // NOTE: the step may come out a little finer than `count` asks (up to a third more
        // ticks), because the next nice step up is often 2.5 times coarser.
        var step = niceStep((high - low) / Double(max(count, 1)) * 0.75)
        var values: [Double] = []
        while values.count < 2 {  // at least two ticks, however short the axis
            guard max(abs(low), abs(high)) / step < 1e15 else {  // a range too narrow for Double
                return [low, high].map { Tick(value: $0, label: typeset(significantDigits($0, count: 15))) }
            }
            let first = Int((low / step - 1e-9).rounded(.up)), last = Int((high / step + 1e-9).rounded(.down))
            values = first <= last ? (first...last).map { Double($0) * step } : []
            if values.count < 2 { step = niceStep(step * 0.4) }
        }
        let largest = values.map(abs).max() ?? 0
        let exponent = largest > 0 ? Int(floor(log10(largest))) : 0
        if exponent >= 6 || (exponent <= -5 && largest > 0) {
            let scale = pow(10, Double(exponent))
            let decimals = decimalsNeeded(step / scale)
            return values.map { value in
                let label = value == 0 ? "0" : fixed(value / scale, decimals: decimals) + "×" + powerOfTen(exponent)
                return Tick(value: value, label: typeset(label))
            }
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return values.map { Tick(value: $0, label: typeset(fixed($0, decimals: decimals))) }
    }

    /// Ticks for a logarithmic axis from `low` to `high` (both positive): a labelled tick at
    /// every power of ten, unlabelled minor ticks at 2…9 times each power.
    ///
    /// With many decades only every second (third…) power is labelled, so that at most about
    /// `count` labels appear. With few decades in view (fewer than two, or room for three
    /// labels per decade), the minor ticks at 2 and 5 are labelled too, so the axis is never
    /// left with a single number.
    static func log(from low: Double, to high: Double, count: Int) -> [Tick] {
        guard low > 0, high > low else { return [] }
        let lowDecade = Int(floor(log10(low) + 1e-9)), highDecade = Int(ceil(log10(high) - 1e-9))
        let inside = { (v: Double) in v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9) }
        let decades = (lowDecade...highDecade).filter { inside(pow(10, Double($0))) }
        let every = max(1, Int((Double(decades.count) / Double(max(count, 1))).rounded(.up)))
        let labelMinors = decades.count < 2 || 3 * decades.count <= count

        var labelled: [Double] = []
        var ticks: [Tick] = []
        for decade in lowDecade...highDecade {
            let power = pow(10, Double(decade))
            for multiple in 1...9 {
                let value = Double(multiple) * power
                guard inside(value) else { continue }
                let isLabelled = multiple == 1 ? decade % every == 0 : (labelMinors && (multiple == 2 || multiple == 5))
                if isLabelled { labelled.append(value) }
                ticks.append(Tick(value: value, label: isLabelled ? "" : nil))
            }
        }
        // Plain numbers while they are short (0.001 … 10000), powers of ten beyond.
        let plain = labelled.allSatisfy { $0 >= 1e-3 * (1 - 1e-9) && $0 <= 1e4 * (1 + 1e-9) }
        for i in ticks.indices where ticks[i].label != nil {
            ticks[i].label = logLabel(ticks[i].value, plain: plain)
        }
        return ticks
    }

    /// "200", "0.05", "10³" or "2×10³".
    static func logLabel(_ value: Double, plain: Bool) -> String {
        let exponent = Int(floor(log10(value) + 1e-9))
        let multiple = Int((value / pow(10, Double(exponent))).rounded())
        if plain { return fixed(value, decimals: max(0, -exponent)) }
        return multiple == 1 ? powerOfTen(exponent) : "\(multiple)×" + powerOfTen(exponent)
    }
}
