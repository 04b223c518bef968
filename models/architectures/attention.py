"""Attention over encoder states: additive (Bahdanau) and dot-product (Luong) scores.

For a query q (the decoder state) and keys k_1..k_S (the encoder states):

    additive:     e_j = v^T tanh(W_q q + W_k k_j)
    dot:          e_j = q . k_j            (scaled: / sqrt(H))
    weights:      a = softmax(e) over the valid source steps (0 at padding)
    context:      c = sum_j a_j k_j

Shapes: query (N, H_q), keys (N, S, H_k), mask (N, S) bool (True = real step);
returns context (N, H_k) and weights (N, S).
"""
import numpy as np

from minigrad.creation import tensor
from minigrad.functions import where
from minigrad.nn import Module

from ..checks import check_sizes


def masked_softmax(scores, mask):
    """softmax over the last axis of (N, S) scores, with masked-out steps at exactly 0."""
    if mask is None:
        return scores.softmax(axis=-1)
    mask = np.asarray(mask.data if hasattr(mask, "data") else mask, dtype=bool)
    if mask.shape != scores.shape:
        raise ValueError(f"attention: mask has shape {mask.shape}, expected {scores.shape}")
    if not mask.any(axis=-1).all():
        raise ValueError("attention: a row of the mask has no valid step")
    return where(tensor(mask), scores, -1e30).softmax(axis=-1)


def _attend(weights, keys):
    return (weights.unsqueeze(1) @ keys).squeeze(1)


def _check(query, keys, where_):
    if query.ndim != 2 or keys.ndim != 3 or query.shape[0] != keys.shape[0]:
        raise ValueError(f"{where_}: query {query.shape} and keys {keys.shape} do not fit, "
                         "expected (N, H_q) and (N, S, H_k)")


class AdditiveAttention(Module):
    """Bahdanau attention: e_j = v^T tanh(W_q q + W_k k_j).

    Args:
        query_size: H_q; key_size: H_k; hidden_size: size of the tanh layer.
    """

    def __init__(self, query_size, key_size, hidden_size):
        super().__init__()
        check_sizes("AdditiveAttention", query_size=query_size, key_size=key_size,
                    hidden_size=hidden_size)
        from minigrad.nn import Linear
        self.query_proj = Linear(query_size, hidden_size, bias=False)
        self.key_proj = Linear(key_size, hidden_size)
        self.v = Linear(hidden_size, 1, bias=False)

    def project_keys(self, keys):
        """W_k k_j for every step: (N, S, hidden); compute once per source sequence."""
        return self.key_proj(keys)

    def forward(self, query, keys, mask=None, projected_keys=None):
        _check(query, keys, "AdditiveAttention")
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        energy = (projected_keys + self.query_proj(query).unsqueeze(1)).tanh()
        weights = masked_softmax(self.v(energy).squeeze(-1), mask)
        return _attend(weights, keys), weights


class DotProductAttention(Module):
    """Luong (dot) attention: e_j = q . k_j, optionally divided by sqrt(H). No parameters."""

    def __init__(self, scaled=False):
        super().__init__()
        self.scaled = scaled

    def project_keys(self, keys):
        return None

    def forward(self, query, keys, mask=None, projected_keys=None):
        _check(query, keys, "DotProductAttention")
        if query.shape[1] != keys.shape[2]:
            raise ValueError(f"DotProductAttention: query size {query.shape[1]} differs from "
                             f"key size {keys.shape[2]}")
        scores = (keys @ query.unsqueeze(-1)).squeeze(-1)
        if self.scaled:
            scores = scores / float(np.sqrt(query.shape[1]))
        weights = masked_softmax(scores, mask)
        return _attend(weights, keys), weights

    def extra_repr(self):
        return f"scaled={self.scaled}"
