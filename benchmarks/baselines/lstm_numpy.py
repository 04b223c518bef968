"""A hand-written numpy LSTM, many-to-one, with manual BPTT.

The layer follows ``torch.nn.LSTM`` (one layer, unidirectional, batch_first=False)
with PyTorch's gate order i, f, g, o::

    gates_t = x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh     (N, 4H)
    i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the four H-wide chunks
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

with h_0 = c_0 = 0. The last hidden state goes through a linear head and the
loss is the mean squared error (mean over all N * out elements, as
``torch.nn.MSELoss()`` does)::

    out = h_T @ head.weight^T + head.bias                        (N, out)
    loss = mean((out - y) ** 2)

Shape letters: L sequence length (50), N batch (32), H_in input size (64),
H hidden size (128), out head size (10). Default dtype float32.

"Per-step matmuls, no tricks": the input projection is computed step by step
(not hoisted into one big matmul over all steps) and the weight gradients are
accumulated with += at every step, as a straightforward framework would.
"""
import numpy as np

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "head.weight", "head.bias")


def make_params(seed=0, input_size=64, hidden_size=128, out_size=10, dtype=np.float32):
    """PyTorch's default initialisation: U(-1/sqrt(H), 1/sqrt(H)) for the LSTM,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the head.

    Returns:
        dict name -> array, names in ``PARAM_NAMES``: weight_ih (4H, H_in),
        weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,), head.weight (out, H),
        head.bias (out,).
    """
    rng = np.random.default_rng(seed)
    H = hidden_size
    k = 1.0 / np.sqrt(H)

    def u(*shape):
        return rng.uniform(-k, k, size=shape).astype(dtype)

    return {
        "weight_ih": u(4 * H, input_size),
        "weight_hh": u(4 * H, H),
        "bias_ih": u(4 * H),
        "bias_hh": u(4 * H),
        "head.weight": u(out_size, H),  # fan_in of the head is H, so the same bound
        "head.bias": u(out_size),
    }


def make_batch(seed=0, batch=32, T=50, input_size=64, out_size=10, dtype=np.float32):
    """Standard-normal inputs x (T, N, H_in) and targets y (N, out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, batch, input_size)).astype(dtype)
    y = rng.standard_normal((batch, out_size)).astype(dtype)
    return x, y


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(params, x):
    """Run the LSTM over ``x`` (T, N, H_in) and return the head's output (N, out)."""
    return _forward(params, x)[0]


def _forward(params, x):
    W_ih, W_hh, b_ih, b_hh, W_out, b_out = (params[k] for k in PARAM_NAMES)
    T, N, _ = x.shape
    H = W_hh.shape[1]
    h = np.zeros((N, H), dtype=W_ih.dtype)
    c = np.zeros((N, H), dtype=W_ih.dtype)
    cache = []
    for t in range(T):
        gates = x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i = _sigmoid(gates[:, :H])
        f = _sigmoid(gates[:, H:2 * H])
        g = np.tanh(gates[:, 2 * H:3 * H])
        o = _sigmoid(gates[:, 3 * H:])
        c_prev, h_prev = c, h
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        cache.append((h_prev, c_prev, i, f, g, o, tc))
    out = h @ W_out.T + b_out
    return out, h, cache


def loss_and_grads(params, x, y):
    """MSE loss of the many-to-one LSTM and the gradient of every parameter.

    Args:
        params: dict from :func:`make_params`.
        x: inputs (T, N, H_in); y: targets (N, out).

    Returns:
        (loss, grads): the loss as a Python float and a dict with one gradient
        per parameter name, same shapes and dtype as the parameters.
    """
    W_ih, W_hh, W_out = params["weight_ih"], params["weight_hh"], params["head.weight"]
    H = W_hh.shape[1]
    out, h_last, cache = _forward(params, x)
    diff = out - y
    loss = float(np.mean(diff * diff))

    grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    d_out = diff * (2.0 / diff.size)
    grads["head.weight"] += d_out.T @ h_last
    grads["head.bias"] += d_out.sum(axis=0)
    dh = d_out @ W_out
    dc = np.zeros_like(dh)
    dgates = np.empty((dh.shape[0], 4 * H), dtype=dh.dtype)
    for t in reversed(range(len(cache))):
        h_prev, c_prev, i, f, g, o, tc = cache[t]
        dc = dc + dh * o * (1 - tc * tc)
        dgates[:, :H] = dc * g * i * (1 - i)
        dgates[:, H:2 * H] = dc * c_prev * f * (1 - f)
        dgates[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        dgates[:, 3 * H:] = dh * tc * o * (1 - o)
        grads["weight_ih"] += dgates.T @ x[t]
        grads["weight_hh"] += dgates.T @ h_prev
        db = dgates.sum(axis=0)
        grads["bias_ih"] += db
        grads["bias_hh"] += db
        dh = dgates @ W_hh
        dc = dc * f
    return loss, grads
