// Numbers as text: no floating-point noise, nice ticks, exact labels.

import Testing
@testable import Figures

@Suite struct FormattingTests {
    @Test func numberFormats() {
        #expect(NumberFormat.decimals(2).string(0.1 + 0.2) == "0.30")
        #expect(NumberFormat.decimals(0).string(2.5) == "3")
        #expect(NumberFormat.decimals(2).string(-0.001) == "0.00")
        #expect(NumberFormat.decimals(3).string(-1.5) == "-1.500")
        #expect(NumberFormat.significant(3).string(12345.678) == "12300")
        #expect(NumberFormat.significant(3).string(0.000012345) == "1.23e-05")
        #expect(NumberFormat.significant(2).string(0.5) == "0.50")
        #expect(NumberFormat.decimals(1).string(.nan) == "nan")
    }

    @Test func niceSteps() {
        #expect(AxisTicks.niceStep(0.37) == 0.5)
        #expect(AxisTicks.niceStep(130) == 200)
        #expect(AxisTicks.niceStep(1) == 1)
        #expect(AxisTicks.niceStep(0.011) == 0.02)
    }

    @Test func linearTicksHaveNoNoise() {
        let ticks = AxisTicks.linear(from: 0, to: 1, count: 10)
        #expect(ticks.compactMap(\.label) == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"])
        #expect(AxisTicks.linear(from: -1, to: 1, count: 4).compactMap(\.label) == ["−1.0", "−0.5", "0.0", "0.5", "1.0"])
        #expect(AxisTicks.linear(from: 0, to: 3e6, count: 3).compactMap(\.label) == ["0", "1×10⁶", "2×10⁶", "3×10⁶"])
    }

    @Test func logTicksAtPowersOfTen() {
        let ticks = AxisTicks.log(from: 0.05, to: 2000, count: 8)
        #expect(ticks.compactMap(\.label) == ["0.1", "1", "10", "100", "1000"])
        #expect(ticks.contains { $0.value == 0.2 && $0.label == nil })  // minor
        #expect(AxisTicks.log(from: 1e-6, to: 1, count: 8).compactMap(\.label).first == "10⁻⁶")
        // Less than two decades in view: 2 and 5 are labelled too.
        #expect(AxisTicks.log(from: 150, to: 900, count: 8).compactMap(\.label) == ["200", "500"])
    }
}
