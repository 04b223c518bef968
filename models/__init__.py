"""Recurrent networks on minigrad, with torch.nn's names, shapes and parameter names.

cells.py          RNNCell, LSTMCell, GRUCell (one step, split for hoisting)
unroll.py         the one time loop every model below runs through
fused.py          one layer-direction as one op: fused kernels, unrolled wherever looked at
fused_kernels.py  the whole-sequence numpy forward and BPTT backward of the three cells
recurrent.py      RNN, LSTM, GRU (layers, directions, lengths, dropout)
bidirectional.py  Bidirectional wrapper (Keras style)
jordan.py         JordanCell, JordanRNN (output recurrence)
truncated_bptt.py tbptt_chunks, detach_state
checks.py         argument checks naming the model and the argument (hx, y0, dtypes)
"""
import os as _os

from minigrad.source import add_internal_dir as _add_internal_dir

# ops made inside these layers are attributed to the user's line that called them
_add_internal_dir(_os.path.dirname(_os.path.abspath(__file__)))

from .cells import GRUCell, LSTMCell, RNNCell
from .unroll import unroll, valid_masks
from .recurrent import GRU, LSTM, RNN
from .bidirectional import Bidirectional
from .jordan import JordanCell, JordanRNN
from .truncated_bptt import detach_state, tbptt_chunks

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "unroll", "valid_masks", "RNN", "LSTM", "GRU",
           "Bidirectional", "JordanCell", "JordanRNN", "detach_state", "tbptt_chunks"]
