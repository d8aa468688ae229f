"""PyTorch's figure for `bench embed`: the same work on the same machine, for a side-by-side table.

all-MiniLM-L6-v2's forward pass (Hugging Face `transformers` BertModel on PyTorch, CPU), mean
pooling over the real tokens and L2 normalisation, for one batch of B sentences of N token ids;
one warm-up batch, then the median of the timed ones, in sentences per second. Run it right after
`bench embed` with the same thread count, so both figures come from one sitting of the machine.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch transformers
    Lessons/PrivateDocs/get-model.sh
    /tmp/venv/bin/python Benchmarks/pytorch_embed.py --threads 2

Says so and exits 0 when PyTorch or transformers is not installed: the project never needs them.
"""
import argparse, os, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--tokens", type=int, default=128)
parser.add_argument("--repeats", type=int, default=7)
parser.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../Models/all-MiniLM-L6-v2"))
args = parser.parse_args()

try:
    import torch
    from transformers import AutoModel
except ImportError as error:
    print(f"pytorch_embed: skipped, PyTorch or transformers is not installed ({error.name})")
    sys.exit(0)
if not os.path.isdir(args.model):
    print(f"pytorch_embed: skipped, no model folder at {args.model} (Lessons/PrivateDocs/get-model.sh fetches it)")
    sys.exit(0)

torch.set_num_threads(args.threads)
model = AutoModel.from_pretrained(args.model).eval()
generator = torch.Generator().manual_seed(0)
ids = torch.randint(1000, model.config.vocab_size, (args.batch, args.tokens), generator=generator)
mask = torch.ones_like(ids)

def embed():
    out = model(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = (out * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(pooled, dim=1)

with torch.inference_mode():
    embed()
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        embed()
        seconds.append(time.perf_counter() - start)
seconds.sort()
median = seconds[len(seconds) // 2]
print(f"PyTorch {torch.__version__}, {args.threads} threads, batch {args.batch} x {args.tokens} tokens: "
      f"{median * 1000:.0f} ms per batch (median of {args.repeats}; {seconds[0] * 1000:.0f}-{seconds[-1] * 1000:.0f}), "
      f"{args.batch / median:.1f} sentences/s")
print(f"pytorch_embed: sentences_per_second={args.batch / median:.1f} batch={args.batch} tokens={args.tokens} threads={args.threads}")
