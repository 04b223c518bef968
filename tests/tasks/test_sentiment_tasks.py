"""Fast versions of the sentiment and conv-vs-LSTM tasks reach their thresholds."""
import numpy as np

from minigrad_apps.tasks import conv_vs_lstm, sentiment


def test_lstm_separates_the_seed_reviews_and_bag_of_words_cannot_on_twins():
    results = sentiment.run(quick=True, seed=0)
    assert results.value("seed-reviews lstm", "train accuracy") == 1.0
    # "not good" -> 0 and "not bad" -> 1 cannot both hold for any linear model of counts
    assert results.value("seed-reviews bow-logreg", "train accuracy") < 1.0
    assert results.value("twin-corpus lstm", "test accuracy") >= 0.9
    # twins share their word counts, so a bag of words is right on exactly one of each pair
    assert results.value("twin-corpus bow-logreg", "test accuracy") == 0.5


def test_pair_split_keeps_twins_together():
    from minigrad.data import sentiment_reviews
    texts, labels = sentiment_reviews(n=200, seed=1)
    train, test = sentiment.pair_split(texts, labels, 0.25, seed=0)
    key = lambda i: " ".join(sorted(texts[i].split()))
    assert not {key(i) for i in train} & {key(i) for i in test}
    assert len(train) + len(test) == 200


def test_bag_of_words_ignores_order():
    import minigrad as mg
    model = sentiment.BagOfWordsLogisticRegression(6)
    a = model(mg.tensor(np.array([[2, 3, 4, 0]])))
    b = model(mg.tensor(np.array([[4, 2, 3, 0]])))
    assert a.item() == b.item()


def test_conv_with_a_window_beats_an_order_free_conv():
    results = conv_vs_lstm.run(quick=True, seed=0)
    assert results.value("conv1d k=3 x32 + max pool", "test accuracy") >= 0.9
    assert results.value("conv1d k=1 x32 + max pool", "test accuracy") <= 0.6
    assert results.value("lstm h=32", "test accuracy") >= 0.9
