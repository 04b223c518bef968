"""The legend: one entry for every mark a picture uses, and nothing it does not use.

`legend_entries(plan, scale)` lists the marks as plain data, (mark, detail, words),
so that tests can check them against the picture; `graph_label` draws them, with the
title, as the graph's Graphviz HTML-like label.
"""
import textwrap
from html import escape

from . import style, wrap

KIND_ORDER = ("parameter", "input", "initial_state", "state", "gate", "op", "loss", "cell",
              "layer", "grad", "gap")
NOTE_WIDTH = 150   # characters per line of a note under the title
STATE_WORDS = {"h": "the hidden state h_t, to step t+1",
               "c": "the cell state c_t, to step t+1",
               "y": "the output y_t, fed back (Jordan)"}


def legend_entries(plan, scale=None, any_highlight=False):
    """The marks `plan` draws, in legend order: (mark, detail, words) tuples.

    Marks: "kind" (detail: the node kind), "output", "reference", "connector",
    "weight-edge", "recurrent" (detail: the state's name), "source", "backward",
    "path" (a highlighted path without magnitudes), "scale" (detail: the bin index,
    highest first), "zero-gradient".
    """
    drawn = [node for node in plan.nodes.values()]
    kinds = {node.kind for node in drawn}
    entries = [("kind", kind, style.KIND_WORDS[kind]) for kind in KIND_ORDER if kind in kinds]
    if any(node.is_output and not node.reference for node in drawn):
        entries.append(("output", None, "double border: the output that was traced"))
    if any(node.reference for node in drawn):
        entries.append(("reference", None, "dashed border: drawn again where it is used"))
    if "connector" in kinds:
        entries.append(("connector", None, "tag: the row goes on in the next row"))
    visible = [edge for edge in plan.edges if edge.kind != "order"]
    if any(edge.kind == "weight" for edge in visible):
        entries.append(("weight-edge", None, "dashed grey arrow: a shared weight read here"))
    for state in sorted({edge.state for edge in visible if edge.label and edge.state},
                        key=lambda s: (s != "h", s)):
        words = STATE_WORDS.get(state, f"the state {state}, to step t+1")
        entries.append(("recurrent", state, f"arrow labelled {state}: {words}"))
    if any(node.source for node in drawn):
        entries.append(("source", None, "red border: the highlighted tensor"))
    if plan.mode == "backward":
        entries.append(("backward", None, "arrows point the way the gradient flows"))
    if any_highlight and scale is None:
        entries.append(("path", None, "red arrow: on a path from the highlighted tensor to "
                                      "the output"))
    if scale is not None:
        for index in reversed(range(scale.bins)):
            low, high = scale.bounds(index)
            entries.append(("scale", index, f"|gradient| 1e{low:+.0f} .. 1e{high:+.0f}"))
        if any_highlight and any(e.highlighted and e.grad_norm == 0 for e in visible):
            entries.append(("zero-gradient", None, "dotted grey: on a path, carries exactly 0"))
    return entries


def graph_label(title, notes, entries, scale=None, page_width=None):
    """The picture's label, as a Graphviz HTML-like table: the title, the notes (what
    was folded), and the legend in as many columns (at most 4) as fit `page_width`.
    A graph label sits outside dot's layout, so the legend takes no rank away from the
    steps."""
    columns = legend_columns(entries, page_width)
    rows = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="{style.TITLE_FONT_SIZE}">'
            f'{escape(title)}</FONT></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="{style.CLUSTER_FONT_SIZE}">'
             f'{escape(line)}</FONT></TD></TR>' for note in notes
             for line in textwrap.wrap(note, NOTE_WIDTH, subsequent_indent="  ")]
    if entries:
        per_column = -(-len(entries) // columns)
        cells = []
        for start in range(0, len(entries), per_column):
            cells.append("<TD VALIGN=\"TOP\">" + _entries_table(entries[start:start + per_column],
                                                              scale) + "</TD>")
        rows.append('<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">'
                    f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="{style.CLUSTER_FONT_SIZE}">'
                    f'<B>legend</B></FONT></TD></TR><TR><TD>'
                    f'<TABLE BORDER="0" CELLSPACING="6" CELLPADDING="0"><TR>{"".join(cells)}'
                    '</TR></TABLE></TD></TR></TABLE></TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def legend_columns(entries, page_width, most=4):
    """How many columns of legend entries fit `page_width` (None: `most`)."""
    if page_width is None or not entries:
        return most
    for columns in range(most, 1, -1):
        per_column = -(-len(entries) // columns)
        widths = [max(wrap.text_width(words, style.NODE_FONT_SIZE) for _, _, words in
                      entries[start:start + per_column]) + SWATCH_WIDTH
                  for start in range(0, len(entries), per_column)]
        if sum(widths) <= page_width - 40:
            return columns
    return 1


SWATCH_WIDTH = 48   # points: the swatch, its padding and the space between columns
_SWATCH = 'WIDTH="28" HEIGHT="14" FIXEDSIZE="TRUE"'   # a colour swatch keeps its size


def _entries_table(entries, scale):
    rows = [f"<TR>{_swatch(mark, detail, scale)}<TD ALIGN=\"LEFT\"><FONT POINT-SIZE="
            f"\"{style.NODE_FONT_SIZE}\">{escape(words)}</FONT></TD></TR>"
            for mark, detail, words in entries]
    return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>")


def _swatch(mark, detail, scale):
    if mark == "kind":
        look = style.NODE_STYLE[detail]
        fill = look.get("fillcolor", "white")
        return (f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{look.get("color", "black")}" '
                f'{_SWATCH}> </TD>')
    if mark == "scale":
        return f'<TD BGCOLOR="{scale.colour_of_bin(detail)}" {_SWATCH}> </TD>'
    colour, text = symbol(mark, detail)
    return f'<TD><FONT COLOR="{colour}" POINT-SIZE="{style.NODE_FONT_SIZE}">{text}</FONT></TD>'


def symbol(mark, detail=None):
    """(colour, text) of the legend's sign for a mark that is not a swatch of colour: the
    text is HTML (entities), for Graphviz's labels and for the explorer page alike."""
    symbols = {"output": ("#404040", "[[ ]]"), "reference": ("#404040", "[- -]"),
               "connector": ("#707070", "tag &gt;"),
               "weight-edge": (style.WEIGHT_EDGE["color"], "- - &gt;"),
               "recurrent": (style.RECURRENT_EDGE["color"], f"&#8212;{escape(str(detail))}&#8594;"),
               "source": (style.HIGHLIGHT_SOURCE_STYLE["color"], "[ ]"),
               "backward": ("#404040", "&#8592;"),
               "path": ("#e31a1c", "&#8212;&#8594;"),
               "zero-gradient": ("#909090", "&#183; &#183; &#183;")}
    return symbols[mark]
