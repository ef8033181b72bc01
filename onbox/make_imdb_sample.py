#!/usr/bin/env python3
"""Writes imdb_sample.tsv.gz: 600 short labelled movie reviews made up from word lists.

The reviews are synthetic (no third-party text): each has a few sentences whose adjectives lean
towards the label (80 %), some neutral filler, and 3 % of the labels are flipped, so a
bag-of-words model learns it well but not perfectly. Fixed seed: the output is reproducible.
Format: gzip (mtime 0) of lines "LABEL<TAB>TEXT", LABEL 1 = positive, 0 = negative.
"""
import gzip
import os
import random
import sys

POSITIVE = ("wonderful brilliant moving delightful superb charming gripping touching clever "
            "beautiful funny heartfelt stunning masterful excellent fresh memorable warm "
            "thrilling inspired").split()
NEGATIVE = ("boring dull awful clumsy tedious predictable lifeless terrible weak silly "
            "forgettable bland messy painful shallow annoying wooden pointless dreadful "
            "confusing").split()
NOUNS = ("film movie plot story acting cast script ending director soundtrack dialogue "
         "camera work pacing hero villain score scenes characters sequel premise").split()
FILLER = ("i watched it last night with friends and the cinema was full",
          "it runs about two hours", "the trailer did not show much",
          "my sister picked it for the weekend", "it is based on a novel",
          "we saw it in the afternoon", "the studio released it in spring",
          "there is a long scene on a train", "the music comes from an old band")
TEMPLATES = ("the {n} was {a}", "a {a} {n}", "i found the {n} {a}",
             "what a {a} {n}", "the {n} felt {a} and {b}", "overall {a}")


def review(rng, label):
    """Returns one review text whose adjectives lean towards label."""
    sentences = []
    for _ in range(rng.randint(2, 4)):
        lean = POSITIVE if (rng.random() < 0.8) == (label == 1) else NEGATIVE
        sentences.append(rng.choice(TEMPLATES).format(
            n=rng.choice(NOUNS), a=rng.choice(lean), b=rng.choice(lean)))
        if rng.random() < 0.4:
            sentences.append(rng.choice(FILLER))
    return ". ".join(sentences)


def make(n=600, seed=20240601):
    """Returns the sample file's bytes."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        label = i % 2
        shown = label if rng.random() >= 0.03 else 1 - label
        lines.append("%d\t%s\n" % (shown, review(rng, label)))
    rng.shuffle(lines)
    return gzip.compress("".join(lines).encode(), mtime=0)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "imdb_sample.tsv.gz")
    with open(out, "wb") as f:
        f.write(make())
