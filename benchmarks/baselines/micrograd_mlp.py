"""The scalar-engine workload: micrograd 0.1.0 training step on a tiny MLP.

A 2-16-16-1 MLP (ReLU after the two hidden layers, linear output, as
``micrograd.nn.MLP(2, [16, 16, 1])`` builds it) on 50 two-moons points with
labels in {-1, +1}. The loss is the sum of squared errors (chosen over the
hinge loss of micrograd's demo because it is smooth in the output, which keeps
the finite-difference checks simple)::

    loss = sum_n (mlp(X[n]) - y[n]) ** 2

One step = zero_grad, forward over all 50 points, loss, backward.

``mlp_loss_and_grads_numpy`` computes the same loss and gradients in numpy
from the weights of a micrograd model, so that any other implementation
(minigrad's) can be checked for equality against it.
"""
import numpy as np

LAYER_SIZES = (2, 16, 16, 1)


def make_points(seed=0, n=50, noise=0.1):
    """Two interleaving half circles, like sklearn's ``make_moons``.

    Returns:
        (X, y): X float64 (n, 2), y float64 (n,) with values -1 or +1.
    """
    rng = np.random.default_rng(seed)
    n_top = n // 2
    n_bottom = n - n_top
    a = np.linspace(0, np.pi, n_top)
    b = np.linspace(0, np.pi, n_bottom)
    X = np.concatenate([
        np.stack([np.cos(a), np.sin(a)], axis=1),
        np.stack([1 - np.cos(b), 0.5 - np.sin(b)], axis=1),
    ])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([-np.ones(n_top), np.ones(n_bottom)])
    return X, y


def make_weights(seed=0):
    """The MLP's weights as numpy: [(W (out, in), b (out,)), ...], W ~ U(-1, 1), b = 0."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        W = np.array([[rng.uniform(-1, 1) for _ in range(fan_in)] for _ in range(fan_out)])
        weights.append((W, np.zeros(fan_out)))
    return weights


def make_model(seed=0):
    """A micrograd ``MLP(2, [16, 16, 1])`` holding `make_weights(seed)`.

    micrograd draws its weights from the global ``random`` module; here they are
    overwritten, so the global random state does not matter. Needs micrograd
    (a benchmark-only dependency: ``pip install micrograd==0.1.0``).
    """
    from micrograd.nn import MLP
    model = MLP(LAYER_SIZES[0], list(LAYER_SIZES[1:]))
    for layer, (W, b) in zip(model.layers, make_weights(seed)):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
            neuron.b.data = float(bias)
    return model


def micrograd_step(model, X, y):
    """One forward + backward of the squared-error loss with micrograd.

    Args:
        model: a micrograd MLP; its parameters' ``.grad`` hold the gradients after the call.
        X: (n, 2) array; y: (n,) array of targets.

    Returns:
        the loss as a Python float.
    """
    from micrograd.engine import Value
    model.zero_grad()
    loss = Value(0.0)
    for xrow, target in zip(X.tolist(), y.tolist()):
        diff = model([Value(v) for v in xrow]) - target
        loss = loss + diff * diff
    loss.backward()
    return loss.data


def model_weights(model):
    """The weights of a micrograd MLP as numpy: a list of (W (out, in), b (out,)) per layer."""
    return [
        (np.array([[w.data for w in n.w] for n in layer.neurons]),
         np.array([n.b.data for n in layer.neurons]))
        for layer in model.layers
    ]


def model_grads(model):
    """The ``.grad`` of a micrograd MLP's parameters, laid out like :func:`model_weights`."""
    return [
        (np.array([[w.grad for w in n.w] for n in layer.neurons], dtype=float),
         np.array([n.b.grad for n in layer.neurons], dtype=float))
        for layer in model.layers
    ]


def mlp_loss_and_grads_numpy(weights, X, y):
    """The same loss as :func:`micrograd_step`, batched in numpy, with its gradients.

    Args:
        weights: list of (W, b) per layer, from :func:`model_weights`.
        X: (n, in) inputs; y: (n,) targets.

    Returns:
        (loss, grads): loss as a float, grads laid out like ``weights``.
    """
    acts = [np.asarray(X, dtype=float)]
    for k, (W, b) in enumerate(weights):
        z = acts[-1] @ W.T + b
        acts.append(z if k == len(weights) - 1 else np.maximum(z, 0))
    diff = acts[-1][:, 0] - y
    loss = float(np.sum(diff * diff))

    grads = [None] * len(weights)
    dz = (2 * diff)[:, None]
    for k in reversed(range(len(weights))):
        W, _ = weights[k]
        grads[k] = (dz.T @ acts[k], dz.sum(axis=0))
        if k > 0:
            dz = (dz @ W) * (acts[k] > 0)  # ReLU derivative, 0 at 0 as in micrograd
    return loss, grads
