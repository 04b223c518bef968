"""Fixtures for the engine tests: a float64 default dtype, and a guard on global state."""
import numpy as np
import pytest

import minigrad as mg


@pytest.fixture
def default_float64():
    """Make float64 the default dtype for one test, and restore the previous default."""
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        yield
    finally:
        mg.set_default_dtype(previous)


@pytest.fixture(autouse=True)
def global_state_is_left_clean():
    """Fail a test that leaves grad mode, anomaly mode or the default dtype changed."""
    dtype = mg.get_default_dtype()
    yield
    assert mg.is_grad_enabled(), "test left grad recording disabled"
    assert not mg.is_anomaly_enabled(), "test left anomaly mode on"
    assert mg.get_default_dtype() == dtype == np.float32, "test changed the default dtype"
