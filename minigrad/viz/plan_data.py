"""The plan as plain data: nodes, edges, the items of each row, and the rows.

Made by plan.py, read by the emitter and by tests; nothing in it refers to a tensor.
"""
from dataclasses import dataclass, field


@dataclass
class PlanNode:
    name: str                 # the dot node name
    kind: str                 # a view kind, or "connector"
    lines: list
    key: object = None        # the view node drawn (a reference: the home's key)
    members: list = field(default_factory=list)   # graph node ids it stands for
    reference: bool = False   # a dashed copy of a node drawn once elsewhere
    is_output: bool = False
    source: bool = False      # the highlighted tensor, or a reference to it
    width: float = 0.0        # estimated, in points


@dataclass
class PlanEdge:
    tail: str                 # dot node names in layout order: tail left of head
    head: str
    back: bool = False        # the arrow points at the tail: data flows right to left
    kind: str = "data"        # data | weight | recurrent | order
    state: object = None      # the state a recurrent edge carries ("h", "c")
    label: object = None      # text written on the edge
    grad_norm: object = None
    highlighted: bool = False
    count: int = 1            # graph edges it stands for
    side: object = None       # "upper" or "lower": where a state's edge leaves and enters
    members: list = field(default_factory=list)   # indices of the graph edges drawn


@dataclass
class Item:
    name: str                 # the cluster's name
    kind: str                 # step | gap | head | start | end | tail | wrap-in | wrap-out
    column: int
    label: str
    nodes: list = field(default_factory=list)
    mirrored: bool = False
    width: float = 0.0
    first: list = field(default_factory=list)   # its nodes on its first rank
    last: list = field(default_factory=list)    # its nodes no edge inside it leaves


@dataclass
class Row:
    name: str
    band: int
    lane: object              # (module, layer, direction) of a row of steps, else None
    label: str
    items: list = field(default_factory=list)   # left to right
    kind: str = "steps"       # steps | head (before the steps) | tail (after them)


@dataclass
class Plan:
    nodes: dict               # name -> PlanNode
    edges: list
    rows: list                # top to bottom
    free: list                # names of nodes in no row
    same_rank: list           # lists of node names on one rank (the first of each column)
    mode: str
    detail: str
    flat: list = field(default_factory=list)   # (lower, upper) on one rank, stacked
    bands: int = 1
    per_band: int = 1         # columns per band
    rankdir: str = "LR"       # TB for a picture without steps too wide for the page
    width: float = 0.0        # estimated width in points (wrap.picture_width)
    page_width: object = None
    notes: list = field(default_factory=list)
