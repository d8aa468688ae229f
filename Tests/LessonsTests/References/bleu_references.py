"""Derives the reference BLEU values in BLEUTests.swift with two independent implementations.

    pip install sacrebleu nltk
    python3 Tests/LessonsTests/References/bleu_references.py

sacrebleu 2.x: tokenize='none' (the tokens are already split, joined by spaces here),
smooth_method='none', so a zero n-gram precision gives 0 as in our corpusBLEU.
nltk: corpus_bleu with uniform weights and no smoothing function.
Both report the same numbers (sacrebleu's are on a 0-100 scale and divided by 100 here) except
when a hypothesis has fewer than n tokens: nltk then counts max(1, #n-grams) = 1 n-gram of order n
in the precision's denominator, sacrebleu (and our corpusBLEU) the n-grams there are, none. The
last two corpora show it; the tests use sacrebleu's values, which the hand-worked ones confirm.
"""
import warnings

from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu
from sacrebleu.metrics import BLEU

warnings.filterwarnings("ignore")  # nltk warns when a precision is 0

CORPORA = {
    # name: (hypotheses, references, max order)
    "pooling": (["the black cat sees the small dog .", "the cat sees a dog ."],
                ["the black cat sees the small dog .", "the cat sees the dog ."], 4),
    "mixed": (["le chat noir voit le petit chien .",
               "les chiens ne mangent pas .",
               "il dit que le chat dort dans le jardin .",
               "une fille heureuse chante ."],
              ["le chat noir voit le petit chien .",
               "les chiens ne mangent pas de pain .",
               "il dit que le chat noir dort dans le jardin .",
               "la fille heureuse chante doucement ."], 4),
    "longer hypotheses": (["the the cat sat on the mat mat .", "a dog barks loudly in the park today ."],
                          ["the cat sat on the mat .", "the dog barks in the park ."], 4),
    "bigram order": (["the cat the cat on the mat", "there is a cat on the mat"],
                     ["the cat is on the mat", "there is a cat on the mat"], 2),
    "empty hypothesis": (["the cat sat on the mat", ""],
                         ["the cat sat on the mat", "the dog"], 4),
    "two-word hypothesis": (["the cat sat on the mat", "a dog"],
                            ["the cat sat on the mat", "the dog"], 4),
}

for name, (hyps, refs, order) in CORPORA.items():
    bleu = BLEU(tokenize="none", smooth_method="none", max_ngram_order=order, effective_order=False)
    sacre = bleu.corpus_score(hyps, [refs]).score / 100
    weights = tuple([1.0 / order] * order)
    nltk = nltk_corpus_bleu([[r.split()] for r in refs], [h.split() for h in hyps], weights=weights)
    print(f"{name:>18}: sacrebleu {sacre:.15f}   nltk {nltk:.15f}")
