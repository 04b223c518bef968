"""From a captured Graph to a *view*: the nodes and edges that will be drawn.

A view node is either one graph node (detail "ops"), a cell that stands for
every op of one (module, layer, direction, time step) (detail "cells"), a whole
layer/direction over all steps (detail "layers"), or a gap node standing for a
run of time steps that is not shown. Each graph node maps to at most one view
node (its *group*), except a leaf read by several cells of one time step (the
padding mask of step t that every layer and direction of an RNN with `lengths`
reads, the zero initial state shared by stacked layers): above detail "ops" it
is drawn inside each of those cells or layers, as a leaf read by one cell is
inside that cell. View edges are the graph edges between different groups,
merged per pair of groups. Everything here is one linear pass over the graph.
"""
from dataclasses import dataclass, field

DETAILS = ("ops", "cells", "layers")


@dataclass
class ViewNode:
    key: object               # hashable identity of the group
    kind: str                 # op | param | input | constant | cell | layer | gap | grad
    time: object = None       # time step (float for a gap: its middle), or None
    module: str = ""
    layer: object = None
    direction: object = None
    members: list = field(default_factory=list)   # graph node ids
    out_members: set = field(default_factory=set)  # members with an edge leaving the group
    is_output: bool = False
    from_weights: bool = False  # a parameter, or an op computed from parameters only


@dataclass
class ViewEdge:
    tail: object              # group keys, in forward (data-flow) order
    head: object
    from_weight: bool = False
    grad_norm: object = None  # largest norm among the merged graph edges
    highlighted: bool = False
    count: int = 0


@dataclass
class View:
    nodes: dict               # key -> ViewNode, in first-seen (topological) order
    edges: list
    detail: str
    notes: list               # sentences for the graph label: what was collapsed


def links(graph, node_ids):
    """(inputs, consumers) among `node_ids`: node id -> ids of the nodes it reads
    from, and of the nodes that read it (edges to or from other nodes left out)."""
    wanted = set(node_ids)
    inputs, consumers = {}, {}
    for src, dst, _ in graph.edges:
        if src in wanted and dst in wanted:
            inputs.setdefault(dst, []).append(src)
            consumers.setdefault(src, []).append(dst)
    return inputs, consumers


def placements(graph, node_ids, derived, linked):
    """(module, layer, direction, time_step) of every node that has a time step.

    A node without one (say `x[t]`, computed before the loop) whose consumers all
    sit in the same cell adopts that cell's place, so it is drawn inside it; one
    whose consumers sit in several cells of one step gets (None, None, None, t):
    in the step, in no cell (see `shared_leaves` for the leaves among them).
    Node ids are topological, so one pass over them in reverse order suffices.
    `derived` is `weight_derived(...)`, `linked` is `links(graph, node_ids)`.
    """
    _, consumers = linked
    place = {}
    for node_id in sorted(set(node_ids), reverse=True):
        attrs = graph.nodes[node_id]
        if attrs["kind"] == "param" or node_id in derived:
            continue
        if attrs["time_step"] is not None:
            place[node_id] = (attrs["module"], attrs["layer"], attrs["direction"],
                              attrs["time_step"])
            continue
        around = {place.get(c) for c in consumers.get(node_id, ())}
        if len(around) == 1 and None not in around:
            place[node_id] = around.pop()
        elif around and None not in around and len({p[3] for p in around}) == 1:
            place[node_id] = (None, None, None, around.pop()[3])  # in the step, no cell
    return place


def weight_derived(graph, node_ids, linked):
    """Ops computed from parameters only (e.g. `W.T` done once before the loop) that
    are not private to one time step: drawn once, with the shared weights.
    `linked` is `links(graph, node_ids)`."""
    inputs, consumers = linked
    derived = set()
    for node_id in sorted(set(node_ids)):
        attrs = graph.nodes[node_id]
        if attrs["kind"] != "op" or node_id not in inputs:
            continue
        if not all(graph.nodes[i]["kind"] == "param" or i in derived for i in inputs[node_id]):
            continue
        used_at = {graph.nodes[c]["time_step"] for c in consumers.get(node_id, ())}
        if attrs["time_step"] is None or len(used_at) > 1:
            derived.add(node_id)
    return derived


def shared_leaves(graph, place, linked):
    """Leaves (no inputs among the drawn nodes) placed in a step but in no cell: read
    by several cells of that step, e.g. the step's padding mask, which every layer
    and direction of a layer run with `lengths` reads. Above detail "ops" each is
    folded into every cell (or layer) that reads it instead of being drawn on its
    own: drawn alone it would be one extra node per step, which no collapse of the
    steps into layers removes. `linked` is `links(graph, node_ids)`."""
    inputs, consumers = linked
    return {node_id: consumers[node_id] for node_id, where in place.items()
            if where[0] is None and node_id not in inputs
            and graph.nodes[node_id]["kind"] != "op"}


def group_key(node_id, place, detail):
    """The view group of one graph node at `detail` (a hashable key)."""
    if place is None or detail == "ops" or place[0] is None:
        return ("node", node_id)
    module, layer, direction, t = place
    if detail == "cells":
        return ("cell", module, layer, direction, t)
    return ("layer", module, layer, direction)


def build_view(graph, node_ids, detail, hidden_steps=(), highlighted_edges=None):
    """Group `node_ids` of `graph` at `detail`, hiding the steps in `hidden_steps`.

    Args:
        graph: a captured Graph.
        node_ids: iterable of the graph node ids to draw (others are dropped).
        detail: "ops", "cells" or "layers".
        hidden_steps: time steps replaced by gap nodes (one per run of steps).
        highlighted_edges: set of edge indices (into graph.edges) to highlight.
    Returns:
        View
    """
    gap_of = _gap_keys(sorted(hidden_steps))
    linked = links(graph, node_ids)
    derived = weight_derived(graph, node_ids, linked)
    place = placements(graph, node_ids, derived, linked)
    shared = shared_leaves(graph, place, linked) if detail != "ops" else {}

    def key_of(node_id):
        attrs = graph.nodes[node_id]
        where = place.get(node_id)
        if where is not None and where[3] in gap_of:
            return gap_of[where[3]]
        if (where is None and detail == "layers" and attrs["kind"] == "op"
                and attrs["direction"] is not None and node_id not in derived):
            # a whole-sequence op of one layer and direction (the input projection
            # of all steps at once) belongs to that layer's node
            return ("layer", attrs["module"], attrs["layer"], attrs["direction"])
        return group_key(node_id, where, detail)

    groups, nodes, folded = {}, {}, {}
    for node_id in node_ids:
        attrs = graph.nodes[node_id]
        where = place.get(node_id)
        if node_id in shared:
            readers = list(dict.fromkeys(key_of(c) for c in shared[node_id]))
            if len(readers) > 1:   # one group (a gap) is an ordinary member
                folded[node_id] = readers   # added once the readers' groups exist
                continue
        key = key_of(node_id)
        groups[node_id] = key
        view_node = nodes.get(key)
        if view_node is None:
            view_node = nodes[key] = _new_view_node(key, attrs, where)
        view_node.members.append(node_id)
        view_node.is_output = view_node.is_output or attrs["is_output"]
        view_node.from_weights = attrs["kind"] == "param" or node_id in derived
    for node_id, readers in folded.items():   # no group of its own: its edges are inside
        for key in readers:
            nodes[key].members.append(node_id)
    merged = {}
    highlighted_edges = highlighted_edges or ()
    for index, (src, dst, edge_attrs) in enumerate(graph.edges):
        tail, head = groups.get(src), groups.get(dst)
        if tail is None or head is None or tail == head:
            continue
        edge = merged.get((tail, head))
        if edge is None:
            edge = merged[(tail, head)] = ViewEdge(
                tail, head, from_weight=nodes[tail].from_weights)
        edge.count += 1
        norm = edge_attrs.get("grad_norm")
        if norm is not None and (edge.grad_norm is None or norm > edge.grad_norm):
            edge.grad_norm = norm
        if index in highlighted_edges:
            edge.highlighted = True
        nodes[tail].out_members.add(src)
    return View(nodes, list(merged.values()), detail, [])


def _new_view_node(key, attrs, where):
    kind = key[0]
    if kind == "node":
        kind = "grad" if attrs.get("grad_of") is not None else attrs["kind"]
        if where is None:
            return ViewNode(key, kind, None, attrs["module"])
        return ViewNode(key, kind, where[3], where[0], where[1], where[2])
    if kind == "cell":
        return ViewNode(key, "cell", key[4], key[1], key[2], key[3])
    if kind == "layer":
        return ViewNode(key, "layer", None, key[1], key[2], key[3])
    return ViewNode(key, "gap", (key[1] + key[2]) / 2)  # ("gap", first, last)


def _gap_keys(hidden_steps):
    """Map each hidden step to ("gap", first, last) of its run of consecutive steps."""
    gap_of, run = {}, []
    for t in list(hidden_steps) + [None]:
        if run and (t is None or t != run[-1] + 1):
            key = ("gap", run[0], run[-1])
            for s in run:
                gap_of[s] = key
            run = []
        if t is not None:
            run.append(t)
    return gap_of


def time_steps(graph, node_ids):
    """Sorted distinct time steps among `node_ids`."""
    return sorted({graph.nodes[n]["time_step"] for n in node_ids} - {None})


def window_steps(steps, selection):
    """The steps kept by `selection` (a slice over the list of steps, or None)."""
    if selection is None:
        return list(steps)
    if isinstance(selection, int):
        selection = slice(selection, selection + 1)
    if not isinstance(selection, slice):
        raise TypeError(f"render: steps must be a slice (e.g. slice(0, 5)) or an int, "
                        f"got {type(selection).__name__}")
    return list(steps)[selection]


def ends_to_keep(steps, per_step, fixed, max_nodes):
    """How many steps to keep at each end so that about `max_nodes` nodes are drawn."""
    room = max_nodes - fixed - 1            # 1 for the gap node
    keep = max(1, int(room // max(per_step, 1)) // 2)
    return min(keep, len(steps) // 2)
