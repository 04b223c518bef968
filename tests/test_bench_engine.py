"""The engine benchmark's minigrad workloads compute exactly what their baselines do."""
import numpy as np

import minigrad as mg
from benchmarks import bench_engine
from benchmarks.baselines import micrograd_mlp, min_char_rnn_numpy


def test_scalar_mlp_matches_numpy_twin():
    X, y = micrograd_mlp.make_points(seed=1, n=6)
    weights = micrograd_mlp.make_weights(seed=1)
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        model = bench_engine.ScalarMLP([(W.tolist(), b.tolist()) for W, b in weights])
        loss = bench_engine.scalar_mlp_step(model, X, y)
    finally:
        mg.set_default_dtype(previous)
    ref_loss, ref_grads = micrograd_mlp.mlp_loss_and_grads_numpy(weights, X, y)
    assert abs(loss.item() - ref_loss) < 1e-9 * max(1.0, abs(ref_loss))
    for (W, b), (gW, gb) in zip(model.layers, ref_grads):
        np.testing.assert_allclose([[w.grad.item() for w in row] for row in W], gW, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose([p.grad.item() for p in b], gb, rtol=1e-9, atol=1e-12)


def test_min_char_rnn_matches_numpy_bptt():
    raw = min_char_rnn_numpy.make_params(seed=2)
    inputs, targets, h0 = min_char_rnn_numpy.make_batch(seed=2)
    params = {k: mg.tensor(v, requires_grad=True) for k, v in raw.items()}
    loss, h = bench_engine.min_char_rnn_minigrad(params, inputs, targets, mg.tensor(h0))
    ref_loss, ref_grads, ref_h = min_char_rnn_numpy.loss_and_grads(raw, inputs, targets, h0)
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-10)
    np.testing.assert_allclose(h.data, ref_h, rtol=1e-10, atol=1e-12)
    for k in raw:
        np.testing.assert_allclose(params[k].grad.data, ref_grads[k], rtol=1e-9, atol=1e-12)
