"""How wide things will be, and where a long unroll wraps onto the next row.

dot decides the exact positions; the plan only needs to know, before dot runs, how
many steps fit the page width. Widths are estimated from the label texts (Helvetica's
character widths), the ranks inside each box (longest path) and dot's separations.
Estimates err on the wide side, so a picture fits the page it was planned for; the
tests compare them with the widths dot produces. Because dot's ranks are shared by
every band of a wrapped picture, the bands are aligned column by column
(`columns_per_band`).
"""
from . import style

# Helvetica advance widths in 1/1000 em, by character class
_NARROW = set("fijlrt.,:;!|'()[] ") 
_WIDE = set("mwMW@%")
_POINTS_PER_INCH = 72.0


def text_width(text, size):
    """Width in points of `text` at font `size` (points), a little generous."""
    total = 0
    for char in text:
        if char in _NARROW:
            total += 300
        elif char in _WIDE:
            total += 870
        elif char.isupper():
            total += 690
        else:
            total += 570
    return total * size / 1000.0


def node_width(lines, size=style.NODE_FONT_SIZE):
    """Width in points of a box node with these label lines (dot: text + margins)."""
    widest = max((text_width(line, size) for line in lines), default=0.0)
    return max(widest + 2 * style.NODE_MARGIN_X * _POINTS_PER_INCH + 4,
               style.NODE_MIN_WIDTH * _POINTS_PER_INCH)


def layered_width(node_ids, widths, edges, label_widths=None, together=None):
    """Width of a group of nodes laid out left to right by their edges among them.

    Args:
        node_ids: the nodes of the group.
        widths: node id -> width in points.
        edges: (tail, head) pairs in layout order, among the group's nodes.
        label_widths: (tail, head) -> width of the edge's label (dot gives labels a
            rank of their own).
        together: node -> representative of its group of nodes on one rank
            (`rank_groups`).
    Returns:
        points from the left edge of the leftmost node to the right edge of the
        rightmost one.
    """
    merged = {n: (together or {}).get(n, n) for n in node_ids}
    merged = {a: b for a, b in merged.items() if a != b and b in widths}
    if merged:
        node_ids = [n for n in node_ids if n not in merged]
        edges = [(merged.get(t, t), merged.get(h, h)) for t, h in edges
                 if merged.get(t, t) != merged.get(h, h)]
        widths = dict(widths)
        for a, b in merged.items():
            widths[b] = max(widths[b], widths[a])
        label_widths = {(merged.get(t, t), merged.get(h, h)): w
                        for (t, h), w in (label_widths or {}).items()}
    rank = longest_path_ranks(node_ids, edges)
    if not rank:
        return 0.0
    columns, gaps = {}, {}
    for node in node_ids:
        columns[rank[node]] = max(columns.get(rank[node], 0.0), widths[node])
    for tail, head in edges:
        width = (label_widths or {}).get((tail, head), 0.0)
        for between in range(rank[tail], rank[head]):
            gaps[between] = max(gaps.get(between, 0.0), width / max(rank[head] - rank[tail], 1))
    last = max(columns)
    ranksep = style.RANKSEP * _POINTS_PER_INCH
    return (sum(columns.get(r, 0.0) for r in range(last + 1))
            + sum(ranksep + gaps.get(r, 0.0) for r in range(last)))


def rank_groups(pairs):
    """node -> the representative of its group, for pairs of nodes on one rank (joined
    transitively: a node with a reference below and one above is one group of three)."""
    parent = {}

    def find(node):
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:   # path compression
            parent[node], node = root, parent[node]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    return {node: find(node) for node in parent}


def longest_path_ranks(node_ids, edges):
    """node -> rank (0 for sources), by the longest path over `edges` (a DAG)."""
    members = set(node_ids)
    incoming = {n: 0 for n in node_ids}
    outgoing = {}
    for tail, head in edges:
        if tail in members and head in members:
            outgoing.setdefault(tail, []).append(head)
            incoming[head] += 1
    rank = {n: 0 for n in node_ids}
    ready = [n for n in node_ids if incoming[n] == 0]
    while ready:
        node = ready.pop()
        for head in outgoing.get(node, ()):
            rank[head] = max(rank[head], rank[node] + 1)
            incoming[head] -= 1
            if incoming[head] == 0:
                ready.append(head)
    return rank


def cluster_width(inner, label):
    """Width of a cluster around content `inner` points wide, with `label` on top."""
    label_width = text_width(label, style.CLUSTER_FONT_SIZE) if label else 0.0
    return max(inner, label_width) + 2 * style.CLUSTER_MARGIN


LABEL_ALLOWANCE = 12.0   # points between boxes for a recurrent edge's "h, c"


def extents(items, columns, wrapped):
    """(left, column, right) widths in points of a plan's items (key (side, lane,
    column) -> Item): the start slots before the first column (and a continued band's
    connectors), the widest column with the slots between columns, the end slots after
    the last column (and the connectors to the next band). Heads and tails have rows of
    their own."""
    gap = style.RANKSEP * _POINTS_PER_INCH
    first, last = columns[0], columns[-1]
    left, right, widest = {}, {}, {}
    for (side, lane, column), item in items.items():
        if side in ("head", "tail"):
            continue
        if side == "start" and column == first:
            where = left
        elif side == "end" and column == last:
            where = right
        else:
            where = widest
            lane = (lane, column)
        where[lane] = where.get(lane, 0.0) + item.width + gap
    connector = node_width(["h, c from t=100"]) + gap if wrapped else 0.0
    return (max(list(left.values()) + [connector]),
            max(widest.values(), default=0.0) + LABEL_ALLOWANCE,
            max(list(right.values()) + [connector]))


def columns_per_band(left, column, right, page_width):
    """How many step columns fit one band of `page_width` points.

    dot's ranks (x positions) are shared by every band, so the bands are aligned column
    by column: each band is `left` (the slots before the first step, or the connectors
    of a continued band) + n columns of the widest column's width + `right` (the slots
    after the last step, or the connectors to the next band). None: no limit.
    """
    if page_width is None:
        return None
    gap = style.RANKSEP * _POINTS_PER_INCH
    room = page_width - left - right
    return max(1, int((room + gap) // (column + gap)))


def picture_width(plan):
    """Estimated width in points of the whole picture that dot will draw from `plan`.

    dot gives every node a rank (an x position) shared by all rows; a rank is as wide as
    its widest node, ranks are `ranksep` apart, cluster borders between two items add
    their margins, and an edge label takes room between the ranks it spans. The ranks
    here are longest-path ranks over the plan's layout edges, with the plan's same-rank
    groups merged, as dot's ranking would give them before it balances.
    """
    names = list(plan.nodes)
    pairs = list(plan.flat) + [(members[0], name) for members in plan.same_rank
                               for name in members[1:]]
    joined = rank_groups(pairs)
    group = {name: joined.get(name, name) for name in names}
    edges = [(group[e.tail], group[e.head]) for e in plan.edges if group[e.tail] != group[e.head]]
    rank = longest_path_ranks(sorted(set(group.values()), key=names.index), edges)
    widths, gaps = {}, {}
    for name in names:
        r = rank[group[name]]
        widths[r] = max(widths.get(r, 0.0), plan.nodes[name].width)
    for edge in plan.edges:
        if edge.label:
            low, high = rank[group[edge.tail]], rank[group[edge.head]]
            width = text_width(edge.label, style.EDGE_FONT_SIZE) / max(high - low, 1)
            for r in range(low, high):
                gaps[r] = max(gaps.get(r, 0.0), width)
    borders = {}
    for row in plan.rows:
        for before, after in zip(row.items, row.items[1:]):
            if before.nodes and after.nodes:
                r = max(rank[group[n]] for n in before.nodes)
                boxed = sum(item.kind not in ("start", "end", "wrap-in", "wrap-out")
                            for item in (before, after))
                borders[r] = max(borders.get(r, 0.0), boxed * style.CLUSTER_MARGIN)
    if not widths:
        return 0.0
    last = max(widths)
    ranksep = style.RANKSEP * _POINTS_PER_INCH
    return SPREAD * (sum(widths.get(r, 0.0) for r in range(last + 1))
                     + sum(ranksep + gaps.get(r, 0.0) + borders.get(r, 0.0)
                           for r in range(last))
                     + 4 * style.CLUSTER_MARGIN)


# dot's placement spreads the ranks of a wrapped picture (several rows sharing ranks)
# up to a fifth wider than the longest-path estimate; measured on the sweep's pictures
SPREAD = 1.16
