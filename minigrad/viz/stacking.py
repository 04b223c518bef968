"""References on the rank of the node they meet: a step box as narrow as its own nodes.

A reference (a tensor drawn again where a step uses it, see plan.py) that meets one
node of its box is put on that node's rank, stacked next to it: one just below it (a
data input, else a weight), one just above it (a weight input, else an output, the
stack its result goes to); the others keep a rank of their own. dot puts the tail of
an edge between two nodes of one rank below its head, and keeps only one neighbour on
each side of a node on its rank.
"""


def stack_references(plan, mode):
    """Choose the stacked pairs of `plan` (plan.flat, lower node first) and lay out their
    edges from lower to upper, the arrow along the data (against it in a backward view)."""
    meets = {}
    for index, edge in enumerate(plan.edges):
        for end, other in ((edge.tail, edge.head), (edge.head, edge.tail)):
            if plan.nodes[end].reference:
                meets.setdefault(end, {})[other] = index
    inputs, outputs = {}, {}
    for reference, others in meets.items():
        if len(others) == 1:
            (node, index), = others.items()
            edge = plan.edges[index]
            into = (edge.head == node) == _flows_forward(edge, mode)
            (inputs if into else outputs).setdefault(node, []).append(
                ((edge.kind == "weight", reference), reference, index))
    for node in set(inputs) | set(outputs):
        feeding = sorted(inputs.get(node, []))
        fed = sorted(outputs.get(node, []))
        if feeding:
            _stack(plan, mode, feeding.pop(0), node, below=True)
        if feeding or fed:
            _stack(plan, mode, (feeding or fed)[0], node, below=False)


def _flows_forward(edge, mode):
    """True when the data of a planned edge flows from its tail to its head."""
    return edge.back == (mode == "backward")


def _stack(plan, mode, entry, node, below):
    """Put the reference of `entry` (sort key, name, edge index) on `node`'s rank."""
    _, reference, index = entry
    edge = plan.edges[index]
    reference_is_source = (edge.tail == reference) == _flows_forward(edge, mode)
    lower, upper = (reference, node) if below else (node, reference)
    edge.tail, edge.head = lower, upper
    flows_up = (lower == reference) == reference_is_source
    edge.back = flows_up == (mode == "backward")
    plan.flat.append((lower, upper))
