"""The seeds' tasks, each trainable end to end: `minigrad train TASK [--quick]`.

Each task module has `run(quick=False, epochs=None, seed=0, progress=None, ...)`
returning `Results` (rows of model, metric, value, seconds). `progress` is fit's:
None shows a bar on stderr when it is a terminal, True always, False never.
"""
import importlib

TASKS = {
    "sentiment": "sentiment",          # many-to-one, LSTM vs bag-of-words
    "char_lm": "char_lm",              # language model, bits per character + sample
    "forecasting": "forecasting",      # seasonal series vs naive baselines
    "adding": "adding",                # long memory: RNN / IRNN / LSTM / GRU, clipping
    "seq2seq": "seq2seq_digits",       # reverse / sort digits, with and without attention
    "conv_vs_lstm": "conv_vs_lstm",    # Conv1d + pooling beside the LSTM
}


def get_task(name):
    """The module of task `name`."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}, expected one of {sorted(TASKS)}")
    return importlib.import_module(f"{__name__}.{TASKS[name]}")
