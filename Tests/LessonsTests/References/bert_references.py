"""Reference values for the WordPiece tokenizer and the BERT forward pass.

Makes a tiny BERT with random weights (TinyBERT/: config.json, model.safetensors, tokenizer.json,
committed) and writes what Hugging Face's `tokenizers` library makes of a set of awkward sentences
and what an independent float64 NumPy implementation of BERT + mean pooling + L2 normalisation
computes for them (tiny_bert_reference.json). Given the folder of all-MiniLM-L6-v2
(Lessons/PrivateDocs/get-model.sh), it writes the same for the real model (minilm_reference.json).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy tokenizers safetensors
    /tmp/venv/bin/python bert_references.py [Models/all-MiniLM-L6-v2]

Only the values are committed; the tests need no Python.
"""
import json, math, os, sys
import numpy as np
from safetensors.numpy import save_file, load_file
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

HERE = os.path.dirname(os.path.abspath(__file__))

# Accents, punctuation, unknown characters, long words, CJK, emoji, control and odd whitespace.
SENTENCES = [
    "Frog on a log.",
    "The café's naïve Ångström-level crème brûlée!",
    "Don't e-mail me at 3:45 p.m., OK?",
    "Straße und Größe: ß stays ß.",
    "東京 is in 日本 (Japan).",
    "I love it 🙂 really\u200b truly\u00a0deeply",
    "tab\there\nnewline\r\nand\x07bell",
    "a" * 120 + " short",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "ΑΒΓ αβγ Ωmega",
    "$100 + 50% = <more> ~ [brackets] {braces} | pipes ^ caret `tick`",
    "",
]

def tiny_vocabulary():
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = "abcdefghijklmnopqrstuvwxyz"
    pieces += list(letters) + ["##" + c for c in letters]
    pieces += list(".,!?:;'-()%$+=<>~[]{}|^`") + ["0", "1", "3", "4", "5", "##0", "##5"]
    pieces += ["frog", "on", "a", "log", "the", "cafe", "naive", "##s", "##ing", "##ly", "play", "love", "it",
               "東", "京", "日", "本", "α", "β", "γ", "##β", "##γ", "ω", "##ω"]
    pieces = list(dict.fromkeys(pieces))   # each piece once
    return {p: i for i, p in enumerate(pieces)}

def bert_tokenizer(vocab):
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    return tok

def gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b

def bert_sentence_embedding(w, cfg, ids):
    """BERT's encoder on one unpadded sequence, in float64, then mean pooling and L2 normalisation."""
    w = {k: v.astype(np.float64) for k, v in w.items() if v.dtype != np.int64}
    eps, H = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    d = x.shape[1]; dh = d // H
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, H, dh).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, H, dh).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, H, dh).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(dh)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        o = (s @ v).transpose(1, 0, 2).reshape(n, d)
        x = layer_norm(x + lin(o, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    m = x.mean(0)
    return m / np.linalg.norm(m)

def tokenizer_cases(tok):
    tok.no_padding(); tok.no_truncation()
    cases = []
    for s in SENTENCES:
        e = tok.encode(s)
        cases.append({"text": s, "tokens": e.tokens, "ids": e.ids})
    return cases

def tiny():
    folder = os.path.join(HERE, "TinyBERT")
    os.makedirs(folder, exist_ok=True)
    vocab = tiny_vocabulary()
    tok = bert_tokenizer(vocab)
    tok.save(os.path.join(folder, "tokenizer.json"))
    cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "hidden_size": 8,
           "intermediate_size": 16, "num_attention_heads": 2, "num_hidden_layers": 2, "max_position_embeddings": 160,
           "type_vocab_size": 2, "vocab_size": len(vocab), "layer_norm_eps": 1e-12, "position_embedding_type": "absolute",
           "pad_token_id": 0}
    json.dump(cfg, open(os.path.join(folder, "config.json"), "w"), indent=2)
    rng = np.random.default_rng(14)
    d, f, V = cfg["hidden_size"], cfg["intermediate_size"], len(vocab)
    r = lambda *shape: rng.normal(0, 0.5, shape).astype(np.float32)
    w = {"embeddings.word_embeddings.weight": r(V, d), "embeddings.position_embeddings.weight": r(160, d),
         "embeddings.token_type_embeddings.weight": r(2, d),
         "embeddings.LayerNorm.weight": (1 + r(d) / 5).astype(np.float32), "embeddings.LayerNorm.bias": r(d) / 5,
         "embeddings.position_ids": np.arange(160, dtype=np.int64)[None, :],
         "pooler.dense.weight": r(d, d), "pooler.dense.bias": r(d)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        for name, (o, i) in {"attention.self.query": (d, d), "attention.self.key": (d, d), "attention.self.value": (d, d),
                             "attention.output.dense": (d, d), "intermediate.dense": (f, d), "output.dense": (d, f)}.items():
            w[p + name + ".weight"], w[p + name + ".bias"] = r(o, i), r(o) / 5
        for name in ["attention.output.LayerNorm", "output.LayerNorm"]:
            w[p + name + ".weight"], w[p + name + ".bias"] = (1 + r(d) / 5).astype(np.float32), r(d) / 5
    save_file(w, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    w = load_file(os.path.join(folder, "model.safetensors"))
    cases = tokenizer_cases(tok)
    for c in cases:
        c["embedding"] = [float(v) for v in bert_sentence_embedding(w, cfg, c["ids"])]
    json.dump({"cases": cases}, open(os.path.join(HERE, "tiny_bert_reference.json"), "w"), indent=1, ensure_ascii=False)

def real(folder):
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    cfg = json.load(open(os.path.join(folder, "config.json")))
    w = load_file(os.path.join(folder, "model.safetensors"))
    cases = tokenizer_cases(tok)
    embedded = ["Frog on a log.", "The monthly rent is 950 euros, plus 180 euros for heating.",
                "How much do I pay for the apartment each month?", "Don't e-mail me at 3:45 p.m., OK?",
                "The café's naïve Ångström-level crème brûlée!"]
    for c in cases:
        if c["text"] in embedded:
            c["embedding"] = [float("%.7g" % v) for v in bert_sentence_embedding(w, cfg, c["ids"])]
    extra = tok.encode(embedded[1]), tok.encode(embedded[2])
    for text, e in zip(embedded[1:3], extra):
        cases.append({"text": text, "tokens": e.tokens, "ids": e.ids,
                      "embedding": [float("%.7g" % v) for v in bert_sentence_embedding(w, cfg, e.ids)]})
    json.dump({"cases": cases}, open(os.path.join(HERE, "minilm_reference.json"), "w"), indent=1, ensure_ascii=False)

if __name__ == "__main__":
    tiny()
    if len(sys.argv) > 1:
        real(sys.argv[1])
