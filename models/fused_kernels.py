r"""Whole-sequence recurrent kernels in plain numpy: forward and full BPTT backward.

One layer, one direction, a whole time-major sequence per call, for the cells of
models/cells.py (gate order and math exactly theirs; ``s`` is the logistic sigmoid):

    rnn:  h_t = act(a_t)                              act = tanh or relu
    lstm: i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o)
          c_t = f * c_{t-1} + i * g;   m_t = o * tanh(c_t)
          h_t = m_t, or m_t W_hr^T with proj_size P > 0
    gru:  r, z = s(a_r + b_hr + hw_r), s(a_z + b_hz + hw_z)
          n = tanh(a_n + r * (hw_n + b_hn));   h_t = (1 - z) * n + z * h_{t-1}

with a_t = x_t W_ih^T + b_ih (+ h~_{t-1} W_hh^T + b_hh for rnn and lstm),
hw = h~_{t-1} W_hh^T for the gru, and h~_{t-1} = h_{t-1} * recurrent_mask (the mask
multiplies h only on its way into W_hh). x_t W_ih^T + b_ih, plus b_hh where it simply
adds, is ONE matmul over all T*N rows before the time loop. With ``valid`` (padding),
state_t = where(valid_t, new_t, state_{t-1}), as models/unroll.py does.

Shape letters: T steps, N batch, F input features, H hidden size, G gates (1, 4, 3),
H_out = P for a projected lstm, else H; S = H_out + H for the lstm ([h, c]), else H.

    states, saved = forward(kind, x, state0, params, ...)   states: (T, N, S)
    grads = backward(kind, g_states, saved)                  g_states: (T, N, S)

``states[t]`` is the state after step t (input order, whatever the direction), its
parts concatenated; the layer takes its outputs, h_n and c_n from it, so the backward
takes a gradient for every step's state.

What made it fast (each measured, benchmarks/README.md):
- gate-major activations (T, G, N, H): each gate of each step is one contiguous (N, H)
  block, where a column slice of an (N, G*H) row costs a pointwise op 3-5x more; the
  step's recurrent product is one batched matmul h @ W_g^T into that layout (the input
  projection stays row-major and is read through a gate-major view);
- contiguous copies of the transposed weights for the step's matmul (a transposed
  view made h @ W^T about 1.4x slower);
- every sigmoid is 0.5 * tanh(x / 2) + 0.5, with the halving folded into copies of
  the weights and biases (exact: a power of two), so one tanh covers all the gates;
  the lstm keeps its gates in the order o, i, f, g: its three sigmoids side by side,
  and the three gates that dc reaches in the backward;
- the backward's pointwise factors (local derivatives, masked by ``valid``) are
  computed for all steps at once before its loop, leaving a few ops per step;
- per-step results written in place into preallocated arrays.
"""
from dataclasses import dataclass

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
NEEDS_ALL = frozenset({"x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"})


@dataclass
class Saved:
    """What `backward` needs of one `forward` (the forward's own arrays, no copies).

    parts: per state part (h, and c for the lstm) a (T+1, N, S_part) array: the part
          of state0 and of the T states; `states` is [part[1:], ...] (forward) or
          [part[:T], ...] (reverse), so the state before step t is part[t] or part[t+1].
    act:  lstm (T, 4, N, H) o, i, f, g; gru (T, 3, N, H) r, z, n; rnn None.
    aux:  lstm (T, N, H) tanh(c_t); gru (T, N, H) h~_{t-1} W_hn^T + b_hn.
    m:    projected lstm only, (T, N, H) o * tanh(c_t).
    valid, recurrent_mask: as given to forward (mask cast to x's dtype).
    """
    kind: str
    nonlinearity: str
    reverse: bool
    x: np.ndarray
    params: dict
    parts: tuple
    valid: object
    recurrent_mask: object
    act: object = None
    aux: object = None
    m: object = None


# ------------------------------------------------------------------ forward
def forward(kind, x, state0, params, *, reverse=False, valid=None, recurrent_mask=None,
            nonlinearity="tanh", save=True):
    """Run one layer-direction over a whole sequence.

    Args:
        kind: "rnn", "lstm" or "gru".
        x: (T, N, F) float32 or float64 array, time-major.
        state0: (h0,) or, for the lstm, (h0, c0); h0 (N, H_out), c0 (N, H).
        params: dict with w_ih (G*H, F), w_hh (G*H, H_out), b_ih and b_hh (G*H,) or
            None, and w_hr (P, H) for a projected lstm (absent or None otherwise).
        reverse: process t = T-1, ..., 0.
        valid: None, or a boolean (T, N, 1) array, True where t < length.
        recurrent_mask: None, or (N, H_out), multiplying h_{t-1} into W_hh only.
        nonlinearity: "tanh" or "relu" (rnn only).
        save: keep what `backward` needs (False under no_grad).

    Returns:
        (states, saved): states (T, N, S) in x's dtype; saved a `Saved`, or None.
        For the rnn and the gru, states is a view of saved's buffer: do not write to it
        before the backward (the lstm's is a copy, [h, c] concatenated).
    """
    if kind not in GATES:
        raise ValueError(f"kind must be one of {sorted(GATES)}, got {kind!r}")
    T, N, _ = x.shape
    dtype = x.dtype
    parts = tuple(np.empty((T + 1, N, part.shape[-1]), dtype=dtype) for part in state0)
    for buf, part in zip(parts, state0):
        buf[T if reverse else 0] = part
    if recurrent_mask is not None:
        recurrent_mask = np.asarray(recurrent_mask, dtype=dtype)
    run = _Run(T, reverse, valid, recurrent_mask, save)
    loop = {"rnn": _rnn_forward, "lstm": _lstm_forward, "gru": _gru_forward}[kind]
    saved = Saved(kind, nonlinearity, reverse, x, params, parts, run.valid, recurrent_mask)
    loop(run, x, parts, params, saved, nonlinearity)
    states = [buf[:T] if reverse else buf[1:] for buf in parts]
    states = states[0] if len(states) == 1 else np.concatenate(states, axis=-1)
    return states, (saved if save else None)


class _Run:
    """Step order and buffer indexing shared by the loops.

    buf[new(t)] is the state after step t, buf[old(t)] the state before it.
    """

    def __init__(self, T, reverse, valid, recurrent_mask, save):
        self.T, self.save, self.mask = T, save, recurrent_mask
        self.steps = range(T - 1, -1, -1) if reverse else range(T)
        self.shift = 0 if reverse else 1
        if valid is not None and valid.all():
            valid = None  # nothing is padding
        self.valid = valid
        # steps where some (not all) sequences are padding need a carry op
        self.invalid = None if valid is None else ~valid
        self.partial = [] if valid is None else list(self.invalid.any(axis=(1, 2)))

    def new(self, t):
        return t + self.shift

    def old(self, t):
        return t + 1 - self.shift

    def back_steps(self):
        """The steps in backward order: the forward's order reversed."""
        return reversed(self.steps)

    def slot(self, t):
        """Where step t's saved activations go: t, or 0 (one scratch step) if not saving."""
        return t if self.save else 0

    def carry(self, state, previous, t):
        """state = where(valid_t, state, previous), in place."""
        if self.partial and self.partial[t]:
            np.copyto(state, previous, where=self.invalid[t])

    def masked(self, h, out):
        """h * recurrent_mask (into `out`), or h itself."""
        return h if self.mask is None else np.multiply(h, self.mask, out=out)


def _sigmoid_scale(sigmoids, others, H, dtype):
    """Per pre-activation column: 0.5 for the first `sigmoids` gates (their sigmoid is
    taken through tanh), 1 for the `others` after them."""
    return np.repeat(np.array([0.5, 1.0], dtype=dtype), [sigmoids * H, others * H])


def _project(x, w_ih, bias, scale=None):
    """scale * (x W_ih^T + bias): ONE matmul over all T*N rows, (T, N, F) -> (T, N, G*H)."""
    T, N, F = x.shape
    if scale is not None:
        w_ih = w_ih * scale[:, None]
        bias = None if bias is None else bias * scale
    out = (x.reshape(T * N, F) @ w_ih.T).reshape(T, N, -1)
    if bias is not None:
        out += bias
    return out


def _sum_bias(*biases):
    """The sum of the biases given, ignoring None (None if all are)."""
    present = [b for b in biases if b is not None]
    return sum(present[1:], present[0]) if present else None


def _sigmoid_from_tanh(a):
    """In place: a holds tanh(x / 2); make it s(x) = 0.5 * tanh(x / 2) + 0.5."""
    a *= 0.5
    a += 0.5


def _rnn_forward(run, x, parts, p, saved, nonlinearity):
    buf, = parts
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    xp = _project(x, p["w_ih"], _sum_bias(p.get("b_ih"), p.get("b_hh")))
    w_hh_t = np.ascontiguousarray(p["w_hh"].T)
    h_in = np.empty_like(buf[0])
    for t in run.steps:
        h_old, h = buf[run.old(t)], buf[run.new(t)]
        np.matmul(run.masked(h_old, h_in), w_hh_t, out=h)
        h += xp[t]
        if nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0, out=h)
        run.carry(h, h_old, t)


def _lstm_order(H):
    """Rows of the lstm's weights in the order the kernel keeps its gates: o, i, f, g.

    The three sigmoids (o, i, f) sit side by side for one tanh-to-sigmoid pass, and
    the three gates that dc reaches in the backward (i, f, g) for one product.
    """
    return np.r_[3 * H:4 * H, 0:3 * H]


def _lstm_forward(run, x, parts, p, saved, nonlinearity):
    h_buf, c_buf = parts
    H = p["w_hh"].shape[0] // 4
    P = p["w_hh"].shape[1]  # H_out
    N = x.shape[1]
    order = _lstm_order(H)
    scale = _sigmoid_scale(3, 1, H, x.dtype)
    bias = _sum_bias(p.get("b_ih"), p.get("b_hh"))
    xp = _gate_major(_project(x, p["w_ih"][order], None if bias is None else bias[order],
                              scale), 4)
    w_hh = _per_gate(p["w_hh"][order], 4, scale)
    w_hr = p.get("w_hr")
    w_hr_t = None if w_hr is None else np.ascontiguousarray(w_hr.T)
    steps = run.T if run.save else 1
    act = np.empty((steps, 4, N, H), dtype=x.dtype)
    tanh_c = np.empty((steps, N, H), dtype=x.dtype)
    m = None if w_hr is None else np.empty((steps, N, H), dtype=x.dtype)
    h_in, ig = np.empty((N, P), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    for t in run.steps:
        old, new, k = run.old(t), run.new(t), run.slot(t)
        a = act[k]
        np.matmul(run.masked(h_buf[old], h_in), w_hh, out=a)
        a += xp[t]
        np.tanh(a, out=a)
        _sigmoid_from_tanh(a[:3])
        o, i, f, g = a
        c = c_buf[new]
        np.multiply(f, c_buf[old], out=c)
        c += np.multiply(i, g, out=ig)
        np.tanh(c, out=tanh_c[k])
        if w_hr is None:
            np.multiply(o, tanh_c[k], out=h_buf[new])
        else:
            np.matmul(np.multiply(o, tanh_c[k], out=m[k]), w_hr_t, out=h_buf[new])
        run.carry(h_buf[new], h_buf[old], t)
        run.carry(c, c_buf[old], t)
    saved.act, saved.aux, saved.m = act, tanh_c, m


def _gate_major(a, G):
    """(T, N, G*H) -> a (T, G, N, H) view of it: xp[t, g] is gate g of step t, (N, H).

    A view, not a copy: the step's add reads it once, and the copy (3.3 MB at the w1
    size) measured 1.1 ms per lstm call when malloc returns such blocks to the OS
    (MINIGRAD_KEEP_FREED_MEMORY=0), and no faster otherwise.
    """
    T, N, GH = a.shape
    return a.reshape(T, N, G, GH // G).transpose(0, 2, 1, 3)


def _per_gate(w, G, scale=None):
    """Recurrent weights (G*H, H_out) -> (G, H_out, H): W_hh^T of each gate, so that
    h (N, H_out) @ it is one batched matmul giving (G, N, H)."""
    if scale is not None:
        w = w * scale[:, None]
    GH, P = w.shape
    return np.ascontiguousarray(w.reshape(G, GH // G, P).transpose(0, 2, 1))


def _gru_forward(run, x, parts, p, saved, nonlinearity):
    buf, = parts
    H = p["w_hh"].shape[0] // 3
    N = x.shape[1]
    scale = _sigmoid_scale(2, 1, H, x.dtype)
    b_hh = p.get("b_hh")
    b_hrz = None
    if b_hh is not None:  # b_hr and b_hz add to the pre-activation; b_hn sits inside r * (.)
        b_hrz = np.concatenate([b_hh[:2 * H], np.zeros(H, dtype=b_hh.dtype)])
    xp = _gate_major(_project(x, p["w_ih"], _sum_bias(p.get("b_ih"), b_hrz), scale), 3)
    b_hn = None if b_hh is None else b_hh[2 * H:]
    w_hh = _per_gate(p["w_hh"], 3, scale)
    steps = run.T if run.save else 1
    act = np.empty((steps, 3, N, H), dtype=x.dtype)      # r, z, n
    hidden_n = np.empty((steps, N, H), dtype=x.dtype)    # h~ W_hn^T + b_hn
    h_in, hw = np.empty((N, H), dtype=x.dtype), np.empty((3, N, H), dtype=x.dtype)
    for t in run.steps:
        h_old, h, k = buf[run.old(t)], buf[run.new(t)], run.slot(t)
        a, hw_n = act[k], hidden_n[k]
        np.matmul(run.masked(h_old, h_in), w_hh, out=hw)
        rz, n = a[:2], a[2]
        np.add(hw[:2], xp[t, :2], out=rz)
        np.tanh(rz, out=rz)
        _sigmoid_from_tanh(rz)
        if b_hn is None:
            np.copyto(hw_n, hw[2])
        else:
            np.add(hw[2], b_hn, out=hw_n)
        np.multiply(rz[0], hw_n, out=n)
        n += xp[t, 2]
        np.tanh(n, out=n)
        np.subtract(h_old, n, out=h)   # h = n + z * (h_old - n)
        h *= rz[1]
        h += n
        run.carry(h, h_old, t)
    saved.act, saved.aux = act, hidden_n


# ----------------------------------------------------------------- backward
def backward(kind, g_states, saved, *, needs=NEEDS_ALL):
    """Backpropagation through time for `forward`.

    Args:
        kind: as given to forward.
        g_states: (T, N, S) gradient of the loss with respect to `states`.
        saved: forward's `saved`.
        needs: names of the gradients wanted, from "x", "h0", "c0" and the keys of
            params ("w_ih", "w_hh", "b_ih", "b_hh", "w_hr"); others are not computed.

    Returns:
        dict name -> gradient (same shape and dtype as the input), for each name in
        `needs` that forward had (no "b_ih" without a bias, no "c0" but for the lstm).

    Per step, in reverse processing order, with v = valid_t: the state's gradient is
    g_states[t] plus what step t+1 (in processing order) sends back; v times it goes
    into the cell's backward, (1 - v) times it passes unchanged to the state before
    step t. The weight gradients are single GEMMs over all steps afterwards.
    """
    if saved is None:
        raise ValueError("backward needs the saved values of forward(..., save=True)")
    if kind != saved.kind:
        raise ValueError(f"backward of {kind!r} given the saved values of {saved.kind!r}")
    loop = {"rnn": _rnn_backward, "lstm": _lstm_backward, "gru": _gru_backward}[kind]
    run = _Run(g_states.shape[0], saved.reverse, saved.valid, saved.recurrent_mask, True)
    return loop(run, g_states, saved, needs)


def _previous_states(run, buf):
    """(T, N, S_part) view: the state (part) before step t, for every t (input order)."""
    return buf[1:] if run.shift == 0 else buf[:-1]


def _mask_padding(run, *factors):
    """factor *= valid, in place, for (T, N, H) and gate-major (T, G, N, H) factors: the
    cell's backward then sees v * (the state's gradient)."""
    if run.valid is not None:
        for factor in factors:
            factor *= run.valid if factor.ndim == 3 else run.valid[:, None]


def _weight_grads(run, saved, needs, d_ih, d_hh, h_prev, order=None):
    """Gradients of x, W_ih, W_hh and the biases from the pre-activation gradients of
    all steps: d_ih (T, N, G*H) for x W_ih^T + b_ih, d_hh (T, N, G*H) for
    h~ W_hh^T + b_hh (None: the same as d_ih, as for all but the gru), each one GEMM.
    `order`: the weight rows that the columns of d_ih and d_hh belong to (None: in order)."""
    x, p = saved.x, saved.params
    T, N, F = x.shape
    rows_ih = d_ih.reshape(T * N, -1)
    rows_hh = rows_ih if d_hh is None else d_hh.reshape(T * N, -1)
    grads = {}
    if "x" in needs:
        w_ih = p["w_ih"] if order is None else p["w_ih"][order]
        grads["x"] = (rows_ih @ w_ih).reshape(T, N, F)
    rows = {}
    if "w_ih" in needs:
        rows["w_ih"] = rows_ih.T @ x.reshape(T * N, F)
    if "w_hh" in needs:
        h_in = h_prev if saved.recurrent_mask is None else h_prev * saved.recurrent_mask
        rows["w_hh"] = rows_hh.T @ h_in.reshape(T * N, -1)
    if "b_ih" in needs and p.get("b_ih") is not None:
        rows["b_ih"] = rows_ih.sum(axis=0)
    if "b_hh" in needs and p.get("b_hh") is not None:
        rows["b_hh"] = rows["b_ih"].copy() if d_hh is None and "b_ih" in rows \
            else rows_hh.sum(axis=0)
    for name, value in rows.items():
        if order is not None:
            value[order] = value.copy()
        grads[name] = value
    return grads


def _state_grads(needs, grads, dh, dc=None):
    if "h0" in needs:
        grads["h0"] = dh
    if dc is not None and "c0" in needs:
        grads["c0"] = dc
    return grads


def _rnn_backward(run, g, saved, needs):
    p, (buf,) = saved.params, saved.parts
    states = buf[:run.T] if run.shift == 0 else buf[1:]
    if saved.nonlinearity == "tanh":
        deriv = 1 - states * states
    else:
        deriv = (states > 0).astype(states.dtype)
    _mask_padding(run, deriv)
    d_a = np.empty_like(deriv)
    w_hh = p["w_hh"]
    dh, dh_old = np.zeros_like(buf[0]), np.empty_like(buf[0])
    for t in run.back_steps():
        dh += g[t]
        np.multiply(dh, deriv[t], out=d_a[t])
        np.matmul(d_a[t], w_hh, out=dh_old)
        if run.mask is not None:
            dh_old *= run.mask
        run.carry(dh_old, dh, t)
        dh, dh_old = dh_old, dh
    grads = _weight_grads(run, saved, needs, d_a, None, _previous_states(run, buf))
    return _state_grads(needs, grads, dh)


def _lstm_backward(run, g, saved, needs):
    p, (h_buf, c_buf), act, tanh_c = saved.params, saved.parts, saved.act, saved.aux
    T, _, N, H = act.shape
    P = p["w_hh"].shape[1]
    o, i, f, gg = act[:, 0], act[:, 1], act[:, 2], act[:, 3]  # _lstm_order
    # d a = [dm, dc, dc, dc] * factor (o, i, f, g), after dc += dm * k_c, where dm is
    # the gradient of m = o * tanh c and dc that of c
    factor = np.empty_like(act)
    sig = factor[:, :3]
    np.subtract(1, act[:, :3], out=sig)
    sig *= act[:, :3]                                      # s (1 - s) for o, i, f
    factor[:, 0] *= tanh_c
    factor[:, 1] *= gg
    factor[:, 2] *= _previous_states(run, c_buf)
    f_g = factor[:, 3]
    np.multiply(gg, gg, out=f_g)
    np.subtract(1, f_g, out=f_g)
    f_g *= i
    k_c = np.multiply(tanh_c, tanh_c)
    np.subtract(1, k_c, out=k_c)
    k_c *= o
    _mask_padding(run, factor, k_c)
    keep = f if run.valid is None else np.where(run.valid, f, 1)  # dc_old = dc * keep
    d_a = np.empty((T, N, 4 * H), act.dtype)          # row-major, for the GEMMs
    d_a4 = d_a.reshape(T, N, 4, H).transpose(0, 2, 1, 3)  # its gate-major view
    order = _lstm_order(H)
    w_hh, w_hr = p["w_hh"][order], p.get("w_hr")
    dh, dh_old = np.zeros((N, P), act.dtype), np.empty((N, P), act.dtype)
    dc = np.zeros((N, H), act.dtype)
    dm = np.empty((N, H), act.dtype) if w_hr is not None else None
    tmp = np.empty((N, H), act.dtype)
    dh_steps = np.empty((T, N, P), act.dtype) if w_hr is not None else None
    for t in run.back_steps():
        dh += g[t, :, :P]
        dc += g[t, :, P:]
        if w_hr is None:
            u = dh
        else:
            dh_steps[t] = dh
            u = np.matmul(dh, w_hr, out=dm)
        dc += np.multiply(u, k_c[t], out=tmp)
        np.multiply(u, factor[t, 0], out=d_a4[t, 0])
        np.multiply(dc, factor[t, 1:], out=d_a4[t, 1:])
        dc *= keep[t]
        np.matmul(d_a[t], w_hh, out=dh_old)
        if run.mask is not None:
            dh_old *= run.mask
        run.carry(dh_old, dh, t)
        dh, dh_old = dh_old, dh
    grads = _weight_grads(run, saved, needs, d_a, None, _previous_states(run, h_buf), order)
    if w_hr is not None and "w_hr" in needs:
        _mask_padding(run, dh_steps)
        grads["w_hr"] = dh_steps.reshape(T * N, P).T @ saved.m.reshape(T * N, H)
    return _state_grads(needs, grads, dh, dc)


def _gru_backward(run, g, saved, needs):
    p, (buf,), act, hidden_n = saved.params, saved.parts, saved.act, saved.aux
    T, _, N, H = act.shape
    h_prev = _previous_states(run, buf)
    r, z, n = act[:, 0], act[:, 1], act[:, 2]
    # with dh the state's gradient: d(h~ W_hh^T + b_hh) = dh * factor (r, z, n parts),
    # d a_n = dh * d_n, and dh_old = dh * keep + (...) W_hh
    d_n = (1 - z) * (1 - n * n)
    factor = np.empty_like(act)
    f_r, f_z = factor[:, 0], factor[:, 1]
    np.subtract(1, r, out=f_r)
    f_r *= r
    f_r *= hidden_n
    f_r *= d_n
    np.subtract(1, z, out=f_z)
    f_z *= z
    f_z *= h_prev - n
    np.multiply(d_n, r, out=factor[:, 2])
    _mask_padding(run, factor, d_n)
    keep = z if run.valid is None else np.where(run.valid, z, 1)
    d_hh = np.empty((T, N, 3 * H), act.dtype)              # row-major, for the GEMMs
    d_hh_gates = d_hh.reshape(T, N, 3, H).transpose(0, 2, 1, 3)
    dh_steps = np.empty((T, N, H), act.dtype)
    w_hh = p["w_hh"]
    dh_old, tmp = np.zeros((N, H), act.dtype), np.empty((N, H), act.dtype)
    for t in run.back_steps():
        dh = np.add(g[t], dh_old, out=dh_steps[t])
        np.multiply(dh, factor[t], out=d_hh_gates[t])
        np.multiply(dh, keep[t], out=dh_old)
        np.matmul(d_hh[t], w_hh, out=tmp)
        if run.mask is not None:
            tmp *= run.mask
        dh_old += tmp
    d_ih = d_hh.copy()
    np.multiply(dh_steps, d_n, out=d_ih[..., 2 * H:])
    grads = _weight_grads(run, saved, needs, d_ih, d_hh, h_prev)
    return _state_grads(needs, grads, dh_old)
