#!/usr/bin/env python3
"""Independent check of the `hardware` lesson's peak SGEMM and STREAM numbers, with NumPy.

Run by hand, never by the tests (see README.md, "How the numbers were checked"):

    python3 Lessons/Hardware/numpy_check.py              # all cores
    python3 Lessons/Hardware/numpy_check.py --threads 1  # one core

It measures, on this machine, with a warm-up and the median of repeated samples (as the lesson):

1. SGEMM at n = 2048 (float32 C = A @ B), 2·n³ FLOPs:
   - NumPy's `a @ b` (NumPy's own bundled OpenBLAS, `scipy_openblas64_`);
   - `cblas_sgemm` of the system's libopenblas.so.0 through ctypes: the very library the lesson's
     `openblas` GEMM backend loads, so this is the same-OpenBLAS comparison.
2. STREAM over arrays of 4 × the last-level cache (float32):
   - copy `np.copyto(a, b)`, 8 bytes per element;
   - triad as written, `a = b + s * c` (a temporary for s·c and a fresh result every call);
   - triad with preallocated arrays, `np.multiply(c, s, out=t); np.add(b, t, out=a)`.
   NumPy cannot do the triad in one pass: it moves 20 bytes per element (read c, write t, read b
   and t, write a) where STREAM counts 12. Both counts are printed; the honest comparison with the
   lesson's one-pass triad is bandwidth over the bytes each actually moves.
"""

import argparse
import ctypes
import ctypes.util
import os
import statistics
import sys
import time


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: all cores)")
    parser.add_argument("--n", type=int, default=2048, help="SGEMM size (default: 2048)")
    parser.add_argument("--repeats", type=int, default=7, help="timed samples per measurement (default: 7)")
    return parser.parse_args()


ARGS = parse()
if ARGS.threads:
    # Must be set before NumPy (and its OpenBLAS) is loaded.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(ARGS.threads)

import numpy as np  # noqa: E402


def timed(body, repeats, minimum=0.05):
    """Seconds per call: a warm-up of at least one call and `minimum` seconds, then `repeats`
    samples of enough calls to last `minimum` seconds; returns (median, fastest, slowest)."""
    start, calls = time.perf_counter(), 0
    while True:
        body()
        calls += 1
        if time.perf_counter() - start >= minimum:
            break
    per_call = (time.perf_counter() - start) / calls
    calls = max(1, int(minimum / per_call + 0.999))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples), min(samples), max(samples)


def rate(work, timing, unit=1e9):
    median, fastest, slowest = timing
    return f"{work / median / unit:7.1f} ({work / slowest / unit:.1f}–{work / fastest / unit:.1f})"


def last_level_cache():
    sizes = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        if not entry.startswith("index"):
            continue
        with open(f"{base}/{entry}/type") as f:
            if f.read().strip() == "Instruction":
                continue
        with open(f"{base}/{entry}/size") as f:
            text = f.read().strip()
        scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1], 1)
        sizes.append(int(text.rstrip("KMG")) * scale)
    return max(sizes) if sizes else 32 << 20


def system_openblas_sgemm(a, b, c, n, threads):
    """C = A B with cblas_sgemm from the system's libopenblas.so.0 (LP64: 32-bit ints), or None."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return None
    if threads:
        lib.openblas_set_num_threads(ctypes.c_int(threads))
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    sgemm = lib.cblas_sgemm
    f = ctypes.POINTER(ctypes.c_float)
    sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, f, ctypes.c_int, f, ctypes.c_int, ctypes.c_float, f, ctypes.c_int]
    pa, pb, pc = (x.ctypes.data_as(f) for x in (a, b, c))

    def call():
        sgemm(101, 111, 111, n, n, n, 1.0, pa, n, pb, n, 0.0, pc, n)   # row-major, no transposes

    description = f"{lib.openblas_get_config().decode()}, core {lib.openblas_get_corename().decode()}"
    return call, description


def main():
    n, repeats = ARGS.n, ARGS.repeats
    print(f"NumPy {np.__version__}, Python {sys.version.split()[0]}, threads: {ARGS.threads or 'all'}")
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"NumPy's BLAS: {config.get('name')} {config.get('version')} ({config.get('openblas configuration', '').strip()})")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(not set)')}")

    rng = np.random.default_rng(42)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    print(f"\nSGEMM n = {n}, GFLOP/s median (slowest–fastest):")
    print(f"  NumPy a @ b (bundled OpenBLAS)          {rate(flops, timed(lambda: np.matmul(a, b, out=c), repeats))}")
    system = system_openblas_sgemm(a, b, c, n, ARGS.threads)
    if system:
        call, description = system
        timing = timed(call, repeats)
        check = np.abs(c - a @ b).max()
        print(f"  libopenblas.so.0 cblas_sgemm (ctypes)   {rate(flops, timing)}   [{description}; max |Δ| vs a @ b = {check:.1e}]")
    else:
        print("  libopenblas.so.0: not found")

    elements = 4 * last_level_cache() // 4
    x = np.full(elements, 1.0, dtype=np.float32)
    y = np.full(elements, 2.0, dtype=np.float32)
    z = np.empty(elements, dtype=np.float32)
    t = np.empty(elements, dtype=np.float32)
    s = np.float32(3)
    counted, moved = 12.0 * elements, 20.0 * elements
    print(f"\nSTREAM, arrays of {elements * 4 / 2**20:.0f} MiB (4 × the LLC), GB/s median (slowest–fastest):")
    print(f"  copy  np.copyto(a, b)              8 B/elt: {rate(8.0 * elements, timed(lambda: np.copyto(z, x), repeats))}")
    as_written = timed(lambda: x + s * y, repeats)
    print(f"  triad a = b + s*c (as written)    12 B/elt: {rate(counted, as_written)}   20 B/elt: {rate(moved, as_written)}")

    def triad():
        np.multiply(y, s, out=t)
        np.add(x, t, out=z)

    preallocated = timed(triad, repeats)
    print(f"  triad, preallocated (2 passes)    12 B/elt: {rate(counted, preallocated)}   20 B/elt: {rate(moved, preallocated)}")
    assert np.all(z == 7.0)


if __name__ == "__main__":
    main()
