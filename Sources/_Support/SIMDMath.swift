// Lanewise maths that Swift's SIMD types do not vectorise by themselves.

import CVectorMath

/// The square root of every lane, correctly rounded: the same bits as `Float.squareRoot()` lane by
/// lane, in one vector instruction. (`SIMD16<Float>.squareRoot()` compiles to sixteen scalar square
/// roots, each behind a branch: most of the time of the Adam step.)
@_transparent
public func squareRoot16(_ value: SIMD16<Float>) -> SIMD16<Float> {
    tp_sqrt16(value)
}
