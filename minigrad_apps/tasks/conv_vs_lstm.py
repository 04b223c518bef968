"""Task 6: a Conv1d + max-pooling classifier beside the LSTM, on the twin sentiment corpus.

A convolution sees order only inside its window (k tokens); global max pooling
then forgets where each n-gram was. On the twin corpus the deciding cue ("not"
right before an adjective) fits in a window of 2-3 tokens, so the comparison is
about speed as much as accuracy: the convolution runs all positions at once,
the LSTM one step after another.

    minigrad train conv_vs_lstm [--quick] [--epochs N] [--seed S]
"""
from minigrad.nn import functional as F
from .common import Results, seed_everything
from .sentiment import lstm_classifier, train_model, twin_corpus


def run(quick=False, epochs=None, seed=0, progress=None):
    from models.architectures import Conv1dClassifier
    results = Results("conv_vs_lstm")
    seed_everything(seed)
    train, test, vocab = twin_corpus(quick, seed)
    epochs = epochs or (6 if quick else 12)
    candidates = (
        ("lstm h=32", lstm_classifier(len(vocab)), 0.01),
        ("conv1d k=3 x32 + max pool", Conv1dClassifier(len(vocab), 16, 32, 2, kernel_size=3), 0.01),
        ("conv1d k=1 x32 + max pool", Conv1dClassifier(len(vocab), 16, 32, 2, kernel_size=1), 0.01),
    )
    for name, model, lr in candidates:
        seed_everything(seed)
        acc, seconds = train_model(model, F.cross_entropy, train, test, epochs, lr, seed, progress)
        results.add(name, "test accuracy", acc, seconds)
    return results
