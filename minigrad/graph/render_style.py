"""Colours, shapes and labels of the rendered graph: every visual choice in one place.

Gradient magnitudes are shown on a log10 scale: each decade of |grad| gets one
colour from a fixed palette (light blue for small, dark red for large) and a
pen width that grows with the decade, so a vanishing gradient fades along a path.
"""
import math

import numpy as np

# small -> large gradient norm; readable on white, distinct in print
PALETTE = ("#74a9cf", "#3690c0", "#045a8d", "#6a51a3", "#ae017e", "#e31a1c", "#b30000")
WEIGHT_EDGE = {"style": "dashed", "color": "#8c8c8c", "arrowsize": "0.6"}
FADED_EDGE = {"color": "#d0d0d0"}
PLAIN_EDGE = {"color": "#404040"}

NODE_STYLE = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#eef3fb", "color": "#5b7db1"},
    "cell": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f7", "color": "#2b5c99",
             "penwidth": "1.4"},
    "layer": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f7",
              "color": "#2b5c99", "penwidth": "1.4"},
    "param": {"shape": "box", "style": "filled", "fillcolor": "#fde5c8", "color": "#c26a00"},
    "input": {"shape": "ellipse", "style": "filled", "fillcolor": "#e3f4e1", "color": "#3d8b37"},
    "constant": {"shape": "plaintext", "fontcolor": "#606060"},
    "gap": {"shape": "note", "style": "dashed,filled", "fillcolor": "#f5f5f5", "color": "#808080",
            "fontcolor": "#404040"},
    "grad": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f3e8fb", "color": "#7b4fa0"},
}
OUTPUT_STYLE = {"peripheries": "2", "fillcolor": "#ffe9e9", "color": "#b03030"}
HIGHLIGHT_SOURCE_STYLE = {"penwidth": "3", "color": "#e31a1c"}


def format_shape(shape):
    if shape is None:
        return ""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def format_norm(value):
    return "-" if value is None else f"{value:.2e}"


def format_value(tensor):
    """A short text for a tensor's value: the number itself, or its norm and mean."""
    data = getattr(tensor, "data", tensor)
    array = np.asarray(data)
    if array.size == 1:
        return f"= {array.item():.4g}"
    if array.dtype.kind not in "fc" or array.size == 0:
        return ""
    return f"|x|={np.linalg.norm(array):.3g} mean={array.mean():.3g}"


class MagnitudeScale:
    """Maps a gradient norm to a colour and pen width by its log10 decade.

    Built from the norms that will be drawn, so the palette spans exactly the
    decades present (at most len(PALETTE) bins; wider ranges share bins).
    """

    def __init__(self, norms):
        logs = [math.log10(n) for n in norms if n is not None and n > 0 and math.isfinite(n)]
        if not logs:
            logs = [0.0]
        self.low = math.floor(min(logs))
        self.high = max(math.ceil(max(logs)), self.low + 1)
        decades = self.high - self.low
        self.bins = min(decades, len(PALETTE))
        self.width = decades / self.bins  # decades per bin

    def bin_of(self, norm):
        if norm is None or not norm > 0:
            return 0
        position = (math.log10(norm) - self.low) / self.width
        return int(min(max(position, 0), self.bins - 1))

    def colour(self, norm):
        return self._colour_of_bin(self.bin_of(norm))

    def _colour_of_bin(self, index):
        if self.bins == 1:
            return PALETTE[-2]
        return PALETTE[round(index * (len(PALETTE) - 1) / (self.bins - 1))]

    def penwidth(self, norm):
        return f"{1.0 + 3.0 * self.bin_of(norm) / max(self.bins - 1, 1):.2f}"

    def bounds(self, index):
        low = self.low + index * self.width
        return low, low + self.width

    def legend_label(self, title, zero_row=False):
        """An HTML-like table: one row per colour with its range of |grad| (and a row
        for the dotted grey edges that carry exactly zero, with `zero_row`)."""
        rows = [f'<TR><TD COLSPAN="2"><B>{title}</B></TD></TR>']
        for index in reversed(range(self.bins)):
            low, high = self.bounds(index)
            rows.append(f'<TR><TD BGCOLOR="{self._colour_of_bin(index)}" WIDTH="24"> </TD>'
                        f'<TD ALIGN="LEFT">1e{low:+.0f} .. 1e{high:+.0f}</TD></TR>')
        if zero_row:
            rows.append('<TR><TD WIDTH="24">···</TD><TD ALIGN="LEFT">0 (dotted grey)</TD></TR>')
        return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
                + "".join(rows) + "</TABLE>>")


GATES = {"lstm": "ifgo", "gru": "rzn"}   # PyTorch's gate order in the stacked weights


def format_op(op, attrs, time_step=None, module="", input_shape=None):
    """An op's name with the attribute a reader needs: "pow 2", "[t=3]", "[..., 4:8] f gate",
    "permute (1, 0)", "sum axis=1"."""
    attrs = attrs or {}
    if op == "pow_const":
        return f"pow {attrs.get('exponent')}"
    if op == "getitem" and "index" in attrs:
        index = attrs["index"]
        if isinstance(index, int) and index == time_step:
            return f"[t={index}]"
        text = f"[{format_index(index)}]"
        return text + _gate_name(index, module, input_shape)
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


def _gate_name(index, module, input_shape):
    """" i gate" for the slice of the i gate out of an LSTM's stacked pre-activations."""
    last = index[-1] if isinstance(index, tuple) else index
    kind = next((k for k in GATES if k in (module or "").lower()), None)
    if kind is None or not isinstance(last, slice) or not input_shape or last.step:
        return ""
    gates = GATES[kind]
    width, extra = divmod(input_shape[-1], len(gates))
    start = last.start or 0
    stop = input_shape[-1] if last.stop is None else last.stop
    if extra or width == 0 or stop - start != width or start % width:
        return ""
    return f" {gates[start // width]} gate"
