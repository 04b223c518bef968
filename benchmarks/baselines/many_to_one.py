"""What the naive many-to-one baselines (lstm_numpy, gru_numpy, rnn_numpy) share.

One recurrent layer as in torch.nn (time-major input, h_0 = 0), its last hidden state
through a linear head, and the mean squared error (mean over all N * out elements, as
``torch.nn.MSELoss()``) against a standard-normal target::

    out = h_T @ head.weight^T + head.bias                        (N, out)
    loss = mean((out - y) ** 2)

Shape letters: L sequence length, N batch, H_in input size, H hidden size, G gates
(4 LSTM, 3 GRU, 1 RNN), out head size.
"""
import numpy as np

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "head.weight", "head.bias")


def layer_functions(gates, run, backward):
    """The public functions of one baseline: (make_params, forward, loss_and_grads).

    Args:
        gates: G.
        run(params, x) -> (h_last, cache): the layer's forward over x (T, N, H_in).
        backward(params, x, cache, dh, grads): the layer's BPTT given dh = d loss /
            d h_last; adds every layer parameter's gradient into `grads`.
    """
    def make_params(seed=0, input_size=64, hidden_size=128, out_size=10, dtype=np.float32):
        return init_params(gates, seed, input_size, hidden_size, out_size, dtype)

    def forward(params, x):
        """Run the layer over ``x`` (T, N, H_in) and return the head's output (N, out)."""
        return head(params, run(params, x)[0])

    def loss_and_grads(params, x, y):
        """MSE loss of the many-to-one layer and the gradient of every parameter.

        Args:
            params: dict from ``make_params``.
            x: inputs (T, N, H_in); y: targets (N, out).

        Returns:
            (loss, grads): the loss as a Python float and a dict with one gradient
            per parameter name, same shapes and dtype as the parameters.
        """
        h_last, cache = run(params, x)
        grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
        loss, dh = head_backward(params, h_last, y, grads)
        backward(params, x, cache, dh, grads)
        return loss, grads

    make_params.__doc__ = init_params.__doc__.replace("G*H", f"{gates}H")
    return make_params, forward, loss_and_grads


def init_params(gates, seed=0, input_size=64, hidden_size=128, out_size=10, dtype=np.float32):
    """PyTorch's default initialisation: U(-1/sqrt(H), 1/sqrt(H)) for the layer and the
    head (whose fan_in is H, so the same bound).

    Returns:
        dict name -> array, names in ``PARAM_NAMES``: weight_ih (G*H, H_in),
        weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,), head.weight (out, H),
        head.bias (out,).
    """
    rng = np.random.default_rng(seed)
    H = hidden_size
    k = 1.0 / np.sqrt(H)

    def u(*shape):
        return rng.uniform(-k, k, size=shape).astype(dtype)

    return {
        "weight_ih": u(gates * H, input_size),
        "weight_hh": u(gates * H, H),
        "bias_ih": u(gates * H),
        "bias_hh": u(gates * H),
        "head.weight": u(out_size, H),
        "head.bias": u(out_size),
    }


def make_batch(seed=0, batch=32, T=50, input_size=64, out_size=10, dtype=np.float32):
    """Standard-normal inputs x (T, N, H_in) and targets y (N, out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, batch, input_size)).astype(dtype)
    y = rng.standard_normal((batch, out_size)).astype(dtype)
    return x, y


def head(params, h_last):
    """The linear head: (N, H) -> (N, out)."""
    return h_last @ params["head.weight"].T + params["head.bias"]


def head_backward(params, h_last, y, grads):
    """The loss of `head(h_last)` against y; adds the head's gradients to `grads`.

    Returns:
        (loss as a Python float, d loss / d h_last (N, H)).
    """
    diff = head(params, h_last) - y
    d_out = diff * (2.0 / diff.size)
    grads["head.weight"] += d_out.T @ h_last
    grads["head.bias"] += d_out.sum(axis=0)
    return float(np.mean(diff * diff)), d_out @ params["head.weight"]


def accumulate_step(grads, d_ih, x_t, d_hh, h_prev):
    """Add one step's weight and bias gradients, += as a straightforward framework does:
    d_ih (N, G*H) is the gradient of x_t W_ih^T + b_ih, d_hh of h_prev W_hh^T + b_hh
    (the same array where both simply add)."""
    grads["weight_ih"] += d_ih.T @ x_t
    grads["weight_hh"] += d_hh.T @ h_prev
    db = d_ih.sum(axis=0)
    grads["bias_ih"] += db
    grads["bias_hh"] += db if d_hh is d_ih else d_hh.sum(axis=0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
