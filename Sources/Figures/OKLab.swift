// OKLab: a colour space where equal distances look like equal differences, used to design
// the colormaps. Björn Ottosson, "A perceptual color space for image processing" (2020).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A colour in OKLab: `L` is perceived lightness (0 black … 1 white), `a` runs green → red and
/// `b` blue → yellow. In polar form ("OKLCh") the chroma `√(a² + b²)` says how colourful and the
/// hue angle `atan2(b, a)` which colour.
///
///     OKLab(Color.white).L          // 1.0
///     OKLab(lightness: 0.6, chroma: 0.1, hue: 200).color   // a teal
struct OKLab: Equatable {
    var L: Double
    var a: Double
    var b: Double

    init(L: Double, a: Double, b: Double) {
        self.L = L
        self.a = a
        self.b = b
    }

    /// From OKLCh: lightness, chroma and hue angle in degrees.
    init(lightness: Double, chroma: Double, hue: Double) {
        let radians = hue * Double.pi / 180
        self.init(L: lightness, a: chroma * cos(radians), b: chroma * sin(radians))
    }

    /// From an sRGB colour (alpha ignored).
    init(_ color: Color) {
        let r = Self.linear(color.r), g = Self.linear(color.g), b = Self.linear(color.b)
        // Linear sRGB → cone responses (LMS), cube root, → Lab.
        let l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
        let m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        self.init(L: 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
                  a: 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
                  b: 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s)
    }

    /// Linear-light sRGB components; outside 0…1 means the colour cannot be shown on screen.
    var linearSRGB: (r: Double, g: Double, b: Double) {
        let l = L + 0.3963377774 * a + 0.2158037573 * b
        let m = L - 0.1055613458 * a - 0.0638541728 * b
        let s = L - 0.0894841775 * a - 1.2914855480 * b
        let (l3, m3, s3) = (l * l * l, m * m * m, s * s * s)
        return (4.0767416621 * l3 - 3.3077115913 * m3 + 0.2309699292 * s3,
                -1.2684380046 * l3 + 2.6097574011 * m3 - 0.3413193965 * s3,
                -0.0041960863 * l3 - 0.7034186147 * m3 + 1.7076147010 * s3)
    }

    /// Whether an sRGB display can show this colour exactly.
    var isInSRGBGamut: Bool {
        let (r, g, b) = linearSRGB
        let tolerance = 1e-9
        return [r, g, b].allSatisfy { $0 >= -tolerance && $0 <= 1 + tolerance }
    }

    /// The nearest 8-bit sRGB colour (components clamped to the gamut).
    var color: Color {
        let (r, g, b) = linearSRGB
        return Color(r: Self.encoded(r), g: Self.encoded(g), b: Self.encoded(b))
    }

    /// The largest chroma at this lightness and hue that sRGB can still show (bisection).
    static func maximumChroma(lightness: Double, hue: Double) -> Double {
        var low = 0.0, high = 0.5
        for _ in 0..<40 {
            let middle = (low + high) / 2
            if OKLab(lightness: lightness, chroma: middle, hue: hue).isInSRGBGamut { low = middle } else { high = middle }
        }
        return low
    }

    // MARK: - sRGB transfer curve

    /// 8-bit sRGB value → linear light 0…1.
    static func linear(_ value: UInt8) -> Double {
        let v = Double(value) / 255
        return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }

    /// Linear light → 8-bit sRGB value, clamped to 0…1 first.
    static func encoded(_ linear: Double) -> UInt8 {
        let v = min(max(linear, 0), 1)
        let e = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055
        return UInt8((e * 255).rounded())
    }
}
