import numpy as np
import pytest

from minigrad.data import (BatchIterator, batch_indices, bucket_by_length, pad_sequences,
                           padding_count)

SEQS = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]


def test_post_padding_default_length():
    values, lengths, mask = pad_sequences(SEQS)
    np.testing.assert_array_equal(values, [[1, 2, 3, 0, 0], [4, 0, 0, 0, 0], [5, 6, 7, 8, 9]])
    assert lengths.tolist() == [3, 1, 5]
    np.testing.assert_array_equal(mask, values != 0)


def test_pre_padding_and_pad_value():
    values, lengths, mask = pad_sequences(SEQS, padding="pre", value=-1)
    np.testing.assert_array_equal(values, [[-1, -1, 1, 2, 3], [-1, -1, -1, -1, 4],
                                           [5, 6, 7, 8, 9]])
    np.testing.assert_array_equal(mask, values != -1)


def test_truncation_sides_at_exact_boundary():
    # max_len equal to a length (3) must keep that sequence whole.
    post = pad_sequences(SEQS, max_len=3, truncating="post")
    np.testing.assert_array_equal(post.values, [[1, 2, 3], [4, 0, 0], [5, 6, 7]])
    assert post.lengths.tolist() == [3, 1, 3]
    pre = pad_sequences(SEQS, max_len=3, truncating="pre")
    np.testing.assert_array_equal(pre.values, [[1, 2, 3], [4, 0, 0], [7, 8, 9]])


def test_max_len_one_and_empty_sequence():
    values, lengths, mask = pad_sequences([[], [1, 2]], max_len=1, truncating="pre",
                                          padding="pre")
    np.testing.assert_array_equal(values, [[0], [2]])
    assert lengths.tolist() == [0, 1]
    np.testing.assert_array_equal(mask, [[False], [True]])


def test_multifeature_steps():
    seqs = [np.ones((2, 3)), np.full((1, 3), 2.0)]
    values, lengths, mask = pad_sequences(seqs)
    assert values.shape == (2, 2, 3) and values.dtype == np.float64
    np.testing.assert_array_equal(values[1, 1], [0, 0, 0])


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="pad_sequences: got no sequences"):
        pad_sequences([])
    with pytest.raises(ValueError, match="pad_sequences: padding='left'"):
        pad_sequences(SEQS, padding="left")
    with pytest.raises(ValueError, match="pad_sequences: truncating='middle'"):
        pad_sequences(SEQS, truncating="middle")
    with pytest.raises(ValueError, match="pad_sequences: max_len=0, expected a positive int"):
        pad_sequences(SEQS, max_len=0)
    with pytest.raises(ValueError, match="pad_sequences: mismatched step shapes"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_batch_indices_cover_everything_once_and_are_seeded():
    batches = batch_indices(10, 3, seed=0)
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    again = batch_indices(10, 3, seed=0)
    assert all((a == b).all() for a, b in zip(batches, again))
    assert [len(b) for b in batch_indices(10, 3, drop_last=True)] == [3, 3, 3]
    assert np.concatenate(batch_indices(5, 2, shuffle=False)).tolist() == [0, 1, 2, 3, 4]


def test_batch_size_error():
    with pytest.raises(ValueError, match="batch_indices: batch_size=0, expected a positive int"):
        batch_indices(5, 0)


def test_bucketing_reduces_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 100, size=512)
    buckets = bucket_by_length(lengths, 32, seed=0)
    assert sorted(np.concatenate(buckets).tolist()) == list(range(512))
    random_batches = batch_indices(512, 32, seed=0)
    assert padding_count(lengths, buckets) < 0.2 * padding_count(lengths, random_batches)
    # Within a bucket the length spread is small.
    assert max(np.ptp(lengths[b]) for b in buckets) < 20


def test_bucket_by_length_bad_lengths():
    with pytest.raises(ValueError, match=r"bucket_by_length: lengths has shape \(2, 2\)"):
        bucket_by_length([[1, 2], [3, 4]], 2)


def test_batch_iterator_yields_aligned_batches_and_new_order_each_epoch():
    x = np.arange(10) * 10
    y = np.arange(10)
    it = BatchIterator(x, y, batch_size=4, seed=1)
    assert len(it) == 3
    epoch1 = list(it)
    for xb, yb in epoch1:
        np.testing.assert_array_equal(xb, yb * 10)
    epoch2 = list(it)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(epoch1, epoch2))
    # Same seed, same sequence of epochs.
    it2 = BatchIterator(x, y, batch_size=4, seed=1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(epoch1, list(it2)))


def test_batch_iterator_ragged_lists_and_indices():
    seqs = [[1], [2, 2], [3, 3, 3]]
    batches = list(BatchIterator(seqs, batch_size=2, shuffle=False, drop_last=True))
    assert batches == [[[1], [2, 2]]]
    idx = list(BatchIterator(n=5, batch_size=2, shuffle=False))
    assert [b.tolist() for b in idx] == [[0, 1], [2, 3], [4]]


def test_batch_iterator_errors():
    with pytest.raises(ValueError, match=r"BatchIterator: mismatched lengths \[3, 2\]"):
        BatchIterator(np.zeros(3), np.zeros(2), batch_size=1)
    with pytest.raises(ValueError, match="BatchIterator: got no arrays and n=None"):
        BatchIterator(batch_size=1)
