from collections import Counter, defaultdict

import numpy as np
import pytest

from minigrad.data import (adding_problem, available_texts, digit_sequences, load_text,
                           seasonal_series, seed_reviews, sentiment_reviews, word_tokenize)


def test_seed_reviews_contain_the_lecture_examples():
    texts, labels = seed_reviews()
    pairs = dict(zip(texts, labels.tolist()))
    assert pairs["movie was good"] == 1
    assert pairs["movie was bad"] == 0
    assert pairs["movie was not good"] == 0
    assert pairs["the film was not bad at all"] == 1


def test_sentiment_reviews_shape_balance_and_seed():
    texts, labels = sentiment_reviews(2000, seed=0)
    assert len(texts) == 2000 and labels.shape == (2000,)
    assert labels.sum() == 1000
    assert len(set(texts)) > 1800  # a few thousand distinct reviews, not a handful
    again, _ = sentiment_reviews(2000, seed=0)
    assert again == texts
    assert sentiment_reviews(2000, seed=1)[0] != texts


def test_bag_of_words_cannot_separate_the_labels():
    texts, labels = sentiment_reviews(2000, seed=0)
    by_multiset = defaultdict(Counter)
    for text, label in zip(texts, labels):
        by_multiset[frozenset(Counter(text.split()).items())][label] += 1
    # Every word multiset appears equally often with each label, so the best
    # bag-of-words classifier is right on exactly half of the reviews.
    assert all(c[0] == c[1] for c in by_multiset.values())
    best_bow = sum(max(c.values()) for c in by_multiset.values()) / len(texts)
    assert best_bow == pytest.approx(0.5)


def test_word_order_decides_the_label():
    texts, labels = sentiment_reviews(2000, seed=0)
    label_of = {}
    for text, label in zip(texts, labels):
        assert label_of.setdefault(text, label) == label
    assert any("not bad at all" in t and y == 1 for t, y in zip(texts, labels))
    assert any(t.split()[:4] == ["the", "movie", "was", "not"] for t in texts)


def test_sentiment_reviews_tokenize_cleanly():
    texts, _ = sentiment_reviews(50, seed=0)
    for text in texts:
        assert word_tokenize(text) == text.split()


def test_sentiment_reviews_bad_n():
    with pytest.raises(ValueError, match="sentiment_reviews: n=0, expected a positive int"):
        sentiment_reviews(0)


def test_load_text_shakespeare():
    assert "tinyshakespeare" in available_texts()
    text = load_text("tinyshakespeare")
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert len(text) == 48_000  # the first three 16,000-character pages of the source
    assert "CAIUS MARCIUS CORIOLANUS!" in text


def test_load_text_unknown():
    with pytest.raises(ValueError, match="load_text: unknown text 'hamlet', expected one of"):
        load_text("hamlet")


def test_seasonal_series():
    x = seasonal_series(n=240, period=12, trend=0.0, noise=0.0)
    np.testing.assert_allclose(x[:12], x[12:24], atol=1e-12)
    y = seasonal_series(n=240, period=12, trend=0.5, noise=0.0)
    np.testing.assert_allclose(y - x, 0.5 * np.arange(240))
    z = seasonal_series(n=240, noise=1.0, seed=3)
    assert np.array_equal(z, seasonal_series(n=240, noise=1.0, seed=3))
    with pytest.raises(ValueError, match="seasonal_series: period=1, expected an int >= 2"):
        seasonal_series(period=1)


def test_adding_problem_markers_and_targets():
    X, y = adding_problem(n=500, T=20, seed=0)
    assert X.shape == (500, 20, 2) and y.shape == (500,)
    markers = X[:, :, 1]
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :10].sum(1) == 1).all() and (markers[:, 10:].sum(1) == 1).all()
    np.testing.assert_allclose(y, (X[:, :, 0] * markers).sum(1))
    assert (X[:, :, 0] >= 0).all() and (X[:, :, 0] < 1).all()


def test_adding_problem_baseline_mse():
    _, y = adding_problem(n=20000, T=30, seed=1)
    mse = np.mean((y - 1.0) ** 2)
    assert mse == pytest.approx(1 / 6, abs=0.01)


def test_adding_problem_bad_T():
    with pytest.raises(ValueError, match="adding_problem: T=1, expected an int >= 2"):
        adding_problem(T=1)


def test_digit_sequences():
    X, y = digit_sequences(n=50, length=6, task="reverse", seed=0)
    assert X.shape == y.shape == (50, 6)
    np.testing.assert_array_equal(y, X[:, ::-1])
    X, y = digit_sequences(n=50, length=6, task="sort", seed=0)
    assert (np.diff(y, axis=1) >= 0).all()
    np.testing.assert_array_equal(np.sort(X, 1), y)
    assert X.min() >= 0 and X.max() <= 9
    with pytest.raises(ValueError, match="digit_sequences: task='copy'"):
        digit_sequences(task="copy")
