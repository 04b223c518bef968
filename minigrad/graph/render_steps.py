"""Where things go: the time steps on one horizontal band, the rest around it.

With rankdir LR, dot's ranks are x positions; the vertical position of a node is
chosen by dot's crossing minimisation and its network-simplex placement. Left to
itself, dot lets the rank ranges of consecutive step clusters overlap and then
stacks the clusters, so a long unroll slopes downward. Here:

- every step's cluster gets one invisible *lane anchor* per (layer, direction)
  sub-cluster at its left edge and one *out anchor* at its right edge; every node
  of the step lies between them (zero-weight invisible edges), and the out anchor
  of step t comes before the lane anchors of the next step. Rank ranges of steps
  never overlap, so no step is ever pushed above or below another;
- the lane anchors of one lane are chained from step to step by invisible edges of
  high weight: dot keeps each chain straight, so every lane runs level from left
  to right, and so do its recurrent edges;
- the lane anchors of one step share a rank; with several lanes (layers, directions)
  each lane is one row cluster spanning every step (two clusters on the same ranks
  cannot cross, so the order holds at every step):
  higher layers above lower ones, the forward direction above the reverse one;
- the shared weights and the whole-sequence ops (the input projection of all steps
  at once, stacked outputs of a lower layer) are drawn once, in their own bands
  above and below the steps: their edges to the steps do not constrain the ranks
  (constraint=false) and their band anchors share the first step's rank, ordered
  weights / steps / sequence band;
- a module that runs after another one (the decoder of an encoder-decoder, whose
  step 0 reads the encoder's last step) gets columns of its own, after the other
  module's last step, rather than a row beside it (see `time_columns`).
"""
from collections import deque
from dataclasses import replace

import networkx as nx

ANCHOR = {"shape": "point", "width": "0.01", "height": "0.01", "style": "invis", "label": ""}
INVISIBLE = {"style": "invis"}
LANE_WEIGHT = "60"


def classify(view):
    """Split view keys into weights, per-step lanes, sequence band and the rest.

    Returns:
        (weights, steps, band, loose): steps maps time -> {lane: [keys]} with
        lane = (module or None, layer, direction); band holds the untimed
        non-weight nodes that feed some time step; loose the others (outputs, gaps).
    """
    modules = {n.module for n in view.nodes.values() if n.time is not None and n.kind != "gap"}
    shared = {e.tail for e in view.edges if e.from_weight and view.nodes[e.head].time is not None}
    feeders = {}
    for edge in view.edges:
        feeders.setdefault(edge.head, []).append(edge.tail)
    grown = True
    while grown:  # parameters feeding weight-derived ops that feed the steps
        more = {e.tail for e in view.edges if e.from_weight and e.head in shared} - shared
        shared |= more
        grown = bool(more)
    weights = [k for k, n in view.nodes.items() if n.from_weights and k in shared]
    timed = [k for k, n in view.nodes.items() if n.time is not None and n.kind != "gap"]
    band, pending = set(), deque(timed)
    while pending:   # walk back from the steps through untimed nodes
        key = pending.popleft()
        for tail in feeders.get(key, ()):
            node = view.nodes[tail]
            if node.time is None and tail not in band and tail not in shared:
                band.add(tail)
                pending.append(tail)
    steps = {}
    for key in timed:
        node = view.nodes[key]
        lane = (node.module if len(modules) > 1 else None, node.layer, node.direction)
        steps.setdefault(node.time, {}).setdefault(lane, []).append(key)
    placed = set(weights) | set(timed) | band
    loose = [k for k in view.nodes if k not in placed]
    return weights, steps, [k for k in view.nodes if k in band], loose


def time_columns(view, mode):
    """The view with each step placed in its column (left to right), and the shift
    from time step to column of each module.

    Steps share a column when they share a time step, except that a module whose
    step reads (directly or through untimed nodes) the same or a later step of
    another module (the decoder's step 0 reads the encoder's last step) starts
    after that module's last step: as rows side by side, that edge would run
    against the time order or across the rows, and dot fails to route it. Layers
    and directions of one module, modules that only read earlier steps of each
    other, and every step of a view with gaps (a gap stands for the same steps of
    every module) keep their shared columns.

    Returns:
        (view, offsets): offsets maps module -> columns added to its time steps
        (only modules that moved); view is `view` itself when nothing moved.
    """
    nodes = view.nodes
    if any(node.kind == "gap" for node in nodes.values()):
        return view, {}
    span = {}   # module -> (first, last) time step
    for node in nodes.values():
        if node.time is not None:
            first, last = span.get(node.module, (node.time, node.time))
            span[node.module] = (min(first, node.time), max(last, node.time))
    after = set() if len(span) < 2 else _runs_after(view, mode)
    if not after:
        return view, {}
    names = list(span)   # graph nodes are positions in it (a module may be None)
    modules = nx.DiGraph([(names.index(a), names.index(b)) for a, b in after])
    try:
        order = [names[i] for i in nx.topological_sort(modules)]
    except nx.NetworkXUnfeasible:   # modules reading each other's later steps: keep rows
        return view, {}
    offsets = dict.fromkeys(span, 0)
    for later in order:   # the longest path: each module after all it runs after
        for i in modules.predecessors(names.index(later)):
            earlier = names[i]
            start = offsets[earlier] + span[earlier][1] + 1 - span[later][0]
            offsets[later] = max(offsets[later], start)
    offsets = {module: shift for module, shift in offsets.items() if shift}
    shifted = {key: replace(node, time=node.time + offsets[node.module])
               if node.time is not None and node.module in offsets else node
               for key, node in nodes.items()}
    return replace(view, nodes=shifted), offsets


def _runs_after(view, mode):
    """Pairs (earlier module, later module) where a step of the later module reads,
    directly or through untimed nodes, the same or a later step of the earlier one."""
    nodes = view.nodes
    flow = nx.DiGraph()
    flow.add_nodes_from(nodes)
    for edge in view.edges:
        tail, head = edge.tail, edge.head
        if mode == "grad-graph" and not edge.from_weight:
            tail, head = head, tail   # back to the forward data flow
        flow.add_edge(tail, head)
    try:
        order = list(nx.topological_sort(flow))
    except nx.NetworkXUnfeasible:   # a cycle: keep the rows
        return set()
    latest, after = {}, set()   # key -> {module: latest step it depends on}
    for key in order:
        reach = {}
        for tail in flow.predecessors(key):
            for module, t in latest[tail].items():
                reach[module] = max(t, reach.get(module, t))
        node = nodes[key]
        if node.time is not None and node.kind != "gap":
            after |= {(module, node.module) for module, t in reach.items()
                      if module != node.module and t >= node.time}
            reach[node.module] = max(node.time, reach.get(node.module, node.time))
        latest[key] = reach
    return after


def lane_order(lane):
    """Sort key: higher layers on top, forward above reverse, plain steps first."""
    module, layer, direction = lane
    return (module or "", -(layer if layer is not None else -1), direction == "reverse")


def lane_rows(steps):
    """The lanes, top to bottom, when they are drawn as rows (one cluster per lane
    spanning every step: more than one lane, every node in one); else None."""
    lanes = sorted({lane for step in steps.values() for lane in step}, key=lane_order)
    if len(lanes) > 1 and (None, None, None) not in lanes:
        return lanes
    return None


def mirrored(view, tail, head):
    """True for an edge inside one reverse-direction lane: the reverse RNN reads the
    sequence right to left, so its ops within a step are drawn right to left too and
    the recurrent edge from one step to the next stays short."""
    a, b = view.nodes[tail], view.nodes[head]
    return (a.direction == "reverse" and (a.module, a.layer, a.direction)
            == (b.module, b.layer, b.direction))


def lane_anchor(t, lane):
    module, layer, direction = lane
    return f"lane_t{t}_{module or ''}_{layer}_{direction}".replace(".", "_")


def order_node(t):
    return f"order_t{t}"


def lane_exit(t, lane):
    return "exit" + lane_anchor(t, lane)[4:]


def emit_order(dot, view, names, steps, taps, gaps, bands):
    """The invisible nodes and edges described in the module docstring.

    Args:
        names: view key -> dot node name.
        steps: from `classify`.
        taps: time -> {"out": [tap names], "in": [tap names]} (bus taps in the step).
        gaps: view keys of gap nodes (collapsed runs of steps), placed in time order.
        bands: [(anchor name, [dot names of the band's entry nodes]) or None] for the
            weights band (above the steps) and the sequence band (below).
    """
    local_tail, local_head = set(), set()   # in drawn (left to right) orientation
    step_of = {key: t for t, lanes in steps.items() for keys in lanes.values() for key in keys}
    for edge in view.edges:
        t = step_of.get(edge.tail)
        if t is not None and t == step_of.get(edge.head):
            left, right = edge.tail, edge.head
            if mirrored(view, left, right):
                left, right = right, left
            local_head.add(right)
            local_tail.add(left)
    no_taps = {"out": [], "in": []}
    columns = sorted([(t, "step") for t in steps]
                     + [(view.nodes[g].time, g) for g in gaps], key=lambda c: c[0])
    previous_exits, last_exit = [], {}
    for t, what in columns:
        if what != "step":      # a gap node: one column of its own
            gap = names[what]
            for name in previous_exits:
                dot.edge(name, gap, weight=LANE_WEIGHT, **INVISIBLE)
            last_exit = {lane: gap for lane in last_exit}
            previous_exits = [gap]
            continue
        lanes = sorted(steps[t], key=lane_order)
        # one lane taking over from another (a decoder after its encoder): same row
        handover = "0" if len(lanes) > 1 or lanes[0] in last_exit else LANE_WEIGHT
        entries = [lane_anchor(t, lane) for lane in lanes]
        exits = [lane_exit(t, lane) for lane in lanes]
        step_taps = taps.get(t, no_taps)
        for column, side in ((entries, "out"), (exits, "in")):
            with dot.subgraph() as same:
                same.attr(rank="same")
                for name in column + step_taps[side]:
                    same.node(name)
        if len(entries) > 1:   # fixed top-to-bottom order of the lanes
            for entry in entries:
                dot.edge(order_node(t), entry, weight="0", **INVISIBLE)
        for lane, entry, exit_ in zip(lanes, entries, exits):
            dot.edge(entry, exit_, weight=LANE_WEIGHT, **INVISIBLE)
            for key in steps[t][lane]:
                if key not in local_head:
                    dot.edge(entry, names[key], weight="0", minlen="0", **INVISIBLE)
                if key not in local_tail:
                    dot.edge(names[key], exit_, weight="0", minlen="0", **INVISIBLE)
            before = last_exit.get(lane)
            if before is not None:
                dot.edge(before, entry, weight=LANE_WEIGHT, **INVISIBLE)
            last_exit[lane] = exit_
        for name in previous_exits:
            for entry in entries[:1] if len(entries) > 1 else entries:
                dot.edge(name, order_node(t) if len(entries) > 1 else entry,
                         weight=handover if len(previous_exits) == 1 else "0", **INVISIBLE)
        previous_exits = exits
    first = sorted(steps)[0] if steps else None
    if first is None:
        return
    first_anchors = [lane_anchor(first, lane) for lane in sorted(steps[first], key=lane_order)]
    top, bottom = bands
    # a band starts where the steps start; its edges to the steps leave it free to
    # sit above or below them, wherever its bus runs
    for band in (top, bottom):
        if band and not lane_rows(steps):   # (across a row cluster, dot loses the edge)
            dot.edge(first_anchors[0], band[0], weight="0", minlen="0", **INVISIBLE)
    for band in (top, bottom):
        if band:
            for entry in band[1]:
                dot.edge(band[0], entry, weight="0", minlen="0", **INVISIBLE)
