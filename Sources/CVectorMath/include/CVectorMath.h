// Vector operations that Swift's SIMD types do not compile to vector instructions.

#ifndef CVECTORMATH_H
#define CVECTORMATH_H

/// Sixteen floats as one vector; Swift imports this type as SIMD16<Float>.
typedef float tp_float16 __attribute__((ext_vector_type(16)));

/// The square root of each lane, correctly rounded (IEEE 754), as `Float.squareRoot()` is: one
/// `vsqrtps` on a zmm register (two on ymm). `SIMD16<Float>.squareRoot()` in Swift 6.3 compiles to
/// sixteen scalar `vsqrtss`, each behind a branch.
static inline __attribute__((always_inline)) tp_float16 tp_sqrt16(tp_float16 x) {
    return __builtin_elementwise_sqrt(x);
}

#endif
