"""Buses: one line along the time axis instead of one long edge per time step.

A node outside the time steps that feeds many steps (a shared weight, the input
sequence) or is fed by many (the `stack` of outputs) would need one edge per
step, each spanning up to T ranks: O(T^2) work for dot. A bus instead is a chain
of small tap points, one in each time step's cluster: the anchor connects to the
first tap, consecutive taps are joined, and each tap connects to the nodes of its
step. Every edge is then short, and the picture still ties the anchor to every
step. The logical edge keeps its id (`e_<tail>_<head>`), only its drawn end moves
to the tap.

With detail="ops", a fan over fewer than BUS_MIN_STEPS steps keeps its direct
edges: they read well next to a step's many small ops. A cells view of fewer steps
buses every fan that reaches all of its steps (see `min_fan_steps`).
"""
from dataclasses import dataclass, field

BUS_MIN_STEPS = 6
FAN_IN_BUSES = True


@dataclass
class Bus:
    name: str
    side: str                 # "out": anchors feed the steps; "in": steps feed the anchor
    anchors: list
    times: list = field(default_factory=list)
    edges: list = field(default_factory=list)   # the logical ViewEdges it carries
    from_weight: bool = False
    own_anchor: bool = False  # one anchor only (a highlighted weight, or not a weight)

    def tap(self, t):
        return f"{self.name}_t{t}".replace(".", "_").replace("-", "m")


def plan_buses(view, mode):
    """Buses for the fan-outs and fan-ins that span at least BUS_MIN_STEPS steps.

    Returns:
        (buses, taps): taps maps id(edge) -> (bus, "tail" or "head"), the end of
        that edge which is drawn at the bus tap instead of at the anchor.
    """
    nodes = view.nodes
    fans = {}
    for edge in view.edges:
        if mode == "grad-graph" and not edge.from_weight:
            continue
        tail_time, head_time = nodes[edge.tail].time, nodes[edge.head].time
        if tail_time is None and head_time is not None:
            fans.setdefault(("out", edge.tail), []).append((edge, edge.head))
        elif tail_time is not None and head_time is None and FAN_IN_BUSES:
            fans.setdefault(("in", edge.head), []).append((edge, edge.tail))
    highlighted_anchors = {e.tail for e in view.edges if e.highlighted}
    buses, taps = {}, {}
    for (side, anchor), fan in fans.items():
        reached = {nodes[timed].module for _, timed in fan}
        if len({nodes[timed].time for _, timed in fan}) < min_fan_steps(view, reached):
            continue
        for edge, timed in fan:
            inner = (nodes[timed].module, nodes[timed].layer, nodes[timed].direction)
            own = side == "in" or not edge.from_weight or anchor in highlighted_anchors
            key = (side, inner, anchor if own else "weights")
            bus = buses.get(key)
            if bus is None:
                bus = buses[key] = Bus(f"bus{len(buses)}", side, [], from_weight=edge.from_weight,
                                       own_anchor=own)
            if anchor not in bus.anchors:
                bus.anchors.append(anchor)
            bus.edges.append(edge)
            if nodes[timed].time not in bus.times:
                bus.times.append(nodes[timed].time)
            taps[id(edge)] = (bus, "tail" if side == "out" else "head")
    for bus in buses.values():
        bus.times.sort()
    return list(buses.values()), taps


def min_fan_steps(view, modules=None):
    """How many steps a fan to the steps of `modules` (None: all) must reach to be
    drawn as a bus.

    BUS_MIN_STEPS, except in a cells view of fewer steps, where every fan reaching
    all of them (at least 2) is bused (counting the columns of the modules it reaches,
    and the gaps: a decoder drawn after its encoder has columns of its own). There an
    anchor (the input projection, a
    weight's transpose) sits beside the first steps, so its direct edges run
    backwards or straight down into the later steps and pull the cells off their
    row; and such an edge, which must not constrain the ranks, makes dot 2.43 fail
    ("trouble in init_rank") when it carries a label (a highlighted path) and lands
    on one rank between two clusters. A bus edge is short, ranked and unlabelled.
    """
    if view.detail == "ops":
        return BUS_MIN_STEPS
    columns = {node.time for node in view.nodes.values() if node.time is not None
               and (modules is None or node.kind == "gap" or node.module in modules)}
    return max(2, min(BUS_MIN_STEPS, len(columns)))
