#!/usr/bin/env python3
"""Derives the reference values that TensorCoreTests commits as Swift literals.

The tests never run Python: this script documents where their numbers come from, and re-running
it reproduces them (python3 + NumPy 2.x):

    python3 Tests/TensorCoreTests/References/derive_references.py > /tmp/references.txt

Every reference is computed independently of TensorCore: NumPy in float64 from the float32
inputs (then rounded to float32 only where the operation itself is exactly rounded in float32),
np.save for the .npy bytes, and a from-the-paper Python implementation of SplitMix64 and
xoshiro256** for the random numbers.

The inputs are the ones Fixtures.swift builds: `exact_inputs` and `positive_inputs` below are the
same formulas, and every value they produce is a multiple of 1/4, exact in float32.

Some tests need no numbers from here: VectorMathTests compares with Foundation's float64 exp,
the large transposes are checked element by element against their definition, and the large
random matrix products against a float64 triple loop in MatMulTests.swift.
"""

import io
import math

import numpy as np


# MARK: - Inputs (the same formulas as Fixtures.swift)

def exact_inputs(shape, multiplier=7, offset=3):
    """Element i (row-major) = ((i * multiplier + offset) % 23 - 11) / 4, in [-2.75, 2.75]."""
    count = int(np.prod(shape, dtype=np.int64))
    i = np.arange(count)
    return (((i * multiplier + offset) % 23 - 11) / 4).astype(np.float32).reshape(shape)


def positive_inputs(shape, multiplier=5, offset=2):
    """Element i = ((i * multiplier + offset) % 11 + 1) / 4, in [0.25, 2.75] (never 0)."""
    count = int(np.prod(shape, dtype=np.int64))
    i = np.arange(count)
    return (((i * multiplier + offset) % 11 + 1) / 4).astype(np.float32).reshape(shape)


# MARK: - Printing Swift literals

def swift_number(value):
    value = float(value)
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".infinity" if value > 0 else "-.infinity"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def swift_array(values, per_line=6, indent="    "):
    values = [swift_number(v) for v in np.asarray(values).ravel()]
    if len(values) <= per_line:
        return "[" + ", ".join(values) + "]"
    lines = [", ".join(values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return "[\n" + ",\n".join(indent + "    " + line for line in lines) + ",\n" + indent + "]"


def emit(name, values, shape=None, per_line=6):
    values = np.asarray(values)
    shape = list(values.shape) if shape is None else shape
    print(f"// {name}: shape {shape}")
    print(f"let {name}: [Double] = {swift_array(values, per_line)}")
    print()


def f32(values):
    """Float32 results of operations that are exactly rounded in float32 (+ − × ÷), as the
    float64 numbers equal to them, so the tests can compare with zero tolerance."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


# MARK: - Arithmetic and broadcasting (ArithmeticTests.swift)

def arithmetic():
    print("// MARK: - ArithmeticTests\n")
    a = exact_inputs([2, 3])
    b = positive_inputs([2, 3])
    emit("sameShapeSum", f32(a + b))
    emit("sameShapeDifference", f32(a - b))
    emit("sameShapeProduct", f32(a * b))
    emit("sameShapeQuotient", f32(a / b))
    emit("scalarAffine", f32(np.float32(2.5) * a - np.float32(0.75)))
    emit("scalarReciprocal", f32(np.float32(1) / b))

    x = exact_inputs([3, 4])
    row = positive_inputs([4])
    emit("rowVectorSum", f32(x + row))                         # [N, d] + [d]
    emit("vectorOverMatrixQuotient", f32(row / positive_inputs([3, 4], 3, 1)))  # [d] / [N, d]

    bnd = exact_inputs([2, 3, 4])
    scale = positive_inputs([2, 3, 1])
    emit("perRowScale", f32(bnd * scale))                      # [B, N, d] * [B, N, 1]

    p = exact_inputs([4, 1, 3])
    q = exact_inputs([2, 3], 5, 1)
    emit("generalBroadcastSum", f32(p + q))                    # [4, 1, 3] + [2, 3] -> [4, 2, 3]

    one_row = exact_inputs([1, 4], 5, 1)
    emit("leadingOneDifference", f32(one_row - x))             # [1, d] - [N, d]

    column = exact_inputs([3, 1], 5, 1)
    emit("outerSum", f32(column + exact_inputs([1, 4], 3, 2)))  # [N, 1] + [1, d]
    emit("middleAxisProduct", f32(bnd * positive_inputs([3, 1])))  # [2, 3, 4] * [3, 1]


# MARK: - Elementwise functions (ActivationTests.swift)

ACTIVATION_INPUTS = [-100, -88.5, -20, -10, -5, -3, -1.5, -1, -0.5, -0.125, 0,
                     0.125, 0.5, 1, 1.5, 3, 5, 10, 20, 88, 100]


def activations():
    print("// MARK: - ActivationTests\n")
    x = np.array(ACTIVATION_INPUTS, dtype=np.float32).astype(np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        emit("expReference", np.exp(x))
        emit("tanhReference", np.tanh(x))
        emit("sigmoidReference", 1 / (1 + np.exp(-x)))
        emit("reluReference", np.maximum(x, 0))
        emit("geluReference", [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
        log_inputs = np.array([0, 1e-30, 0.125, 0.5, 1, 2, 10, 1e30, -1], dtype=np.float32)
        emit("logReference", np.log(log_inputs.astype(np.float64)))


# MARK: - Reductions, softmax, layer norm (ReductionTests.swift)

def softmax64(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax64(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def reductions():
    print("// MARK: - ReductionTests\n")
    x = exact_inputs([2, 3, 4]).astype(np.float64)
    for axis in (0, 1, 2):
        emit(f"sumAxis{axis}", x.sum(axis=axis))
        emit(f"meanAxis{axis}", x.mean(axis=axis))
        emit(f"maxAxis{axis}", x.max(axis=axis))
    print("// whole tensor: sum", swift_number(x.sum()), "mean", swift_number(x.mean()),
          "max", swift_number(x.max()))
    print("// argmax over the last axis of exact_inputs([6, 4]):",
          np.argmax(exact_inputs([6, 4]), axis=-1).tolist())
    print()

    logits = exact_inputs([3, 5])
    emit("softmaxReference", softmax64(logits))
    emit("logSoftmaxReference", log_softmax64(logits))
    long_rows = exact_inputs([2, 37], 5, 1)                  # crosses the 16-lane SIMD width
    emit("softmaxLongRowsReference", softmax64(long_rows))
    emit("logSoftmaxLongRowsReference", log_softmax64(long_rows))
    huge = np.array([[1e4, -1e4, 0, 9998, 5e3], [-1e4, -1e4, -9999, -1e4, -1e4]], dtype=np.float32)
    emit("softmaxHugeReference", softmax64(huge))
    emit("logSoftmaxHugeReference", log_softmax64(huge))
    masked = np.array([0.5, -np.inf, 1.25, -np.inf, -2], dtype=np.float32)
    emit("softmaxMaskedReference", softmax64(masked))
    with np.errstate(divide="ignore"):
        emit("logSoftmaxMaskedReference", log_softmax64(masked))

    x = exact_inputs([3, 8]).astype(np.float64)
    x[2] = 1.5                                                # a constant row: variance 0
    gamma = positive_inputs([8]).astype(np.float64)
    beta = exact_inputs([8], 3, 5).astype(np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased, as PyTorch
    normalized = (x - mean) / np.sqrt(variance + 1e-5)
    emit("layerNormPlainReference", normalized, per_line=4)
    emit("layerNormAffineReference", normalized * gamma + beta, per_line=4)


# MARK: - Shapes (ShapeTests.swift)

def shapes():
    print("// MARK: - ShapeTests\n")
    x = exact_inputs([2, 3, 4])
    emit("transposedBatchedReference", f32(np.swapaxes(x, -1, -2)))
    emit("sliceAxis1Reference", f32(x[:, 1:3, :]))
    emit("sliceLastAxisReference", f32(x[..., 1:3]))
    a = exact_inputs([2, 3])
    b = exact_inputs([1, 3], 5, 1)
    c = exact_inputs([2, 2], 3, 2)
    emit("concatenateAxis0Reference", f32(np.concatenate([a, b], axis=0)))
    emit("concatenateLastAxisReference", f32(np.concatenate([a, c], axis=-1)))


# MARK: - Matrix products (MatMulTests.swift)

def matmuls():
    print("// MARK: - MatMulTests\n")
    a = exact_inputs([2, 3]).astype(np.float64)
    b = exact_inputs([3, 4], 5, 1).astype(np.float64)
    v3 = exact_inputs([3], 3, 2).astype(np.float64)
    v4 = exact_inputs([4], 3, 2).astype(np.float64)
    emit("matrixProduct", a @ b)                              # [2, 3] · [3, 4]
    emit("vectorMatrixProduct", v3 @ b)                       # [3] · [3, 4]
    emit("matrixVectorProduct", b @ v4)                       # [3, 4] · [4]
    print("// vectorDot: [3] · [3] is a scalar of shape ():", swift_number(v3 @ v3), "\n")
    batch = exact_inputs([2, 2, 3]).astype(np.float64)
    emit("foldedProduct", batch @ b)                          # [2, 2, 3] · [3, 4]
    batch_b = exact_inputs([2, 3, 2], 5, 1).astype(np.float64)
    emit("batchedProduct", batch @ batch_b)                   # [2, 2, 3] · [2, 3, 2]


# MARK: - Random numbers (RandomTests.swift)

MASK64 = (1 << 64) - 1


def splitmix64(state):
    """SplitMix64 (Steele, Lea & Flood 2014; Vigna's splitmix64.c): returns (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Xoshiro256StarStar:
    """xoshiro256** 1.0 (Blackman & Vigna, xoshiro256starstar.c), seeded by four SplitMix64 outputs."""

    def __init__(self, seed):
        self.s = []
        state = seed
        for _ in range(4):
            state, value = splitmix64(state)
            self.s.append(value)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform_float(self):
        return (self.next() >> 40) * 2.0 ** -24

    def uniform_double(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1 = 1 - self.uniform_double()
        u2 = self.uniform_double()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def int_below(self, bound):
        """Lemire, "Fast random integer generation in an interval" (2019), algorithm 5."""
        product = self.next() * bound
        low = product & MASK64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK64
        return product >> 64


def check_published_vectors():
    """The implementations above reproduce the published test vectors before we trust them."""
    # SplitMix64 from 1234567 (Rosetta Code, "Pseudo-random numbers/Splitmix64").
    state, outputs = 1234567, []
    for _ in range(3):
        state, value = splitmix64(state)
        outputs.append(value)
    assert outputs == [6457827717110365317, 3203168211198807973, 9817491932198370423], outputs
    # xoshiro256** from the state {1, 2, 3, 4} (the reference vector of rand_xoshiro's tests,
    # produced with Vigna's xoshiro256starstar.c).
    g = Xoshiro256StarStar(0)
    g.s = [1, 2, 3, 4]
    outputs = [g.next() for _ in range(6)]
    assert outputs == [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360,
                       607988272756665600], outputs


def random_numbers():
    print("// MARK: - RandomTests\n")
    check_published_vectors()
    for seed in (0, 1, 42):
        g = Xoshiro256StarStar(seed)
        print(f"// seed {seed}: next() x 6")
        print("[" + ", ".join(str(g.next()) for _ in range(6)) + "]")
    g = Xoshiro256StarStar(42)
    print("// seed 42: nextUniform() x 4 (exact: k * 2^-24)")
    print(swift_array([g.uniform_float() for _ in range(4)]))
    g = Xoshiro256StarStar(42)
    print("// seed 42: nextNormal() x 4 (float64, before rounding to Float)")
    print(swift_array([g.normal() for _ in range(4)]))
    g = Xoshiro256StarStar(7)
    print("// seed 7: nextInt(below: 10) x 12")
    print([g.int_below(10) for _ in range(12)])
    g = Xoshiro256StarStar(7)
    print("// seed 7: nextInt(below: 3 << 61) x 4 (a bound where rejection happens often)")
    print([g.int_below(3 << 61) for _ in range(4)])
    print()


# MARK: - .npy bytes (NPYTests.swift)

def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def npy_parts(data):
    """(header length, header dictionary, spaces of padding, data bytes) of a .npy file."""
    length_size = 2 if data[6] == 1 else 4
    header_length = int.from_bytes(data[8:8 + length_size], "little")
    header = data[8 + length_size:8 + length_size + header_length].decode("latin1")
    dictionary = header.rstrip()
    padding = len(header) - len(dictionary) - 1
    assert header == dictionary + " " * padding + "\n"
    return header_length, dictionary, padding, data[8 + length_size + header_length:]


def npy():
    print("// MARK: - NPYTests\n")
    print("// np.save output as NPYCase(tensor:, headerLength:, dictionary:, padding:, data:); the file is")
    print("// magic, version 1 0, headerLength (UInt16 LE), dictionary, padding spaces, newline, data.")
    cases = [
        ("exactInputs([2, 3])", exact_inputs([2, 3])),
        ("exactInputs([2])", exact_inputs([2])),
        ("Tensor(repeating: 1.5, shape: [])", np.array(1.5, dtype=np.float32)),
        ("Tensor.zeros([0, 4])", np.zeros((0, 4), dtype=np.float32)),
        ("exactInputs([1, 1, 5])", exact_inputs([1, 1, 5])),
        ("Tensor.zeros([123_456_789_012, 0])", np.zeros((123456789012, 0), dtype=np.float32)),
        ("Tensor(repeating: -0.5, shape: [Int](repeating: 1, count: 20))",
         np.full((1,) * 20, -0.5, dtype=np.float32)),
    ]
    for expression, array in cases:
        data = npy_bytes(array)
        assert data[6:8] == bytes([1, 0])
        header_length, dictionary, padding, payload = npy_parts(data)
        print(f'NPYCase(tensor: {expression}, headerLength: {header_length},\n'
              f'        dictionary: "{dictionary}", padding: {padding},\n'
              f'        data: "{payload.hex()}"),')
    print()
    others = [
        ("version 2.0 file of exact_inputs([3, 2]) (np.lib.format.write_array(version=(2, 0)))",
         npy_bytes(exact_inputs([3, 2]), version=(2, 0))),
        ("np.save of exact_inputs([2, 3]).astype(np.float64)",
         npy_bytes(exact_inputs([2, 3]).astype(np.float64))),
        ("np.save of np.asfortranarray(exact_inputs([2, 3]))",
         npy_bytes(np.asfortranarray(exact_inputs([2, 3])))),
    ]
    for title, data in others:
        header_length, dictionary, padding, payload = npy_parts(data)
        print(f"// {title}: version {data[6]}.{data[7]}, headerLength {header_length}, padding {padding}")
        print(f'//   dictionary "{dictionary}"')
        print(f'//   data "{payload.hex()}"')
    print()

# MARK: - Attention (AttentionTests.swift)

def attention64(q, k, v, d_o, causal):
    """Forward and backward of softmax(Q Kᵀ / √d + mask) V for one head, in float64."""
    n, m, d = q.shape[0], k.shape[0], q.shape[1]
    scale = 1 / math.sqrt(d)
    s = (q @ k.T) * scale
    if causal:
        s = np.where(np.arange(m)[None, :] <= np.arange(n)[:, None] + (m - n), s, -np.inf)
    p = softmax64(s)
    o = p @ v
    lse = s.max(axis=-1) + np.log(np.exp(s - s.max(axis=-1, keepdims=True)).sum(axis=-1))
    dv = p.T @ d_o
    dp = d_o @ v.T
    ds = p * (dp - (d_o * o).sum(axis=-1, keepdims=True))
    dq = ds @ k * scale
    dk = ds.T @ q * scale
    return o, lse, dq, dk, dv


def attention():
    print("// MARK: - AttentionTests\n")
    # Q [1, 2, 5, 4], K and V [1, 2, 7, 4], dO [1, 2, 5, 4]; causal with M − N = 2.
    q = exact_inputs([1, 2, 5, 4]).astype(np.float64)
    k = exact_inputs([1, 2, 7, 4], multiplier=5, offset=1).astype(np.float64)
    v = exact_inputs([1, 2, 7, 4], multiplier=3, offset=8).astype(np.float64)
    d_o = exact_inputs([1, 2, 5, 4], multiplier=11, offset=4).astype(np.float64)
    for causal in (False, True):
        results = [attention64(q[0, h], k[0, h], v[0, h], d_o[0, h], causal) for h in range(2)]
        tag = "Causal" if causal else "Full"
        for index, name in enumerate(["output", "logsumexp", "dQ", "dK", "dV"]):
            values = np.stack([r[index] for r in results])[None]
            emit(f"attention{tag}_{name}", values.ravel(), list(values.shape))


if __name__ == "__main__":
    arithmetic()
    activations()
    reductions()
    shapes()
    matmuls()
    random_numbers()
    npy()
    attention()
