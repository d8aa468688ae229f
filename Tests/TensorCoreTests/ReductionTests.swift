// Tests of the reductions (Tensor+Reductions.swift): sum, mean and max, whole and along each axis,
// and argmax — against NumPy (References/derive_references.py, section "Reductions").
//
// The input is exactInputs([2, 3, 4]): multiples of ¼, so sums and maxima are exact in float32;
// means divide by 2, 3 or 4 and are held to 1 ulp.

import Testing
import TensorCore
import TestSupport

/// One axis of exactInputs([2, 3, 4]), under both of its names, with NumPy's results along it.
struct AxisCase: CustomTestStringConvertible, Sendable {
    let axis: Int
    let negativeAxis: Int
    let shape: [Int]
    let sum: [Double]
    let mean: [Double]
    let max: [Double]
    var testDescription: String { "axis \(axis) (\(negativeAxis))" }
}

private let axisCases: [AxisCase] = [
    AxisCase(axis: 0, negativeAxis: -3, shape: [3, 4],
             sum: [-0.25, -2.5, 1, -1.25, -3.5, 0, 3.5, 1.25, -1, 2.5, 0.25, -2],
             mean: [-0.125, -1.25, 0.5, -0.625, -1.75, 0, 1.75, 0.625, -0.5, 1.25, 0.125, -1],
             max: [1.75, -0.25, 1.5, 1.25, -0.75, 1, 2.75, 2.5, 0.5, 2.25, 2, 0]),
    AxisCase(axis: 1, negativeAxis: -2, shape: [2, 4],
             sum: [-2.25, 3, 2.5, -3.75, -2.5, -3, 2.25, 1.75],
             mean: [-0.75, 1, 0.8333333333333334, -1.25, -0.8333333333333334, -1, 0.75, 0.5833333333333334],
             max: [0.5, 2.25, 2.75, 0, 1.75, 0.25, 2, 2.5]),
    AxisCase(axis: 2, negativeAxis: -1, shape: [2, 3],
             sum: [-3.25, 1.75, 1, 0.25, -0.5, -1.25],
             mean: [-0.8125, 0.4375, 0.25, 0.0625, -0.125, -0.3125],
             max: [1.5, 2.75, 2.25, 1.75, 2.5, 2]),
]

private let ulp = 1.0 / 8_388_608

@Suite struct ReductionTests {
    let x = exactInputs([2, 3, 4])

    @Test func wholeTensor() {
        #expect(x.sum() == -2)
        #expect(abs(Double(x.mean()) - -1.0 / 12) <= ulp / 12)
        #expect(x.max() == 2.75)
        #expect(Tensor.zeros([0]).sum() == 0)
        #expect(Tensor.zeros([0]).mean().isNaN)
        #expect(Tensor.zeros([0, 3]).max() == -.infinity)
    }

    /// The whole-tensor sum accumulates in float64: 10⁶ copies of 0.1 do not drift.
    @Test func wholeSumAccumulatesInDouble() {
        let x = Tensor(repeating: 0.1, shape: [1_000_000])
        let truth = 1_000_000 * Double(Float(0.1))
        #expect(abs(Double(x.sum()) - truth) <= truth * ulp)
    }

    @Test(arguments: axisCases)
    func alongAnAxis(_ c: AxisCase) throws {
        for axis in [c.axis, c.negativeAxis] {
            expectClose(try x.sum(axis: axis), shape: c.shape, c.sum, rtol: 0, atol: 0)
            expectClose(try x.mean(axis: axis), shape: c.shape, c.mean, rtol: ulp, atol: 0)
            expectClose(try x.max(axis: axis), shape: c.shape, c.max, rtol: 0, atol: 0)
        }
    }

    @Test func reducingAVectorGivesAScalar() throws {
        let v = exactInputs([5])
        let sum = try v.sum(axis: 0)
        #expect(sum.shape == [] && sum.item == v.sum())
        #expect(try v.max(axis: -1).item == v.max())
    }

    @Test func maxOfNegativeRowsIsNotZero() throws {
        let negative = Tensor(shape: [2, 3]) { -Float($0) - 1 }   // −1 … −6
        expectClose(try negative.max(axis: 1), shape: [2], [-1, -4], rtol: 0, atol: 0)
    }

    @Test(arguments: [3, -4, 7, -100])
    func axisOutOfRangeThrows(axis: Int) {
        for reduce in [{ try x.sum(axis: axis) }, { try x.mean(axis: axis) }, { try x.max(axis: axis) }]
            as [() throws -> Tensor] {
            let error = #expect(throws: TensorError.self) { try reduce() }
            guard case .invalidArgument(let message)? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("\(axis)") && message.contains("[2, 3, 4]"))
        }
        #expect(throws: TensorError.self) { try Tensor.ones([]).sum(axis: 0) }
    }

    @Test func argmaxOfTheLastAxis() throws {
        // NumPy: np.argmax(exact_inputs([6, 4]), axis=-1)
        #expect(exactInputs([6, 4]).argmaxLastAxis() == [2, 2, 1, 0, 3, 2])
        #expect(exactInputs([2, 3, 4]).argmaxLastAxis() == [2, 2, 1, 0, 3, 2])
        // Ties go to the first maximum, as NumPy; a maximum in the last place is found.
        let ties = try Tensor(rows: [[1, 3, 3, 0], [5, 5, 5, 5], [-1, -2, -3, 0.5]])
        #expect(ties.argmaxLastAxis() == [1, 0, 3])
        #expect(Tensor([-.infinity, -.infinity]).argmaxLastAxis() == [0])
        #expect(Tensor.zeros([0, 4]).argmaxLastAxis() == [])
    }
}
