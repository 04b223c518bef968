"""What is drawn: from a captured Graph to a View of nodes and edges, as plain data.

A view node is one graph node (detail "ops"), a cell standing for every op of one
(module, layer, direction, time step) (detail "cells"), a whole layer and direction
over all its steps (detail "layers"), or a gap standing for a run of time steps
that is not shown. Each graph node belongs to one view node (its *group*), except a
leaf read by several cells of one time step (the padding mask of step t, which every
layer and direction reads): above detail "ops" it is drawn inside each of them.

View edges are the graph edges between different groups, merged per pair of groups
(and per state, so that a cell hands h and c to the next one on two edges, labelled
h and c). Everything here is one linear pass over the graph; nothing reads a tensor.
"""
from dataclasses import dataclass, field

from . import labels

DETAILS = ("ops", "cells", "layers")
STATE_KINDS = ("state", "initial_state")


@dataclass
class ViewNode:
    key: object               # hashable identity of the group
    kind: str                 # a graph kind, or cell | layer | gap | grad
    time: object = None       # time step, or None outside the steps
    lane: object = None       # (module, layer, direction) of a node inside the steps
    members: list = field(default_factory=list)    # graph node ids
    out_members: set = field(default_factory=set)  # members with an edge leaving the group
    is_output: bool = False
    from_weights: bool = False  # a parameter, or an op computed from parameters only
    lines: list = field(default_factory=list)      # label lines (filled by `label_view`)
    grad_norm: object = None


@dataclass
class ViewEdge:
    tail: object              # group keys, in forward (data-flow) order
    head: object
    state: object = None      # "h", "c", ...: the state a recurrent edge carries
    from_weight: bool = False
    grad_norm: object = None  # largest norm among the merged graph edges
    highlighted: bool = False
    count: int = 0
    members: list = field(default_factory=list)   # indices of the graph edges merged


@dataclass
class View:
    nodes: dict               # key -> ViewNode, in first-seen (topological) order
    edges: list
    detail: str
    mode: str                 # forward | backward | grad-graph
    notes: list = field(default_factory=list)   # sentences for the title: what was folded


def drawn_nodes(graph, mode):
    """Graph node ids to draw: no 0-d constants (they go into their op's label); for a
    create_graph backward graph only the gradient ops and the parameters they read."""
    if mode != "grad-graph":
        return [n for n, a in graph.nodes.items() if a["kind"] != "constant"]
    used = {s for s, d, _ in graph.edges if graph.nodes[d]["grad_of"] is not None}
    return [n for n, a in graph.nodes.items()
            if a["grad_of"] is not None or (a["kind"] == "parameter" and n in used)]


def places(graph, mode):
    """node id -> (module, layer, direction, time_step) as drawn: a gradient op of a
    create_graph backward sits where its forward node is."""
    found = {}
    for node_id, attrs in graph.nodes.items():
        source = attrs
        if mode == "grad-graph" and attrs["grad_of"] is not None:
            source = graph.nodes[attrs["grad_of"]]
        found[node_id] = (source["module"], source["layer"], source["direction"],
                          source["time_step"])
    return found


def links(graph, node_ids):
    """(inputs, consumers) among `node_ids`: node id -> ids it reads / that read it."""
    wanted = set(node_ids)
    inputs, consumers = {}, {}
    for src, dst, _ in graph.edges:
        if src in wanted and dst in wanted:
            inputs.setdefault(dst, []).append(src)
            consumers.setdefault(src, []).append(dst)
    return inputs, consumers


def weight_derived(graph, node_ids, linked, where):
    """Ops computed from parameters only (e.g. `W.T` done once before the loop) that are
    not private to one time step: drawn once, with the parameters."""
    inputs, consumers = linked
    derived = set()
    for node_id in sorted(set(node_ids)):
        attrs = graph.nodes[node_id]
        if attrs["kind"] == "parameter" or attrs["op"] is None or node_id not in inputs:
            continue
        if not all(graph.nodes[i]["kind"] == "parameter" or i in derived
                   for i in inputs[node_id]):
            continue
        used_at = {where[c][3] for c in consumers.get(node_id, ())}
        if where[node_id][3] is None or len(used_at) > 1:
            derived.add(node_id)
    return derived


def placements(graph, node_ids, derived, linked, where):
    """(module, layer, direction, time_step) of every node drawn inside the steps.

    A node without a step (`x[t]` computed before the loop) whose consumers all sit in
    one cell is drawn in that cell; one whose consumers sit in several cells of one step
    gets (None, None, None, t): in the step, in no cell. Initial states and parameters
    stay outside (an initial state starts its row). Node ids are topological, so one
    pass in reverse order suffices.
    """
    _, consumers = linked
    place = {}
    for node_id in sorted(set(node_ids), reverse=True):
        attrs = graph.nodes[node_id]
        if attrs["kind"] in ("parameter", "initial_state") or node_id in derived:
            continue
        if where[node_id][3] is not None:
            place[node_id] = where[node_id]
            continue
        around = {place.get(c) for c in consumers.get(node_id, ())}
        if len(around) == 1 and None not in around:
            place[node_id] = around.pop()
        elif around and None not in around and len({p[3] for p in around}) == 1:
            place[node_id] = (None, None, None, around.pop()[3])  # in the step, no cell
    return place


def shared_leaves(graph, place, linked):
    """Leaves placed in a step but in no cell (read by several cells of that step, e.g.
    the step's padding mask): above detail "ops" each is drawn inside every cell that
    reads it, not as one more node per step that no collapse would remove."""
    inputs, consumers = linked
    return {node_id: consumers[node_id] for node_id, where in place.items()
            if where[0] is None and node_id not in inputs
            and graph.nodes[node_id]["op"] is None}


def group_key(node_id, where, detail):
    """The view group of one graph node at `detail` (a hashable key)."""
    if where is None or detail == "ops" or where[0] is None:
        return ("node", node_id)
    module, layer, direction, t = where
    if detail == "cells":
        return ("cell", module, layer, direction, t)
    return ("layer", module, layer, direction)


def build_view(graph, node_ids, detail, mode="forward", hidden_steps=(), highlighted=(),
               show_values=False):
    """Group `node_ids` of `graph` at `detail`, folding the steps in `hidden_steps`.

    Args:
        graph: a captured Graph (plain data only is read).
        node_ids: the graph node ids to draw (see `drawn_nodes`).
        detail: "ops", "cells" or "layers".
        mode: "forward", "backward" (the forward graph, gradients flowing against it)
            or "grad-graph" (the gradient ops of a create_graph backward).
        hidden_steps: time steps drawn as gap nodes (one per run of steps and lane).
        highlighted: indices of graph edges to highlight (paths to the loss).
        show_values: add each tensor's value (or norm and mean) to its label.
    Returns:
        View
    """
    where = places(graph, mode)
    linked = links(graph, node_ids)
    derived = weight_derived(graph, node_ids, linked, where)
    place = placements(graph, node_ids, derived, linked, where)
    shared = shared_leaves(graph, place, linked) if detail != "ops" else {}
    gap_of = _gap_keys(sorted(hidden_steps))
    # a folded node in no lane (a step's shared mask) goes to the first lane's gap
    first_lane = next((spot[:3] for spot in place.values() if spot[0] is not None), None)

    def key_of(node_id):
        spot = place.get(node_id)
        if spot is not None and spot[3] in gap_of:
            first, last = gap_of[spot[3]]
            lane = first_lane if spot[0] is None and first_lane else spot[:3]
            return ("gap", *lane, first, last)
        attrs = graph.nodes[node_id]
        if (spot is None and detail == "layers" and attrs["op"] is not None
                and attrs["direction"] is not None and node_id not in derived):
            # a whole-sequence op of one layer and direction (the input projection of
            # all steps at once) belongs to that layer's node
            return ("layer", attrs["module"], attrs["layer"], attrs["direction"])
        return group_key(node_id, spot, detail)

    groups, nodes, folded = {}, {}, {}
    for node_id in node_ids:
        if node_id in shared:
            readers = list(dict.fromkeys(key_of(c) for c in shared[node_id]))
            if len(readers) > 1:   # one reader (a gap): an ordinary member
                folded[node_id] = readers
                continue
        key = key_of(node_id)
        groups[node_id] = key
        view_node = nodes.get(key)
        if view_node is None:
            view_node = nodes[key] = _new_view_node(key, graph.nodes[node_id], place.get(node_id))
        view_node.members.append(node_id)
        view_node.is_output = view_node.is_output or graph.nodes[node_id]["is_output"]
        view_node.from_weights = (graph.nodes[node_id]["kind"] == "parameter"
                                  or node_id in derived)
    for node_id, readers in folded.items():   # no group of its own: its edges are inside
        for key in readers:
            nodes[key].members.append(node_id)
    edges = _merged_edges(graph, groups, nodes, set(highlighted))
    view = View(nodes, edges, detail, mode)
    label_view(view, graph, show_values)
    return view


def _merged_edges(graph, groups, nodes, highlighted):
    merged = {}
    for index, (src, dst, edge_attrs) in enumerate(graph.edges):
        tail, head = groups.get(src), groups.get(dst)
        if tail is None or head is None or tail == head:
            continue
        source = graph.nodes[src]
        state = None
        if (source["kind"] in STATE_KINDS and nodes[tail].kind != source["kind"]
                and nodes[tail].time is not None and nodes[head].time is not None):
            state = source["name"]   # a cell handing its h or c on to the next step
        edge = merged.get((tail, head, state))
        if edge is None:
            edge = merged[(tail, head, state)] = ViewEdge(
                tail, head, state, from_weight=nodes[tail].from_weights)
        edge.count += 1
        edge.members.append(index)
        norm = edge_attrs.get("grad_norm")
        if norm is not None and (edge.grad_norm is None or norm > edge.grad_norm):
            edge.grad_norm = norm
        if index in highlighted:
            edge.highlighted = True
        nodes[tail].out_members.add(src)
    return list(merged.values())


def _new_view_node(key, attrs, spot):
    kind = key[0]
    if kind == "node":
        kind = "grad" if attrs.get("grad_of") is not None else attrs["kind"]
        if spot is None or spot[0] is None:
            return ViewNode(key, kind, None if spot is None else spot[3])
        return ViewNode(key, kind, spot[3], spot[:3])
    if kind == "cell":
        return ViewNode(key, "cell", key[4], key[1:4])
    if kind == "layer":
        return ViewNode(key, "layer", None, key[1:4])
    return ViewNode(key, "gap", key[4], key[1:4])   # ("gap", module, layer, dir, first, last)


def _gap_keys(hidden_steps):
    """Map each hidden step to (first, last) of its run of consecutive steps."""
    gap_of, run = {}, []
    for t in list(hidden_steps) + [None]:
        if run and (t is None or t != run[-1] + 1):
            for s in run:
                gap_of[s] = (run[0], run[-1])
            run = []
        if t is not None:
            run.append(t)
    return gap_of


# ------------------------------------------------------------------ labels
def label_view(view, graph, show_values=False):
    """Fill in every view node's label lines and gradient norm (plain data): with
    `show_values` its value, in a backward view its |gradient|."""
    constants = _constant_inputs(graph, view)
    singles = [n.members[0] for n in view.nodes.values()
               if n.kind not in ("cell", "layer", "gap", "grad")]
    named = labels.expressions(graph, singles)
    for key, node in view.nodes.items():
        if node.kind in ("cell", "layer", "gap"):
            node.lines = _group_lines(node, graph)
            norms = [graph.nodes[m]["grad_norm"] for m in node.out_members]
            norms = [n for n in norms if n is not None]
            node.grad_norm = max(norms) if norms else None
            continue
        attrs = graph.nodes[node.members[0]]
        forward = graph.nodes[attrs["grad_of"]] if node.kind == "grad" else None
        node.lines = labels.node_lines(attrs, node.time, constants.get(key, ()), forward)
        if node.members[0] in named:   # e.g. "weight_hh_l0.T" above "transpose (4, 16)"
            node.lines = [named[node.members[0]], " ".join(node.lines[:2])]
        node.grad_norm = attrs["grad_norm"]
        if show_values and labels.format_value(attrs["value"]):
            node.lines.append(labels.format_value(attrs["value"]))
    if view.mode == "backward":
        for node in view.nodes.values():
            if node.grad_norm is not None:
                node.lines.append(f"|grad| {labels.format_norm(node.grad_norm)}")


def _constant_inputs(graph, view):
    """view key of an op node -> texts of the 0-d constants it takes (not drawn)."""
    ops = {node.members[0]: key for key, node in view.nodes.items()
           if node.kind not in ("cell", "layer", "gap")}
    found = {}
    for src, dst, _ in graph.edges:
        if dst in ops and graph.nodes[src]["kind"] == "constant":
            found.setdefault(ops[dst], []).append(graph.nodes[src]["label"])
    return found


def _group_lines(node, graph):
    ops = sum(1 for m in node.members if graph.nodes[m]["op"] is not None)
    if node.kind == "gap":
        return labels.gap_lines(node.key[4], node.key[5], ops)
    outputs = _handed_on(node, graph)
    if node.kind == "cell":
        return labels.cell_lines(node.lane[0], node.time, ops, outputs)
    steps = len({graph.nodes[m]["time_step"] for m in node.members} - {None})
    return labels.layer_lines(node.lane, steps, ops, outputs)


def _handed_on(node, graph):
    """Texts for what a group hands on: its states by name ("h, c (1, 4)"), else the
    shapes of its members read from outside."""
    states = {}
    for member in node.out_members:
        attrs = graph.nodes[member]
        if attrs["kind"] == "state":
            states.setdefault(labels.format_shape(attrs["shape"]), []).append(attrs["name"])
    if states:
        return [f"{', '.join(sorted(set(names), key=lambda n: (n != 'h', n)))} {shape}"
                for shape, names in states.items()]
    return sorted({labels.format_shape(graph.nodes[m]["shape"]) for m in node.out_members})
