"""The plan: where everything goes, as plain data that tests can read and assert on.

From a View, the plan makes
- *rows*: one per lane (layer and direction) and band; a long unroll wraps onto
  several bands, each as wide as the page. A row holds *items*, left to right: the
  step boxes, and the slots beside them (the input projection before the first step,
  the initial state at the start of the lane, the stacked outputs after the last);
- *references*: a node outside the steps that several boxes read (a shared weight,
  the input projection of all steps) is drawn once at its home and again, dashed, in
  every box that reads it, where its edges start; a node that several boxes feed (the
  stack of outputs) likewise. No edge runs across the picture;
- *connectors*: an edge from the last step of a band to the first of the next (the
  state handed on) ends at a tag at the end of the band ("h -> t=6") and starts again
  at a tag at the start of the next ("h from t=5");
- the *layout order* of every edge: dot lays out edges left to right, so an edge is
  given from its left end to its right end, and `back` says when the data flows the
  other way (a reverse lane, whose boxes are mirrored, the backward pass);
- the order constraints: invisible edges from each item to the next in its row, and
  one rank per column for the first nodes of every box in it.
Everything dot needs is here; the emitter only writes it out. The pieces: where each
node lives (placement.py), how wide things are and where a band wraps (wrap.py),
references stacked on their node's rank (stacking.py), the tags across bands
(connectors.py), the order edges and same-rank groups (ranks.py), dot's bugs
(dot_bugs.py); the plan's data classes are in plan_data.py.
"""
from . import dot_bugs, labels, placement, style, wrap
from .connectors import Connectors
from .plan_data import Item, Plan, PlanEdge, PlanNode, Row
from .ranks import constrain
from .placement import SIDES, is_mirrored
from .stacking import stack_references


def make_plan(view, page_width=None, highlight_source=None, label_edges=False):
    """Plan the drawing of `view`.

    Args:
        view: the View to draw.
        page_width: points per band, or None for one long strip.
        highlight_source: view key of the highlighted tensor, or None.
        label_edges: write |gradient| on highlighted edges.
    """
    plan = _plan(view, page_width, highlight_source, label_edges, None)
    # the estimate of the whole picture (ranks shared by all rows) can still exceed the
    # page: then fewer columns per band
    while page_width is not None and plan.width > page_width and plan.per_band > 1:
        plan = _plan(view, page_width, highlight_source, label_edges, plan.per_band - 1)
    if page_width is not None and plan.width > page_width and not plan.rows:
        plan.rankdir = "TB"   # no time axis to keep left to right: the data flows down
        return plan
    if page_width is not None and plan.width > page_width:
        plan.notes.append(f"one step is wider than the page: scaled down to about "
                          f"{100 * page_width / plan.width:.0f}% (width=None draws it full size)")
    return plan


def _plan(view, page_width, highlight_source, label_edges, per_band):
    column_of, offsets = placement.time_columns(view)
    lanes = placement.lanes_in_order(view, column_of)
    box_of = placement.boxes_of(view, column_of, lanes)
    slot_of, by_reference = placement.homes(view, box_of, lanes)
    plan = Plan({}, [], [], [], [], view.mode, view.detail, page_width=page_width,
                notes=list(view.notes))
    builder = _Builder(plan, view, offsets, highlight_source, label_edges, len(
        {lane[0] for lane in lanes}) > 1)
    builder.place_nodes(box_of, slot_of)
    builder.add_edges(box_of, by_reference)
    stack_references(plan, view.mode)
    builder.wrap(page_width, lanes, per_band)
    builder.order()
    dot_bugs.apply(plan)
    plan.width = wrap.picture_width(plan)
    return plan


class _Builder:
    """The steps of `make_plan`, sharing its bookkeeping."""

    def __init__(self, plan, view, offsets, highlight_source, label_edges, many_modules):
        self.plan, self.view, self.offsets = plan, view, offsets
        self.source, self.label_edges, self.many_modules = (highlight_source, label_edges,
                                                            many_modules)
        self.items = {}        # (side, lane, column) -> Item
        self.item_of = {}      # node name -> its item's key
        self.names = {key: f"n{i}" for i, key in enumerate(view.nodes)}
        self.references = {}   # (home key, box) -> reference node name
        self.between = []      # (data tail, data head, view edge) across items
        self.connectors = Connectors(self)

    # ------------------------------------------------------------ nodes
    def place_nodes(self, box_of, slot_of):
        for key, node in self.view.nodes.items():
            plan_node = PlanNode(self.names[key], node.kind, list(node.lines), key,
                                 list(node.members), is_output=node.is_output,
                                 source=key == self.source)
            self._add_node(plan_node)
            spot = box_of.get(key)
            if spot is not None:
                lane, column = spot
                self._put(plan_node.name, ("gap" if node.kind == "gap" else "step",
                                           lane, column), node.time)
            elif slot_of.get(key) is not None:
                self._put(plan_node.name, slot_of[key], None)
            else:
                self.plan.free.append(plan_node.name)

    def _add_node(self, plan_node):
        size = style.REFERENCE_FONT_SIZE if plan_node.reference else style.NODE_FONT_SIZE
        plan_node.width = wrap.node_width(plan_node.lines, size)
        self.plan.nodes[plan_node.name] = plan_node

    def _put(self, name, spot, time):
        side, lane, column = spot
        if side in ("step", "gap"):
            key = ("box", lane, column)
        elif side == "tail":   # what comes after the steps of every lane: one slot
            key = spot = ("tail", None, column)
            lane = None
        else:
            key = spot
        item = self.items.get(key)
        if item is None:
            item = self.items[key] = self._new_item(side, lane, column, time)
        item.nodes.append(name)
        self.item_of[name] = key

    def _new_item(self, side, lane, column, time):
        suffix = _lane_suffix(lane, self.many_modules)
        if side == "step":
            return Item(f"cluster_t{time}{suffix}", "step", column, f"t = {time}",
                        mirrored=is_mirrored(lane))
        if side == "gap":
            return Item(f"cluster_gap_c{column}{suffix}", "gap", column, "",
                        mirrored=is_mirrored(lane))
        if side == "head":
            words = f"{labels.lane_label(lane)} · before the steps (all steps at once)"
        else:
            words = "after the steps" if side == "tail" else ""
        return Item(f"cluster_{side}_c{column}{suffix}", side, column, words.strip(" ·"))

    # ------------------------------------------------------------ edges
    def add_edges(self, box_of, by_reference):
        """Every view edge, drawn directly or through a reference in its box."""
        for edge in self.view.edges:
            tail, head = self.names[edge.tail], self.names[edge.head]
            if edge.tail in by_reference and edge.head in box_of:
                tail = self._reference(edge.tail, box_of[edge.head])
            elif edge.head in by_reference and edge.tail in box_of:
                head = self._reference(edge.head, box_of[edge.tail])
            if self.item_of.get(tail) is not None and \
                    self.item_of.get(tail) == self.item_of.get(head):
                self._inside(tail, head, edge)
            else:
                self.between.append((tail, head, edge))

    def _reference(self, home, box):
        """The reference to view node `home` in the step box (lane, column)."""
        lane, column = box
        return self._reference_in(home, ("box", lane, column))

    def _reference_in(self, home, item_key):
        """The reference to view node `home` in the item `item_key` (made once)."""
        name = self.references.get((home, item_key))
        if name is None:
            node = self.view.nodes[home]
            name = self.references[(home, item_key)] = f"r{len(self.references)}"
            lines = labels.reference_lines(node.lines, node.kind)
            self._add_node(PlanNode(name, node.kind, lines, home, list(node.members),
                                    reference=True, source=home == self.source))
            side, lane, column = item_key
            self._put(name, ("step" if side == "box" else side, lane, column), None)
        return name

    def _inside(self, tail, head, edge):
        """An edge inside one item: laid out along the data flow, unless the item is
        mirrored (a reverse lane) or the graph is a backward one (both flip it)."""
        item = self.items[self.item_of[tail]]
        flip = item.mirrored != (self.view.mode == "grad-graph")
        self._add_edge(tail, head, edge, flip)

    def _add_edge(self, tail, head, edge, flip):
        """A PlanEdge for view edge `edge` from data tail to data head."""
        if flip:
            tail, head = head, tail
        back = flip != (self.view.mode == "backward")
        kind = "recurrent" if edge.state else "weight" if edge.from_weight else "data"
        producer, consumer = (head, tail) if flip else (tail, head)
        kinds = (self.plan.nodes[producer].kind, self.plan.nodes[consumer].kind)
        label = edge.state if edge.state and "state" not in kinds[:1] else None
        if "connector" in kinds:   # the tag says what crosses
            label = None
        if (self.label_edges and edge.highlighted and edge.grad_norm is not None
                and kinds[0] != "connector"):
            norm = "0" if edge.grad_norm == 0 else f"{edge.grad_norm:.2g}"
            label = f"{label} {norm}" if label else norm
        side = None
        if kind == "recurrent" and label is not None:   # h along the top, c along the bottom
            side = "upper" if edge.state == "h" else "lower"
        self.plan.edges.append(PlanEdge(tail, head, back, kind, edge.state, label,
                                        edge.grad_norm, edge.highlighted, edge.count, side,
                                        members=edge.members))

    # ------------------------------------------------------------- bands
    def wrap(self, page_width, lanes, per_band=None):
        """Bands of columns that fit the page; the rows of each band, top to bottom: for
        each layer, a row of what comes before its steps (its input projection, its
        weights) above the rows of its lanes; at the bottom, what comes after the steps
        (the stacked outputs, the loss). Connectors carry edges across bands."""
        inside = {}
        for edge in self.plan.edges:
            key = self.item_of.get(edge.tail)
            if key is not None and key == self.item_of.get(edge.head):
                inside.setdefault(key, []).append(edge)
        together = wrap.rank_groups(self.plan.flat)
        for key, item in self.items.items():
            inner = inside.get(key, [])
            item.first, item.last = _ends_of(item.nodes, inner, together)
            widths = {n: self.plan.nodes[n].width for n in item.nodes}
            label_widths = {(e.tail, e.head): wrap.text_width(e.label, style.EDGE_FONT_SIZE)
                            for e in inner if e.label}
            item.width = wrap.cluster_width(
                wrap.layered_width(item.nodes, widths, [(e.tail, e.head) for e in inner],
                                   label_widths, together), item.label)
        columns = sorted({key[2] for key in self.items})
        self.rows, self.band_of, self.position = {}, {}, {}
        if not columns:   # no time steps (detail="layers", a plain graph): dot places all
            for tail, head, edge in self.between:
                self._across(tail, head, edge)
            return
        if per_band is None:
            per_band = wrap.columns_per_band(*wrap.extents(self.items, columns, False), page_width)
            if per_band is not None and per_band < len(columns):   # wrapped: connectors too
                per_band = wrap.columns_per_band(*wrap.extents(self.items, columns, True),
                                                 page_width)
        per_band = min(per_band or len(columns), len(columns))
        self.plan.per_band = per_band
        self.band_of = {c: i // per_band for i, c in enumerate(columns)}
        self.position = {c: i % per_band for i, c in enumerate(columns)}
        self.plan.bands = (len(columns) + per_band - 1) // per_band
        for (side, lane, column), item in self.items.items():
            self._row_for(side, lane, self.band_of[column]).items.append(item)
        for row in self.rows.values():
            row.items.sort(key=lambda it: (it.column, SIDES.index(
                "box" if it.kind in ("step", "gap") else it.kind)))
        rank = {lane: i for i, lane in enumerate(lanes)}
        self.plan.rows = [self.rows[k] for k in sorted(self.rows, key=lambda k: _row_order(
            k, rank))]
        for tail, head, edge in self.between:
            self._across(tail, head, edge)

    def _row_for(self, side, lane, band):
        """The row of an item: its lane's row; a head's row above its layer's lanes, a
        tail's row below the band."""
        module, layer, _ = lane or (None, None, None)
        if side == "head":
            key = (band, "head", (module, layer))
            name, label = f"cluster_before_b{band}{_lane_suffix((module, layer, None), True)}", \
                labels.lane_label((module, layer, None)) + " · before the steps"
        elif side == "tail":
            key = (band, "tail", None)
            name, label = f"cluster_after_b{band}", "after the steps"
        else:
            key = (band, "steps", lane)
            name, label = f"cluster_row_b{band}{_lane_suffix(lane, True)}", labels.lane_label(lane)
        if key not in self.rows:
            self.rows[key] = Row(name, band, lane if key[1] == "steps" else None,
                                 label.strip(" ·"), kind=key[1])
        return self.rows[key]

    def _position(self, name):
        """(band, column, side) of a node in an item, ordered left to right; None free."""
        key = self.item_of.get(name)
        if key is None:
            return None
        side, lane, column = key
        return (self.band_of[column], column, SIDES.index(side))

    def _across(self, tail, head, edge):
        """An edge between two items: left to right by position; between bands through
        a pair of connectors."""
        at_tail, at_head = self._position(tail), self._position(head)
        if at_tail is None or at_head is None:   # a free node: dot places it
            flip = self.view.mode == "grad-graph" and not edge.from_weight
            self._add_edge(tail, head, edge, flip)
            return
        flip = at_head < at_tail
        if at_tail[0] == at_head[0]:
            self._add_edge(tail, head, edge, flip)
            return
        if not all(self.items[self.item_of[n]].kind in ("step", "gap") for n in (tail, head)):
            # what comes before or after the steps, read in another band: drawn again there
            item_key = self.item_of[head]
            reference = self._reference_in(self.plan.nodes[tail].key, item_key)
            item = self.items[item_key]
            if reference not in item.first:
                item.first.append(reference)
            self._inside(reference, head, edge)
            return
        left, right = (head, tail) if flip else (tail, head)
        out_tag, in_tag = self.connectors.pair(tail, left, right, edge, flip)
        # data tail -> data head on both pieces: left -> out tag, in tag -> right
        if flip:   # data: right -> in tag ... out tag -> left; laid out left to right
            self._add_edge(out_tag, left, edge, True)
            self._add_edge(right, in_tag, edge, True)
        else:
            self._add_edge(left, out_tag, edge, False)
            self._add_edge(in_tag, right, edge, False)

    def tag(self, near, end):
        """A connector node at the `end` ("wrap-in" or "wrap-out") of the row of `near`."""
        _, lane, column = self.item_of[near]
        band = self.band_of[column]
        row = self.rows[(band, "steps", lane)]
        item = next((it for it in row.items if it.kind == end), None)
        if item is None:
            column = -1 if end == "wrap-in" else 10 ** 9
            item = Item(f"cluster_{end}_b{band}{_lane_suffix(lane, True)}", end, column, "")
            if end == "wrap-in":
                row.items.insert(0, item)
            else:
                row.items.append(item)
        name = f"w{len(self.plan.nodes)}"
        self._add_node(PlanNode(name, "connector", ["", ""]))
        item.nodes.append(name)
        item.first.append(name)
        item.last.append(name)
        self.item_of[name] = (end, lane, item.column)
        return name

    def band_of_node(self, name):
        return self._position(name)[0]

    def time_of(self, name):
        key = self.plan.nodes[name].key
        return self.view.nodes[key].time if key in self.view.nodes else None

    # -------------------------------------------------------------- order
    def order(self):
        """Connector texts, then what keeps dot to the plan (ranks.py)."""
        self.connectors.write_texts()
        constrain(self.plan, self.position)


def _row_order(key, rank):
    """Rows top to bottom: by band; in a band each layer's head above its lanes (lanes
    in `rank` order), the tail at the bottom."""
    band, kind, what = key
    if kind == "tail":
        return (band, len(rank) + 1, 0)
    if kind == "head":
        first = min((r for lane, r in rank.items() if lane[:2] == what), default=0)
        return (band, first, 0)
    return (band, rank.get(what, 0), 1)


def _ends_of(nodes, edges, together):
    """(first, last) nodes of an item: those on its first rank (after merging the
    stacked pairs `together`: reference -> node), and those no edge inside it leaves."""
    merged = [together.get(n, n) for n in nodes]
    pairs = [(together.get(e.tail, e.tail), together.get(e.head, e.head)) for e in edges]
    rank = wrap.longest_path_ranks(list(dict.fromkeys(merged)),
                                   [(a, b) for a, b in pairs if a != b])
    first = [n for n in nodes if rank[together.get(n, n)] == 0]
    left = {e.tail for e in edges}
    return first, [n for n in nodes if n not in left]


def _lane_suffix(lane, many_modules):
    """"_layer0_forward" (with the module's name when several modules are drawn)."""
    if lane is None:
        return ""
    module, layer, direction = lane
    parts = []
    if many_modules and module:
        parts.append(module.replace(".", "_"))
    if layer is not None:
        parts.append(f"layer{layer}")
    if direction:
        parts.append(direction)
    return "".join("_" + p for p in parts)
