"""The coverage table must cover every registered primitive, and each case must bite."""
import contextlib

import pytest

import minigrad as mg
from minigrad.registry import Primitive

from .primitive_cases import CASES, NON_DIFFERENTIABLE

COVERED = {c.prim for c in CASES}


def uncovered(registry):
    """Names in `registry` without a case (differentiable) or a value check (the others)."""
    return sorted(name for name, prim in registry.items()
                  if name not in (COVERED if prim.differentiable else NON_DIFFERENTIABLE))


def test_every_registered_primitive_has_a_case():
    missing = uncovered(mg.PRIMITIVES)
    assert not missing, (f"primitives registered without a gradcheck case in "
                         f"tests/engine/primitive_cases.py: {missing}")


def test_a_new_primitive_without_a_case_is_reported():
    registry = dict(mg.PRIMITIVES)
    registry["brand_new_op"] = Primitive("brand_new_op", lambda x: x)
    registry["brand_new_comparison"] = Primitive("brand_new_comparison", lambda x: x,
                                                 differentiable=False)
    assert uncovered(registry) == ["brand_new_comparison", "brand_new_op"]


def test_table_names_only_registered_primitives():
    stale = sorted((COVERED | set(NON_DIFFERENTIABLE)) - set(mg.PRIMITIVES))
    assert not stale, f"cases for primitives that are not registered: {stale}"


def test_non_differentiable_entries_really_are_non_differentiable():
    assert all(not mg.PRIMITIVES[name].differentiable for name in NON_DIFFERENTIABLE)
    assert all(mg.PRIMITIVES[name].differentiable for name in COVERED)


@contextlib.contextmanager
def scaled_vjp(name, factor):
    """Temporarily make primitive `name`'s VJP wrong by a constant factor, in each form
    the engine may call it: vjp, and the optional vjp_into and vjp_gather (which take
    the output gradient g; a VJP is linear in g, so scaling g scales the result)."""
    prim = mg.PRIMITIVES[name]
    original = prim.vjp, prim.vjp_into, prim.vjp_gather

    def wrong(g, out, *inputs, **attrs):
        return tuple(None if gi is None else gi * factor
                     for gi in original[0](g, out, *inputs, **attrs))

    def wrong_into(buffer, g, **attrs):
        original[1](buffer, g * factor, **attrs)

    def wrong_gather(parts, x):
        return original[2]([(g * factor, attrs) for g, attrs in parts], x)

    prim.vjp = wrong
    prim.vjp_into = wrong_into if original[1] is not None else None
    prim.vjp_gather = wrong_gather if original[2] is not None else None
    try:
        yield
    finally:
        prim.vjp, prim.vjp_into, prim.vjp_gather = original


@pytest.mark.parametrize("name", sorted(COVERED))
def test_cases_of_a_primitive_detect_a_wrong_vjp(name):
    """Mutation check: with the VJP off by 10%, some case of the primitive must fail."""
    detected = False
    with scaled_vjp(name, 1.1):
        for c in CASES:
            if c.prim == name and not mg.gradcheck(c.fn, c.inputs(), raise_exception=False):
                detected = True
                break
    assert detected, f"no case of {name} notices a VJP that is 10% off"
    assert all(mg.gradcheck(c.fn, c.inputs()) for c in CASES if c.prim == name)
