"""Connectors: how an edge from the end of one band to the start of the next is drawn.

A long unroll wraps onto several bands (plan.py). The state a step hands to the next
one across a wrap does not run back across the picture: the edge ends at a tag at the
end of its band ("h, c -> t=6 (next row)") and starts again from a tag at the start of
the next band ("h, c from t=5 (row above)"). A reverse lane, whose data runs right to
left, says it the other way round. One pair of tags per producer and pair of bands.
"""
from . import wrap

ARROW = "\u2192"


class Connectors:
    """The tags of one plan, made by the plan's builder (`pair`), worded at the end
    (`write_texts`), when every state that crosses is known."""

    def __init__(self, builder):
        self.builder = builder
        self.pairs = {}   # (producer, left band, right band) -> (out tag, in tag)
        self.words = {}   # (out tag, in tag) -> (states, left step, right step, flipped)

    def pair(self, producer, left, right, edge, flip):
        """The tags at the end of `left`'s band and at the start of `right`'s band that
        carry the edges of `producer` across (`flip`: the data flows right to left)."""
        builder = self.builder
        key = (producer, builder.band_of_node(left), builder.band_of_node(right))
        # a state by its name, anything else by its label's first words ("add", "tanh")
        what = edge.state or builder.plan.nodes[producer].lines[0].split("  (")[0]
        if key in self.pairs:
            pair = self.pairs[key]
            self.words[pair][0].add(what)
            return pair
        pair = (builder.tag(left, "wrap-out"), builder.tag(right, "wrap-in"))
        self.pairs[key] = pair
        self.words[pair] = ({what}, builder.time_of(left), builder.time_of(right), flip)
        return pair

    def write_texts(self):
        """"h, c -> t=6 (next row)" at a band's end, "h, c from t=5 (row above)" at the
        start of the next; for data running right to left, the other way round."""
        for (out_tag, in_tag), (what, t_left, t_right, flip) in self.words.items():
            text = ", ".join(sorted(what, key=lambda n: (n != "h", n)))
            outgoing = f"{text} from t={t_right}" if flip else f"{text} {ARROW} t={t_right}"
            incoming = f"{text} {ARROW} t={t_left}" if flip else f"{text} from t={t_left}"
            for name, words, where in ((out_tag, outgoing, "next row"),
                                       (in_tag, incoming, "row above")):
                node = self.builder.plan.nodes[name]
                node.lines = [words, f"({where})"]
                node.width = wrap.node_width(node.lines)
