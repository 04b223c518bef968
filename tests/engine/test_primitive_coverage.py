"""The coverage table must cover every registered primitive, and each case must bite."""
import contextlib
import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad import registry
from minigrad.composite import Composite
from minigrad.registry import Primitive
from minigrad.state import PER_THREAD

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

    def wrong(g, out, wanted, *inputs, **attrs):
        return tuple(None if gi is None else gi * factor
                     for gi in original[0](g, out, wanted, *inputs, **attrs))

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


# ------------------------------------------ which inputs a VJP differentiates: `wanted`
def test_no_vjp_reads_the_inputs_it_must_differentiate_from_thread_state():
    """issue 13, section 4: VJPs called `wants(i)`, which read the running node's inputs
    from the thread's state; the engine now passes `wanted` to every VJP."""
    assert not hasattr(registry, "wants")
    assert not hasattr(PER_THREAD.state, "wants")
    for name, prim in mg.PRIMITIVES.items():
        if prim.vjp is not None:
            assert list(inspect.signature(prim.vjp).parameters)[2] == "wanted", name


def test_a_vjp_of_the_old_form_is_refused_when_it_is_defined():
    prim = Primitive("engine_tests_old_form", lambda x, y: x * y)   # not registered
    with pytest.raises(TypeError, match=r"'engine_tests_old_form'.*wanted.*\(g, out, x, y\)"):
        prim.defvjp(lambda g, out, x, y: (g * y, g * x))


def _float_positions(c):
    return [k for k, t in enumerate(c.inputs()) if t.requires_grad]


def _has_a_node_of_several_inputs(c):
    """Does the case's graph hold a node of its primitive with two inputs or more?"""
    stack, seen = [c.fn(*c.inputs())], set()
    while stack:
        node = stack.pop()
        if node._prim is not None and node._prim.name == c.prim and len(node._inputs) >= 2:
            return True
        for i in node._inputs or ():
            if id(i) not in seen:
                seen.add(id(i))
                stack.append(i)
    return False


@contextlib.contextmanager
def recorded_vjp_calls(name):
    """Primitive `name`'s VJP, recording each call's `wanted` and result."""
    prim = mg.PRIMITIVES[name]
    original = prim.vjp
    calls = []

    def recording(g, out, wanted, *inputs, **attrs):
        grads = original(g, out, wanted, *inputs, **attrs)
        calls.append((wanted, grads))
        return grads

    prim.vjp = recording
    try:
        yield calls
    finally:
        prim.vjp = original


MULTI_INPUT_CASES = [c for c in CASES
                     if len(_float_positions(c)) >= 2 and _has_a_node_of_several_inputs(c)]


@pytest.mark.parametrize("c, create_graph", [
    pytest.param(c, create_graph, id=f"{c.id}-{'create_graph' if create_graph else 'numeric'}")
    for c in MULTI_INPUT_CASES for create_graph in (False, True)
    # a composite's VJP never runs under create_graph: its decomposition is differentiated
    if not (create_graph and isinstance(mg.PRIMITIVES[c.prim], Composite))])
def test_a_vjp_computes_no_gradient_for_an_input_not_wanted(c, create_graph):
    """With one input at a time requiring grad, the primitive's VJP is told which inputs
    need a gradient, returns None for the others, and that input's gradient is the one
    it gets when every input requires grad."""
    everything = c.inputs()
    out = c.fn(*everything)
    seed = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(mg.tensor(seed, dtype=out.dtype))
    masked_somewhere = False
    for position in _float_positions(c):
        inputs = tuple(mg.tensor(a.copy(), requires_grad=k == position)
                       for k, a in enumerate(c.arrays))
        with recorded_vjp_calls(c.prim) as calls:
            c.fn(*inputs).backward(mg.tensor(seed, dtype=out.dtype), create_graph=create_graph)
        assert calls, f"{c.id}: the VJP of {c.prim} was not called"
        for wanted, grads in calls:
            assert isinstance(wanted, tuple) and len(wanted) == len(grads)
            assert all(w in (True, False) for w in wanted)
            masked_somewhere |= False in wanted
            for w, gi in zip(wanted, grads):
                if not w:
                    assert gi is None, f"{c.id}: a gradient computed for an input not wanted"
        np.testing.assert_allclose(inputs[position].grad.numpy(),
                                   everything[position].grad.numpy(), rtol=1e-12)
    assert masked_somewhere, f"{c.id}: no call of the VJP had an input not wanted"
