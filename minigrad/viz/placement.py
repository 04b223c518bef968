"""Where each view node goes: its lane (row), its column, or its home beside a step.

Time runs left to right in columns, one per time step (a gap of collapsed steps takes
one column). Each (module, layer, direction) is a *lane*: one row of boxes, one box
per step. Lanes are ordered top to bottom: modules in the order they run, higher
layers above lower ones, the forward direction above the reverse one.

A node outside the time steps gets a *home* next to the boxes it is connected to:
- one box only (an initial state h0, the final state's stack): beside that box, on
  the side where the data enters or leaves it (a reverse lane runs right to left, so
  its h0 sits to the right of its last step); it is drawn with direct edges;
- several boxes: before the first box it feeds (the input projection of all steps,
  the shared weights), or after the last box that feeds it (the stacked outputs);
  each box then holds a *reference* to it (see plan.py), so no edge runs across the
  picture;
- no box: with the nodes it is connected to (a weight feeding the input projection),
  else nowhere in particular (`None`: a free node, e.g. in a graph without steps).
"""
from collections import deque

import networkx as nx

# order of the slots around a box, left to right (the box itself is "box")
SIDES = ("head", "start", "box", "end", "tail")


def lane_key(lane):
    """Sort key of the lanes of one module: higher layers on top, forward above reverse."""
    module, layer, direction = lane
    return (-(layer if layer is not None else -1), direction == "reverse")


def is_mirrored(lane):
    """A reverse lane reads the sequence right to left: its boxes are drawn mirrored."""
    return lane is not None and lane[2] == "reverse"


def lanes_in_order(view, column_of):
    """The lanes top to bottom: modules in order of their first column (then of first
    appearance), each module's lanes by `lane_key`."""
    first = {}
    for index, (key, node) in enumerate(view.nodes.items()):
        if key in column_of and node.lane is not None and node.lane[0] is not None:
            module = node.lane[0]
            first[module] = min(first.get(module, (column_of[key], index)),
                                (column_of[key], index))
    lanes = {node.lane for key, node in view.nodes.items()
             if key in column_of and node.lane is not None and node.lane[0] is not None}
    return sorted(lanes, key=lambda lane: (first[lane[0]], lane_key(lane)))


# ----------------------------------------------------------------- columns
def time_columns(view):
    """Column of every timed view node (key -> int), left to right from 0.

    Steps share a column when they share a time step, except that a module whose step
    reads (directly or through untimed nodes) the same or a later step of another
    module (a decoder's step 0 reads the encoder's last step) starts after that
    module's last step: drawn in parallel rows, that edge would run against time.
    """
    nodes = view.nodes
    offsets = {} if any(n.kind == "gap" for n in nodes.values()) else _module_offsets(view)
    shifted = {key: node.time + offsets.get(node.lane[0] if node.lane else None, 0)
               for key, node in nodes.items() if node.time is not None}
    order = sorted(set(shifted.values()))
    index = {t: i for i, t in enumerate(order)}
    return {key: index[t] for key, t in shifted.items()}, offsets


def _module_offsets(view):
    """module -> steps its columns are moved right by (only modules that move)."""
    span = {}
    for node in view.nodes.values():
        if node.time is not None and node.lane is not None:
            first, last = span.get(node.lane[0], (node.time, node.time))
            span[node.lane[0]] = (min(first, node.time), max(last, node.time))
    after = set() if len(span) < 2 else _runs_after(view)
    if not after:
        return {}
    names = list(span)   # graph nodes are positions in it (a module may be None)
    modules = nx.DiGraph([(names.index(a), names.index(b)) for a, b in after])
    try:
        order = [names[i] for i in nx.topological_sort(modules)]
    except nx.NetworkXUnfeasible:   # modules reading each other's later steps: keep rows
        return {}
    offsets = dict.fromkeys(span, 0)
    for later in order:   # the longest path: each module after all it runs after
        for i in modules.predecessors(names.index(later)):
            earlier = names[i]
            start = offsets[earlier] + span[earlier][1] + 1 - span[later][0]
            offsets[later] = max(offsets[later], start)
    return {module: shift for module, shift in offsets.items() if shift}


def _runs_after(view):
    """Pairs (earlier module, later module): a step of the later one reads, directly or
    through untimed nodes, the same or a later step of the earlier one."""
    nodes = view.nodes
    flow = nx.DiGraph()
    flow.add_nodes_from(nodes)
    for edge in view.edges:
        tail, head = edge.tail, edge.head
        if view.mode == "grad-graph" and not edge.from_weight:
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
        if node.time is not None and node.lane is not None:
            module = node.lane[0]
            after |= {(m, module) for m, t in reach.items() if m != module and t >= node.time}
            reach[module] = max(node.time, reach.get(module, node.time))
        latest[key] = reach
    return after


# ------------------------------------------------------------------- homes
def boxes_of(view, column_of, lanes):
    """key -> (lane, column) of every node drawn in a box. A node in a step but in no
    lane (a mask read by several lanes at ops detail) goes to the top lane's box; with
    no lane at all (every lane folded into a layer node) it is drawn as a node outside
    the steps."""
    present = {}
    for key, node in view.nodes.items():
        if key in column_of and node.lane is not None and node.lane[0] is not None:
            present.setdefault(column_of[key], []).append(node.lane)
    rank = {lane: i for i, lane in enumerate(lanes)}
    found = {}
    for key, node in view.nodes.items():
        if key not in column_of:
            continue
        lane = node.lane
        if lane is None or lane[0] is None:
            candidates = present.get(column_of[key], lanes)
            if not candidates:
                continue
            lane = min(candidates, key=rank.__getitem__)
        found[key] = (lane, column_of[key])
    return found


def homes(view, box_of, lanes):
    """Where each node outside the boxes lives, and how it reaches its boxes.

    (With one box only, what it reads or feeds, other than an initial state, goes
    before or after the steps as with many boxes, by reference.)

    Returns:
        (slot_of, by_reference): slot_of maps key -> slot (side, lane, column) or
        None (free); by_reference is the set of keys that reach their boxes through
        references drawn in those boxes.
    """
    rank = {lane: i for i, lane in enumerate(lanes)}
    feeds, fed_by, consumers, neighbours = {}, {}, {}, {}
    for edge in view.edges:
        tail, head = edge.tail, edge.head
        consumers.setdefault(tail, []).append(head)
        neighbours.setdefault(tail, []).append(head)
        neighbours.setdefault(head, []).append(tail)
        if head in box_of and tail not in box_of:
            feeds.setdefault(tail, set()).add(box_of[head])
        if tail in box_of and head not in box_of:
            fed_by.setdefault(head, set()).add(box_of[tail])
    slot_of, by_reference, after = {}, set(), {}
    several_columns = len({column for _, column in box_of.values()}) > 1
    for key in view.nodes:
        if key in box_of:
            continue
        into, out_of = feeds.get(key, set()), fed_by.get(key, set())
        # beside its one box: an initial state, or (with several steps) what one step
        # alone reads or feeds; with one step, the rows before and after it stay apart
        beside = several_columns or view.nodes[key].kind == "initial_state"
        if len(into | out_of) == 1 and beside:
            (lane, column), = into | out_of
            side = "start" if bool(into) != is_mirrored(lane) else "end"
            slot_of[key] = (side, lane, column)
        elif into:
            slot_of[key] = ("head", *_first_box(into, min, rank))
            by_reference.add(key)
        elif out_of:   # after the steps, unless it leads into some layer's head
            after[key] = ("tail", *_first_box(out_of, max, rank))
            by_reference.add(key)
    order = [key for key in view.nodes if key not in box_of]
    for key in reversed(order):   # consumers first (view order is topological)
        if key not in slot_of:
            joined = next((slot_of[c] for c in consumers.get(key, ())
                           if slot_of.get(c) and slot_of[c][0] == "head"), None)
            if joined is not None:
                slot_of[key] = joined
    for key, slot in after.items():
        slot_of.setdefault(key, slot)
    _attach_free_nodes(order, slot_of, consumers, neighbours)
    return slot_of, by_reference


def _first_box(boxes, pick, rank):
    """(lane, column) among `boxes` at the first (pick=min) or last (max) column, in the
    top-most lane there."""
    column = pick(c for _, c in boxes)
    return min((l for l, c in boxes if c == column), key=rank.__getitem__), column


def _attach_free_nodes(order, slot_of, consumers, neighbours):
    """A node with no box of its own joins the slot of a node it feeds (walking back
    from the consumers, so a weight joins its input projection), else of the nearest
    node with a slot (breadth first); one connected to no slot stays free (None)."""
    for key in reversed(order):
        if key in slot_of:
            continue
        found = next((slot_of[c] for c in consumers.get(key, ()) if slot_of.get(c)), None)
        if found is not None:
            slot_of[key] = found
    outside = set(order)   # nodes in no box
    frontier = deque(key for key in order if slot_of.get(key))
    while frontier:
        key = frontier.popleft()
        for other in neighbours.get(key, ()):
            if other in slot_of or other not in outside:
                continue
            slot_of[other] = slot_of[key]
            frontier.append(other)
    for key in order:
        slot_of.setdefault(key, None)
