"""enumerate_paths counts the paths first (linear time) and refuses before listing any.

Reference: networkx.all_simple_edge_paths on the traced graph, with the products of
local derivatives taken along each of its paths, independently of paths.py's walk."""
import math

import networkx as nx
import pytest

import minigrad as mg
from minigrad.graph import paths


def reference_paths(graph, start, end):
    """(node ids, product) of every start -> end path, by networkx."""
    result = []
    for edge_path in nx.all_simple_edge_paths(graph.to_networkx(), start, end):
        product = math.prod(paths.local_derivative(graph, dst, key) for _, dst, key in edge_path)
        result.append(([src for src, _, _ in edge_path] + [end], product))
    return result


def as_sorted(found):
    return sorted((tuple(nodes), round(product, 12)) for nodes, product in found)


def mixed_graph():
    """Fan-out, fan-in, parallel edges and a branch that never reaches the loss."""
    x = mg.tensor(0.7, requires_grad=True, dtype=mg.float64)
    a = x * x
    b = (a + x).tanh()
    unused = b * 3.0                       # consumes b, but the loss does not use it
    c = a * b + b.sigmoid()
    return x, a, b, (c * c + x).exp(), unused


def test_paths_match_networkx_from_every_source():
    x, a, b, loss, _ = mixed_graph()
    graph = mg.trace(loss)
    for source in (x, a, b, loss):
        found = mg.bptt.enumerate_paths(loss, source, graph=graph)
        expected = reference_paths(graph, graph.node_id(source), graph.node_id(loss))
        assert as_sorted(found) == as_sorted(expected)
        if source is not loss:
            (full,) = mg.grad(loss, source, retain_graph=True)
            assert sum(p for _, p in found) == pytest.approx(full.item(), rel=1e-12)


def test_source_is_the_loss_gives_the_empty_path():
    x, _, _, loss, _ = mixed_graph()
    graph = mg.trace(loss)
    assert mg.bptt.enumerate_paths(loss, loss, graph=graph) == [([graph.node_id(loss)], 1.0)]


def test_a_source_that_does_not_reach_the_loss_has_no_paths():
    x, a, b, loss, unused = mixed_graph()
    graph = mg.trace(loss, unused)              # unused is in the graph, off every path
    assert mg.bptt.enumerate_paths(loss, unused, graph=graph) == []
    assert mg.bptt.enumerate_paths(unused, loss, graph=graph) == []


def test_max_paths_is_the_largest_count_allowed():
    x = mg.tensor(1.1, requires_grad=True, dtype=mg.float64)
    y = x
    for _ in range(3):
        y = y * y                              # 2^3 paths
    assert len(mg.bptt.enumerate_paths(y, x, max_paths=8)) == 8
    with pytest.raises(ValueError, match=r"more than max_paths=7 paths: 8 paths"):
        mg.bptt.enumerate_paths(y, x, max_paths=7)


def test_too_many_paths_are_counted_and_refused_before_any_is_listed(monkeypatch):
    # 2^200 paths: the count is exact (Python ints) and no local derivative is taken
    def unexpected(*args):
        raise AssertionError("a path was enumerated before the refusal")

    monkeypatch.setattr(paths, "local_derivative", unexpected)
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200):
        y = y * y
    with pytest.raises(ValueError, match=rf"enumerate_paths: more than max_paths=10000 "
                                         rf"paths: {2 ** 200} paths lead from the source"):
        mg.bptt.enumerate_paths(y, x)


def test_a_long_chain_is_counted_and_listed():
    # w shared by T = 1,000 steps: T paths of up to 3T + 1 nodes (the time: benchmarks/
    # bench_scaling.py; networkx.all_simple_edge_paths took 133 s here, O(T^2) per path)
    T = 1_000
    w = mg.tensor(0.6, requires_grad=True, dtype=mg.float64)
    h = mg.tensor(0.0, dtype=mg.float64)
    for t in range(T):
        h = (w * h + 0.01 * t).tanh()
    found = mg.bptt.enumerate_paths(h, w)
    assert sorted(len(nodes) for nodes, _ in found) == list(range(4, 3 * T + 2, 3))
    (full,) = mg.grad(h, w)
    assert sum(p for _, p in found) == pytest.approx(full.item(), rel=1e-10)
