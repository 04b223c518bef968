"""A token <-> index mapping with reserved PAD (0) and UNK (1) entries."""
import json
from collections import Counter

import numpy as np

PAD = "<pad>"
UNK = "<unk>"


class Vocabulary:
    """Maps tokens to integer ids and back.

    The reserved tokens come first: PAD at index 0, then UNK at index 1
    (either may be disabled with None; the others shift down). Then the
    tokens in the order given (`Vocabulary.fit` orders them by decreasing
    frequency, ties by first appearance).

    Args:
        tokens: iterable of distinct str, the ordinary tokens.
        pad_token: the padding token (index 0) or None.
        unk_token: the unknown token or None; without it `encode` raises on
            unknown tokens.
    """

    def __init__(self, tokens=(), pad_token=PAD, unk_token=UNK):
        self.pad_token = pad_token
        self.unk_token = unk_token
        reserved = [t for t in (pad_token, unk_token) if t is not None]
        self._itos = list(reserved)
        for tok in tokens:
            if tok in reserved:
                continue
            self._itos.append(tok)
        self._stoi = {t: i for i, t in enumerate(self._itos)}
        if len(self._stoi) != len(self._itos):
            raise ValueError("Vocabulary: tokens must be distinct")

    @classmethod
    def fit(cls, corpus, min_freq=1, max_size=None, pad_token=PAD, unk_token=UNK):
        """Build a vocabulary from a corpus of token lists.

        Args:
            corpus: iterable of token lists (e.g. from `tokenize_corpus`).
            min_freq: keep tokens seen at least this many times.
            max_size: at most this many entries in total, reserved tokens included.
        Returns:
            a Vocabulary.
        """
        corpus = list(corpus)
        if not corpus or not any(len(doc) for doc in corpus):
            raise ValueError("Vocabulary.fit: the corpus is empty, expected at least one token")
        if isinstance(corpus[0], str):
            raise ValueError("Vocabulary.fit: expected a list of token lists, got a list of "
                             "str (tokenize the texts first)")
        if min_freq < 1:
            raise ValueError(f"Vocabulary.fit: min_freq={min_freq}, expected >= 1")
        n_reserved = (pad_token is not None) + (unk_token is not None)
        if max_size is not None and max_size < n_reserved:
            raise ValueError(f"Vocabulary.fit: max_size={max_size}, expected >= {n_reserved} "
                             "(the reserved tokens)")
        counts = Counter(tok for doc in corpus for tok in doc)
        # Counter keeps first-appearance order, and sorted() is stable.
        ordered = sorted(counts, key=lambda t: -counts[t])
        ordered = [t for t in ordered if counts[t] >= min_freq and t not in (pad_token, unk_token)]
        if max_size is not None:
            ordered = ordered[: max_size - n_reserved]
        vocab = cls(ordered, pad_token=pad_token, unk_token=unk_token)
        vocab.counts = {t: counts[t] for t in ordered}
        return vocab

    @property
    def pad_index(self):
        return None if self.pad_token is None else self._stoi[self.pad_token]

    @property
    def unk_index(self):
        return None if self.unk_token is None else self._stoi[self.unk_token]

    @property
    def tokens(self):
        """All entries, in index order (reserved ones first)."""
        return list(self._itos)

    def __len__(self):
        return len(self._itos)

    def __contains__(self, token):
        return token in self._stoi

    def __repr__(self):
        return f"Vocabulary(size={len(self)}, pad={self.pad_token!r}, unk={self.unk_token!r})"

    def index(self, token):
        """The id of one token (the UNK id if unknown and UNK is enabled)."""
        if token in self._stoi:
            return self._stoi[token]
        if self.unk_token is None:
            raise ValueError(f"Vocabulary.encode: unknown token {token!r} and the vocabulary "
                             "has no UNK token (expected a known token)")
        return self._stoi[self.unk_token]

    def encode(self, tokens):
        """Token list -> int64 array of shape (len(tokens),)."""
        if isinstance(tokens, str):
            raise ValueError("Vocabulary.encode: expected a list of tokens, got a str "
                             "(tokenize it first)")
        return np.array([self.index(t) for t in tokens], dtype=np.int64)

    def encode_corpus(self, corpus):
        """List of token lists -> list of int64 arrays (ragged; see `pad_sequences`)."""
        return [self.encode(doc) for doc in corpus]

    def decode(self, ids, skip_pad=True):
        """Ids (any int sequence or 1-D array) -> list of tokens.

        Args:
            skip_pad: drop PAD entries.
        """
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(f"Vocabulary.decode: expected a 1-D sequence of ints, got shape "
                             f"{ids.shape} dtype {ids.dtype}")
        bad = ids[(ids < 0) | (ids >= len(self))]
        if bad.size:
            raise ValueError(f"Vocabulary.decode: id {int(bad[0])} out of range, expected "
                             f"0 <= id < {len(self)}")
        out = [self._itos[i] for i in ids.tolist()]
        if skip_pad and self.pad_token is not None:
            out = [t for t in out if t != self.pad_token]
        return out

    def to_dict(self):
        return {"format": "minigrad.Vocabulary/1", "pad_token": self.pad_token,
                "unk_token": self.unk_token, "tokens": self._itos}

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict) or d.get("format") != "minigrad.Vocabulary/1":
            raise ValueError("Vocabulary.load: not a saved Vocabulary (expected a JSON object "
                             "with format 'minigrad.Vocabulary/1')")
        vocab = cls(d["tokens"], pad_token=d["pad_token"], unk_token=d["unk_token"])
        if vocab.tokens != d["tokens"]:
            raise ValueError("Vocabulary.load: reserved tokens are not at the start of the "
                             "saved token list")
        return vocab

    def save(self, path):
        """Write the vocabulary as JSON (UTF-8)."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path):
        """Read a vocabulary written by `save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))
