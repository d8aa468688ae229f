"""Derives the reference matrices of MultiHeadAttentionTests.swift (one attention head, step by step).

    python3 Tests/LessonsTests/References/one_head_references.py

Inputs are closed-form, so the Swift test rebuilds them exactly:
    X[i, j]  = sin(0.3 i + 0.7 j + 0.1)                  N = 4 words, d = 6
    Wq[i, j] = cos(0.5 i - 0.2 j) / sqrt(6)              d × D, D = 3
    Wk[i, j] = sin(0.4 i + 0.9 j + 0.3) / sqrt(6)
    Wv[i, j] = cos(0.8 i + 0.1 j - 0.5)
"""
import numpy as np

n, d, dk = 4, 6, 3
i, j = np.meshgrid(np.arange(n), np.arange(d), indexing="ij")
x = np.sin(0.3 * i + 0.7 * j + 0.1)
a, b = np.meshgrid(np.arange(d), np.arange(dk), indexing="ij")
wq = np.cos(0.5 * a - 0.2 * b) / np.sqrt(6)
wk = np.sin(0.4 * a + 0.9 * b + 0.3) / np.sqrt(6)
wv = np.cos(0.8 * a + 0.1 * b - 0.5)

q, k, v = x @ wq, x @ wk, x @ wv
scores = q @ k.T
scaled = scores / np.sqrt(dk)
e = np.exp(scaled - scaled.max(axis=1, keepdims=True))
weights = e / e.sum(axis=1, keepdims=True)
output = weights @ v

np.set_printoptions(precision=9, floatmode="fixed", suppress=True)
for name, m in [("q", q), ("k", k), ("v", v), ("scores", scores), ("scaled", scaled), ("weights", weights), ("output", output)]:
    print(f"{name}: [" + ", ".join(f"{z:.9f}" for z in m.ravel()) + "]")
