"""Training: the `fit`/`evaluate` loop and its callbacks, metrics, sequence losses,
truncated BPTT."""
from .callbacks import Callback, FitRun
from .loop import call_model, evaluate, fit
from .losses import sequence_cross_entropy
from .metrics import (accuracy, bits_per_character, exact_match, mae, masked_accuracy, mse)
from .tbptt import detach_state, tbptt_chunks, tbptt_step

__all__ = ["fit", "evaluate", "Callback", "FitRun", "call_model", "accuracy",
           "masked_accuracy", "exact_match", "mse", "mae", "bits_per_character",
           "sequence_cross_entropy", "detach_state", "tbptt_chunks", "tbptt_step"]
