"""Sequence data for minigrad: text to ids, padding and batching, time-series
windows, splits, scaling, decomposition, and small corpora. Pure numpy; wrap
the arrays with `mg.tensor(...)` to feed a model."""
from .batching import BatchIterator, batch_indices, bucket_by_length, padding_count
from .corpora import (adding_problem, available_texts, digit_sequences, load_text,
                      seasonal_series, seed_reviews, sentiment_reviews)
from .decompose import Decomposition, centered_moving_average, seasonal_decompose
from .encoding import one_hot
from .padding import PaddedBatch, pad_sequences
from .scaling import MinMaxScaler, StandardScaler
from .splits import chronological_split, rolling_origin_splits
from .tokenize import char_tokenize, tokenize_corpus, word_tokenize
from .transforms import difference, undifference
from .vocabulary import PAD, UNK, Vocabulary
from .windows import sliding_windows

__all__ = [
    "word_tokenize", "char_tokenize", "tokenize_corpus",
    "Vocabulary", "PAD", "UNK", "one_hot",
    "pad_sequences", "PaddedBatch",
    "batch_indices", "bucket_by_length", "padding_count", "BatchIterator",
    "sliding_windows", "difference", "undifference", "StandardScaler", "MinMaxScaler",
    "chronological_split", "rolling_origin_splits",
    "seasonal_decompose", "centered_moving_average", "Decomposition",
    "load_text", "available_texts", "sentiment_reviews", "seed_reviews",
    "seasonal_series", "adding_problem", "digit_sequences",
]
