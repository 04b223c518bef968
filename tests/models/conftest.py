"""Fixtures for the recurrent model tests: float64 by default, restored afterwards."""
import pytest

import minigrad as mg


@pytest.fixture(autouse=True)
def float64_default():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    mg.manual_seed(0)
    yield
    mg.set_default_dtype(previous)
