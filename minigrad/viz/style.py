"""How things look: every colour, shape, font and size of the pictures, in one place.

Gradient magnitudes are shown on a log10 scale: each decade of |grad| gets one
colour from a fixed palette (light blue for small, dark red for large) and a pen
width that grows with the decade, so a vanishing gradient fades along a path.
"""
import math

FONT = "Helvetica"
NODE_FONT_SIZE = 10
CLUSTER_FONT_SIZE = 11
EDGE_FONT_SIZE = 8
REFERENCE_FONT_SIZE = 9
TITLE_FONT_SIZE = 16
NODE_MARGIN_X, NODE_MARGIN_Y = 0.04, 0.02   # inches
NODE_MIN_WIDTH, NODE_HEIGHT = 0.3, 0.3      # inches
RANKSEP, NODESEP = 0.22, 0.12               # inches
CLUSTER_MARGIN = 8.0                        # points, dot's default

GRAPH_ATTRS = {"rankdir": "LR", "newrank": "true", "fontname": FONT,
               "fontsize": str(TITLE_FONT_SIZE), "nodesep": str(NODESEP),
               "ranksep": str(RANKSEP), "labelloc": "t", "labeljust": "l",
               "splines": "true", "outputorder": "edgesfirst"}
NODE_ATTRS = {"fontname": FONT, "fontsize": str(NODE_FONT_SIZE),
              "height": str(NODE_HEIGHT), "width": str(NODE_MIN_WIDTH),
              "margin": f"{NODE_MARGIN_X},{NODE_MARGIN_Y}"}
EDGE_ATTRS = {"arrowsize": "0.7", "fontname": FONT, "fontsize": str(EDGE_FONT_SIZE)}

# one entry per node kind: the look, and the legend's words for it
NODE_STYLE = {
    "parameter": {"shape": "box", "style": "filled", "fillcolor": "#fde5c8", "color": "#c26a00"},
    "input": {"shape": "ellipse", "style": "filled", "fillcolor": "#e3f4e1", "color": "#3d8b37"},
    "initial_state": {"shape": "ellipse", "style": "filled", "fillcolor": "#fff7c2",
                      "color": "#a08a00"},
    "state": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#d9ecff",
              "color": "#1f5fa8"},
    "gate": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f1e6fb",
             "color": "#7b4fa0"},
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f6fa", "color": "#8090a8"},
    "loss": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#ffe3e3",
             "color": "#b03030"},
    "constant": {"shape": "plaintext", "fontcolor": "#606060"},
    "cell": {"shape": "box", "style": "rounded,filled", "fillcolor": "#d9ecff",
             "color": "#1f5fa8", "penwidth": "1.4"},
    "layer": {"shape": "box", "style": "rounded,filled", "fillcolor": "#d9ecff",
              "color": "#1f5fa8", "penwidth": "1.4"},
    "gap": {"shape": "note", "style": "dashed,filled", "fillcolor": "#f5f5f5",
            "color": "#808080", "fontcolor": "#404040"},
    "grad": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fbe8f3",
             "color": "#a0457b"},
    "connector": {"shape": "cds", "style": "filled", "fillcolor": "#eeeeee",
                  "color": "#707070", "fontsize": "9"},
}
KIND_WORDS = {
    "parameter": "parameter (a leaf that requires grad)",
    "input": "input (data, no grad)",
    "initial_state": "initial state (h0, c0)",
    "state": "state (h_t, c_t; y_t: Jordan)",
    "gate": "gate (LSTM: i f g o; GRU: r z n)",
    "op": "operation",
    "loss": "loss",
    "cell": "cell: every op of one step of one layer",
    "layer": "layer: every step of one layer",
    "gap": "steps not drawn (collapsed)",
    "grad": "gradient op (create_graph=True)",
}
REFERENCE_STYLE = {"style": "dashed,filled", "fontsize": str(REFERENCE_FONT_SIZE),
                   "fontcolor": "#404040", "penwidth": "1.0"}
# a cell hands on its states on separate edges: the first (h) along the top of the
# cells, the others along the bottom, so their labels do not meet
STATE_PORTS = {"upper": {"tailport": "ne", "headport": "nw"},
               "lower": {"tailport": "se", "headport": "sw"}}
OUTPUT_STYLE = {"peripheries": "2"}
HIGHLIGHT_SOURCE_STYLE = {"penwidth": "3", "color": "#e31a1c"}

PLAIN_EDGE = {"color": "#404040"}
WEIGHT_EDGE = {"style": "dashed", "color": "#8c8c8c"}
RECURRENT_EDGE = {"color": "#1f5fa8", "penwidth": "1.6", "fontcolor": "#1f5fa8",
                  "fontsize": "10"}
FADED_EDGE = {"color": "#d0d0d0", "fontcolor": "#b0b0b0"}
ZERO_EDGE = {"color": "#d0d0d0", "style": "dotted", "fontcolor": "#909090"}
INVISIBLE_EDGE = {"style": "invis"}

ROW_STYLE = {"style": "rounded", "color": "#d8d8d8", "fontcolor": "#707070"}
BOX_STYLE = {"forward": {"style": "rounded,filled", "fillcolor": "#fafafa", "color": "#7a9cc6",
                         "fontcolor": "#505050"},
             "reverse": {"style": "rounded,filled", "fillcolor": "#fcf7f9", "color": "#c67a9c",
                         "fontcolor": "#505050"},
             "slot": {"style": "rounded,dashed", "color": "#b0b0b0", "fontcolor": "#707070"}}

# small -> large gradient norm; readable on white, distinct in print
PALETTE = ("#74a9cf", "#3690c0", "#045a8d", "#6a51a3", "#ae017e", "#e31a1c", "#b30000")


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
        return self.colour_of_bin(self.bin_of(norm))

    def colour_of_bin(self, index):
        if self.bins == 1:
            return PALETTE[-2]
        return PALETTE[round(index * (len(PALETTE) - 1) / (self.bins - 1))]

    def penwidth(self, norm):
        return f"{1.0 + 3.0 * self.bin_of(norm) / max(self.bins - 1, 1):.2f}"

    def bounds(self, index):
        low = self.low + index * self.width
        return low, low + self.width
