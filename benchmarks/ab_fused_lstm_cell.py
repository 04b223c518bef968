"""Experiment: would a fused LSTM cell reach the numpy LSTM? (A/B, not part of minigrad)

models.LSTMCell records ~14 ops per step, so that `detail="ops"` draws every gate. This
script registers a prototype primitive, `lstm_cell_prototype(gates, c_prev)`, that does
the gate arithmetic of one step in one op (its VJP still written in minigrad ops), swaps
it into the benchmark's LSTM, checks that the gradients agree, and times both cells and
the hand-written numpy LSTM in alternation, in one process.

2026-11-22, 2-vCPU VM, two runs (best of 40 each): current cell 20.0-20.8 ms, fused
prototype 17.7-18.6 ms, numpy 14.4-14.6 ms per iteration. The fused cell is 1.23-1.27x
numpy: fusing the gates alone does not reach 1.0x while the recurrent matmul of each
step stays a recorded op.

Run from the repository root:  python -m benchmarks.ab_fused_lstm_cell
"""
import time

import numpy as np

from benchmarks.bench_lstm import lstm_numpy, make_minigrad_model, minigrad_step
import minigrad as mg
from minigrad import ops
from minigrad.registry import primitive
from models.cells import LSTMCell

# rows of the prototype's output: h, c, then what its VJP needs
H_ROW, C_ROW, I_ROW, F_ROW, G_ROW, O_ROW, TANH_C_ROW = range(7)


def lstm_cell_forward(gates, c_prev):
    """(7, *batch, H): h', c', i, f, g, o, tanh(c') from the pre-activations (*batch, 4H)."""
    H = c_prev.shape[-1]
    out = np.empty((7,) + c_prev.shape, dtype=np.result_type(gates, c_prev))
    with np.errstate(over="ignore"):
        i_f = 1 / (1 + np.exp(-gates[..., :2 * H]))
        out[I_ROW], out[F_ROW] = i_f[..., :H], i_f[..., H:]
        out[O_ROW] = 1 / (1 + np.exp(-gates[..., 3 * H:]))
    np.tanh(gates[..., 2 * H:3 * H], out=out[G_ROW])
    out[C_ROW] = out[F_ROW] * c_prev + out[I_ROW] * out[G_ROW]
    np.tanh(out[C_ROW], out=out[TANH_C_ROW])
    np.multiply(out[O_ROW], out[TANH_C_ROW], out=out[H_ROW])
    return out


def lstm_cell_vjp(g, out, wanted, gates, c_prev):
    i, f, gg, o, tanh_c = (out[k] for k in (I_ROW, F_ROW, G_ROW, O_ROW, TANH_C_ROW))
    d_tanh_c = g[TANH_C_ROW] + g[H_ROW] * o
    d_c = g[C_ROW] + d_tanh_c * (1 - tanh_c * tanh_c)
    d_i = g[I_ROW] + d_c * gg
    d_f = g[F_ROW] + d_c * c_prev
    d_g = g[G_ROW] + d_c * i
    d_o = g[O_ROW] + g[H_ROW] * tanh_c
    d_gates = ops.concat(d_i * (i * (1 - i)), d_f * (f * (1 - f)), d_g * (1 - gg * gg),
                         d_o * (o * (1 - o)), axis=-1)
    return d_gates, (d_c * f if wanted[1] else None)


class FusedLSTMCell(LSTMCell):
    """LSTMCell whose step is matmul + add + the prototype (+ two slices)."""

    def recurrence(self, recurrent_mask=None):
        w_hh_t = self.weight_hh.T
        cell = PROTOTYPE

        def step(projected, state):
            h, c = state
            if recurrent_mask is not None:
                h = h * recurrent_mask
            rows = cell(projected + h @ w_hh_t, c)
            h_new, c_new = rows[H_ROW], rows[C_ROW]
            return h_new, (h_new, c_new)
        return step


def main():
    raw = lstm_numpy.make_params(seed=0)
    x_np, y_np = lstm_numpy.make_batch(seed=0)
    lstm, head_w, head_b = make_minigrad_model(raw)
    x, y = mg.tensor(x_np), mg.tensor(y_np)
    cell = lstm.cells[0][0]
    cells = {"current cell": LSTMCell, "fused prototype": FusedLSTMCell}

    grads = {}
    for name, cls in cells.items():
        cell.__class__ = cls
        minigrad_step(lstm, head_w, head_b, x, y)
        grads[name] = [p.grad.numpy().copy() for p in lstm.parameters()]
    for a, b in zip(*grads.values()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)

    times = {name: [] for name in list(cells) + ["numpy"]}
    for _ in range(40):
        for name in times:
            start = time.perf_counter()
            if name == "numpy":
                lstm_numpy.loss_and_grads(raw, x_np, y_np)
            else:
                cell.__class__ = cells[name]
                minigrad_step(lstm, head_w, head_b, x, y)
            times[name].append(time.perf_counter() - start)
    cell.__class__ = LSTMCell
    t_numpy = min(times["numpy"])
    for name, values in times.items():
        print(f"{name:16s} {min(values) * 1e3:6.2f} ms  {min(values) / t_numpy:.2f}x numpy")


if __name__ == "__main__":
    PROTOTYPE = primitive("lstm_cell_prototype")(lstm_cell_forward)
    PROTOTYPE.defvjp(lstm_cell_vjp)
    main()
