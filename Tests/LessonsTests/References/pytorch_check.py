"""Checks the committed BERT references against PyTorch.

bert_references.py derives the tokenizer and embedding references with Hugging Face `tokenizers`
and an independent float64 NumPy forward pass. This script runs Hugging Face `transformers`'
BertModel on PyTorch for the same sentences (mean pooling over real tokens, L2 normalisation, as
sentence-transformers does) and prints how far the committed values are from it: token ids must
be equal, and the embeddings' worst cosine and largest absolute difference are printed.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch transformers numpy
    Lessons/PrivateDocs/get-model.sh
    /tmp/venv/bin/python Tests/LessonsTests/References/pytorch_check.py

Nothing in the tests depends on it.
"""
import json, os
import numpy as np, torch
from transformers import AutoTokenizer, AutoModel
ref_dir = os.path.dirname(os.path.abspath(__file__))
for name, folder in [("minilm", os.path.join(ref_dir, "../../../Models/all-MiniLM-L6-v2")), ("tiny_bert", ref_dir + "/TinyBERT")]:
    cases = json.load(open(f"{ref_dir}/{name}_reference.json"))["cases"]
    tok = AutoTokenizer.from_pretrained(folder); model = AutoModel.from_pretrained(folder).eval()
    worst_cos, worst_d = 1.0, 0.0
    for c in cases:
        enc = tok(c["text"], return_tensors="pt")
        ids = enc["input_ids"][0].tolist()
        with torch.no_grad():
            out = model(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).float()
        e = (out * m).sum(1) / m.sum(1)
        e = torch.nn.functional.normalize(e, dim=1)[0].double().numpy()
        if ids != c["ids"]: print(name, "IDS DIFFER", repr(c["text"]), ids, c["ids"])
        if "embedding" not in c: continue
        r = np.array(c["embedding"])
        cos = float(e @ r / np.linalg.norm(e) / np.linalg.norm(r)); d = float(np.abs(e - r).max())
        worst_cos, worst_d = min(worst_cos, cos), max(worst_d, d)
    print(f"{name}: {len(cases)} sentences, PyTorch {torch.__version__} vs committed NumPy float64: min cosine {worst_cos:.9f}, max |diff| {worst_d:.2e}")
