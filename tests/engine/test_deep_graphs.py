"""100,000-step graphs: forward, backward and freeing without recursion; flat memory."""
import gc
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np

import minigrad as mg
from tests.reference.numpy_scalar_chain import scalar_chain_w_gradient

STEPS = 100_000
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_scalar_rnn_over_100k_steps_matches_numpy_bptt():
    xs = np.random.default_rng(0).standard_normal(STEPS) * 0.5
    w = mg.tensor(0.6, dtype=mg.float64, requires_grad=True)
    h = mg.tensor(0.0, dtype=mg.float64)
    for x in xs.tolist():
        h = (w * h + x).tanh()
    h.backward()
    expected_h, expected_dw = scalar_chain_w_gradient(0.6, xs)
    assert h.item() == expected_h or abs(h.item() - expected_h) < 1e-12
    np.testing.assert_allclose(w.grad.item(), expected_dw, rtol=1e-10)
    assert w.grad.item() != 0.0


def test_numpy_reference_agrees_with_finite_differences_on_a_short_sequence():
    xs = np.random.default_rng(1).standard_normal(50) * 0.5
    eps = 1e-6
    plus, _ = scalar_chain_w_gradient(0.6 + eps, xs)
    minus, _ = scalar_chain_w_gradient(0.6 - eps, xs)
    _, dw = scalar_chain_w_gradient(0.6, xs)
    np.testing.assert_allclose(dw, (plus - minus) / (2 * eps), rtol=1e-6)


def test_100k_chain_freed_without_backward_does_not_crash():
    # in a subprocess: blowing the C stack would kill the interpreter, not raise
    script = textwrap.dedent(f"""
        import minigrad as mg
        w = mg.tensor(0.5, requires_grad=True)
        h = mg.tensor(0.0)
        for _ in range({STEPS}):
            h = (w * h + 0.1).tanh()
        del h
        print("freed")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "freed"


def small_step(keep):
    """Build a small graph, backward through it (which frees it), drop it unless `keep`."""
    x = mg.tensor(np.ones((16, 16)), requires_grad=True)
    w = mg.tensor(np.full((16, 16), 0.1), requires_grad=True)
    hidden = (x @ w).tanh()
    (hidden * x).sum().backward()
    if keep is not None:
        keep.append(hidden)


def peak_growth(iterations=1000, keep=None):
    """Traced peak memory of the last 100 iterations minus that of iterations 100-200."""
    for _ in range(20):
        small_step(None)      # warm caches before tracing
    gc.collect()
    tracemalloc.start()
    try:
        peaks = []
        for i in range(iterations):
            if i in (100, iterations - 100):
                tracemalloc.reset_peak()
            small_step(keep)
            if i in (199, iterations - 1):
                peaks.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    return peaks[1] - peaks[0]


# Bounded slack: objects parked on CPython's free lists (up to 2,000 tuples per size)
# still count as traced memory. A leak of one 16x16 array per step is ~2 MB.
MARGIN = 256 * 1024


def test_build_backward_free_loop_keeps_memory_flat():
    assert peak_growth() < MARGIN


def test_the_memory_check_notices_graphs_kept_alive():
    # the same measurement with every loss kept in a list must see the growth
    assert peak_growth(keep=[]) > MARGIN
