"""The demonstration models behind `minigrad render/bptt` and the gallery."""
import numpy as np
import pytest

import minigrad as mg
from minigrad_apps.demos import build


def test_loss_on_last_step_depends_only_on_the_last_output():
    holder, loss = build("rnn", 6, hidden=3, loss_on="last")
    terms = mg.bptt.per_step_grads(loss, holder.rnn.weight_hh_l0)
    # BPTT with the loss on the last step: the term of step 0 is zero (h_{-1} = 0) and the
    # terms shrink going back in time from the last step
    norms = np.linalg.norm(terms.reshape(len(terms), -1), axis=1)
    assert norms[0] == 0.0
    assert norms[-1] == norms.max()
    # the terms add up to the gradient
    (grad,) = mg.grad(loss, [holder.rnn.weight_hh_l0])
    np.testing.assert_allclose(terms.sum(axis=0), grad.data, rtol=1e-5, atol=1e-7)


def test_loss_on_rejects_unknown_values():
    with pytest.raises(ValueError, match="loss_on must be 'all' or 'last'"):
        build("rnn", 3, loss_on="first")
