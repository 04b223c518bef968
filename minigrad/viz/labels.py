"""The words on the picture: what each drawn node says, from the captured graph's data.

A node's label is a list of lines. The first line says what the node is: a state or
gate by its symbol and step ("h_3", "f_3"), a parameter by its name
("lstm.weight_hh_l0"), an op by the op and the attribute a reader needs ("pow 2",
"[t=3]", "sum axis=1"); the second its shape. Nothing here guesses: gate and state
names come from the roles the models declared (graph capture's `name`).
"""
import numpy as np

NAMED_KINDS = ("parameter", "input", "initial_state", "state", "gate", "loss")


def with_step(name, time_step):
    """"h_3" for the state h at step 3; the name alone outside the time steps."""
    return name if time_step is None else f"{name}_{time_step}"


def format_shape(shape):
    if shape is None:
        return ""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def format_norm(value):
    return "-" if value is None else f"{value:.2e}"


def format_value(value):
    """A short text for a captured value summary: the number, or its norm and mean."""
    if not value:
        return ""
    if "item" in value:
        return f"= {value['item']:.4g}"
    return f"|x|={value['norm']:.3g} mean={value['mean']:.3g}"


def format_op(op, attrs, time_step=None):
    """An op's name with the attribute a reader needs: "pow 2", "[t=3]", "[..., 4:8]",
    "transpose", "permute (0, 2, 1)", "sum axis=1"."""
    attrs = attrs or {}
    if op == "pow_const":
        return f"pow {attrs.get('exponent')}"
    if op == "getitem" and "index" in attrs:
        index = attrs["index"]
        if isinstance(index, (int, np.integer)) and index == time_step:
            return f"[t={index}]"
        return f"[{format_index(index)}]"
    if op == "permute" and "dims" in attrs:
        return "transpose" if tuple(attrs["dims"]) == (1, 0) else f"permute {tuple(attrs['dims'])}"
    reductions = ("sum", "mean", "max", "min", "amax", "amin", "var", "std")
    if op in reductions and attrs.get("axis") is not None:
        return f"{op} axis={attrs['axis']}"
    if op in ("stack", "concat") and attrs.get("axis") not in (None, 0):
        return f"{op} axis={attrs['axis']}"
    return op


def format_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    texts = []
    for part in parts:
        if part is Ellipsis:
            texts.append("...")
        elif part is None:
            texts.append("None")
        elif isinstance(part, slice):
            text = ("" if part.start is None else str(part.start)) + ":" + \
                   ("" if part.stop is None else str(part.stop))
            texts.append(text + (f":{part.step}" if part.step is not None else ""))
        elif isinstance(part, (int, np.integer)):
            texts.append(str(int(part)))
        else:
            texts.append(f"array{tuple(np.shape(part))}")
    return ", ".join(texts)


def node_lines(attrs, time_step, constants=(), forward=None):
    """The label lines of one graph node drawn on its own.

    Args:
        attrs: the node's captured attributes (`Graph.nodes[id]`).
        time_step: the step it is drawn at (None outside the steps).
        constants: texts of the 0-d constants the op takes (not drawn as nodes).
        forward: for a gradient op of a create_graph backward, the attributes of the
            forward node it differentiates.
    """
    kind = attrs["kind"]
    shape = format_shape(attrs["shape"]) if attrs["shape"] else ""   # 0-d: no "()" line
    op_text = None
    if attrs["op"] is not None:
        op_text = format_op(attrs["op"], attrs.get("attrs"), attrs["time_step"])
        if constants:
            op_text += f" ({', '.join(constants[:3])})"
    if forward is not None:
        what = forward["name"] or forward["op"] or forward["label"]
        return [f"{op_text}  (grad of {with_step(what, forward['time_step'])})", shape]
    if kind in NAMED_KINDS and attrs["name"]:
        first = with_step(attrs["name"], time_step if kind != "parameter" else None)
        second = f"{op_text} {shape}".strip() if op_text else shape
        return [first, second]
    if kind == "constant":
        return [attrs["label"], shape]
    return [op_text or attrs["label"], shape]


def reference_lines(lines, kind=None):
    """The label of a reference (a node drawn again where it is used): the home's first
    line (a parameter's last dotted part: "bias_hh_l0"), broken before its last
    operator when long; the full name and the shape are at the home."""
    first = lines[0] if lines else ""
    if kind == "parameter":
        first = first.rsplit(".", 1)[-1]
    if len(first) > 16:
        cut = max(first.rfind(" + "), first.rfind(" - "), first.rfind(" * "))
        if cut > 0:
            return [first[:cut], first[cut + 1:]]
    return [first]


def cell_lines(module, time_step, ops, outputs):
    """"lstm t=3" / "15 ops: h, c (1, 4)": one cell, the ops it stands for and the states
    it hands on (`outputs`: texts of its outputs, e.g. ["h, c (1, 4)"])."""
    first = f"{module or 'cell'} t={time_step}"
    return [first, f"{ops} ops" + (f": {', '.join(outputs[:2])}" if outputs else "")]


def layer_lines(lane, steps, ops, outputs):
    module, layer, direction = lane
    where = [module or "layer"]
    if layer is not None:
        where.append(f"layer {layer}")
    if direction:
        where.append(direction)
    lines = [" · ".join(where), f"{steps} steps, {ops} ops"]
    if outputs:
        lines.append(", ".join(outputs[:2]))
    return lines


def gap_lines(first, last, ops):
    count = last - first + 1
    return [f"... {count} step{'s' if count > 1 else ''} collapsed ...",
            f"(t = {first} .. {last}, {ops} ops)"]


def lane_label(lane):
    """A box's or row's name for its lane: "layer 1 · reverse (runs right to left)"."""
    module, layer, direction = lane
    parts = [module] if module else []
    if layer is not None:
        parts.append(f"layer {layer}")
    if direction == "reverse":
        parts.append("reverse (right to left)")
    elif direction:
        parts.append(direction)
    return " · ".join(parts)


# ------------------------------------------------------------- expressions
_BINARY = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2),
           "matmul": ("@", 3)}
EXPRESSION_LIMIT = 30   # characters: longer expressions are cut after their first operand


def expressions(graph, node_ids):
    """node id -> the expression an op outside the time steps computes from named
    tensors ("weight_hh_l0.T", "x @ weight_ih_l0.T + …"), for the ops that have one.

    Names are the tensors' names (a parameter's last dotted part); an expression too
    long to read at a glance keeps its first operand and ends in "…".
    """
    found = {}   # node id -> (text, precedence)
    wanted = set(node_ids)
    inputs = {}
    for src, dst, attrs in graph.edges:
        inputs.setdefault(dst, []).append((attrs["input_index"], src))
    for node_id in sorted(wanted):
        attrs = graph.nodes[node_id]
        if attrs["op"] is None:
            if attrs["kind"] == "constant":
                found[node_id] = (attrs["label"], 9)
            elif attrs["name"]:
                found[node_id] = (attrs["name"].rsplit(".", 1)[-1], 9)
            continue
        if attrs["time_step"] is not None:
            continue
        # an operand without an expression of its own is named by its op ("concat")
        operands = [found.get(src, (graph.nodes[src]["op"], 9)) if graph.nodes[src]["op"]
                    else found.get(src) for _, src in sorted(inputs.get(node_id, ()))]
        if None in operands or not operands:
            continue
        text = _combine(attrs["op"], attrs.get("attrs") or {}, operands)
        if text is not None:
            found[node_id] = text
    return {n: text for n, (text, _) in found.items()
            if graph.nodes[n]["op"] is not None and n in wanted}


def _combine(op, attrs, operands):
    """(text, precedence) of `op` applied to the operands' (text, precedence)."""
    if op == "permute" and tuple(attrs.get("dims", ())) == (1, 0) and len(operands) == 1:
        text, precedence = operands[0]
        return (f"({text}).T" if precedence < 9 else f"{text}.T"), 9
    if op not in _BINARY or len(operands) != 2:
        return None
    symbol, precedence = _BINARY[op]
    parts = [text if rank >= precedence else f"({text})" for text, rank in operands]
    full = f"{parts[0]} {symbol} {parts[1]}"
    if len(full) <= EXPRESSION_LIMIT:
        return full, precedence
    if len(parts[0]) <= EXPRESSION_LIMIT - 4 and not parts[0].endswith("\u2026"):
        return f"{parts[0]} {symbol} \u2026", precedence
    return None
