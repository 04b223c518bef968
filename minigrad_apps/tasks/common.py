"""What the tasks share: timing, result rows, padded batches, seeding."""
import time
from contextlib import contextmanager

import numpy as np

from minigrad.creation import manual_seed, tensor
from minigrad.data import bucket_by_length, pad_sequences


class Results:
    """Rows of (task, model, metric, value, seconds) and the lines that print them."""

    def __init__(self, task):
        self.task = task
        self.rows = []

    def add(self, model, metric, value, seconds, note=""):
        self.rows.append(dict(task=self.task, model=model, metric=metric, value=float(value),
                              seconds=float(seconds), note=note))

    def value(self, model, metric):
        for row in self.rows:
            if row["model"] == model and row["metric"] == metric:
                return row["value"]
        raise KeyError(f"no result for model {model!r}, metric {metric!r}")

    def lines(self):
        return [f"{r['task']:<12} {r['model']:<28} {r['metric']:<18} {r['value']:>9.4f}  "
                f"{r['seconds']:7.1f}s{('  ' + r['note']) if r['note'] else ''}"
                for r in self.rows]

    def print(self):
        for line in self.lines():
            print(line, flush=True)


@contextmanager
def timer():
    """`with timer() as t: ...` then `t()` gives the seconds spent inside."""
    start = time.perf_counter()
    end = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def seed_everything(seed):
    manual_seed(seed)
    return np.random.default_rng(seed)


def padded_batches(sequences, targets, batch_size, shuffle=True, seed=0):
    """A callable for `fit`: each call yields ((ids (N, L), lengths), targets) batches.

    Sequences of similar length share a batch (bucket_by_length) so little is padded.
    """
    lengths = np.array([len(s) for s in sequences])
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)

    def batches():
        for idx in bucket_by_length(lengths, batch_size, shuffle=shuffle,
                                    seed=int(rng.integers(2**31))):
            padded = pad_sequences([sequences[i] for i in idx])
            yield (tensor(padded.values), padded.lengths), tensor(targets[idx])
    return batches


def array_batches(inputs, targets, batch_size, shuffle=True, seed=0):
    """A callable for `fit` over aligned arrays: yields (Tensor inputs, Tensor targets)."""
    rng = np.random.default_rng(seed)
    n = len(inputs)

    def batches():
        order = rng.permutation(n) if shuffle else np.arange(n)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            yield tensor(inputs[idx]), tensor(targets[idx])
    return batches
