import json

import numpy as np
import pytest

from minigrad.data import (Vocabulary, char_tokenize, one_hot, tokenize_corpus, word_tokenize)


def test_word_tokenize_splits_punctuation_and_lowers():
    assert word_tokenize("Not bad, at ALL!") == ["not", "bad", ",", "at", "all", "!"]
    assert word_tokenize("Don't stop.", lower=False) == ["Don't", "stop", "."]


def test_char_tokenize_keeps_spaces():
    assert char_tokenize("Ab c") == ["A", "b", " ", "c"]
    assert char_tokenize("Ab", lower=True) == ["a", "b"]


def test_tokenize_corpus_bad_level():
    with pytest.raises(ValueError, match="tokenize_corpus: level='bytes'"):
        tokenize_corpus(["x"], level="bytes")


CORPUS = [["movie", "was", "good"], ["movie", "was", "bad"], ["movie", "was", "not", "good"]]


def test_fit_orders_by_frequency_then_first_appearance():
    vocab = Vocabulary.fit(CORPUS)
    assert vocab.tokens == ["<pad>", "<unk>", "movie", "was", "good", "bad", "not"]
    assert vocab.pad_index == 0 and vocab.unk_index == 1
    assert len(vocab) == 7
    assert "good" in vocab and "great" not in vocab


def test_min_freq_and_max_size():
    assert Vocabulary.fit(CORPUS, min_freq=2).tokens == ["<pad>", "<unk>", "movie", "was", "good"]
    # max_size counts the two reserved tokens.
    assert Vocabulary.fit(CORPUS, max_size=3).tokens == ["<pad>", "<unk>", "movie"]


def test_encode_decode_round_trip_and_unk():
    vocab = Vocabulary.fit(CORPUS)
    ids = vocab.encode(["movie", "was", "great"])
    assert ids.dtype == np.int64
    assert ids.tolist() == [2, 3, 1]
    assert vocab.decode(vocab.encode(["not", "bad"])) == ["not", "bad"]
    assert vocab.decode([2, 0, 0]) == ["movie"]
    assert vocab.decode([2, 0], skip_pad=False) == ["movie", "<pad>"]


def test_no_unk_raises_on_unknown_token():
    vocab = Vocabulary.fit(CORPUS, unk_token=None)
    assert vocab.tokens[:2] == ["<pad>", "movie"]
    with pytest.raises(ValueError, match="unknown token 'great'.*no UNK"):
        vocab.encode(["great"])


def test_save_load_json_round_trip(tmp_path):
    vocab = Vocabulary.fit(CORPUS + [["café", "élan"]])
    path = tmp_path / "vocab.json"
    vocab.save(path)
    json.loads(path.read_text(encoding="utf-8"))  # plain JSON, no pickle
    loaded = Vocabulary.load(path)
    assert loaded.tokens == vocab.tokens
    assert loaded.decode(loaded.encode(["café", "was"])) == ["café", "was"]


def test_load_rejects_foreign_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"tokens": ["a"]}')
    with pytest.raises(ValueError, match="Vocabulary.load: not a saved Vocabulary"):
        Vocabulary.load(path)


@pytest.mark.parametrize("corpus", [[], [[], []]])
def test_fit_empty_corpus(corpus):
    with pytest.raises(ValueError, match="Vocabulary.fit: the corpus is empty"):
        Vocabulary.fit(corpus)


def test_fit_bad_arguments():
    with pytest.raises(ValueError, match="list of token lists, got a list of str"):
        Vocabulary.fit(["movie was good"])
    with pytest.raises(ValueError, match="min_freq=0"):
        Vocabulary.fit(CORPUS, min_freq=0)
    with pytest.raises(ValueError, match="max_size=1, expected >= 2"):
        Vocabulary.fit(CORPUS, max_size=1)


def test_encode_and_decode_bad_input():
    vocab = Vocabulary.fit(CORPUS)
    with pytest.raises(ValueError, match="Vocabulary.encode: expected a list of tokens, got a str"):
        vocab.encode("movie")
    with pytest.raises(ValueError, match="Vocabulary.decode: id 7 out of range"):
        vocab.decode([2, 7])


def test_one_hot():
    out = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[0, 1], [0, 0, 1])
    np.testing.assert_array_equal(out.sum(-1), np.ones((2, 2)))
    with pytest.raises(ValueError, match="one_hot: id 3 out of range, expected 0 <= id < 3"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="one_hot: expected integer ids"):
        one_hot([0.5], 3)


def test_typographic_and_straight_apostrophes_make_the_same_word():
    assert word_tokenize("Don\u2019t stop") == word_tokenize("Don't stop") == ["don't", "stop"]
    assert word_tokenize("\u2019quoted\u2019") == ["'", "quoted", "'"]
