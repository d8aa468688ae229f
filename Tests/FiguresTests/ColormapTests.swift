// The colormaps have the properties they were designed for, measured in OKLab.

import Testing
@testable import Figures

@Suite struct ColormapTests {
    func lightness(_ map: Colormap, _ i: Int) -> Double {
        OKLab(map.color(Double(i) / 255)).L
    }

    @Test func sequentialLightnessRisesStrictly() {
        let l = (0..<256).map { lightness(.sequential, $0) }
        #expect(zip(l, l.dropFirst()).allSatisfy { $0 < $1 })
        #expect(l[0] < 0.3 && l[255] > 0.9)
    }

    @Test func sequentialRunsFromBluePurpleToYellow() {
        let start = OKLab(Colormap.sequential.color(0)), end = OKLab(Colormap.sequential.color(1))
        #expect(start.b < 0)  // blue side
        #expect(end.b > 0.1)  // yellow
    }

    @Test func divergingIsSymmetricWithAWhiteCentre() {
        for i in 0..<128 {
            #expect(abs(lightness(.diverging, i) - lightness(.diverging, 255 - i)) < 0.01)
        }
        let centre = OKLab(Colormap.diverging.color(0.5))
        #expect(centre.L > 0.95)
        #expect((centre.a * centre.a + centre.b * centre.b).squareRoot() < 0.02)
        #expect(OKLab(Colormap.diverging.color(0)).b < 0)  // blue for negative
        #expect(OKLab(Colormap.diverging.color(1)).a > 0)  // red for positive
    }

    @Test func endpointsAreDistinctAndInputsClamped() {
        for map in [Colormap.sequential, .diverging] {
            #expect(map.color(0) != map.color(1))
            #expect(map.color(-3) == map.color(0))
            #expect(map.color(7) == map.color(1))
            #expect(map.color(.nan) == Colormap.missing)
        }
    }

    @Test func okLabRoundTripsSRGB() {
        for color in [Color.white, .black, .red, Color(r: 12, g: 200, b: 99)] {
            #expect(OKLab(color).color == color)
        }
        #expect(abs(OKLab(Color.white).L - 1) < 1e-6)
    }
}
