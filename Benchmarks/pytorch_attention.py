"""PyTorch's figure for `bench attention`: the same attention on the same machine, side by side.

torch.nn.functional.scaled_dot_product_attention on the CPU, restricted to its flash backend,
B = 1, one head of d = 64 (by default), float32, forward and forward + backward, for the sizes
given; one warm-up call, then the median of the timed ones. Run it right after `bench attention`
with the same --threads and --sizes so that both come from one sitting of the machine, and read
the ratio of the two forward times.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch
    swift run -c release bench attention --sizes 4096,8192 --threads 2
    /tmp/venv/bin/python Benchmarks/pytorch_attention.py --sizes 4096,8192 --threads 2

Says so and exits 0 when PyTorch is not installed: the project never needs it.
"""
import argparse, os, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--sizes", default="1024,4096,8192")
parser.add_argument("--head-dim", type=int, default=64)
parser.add_argument("--heads", type=int, default=1)
parser.add_argument("--repeats", type=int, default=7)
parser.add_argument("--causal", action="store_true")
args = parser.parse_args()

try:
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
except ImportError as error:
    print(f"pytorch_attention: skipped, PyTorch is not installed ({error.name})")
    sys.exit(0)

torch.set_num_threads(args.threads)
generator = torch.Generator().manual_seed(0)

def median_seconds(body):
    body()
    samples = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]

print(f"PyTorch {torch.__version__}, {args.threads} threads, SDPA flash backend, B=1 H={args.heads} d={args.head_dim}"
      f"{' causal' if args.causal else ''}, float32; median of {args.repeats}")
print("N     | forward ms | forward GFLOP/s | backward ms | backward/forward")
fields = []
for n in [int(size) for size in args.sizes.split(",")]:
    shape = (1, args.heads, n, args.head_dim)
    q, k, v = (torch.randn(shape, generator=generator, requires_grad=True) for _ in range(3))
    flops = 4 * n * n * args.head_dim * args.heads * (0.5 if args.causal else 1)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
        with torch.inference_mode():
            forward = median_seconds(lambda: torch.nn.functional.scaled_dot_product_attention(
                q.detach(), k.detach(), v.detach(), is_causal=args.causal))
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=args.causal)
        grad = torch.randn_like(out)
        def step():
            o = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=args.causal)
            torch.autograd.grad(o, (q, k, v), grad)
        both = median_seconds(step)
    backward = max(both - forward, 0.0)
    print(f"{n:<5} | {forward * 1e3:10.1f} | {flops / forward / 1e9:15.1f} | {backward * 1e3:11.1f} | {backward / forward:16.2f}")
    fields += [f"fwd_ms_{n}={forward * 1e3:.2f}", f"bwd_ms_{n}={backward * 1e3:.2f}"]
print("pytorch_attention: " + " ".join(fields + [f"threads={args.threads}"]))
