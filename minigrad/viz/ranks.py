"""What keeps dot to the plan: invisible order edges and same-rank groups.

dot is free to place nodes wherever its ranking and crossing minimisation like; the plan
(plan.py) needs three things of it, and asks for them here, without invisible nodes:
- in a row, each item (a step box, a slot) to the right of the one before: an invisible
  edge from every node that ends an item to the first nodes of the next;
- the boxes at one position of every band on one rank (their first nodes share it), so
  that the columns of all rows and bands line up;
- every row of a band starting on one rank, so that the rows share ranks: dot stacks
  rows that share ranks in their order, top to bottom, and lets one that shares none
  slide beside another.
"""
from .plan_data import PlanEdge


def constrain(plan, position):
    """Add the order edges and same-rank groups to `plan` (position: column -> its place
    in its band)."""
    for row in plan.rows:
        if row.kind != "steps":   # the slots of a head or tail row stand side by side
            continue
        for before, after in zip(row.items, row.items[1:]):
            # a box's first nodes share one rank: one of them will do
            heads = after.first[:1] if after.kind in ("step", "gap") else after.first
            for tail in before.last:
                for head in heads:
                    plan.edges.append(PlanEdge(tail, head, kind="order"))
    positions = {}   # the boxes at one position of every band share their first rank
    for row in plan.rows:
        for item in row.items:
            if item.kind in ("step", "gap"):
                positions.setdefault(position[item.column], []).extend(item.first)
    # every row of a band starts on one rank: the first, or, in a band whose rows of
    # steps all start with a box (no initial state, no connector before it), the first
    # column's
    starts = []
    for band in range(plan.bands):
        rows = [row for row in plan.rows if row.band == band and row.items]
        firsts = [n for row in rows if row.items[0].kind not in ("step", "gap")
                  for n in row.items[0].first]
        if all(row.items[0].kind in ("step", "gap") for row in rows if row.kind == "steps"):
            positions.setdefault(0, []).extend(firsts)
        else:
            starts += firsts
    if starts:
        plan.same_rank.append(starts)
    plan.same_rank += [names for _, names in sorted(positions.items())]
