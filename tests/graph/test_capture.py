"""Graph capture on graphs whose structure is known by hand."""

import networkx as nx
import numpy as np
import pytest

import minigrad as mg
from minigrad.errors import GraphFreedError
from minigrad.graph import Graph, parse_scope
from minigrad.state import PER_THREAD

NODE_KEYS = {"kind", "name", "op", "label", "shape", "dtype", "scope", "module", "layer",
             "direction", "time_step", "source", "param_name", "requires_grad", "is_output",
             "grad_of", "grad_norm", "value", "attrs"}


def edge_set(graph):
    return sorted((s, d, a["input_index"]) for s, d, a in graph.edges)


def test_square_has_one_input_node_and_two_edges():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x
    graph = mg.trace(y)
    assert isinstance(graph, Graph)
    assert len(graph.nodes) == 2
    xi, yi = graph.node_id(x), graph.node_id(y)
    assert (xi, yi) == (0, 1)            # inputs get smaller ids than their consumers
    assert edge_set(graph) == [(xi, yi, 0), (xi, yi, 1)]
    assert graph.outputs == [yi]
    assert set(graph.nodes[yi]) == NODE_KEYS
    assert graph.nodes[yi]["kind"] == "op" and graph.nodes[yi]["op"] == "mul"
    assert graph.nodes[yi]["label"] == "mul" and graph.nodes[yi]["is_output"]
    assert graph.nodes[xi]["kind"] == "parameter" and graph.nodes[xi]["op"] is None
    assert graph.nodes[xi]["name"] == "x"          # the caller's variable holding it
    assert not graph.nodes[xi]["is_output"]
    assert graph.tensor(xi) is x and graph.tensor(yi) is y


def test_fan_out_structure_and_gradient_norms():
    a = mg.tensor(1.5, requires_grad=True, dtype=mg.float64)
    b = a + a
    c = b * b
    graph = mg.trace(c)
    ai, bi, ci = (graph.node_id(t) for t in (a, b, c))
    assert len(graph.nodes) == 3
    assert edge_set(graph) == [(ai, bi, 0), (ai, bi, 1), (bi, ci, 0), (bi, ci, 1)]
    assert graph.count_by("op") == {None: 1, "add": 1, "mul": 1}
    assert graph.depth() == 2
    assert all(graph.nodes[n]["grad_norm"] is None for n in graph.nodes)

    graph.backward()
    # c = (2a)^2: dc/db = 2b = 6, dc/da = 8a = 12; each b->c edge carries b = 3,
    # each a->b edge carries dc/db = 6.
    assert graph.nodes[ci]["grad_norm"] == pytest.approx(1.0)
    assert graph.nodes[bi]["grad_norm"] == pytest.approx(6.0)
    assert graph.nodes[ai]["grad_norm"] == pytest.approx(12.0)
    norms = {(s, d, a_["input_index"]): a_["grad_norm"] for s, d, a_ in graph.edges}
    assert norms[(bi, ci, 0)] == pytest.approx(3.0) and norms[(bi, ci, 1)] == pytest.approx(3.0)
    assert norms[(ai, bi, 0)] == pytest.approx(6.0) and norms[(ai, bi, 1)] == pytest.approx(6.0)
    assert a.grad.item() == pytest.approx(12.0)   # leaf .grad populated as by c.backward()


def test_vector_gradient_norms_are_l2_norms():
    x = mg.tensor([1.0, -2.0, 2.0], requires_grad=True, dtype=mg.float64)
    w = mg.tensor([3.0, 0.0, 4.0], requires_grad=True, dtype=mg.float64)
    loss = (x * w).sum()
    graph = mg.trace(loss, backward=True)
    assert graph.nodes[graph.node_id(x)]["grad_norm"] == pytest.approx(5.0)   # |w|
    assert graph.nodes[graph.node_id(w)]["grad_norm"] == pytest.approx(3.0)   # |x|
    np.testing.assert_allclose(x.grad.data, w.data)


def test_constants_and_their_labels():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0 + 1.0
    graph = mg.trace(y)
    kinds = graph.count_by("kind")
    assert kinds == {"parameter": 1, "constant": 2, "op": 2}
    labels = sorted(n["label"] for n in graph.nodes.values() if n["kind"] == "constant")
    assert labels == ["1", "2"]
    assert all(not n["requires_grad"] for n in graph.nodes.values() if n["kind"] == "constant")
    assert len(graph.edges) == 4


def test_data_input_without_grad_is_an_input():
    data = mg.tensor([[1.0, 2.0]])
    w = mg.nn.Parameter(np.ones((2, 3), dtype=np.float32))
    out = data @ w
    graph = mg.trace(out)
    assert graph.nodes[graph.node_id(data)]["kind"] == "input"
    assert graph.nodes[graph.node_id(data)]["name"] == "data"
    assert graph.nodes[graph.node_id(w)]["kind"] == "parameter"
    assert graph.nodes[graph.node_id(out)]["shape"] == (1, 3)
    assert graph.nodes[graph.node_id(out)]["dtype"] == "float32"


def test_parse_scope_follows_the_convention():
    assert parse_scope(("encoder", "lstm", "layer1", "reverse", "t7")) == {
        "module": "encoder.lstm", "layer": 1, "direction": "reverse", "time_step": 7}
    assert parse_scope(()) == {"module": "", "layer": None, "direction": None,
                               "time_step": None}
    # the innermost time step wins when unrolls nest
    assert parse_scope(("t2", "attn", "t5"))["time_step"] == 5
    # names that merely start like a convention entry are module names
    assert parse_scope(("layers", "tanh", "t1x"))["module"] == "layers.tanh.t1x"


def test_scopes_recorded_on_nodes():
    w = mg.tensor(0.5, requires_grad=True)
    h = mg.tensor(0.1)
    with mg.name_scope("rnn"), mg.name_scope("layer0"), mg.name_scope("forward"):
        for t in range(3):
            with mg.name_scope(f"t{t}"):
                h = (w * h).tanh()
    graph = mg.trace(h)
    assert graph.count_by("time_step") == {None: 2, 0: 2, 1: 2, 2: 2}
    op = graph.nodes[graph.node_id(h)]
    assert op["scope"] == ("rnn", "layer0", "forward", "t2")
    assert (op["module"], op["layer"], op["direction"], op["time_step"]) == \
        ("rnn", 0, "forward", 2)


def test_source_points_at_the_line_that_made_the_node():
    x = mg.tensor(1.0, requires_grad=True)
    y = x.exp(); line = y.source[1]  # noqa: E702  (same line on purpose)
    graph = mg.trace(y)
    source = graph.nodes[graph.node_id(y)]["source"]
    assert source == f"{__file__}:{line}"
    assert graph.nodes[graph.node_id(x)]["source"] is None


class Cell(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = mg.nn.Parameter(np.full((2, 2), 0.5, dtype=np.float32))
        self.bias = mg.nn.Parameter(np.zeros(2, dtype=np.float32))

    def forward(self, x):
        return (x @ self.weight + self.bias).tanh()


class Net(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = Cell()

    def forward(self, x):
        return self.cell(x).sum()


def test_parameter_names_from_modules_and_module_scope():
    net = Net()
    loss = net(mg.tensor([[1.0, 2.0]]))
    graph = mg.trace(loss, modules=net)
    names = {n["param_name"] for n in graph.nodes.values() if n["kind"] == "parameter"}
    assert names == {"cell.weight", "cell.bias"}
    weight = graph.nodes[graph.node_id(net.cell.weight)]
    assert weight["label"] == "cell.weight" and weight["requires_grad"]
    tanh = [n for n in graph.nodes.values() if n["op"] == "tanh"]
    assert len(tanh) == 1 and tanh[0]["module"] == "net.cell"


def test_modules_list_and_tensor_name_fallback():
    a, b = Cell(), Cell()
    x = mg.tensor([[1.0, 1.0]])
    out = (a(x) + b(x)).sum()
    graph = mg.trace(out, modules=[a])
    names = {n["param_name"] for n in graph.nodes.values() if n["kind"] == "parameter"}
    # b's parameters were never named by its module, but the caller holds b: they are
    # named within it, as b.named_parameters() would
    assert names == {"weight", "bias"}
    assert graph.nodes[graph.node_id(b.weight)]["kind"] == "parameter"
    assert b.weight.name is None                  # reading the caller's names names nothing
    # a tensor's own .name comes before the caller's variable
    w = mg.tensor(2.0, requires_grad=True)
    w.name = "w_hh"
    graph = mg.trace(w * 3.0)
    assert graph.nodes[graph.node_id(w)]["param_name"] == "w_hh"
    assert graph.nodes[graph.node_id(w)]["kind"] == "parameter"


def test_to_networkx_keeps_parallel_edges_and_attributes():
    x = mg.tensor(2.0, requires_grad=True)
    y = x * x
    graph = mg.trace(y, backward=True)
    G = graph.to_networkx()
    assert isinstance(G, nx.MultiDiGraph)
    xi, yi = graph.node_id(x), graph.node_id(y)
    assert G.number_of_nodes() == 2 and G.number_of_edges() == 2
    assert set(G[xi][yi]) == {0, 1}                       # key = input_index
    assert G.edges[xi, yi, 1] == {"input_index": 1, "grad_norm": pytest.approx(2.0)}
    assert set(G.nodes[yi]) == NODE_KEYS
    assert G.nodes[xi]["grad_norm"] == pytest.approx(4.0)
    assert G.graph["outputs"] == [yi]


def test_depth_and_counts_on_a_chain():
    x = mg.tensor(1.0, requires_grad=True)
    y = ((x.exp() * 2.0).tanh() + x).sum()
    graph = mg.trace(y)
    # x -> exp -> mul -> tanh -> add -> sum
    assert graph.depth() == 5
    assert graph.count_by("op") == {"exp": 1, "mul": 1, "tanh": 1, "add": 1, "sum": 1,
                                    None: 2}


def test_multiple_outputs_share_nodes():
    x = mg.tensor(1.0, requires_grad=True)
    h = x.tanh()
    a, b = h * 2.0, h + 1.0
    graph = mg.trace(a, b)
    assert len(graph.outputs) == 2
    assert [graph.nodes[n]["is_output"] for n in graph.outputs] == [True, True]
    assert graph.count_by("op")["tanh"] == 1
    with pytest.raises(ValueError):
        graph.backward()


def test_grad_of_links_backward_nodes_to_forward_nodes():
    x = mg.tensor(0.3, requires_grad=True, dtype=mg.float64)
    y = x.tanh()
    (dy,) = mg.grad(y, x, create_graph=True)
    graph = mg.trace(dy)
    tanh_id = graph.node_id(y)
    linked = [n for n in graph.nodes.values() if n["grad_of"] is not None]
    assert linked and all(n["grad_of"] == tanh_id for n in linked)
    assert graph.nodes[tanh_id]["grad_of"] is None
    assert dy.item() == pytest.approx(1 - np.tanh(0.3) ** 2)


def test_backward_restores_and_tees_the_previous_observer():
    seen = []

    class Recorder:
        def on_node(self, node, grad):
            seen.append(("node", node.op))

        def on_edge(self, node, position, input, grad):
            seen.append(("edge", node.op, position))

    recorder = Recorder()
    PER_THREAD.state.observer = recorder
    try:
        x = mg.tensor(1.0, requires_grad=True)
        graph = mg.trace(x * x)
        graph.backward()
        assert PER_THREAD.state.observer is recorder
        assert ("edge", "mul", 1) in seen
    finally:
        PER_THREAD.state.observer = None


def test_observer_restored_when_backward_fails():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    graph = mg.trace(x * 2.0)
    with pytest.raises(RuntimeError):
        graph.backward()            # non-scalar output without gradient
    assert PER_THREAD.state.observer is None
    graph.backward(gradient=np.ones(2, dtype=np.float32))
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def _structure(graph):
    """What of a captured graph survives a backward: per node (kind, op, shape, dtype,
    scope), and the edges."""
    nodes = [(a["kind"], a["op"], a["shape"], a["dtype"], a["scope"])
             for _, a in sorted(graph.nodes.items())]
    return nodes, sorted((s, d, a["input_index"]) for s, d, a in graph.edges)


@pytest.mark.parametrize("make", ["scalar", "lstm"])
def test_trace_after_a_freeing_backward_gives_the_same_structure(make):
    """The structure survives backward (as torchviz's make_dot after backward), the
    values do not: a second backward is still an error."""
    import models
    mg.manual_seed(0)
    if make == "scalar":
        x = mg.tensor(1.5, requires_grad=True)
        with mg.name_scope("t0"):
            y = (x * x).exp() + x
    else:
        y = models.LSTM(3, 4, num_layers=2)(mg.randn(3, 2, 3))[0].sum()
    before = _structure(mg.trace(y))
    y.backward()
    assert _structure(mg.trace(y)) == before
    with pytest.raises(GraphFreedError):
        y.backward()


def test_trace_rejects_non_tensors():
    with pytest.raises(TypeError):
        mg.trace(3.0)


def test_a_100000_step_chain_captures_without_recursion():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    graph = mg.trace(y)   # (its time: benchmarks/bench_scaling.py)
    # x, then per step one constant and one mul
    assert len(graph.nodes) == 200_001 and len(graph.edges) == 200_000
    assert graph.node_id(x) == 0 and graph.outputs == [200_000]


def slicing_graph():
    """A sequence sliced step by step (as the unroll loop does), with fan-out."""
    x = mg.tensor(np.arange(24.0).reshape(4, 2, 3) / 10, requires_grad=True, dtype=mg.float64)
    w = mg.tensor(np.linspace(-1, 1, 3), requires_grad=True, dtype=mg.float64)
    h = mg.zeros(2, 3, dtype=mg.float64)
    for t in range(4):
        h = (x[t] + h * w).tanh() + x[t, :, :1]
    return x, w, mg.trace(h.sum())


def test_slice_edges_get_the_norm_of_the_full_size_gradient():
    """Graph.backward takes the fast slice path (the slice's gradient stands for its
    scatter into zeros); a recorder that refuses it sees full-size gradients. The norms
    recorded must agree, and so must the gradients."""
    class FullSize:
        takes_slice_gradients = False

        def __init__(self):
            self.seen = []

        def on_node(self, node, grad):
            pass

        def on_edge(self, node, position, input, grad):
            if node.op == "getitem":
                self.seen.append(grad.shape)

    class SliceAware(FullSize):
        takes_slice_gradients = True

    def backward_watched_by(watcher):
        """slicing_graph()'s Graph.backward, `watcher` teed with the graph's recorder."""
        x, w, graph = slicing_graph()
        PER_THREAD.state.observer = watcher
        try:
            graph.backward()
        finally:
            PER_THREAD.state.observer = None
        return x, w, graph

    aware, full = SliceAware(), FullSize()
    x, w, fast = backward_watched_by(aware)
    assert sorted(set(aware.seen)) == [(2, 1), (2, 3)]  # the slices' own gradients
    fast_grads = x.grad.numpy(), w.grad.numpy()
    x2, w2, slow = backward_watched_by(full)
    assert set(full.seen) == {(4, 2, 3)}  # scattered into zeros of x's shape
    sliced = [(s, d, a["grad_norm"]) for s, d, a in fast.edges
              if fast.nodes[d]["op"] == "getitem"]
    assert len(sliced) == 8 and all(norm > 0 for _, _, norm in sliced)
    fast_norms = [a["grad_norm"] for _, _, a in fast.edges]
    slow_norms = [a["grad_norm"] for _, _, a in slow.edges]
    # edges from constants get no gradient (None) on both paths; the others agree
    assert [n is None for n in fast_norms] == [n is None for n in slow_norms]
    assert [n for n in fast_norms if n is not None] == \
        pytest.approx([n for n in slow_norms if n is not None], rel=1e-12)
    np.testing.assert_allclose(x2.grad.numpy(), fast_grads[0], rtol=1e-12)
    np.testing.assert_allclose(w2.grad.numpy(), fast_grads[1], rtol=1e-12)


# ------------------------------------------------------- kinds and names
def by_step(graph, kind):
    """{time step: sorted names} of the nodes of `kind`."""
    found = {}
    for attrs in graph.nodes.values():
        if attrs["kind"] == kind:
            found.setdefault(attrs["time_step"], []).append(attrs["name"])
    return {t: sorted(names) for t, names in found.items()}


def test_lstm_nodes_say_what_they_are_at_every_step():
    import models
    lstm = models.LSTM(3, 4, bidirectional=True)
    out, _ = lstm(mg.randn(5, 1, 3))
    loss = mg.nn.functional.mse_loss(out, mg.zeros(5, 1, 8))
    graph = mg.trace(loss, modules=lstm)
    # both directions: four gates and two states per step, named by the cell
    assert by_step(graph, "gate") == {t: sorted("ifgo" * 2) for t in range(5)}
    assert by_step(graph, "state") == {t: sorted("hc" * 2) for t in range(5)}
    # each direction starts from zeros of its own, outside the steps
    assert by_step(graph, "initial_state") == {None: ["c0", "c0", "h0", "h0"]}
    assert by_step(graph, "loss") == {None: ["loss"]}
    params = {a["name"] for a in graph.nodes.values() if a["kind"] == "parameter"}
    assert params == {name for name, _ in lstm.named_parameters()}
    # a state or gate keeps its op
    ops = {a["name"]: a["op"] for a in graph.nodes.values()
           if a["kind"] in ("state", "gate") and a["time_step"] == 2}
    assert ops == {"i": "getitem", "f": "getitem", "o": "getitem", "g": "tanh", "c": "add",
                   "h": "mul"}
    G = graph.to_networkx()
    assert sum(1 for _, a in G.nodes(data=True) if (a["kind"], a["name"]) == ("gate", "f")) == 10


def test_gru_and_jordan_states_and_gates():
    import models
    gru = models.GRU(2, 3)
    out, _ = gru(mg.randn(4, 1, 2))
    graph = mg.trace(out.sum())
    assert by_step(graph, "gate") == {t: ["n", "r", "z"] for t in range(4)}
    assert by_step(graph, "state") == {t: ["h"] for t in range(4)}
    jordan = models.JordanRNN(2, 3, 3)
    graph = mg.trace(jordan(mg.randn(4, 1, 2))[0].sum())
    assert by_step(graph, "state") == {t: ["y"] for t in range(4)}
    assert by_step(graph, "initial_state") == {None: ["y0"]}


def test_a_leaf_that_requires_grad_is_a_parameter_named_by_the_callers_variable():
    w = mg.tensor(0.5, requires_grad=True)       # the README's example
    h = mg.tensor(0.0)
    for t, x in enumerate([1.0, -0.5, 0.25]):
        with mg.name_scope(f"t{t}"):
            h = (w * h + x).tanh()
    graph = mg.trace((h - 1.0) ** 2)
    node = graph.nodes[graph.node_id(w)]
    assert (node["kind"], node["name"], node["param_name"]) == ("parameter", "w", "w")
    # held by no variable: "parameter", and no param_name to highlight by
    graph = mg.trace(mg.tensor(2.0, requires_grad=True) * 3.0)
    (leaf,) = [a for a in graph.nodes.values() if a["kind"] == "parameter"]
    assert (leaf["name"], leaf["param_name"]) == ("parameter", None)


def test_names_from_modules_come_before_the_callers_variables():
    net = Net()
    cell_weight = net.cell.weight   # noqa: F841  (a variable holding the parameter)
    graph = mg.trace(net(mg.tensor([[1.0, 2.0]])), modules=net)
    assert graph.nodes[graph.node_id(net.cell.weight)]["name"] == "cell.weight"


def test_value_summaries_and_op_attributes_are_plain_data():
    x = mg.tensor([[3.0, -4.0]], requires_grad=True)
    y = (x ** 2)[0, 1:]
    graph = mg.trace(y)
    assert graph.nodes[graph.node_id(x)]["value"] == {"norm": 5.0, "mean": -0.5}
    assert graph.nodes[graph.node_id(y)]["value"] == {"item": 16.0}
    assert graph.nodes[graph.node_id(y)]["attrs"] == {"index": (0, slice(1, None))}
    square = [a for a in graph.nodes.values() if a["op"] == "pow_const"][0]
    assert square["attrs"] == {"exponent": 2}


def test_release_drops_the_tensors_and_keeps_the_data():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    graph = mg.trace((x * x).sum(), backward=True)
    norms = [a["grad_norm"] for a in graph.nodes.values()]
    assert graph.release() is graph and not graph.has_tensors()
    assert [a["grad_norm"] for a in graph.nodes.values()] == norms
    with pytest.raises(KeyError, match="released"):
        graph.tensor(0)
    with pytest.raises(KeyError):
        graph.backward()
