"""A generated sentiment corpus that word order decides and word counts cannot.

Every review is made together with a twin that holds exactly the same words
(the same multiset) in another order and has the opposite label:

    "the movie was good and not boring"   -> 1
    "the movie was not good and boring"   -> 0

So a bag-of-words model sees each word multiset once with each label and can
do no better than chance on the pairs, while a sequence model that tracks
which adjective "not" governs can be right every time.
"""
import numpy as np

SUBJECTS = ["the movie", "the film", "this movie", "this film", "the story", "the plot",
            "the acting", "the ending", "the script", "the show"]
POSITIVE = ["good", "great", "fun", "clever", "funny", "moving", "charming", "beautiful",
            "exciting", "smart"]
NEGATIVE = ["bad", "boring", "dull", "awful", "slow", "silly", "weak", "predictable",
            "terrible", "messy"]
INTENSIFIERS = ["", "very", "really", "truly", "quite", "so"]

# Each template reads with P as the praised adjective and N as the faulted one;
# swapping the two words gives the twin with the opposite label.
# The label is that of the template as written (P in the P slot).
TEMPLATES = [
    ("{s} was {i} {p} and not {n}", 1),
    ("{s} was not {i} {n} but {p}", 1),
    ("{s} was {i} {p} , not {n}", 1),
    ("{s} was not {n} at all , it was {i} {p}", 1),
    ("{s} was {i} {p} and never {n}", 1),
    ("i thought it would be {n} but {s} was {i} {p}", 1),
    ("{s} was not {i} {p} but {n}", 0),
    ("{s} was not {p} at all , it was {i} {n}", 0),
    ("i expected {s} to be {i} {n} , it was {p}", 1),
    ("{s} was {n} , not {i} {p}", 0),
]

SEED_REVIEWS = [
    ("movie was good", 1),
    ("movie was bad", 0),
    ("movie was not good", 0),
    ("movie was not bad", 1),
    ("the film was not bad at all", 1),
    ("movie was great", 1),
    ("movie was boring", 0),
    ("movie was not boring", 1),
    ("movie was really good", 1),
    ("movie was not great", 0),
]


def _fill(template, subject, intensifier, first, second):
    text = template.format(s=subject, i=intensifier, p=first, n=second)
    return " ".join(text.split())  # drops the double space of an empty intensifier


def sentiment_reviews(n=2000, seed=0):
    """Short generated movie reviews with labels, in twin pairs (see module doc).

    Args:
        n: number of reviews; they come as n // 2 twin pairs (plus one review
            without its twin when n is odd), shuffled.
        seed: for `np.random.default_rng`.
    Returns:
        texts: list of n str (lower case, tokens separated by spaces).
        labels: (n,) int64, 1 positive, 0 negative.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"sentiment_reviews: n={n}, expected a positive int")
    rng = np.random.default_rng(seed)
    seen, pairs = set(), []
    n_pairs = (n + 1) // 2
    n_combos = len(TEMPLATES) * len(SUBJECTS) * len(INTENSIFIERS) * len(POSITIVE) * len(NEGATIVE)
    if n_pairs > n_combos:
        raise ValueError(f"sentiment_reviews: n={n} exceeds the {2 * n_combos} distinct reviews "
                         "this generator can make")
    while len(pairs) < n_pairs:
        t = rng.integers(len(TEMPLATES))
        s, i = rng.integers(len(SUBJECTS)), rng.integers(len(INTENSIFIERS))
        p, q = rng.integers(len(POSITIVE)), rng.integers(len(NEGATIVE))
        if (t, s, i, p, q) in seen:
            continue
        seen.add((t, s, i, p, q))
        template, label = TEMPLATES[t]
        args = (SUBJECTS[s], INTENSIFIERS[i])
        pairs.append([(_fill(template, *args, POSITIVE[p], NEGATIVE[q]), label),
                      (_fill(template, *args, NEGATIVE[q], POSITIVE[p]), 1 - label)])
    for pair in pairs:
        rng.shuffle(pair)
    reviews = [r for pair in pairs for r in pair][:n]
    order = rng.permutation(n)
    texts = [reviews[k][0] for k in order]
    labels = np.array([reviews[k][1] for k in order], dtype=np.int64)
    return texts, labels


def seed_reviews():
    """The lecture's three toy reviews plus a few of the same kind.

    Returns:
        texts: list of str; labels: (len(texts),) int64.
    """
    texts = [t for t, _ in SEED_REVIEWS]
    return texts, np.array([y for _, y in SEED_REVIEWS], dtype=np.int64)
