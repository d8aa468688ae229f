// Colormaps: numbers → colours, designed in OKLab so that equal steps in value look equal.

/// A map from a number in 0…1 to a colour, for heatmaps and colorbars.
///
/// Both maps are our own, built in OKLab (see `OKLab`) rather than copied from a plotting
/// library, and the construction is the lesson: a good colormap changes *lightness* steadily,
/// because lightness is what the eye reads as "more", and keeps every colour inside what a
/// screen can show.
///
/// - `.sequential` for data that runs from low to high (attention weights, similarities):
///   dark blue-purple → blue → teal → green → yellow. Lightness rises linearly from 0.27 to
///   0.93; the hue turns steadily from 300° to 105°; the chroma follows a gentle dip-and-rise
///   profile (0.13 → 0.095 → 0.19), lowered wherever sRGB cannot show that much colour.
///   Printed in grey it is still a clean ramp.
/// - `.diverging` for signed data (positional encodings, differences): blue for negative,
///   near-white at zero, red for positive. Lightness falls linearly and symmetrically from
///   0.97 at the centre to 0.45 at both ends, and chroma grows with distance from the centre,
///   so +x and −x are equally prominent.
///
///     Colormap.sequential.color(0)      // dark blue-purple
///     Colormap.diverging.color(0.5)     // near-white
///
/// The 256 colours are computed once and looked up afterwards.
public struct Colormap: Sendable {
    /// A short name, e.g. "sequential".
    public let name: String
    /// Whether the map has a neutral centre; heatmaps then default to a range symmetric about 0.
    public let isDiverging: Bool
    /// The 256 precomputed colours, from t = 0 to t = 1.
    let table: [Color]

    /// The colour for NaN (missing) values: a neutral grey that belongs to neither map.
    public static let missing = Color(r: 160, g: 160, b: 160)

    /// The colour for `t`.
    ///
    ///     let c = Colormap.sequential.color(0.75)
    ///
    /// - Parameter t: position in the map; values outside 0…1 are clamped, NaN gives `missing`.
    public func color(_ t: Double) -> Color {
        guard !t.isNaN else { return Colormap.missing }
        let clamped = min(max(t, 0), 1)
        return table[Int((clamped * Double(table.count - 1)).rounded())]
    }

    /// Builds a map by evaluating `design` at 256 evenly spaced points.
    ///
    /// - Parameters:
    ///   - name: a short name.
    ///   - isDiverging: whether the map has a neutral centre.
    ///   - risingLightness: make the 8-bit colours' lightness strictly increasing (see below).
    ///   - design: the colour at t in 0…1, in OKLab.
    init(name: String, isDiverging: Bool, risingLightness: Bool = false, design: (Double) -> OKLab) {
        self.name = name
        self.isDiverging = isDiverging
        var table: [Color] = []
        for i in 0..<256 {
            let ideal = design(Double(i) / 255)
            var color = ideal.color
            // NOTE: neighbouring entries differ in lightness by about 0.0026, and rounding to
            // 8 bits moves lightness by up to about 0.002, so a few neighbours can come out
            // equal. Such an entry takes the nearest of the 27 colours one step away per channel
            // whose lightness does rise.
            if risingLightness, let previous = table.last, OKLab(color).L <= OKLab(previous).L {
                color = Colormap.nearest(to: ideal, lighterThan: OKLab(previous).L) ?? color
            }
            table.append(color)
        }
        self.table = table
    }

    /// The 8-bit colour within one step per channel of `ideal` that is closest to it in OKLab
    /// and lighter than `floor`.
    private static func nearest(to ideal: OKLab, lighterThan floor: Double) -> Color? {
        let base = ideal.color
        var best: (color: Color, distance: Double)?
        for dr in -1...1 {
            for dg in -1...1 {
                for db in -1...1 {
                    func step(_ v: UInt8, _ d: Int) -> UInt8 { UInt8(min(max(Int(v) + d, 0), 255)) }
                    let candidate = Color(r: step(base.r, dr), g: step(base.g, dg), b: step(base.b, db))
                    let lab = OKLab(candidate)
                    guard lab.L > floor else { continue }
                    let distance = (lab.L - ideal.L) * (lab.L - ideal.L) + (lab.a - ideal.a) * (lab.a - ideal.a) + (lab.b - ideal.b) * (lab.b - ideal.b)
                    if best == nil || distance < best!.distance { best = (candidate, distance) }
                }
            }
        }
        return best?.color
    }
}

// MARK: - The two maps

extension Colormap {
    /// Low → high: dark blue-purple → teal → green → yellow, lightness rising linearly.
    public static let sequential = Colormap(name: "sequential", isDiverging: false, risingLightness: true) { t in
        let lightness = 0.27 + 0.66 * t
        let hue = 300 - 195 * t
        // Chroma profile: dips through the blues and teals, where sRGB has little room, then
        // rises to a vivid yellow; smoothstep keeps the changes gentle.
        let wanted = t < 0.45
            ? 0.13 - 0.035 * smoothstep(t / 0.45)
            : 0.095 + 0.095 * smoothstep((t - 0.45) / 0.55)
        let chroma = min(wanted, 0.92 * OKLab.maximumChroma(lightness: lightness, hue: hue))
        return OKLab(lightness: lightness, chroma: chroma, hue: hue)
    }

    /// Negative → zero → positive: blue → near-white → red, lightness symmetric about 0.5.
    public static let diverging = Colormap(name: "diverging", isDiverging: true) { t in
        let distance = abs(2 * t - 1)  // 0 at the centre, 1 at both ends
        let lightness = 0.97 - 0.52 * distance
        let hue = t < 0.5 ? 255.0 : 28.0  // blue, red
        let wanted = 0.17 * distance
        let chroma = min(wanted, 0.9 * OKLab.maximumChroma(lightness: lightness, hue: hue))
        return OKLab(lightness: lightness, chroma: chroma, hue: hue)
    }
}

/// 3x² − 2x³: 0 at 0, 1 at 1, flat at both ends.
private func smoothstep(_ x: Double) -> Double {
    let c = min(max(x, 0), 1)
    return c * c * (3 - 2 * c)
}
