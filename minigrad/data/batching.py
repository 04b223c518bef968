"""Batches of indices: seeded shuffling, and bucketing by length to cut padding."""
import numpy as np


def _check_batch_size(fn, batch_size):
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"{fn}: batch_size={batch_size}, expected a positive int")


def batch_indices(n, batch_size, shuffle=True, seed=None, drop_last=False):
    """Split range(n) into batches of indices.

    Args:
        n: number of examples.
        batch_size: B.
        shuffle: permute the indices first (with `np.random.default_rng(seed)`).
        drop_last: drop the final batch if it has fewer than B indices.
    Returns:
        list of int64 arrays, each of shape (B,) (the last may be shorter).
    """
    _check_batch_size("batch_indices", batch_size)
    if n < 0:
        raise ValueError(f"batch_indices: n={n}, expected >= 0")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches


def bucket_by_length(lengths, batch_size, shuffle=True, seed=None, drop_last=False):
    """Group indices of sequences of similar length into batches.

    Sorts by length (ties shuffled when `shuffle`), cuts the sorted order into
    batches of B, then shuffles the order of the batches. Each batch padded to
    its own longest sequence wastes far fewer steps than random batches.

    Args:
        lengths: (N,) ints, the length of each sequence.
    Returns:
        list of int64 index arrays, each of shape (B,) (one may be shorter).
    """
    _check_batch_size("bucket_by_length", batch_size)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1:
        raise ValueError(f"bucket_by_length: lengths has shape {lengths.shape}, expected (N,)")
    rng = np.random.default_rng(seed)
    n = len(lengths)
    tie_break = rng.permutation(n) if shuffle else np.arange(n)
    order = tie_break[np.argsort(lengths[tie_break], kind="stable")]
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def padding_count(lengths, batches):
    """Number of pad steps if each batch is padded to its own longest sequence."""
    lengths = np.asarray(lengths)
    return int(sum(len(b) * lengths[b].max() - lengths[b].sum() for b in batches if len(b)))


def _take(array, idx):
    if isinstance(array, np.ndarray):
        return array[idx]
    return [array[i] for i in idx]


class BatchIterator:
    """Iterate over aligned arrays in (shuffled) mini-batches, epoch after epoch.

    Each pass (`for batch in it`) draws a new permutation from one generator
    seeded once, so a run is reproducible and epochs differ from each other.

    Args:
        *arrays: arrays (or lists, e.g. of ragged sequences) with the same
            first dimension N.
        batch_size: B.
        shuffle, seed, drop_last: as in `batch_indices`.
    Yields:
        a tuple of batches (one per array; a lone array is yielded bare), each
        with first dimension B. With no arrays, `n=` must be given and index
        arrays of shape (B,) are yielded.
    """

    def __init__(self, *arrays, batch_size, shuffle=True, seed=None, drop_last=False, n=None):
        _check_batch_size("BatchIterator", batch_size)
        sizes = {len(a) for a in arrays}
        if len(sizes) > 1:
            raise ValueError(f"BatchIterator: mismatched lengths {[len(a) for a in arrays]}, "
                             "expected every array to have the same first dimension")
        if arrays:
            n = sizes.pop()
        elif n is None:
            raise ValueError("BatchIterator: got no arrays and n=None, expected one or the other")
        self.arrays = arrays
        self.n = n
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        seed = self._rng.integers(2**63) if self.shuffle else None
        for idx in batch_indices(self.n, self.batch_size, self.shuffle, seed, self.drop_last):
            if not self.arrays:
                yield idx
            elif len(self.arrays) == 1:
                yield _take(self.arrays[0], idx)
            else:
                yield tuple(_take(a, idx) for a in self.arrays)
