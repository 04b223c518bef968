"""Task 1 (many-to-one): sentiment of short reviews, LSTM vs bag-of-words logistic regression.

Two data sets: the lecture's seed reviews ("movie was not good" -> 0, "movie was not
bad" -> 1), and the generated twin corpus where every review has a twin with the same
words in another order and the opposite label. A bag of words cannot tell twins
apart (about 50 % on whole twin pairs); an LSTM reading the words in order can.

    minigrad train sentiment [--quick] [--epochs N] [--seed S]
"""
import numpy as np

from minigrad import nn, optim
from minigrad.creation import tensor
from minigrad.data import Vocabulary, seed_reviews, sentiment_reviews, tokenize_corpus
from minigrad.nn import functional as F
from minigrad.train import accuracy, evaluate, fit
from .common import Results, padded_batches, seed_everything, timer


class BagOfWordsLogisticRegression(nn.Module):
    """p(positive) = sigmoid(w . counts(x) + b): word counts, order thrown away."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.linear = nn.Linear(vocab_size, 1)

    def forward(self, ids, lengths=None):
        ids = np.asarray(ids.data if hasattr(ids, "data") else ids)
        counts = np.zeros((len(ids), self.vocab_size), dtype=np.float32)
        rows = np.repeat(np.arange(len(ids)), ids.shape[1])
        np.add.at(counts, (rows, ids.reshape(-1)), 1.0)
        counts[:, 0] = 0.0  # the pad id is not a word
        return self.linear(tensor(counts)).squeeze(-1)


def bce_loss(logits, labels):
    return F.binary_cross_entropy_with_logits(logits, labels.astype(logits.dtype))


def pair_split(texts, labels, test_fraction, seed):
    """Train/test split that keeps each twin pair (same word multiset) on one side."""
    keys = [" ".join(sorted(t.split())) for t in texts]
    groups = sorted(set(keys))
    rng = np.random.default_rng(seed)
    test_groups = set(rng.permutation(groups)[: int(len(groups) * test_fraction)])
    test = np.array([k in test_groups for k in keys])
    return np.nonzero(~test)[0], np.nonzero(test)[0]


def encode(texts, vocab=None):
    tokens = tokenize_corpus(texts)
    vocab = Vocabulary.fit(tokens) if vocab is None else vocab
    return vocab.encode_corpus(tokens), vocab


def twin_corpus(quick, seed):
    """The generated reviews where word order decides (400 or 2000), split into train and
    test so that no review's twin crosses the split, encoded with the train vocabulary:
    (train, test, vocab), train and test as (ids, labels)."""
    texts, labels = sentiment_reviews(n=400 if quick else 2000, seed=seed)
    train_idx, test_idx = pair_split(texts, labels, 0.2, seed)
    ids, vocab = encode([texts[i] for i in train_idx])
    test_ids, _ = encode([texts[i] for i in test_idx], vocab)
    return (ids, labels[train_idx]), (test_ids, labels[test_idx]), vocab


def lstm_classifier(vocab_size, rnn="lstm"):
    from models.architectures import SequenceClassifier
    return SequenceClassifier(vocab_size, 16, 32, 2, rnn=rnn)


def train_model(model, loss_fn, train, test, epochs, lr, seed, progress):
    """Fit on `train` ((ids, labels)), return (test accuracy, seconds)."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    with timer() as elapsed:
        fit(model, loss_fn, optimizer, padded_batches(*train, 32, seed=seed), epochs=epochs,
            metrics={"acc": accuracy}, progress=progress)
    result = evaluate(model, loss_fn, padded_batches(*test, 256, shuffle=False),
                      metrics={"acc": accuracy})
    return result["acc"], elapsed()


def run(quick=False, epochs=None, seed=0, progress=None):
    results = Results("sentiment")
    seed_everything(seed)

    # the seed reviews: can each model separate the ten training reviews?
    texts, labels = seed_reviews()
    ids, vocab = encode(texts)
    seed_epochs = epochs or (60 if quick else 150)
    for name, model, loss_fn, lr in (
            ("lstm", lstm_classifier(len(vocab)), F.cross_entropy, 0.03),
            ("bow-logreg", BagOfWordsLogisticRegression(len(vocab)), bce_loss, 0.3)):
        acc, seconds = train_model(model, loss_fn, (ids, labels), (ids, labels), seed_epochs,
                                   lr, seed, progress)
        results.add(f"seed-reviews {name}", "train accuracy", acc, seconds)

    # the twin corpus: held-out accuracy
    train, test, vocab = twin_corpus(quick, seed)
    corpus_epochs = epochs or (6 if quick else 12)
    for name, model, loss_fn, lr in (
            ("lstm", lstm_classifier(len(vocab)), F.cross_entropy, 0.01),
            ("bow-logreg", BagOfWordsLogisticRegression(len(vocab)), bce_loss, 0.05)):
        acc, seconds = train_model(model, loss_fn, train, test, corpus_epochs, lr, seed,
                                   progress)
        results.add(f"twin-corpus {name}", "test accuracy", acc, seconds)
    return results
