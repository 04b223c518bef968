"""Plain-numpy reference for RNN / LSTM / GRU layers, forward and hand-written BPTT.

This module is a test oracle for minigrad's recurrent layers. It deliberately does
not import minigrad: everything here is numpy loops written to be read, so the two
implementations can only agree by both being right.

Semantics follow ``torch.nn.RNN`` / ``LSTM`` / ``GRU``:

Shape letters: T = sequence length, N = batch, H_in = input size, H = hidden size,
D = 2 if bidirectional else 1, L = num_layers, G = gates per cell (1, 4, 3).

Cells (``*`` is elementwise, ``s`` the logistic sigmoid)::

    rnn:  h' = act(W_ih x + b_ih + W_hh h + b_hh)            act = tanh or relu
    lstm: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)    (gate order i, f, g, o)
          c' = s(f) * c + s(i) * tanh(g);  h' = s(o) * tanh(c')
          with projections (proj_size P > 0): h' = W_hr (s(o) * tanh(c'))
    gru:  r, z, n rows of W_ih x + b_ih (gi) and W_hh h + b_hh (gh)
          r = s(gi_r + gh_r);  z = s(gi_z + gh_z);  n = tanh(gi_n + r * gh_n)
          h' = (1 - z) * n + z * h

Parameters use PyTorch's names: ``weight_ih_l{k}`` (G*H, H_in, or D*H for k > 0),
``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with a
``_reverse`` suffix for the backward direction. Missing bias keys mean bias=False.
An lstm with projections also has ``weight_hr_l{k}`` (P, H); then h has P features
(H_out = P): ``weight_hh_l{k}`` is (4*H, P), layer k > 0 reads D*P features, and
h_0 / h_n are (D*L, N, P) while c_0 / c_n keep H.

Layout: ``x`` is (T, N, H_in), or (N, T, H_in) with ``batch_first``, or (T, H_in)
unbatched. ``h_0`` / ``h_n`` are always (D*L, N, H) (``batch_first`` does not apply
to them) indexed ``layer * D + direction``; unbatched they are (D*L, H). Layer k > 0
reads the concatenation [forward, reverse] of layer k-1's outputs.

``lengths`` gives packed-sequence semantics (as if packed with
``pack_padded_sequence`` and unpacked with ``total_length=T``): outputs at
t >= length are zero, h_n / c_n come from each sequence's last valid step, and the
reverse direction starts at step length-1 of each sequence. It is implemented with
a per-step mask: at an invalid step the state is carried through unchanged and the
output is zero. Because the reverse pass meets the invalid steps first, its state
is still h_0 when it reaches step length-1.
"""

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _affine(x, w, b):
    """x @ w.T + b, with b possibly None."""
    out = x @ w.T
    return out if b is None else out + b


def _accumulate_affine(grads, w_key, b_key, da, inp):
    """Add the weight and bias gradients of ``_affine(inp, w, b)`` given d(out) = da."""
    grads[w_key] += da.T @ inp
    if b_key in grads:
        grads[b_key] += da.sum(axis=0)


# ---------------------------------------------------------------------------
# Cells. Each step function returns (h_new, c_new, cache); c is None except for
# lstm. Each backward function takes the gradients of (h_new, c_new), adds the
# parameter gradients into ``grads`` and returns (dx, dh_prev, dc_prev).
# ``p`` maps the short names w_ih, w_hh, b_ih, b_hh to arrays (biases may be None);
# ``keys`` maps the same short names to the full PyTorch names.
# ---------------------------------------------------------------------------


def _rnn_step(x, h, c, p, nonlinearity):
    a = _affine(x, p["w_ih"], p["b_ih"]) + _affine(h, p["w_hh"], p["b_hh"])
    if nonlinearity == "tanh":
        h_new = np.tanh(a)
    elif nonlinearity == "relu":
        h_new = np.maximum(a, 0.0)
    else:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}")
    return h_new, None, (x, h, a, h_new)


def _rnn_step_back(dh, dc, cache, p, keys, grads, nonlinearity):
    x, h, a, h_new = cache
    if nonlinearity == "tanh":
        da = dh * (1.0 - h_new**2)
    else:
        da = dh * (a > 0)
    _accumulate_affine(grads, keys["w_ih"], keys["b_ih"], da, x)
    _accumulate_affine(grads, keys["w_hh"], keys["b_hh"], da, h)
    return da @ p["w_ih"], da @ p["w_hh"], None


def _lstm_step(x, h, c, p, nonlinearity):
    a = _affine(x, p["w_ih"], p["b_ih"]) + _affine(h, p["w_hh"], p["b_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    m = o * tanh_c
    h_new = m if p["w_hr"] is None else m @ p["w_hr"].T
    return h_new, c_new, (x, h, c, i, f, g, o, tanh_c, m)


def _lstm_step_back(dh, dc, cache, p, keys, grads, nonlinearity):
    x, h, c, i, f, g, o, tanh_c, m = cache
    if p["w_hr"] is not None:  # h_new = m W_hr^T
        grads[keys["w_hr"]] += dh.T @ m
        dh = dh @ p["w_hr"]
    do = dh * tanh_c
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    di = dc_total * g
    df = dc_total * c
    dg = dc_total * i
    dc_prev = dc_total * f
    da = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g**2), do * o * (1.0 - o)],
        axis=1,
    )
    _accumulate_affine(grads, keys["w_ih"], keys["b_ih"], da, x)
    _accumulate_affine(grads, keys["w_hh"], keys["b_hh"], da, h)
    return da @ p["w_ih"], da @ p["w_hh"], dc_prev


def _gru_step(x, h, c, p, nonlinearity):
    gi_r, gi_z, gi_n = np.split(_affine(x, p["w_ih"], p["b_ih"]), 3, axis=1)
    gh_r, gh_z, gh_n = np.split(_affine(h, p["w_hh"], p["b_hh"]), 3, axis=1)
    r = _sigmoid(gi_r + gh_r)
    z = _sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    h_new = (1.0 - z) * n + z * h
    return h_new, None, (x, h, r, z, n, gh_n)


def _gru_step_back(dh, dc, cache, p, keys, grads, nonlinearity):
    x, h, r, z, n, gh_n = cache
    dn = dh * (1.0 - z)
    dz = dh * (h - n)
    dh_prev = dh * z
    da_n = dn * (1.0 - n**2)  # gradient of the tanh argument gi_n + r * gh_n
    dr = da_n * gh_n
    da_r = dr * r * (1.0 - r)
    da_z = dz * z * (1.0 - z)
    d_gi = np.concatenate([da_r, da_z, da_n], axis=1)
    d_gh = np.concatenate([da_r, da_z, da_n * r], axis=1)
    _accumulate_affine(grads, keys["w_ih"], keys["b_ih"], d_gi, x)
    _accumulate_affine(grads, keys["w_hh"], keys["b_hh"], d_gh, h)
    return d_gi @ p["w_ih"], dh_prev + d_gh @ p["w_hh"], None


CELLS = {
    "rnn": (_rnn_step, _rnn_step_back),
    "lstm": (_lstm_step, _lstm_step_back),
    "gru": (_gru_step, _gru_step_back),
}


# ---------------------------------------------------------------------------
# Plumbing shared by the three cells: layout, layers, directions, lengths.
# ---------------------------------------------------------------------------


def _keys(layer, direction):
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    return {
        "w_ih": "weight_ih" + suffix,
        "w_hh": "weight_hh" + suffix,
        "b_ih": "bias_ih" + suffix,
        "b_hh": "bias_hh" + suffix,
        "w_hr": "weight_hr" + suffix,
    }


def _cell_params(params, keys):
    return {short: params.get(full) for short, full in keys.items()}


def _sizes(mode, params):
    """(H_out, H): features of h (P for a projected lstm) and of the cell (and c)."""
    return params["weight_hh_l0"].shape[1], params["weight_hh_l0"].shape[0] // GATES[mode]


def _to_time_major(a, batched, batch_first):
    """(T, N, F) view of a sequence given in the user's layout."""
    if not batched:
        return a[:, None, :]
    return a.transpose(1, 0, 2) if batch_first else a


def _from_time_major(a, batched, batch_first):
    if not batched:
        return a[:, 0, :]
    return a.transpose(1, 0, 2) if batch_first else a


def _state_in(s, batched, shape):
    """A (D*L, N, H) initial state from the user's value (None -> zeros)."""
    if s is None:
        return np.zeros(shape)
    s = np.asarray(s, dtype=np.float64)
    return s if batched else s[:, None, :]


def _state_out(s, batched):
    return s if batched else s[:, 0, :]


def _valid_mask(lengths, T, N):
    """(T, N, 1) boolean array, True where step t is inside sequence n."""
    if lengths is None:
        return np.ones((T, N, 1), dtype=bool)
    lengths = np.asarray(lengths)
    if lengths.shape != (N,) or lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must have shape ({N},) with values in [1, {T}]")
    return (np.arange(T)[:, None] < lengths[None, :])[:, :, None]


def _check_options(mode, num_layers, nonlinearity):
    if mode not in GATES:
        raise ValueError(f"mode must be one of {sorted(GATES)}, got {mode!r}")
    if mode != "rnn" and nonlinearity != "tanh":
        raise ValueError("nonlinearity applies to mode='rnn' only")
    if num_layers < 1:
        raise ValueError("num_layers must be >= 1")


def _run(mode, x, params, hx, num_layers, bidirectional, batch_first, lengths, nonlinearity):
    """Time-major forward pass that keeps what the backward pass needs.

    Returns a dict with the (T, N, D*H) top-layer output, the (D*L, N, H) final
    states, and per (layer, direction) the list of step caches in processing order.
    """
    _check_options(mode, num_layers, nonlinearity)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (2, 3):
        raise ValueError("x must be 2-D (unbatched) or 3-D")
    batched = x.ndim == 3
    if not batched and lengths is not None:
        raise ValueError("lengths needs batched input")
    seq = _to_time_major(x, batched, batch_first)
    T, N, _ = seq.shape
    H, H_cell = _sizes(mode, params)  # H: features of h and of the outputs
    D = 2 if bidirectional else 1
    step, _ = CELLS[mode]

    h0, c0 = hx if (mode == "lstm" and hx is not None) else (hx, None)
    h0 = _state_in(h0, batched, (D * num_layers, N, H))
    c0 = _state_in(c0, batched, (D * num_layers, N, H_cell)) if mode == "lstm" else None
    mask = _valid_mask(lengths, T, N)

    h_n = np.zeros((D * num_layers, N, H))
    c_n = np.zeros((D * num_layers, N, H_cell)) if mode == "lstm" else None
    caches = {}
    layer_input = seq
    for layer in range(num_layers):
        layer_output = np.zeros((T, N, D * H))
        for direction in range(D):
            idx = layer * D + direction
            keys = _keys(layer, direction)
            p = _cell_params(params, keys)
            h = h0[idx]
            c = c0[idx] if c0 is not None else None
            steps = range(T) if direction == 0 else range(T - 1, -1, -1)
            step_caches = []
            for t in steps:
                h_new, c_new, cache = step(layer_input[t], h, c, p, nonlinearity)
                valid = mask[t]
                h = np.where(valid, h_new, h)
                if c is not None:
                    c = np.where(valid, c_new, c)
                layer_output[t, :, direction * H:(direction + 1) * H] = np.where(valid, h_new, 0.0)
                step_caches.append((t, cache))
            h_n[idx] = h
            if c_n is not None:
                c_n[idx] = c
            caches[layer, direction] = step_caches
        caches[layer, "input"] = layer_input
        layer_input = layer_output

    return {
        "out": layer_input, "h_n": h_n, "c_n": c_n, "caches": caches, "mask": mask,
        "batched": batched, "T": T, "N": N, "H": H, "H_cell": H_cell, "D": D,
    }


def recurrent_forward(mode, x, params, hx=None, *, num_layers=1, bidirectional=False,
                      batch_first=False, lengths=None, nonlinearity="tanh"):
    """Forward pass of a multi-layer, optionally bidirectional RNN / LSTM / GRU.

    Args:
        mode: "rnn", "lstm" or "gru".
        x: (T, N, H_in), (N, T, H_in) if batch_first, or (T, H_in) unbatched.
        params: dict of PyTorch-named float arrays (see the module docstring).
        hx: rnn/gru: h_0 of shape (D*L, N, H); lstm: tuple (h_0, c_0); None = zeros.
        lengths: None, or (N,) ints in [1, T] for packed-sequence semantics.
        nonlinearity: "tanh" or "relu" (rnn only).

    Returns:
        (out, h_n) for rnn/gru and (out, (h_n, c_n)) for lstm. ``out`` has the
        layout of ``x`` with feature size D*H_out; h_n is (D*L, N, H_out), c_n
        (D*L, N, H); H_out = P for an lstm with projections, else H.
    """
    r = _run(mode, x, params, hx, num_layers, bidirectional, batch_first, lengths, nonlinearity)
    out = _from_time_major(r["out"], r["batched"], batch_first)
    h_n = _state_out(r["h_n"], r["batched"])
    if mode == "lstm":
        return out, (h_n, _state_out(r["c_n"], r["batched"]))
    return out, h_n


def recurrent_backward(mode, x, params, hx, grad_out, grad_h_n, grad_c_n=None, *,
                       num_layers=1, bidirectional=False, batch_first=False, lengths=None,
                       nonlinearity="tanh"):
    """Backpropagation through time for ``recurrent_forward``, written by hand.

    Args:
        grad_out: gradient of the loss with respect to ``out`` (same layout).
        grad_h_n, grad_c_n: gradients with respect to h_n and c_n; None = zero.
        The other arguments are those given to ``recurrent_forward``.

    Returns:
        (grad_x, grad_params, grad_hx): grad_params has the keys of ``params``;
        grad_hx is an array for rnn/gru and a tuple (grad_h_0, grad_c_0) for lstm.
        When ``hx`` is None, grad_hx is the gradient with respect to the zero state.
    """
    r = _run(mode, x, params, hx, num_layers, bidirectional, batch_first, lengths, nonlinearity)
    batched, T, N, H, D = r["batched"], r["T"], r["N"], r["H"], r["D"]
    mask, caches = r["mask"], r["caches"]
    _, step_back = CELLS[mode]
    is_lstm = mode == "lstm"
    state_shape = (D * num_layers, N, H)
    cell_shape = (D * num_layers, N, r["H_cell"])

    grad_params = {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
    g_out = (np.zeros((T, N, D * H)) if grad_out is None
             else _to_time_major(np.asarray(grad_out, dtype=np.float64), batched, batch_first))
    g_h_n = _state_in(grad_h_n, batched, state_shape)
    g_c_n = _state_in(grad_c_n, batched, cell_shape) if is_lstm else None
    g_h0 = np.zeros(state_shape)
    g_c0 = np.zeros(cell_shape) if is_lstm else None

    for layer in reversed(range(num_layers)):
        layer_input = caches[layer, "input"]
        g_input = np.zeros_like(layer_input)
        for direction in range(D):
            idx = layer * D + direction
            keys = _keys(layer, direction)
            p = _cell_params(params, keys)
            dh = g_h_n[idx].copy()
            dc = g_c_n[idx].copy() if is_lstm else None
            for t, cache in reversed(caches[layer, direction]):
                valid = mask[t]
                # The state after step t is where(valid, h_new, h); the output is
                # where(valid, h_new, 0). Split the incoming gradient accordingly.
                dh = dh + np.where(valid, g_out[t, :, direction * H:(direction + 1) * H], 0.0)
                dh_new, dh_carry = np.where(valid, dh, 0.0), np.where(valid, 0.0, dh)
                if is_lstm:
                    dc_new, dc_carry = np.where(valid, dc, 0.0), np.where(valid, 0.0, dc)
                else:
                    dc_new = dc_carry = None
                dx, dh_prev, dc_prev = step_back(dh_new, dc_new, cache, p, keys, grad_params,
                                                 nonlinearity)
                g_input[t] += dx
                dh = dh_prev + dh_carry
                if is_lstm:
                    dc = dc_prev + dc_carry
            g_h0[idx] += dh
            if is_lstm:
                g_c0[idx] += dc
        g_out = g_input  # the layer below produced this layer's input

    grad_x = _from_time_major(g_out, batched, batch_first)
    grad_h0 = _state_out(g_h0, batched)
    if is_lstm:
        return grad_x, grad_params, (grad_h0, _state_out(g_c0, batched))
    return grad_x, grad_params, grad_h0


def init_params(mode, input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                rng=None, proj_size=0):
    """PyTorch-named float64 parameters drawn from U(-1/sqrt(H), 1/sqrt(H)), in
    PyTorch's order (proj_size > 0: an lstm with projections)."""
    rng = np.random.default_rng() if rng is None else rng
    G, H = GATES[mode], hidden_size
    H_out = proj_size or H
    D = 2 if bidirectional else 1
    bound = 1.0 / np.sqrt(H)
    params = {}
    for layer in range(num_layers):
        in_size = input_size if layer == 0 else D * H_out
        for direction in range(D):
            keys = _keys(layer, direction)
            shapes = {"w_ih": (G * H, in_size), "w_hh": (G * H, H_out)}
            if bias:
                shapes.update(b_ih=(G * H,), b_hh=(G * H,))
            if proj_size:
                shapes.update(w_hr=(proj_size, H))
            for short, shape in shapes.items():
                params[keys[short]] = rng.uniform(-bound, bound, size=shape)
    return params
