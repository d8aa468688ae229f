#!/usr/bin/env python3
"""Derives the reference values that AutogradTests commits as Swift literals (ForwardReferenceTests.swift).

The tests never run Python: this script documents where their numbers come from, and re-running
it reproduces them (python3 + NumPy 2.x):

    python3 Tests/AutogradTests/References/derive_references.py

Everything is computed in float64 with NumPy from float32-exact inputs built by the same formula
as `exactInputs` in GradientCheck.swift, independently of TensorCore and Autograd.
"""

import math

import numpy as np


def exact_inputs(shape, multiplier=7, offset=3):
    """Element i (row-major) = ((i * multiplier + offset) % 23 - 11) / 4, in [-2.75, 2.75]."""
    count = int(np.prod(shape, dtype=np.int64))
    i = np.arange(count)
    return (((i * multiplier + offset) % 23 - 11) / 4).astype(np.float64).reshape(shape)


def show(name, values):
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    print(f"// {name}")
    print("[" + ", ".join(repr(float(v)) for v in flat) + "]")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# MARK: - Activations

x = exact_inputs([8])
erf = np.vectorize(math.erf)
show("gelu(exactInputs([8]))", 0.5 * x * (1 + erf(x / math.sqrt(2))))

# MARK: - Layer norm: x = exactInputs([3, 5]), gamma = exactInputs([5], 5, 1), beta = exactInputs([5], 3, 2)

x = exact_inputs([3, 5])
gamma, beta = exact_inputs([5], 5, 1), exact_inputs([5], 3, 2)
mean = x.mean(axis=-1, keepdims=True)
var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
show("layerNorm", (x - mean) / np.sqrt(var + 1e-5) * gamma + beta)

# MARK: - Cross-entropy: logits = exactInputs([4, 5]), targets [2, 0, 4, 1], ignore 0, smoothing 0.1

logits = exact_inputs([4, 5])
targets = [2, 0, 4, 1]
logp = log_softmax(logits)
eps, V = 0.1, 5
losses = [-((1 - eps) * logp[r, t] + eps / V * logp[r].sum()) for r, t in enumerate(targets) if t != 0]
show("crossEntropy(ignore 0, smoothing 0.1)", [np.mean(losses)])
show("crossEntropy(plain)", [np.mean([-logp[r, t] for r, t in enumerate(targets)])])

# MARK: - GRU cell (PyTorch's equations); inputs and weights scaled by 1/4

I, H, B = 3, 4, 2
xg, hg = exact_inputs([B, I]) / 4, exact_inputs([B, H], 5, 1) / 4
w_ih, w_hh = exact_inputs([3 * H, I], 3, 5) / 4, exact_inputs([3 * H, H], 11, 7) / 4
b_ih, b_hh = exact_inputs([3 * H], 13, 2) / 4, exact_inputs([3 * H], 17, 9) / 4
gi, gh = xg @ w_ih.T + b_ih, hg @ w_hh.T + b_hh
r = sigmoid(gi[:, :H] + gh[:, :H])
z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
show("GRU h'", (1 - z) * n + z * hg)

# MARK: - Additive attention: query [2, 3], keys [2, 4, 3], A = 5, key lengths [4, 2]

query, keys = exact_inputs([2, 3]) / 4, exact_inputs([2, 4, 3], 5, 1) / 4
w1, w2, b2 = exact_inputs([5, 3], 3, 5) / 4, exact_inputs([5, 3], 11, 7) / 4, exact_inputs([5], 13, 2) / 4
v = exact_inputs([1, 5], 17, 9) / 4
scores = (np.tanh(keys @ w2.T + b2 + (query @ w1.T)[:, None, :]) @ v.T)[..., 0]   # [2, 4]
scores[1, 2:] = -np.inf
weights = np.exp(scores - scores.max(axis=1, keepdims=True))
weights /= weights.sum(axis=1, keepdims=True)
show("additive attention weights", weights)
show("additive attention context", np.einsum("bt,btk->bk", weights, keys))

# MARK: - Adam: three steps on L = ½ Σ w², w0 = exactInputs([5]), lr 0.1, betas (0.9, 0.999), eps 1e-8

w = exact_inputs([5])
m, s = np.zeros(5), np.zeros(5)
for t in range(1, 4):
    g = w
    m = 0.9 * m + 0.1 * g
    s = 0.999 * s + 0.001 * g * g
    w = w - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
show("Adam after 3 steps", w)

# MARK: - SGD with momentum 0.9, lr 0.1, three steps on the same loss

w, u = exact_inputs([5]), None
for t in range(3):
    g = w
    u = g if u is None else 0.9 * u + g
    w = w - 0.1 * u
show("SGD momentum after 3 steps", w)
